//! Typed errors. Every entry point that takes caller data validates it and returns one of these,
//! naming the offending position; nothing in the crate panics on caller data.

use core::fmt;

/// What is wrong with a CSR graph (see [`crate::graph::CsrGraph::new`] and its optional checks).
///
/// Positions are indices into the caller's slices: `position` into `indices`/`weights`, `row`
/// into `indptr` (row `i` spans `indptr[i]..indptr[i+1]`).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, GraphError};
/// let w = [1.0, 1.0];
/// // indptr must start at 0 ...
/// let err = CsrGraph::new(2, &[1, 1, 2], &[1, 0], &w).unwrap_err();
/// assert_eq!(err, GraphError::IndptrStart { found: 1 });
/// assert_eq!(err.to_string(), "indptr[0] is 1, expected 0");
/// // ... and never decrease (row 1 would span 2..1)
/// let err = CsrGraph::new(2, &[0, 2, 1], &[1, 0], &w).unwrap_err();
/// assert_eq!(err, GraphError::IndptrDecreasing { row: 1 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// `indptr` must have `n + 1` entries.
    IndptrLength {
        /// `n + 1`.
        expected: usize,
        /// `indptr.len()`.
        found: usize,
    },
    /// `indptr[0]` must be 0.
    IndptrStart {
        /// The value found in `indptr[0]`.
        found: u32,
    },
    /// `indptr[row + 1] < indptr[row]`.
    IndptrDecreasing {
        /// The row whose end lies before its start.
        row: usize,
    },
    /// `indptr[n]` must equal `indices.len()`.
    IndptrEnd {
        /// `indices.len()`.
        expected: usize,
        /// `indptr[n]`.
        found: u32,
    },
    /// `weights.len()` must equal `indices.len()`.
    WeightsLength {
        /// `indices.len()`.
        expected: usize,
        /// `weights.len()`.
        found: usize,
    },
    /// `n` or the number of entries does not fit the `u32` indices the graph uses.
    TooLarge {
        /// The number of vertices asked for.
        n: usize,
        /// The number of stored entries.
        nnz: usize,
    },
    /// A column index is `≥ n`.
    IndexOutOfRange {
        /// Position in `indices`.
        position: usize,
        /// The index found.
        index: u32,
        /// The number of vertices.
        n: usize,
    },
    /// A weight is NaN or infinite.
    NonFiniteWeight {
        /// Position in `weights`.
        position: usize,
    },
    /// A weight is negative.
    NegativeWeight {
        /// Position in `weights`.
        position: usize,
    },
    /// A weight exceeds 1 where memberships in `[0, 1]` are required (UMAP's cross-entropy).
    WeightAboveOne {
        /// Position in `weights`.
        position: usize,
    },
    /// Optional check: the entry `(row, indices[position])` has no matching reverse weight.
    Asymmetric {
        /// The row (head) of the entry.
        row: usize,
        /// Position of the entry in `indices`/`weights`.
        position: usize,
    },
    /// Optional check: a stored entry `(i, i)`.
    SelfLoop {
        /// The vertex.
        vertex: usize,
        /// Position of the entry in `indices`/`weights`.
        position: usize,
    },
    /// Optional check: a vertex without any edge of positive weight.
    IsolatedVertex {
        /// The vertex.
        vertex: usize,
    },
    /// Optional check: a column index repeated within a row.
    DuplicateEntry {
        /// The row.
        row: usize,
        /// Position of the second occurrence in `indices`/`weights`.
        position: usize,
    },
}

/// What is wrong with a layout (see [`crate::layout::Layout::new`]).
///
/// ```
/// use neighbor_embed::{layout::Layout, Error, LayoutError};
/// // two points in 1-D, the second one infinite
/// let err = Layout::new(&[0.0, f64::INFINITY], 1).unwrap_err();
/// assert_eq!(err, LayoutError::NonFinite { row: 1, col: 0 });
/// let msg = Error::from(err).to_string();
/// assert_eq!(msg, "invalid layout: layout coordinate (1, 0) is not finite");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The embedding dimension must be at least 1.
    ZeroDim,
    /// The slice length is not a multiple of `dim`.
    LengthNotMultiple {
        /// The slice length.
        len: usize,
        /// The embedding dimension.
        dim: usize,
    },
    /// A coordinate is NaN or infinite.
    NonFinite {
        /// The point (row).
        row: usize,
        /// The coordinate (column).
        col: usize,
    },
}

/// The crate's error type: every fallible function returns `Result<_, Error>`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, Error, GraphError};
/// // `?` turns the graph's own error into an `Error`
/// fn total_weight(indices: &[u32]) -> Result<f64, Error> {
///     let g = CsrGraph::new(2, &[0, 1, 2], indices, &[0.5, 0.5])?;
///     Ok(g.d_tot())
/// }
/// assert_eq!(total_weight(&[1, 0])?, 1.0);
/// let err = total_weight(&[1, 5]).unwrap_err();
/// assert_eq!(err, Error::Graph(GraphError::IndexOutOfRange { position: 1, index: 5, n: 2 }));
/// assert_eq!(err.to_string(), "invalid graph: indices[1] = 5 is out of range for n = 2");
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Error {
    /// The graph is malformed.
    Graph(GraphError),
    /// The layout is malformed.
    Layout(LayoutError),
    /// A scalar parameter is outside its domain.
    Param {
        /// The parameter's name as in the docs.
        name: &'static str,
        /// The value given (converted to `f64`).
        value: f64,
        /// The domain it must lie in.
        expected: &'static str,
    },
    /// The graph and the layout disagree on the number of points.
    PointCount {
        /// Vertices of the graph.
        graph: usize,
        /// Rows of the layout.
        layout: usize,
    },
    /// A caller-provided output or scratch buffer has the wrong length.
    BufferLength {
        /// The buffer's name as in the docs.
        name: &'static str,
        /// The length required (a minimum for scratch buffers).
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A caller-provided point index is out of range.
    PointIndex {
        /// The argument's name as in the docs.
        name: &'static str,
        /// Position within that argument (0 for a single index).
        position: usize,
        /// The index found.
        index: usize,
        /// The number of points.
        n: usize,
    },
    /// The input is well-formed but the quantity asked for is undefined on it.
    Degenerate {
        /// What is missing, e.g. "the graph has no edge of positive weight".
        reason: &'static str,
    },
    /// The kNN list is malformed.
    Knn(crate::knn::KnnIssue),
    /// An iterative solver did not reach its tolerance.
    NoConvergence {
        /// Which solver.
        what: &'static str,
    },
}

impl From<GraphError> for Error {
    fn from(e: GraphError) -> Self {
        Error::Graph(e)
    }
}

impl From<LayoutError> for Error {
    fn from(e: LayoutError) -> Self {
        Error::Layout(e)
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GraphError::IndptrLength { expected, found } => {
                write!(f, "indptr has {found} entries, expected n + 1 = {expected}")
            }
            GraphError::IndptrStart { found } => write!(f, "indptr[0] is {found}, expected 0"),
            GraphError::IndptrDecreasing { row } => {
                write!(
                    f,
                    "indptr decreases at row {row} (indptr[{}] < indptr[{row}])",
                    row + 1
                )
            }
            GraphError::IndptrEnd { expected, found } => {
                write!(
                    f,
                    "indptr[n] is {found}, expected the number of entries {expected}"
                )
            }
            GraphError::WeightsLength { expected, found } => {
                write!(f, "weights has {found} entries, indices has {expected}")
            }
            GraphError::TooLarge { n, nnz } => {
                write!(
                    f,
                    "graph with n = {n}, nnz = {nnz} exceeds the u32 index range"
                )
            }
            GraphError::IndexOutOfRange { position, index, n } => {
                write!(
                    f,
                    "indices[{position}] = {index} is out of range for n = {n}"
                )
            }
            GraphError::NonFiniteWeight { position } => {
                write!(f, "weights[{position}] is not finite")
            }
            GraphError::NegativeWeight { position } => write!(f, "weights[{position}] is negative"),
            GraphError::WeightAboveOne { position } => {
                write!(
                    f,
                    "weights[{position}] exceeds 1 (memberships must lie in [0, 1])"
                )
            }
            GraphError::Asymmetric { row, position } => write!(
                f,
                "entry {position} (row {row}) has no matching reverse entry of equal weight"
            ),
            GraphError::SelfLoop { vertex, position } => {
                write!(f, "entry {position} is a self-loop on vertex {vertex}")
            }
            GraphError::IsolatedVertex { vertex } => {
                write!(f, "vertex {vertex} has no edge of positive weight")
            }
            GraphError::DuplicateEntry { row, position } => {
                write!(
                    f,
                    "entry {position} repeats a column index already stored in row {row}"
                )
            }
        }
    }
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayoutError::ZeroDim => write!(f, "the embedding dimension must be at least 1"),
            LayoutError::LengthNotMultiple { len, dim } => {
                write!(f, "layout length {len} is not a multiple of dim = {dim}")
            }
            LayoutError::NonFinite { row, col } => {
                write!(f, "layout coordinate ({row}, {col}) is not finite")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Graph(e) => write!(f, "invalid graph: {e}"),
            Error::Layout(e) => write!(f, "invalid layout: {e}"),
            Error::Param {
                name,
                value,
                expected,
            } => write!(
                f,
                "parameter `{name}` = {value} is invalid: expected {expected}"
            ),
            Error::PointCount { graph, layout } => write!(
                f,
                "the graph has {graph} vertices but the layout has {layout} points"
            ),
            Error::BufferLength {
                name,
                expected,
                found,
            } => write!(f, "buffer `{name}` has length {found}, expected {expected}"),
            Error::PointIndex {
                name,
                position,
                index,
                n,
            } => write!(
                f,
                "`{name}`[{position}] = {index} is out of range for {n} points"
            ),
            Error::Degenerate { reason } => write!(f, "undefined on this input: {reason}"),
            Error::Knn(e) => write!(f, "invalid kNN list: {e}"),
            Error::NoConvergence { what } => write!(f, "{what} did not converge"),
        }
    }
}

impl core::error::Error for GraphError {}
impl core::error::Error for LayoutError {}
impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Graph(e) => Some(e),
            Error::Layout(e) => Some(e),
            Error::Knn(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks a scalar parameter; `ok` says whether `value` lies in the domain described by `expected`.
pub(crate) fn check_param<T: crate::Real>(
    name: &'static str,
    value: T,
    ok: bool,
    expected: &'static str,
) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::Param {
            name,
            value: value.as_f64(),
            expected,
        })
    }
}

/// Checks that a scalar parameter is a finite number `> 0`.
pub(crate) fn check_positive<T: crate::Real>(name: &'static str, value: T) -> Result<(), Error> {
    check_param(
        name,
        value,
        value > T::zero() && value.is_finite(),
        "a finite number > 0",
    )
}

/// Checks that a buffer has exactly `expected` elements.
pub(crate) fn check_len(name: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::BufferLength {
            name,
            expected,
            found,
        })
    }
}
