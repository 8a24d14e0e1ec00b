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
    ///
    /// ```
    /// use neighbor_embed::{layout::Layout, LayoutError};
    /// // three points in 2-D; the y of point 1 is NaN
    /// let coords = [0.0, 1.0, 2.0, f64::NAN, 4.0, 5.0];
    /// assert_eq!(Layout::new(&coords, 2).unwrap_err(), LayoutError::NonFinite { row: 1, col: 1 });
    /// // the length is checked before the values, the dimension first
    /// let err = Layout::new(&coords[..5], 2).unwrap_err();
    /// assert_eq!(err, LayoutError::LengthNotMultiple { len: 5, dim: 2 });
    /// assert_eq!(Layout::new(&coords, 0).unwrap_err(), LayoutError::ZeroDim);
    /// ```
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
    ///
    /// ```
    /// # use neighbor_embed::layout::Layout;
    /// let coords = [0.5f32; 12];
    /// assert_eq!(Layout::new(&coords, 3)?.n(), 4);
    /// assert_eq!(Layout::new(&coords, 4)?.n(), 3);
    /// assert_eq!(Layout::<f32>::new(&[], 2)?.n(), 0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.coords.len() / self.dim
    }

    /// Embedding dimension.
    ///
    /// ```
    /// # use neighbor_embed::layout::Layout;
    /// let coords = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    /// let y = Layout::new(&coords, 3)?;
    /// assert_eq!(y.dim(), 3);
    /// assert_eq!(y.n() * y.dim(), coords.len());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All coordinates, row-major.
    ///
    /// ```
    /// # use neighbor_embed::layout::Layout;
    /// // points (1, 2), (3, 4), (5, 6)
    /// let y = Layout::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2)?;
    /// assert_eq!(&y.coords()[2..4], y.point(1)); // row-major
    /// assert_eq!(y.coords().len(), 6);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn coords(&self) -> &'a [T] {
        self.coords
    }

    /// Point `y_i`. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::layout::Layout;
    /// let y = Layout::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3)?;
    /// assert_eq!(y.point(0), [1.0, 2.0, 3.0]);
    /// assert_eq!(y.point(1), [4.0, 5.0, 6.0]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    #[inline]
    pub fn point(&self, i: usize) -> &'a [T] {
        &self.coords[i * self.dim..(i + 1) * self.dim]
    }

    /// Squared distance `||y_i - y_j||²`, summed over coordinates in order (may overflow to `+∞`
    /// for huge coordinates; every kernel accepts `+∞`). Panics if an index is `≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::layout::Layout;
    /// // (1, 2, 2) and the origin in 3-D
    /// let y = Layout::new(&[1.0, 2.0, 2.0, 0.0, 0.0, 0.0], 3)?;
    /// assert_eq!((y.sq_dist(0, 1), y.sq_dist(1, 0), y.sq_dist(0, 0)), (9.0, 9.0, 0.0));
    /// // finite coordinates whose squared distance overflows
    /// let far = Layout::new(&[1e300, -1e300], 1)?;
    /// assert_eq!(far.sq_dist(0, 1), f64::INFINITY);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
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
