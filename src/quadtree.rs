//! A Barnes–Hut quadtree for 2-D layouts: sums of a radial force over all points in
//! `O(n log n)` (Barnes & Hut 1986; van der Maaten 2014 for t-SNE).
//!
//! `Σ_{k≠i} f(‖y_i - y_k‖²)(y_i - y_k)` is approximated by treating a cell of side `w` whose
//! centre of mass is at squared distance `d2` from `y_i` as one point of mass `count` when
//! `w² < θ² d2`. `θ = 0` is exact. The tree is rebuilt from scratch for every evaluation, in a
//! fixed order, so results are deterministic.
//!
//! Keep `θ ≤ 1/√2 ≈ 0.71` (t-SNE's usual 0.5): a cell that holds `y_i` itself has its centre of
//! mass within `w√2` of `y_i`, so it is never summarised then. A larger `θ` is accepted, but a
//! cell holding `y_i` may then be summarised with `y_i`'s own mass in it, a bias that does not
//! vanish as the tree refines (about 10% of the force in a clustered example at `θ = 2`).

use crate::Real;
use alloc::vec::Vec;

/// Points per leaf (a leaf is also made when a cell can no longer be split).
const LEAF: usize = 8;
/// Deepest level; cells of coincident points end here as leaves.
const MAX_DEPTH: usize = 48;

#[derive(Clone, Copy, Debug)]
struct Node<T> {
    /// Centre of mass.
    cx: T,
    cy: T,
    /// Number of points.
    count: T,
    /// Side of the cell.
    side: T,
    /// Range of `order` holding this cell's points.
    start: u32,
    end: u32,
    /// Index of the first child (children are consecutive) or 0 for a leaf.
    first_child: u32,
    /// Number of children (non-empty quadrants).
    children: u8,
}

/// A quadtree over the points of a 2-D layout.
///
/// ```
/// use neighbor_embed::quadtree::QuadTree;
/// // points (0, 0), (1, 0) and (0, 2); t-SNE's repulsion f(d2) = 1/(1 + d2)²
/// let y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 2.0];
/// let mut tree = QuadTree::new();
/// tree.build(&y);
/// let (mut out, mut stack) = ([0.0; 2], Vec::new());
/// tree.force(&y, 0, 0.5, |d2| 1.0 / ((1.0 + d2) * (1.0 + d2)), &mut stack, &mut out);
/// // f(1)·(y_0 - y_1) + f(4)·(y_0 - y_2) = (-1, 0)/4 + (0, -2)/25
/// assert!((out[0] + 0.25).abs() < 1e-15 && (out[1] + 0.08).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, Default)]
pub struct QuadTree<T> {
    nodes: Vec<Node<T>>,
    order: Vec<u32>,
}

impl<T: Real> QuadTree<T> {
    /// An empty tree; [`QuadTree::build`] fills it (reusing its memory).
    ///
    /// ```
    /// use neighbor_embed::quadtree::QuadTree;
    /// let f = |d2: f64| 1.0 / (1.0 + d2);
    /// let (mut tree, mut stack, mut out) = (QuadTree::new(), Vec::new(), [0.0; 2]);
    /// tree.force(&[0.0, 0.0, 1.0, 1.0], 0, 0.5, f, &mut stack, &mut out);
    /// assert_eq!(out, [0.0, 0.0]); // an empty tree holds no point
    /// // a tree rebuilt over another layout gives what a fresh tree gives
    /// let (a, b) = ([0.0, 0.0, 2.0, 1.0, 5.0, 5.0], [1.0, 0.0, 0.0, 3.0, 2.0, 2.0]);
    /// tree.build(&a);
    /// tree.build(&b);
    /// let mut fresh = QuadTree::new();
    /// fresh.build(&b);
    /// let mut again = [0.0; 2];
    /// tree.force(&b, 2, 0.5, f, &mut stack, &mut out);
    /// fresh.force(&b, 2, 0.5, f, &mut stack, &mut again);
    /// assert_eq!(out, again);
    /// ```
    pub fn new() -> Self {
        QuadTree {
            nodes: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Builds the tree over `coords` (`n × 2`; a trailing odd value is ignored).
    ///
    /// Points with a non-finite coordinate (NaN or `±∞`) are left out: they belong to no cell,
    /// exert no force in [`QuadTree::force`] and feel none. (A layout the crate's entry points
    /// accept is finite; this keeps a stray `∞` from turning every other point's force into
    /// `0 · ∞` = NaN.)
    ///
    /// ```
    /// use neighbor_embed::quadtree::QuadTree;
    /// // 100 points on a jittered 10 × 10 grid: many more than a leaf holds
    /// let y: Vec<f64> = (0..100)
    ///     .flat_map(|k| [(k % 10) as f64 + 0.3 * (k as f64).sin(), (k / 10) as f64])
    ///     .collect();
    /// let f = |d2: f64| 1.0 / ((1.0 + d2) * (1.0 + d2));
    /// let mut tree = QuadTree::new();
    /// tree.build(&y);
    /// # let exact = |i: usize| {
    /// #     let mut s = [0.0; 2];
    /// #     for k in (0..100).filter(|&k| k != i) {
    /// #         let (dx, dy) = (y[2 * i] - y[2 * k], y[2 * i + 1] - y[2 * k + 1]);
    /// #         let c = f(dx * dx + dy * dy);
    /// #         s[0] += c * dx;
    /// #         s[1] += c * dy;
    /// #     }
    /// #     s
    /// # };
    /// let mut stack = Vec::new();
    /// for i in [0, 45, 99] {
    ///     let (e, mut bh0, mut bh) = (exact(i), [0.0; 2], [0.0; 2]);
    ///     tree.force(&y, i, 0.0, f, &mut stack, &mut bh0); // θ = 0: exact
    ///     tree.force(&y, i, 0.5, f, &mut stack, &mut bh); // Barnes–Hut
    ///     let norm = e[0].hypot(e[1]);
    ///     assert!((bh0[0] - e[0]).hypot(bh0[1] - e[1]) < 1e-12 * norm);
    ///     assert!((bh[0] - e[0]).hypot(bh[1] - e[1]) < 1e-2 * norm); // 0.2% at the corners
    /// }
    /// ```
    pub fn build(&mut self, coords: &[T]) {
        let n = coords.len() / 2;
        self.nodes.clear();
        self.order.clear();
        let finite = |p: &u32| {
            let p = *p as usize;
            coords[2 * p].is_finite() && coords[2 * p + 1].is_finite()
        };
        self.order.extend((0..n as u32).filter(finite));
        let Some(&first) = self.order.first() else {
            return;
        };
        let first = first as usize;
        let (mut x0, mut y0) = (coords[2 * first], coords[2 * first + 1]);
        let (mut x1, mut y1) = (x0, y0);
        for &p in &self.order {
            let i = p as usize;
            x0 = x0.min(coords[2 * i]);
            x1 = x1.max(coords[2 * i]);
            y0 = y0.min(coords[2 * i + 1]);
            y1 = y1.max(coords[2 * i + 1]);
        }
        let side = (x1 - x0).max(y1 - y0);
        let side = if side > T::zero() && side.is_finite() {
            side
        } else {
            T::one()
        };
        self.nodes.push(Node {
            cx: T::zero(),
            cy: T::zero(),
            count: T::zero(),
            side,
            start: 0,
            end: self.order.len() as u32,
            first_child: 0,
            children: 0,
        });
        self.split(coords, 0, x0, y0, 0);
    }

    /// Splits node `id` (cell with lower corner `(x0, y0)`) and fills its centre of mass.
    fn split(&mut self, coords: &[T], id: usize, x0: T, y0: T, depth: usize) {
        let Node {
            start, end, side, ..
        } = self.nodes[id];
        let (start, end) = (start as usize, end as usize);
        if end - start <= LEAF || depth >= MAX_DEPTH {
            let (mut sx, mut sy) = (T::zero(), T::zero());
            for &p in &self.order[start..end] {
                sx += coords[2 * p as usize];
                sy += coords[2 * p as usize + 1];
            }
            let c = T::of_usize(end - start);
            let node = &mut self.nodes[id];
            (node.cx, node.cy, node.count) = (sx / c, sy / c, c);
            return;
        }
        let half = side / T::two();
        let (mx, my) = (x0 + half, y0 + half);
        let quadrant = |p: u32| -> usize {
            let (x, y) = (coords[2 * p as usize], coords[2 * p as usize + 1]);
            usize::from(x >= mx) + 2 * usize::from(y >= my)
        };
        // stable counting sort of the node's points by quadrant
        let mut counts = [0usize; 4];
        for &p in &self.order[start..end] {
            counts[quadrant(p)] += 1;
        }
        let mut offsets = [start; 4];
        for q in 1..4 {
            offsets[q] = offsets[q - 1] + counts[q - 1];
        }
        let segment: Vec<u32> = self.order[start..end].to_vec();
        let mut next = offsets;
        for p in segment {
            let q = quadrant(p);
            self.order[next[q]] = p;
            next[q] += 1;
        }
        let first_child = self.nodes.len();
        let mut children = 0u8;
        for (&count, &offset) in counts.iter().zip(&offsets) {
            if count == 0 {
                continue;
            }
            self.nodes.push(Node {
                cx: T::zero(),
                cy: T::zero(),
                count: T::zero(),
                side: half,
                start: offset as u32,
                end: (offset + count) as u32,
                first_child: 0,
                children: 0,
            });
            children += 1;
        }
        let mut child = first_child;
        for (q, &count) in counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let cx0 = if q & 1 == 1 { mx } else { x0 };
            let cy0 = if q & 2 == 2 { my } else { y0 };
            self.split(coords, child, cx0, cy0, depth + 1);
            child += 1;
        }
        let (mut sx, mut sy, mut c) = (T::zero(), T::zero(), T::zero());
        for k in first_child..first_child + children as usize {
            let ch = self.nodes[k];
            sx += ch.cx * ch.count;
            sy += ch.cy * ch.count;
            c += ch.count;
        }
        let node = &mut self.nodes[id];
        (node.cx, node.cy, node.count) = (sx / c, sy / c, c);
        node.first_child = first_child as u32;
        node.children = children;
    }

    /// `Σ_{k≠i} f(d2_ik)(y_i - y_k)` for point `i`, with opening angle `theta`, added to `out`
    /// (2 values). `stack` is scratch.
    ///
    /// `coords` must be the layout the tree was last built over, unchanged (other coordinates
    /// give a meaningless sum). Points at distance 0 from `y_i` exert no force, and neither do
    /// the non-finite points [`QuadTree::build`] left out; a non-finite `y_i` feels none (`out`
    /// is left as it is). A term whose coefficient is infinite along an axis where the
    /// difference is 0 adds nothing along that axis (no `∞ · 0` = NaN).
    ///
    /// # Panics
    ///
    /// If `i` is not a point of `coords` (`2i + 1 ≥ coords.len()`) while the tree holds a
    /// point; and, as soon as the walk reaches a point `coords` lacks, if `coords` holds fewer
    /// points than the layout the tree was built over.
    ///
    /// ```
    /// use neighbor_embed::quadtree::QuadTree;
    /// let y = [1.0f64, 1.0, 4.0, 5.0]; // two points at distance 5
    /// let mut tree = QuadTree::new();
    /// tree.build(&y);
    /// let f = |d2: f64| 1.0 / (1.0 + d2); // f(25) = 1/26
    /// let (mut stack, mut f0, mut f1) = (Vec::new(), [0.0; 2], [0.0; 2]);
    /// tree.force(&y, 0, 0.0, f, &mut stack, &mut f0);
    /// tree.force(&y, 1, 0.0, f, &mut stack, &mut f1);
    /// assert!((f0[0] + 3.0 / 26.0).abs() < 1e-15 && (f0[1] + 4.0 / 26.0).abs() < 1e-15);
    /// assert_eq!(f1, [-f0[0], -f0[1]]); // equal and opposite
    /// tree.force(&y, 0, 0.0, f, &mut stack, &mut f0); // adds to `out`
    /// assert!((f0[0] + 6.0 / 26.0).abs() < 1e-15);
    /// ```
    pub fn force(
        &self,
        coords: &[T],
        i: usize,
        theta: T,
        f: impl Fn(T) -> T,
        stack: &mut Vec<u32>,
        out: &mut [T; 2],
    ) {
        if self.nodes.is_empty() {
            return;
        }
        let (xi, yi) = (coords[2 * i], coords[2 * i + 1]);
        if !(xi.is_finite() && yi.is_finite()) {
            return;
        }
        // an infinite coefficient times a zero difference: no force along that axis
        let zero_nan = |f: T| if f.is_nan() { T::zero() } else { f };
        let theta2 = theta * theta;
        stack.clear();
        stack.push(0);
        while let Some(id) = stack.pop() {
            let node = &self.nodes[id as usize];
            let (dx, dy) = (xi - node.cx, yi - node.cy);
            let d2 = dx * dx + dy * dy;
            if node.children == 0 {
                for &p in &self.order[node.start as usize..node.end as usize] {
                    let p = p as usize;
                    if p == i {
                        continue;
                    }
                    let (dx, dy) = (xi - coords[2 * p], yi - coords[2 * p + 1]);
                    let d2 = dx * dx + dy * dy;
                    if d2 > T::zero() {
                        let c = f(d2);
                        out[0] += zero_nan(c * dx);
                        out[1] += zero_nan(c * dy);
                    }
                }
            } else if node.side * node.side < theta2 * d2 {
                let c = node.count * f(d2);
                out[0] += zero_nan(c * dx);
                out[1] += zero_nan(c * dy);
            } else {
                for k in (node.first_child..node.first_child + node.children as u32).rev() {
                    stack.push(k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_at_theta_zero_and_close_at_half() {
        let n = 500;
        let mut coords = alloc::vec![0.0f64; 2 * n];
        let mut s = 1u64;
        for c in coords.iter_mut() {
            s = crate::rng::splitmix64(s);
            *c = (s >> 11) as f64 / (1u64 << 53) as f64 * 20.0;
        }
        coords[10] = coords[12]; // coincident pair
        coords[11] = coords[13];
        let mut t = QuadTree::new();
        t.build(&coords);
        let f = |d2: f64| 1.0 / ((1.0 + d2) * (1.0 + d2));
        let mut stack = Vec::new();
        let (mut err, mut scale) = (0.0f64, 0.0f64);
        for i in 0..n {
            let mut exact = [0.0; 2];
            for k in 0..n {
                let (dx, dy) = (
                    coords[2 * i] - coords[2 * k],
                    coords[2 * i + 1] - coords[2 * k + 1],
                );
                let d2 = dx * dx + dy * dy;
                if k != i && d2 > 0.0 {
                    exact[0] += f(d2) * dx;
                    exact[1] += f(d2) * dy;
                }
            }
            let mut zero = [0.0; 2];
            t.force(&coords, i, 0.0, f, &mut stack, &mut zero);
            assert!((zero[0] - exact[0]).abs() < 1e-12 && (zero[1] - exact[1]).abs() < 1e-12);
            let mut half = [0.0; 2];
            t.force(&coords, i, 0.5, f, &mut stack, &mut half);
            err += (half[0] - exact[0]).powi(2) + (half[1] - exact[1]).powi(2);
            scale += exact[0].powi(2) + exact[1].powi(2);
        }
        assert!(
            Real::sqrt(err / scale) < 0.02,
            "relative error {}",
            Real::sqrt(err / scale)
        );
    }
}
