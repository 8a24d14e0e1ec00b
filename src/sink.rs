//! Where an SGD step's updates go.
//!
//! A step reads positions and adds updates through a [`Sink`]. [`InPlace`] moves the layout
//! itself (what an optimiser does); [`Frozen`] reads a fixed layout and adds every update to a
//! separate accumulator, which is how the Monte-Carlo estimate of the expected update is formed
//! (MATH.md §C: prefer a frozen layout over a tiny learning rate, whose bias grows with `αT`).
//! Both honour an optional pin mask: pinned rows never change.

use crate::Real;

/// Read positions, add updates. Implemented by [`InPlace`] and [`Frozen`].
pub trait Sink<T: Real> {
    /// Embedding dimension.
    fn dim(&self) -> usize;
    /// Number of points.
    fn n(&self) -> usize;
    /// Current coordinate `d` of point `i`.
    fn coord(&self, i: usize, d: usize) -> T;
    /// Adds `delta` to coordinate `d` of point `i` (nothing if the row is pinned).
    fn add(&mut self, i: usize, d: usize, delta: T);
    /// The positions steps read (row-major `n × dim`).
    fn positions(&self) -> &[T];
    /// Checks the sink's own buffers: `dim ≥ 1`, whole rows, a pin mask of `n` entries, an
    /// accumulator as long as the positions, and finite positions. The loops call it.
    fn check(&self) -> Result<(), crate::Error>;

    /// `||y_i - y_j||²` of the current positions.
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
#[derive(Debug)]
pub struct InPlace<'a, T> {
    coords: &'a mut [T],
    dim: usize,
    pinned: Option<&'a [bool]>,
}

impl<'a, T: Real> InPlace<'a, T> {
    /// A sink over `coords` (`n × dim`); rows with `pinned[i] == true` never move. Lengths are
    /// checked by the loops that take a sink.
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
        self.coords[i * self.dim + d]
    }
    #[inline]
    fn add(&mut self, i: usize, d: usize, delta: T) {
        if let Some(p) = self.pinned
            && p[i]
        {
            return;
        }
        self.coords[i * self.dim + d] += delta;
    }
    fn positions(&self) -> &[T] {
        self.coords
    }
    fn check(&self) -> Result<(), crate::Error> {
        check_common(self.coords, self.dim, self.pinned)
    }
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
#[derive(Debug)]
pub struct Frozen<'a, T> {
    coords: &'a [T],
    acc: &'a mut [T],
    dim: usize,
    pinned: Option<&'a [bool]>,
}

impl<'a, T: Real> Frozen<'a, T> {
    /// A sink reading `coords` and adding to `acc` (both `n × dim`).
    pub fn new(coords: &'a [T], acc: &'a mut [T], dim: usize, pinned: Option<&'a [bool]>) -> Self {
        Frozen {
            coords,
            acc,
            dim,
            pinned,
        }
    }
    /// The accumulated updates.
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
        self.coords[i * self.dim + d]
    }
    #[inline]
    fn add(&mut self, i: usize, d: usize, delta: T) {
        if let Some(p) = self.pinned
            && p[i]
        {
            return;
        }
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
