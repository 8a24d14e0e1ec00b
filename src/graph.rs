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
    pub fn new(
        n: usize,
        indptr: &'a [u32],
        indices: &'a [u32],
        weights: &'a [T],
    ) -> Result<Self, GraphError> {
        let nnz = indices.len();
        if n > u32::MAX as usize || nnz > u32::MAX as usize {
            return Err(GraphError::TooLarge { n, nnz });
        }
        if indptr.len() != n + 1 {
            return Err(GraphError::IndptrLength {
                expected: n + 1,
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
    pub fn min_weight(&self) -> T {
        self.min_weight
    }

    /// Number of vertices.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored entries (ignoring the threshold).
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Number of entries kept by the threshold.
    pub fn kept_nnz(&self) -> usize {
        self.weights.iter().filter(|&&w| self.keeps(w)).count()
    }

    /// The caller's `indptr` slice.
    pub fn indptr(&self) -> &'a [u32] {
        self.indptr
    }

    /// The caller's `indices` slice (unfiltered).
    pub fn indices(&self) -> &'a [u32] {
        self.indices
    }

    /// The caller's `weights` slice (unfiltered).
    pub fn weights(&self) -> &'a [T] {
        self.weights
    }

    /// Whether every row's column indices are non-decreasing (found during validation).
    pub fn has_sorted_rows(&self) -> bool {
        self.sorted_rows
    }

    #[inline]
    pub(crate) fn keeps(&self, w: T) -> bool {
        w >= self.min_weight
    }

    /// The range of positions of row `i` in `indices`/`weights`. Panics if `i ≥ n`.
    #[inline]
    pub fn row_range(&self, i: usize) -> core::ops::Range<usize> {
        self.indptr[i] as usize..self.indptr[i + 1] as usize
    }

    /// The kept entries `(tail, weight)` of row `i`, in storage order. Panics if `i ≥ n`.
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
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, T)> + '_ {
        (0..self.n).flat_map(move |i| self.row(i).map(move |(j, w)| (i, j, w)))
    }

    /// Weighted degree `d_i = Σ_j w_ij` over kept entries. Panics if `i ≥ n`.
    pub fn degree(&self, i: usize) -> T {
        self.row(i).fold(T::zero(), |acc, (_, w)| acc + w)
    }

    /// Writes every degree `d_i` into `out` (length `n`).
    pub fn degrees_into(&self, out: &mut [T]) -> Result<(), crate::Error> {
        crate::error::check_len("out", self.n, out.len())?;
        for (i, d) in out.iter_mut().enumerate() {
            *d = self.degree(i);
        }
        Ok(())
    }

    /// Largest stored weight `w_max` (0 for an empty graph). The threshold never removes it.
    pub fn w_max(&self) -> T {
        self.weights.iter().fold(T::zero(), |m, &w| m.max(w))
    }

    /// Total weight `D_tot = Σ_{i,j} w_ij` over kept entries (each undirected edge twice when
    /// both directions are stored).
    pub fn d_tot(&self) -> T {
        self.weights
            .iter()
            .filter(|&&w| self.keeps(w))
            .fold(T::zero(), |acc, &w| acc + w)
    }

    /// Sum of the kept weights stored for the pair `(i, j)` (0 if none); a binary search when
    /// rows are sorted. Panics if `i ≥ n`.
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

    /// The vertices with no kept edge of positive weight, in increasing order.
    pub fn isolated_vertices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n).filter(move |&i| !self.row(i).any(|(_, w)| w > T::zero()))
    }

    /// Checks that every vertex has at least one kept edge of positive weight.
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
