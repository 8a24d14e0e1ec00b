//! Where an SGD step's updates go.
//!
//! A step reads positions and adds updates through a [`Sink`]. [`InPlace`] moves the layout
//! itself (what an optimiser does); [`Frozen`] reads a fixed layout and adds every update to a
//! separate accumulator, which is how the Monte-Carlo estimate of the expected update is formed
//! (MATH.md §C: prefer a frozen layout over a tiny learning rate, whose bias grows with `αT`).
//! Both honour an optional pin mask: pinned rows never change.

use crate::Real;

/// Read positions, add updates. Implemented by [`InPlace`] and [`Frozen`].
///
/// ```
/// use neighbor_embed::sink::{Frozen, InPlace, Sink};
/// // code generic over the sink reads both the same way
/// fn centroid<S: Sink<f64>>(s: &S) -> Vec<f64> {
///     let n = s.n() as f64;
///     (0..s.dim()).map(|d| (0..s.n()).map(|i| s.coord(i, d)).sum::<f64>() / n).collect()
/// }
/// let (mut y, mut acc) = ([0.0, 0.0, 4.0, 2.0], [0.0; 4]);
/// assert_eq!(centroid(&Frozen::new(&y, &mut acc, 2, None)), [2.0, 1.0]);
/// assert_eq!(centroid(&InPlace::new(&mut y, 2, None)), [2.0, 1.0]);
/// ```
pub trait Sink<T: Real> {
    /// Embedding dimension.
    ///
    /// ```
    /// use neighbor_embed::sink::{InPlace, Sink};
    /// let mut y = [0.0f32; 12];
    /// assert_eq!(InPlace::new(&mut y, 3, None).dim(), 3);
    /// ```
    fn dim(&self) -> usize;
    /// Number of points.
    ///
    /// ```
    /// use neighbor_embed::sink::{Frozen, Sink};
    /// let (y, mut acc) = ([0.0f64; 12], [0.0; 12]);
    /// assert_eq!(Frozen::new(&y, &mut acc, 3, None).n(), 4);
    /// assert_eq!(Frozen::new(&y, &mut acc, 2, None).n(), 6);
    /// ```
    fn n(&self) -> usize;
    /// Current coordinate `d` of point `i`.
    ///
    /// # Panics
    ///
    /// [`InPlace`] and [`Frozen`] panic if `d ≥ dim` or if `i` is not a point of the positions
    /// (`i ≥ n`), as a slice index does. The steps read only indices the loops validated.
    ///
    /// ```
    /// use neighbor_embed::sink::{InPlace, Sink};
    /// let mut y = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]; // row-major: point 1 is (3, 4, 5)
    /// let s = InPlace::new(&mut y, 3, None);
    /// assert_eq!((s.coord(1, 0), s.coord(1, 2)), (3.0, 5.0));
    /// ```
    fn coord(&self, i: usize, d: usize) -> T;
    /// Adds `delta` to coordinate `d` of point `i` (nothing if the row is pinned).
    ///
    /// # Panics
    ///
    /// [`InPlace`] and [`Frozen`] panic if `d ≥ dim`, if `i` is not a point (`i ≥ n`), or if
    /// their pin mask has no entry for `i` (a mask shorter than `n`, which [`Sink::check`]
    /// refuses; the loops call it before running).
    ///
    /// ```
    /// use neighbor_embed::sink::{InPlace, Sink};
    /// let mut y = [0.0, 0.0, 1.0, 1.0];
    /// let pinned = [false, true];
    /// let mut s = InPlace::new(&mut y, 2, Some(&pinned));
    /// s.add(0, 1, 0.5);
    /// s.add(1, 0, 0.5); // row 1 is pinned: nothing
    /// assert_eq!(y, [0.0, 0.5, 1.0, 1.0]);
    /// ```
    fn add(&mut self, i: usize, d: usize, delta: T);
    /// The positions steps read (row-major `n × dim`).
    ///
    /// ```
    /// use neighbor_embed::sink::{Frozen, InPlace, Sink};
    /// let mut y = [1.0, 2.0];
    /// let mut acc = [0.0; 2];
    /// let mut frozen = Frozen::new(&y, &mut acc, 1, None);
    /// frozen.add(0, 0, 0.25);
    /// assert_eq!(frozen.positions(), [1.0, 2.0]); // a frozen layout never moves
    /// let mut in_place = InPlace::new(&mut y, 1, None);
    /// in_place.add(0, 0, 0.25);
    /// assert_eq!(in_place.positions(), [1.25, 2.0]); // this one does
    /// ```
    fn positions(&self) -> &[T];
    /// Checks the sink's own buffers: `dim ≥ 1`, whole rows, a pin mask of `n` entries, an
    /// accumulator as long as the positions, and finite positions. The loops call it before
    /// running (`UmapSgd::run`, and through it `frozen_estimate` and `transform`); a caller
    /// driving [`crate::step::Step::apply`] directly should call it first.
    ///
    /// ```
    /// use neighbor_embed::{Error, LayoutError, sink::{Frozen, InPlace, Sink}};
    /// let mut y = [0.0, f64::NAN, 1.0, 1.0];
    /// let err = Error::Layout(LayoutError::NonFinite { row: 0, col: 1 });
    /// assert_eq!(InPlace::new(&mut y, 2, None).check(), Err(err));
    /// let y = [0.0, 1.0, 2.0, 3.0];
    /// let mut acc = [0.0; 3];
    /// let err = Error::BufferLength { name: "acc", expected: 4, found: 3 };
    /// assert_eq!(Frozen::new(&y, &mut acc, 2, None).check(), Err(err));
    /// let mut acc = [0.0; 4];
    /// let err = Error::BufferLength { name: "pinned", expected: 2, found: 1 };
    /// assert_eq!(Frozen::new(&y, &mut acc, 2, Some(&[true])).check(), Err(err));
    /// assert_eq!(Frozen::new(&y, &mut acc, 2, Some(&[true, false])).check(), Ok(()));
    /// ```
    fn check(&self) -> Result<(), crate::Error>;

    /// `||y_i - y_j||²` of the current positions.
    ///
    /// ```
    /// use neighbor_embed::sink::{InPlace, Sink};
    /// let mut y = [0.0, 0.0, 0.0, 1.0, 2.0, 2.0];
    /// let mut s = InPlace::new(&mut y, 3, None);
    /// assert_eq!(s.sq_dist(0, 1), 9.0);
    /// s.add(1, 0, 3.0); // now (4, 2, 2)
    /// assert_eq!(s.sq_dist(1, 0), 24.0);
    /// ```
    #[inline]
    fn sq_dist(&self, i: usize, j: usize) -> T {
        let mut s = T::zero();
        for d in 0..self.dim() {
            let x = self.coord(i, d) - self.coord(j, d);
            s += x * x;
        }
        s
    }
}

/// Updates applied to the layout itself.
///
/// ```
/// use neighbor_embed::{kernel::Umap, sink::InPlace, step::{BceStep, Sample, Step}};
/// let mut y = [0.0f64, 0.0, 1.0, 1.0];
/// let pinned = [true, false]; // point 0 is an anchor
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let sample = Sample { head: 0, tail: 1, negatives: &[] };
/// step.apply(&mut InPlace::new(&mut y, 2, Some(&pinned)), sample, 1.0, false, &mut []);
/// assert_eq!(y[..2], [0.0, 0.0]); // the pinned head stays
/// assert!(y[2] < 1.0 && y[3] < 1.0); // the tail is pulled towards it
/// ```
#[derive(Debug)]
pub struct InPlace<'a, T> {
    coords: &'a mut [T],
    dim: usize,
    pinned: Option<&'a [bool]>,
}

impl<'a, T: Real> InPlace<'a, T> {
    /// A sink over `coords` (`n × dim`); rows with `pinned[i] == true` never move. Lengths are
    /// checked by the loops that take a sink.
    ///
    /// ```
    /// use neighbor_embed::{Error, LayoutError, sink::{InPlace, Sink}};
    /// let mut y = [0.0f32; 5]; // not whole rows of 2
    /// let sink = InPlace::new(&mut y, 2, None); // accepted here...
    /// let err = Error::Layout(LayoutError::LengthNotMultiple { len: 5, dim: 2 });
    /// assert_eq!(sink.check(), Err(err)); // ...refused by `check`, which every loop calls
    /// ```
    pub fn new(coords: &'a mut [T], dim: usize, pinned: Option<&'a [bool]>) -> Self {
        InPlace {
            coords,
            dim,
            pinned,
        }
    }
}

impl<T: Real> Sink<T> for InPlace<'_, T> {
    #[inline]
    fn dim(&self) -> usize {
        self.dim
    }
    #[inline]
    fn n(&self) -> usize {
        self.coords.len() / self.dim.max(1)
    }
    #[inline]
    fn coord(&self, i: usize, d: usize) -> T {
        check_coord(d, self.dim);
        self.coords[i * self.dim + d]
    }
    #[inline]
    fn add(&mut self, i: usize, d: usize, delta: T) {
        if let Some(p) = self.pinned
            && p[i]
        {
            return;
        }
        check_coord(d, self.dim);
        self.coords[i * self.dim + d] += delta;
    }
    fn positions(&self) -> &[T] {
        self.coords
    }
    fn check(&self) -> Result<(), crate::Error> {
        check_common(self.coords, self.dim, self.pinned)
    }
}

/// Panics unless `d < dim`: coordinate `d ≥ dim` of point `i` would silently be a coordinate of
/// point `i + 1` or later (the slice index alone catches only reads past the end).
#[inline(always)]
#[track_caller]
fn check_coord(d: usize, dim: usize) {
    assert!(d < dim, "coordinate index {d} out of range for dim = {dim}");
}

fn check_common<T: Real>(
    coords: &[T],
    dim: usize,
    pinned: Option<&[bool]>,
) -> Result<(), crate::Error> {
    let layout = crate::layout::Layout::new(coords, dim)?;
    if let Some(p) = pinned {
        crate::error::check_len("pinned", layout.n(), p.len())?;
    }
    Ok(())
}

/// Updates added to an accumulator while positions stay fixed.
///
/// ```
/// use neighbor_embed::{kernel::Umap, sink::{Frozen, InPlace}, step::{BceStep, Sample, Step}};
/// let y = [0.0f64, 2.0];
/// let sample = Sample { head: 0, tail: 1, negatives: &[] };
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let mut acc = [0.0; 2];
/// let mut frozen = Frozen::new(&y, &mut acc, 1, None);
/// step.apply(&mut frozen, sample, 1.0, false, &mut []);
/// step.apply(&mut frozen, sample, 1.0, false, &mut []); // reads the same positions again
/// let mut moved = y;
/// step.apply(&mut InPlace::new(&mut moved, 1, None), sample, 1.0, false, &mut []);
/// assert!(moved[0] > 0.0);
/// assert_eq!(acc[0], 2.0 * moved[0]); // exactly twice the first update
/// ```
#[derive(Debug)]
pub struct Frozen<'a, T> {
    coords: &'a [T],
    acc: &'a mut [T],
    dim: usize,
    pinned: Option<&'a [bool]>,
}

impl<'a, T: Real> Frozen<'a, T> {
    /// A sink reading `coords` and adding to `acc` (both `n × dim`).
    ///
    /// ```
    /// use neighbor_embed::sink::{Frozen, Sink};
    /// let y = [0.0, 0.0, 1.0, 0.0];
    /// let mut acc = [0.0; 4];
    /// let mut sink = Frozen::new(&y, &mut acc, 2, Some(&[false, true]));
    /// sink.add(0, 0, 0.5);
    /// sink.add(1, 0, 0.5); // row 1 is pinned: it accumulates nothing
    /// assert_eq!(acc, [0.5, 0.0, 0.0, 0.0]);
    /// ```
    pub fn new(coords: &'a [T], acc: &'a mut [T], dim: usize, pinned: Option<&'a [bool]>) -> Self {
        Frozen {
            coords,
            acc,
            dim,
            pinned,
        }
    }
    /// The accumulated updates.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::Frozen, step::NegStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// // no negatives, no decay: every epoch after the first samples both entries at rate 1
    /// let config = UmapConfig { n_epochs: 11, negative_rate: 0.0, decay: false, ..UmapConfig::umap_learn(2, 0) };
    /// let y = [0.0, 1.0];
    /// let mut acc = [0.0; 2];
    /// let mut sink = Frozen::new(&y, &mut acc, 1, None);
    /// let mut step = NegStep::new(Cauchy, 1.0);
    /// OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
    /// // Cauchy, s = 1, d² = 1: c_pos = 2 g s/(w + s) = -2/3, so each sample moves point 0 by
    /// // 2/3, and so does the reverse entry: 20 samples over 10 epochs
    /// assert!((sink.accumulated()[0] - 20.0 * 2.0 / 3.0).abs() < 1e-12);
    /// assert_eq!(sink.accumulated()[1], -sink.accumulated()[0]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn accumulated(&self) -> &[T] {
        self.acc
    }
}

impl<T: Real> Sink<T> for Frozen<'_, T> {
    #[inline]
    fn dim(&self) -> usize {
        self.dim
    }
    #[inline]
    fn n(&self) -> usize {
        self.coords.len() / self.dim.max(1)
    }
    #[inline]
    fn coord(&self, i: usize, d: usize) -> T {
        check_coord(d, self.dim);
        self.coords[i * self.dim + d]
    }
    #[inline]
    fn add(&mut self, i: usize, d: usize, delta: T) {
        if let Some(p) = self.pinned
            && p[i]
        {
            return;
        }
        check_coord(d, self.dim);
        self.acc[i * self.dim + d] += delta;
    }
    fn positions(&self) -> &[T] {
        self.coords
    }
    fn check(&self) -> Result<(), crate::Error> {
        check_common(self.coords, self.dim, self.pinned)?;
        crate::error::check_len("acc", self.coords.len(), self.acc.len())
    }
}
