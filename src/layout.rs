//! Validated, borrowed layouts: `n` points in `dim` dimensions, row-major.

use crate::Real;
use crate::error::{Error, LayoutError};

/// A layout `Y` (row-major `n × dim`, row `i` is point `y_i`) whose coordinates are all finite.
///
/// ```
/// use neighbor_embed::layout::Layout;
/// let coords = [0.0, 0.0, 3.0, 4.0];
/// let y = Layout::new(&coords, 2)?;
/// assert_eq!((y.n(), y.dim()), (2, 2));
/// assert_eq!(y.sq_dist(0, 1), 25.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Layout<'a, T> {
    coords: &'a [T],
    dim: usize,
}

impl<'a, T: Real> Layout<'a, T> {
    /// Checks `dim ≥ 1`, `coords.len()` a multiple of `dim`, and every coordinate finite
    /// (reporting the first non-finite one by row and column).
    pub fn new(coords: &'a [T], dim: usize) -> Result<Self, LayoutError> {
        if dim == 0 {
            return Err(LayoutError::ZeroDim);
        }
        if !coords.len().is_multiple_of(dim) {
            return Err(LayoutError::LengthNotMultiple {
                len: coords.len(),
                dim,
            });
        }
        if let Some(p) = coords.iter().position(|x| !x.is_finite()) {
            return Err(LayoutError::NonFinite {
                row: p / dim,
                col: p % dim,
            });
        }
        Ok(Layout { coords, dim })
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.coords.len() / self.dim
    }

    /// Embedding dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All coordinates, row-major.
    pub fn coords(&self) -> &'a [T] {
        self.coords
    }

    /// Point `y_i`. Panics if `i ≥ n`.
    #[inline]
    pub fn point(&self, i: usize) -> &'a [T] {
        &self.coords[i * self.dim..(i + 1) * self.dim]
    }

    /// Squared distance `||y_i - y_j||²`, summed over coordinates in order (may overflow to `+∞`
    /// for huge coordinates; every kernel accepts `+∞`). Panics if an index is `≥ n`.
    #[inline]
    pub fn sq_dist(&self, i: usize, j: usize) -> T {
        sq_dist(self.point(i), self.point(j))
    }

    /// Checks that this layout has the `n` points a graph (or another input) expects.
    pub(crate) fn check_points(&self, n: usize) -> Result<(), Error> {
        if self.n() == n {
            Ok(())
        } else {
            Err(Error::PointCount {
                graph: n,
                layout: self.n(),
            })
        }
    }
}

/// `||u - v||²` summed in coordinate order.
#[inline]
pub(crate) fn sq_dist<T: Real>(u: &[T], v: &[T]) -> T {
    let mut s = T::zero();
    for (&a, &b) in u.iter().zip(v) {
        let d = a - b;
        s += d * d;
    }
    s
}
