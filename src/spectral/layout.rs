//! umap-learn's spectral initialisation (MATH.md §E.2), with disconnected graphs laid out one
//! component at a time instead of falling back to noise or NaN.

use super::eigen::{EigenOptions, laplacian_eigenpairs};
use crate::Real;
use crate::error::{Error, check_len, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::rng::{Pcg32, StreamRng, unit_f64};
use alloc::vec;
use alloc::vec::Vec;

/// Options of [`spectral_layout`]. `Default` is umap-learn's: noise `1e-4` after scaling to
/// `max |y| = 10`, then every column rescaled to `[0, 10]`; the eigensolver's defaults.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{spectral_layout, EigenOptions, SpectralOptions}};
/// let d = SpectralOptions::default();
/// assert_eq!((d.noise, d.extent, d.eigen), (1e-4, 10.0, EigenOptions::default()));
/// // the path 0 - 1 - 2 - 3 - 4 - 5 in one dimension: without noise, and with the default
/// let g = CsrGraph::new(6, &[0, 1, 3, 5, 7, 9, 10], &[1, 0, 2, 1, 3, 2, 4, 3, 5, 4], &[1.0f64; 10])?;
/// let (mut exact, mut noisy) = ([0.0; 6], [0.0; 6]);
/// spectral_layout(&g, 1, &SpectralOptions { noise: 0.0, extent: 1.0, ..d }, &mut exact)?;
/// spectral_layout(&g, 1, &d, &mut noisy)?;
/// let (lo, hi) = exact.iter().fold((1.0f64, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
/// assert_eq!((lo, hi), (0.0, 1.0)); // the column spans [0, extent] exactly
/// assert!(noisy.iter().zip(&exact).all(|(n, e)| (n / 10.0 - e).abs() < 1e-3));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpectralOptions {
    /// The eigensolver's options (its seed also seeds the noise and any random placement),
    /// checked against the whole graph (`eigen.block` below `n`, see [`EigenOptions`]); a
    /// component solved on its own gets `eigen.block` capped at its size `- 1`.
    pub eigen: EigenOptions,
    /// Standard deviation of the Gaussian noise added after scaling to `max |y| = 10`
    /// (umap-learn's `noisy_scale_coords`: `1e-4`); `≥ 0`.
    pub noise: f64,
    /// Every column is finally rescaled to `[0, extent]` (umap-learn: 10); `> 0`.
    pub extent: f64,
}

impl Default for SpectralOptions {
    fn default() -> Self {
        SpectralOptions {
            eigen: EigenOptions::default(),
            noise: 1e-4,
            extent: 10.0,
        }
    }
}

/// What [`spectral_layout`] did.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{spectral_layout, SpectralOptions}};
/// // a 6-cycle (vertices 0..6) and a separate edge 6 - 7, laid out in 2-D
/// let indptr = [0, 2, 4, 6, 8, 10, 12, 13, 14];
/// let indices = [1, 5, 0, 2, 1, 3, 2, 4, 3, 5, 0, 4, 7, 6];
/// let g = CsrGraph::new(8, &indptr, &indices, &[1.0f64; 14])?;
/// let mut y = [0.0; 16];
/// let r = spectral_layout(&g, 2, &SpectralOptions::default(), &mut y)?;
/// // the cycle has the dim + 2 = 4 vertices needed for its own eigenvectors; the edge has not
/// assert_eq!((r.components, r.spectral_components, r.random_vertices), (2, 1, 2));
/// assert!(!r.is_spectral() && r.unconverged_components == 0);
/// assert!(r.eigenvalues.iter().all(|&l| (l - 0.5).abs() < 1e-12)); // the cycle's λ₂ = λ₃
/// assert!(y.iter().all(|v| v.is_finite()));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SpectralReport {
    /// Connected components of the graph's kept edges.
    pub components: usize,
    /// Components laid out by their own eigenvectors (those with at least `dim + 2` vertices).
    pub spectral_components: usize,
    /// Vertices placed at random: those of components too small for `dim` eigenvectors, and of
    /// components whose eigensolver did not converge (umap-learn's fallback).
    pub random_vertices: usize,
    /// Components whose eigensolver did not converge (laid out at random).
    pub unconverged_components: usize,
    /// Eigenvalues `λ₂ … λ_{dim+1}` of the largest component's `L_sym` (empty if it was not
    /// laid out spectrally).
    pub eigenvalues: Vec<f64>,
    /// Products with the Laplacian operator, over all components.
    pub matvecs: usize,
    /// Largest eigenpair residual over the spectral components.
    pub residual: f64,
}

impl SpectralReport {
    /// Whether the layout is umap-learn's spectral initialisation of a connected graph, with no
    /// random placement.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{spectral_layout, SpectralOptions}};
    /// // the complete graph K4
    /// let g = CsrGraph::new(4, &[0, 3, 6, 9, 12], &[1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2], &[1.0f64; 12])?;
    /// let mut y = [0.0; 8];
    /// assert!(spectral_layout(&g, 2, &SpectralOptions::default(), &mut y)?.is_spectral());
    /// // connected, but 4 vertices give no 4 non-trivial eigenvectors: placed at random
    /// let mut y = [0.0; 16];
    /// let r = spectral_layout(&g, 4, &SpectralOptions::default(), &mut y)?;
    /// assert!(!r.is_spectral() && r.random_vertices == 4);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn is_spectral(&self) -> bool {
        self.components == 1 && self.spectral_components == 1 && self.random_vertices == 0
    }
}

/// umap-learn's spectral initialisation (MATH.md §E.2) of the graph's kept edges (apply
/// [`CsrGraph::with_umap_filter`] first, as umap-learn does): column `c` of the layout is the
/// eigenvector of the `(c+2)`-th smallest eigenvalue of `L_sym`, scaled to `max |y| = 10`,
/// plus Gaussian noise of standard deviation `noise`, then every column is rescaled to
/// `[0, extent]`. Writes `coords` (`n × dim`, row-major).
///
/// A disconnected graph (where umap-learn needs the data to place components) gets one cell
/// per component of at least `dim + 2` vertices on a grid in order of decreasing size, each
/// component laid out by its own eigenvectors scaled into its cell; the vertices of smaller
/// components share one more cell at random positions. The [`SpectralReport`] says what was
/// done; the output is always finite and deterministic for the seed.
///
/// Errors: [`Error::Param`] (`dim = 0`, options, the eigensolver's named `eigen.…`; a `noise`
/// so large that the noisy layout overflows the output type), [`Error::BufferLength`]
/// (`coords`), [`crate::GraphError::Asymmetric`] (relative tolerance `1e-6`). An empty graph
/// returns at once, whatever `dim`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{spectral_layout, SpectralOptions}};
/// // a 6-cycle: its two smallest non-trivial eigenvectors place the vertices on a hexagon
/// let indptr = [0, 2, 4, 6, 8, 10, 12];
/// let indices = [1, 5, 0, 2, 1, 3, 2, 4, 3, 5, 0, 4];
/// let g = CsrGraph::new(6, &indptr, &indices, &[1.0f32; 12])?;
/// let mut y = [0.0f32; 12];
/// let report = spectral_layout(&g, 2, &SpectralOptions::default(), &mut y)?;
/// assert!(report.is_spectral());
/// assert!((report.eigenvalues[0] - 0.5).abs() < 1e-12); // 1 - cos(2π/6), twice
/// assert!((report.eigenvalues[1] - 0.5).abs() < 1e-12);
/// assert!(y.iter().all(|&v| (0.0..=10.0).contains(&v)));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn spectral_layout<T: Real>(
    graph: &CsrGraph<T>,
    dim: usize,
    options: &SpectralOptions,
    coords: &mut [T],
) -> Result<SpectralReport, Error> {
    let n = graph.n();
    check_param("dim", dim as f64, dim >= 1, "at least 1")?;
    let len = n.checked_mul(dim).ok_or(Error::Param {
        name: "dim",
        value: dim as f64,
        expected: "n·dim representable as usize",
    })?;
    check_len("coords", len, coords.len())?;
    let noise = options.noise;
    check_param(
        "noise",
        noise,
        noise >= 0.0 && noise.is_finite(),
        "a finite number >= 0",
    )?;
    let extent = options.extent;
    check_positive("extent", extent)?;
    options.eigen.check(n, true)?;
    graph.check_symmetric(T::of_f64(1e-6))?;
    let comps = crate::structure::components(graph);
    // components by decreasing size, ties by label (first vertex)
    let mut order: Vec<usize> = (0..comps.sizes.len()).collect();
    order.sort_by(|&a, &b| comps.sizes[b].cmp(&comps.sizes[a]).then(a.cmp(&b)));
    let big: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&c| comps.sizes[c] >= dim.saturating_add(2))
        .collect();
    let mut report = SpectralReport {
        components: comps.sizes.len(),
        spectral_components: 0,
        random_vertices: 0,
        unconverged_components: 0,
        eigenvalues: Vec::new(),
        matvecs: 0,
        residual: 0.0,
    };
    let mut y = vec![0.0f64; len];
    let mut rng = Pcg32::for_stream(options.eigen.seed, 2);
    let single = big.len() == 1 && comps.sizes.len() == 1;
    let leftovers = n - big.iter().map(|&c| comps.sizes[c]).sum::<usize>();
    let cells = big.len() + usize::from(leftovers > 0);
    let side = grid_side(cells, dim);
    // vertices of each component, in vertex order
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); comps.sizes.len()];
    for (v, &l) in comps.labels.iter().enumerate() {
        members[l as usize].push(v);
    }
    for (cell, &c) in big.iter().enumerate() {
        let verts = &members[c];
        let centre = cell_centre(cell, side, dim);
        let solved = if single {
            laplacian_eigenpairs(graph, dim + 1, &options.eigen)
        } else {
            let sub = Subgraph::new(graph, verts, &comps.labels);
            let g = sub.graph()?;
            // a block valid for the whole graph may not fit a component (≥ dim + 2 vertices)
            let eigen = EigenOptions {
                block: options.eigen.block.min(verts.len() - 1),
                ..options.eigen
            };
            laplacian_eigenpairs(&g, dim + 1, &eigen)
        };
        match solved {
            Ok(e) => {
                report.spectral_components += 1;
                report.matvecs += e.matvecs;
                report.residual = report.residual.max(e.residual);
                if cell == 0 {
                    report.eigenvalues = e.values[1..].to_vec();
                }
                let max = (1..=dim)
                    .flat_map(|r| e.vector(r).iter())
                    .fold(0.0f64, |m, x| m.max(x.abs()));
                for (local, &v) in verts.iter().enumerate() {
                    for d in 0..dim {
                        y[v * dim + d] = centre[d] + e.vector(d + 1)[local] / max;
                    }
                }
            }
            Err(Error::NoConvergence { .. }) => {
                report.unconverged_components += 1;
                report.random_vertices += verts.len();
                for &v in verts {
                    for d in 0..dim {
                        y[v * dim + d] = centre[d] + 2.0 * unit_f64(&mut rng) - 1.0;
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    if leftovers > 0 {
        let centre = cell_centre(big.len(), side, dim);
        for &c in order
            .iter()
            .filter(|&&c| comps.sizes[c] < dim.saturating_add(2))
        {
            for &v in &members[c] {
                report.random_vertices += 1;
                for d in 0..dim {
                    y[v * dim + d] = centre[d] + 2.0 * unit_f64(&mut rng) - 1.0;
                }
            }
        }
    }
    // noisy_scale_coords: max |y| = 10, plus N(0, noise²)
    let max = y.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { 10.0 / max } else { 1.0 };
    let mut normal = Pcg32::for_stream(options.eigen.seed, 1);
    for v in y.iter_mut() {
        *v = *v * scale + noise * gaussian(&mut normal);
    }
    for (c, v) in coords.iter_mut().zip(&y) {
        *c = T::of_f64(*v);
    }
    if !coords.iter().all(|c| c.is_finite()) {
        // the layout is within [-10, 10] before the noise: only the noise can overflow
        return Err(Error::Param {
            name: "noise",
            value: noise,
            expected: "small enough that the noisy layout is finite in the output type",
        });
    }
    crate::init::rescale_columns(coords, dim, T::of_f64(extent))?;
    Ok(report)
}

/// The smallest `g` with `g^dim ≥ cells` (cells on a `g × … × g` grid). At most
/// `log2(cells) + 1` products per `g`, whatever `dim` (`dim ≥ 1`).
fn grid_side(cells: usize, dim: usize) -> usize {
    if cells <= 1 {
        return 1; // 1^dim
    }
    let mut g = 2usize;
    loop {
        // g ≥ 2: the partial powers increase, so stop at the first one that suffices
        let mut capacity = 1usize;
        for _ in 0..dim {
            capacity = capacity.saturating_mul(g);
            if capacity >= cells {
                return g;
            }
        }
        g += 1;
    }
}

/// Centre of grid cell `cell`: its base-`side` digits times 3 (layouts have radius 1, so
/// neighbouring components keep a gap of at least 1).
fn cell_centre(cell: usize, side: usize, dim: usize) -> Vec<f64> {
    let mut rest = cell;
    (0..dim)
        .map(|_| {
            let digit = rest % side;
            rest /= side;
            3.0 * digit as f64
        })
        .collect()
}

/// A standard normal draw (Box–Muller, one of the pair).
fn gaussian(rng: &mut Pcg32) -> f64 {
    let u1 = 1.0 - unit_f64(rng); // (0, 1]
    let u2 = unit_f64(rng);
    Real::sqrt(-2.0 * Real::ln(u1)) * libm::cos(core::f64::consts::TAU * u2)
}

/// The kept edges among one component's vertices, renumbered.
struct Subgraph<T> {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<T>,
}

impl<T: Real> Subgraph<T> {
    fn new(graph: &CsrGraph<T>, verts: &[usize], labels: &[u32]) -> Self {
        // `verts` is sorted, so a vertex's new number is its position there
        let (mut indptr, mut indices, mut weights) = (vec![0u32], Vec::new(), Vec::new());
        for &v in verts {
            for (j, w) in graph.row(v) {
                if labels[j] == labels[v] {
                    let pos = verts.partition_point(|&x| x < j);
                    indices.push(pos as u32);
                    weights.push(w);
                }
            }
            indptr.push(indices.len() as u32);
        }
        Subgraph {
            n: verts.len(),
            indptr,
            indices,
            weights,
        }
    }

    fn graph(&self) -> Result<CsrGraph<'_, T>, Error> {
        Ok(CsrGraph::new(
            self.n,
            &self.indptr,
            &self.indices,
            &self.weights,
        )?)
    }
}
