//! Validated, borrowed CSR graphs.
//!
//! A [`CsrGraph`] is a view over the caller's three CSR arrays (`indptr`, `indices`, `weights`)
//! that has been checked once, so every algorithm can run on it without further checks. The
//! edge order is the CSR order (MATH.md §0): for `i` in `0..n`, for `p` in
//! `indptr[i]..indptr[i+1]`, the directed edge `(head i, tail indices[p], weight weights[p])`.
//!
//! A view can carry a weight threshold ([`CsrGraph::with_min_weight`],
//! [`CsrGraph::with_umap_filter`]): entries below it are treated as absent by every function of
//! the crate (iteration, degrees, losses, expected updates). The raw slice accessors
//! ([`CsrGraph::indices`], [`CsrGraph::weights`]) still return the caller's unfiltered arrays.

use crate::Real;
use crate::error::GraphError;

/// A validated CSR graph borrowed from the caller.
///
/// Guarantees after construction: `indptr` has `n + 1` non-decreasing entries from 0 to
/// `nnz = indices.len() = weights.len()`, every index is `< n`, every weight is finite and
/// `≥ 0`, and `n`, `nnz` fit in `u32`. Symmetry, self-loops, duplicates and isolated vertices
/// are *not* required; check them with the `check_*` methods when an algorithm needs them.
///
/// ```
/// use neighbor_embed::graph::CsrGraph;
/// // The path 0 - 1 - 2, both directions stored.
/// let indptr = [0, 1, 3, 4];
/// let indices = [1, 0, 2, 1];
/// let weights = [1.0, 1.0, 0.5, 0.5];
/// let g = CsrGraph::new(3, &indptr, &indices, &weights)?;
/// assert_eq!(g.nnz(), 4);
/// assert_eq!(g.degree(1), 1.5);
/// g.check_symmetric(0.0)?;
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CsrGraph<'a, T> {
    n: usize,
    indptr: &'a [u32],
    indices: &'a [u32],
    weights: &'a [T],
    min_weight: T,
    sorted_rows: bool,
}

impl<'a, T: Real> CsrGraph<'a, T> {
    /// Validates the three CSR arrays of a graph on `n` vertices.
    ///
    /// Errors name the first offending position, checked in this order: `n`/`nnz` range,
    /// `indptr` length, `indptr[0]`, monotonicity, `indptr[n]`, `weights` length, then each
    /// entry's index and weight in storage order.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, GraphError};
    /// // n = 2, but vertex 1's entry points at vertex 2
    /// let err = CsrGraph::new(2, &[0, 1, 2], &[1, 2], &[1.0, 1.0]).unwrap_err();
    /// assert_eq!(err, GraphError::IndexOutOfRange { position: 1, index: 2, n: 2 });
    /// // a negative weight is reported by its position too
    /// let err = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, -0.5]).unwrap_err();
    /// assert_eq!(err, GraphError::NegativeWeight { position: 1 });
    /// ```
    pub fn new(
        n: usize,
        indptr: &'a [u32],
        indices: &'a [u32],
        weights: &'a [T],
    ) -> Result<Self, GraphError> {
        let nnz = indices.len();
        // `n + 1` overflows for `n = usize::MAX` on 32-bit targets (where it is `u32::MAX`)
        let rows_plus_one = match n.checked_add(1) {
            Some(len) if n <= u32::MAX as usize && nnz <= u32::MAX as usize => len,
            _ => return Err(GraphError::TooLarge { n, nnz }),
        };
        if indptr.len() != rows_plus_one {
            return Err(GraphError::IndptrLength {
                expected: rows_plus_one,
                found: indptr.len(),
            });
        }
        if indptr[0] != 0 {
            return Err(GraphError::IndptrStart { found: indptr[0] });
        }
        for row in 0..n {
            if indptr[row + 1] < indptr[row] {
                return Err(GraphError::IndptrDecreasing { row });
            }
        }
        if indptr[n] as usize != nnz {
            return Err(GraphError::IndptrEnd {
                expected: nnz,
                found: indptr[n],
            });
        }
        if weights.len() != nnz {
            return Err(GraphError::WeightsLength {
                expected: nnz,
                found: weights.len(),
            });
        }
        let mut sorted_rows = true;
        for row in 0..n {
            let (start, end) = (indptr[row] as usize, indptr[row + 1] as usize);
            for p in start..end {
                let index = indices[p];
                if index as usize >= n {
                    return Err(GraphError::IndexOutOfRange {
                        position: p,
                        index,
                        n,
                    });
                }
                let w = weights[p];
                if !w.is_finite() {
                    return Err(GraphError::NonFiniteWeight { position: p });
                }
                if w < T::zero() {
                    return Err(GraphError::NegativeWeight { position: p });
                }
                if p > start && indices[p - 1] > index {
                    sorted_rows = false;
                }
            }
        }
        Ok(CsrGraph {
            n,
            indptr,
            indices,
            weights,
            min_weight: T::zero(),
            sorted_rows,
        })
    }

    /// The same graph, with entries of weight `< min_weight` treated as absent everywhere.
    ///
    /// `min_weight` must be finite; a value `≤ 0` keeps every entry. The threshold replaces any
    /// earlier one.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, Error};
    /// // a triangle whose edge 1 - 2 is weak
    /// let (indptr, indices) = ([0, 2, 4, 6], [1, 2, 0, 2, 0, 1]);
    /// let weights = [0.9, 0.6, 0.9, 0.1, 0.6, 0.1];
    /// let g = CsrGraph::new(3, &indptr, &indices, &weights)?.with_min_weight(0.5)?;
    /// assert_eq!((g.nnz(), g.kept_nnz()), (6, 4));
    /// assert_eq!(g.weight(1, 2), 0.0);
    /// let err = g.with_min_weight(f64::NAN).unwrap_err();
    /// assert!(matches!(err, Error::Param { name: "min_weight", .. }));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn with_min_weight(self, min_weight: T) -> Result<Self, crate::Error> {
        crate::error::check_param(
            "min_weight",
            min_weight,
            min_weight.is_finite(),
            "a finite number",
        )?;
        Ok(CsrGraph { min_weight, ..self })
    }

    /// The same graph with umap-learn's edge filter for a run of `n_epochs` epochs
    /// (MATH.md §B.2 step 1): entries with `w < w_max / N` are dropped, where `N = n_epochs` if
    /// `n_epochs > 10`, else `N = 500` for `n ≤ 10 000` and `200` above.
    ///
    /// ```
    /// use neighbor_embed::graph::CsrGraph;
    /// let (indptr, indices, weights) = ([0, 2, 3, 4], [1, 2, 0, 0], [1.0, 0.004, 1.0, 0.004]);
    /// let g = CsrGraph::new(3, &indptr, &indices, &weights)?.with_umap_filter(200);
    /// assert_eq!(g.kept_nnz(), 2); // 0.004 < 1/200
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn with_umap_filter(self, n_epochs: usize) -> Self {
        let n_eff = if n_epochs > 10 {
            n_epochs
        } else if self.n <= 10_000 {
            500
        } else {
            200
        };
        let min_weight = self.w_max() / T::of_usize(n_eff);
        CsrGraph { min_weight, ..self }
    }

    /// The threshold below which entries are treated as absent (0 unless set).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5, 0.5])?;
    /// assert_eq!(g.min_weight(), 0.0);
    /// assert_eq!(g.with_min_weight(0.3)?.min_weight(), 0.3);
    /// assert_eq!(g.with_umap_filter(250).min_weight(), 0.002); // w_max / n_epochs
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn min_weight(&self) -> T {
        self.min_weight
    }

    /// Number of vertices.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // four vertices, only 0 - 3 connected
    /// let g = CsrGraph::new(4, &[0, 1, 1, 1, 2], &[3, 0], &[1.0, 1.0])?;
    /// assert_eq!((g.n(), g.indptr().len()), (4, 5));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored entries (ignoring the threshold).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // row 0 stores a zero-weight self-loop before its edge to 1
    /// let g = CsrGraph::new(2, &[0, 2, 3], &[0, 1, 0], &[0.0, 1.0, 1.0])?;
    /// assert_eq!(g.nnz(), 3);
    /// assert_eq!(g.with_min_weight(0.5)?.nnz(), 3); // the threshold does not change it
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Number of entries kept by the threshold.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // the path 0 - 1 - 2 with weights 0.25 and 0.5
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[0.25, 0.25, 0.5, 0.5])?;
    /// assert_eq!(g.kept_nnz(), 4);
    /// // a weight equal to the threshold is kept
    /// assert_eq!(g.with_min_weight(0.5)?.kept_nnz(), 2);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn kept_nnz(&self) -> usize {
        self.weights.iter().filter(|&&w| self.keeps(w)).count()
    }

    /// The caller's `indptr` slice.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// let indptr = [0, 2, 2, 3];
    /// let g = CsrGraph::new(3, &indptr, &[1, 2, 0], &[1.0, 1.0, 1.0])?;
    /// assert_eq!(g.indptr(), &indptr);
    /// assert_eq!(g.indptr()[2] - g.indptr()[1], 0); // vertex 1 stores no entry
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn indptr(&self) -> &'a [u32] {
        self.indptr
    }

    /// The caller's `indices` slice (unfiltered).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// let (indices, weights) = ([1, 0], [0.01, 1.0]);
    /// let g = CsrGraph::new(2, &[0, 1, 2], &indices, &weights)?.with_min_weight(0.1)?;
    /// assert_eq!(g.indices(), &[1, 0]); // still lists the dropped entry (0, 1)
    /// assert_eq!(g.row(0).count(), 0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn indices(&self) -> &'a [u32] {
        self.indices
    }

    /// The caller's `weights` slice (unfiltered).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // 0 - 1 strong, 0 - 2 weak
    /// let weights = [0.5, 0.125, 0.5, 0.125];
    /// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &weights)?.with_min_weight(0.25)?;
    /// assert_eq!(g.weights().iter().sum::<f64>(), 1.25);
    /// assert_eq!(g.d_tot(), 1.0); // kept entries only
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn weights(&self) -> &'a [T] {
        self.weights
    }

    /// Whether every row's column indices are non-decreasing (found during validation).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// let (indptr, w) = ([0, 2, 3, 4], [1.0; 4]);
    /// assert!(CsrGraph::new(3, &indptr, &[1, 2, 0, 0], &w)?.has_sorted_rows());
    /// assert!(!CsrGraph::new(3, &indptr, &[2, 1, 0, 0], &w)?.has_sorted_rows());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn has_sorted_rows(&self) -> bool {
        self.sorted_rows
    }

    #[inline]
    pub(crate) fn keeps(&self, w: T) -> bool {
        w >= self.min_weight
    }

    /// The range of positions of row `i` in `indices`/`weights`. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // vertex 0 stores nothing, vertex 1 its edges to 0 and 2, vertex 2 its edge to 1
    /// let g = CsrGraph::new(3, &[0, 0, 2, 3], &[1, 2, 1], &[0.5, 1.0, 1.0])?;
    /// assert!(g.row_range(0).is_empty());
    /// assert_eq!((g.row_range(1), g.row_range(2)), (0..2, 2..3));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    #[inline]
    pub fn row_range(&self, i: usize) -> core::ops::Range<usize> {
        self.indptr[i] as usize..self.indptr[i + 1] as usize
    }

    /// The kept entries `(tail, weight)` of row `i`, in storage order. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // a star around vertex 0, row 0 stored unsorted
    /// let indices = [3, 1, 2, 0, 0, 0];
    /// let weights = [0.5, 1.0, 0.01, 1.0, 0.01, 0.5];
    /// let g = CsrGraph::new(4, &[0, 3, 4, 5, 6], &indices, &weights)?.with_min_weight(0.1)?;
    /// let kept: Vec<_> = g.row(0).collect();
    /// assert_eq!(kept, [(3, 0.5), (1, 1.0)]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    #[inline]
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, T)> + '_ {
        let r = self.row_range(i);
        self.indices[r.clone()]
            .iter()
            .zip(&self.weights[r])
            .filter(|&(_, &w)| self.keeps(w))
            .map(|(&j, &w)| (j as usize, w))
    }

    /// Every kept directed edge `(head, tail, weight)` in CSR order.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // the directed cycle 0 → 1 → 2 → 0
    /// let g = CsrGraph::new(3, &[0, 1, 2, 3], &[1, 2, 0], &[1.0, 2.0, 3.0])?;
    /// let e: Vec<_> = g.edges().collect();
    /// assert_eq!(e, [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 3.0)]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, T)> + '_ {
        (0..self.n).flat_map(move |i| self.row(i).map(move |(j, w)| (i, j, w)))
    }

    /// Weighted degree `d_i = Σ_j w_ij` over kept entries. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // vertex 0 is linked to 1, 2 and 3
    /// # let indices = [1, 2, 3, 0, 0, 0];
    /// let weights = [0.25, 0.5, 1.0, 0.25, 0.5, 1.0];
    /// let g = CsrGraph::new(4, &[0, 3, 4, 5, 6], &indices, &weights)?;
    /// assert_eq!(g.degree(0), 1.75);
    /// assert_eq!(g.with_min_weight(0.5)?.degree(0), 1.5); // without the 0.25 entry
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn degree(&self, i: usize) -> T {
        self.row(i).fold(T::zero(), |acc, (_, w)| acc + w)
    }

    /// Writes every degree `d_i` into `out` (length `n`).
    ///
    /// ```
    /// # use neighbor_embed::{graph::CsrGraph, Error};
    /// // the path 0 - 1 - 2 - 3 with unit weights
    /// let g = CsrGraph::new(4, &[0, 1, 3, 5, 6], &[1, 0, 2, 1, 3, 2], &[1.0; 6])?;
    /// let mut d = [0.0; 4];
    /// g.degrees_into(&mut d)?;
    /// assert_eq!(d, [1.0, 2.0, 2.0, 1.0]);
    /// let err = g.degrees_into(&mut [0.0; 3]).unwrap_err();
    /// assert!(matches!(err, Error::BufferLength { name: "out", expected: 4, found: 3 }));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn degrees_into(&self, out: &mut [T]) -> Result<(), crate::Error> {
        crate::error::check_len("out", self.n, out.len())?;
        for (i, d) in out.iter_mut().enumerate() {
            *d = self.degree(i);
        }
        Ok(())
    }

    /// Largest stored weight `w_max` (0 for an empty graph), over every stored entry whether a
    /// threshold keeps it or not ([`CsrGraph::with_umap_filter`]'s threshold, `w_max/n_epochs`,
    /// never removes it; [`CsrGraph::with_min_weight`] above `w_max` removes every entry).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// let g = CsrGraph::new(2, &[0, 2, 3], &[0, 1, 0], &[0.25, 0.75, 0.75])?;
    /// assert_eq!(g.w_max(), 0.75);
    /// let empty = CsrGraph::<f64>::new(2, &[0, 0, 0], &[], &[])?;
    /// assert_eq!(empty.w_max(), 0.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn w_max(&self) -> T {
        self.weights.iter().fold(T::zero(), |m, &w| m.max(w))
    }

    /// Total weight `D_tot = Σ_{i,j} w_ij` over kept entries (each undirected edge twice when
    /// both directions are stored).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // the triangle 0 - 1 - 2, both directions stored: each edge counts twice
    /// # let indices = [1, 2, 0, 2, 0, 1];
    /// let weights = [0.5, 0.25, 0.5, 1.0, 0.25, 1.0];
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &indices, &weights)?;
    /// assert_eq!(g.d_tot(), 2.0 * (0.5 + 0.25 + 1.0));
    /// let mut d = [0.0; 3];
    /// g.degrees_into(&mut d)?;
    /// assert_eq!(g.d_tot(), d.iter().sum::<f64>()); // D_tot = Σ_i d_i
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn d_tot(&self) -> T {
        self.weights
            .iter()
            .filter(|&&w| self.keeps(w))
            .fold(T::zero(), |acc, &w| acc + w)
    }

    /// Sum of the kept weights stored for the pair `(i, j)` (0 if none); a binary search when
    /// rows are sorted. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // row 0 stores the pair (0, 1) twice
    /// let g = CsrGraph::new(2, &[0, 2, 3], &[1, 1, 0], &[0.25, 0.5, 0.75])?;
    /// assert_eq!((g.weight(0, 1), g.weight(1, 0)), (0.75, 0.75));
    /// assert_eq!(g.weight(1, 1), 0.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn weight(&self, i: usize, j: usize) -> T {
        let r = self.row_range(i);
        let (idx, w) = (&self.indices[r.clone()], &self.weights[r]);
        let start = if self.sorted_rows {
            idx.partition_point(|&t| (t as usize) < j)
        } else {
            0
        };
        let mut sum = T::zero();
        for (&t, &wt) in idx[start..].iter().zip(&w[start..]) {
            if t as usize == j {
                if self.keeps(wt) {
                    sum += wt;
                }
            } else if self.sorted_rows {
                break;
            }
        }
        sum
    }

    /// Checks that every pair's kept weight lies in `[0, 1]` (memberships), duplicates summed;
    /// reports the first entry whose pair exceeds 1.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, GraphError};
    /// let (indptr, indices) = ([0, 2, 3], [1, 1, 0]);
    /// // both entries of the pair (0, 1) are ≤ 1, but together they exceed it
    /// let g = CsrGraph::new(2, &indptr, &indices, &[0.5, 0.75, 1.0])?;
    /// assert_eq!(g.check_memberships(), Err(GraphError::WeightAboveOne { position: 0 }));
    /// CsrGraph::new(2, &indptr, &indices, &[0.5, 0.5, 1.0])?.check_memberships()?;
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn check_memberships(&self) -> Result<(), GraphError> {
        for i in 0..self.n {
            for p in self.row_range(i) {
                let w = self.weights[p];
                if self.keeps(w)
                    && (w > T::one() || self.weight(i, self.indices[p] as usize) > T::one())
                {
                    return Err(GraphError::WeightAboveOne { position: p });
                }
            }
        }
        Ok(())
    }

    /// Checks that `w_ij = w_ji` for every kept entry, up to `|w_ij - w_ji| ≤ rel_tol·max(w_ij, w_ji)`
    /// (duplicates within a row are summed). Reports the first entry that fails.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, Error, GraphError};
    /// // w_01 = 1 but w_10 = 0.999
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 0.999])?;
    /// let err = g.check_symmetric(0.0).unwrap_err();
    /// assert_eq!(err, Error::Graph(GraphError::Asymmetric { row: 0, position: 0 }));
    /// g.check_symmetric(0.01)?; // equal within 1 %
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn check_symmetric(&self, rel_tol: T) -> Result<(), crate::Error> {
        crate::error::check_param(
            "rel_tol",
            rel_tol,
            rel_tol >= T::zero() && rel_tol.is_finite(),
            "a finite number >= 0",
        )?;
        for i in 0..self.n {
            for p in self.row_range(i) {
                if !self.keeps(self.weights[p]) {
                    continue;
                }
                let j = self.indices[p] as usize;
                let (wij, wji) = (self.weight(i, j), self.weight(j, i));
                if (wij - wji).abs() > rel_tol * wij.max(wji) {
                    return Err(GraphError::Asymmetric {
                        row: i,
                        position: p,
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Checks that no kept entry is a self-loop `(i, i)`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, GraphError};
    /// // vertex 1 stores a weak loop (1, 1) at position 2
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 1, 1], &[1.0, 1.0, 0.1, 1.0])?;
    /// let err = g.check_no_self_loops().unwrap_err();
    /// assert_eq!(err, GraphError::SelfLoop { vertex: 1, position: 2 });
    /// g.with_min_weight(0.5)?.check_no_self_loops()?; // a dropped loop does not count
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn check_no_self_loops(&self) -> Result<(), GraphError> {
        for i in 0..self.n {
            for p in self.row_range(i) {
                if self.indices[p] as usize == i && self.keeps(self.weights[p]) {
                    return Err(GraphError::SelfLoop {
                        vertex: i,
                        position: p,
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks that no row stores the same column index twice (kept entries only).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, GraphError};
    /// // row 2 lists vertex 0 at positions 2 and 4
    /// # let indices = [2, 2, 0, 1, 0];
    /// let g = CsrGraph::new(3, &[0, 1, 2, 5], &indices, &[1.0, 1.0, 0.5, 1.0, 0.5])?;
    /// let err = g.check_no_duplicates().unwrap_err();
    /// assert_eq!(err, GraphError::DuplicateEntry { row: 2, position: 4 });
    /// assert_eq!(g.weight(2, 0), 1.0); // lookups sum the two
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn check_no_duplicates(&self) -> Result<(), GraphError> {
        for i in 0..self.n {
            let r = self.row_range(i);
            for p in r.clone() {
                if !self.keeps(self.weights[p]) {
                    continue;
                }
                let earlier = r.start..p;
                if earlier
                    .clone()
                    .any(|q| self.indices[q] == self.indices[p] && self.keeps(self.weights[q]))
                {
                    return Err(GraphError::DuplicateEntry {
                        row: i,
                        position: p,
                    });
                }
            }
        }
        Ok(())
    }

    /// The vertices whose own row holds no kept edge of positive weight, in increasing order.
    /// Rows are out-edges: in a graph that stores one direction only, a vertex with incoming
    /// entries only counts as isolated (it is still in its neighbours' component, see
    /// `structure::components`).
    ///
    /// ```
    /// # use neighbor_embed::graph::CsrGraph;
    /// // five vertices: only 1 - 3 is an edge, and 4 stores a zero weight to 0
    /// let g = CsrGraph::new(5, &[0, 0, 1, 1, 2, 3], &[3, 1, 0], &[1.0, 1.0, 0.0])?;
    /// let isolated: Vec<usize> = g.isolated_vertices().collect();
    /// assert_eq!(isolated, [0, 2, 4]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn isolated_vertices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n).filter(move |&i| !self.row(i).any(|(_, w)| w > T::zero()))
    }

    /// Checks that every vertex's own row holds at least one kept edge of positive weight
    /// (see [`CsrGraph::isolated_vertices`]).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, GraphError};
    /// // a pair 0 - 1 and a lone vertex 2
    /// let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[0.5, 0.5])?;
    /// assert_eq!(g.check_no_isolated(), Err(GraphError::IsolatedVertex { vertex: 2 }));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn check_no_isolated(&self) -> Result<(), GraphError> {
        match self.isolated_vertices().next() {
            Some(vertex) => Err(GraphError::IsolatedVertex { vertex }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_lookup_sums_duplicates_sorted_and_unsorted() {
        let indptr = [0, 3, 4, 6];
        let sorted = [1, 1, 2, 0, 0, 1];
        let unsorted = [2, 1, 1, 0, 1, 0];
        let w = [0.25, 0.5, 1.0, 2.0, 3.0, 4.0];
        for idx in [&sorted, &unsorted] {
            let g = CsrGraph::new(3, &indptr, idx, &w).unwrap();
            for i in 0..3 {
                for j in 0..3 {
                    let direct: f64 = g.row(i).filter(|&(t, _)| t == j).map(|(_, w)| w).sum();
                    assert_eq!(g.weight(i, j), direct, "row {i} col {j}");
                }
            }
        }
        let g = CsrGraph::new(3, &indptr, &sorted, &w).unwrap();
        assert!(g.has_sorted_rows());
        assert_eq!(g.weight(0, 1), 0.75);
        let g = CsrGraph::new(3, &indptr, &unsorted, &w).unwrap();
        assert!(!g.has_sorted_rows());
    }
}
