//! Graph structure: connected components, degrees, and a report of what is unusual, for
//! callers to show their users before an embedding silently goes wrong.

use crate::Real;
use crate::graph::CsrGraph;
use crate::knn::{KnnList, MISSING};
use alloc::vec;
use alloc::vec::Vec;

/// Connected components of the graph's kept edges of positive weight (directions ignored).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, structure::components};
/// // 0 → 1 stored in one direction only, 2 - 3 in both: directions are ignored
/// let g = CsrGraph::new(4, &[0, 1, 1, 2, 3], &[1, 3, 2], &[1.0, 1.0, 1.0])?;
/// let c = components(&g);
/// assert_eq!((c.labels, c.sizes), (vec![0, 0, 1, 1], vec![2, 2]));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    /// Component of every vertex, numbered by first vertex (vertex 0 is in component 0).
    pub labels: Vec<u32>,
    /// Size of every component.
    pub sizes: Vec<usize>,
}

/// Connected components by union–find (path halving, union by index: deterministic).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, structure::components};
/// let g = CsrGraph::new(4, &[0, 1, 2, 2, 2], &[1, 0], &[1.0f64, 1.0])?;
/// let c = components(&g);
/// assert_eq!((c.labels, c.sizes), (vec![0, 0, 1, 2], vec![2, 1, 1]));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn components<T: Real>(graph: &CsrGraph<T>) -> Components {
    let n = graph.n();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for (i, j, w) in graph.edges() {
        if w > T::zero() {
            let (a, b) = (find(&mut parent, i as u32), find(&mut parent, j as u32));
            if a != b {
                let (lo, hi) = (a.min(b), a.max(b));
                parent[hi as usize] = lo;
            }
        }
    }
    let mut labels = vec![u32::MAX; n];
    let mut root_label = vec![u32::MAX; n];
    let mut sizes = Vec::new();
    for (v, label) in labels.iter_mut().enumerate() {
        let r = find(&mut parent, v as u32) as usize;
        if root_label[r] == u32::MAX {
            root_label[r] = sizes.len() as u32;
            sizes.push(0);
        }
        *label = root_label[r];
        sizes[root_label[r] as usize] += 1;
    }
    Components { labels, sizes }
}

/// What is unusual about a graph (and, optionally, the kNN list it came from).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, knn::{KnnList, SelfNeighbor}, structure::graph_report};
/// // points 0 and 1 coincide; the graph 0 - 1 - 2 keeps a self-loop on 2
/// let knn = KnnList::new(3, 1, &[1, 0, 1], &[0.0, 0.0, 2.0], SelfNeighbor::Excluded)?;
/// # let indices = [1, 0, 2, 1, 2];
/// let g = CsrGraph::new(3, &[0, 1, 3, 5], &indices, &[1.0, 1.0, 0.5, 0.5, 0.25])?;
/// let r = graph_report(&g, Some(&knn));
/// assert_eq!((r.components, r.isolated, r.self_loops, r.zero_distance_pairs), (1, 0, 1, 2));
/// assert!(r.to_string().ends_with("1 self-loops, 2 zero-distance kNN pairs"));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphReport {
    /// Number of vertices.
    pub n: usize,
    /// Number of connected components (1 for a connected graph).
    pub components: usize,
    /// Size of the largest component.
    pub largest_component: usize,
    /// Vertices whose own row holds no kept edge of positive weight
    /// ([`CsrGraph::isolated_vertices`]).
    pub isolated: usize,
    /// The first isolated vertex, if any.
    pub first_isolated: Option<usize>,
    /// Self-loop entries that the graph's threshold keeps (zero weights included).
    pub self_loops: usize,
    /// kNN entries at distance 0 from a different point (duplicate points).
    pub zero_distance_pairs: usize,
}

impl GraphReport {
    /// Whether nothing unusual was found.
    ///
    /// ```
    /// # use neighbor_embed::{graph::CsrGraph, knn::KnnList, structure::graph_report};
    /// // the 4-cycle 0 - 1 - 2 - 3 - 0
    /// # let indices = [1, 3, 0, 2, 1, 3, 0, 2];
    /// let g = CsrGraph::new(4, &[0, 2, 4, 6, 8], &indices, &[1.0f32; 8])?;
    /// let r = graph_report(&g, None::<&KnnList<f32>>);
    /// assert!(r.is_clean());
    /// let clean = "4 vertices, connected, no isolated vertices, self-loops or duplicate points";
    /// assert_eq!(r.to_string(), clean);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn is_clean(&self) -> bool {
        self.components <= 1
            && self.isolated == 0
            && self.self_loops == 0
            && self.zero_distance_pairs == 0
    }
}

impl core::fmt::Display for GraphReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_clean() {
            return write!(
                f,
                "{} vertices, connected, no isolated vertices, self-loops or duplicate points",
                self.n
            );
        }
        write!(
            f,
            "{} vertices in {} components (largest {}), {} isolated",
            self.n, self.components, self.largest_component, self.isolated
        )?;
        if let Some(v) = self.first_isolated {
            write!(f, " (first: {v})")?;
        }
        write!(
            f,
            ", {} self-loops, {} zero-distance kNN pairs",
            self.self_loops, self.zero_distance_pairs
        )
    }
}

/// Reports on `graph` and, when given, the kNN list it was built from (row-major or CSR: the
/// zero-distance count runs over every row's true neighbours, whatever its length).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, structure::graph_report};
/// let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0f64, 1.0])?;
/// let r = graph_report(&g, None::<&neighbor_embed::knn::KnnList<f64>>);
/// assert_eq!((r.components, r.isolated, r.first_isolated), (2, 1, Some(2)));
/// assert!(!r.is_clean());
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn graph_report<T: Real, U: Real>(
    graph: &CsrGraph<T>,
    knn: Option<&KnnList<U>>,
) -> GraphReport {
    let c = components(graph);
    let isolated: Vec<usize> = graph.isolated_vertices().collect();
    let self_loops = graph.edges().filter(|&(i, j, _)| i == j).count();
    let zero_distance_pairs = knn.map_or(0, |knn| {
        (0..knn.n())
            .map(|i| {
                let (idx, dist) = knn.row(i);
                idx.iter()
                    .zip(dist)
                    .filter(|&(&j, &d)| j != MISSING && j as usize != i && d == U::zero())
                    .count()
            })
            .sum()
    });
    GraphReport {
        n: graph.n(),
        components: c.sizes.len(),
        largest_component: c.sizes.iter().copied().max().unwrap_or(0),
        isolated: isolated.len(),
        first_isolated: isolated.first().copied(),
        self_loops,
        zero_distance_pairs,
    }
}
