//! Spectral distances (MATH.md §E.3, §E.4): effective resistance against the pseudo-inverse of
//! the unnormalised Laplacian (computed independently, by Cholesky), the corrected resistance
//! against its closed form, diffusion distance against dense powers of `P`, the series
//! `R̃ = Σ_{s≥2} D_{s/2}²`, the truncated spectrum against the dense one, and every error.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::spectral::{
    EigenOptions, Eigenpairs, Resistance, Spectrum, VolScaling, laplacian_eigenpairs,
    symmetric_eigen,
};
use neighbor_embed::{Error, GraphError};
use proptest::prelude::*;

/// splitmix64, for graphs built from a proptest seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform in `[0.1, 3]`.
    fn weight(&mut self) -> f64 {
        0.1 * 30f64.powf(self.unit())
    }
}

/// A symmetric weighted graph as a dense matrix (the diagonal holds self-loops) and its CSR.
struct Dense {
    n: usize,
    w: Vec<f64>,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<f64>,
}

impl Dense {
    fn from_matrix(n: usize, w: Vec<f64>) -> Dense {
        let (mut indptr, mut indices, mut weights) = (vec![0u32], vec![], vec![]);
        for i in 0..n {
            for j in 0..n {
                if w[i * n + j] > 0.0 {
                    indices.push(j as u32);
                    weights.push(w[i * n + j]);
                }
            }
            indptr.push(indices.len() as u32);
        }
        Dense {
            n,
            w,
            indptr,
            indices,
            weights,
        }
    }

    /// Connected: a random spanning tree plus each other pair with probability 0.15; the
    /// triangle 0-1-2 when `triangle` (non-bipartite); self-loops on about a third of the
    /// vertices when `self_loops`.
    fn random(n: usize, seed: u64, triangle: bool, self_loops: bool) -> Dense {
        let mut rng = Rng(seed);
        let mut w = vec![0.0; n * n];
        let set = |w: &mut [f64], i: usize, j: usize, x: f64| {
            w[i * n + j] = x;
            w[j * n + i] = x;
        };
        for v in 1..n {
            let p = (rng.next() % v as u64) as usize;
            let x = rng.weight();
            set(&mut w, v, p, x);
        }
        for i in 0..n {
            for j in i + 1..n {
                if w[i * n + j] == 0.0 && rng.unit() < 0.15 {
                    let x = rng.weight();
                    set(&mut w, i, j, x);
                }
            }
        }
        if triangle && n >= 3 {
            for (i, j) in [(0, 1), (1, 2), (0, 2)] {
                if w[i * n + j] == 0.0 {
                    let x = rng.weight();
                    set(&mut w, i, j, x);
                }
            }
        }
        if self_loops {
            for i in 0..n {
                if rng.unit() < 0.35 {
                    w[i * n + i] = rng.weight();
                }
            }
        }
        Dense::from_matrix(n, w)
    }

    fn graph(&self) -> CsrGraph<'_, f64> {
        CsrGraph::new(self.n, &self.indptr, &self.indices, &self.weights).unwrap()
    }

    fn degrees(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| self.w[i * self.n..(i + 1) * self.n].iter().sum())
            .collect()
    }

    /// `(L + 11ᵀ/n)^{-1}` with `L = D - W` (self-loops cancel), by Cholesky: on `1⊥` it is
    /// `L⁺`, so `R_ij = G_ii + G_jj - 2 G_ij`.
    fn grounded_inverse(&self) -> Vec<f64> {
        let n = self.n;
        let d = self.degrees();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let l = if i == j { d[i] } else { 0.0 } - self.w[i * n + j];
                a[i * n + j] = l + 1.0 / n as f64;
            }
        }
        // Cholesky a = C Cᵀ (lower C)
        let mut c = vec![0.0; n * n];
        for j in 0..n {
            let s: f64 = (0..j).map(|k| c[j * n + k] * c[j * n + k]).sum();
            c[j * n + j] = (a[j * n + j] - s).sqrt();
            for i in j + 1..n {
                let s: f64 = (0..j).map(|k| c[i * n + k] * c[j * n + k]).sum();
                c[i * n + j] = (a[i * n + j] - s) / c[j * n + j];
            }
        }
        // columns of the inverse: forward then back substitution on e_col
        let mut g = vec![0.0; n * n];
        for col in 0..n {
            let mut y = vec![0.0; n];
            for i in 0..n {
                let s: f64 = (0..i).map(|k| c[i * n + k] * y[k]).sum();
                y[i] = (if i == col { 1.0 } else { 0.0 } - s) / c[i * n + i];
            }
            let mut x = vec![0.0; n];
            for i in (0..n).rev() {
                let s: f64 = (i + 1..n).map(|k| c[k * n + i] * x[k]).sum();
                x[i] = (y[i] - s) / c[i * n + i];
            }
            for i in 0..n {
                g[i * n + col] = x[i];
            }
        }
        g
    }

    /// `P = D^{-1} W`.
    fn transition(&self) -> Vec<f64> {
        let (n, d) = (self.n, self.degrees());
        (0..n * n).map(|p| self.w[p] / d[p / n]).collect()
    }
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let x = a[i * n + k];
            for j in 0..n {
                c[i * n + j] += x * b[k * n + j];
            }
        }
    }
    c
}

fn matpow(p: &[f64], n: usize, s: usize) -> Vec<f64> {
    let mut r: Vec<f64> = (0..n * n)
        .map(|q| if q / n == q % n { 1.0 } else { 0.0 })
        .collect();
    for _ in 0..s {
        r = matmul(&r, p, n);
    }
    r
}

/// `xᵀ P^s D^{-1} x` with `x = e_i - e_j`: the unscaled spectral sum `Σ_k (1-λ_k)^s v_k²`.
fn walk_form(ps: &[f64], d: &[f64], n: usize, i: usize, j: usize) -> f64 {
    ps[i * n + i] / d[i] + ps[j * n + j] / d[j] - ps[i * n + j] / d[j] - ps[j * n + i] / d[i]
}

fn pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (0..n).map(move |j| (i, j)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// (1) raw R against the pseudo-inverse of L, (2) R̃ against its closed form (with and
    /// without self-loops), both for every ordered pair; the matrix forms agree with the
    /// pair queries bit for bit.
    #[test]
    fn resistance_matches_pseudo_inverse(
        n in 3usize..40, seed in any::<u64>(), self_loops in any::<bool>()
    ) {
        let g = Dense::random(n, seed, false, self_loops);
        let s = Spectrum::dense(&g.graph()).unwrap();
        prop_assert!(s.is_exact() && s.pairs() == n);
        let (gi, d) = (g.grounded_inverse(), g.degrees());
        let (mut raw, mut cor) = (vec![0.0; n * n], vec![0.0; n * n]);
        s.resistance_matrix(Resistance::Raw, &mut raw).unwrap();
        s.resistance_matrix(Resistance::Corrected, &mut cor).unwrap();
        for (i, j) in pairs(n) {
            let r = s.resistance(i, j, Resistance::Raw).unwrap();
            let rc = s.resistance(i, j, Resistance::Corrected).unwrap();
            prop_assert_eq!(r, raw[i * n + j]);
            prop_assert_eq!(rc, cor[i * n + j]);
            if i == j {
                prop_assert!(r == 0.0 && rc == 0.0);
                continue;
            }
            let want = gi[i * n + i] + gi[j * n + j] - 2.0 * gi[i * n + j];
            prop_assert!((r - want).abs() <= 1e-10 * want, "R({i},{j}) = {r} vs {want}");
            let w = |a: usize, b: usize| g.w[a * n + b];
            let want_c = want - 1.0 / d[i] - 1.0 / d[j] + 2.0 * w(i, j) / (d[i] * d[j])
                - w(i, i) / (d[i] * d[i]) - w(j, j) / (d[j] * d[j]);
            let scale = want + 1.0 / d[i] + 1.0 / d[j];
            prop_assert!(
                (rc - want_c).abs() <= 1e-10 * scale,
                "R~({i},{j}) = {rc} vs {want_c} (scale {scale})"
            );
            prop_assert!(rc >= 0.0);
        }
    }

    /// (3) diffusion distance: integer t against Σ_l (P^t[i,l] - P^t[j,l])²/π_l; half-integer
    /// t against the signed walk form vol·xᵀP^{2t}D^{-1}x; other real t against (M²)^t from
    /// an independent eigendecomposition of M² (M = D^{-1/2} W D^{-1/2}).
    #[test]
    fn diffusion_matches_definition(
        n in 3usize..30, seed in any::<u64>(), self_loops in any::<bool>()
    ) {
        let g = Dense::random(n, seed, false, self_loops);
        let s = Spectrum::dense(&g.graph()).unwrap();
        let (d, p) = (g.degrees(), g.transition());
        let vol: f64 = d.iter().sum();
        prop_assert!((s.vol() - vol).abs() <= 1e-13 * vol);
        // the scale of D_t² is D_0² = vol (1/d_i + 1/d_j)
        let scale = |i: usize, j: usize| vol * (1.0 / d[i] + 1.0 / d[j]);
        for t in [0usize, 1, 2, 3, 7] {
            let pt = matpow(&p, n, t);
            let mut m = vec![0.0; n * n];
            s.diffusion_matrix(t as f64, VolScaling::Scaled, &mut m).unwrap();
            for (i, j) in pairs(n) {
                let want: f64 = (0..n)
                    .map(|l| (pt[i * n + l] - pt[j * n + l]).powi(2) / (d[l] / vol))
                    .sum();
                let got = s.diffusion_sq(i, j, t as f64, VolScaling::Scaled).unwrap();
                prop_assert_eq!(got, m[i * n + j]);
                prop_assert!(
                    (got - want).abs() <= 1e-10 * want + 1e-13 * scale(i, j),
                    "t = {t}, ({i},{j}): {got} vs {want}"
                );
                let un = s.diffusion_sq(i, j, t as f64, VolScaling::Unscaled).unwrap();
                prop_assert!((un * vol - got).abs() <= 1e-15 * got.abs());
            }
        }
        for s2 in [1usize, 3, 5] {
            let ps = matpow(&p, n, s2);
            for (i, j) in pairs(n) {
                let want = vol * walk_form(&ps, &d, n, i, j);
                let got = s.diffusion_sq(i, j, s2 as f64 / 2.0, VolScaling::Scaled).unwrap();
                prop_assert!(
                    (got - want).abs() <= 1e-10 * scale(i, j),
                    "t = {s2}/2, ({i},{j}): {got} vs {want}"
                );
            }
        }
        // M² and its eigendecomposition (eigenvalues (1 - λ)² ≥ 0)
        let mut msym = vec![0.0; n * n];
        for (a, b) in pairs(n) {
            msym[a * n + b] = g.w[a * n + b] / (d[a].sqrt() * d[b].sqrt());
        }
        let mut m2 = matmul(&msym, &msym, n);
        for a in 0..n {
            for b in a + 1..n {
                let x = 0.5 * (m2[a * n + b] + m2[b * n + a]);
                m2[a * n + b] = x;
                m2[b * n + a] = x;
            }
        }
        let (mut mu, mut q) = (vec![0.0; n], vec![0.0; n * n]);
        symmetric_eigen(&mut m2, n, &mut mu, &mut q).unwrap();
        for t in [0.75, 1.25, 2.7] {
            // the reference's eigenvalues μ ≈ 0 of M² carry rounding ~1e-16, which μ^t
            // amplifies for t < 1 (λ ↦ |1-λ|^{2t} is only Hölder-continuous at λ = 1)
            let tol = 1e-12 + 1e-14f64.powf(t);
            for (i, j) in pairs(n) {
                // vol · Σ_r μ_r^t (q_r[i]/√d_i - q_r[j]/√d_j)² (the trivial pair gives 0)
                let want: f64 = vol * (0..n)
                    .map(|r| {
                        let v = q[r * n + i] / d[i].sqrt() - q[r * n + j] / d[j].sqrt();
                        mu[r].max(0.0).powf(t) * v * v
                    })
                    .sum::<f64>();
                let got = s.diffusion_sq(i, j, t, VolScaling::Scaled).unwrap();
                prop_assert!(got >= 0.0);
                prop_assert!(
                    (got - want).abs() <= 1e-10 * want + tol * scale(i, j),
                    "t = {t}, ({i},{j}): {got} vs {want}"
                );
            }
        }
    }

    /// (4) R̃_ij = Σ_{s≥2} D_{s/2}(i,j)² (unscaled) on connected non-bipartite graphs; the
    /// scaled terms divided by vol give the same.
    #[test]
    fn corrected_resistance_is_the_diffusion_series(
        n in 3usize..25, seed in any::<u64>(), self_loops in any::<bool>()
    ) {
        let g = Dense::random(n, seed, true, self_loops);
        let s = Spectrum::dense(&g.graph()).unwrap();
        for (i, j) in [(0, 1), (0, n - 1), (1, n / 2), (n - 1, n - 2)] {
            if i == j {
                continue;
            }
            let want = s.resistance(i, j, Resistance::Corrected).unwrap();
            let (mut sum, mut sum_scaled, mut abs_sum) = (0.0, 0.0, 0.0);
            let mut step = 2usize;
            loop {
                let t = step as f64 / 2.0;
                let term = s.diffusion_sq(i, j, t, VolScaling::Unscaled).unwrap();
                sum += term;
                abs_sum += term.abs();
                sum_scaled += s.diffusion_sq(i, j, t, VolScaling::Scaled).unwrap();
                // even steps bound every later term: |term_{s+1}| ≤ term_s, decreasing
                if step.is_multiple_of(2) && term < 1e-18 {
                    break;
                }
                step += 1;
                prop_assert!(step < 1_000_000, "series does not converge");
            }
            // R̃ = 0 exactly for twin vertices: an absolute floor at the scale 1/d_i + 1/d_j
            let d = s.degrees();
            let tol = 1e-10 * want.max(abs_sum) + 1e-15 * (1.0 / d[i] + 1.0 / d[j]);
            prop_assert!(
                (sum - want).abs() <= tol,
                "({i},{j}): series {sum} vs R~ {want} after {step} terms (Σ|term| {abs_sum})"
            );
            let vol = s.vol();
            prop_assert!((sum_scaled / vol - want).abs() <= tol);
        }
    }

    /// (5a) the spectrum from `laplacian_eigenpairs` with K = n equals the dense one; (5b)
    /// for K < n the truncated R, R̃ and integer-t D_t² (sums of non-negative terms) stay below
    /// the exact values and grow with K.
    #[test]
    fn truncated_spectrum_converges_from_below(
        n in 3usize..40, seed in any::<u64>(), self_loops in any::<bool>()
    ) {
        let g = Dense::random(n, seed, false, self_loops);
        let graph = g.graph();
        let exact = Spectrum::dense(&graph).unwrap();
        let opts = EigenOptions::default();
        let full = Spectrum::truncated(&graph, n, &opts).unwrap();
        prop_assert!(full.is_exact() && full.pairs() == n);
        let matrices = |s: &Spectrum| {
            let mut out = vec![vec![0.0; n * n]; 4];
            s.resistance_matrix(Resistance::Raw, &mut out[0]).unwrap();
            s.resistance_matrix(Resistance::Corrected, &mut out[1]).unwrap();
            s.diffusion_matrix(1.0, VolScaling::Scaled, &mut out[2]).unwrap();
            s.diffusion_matrix(3.0, VolScaling::Unscaled, &mut out[3]).unwrap();
            out
        };
        let want = matrices(&exact);
        for (a, b) in matrices(&full).iter().zip(&want) {
            let top = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            for (x, y) in a.iter().zip(b) {
                prop_assert!((x - y).abs() <= 1e-8 * top, "{x} vs {y}");
            }
        }
        let mut prev = vec![vec![0.0; n * n]; 4];
        for k in 1..=n {
            let s = Spectrum::truncated(&graph, k, &opts).unwrap();
            prop_assert_eq!(s.is_exact(), k == n);
            let cur = matrices(&s);
            for q in 0..4 {
                let top = want[q].iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for p in 0..n * n {
                    let slack = 1e-12 * top;
                    prop_assert!(cur[q][p] <= want[q][p] + slack, "K = {k}, quantity {q}");
                    prop_assert!(cur[q][p] >= prev[q][p] - slack, "K = {k}, quantity {q}");
                }
            }
            prev = cur;
        }
    }
}

/// A 15 × 20 grid with one diagonal per cell (non-bipartite, so that the large eigenvalues
/// decay under diffusion) and random weights (n = 300 > DENSE_LIMIT: the Krylov path of
/// `laplacian_eigenpairs`).
fn grid(seed: u64) -> Dense {
    let (rows, cols) = (15, 20);
    let n = rows * cols;
    let mut rng = Rng(seed);
    let mut w = vec![0.0; n * n];
    for r in 0..rows {
        for c in 0..cols {
            let i = r * cols + c;
            for j in [
                (c + 1 < cols).then(|| i + 1),
                (r + 1 < rows).then(|| i + cols),
                (r + 1 < rows && c + 1 < cols).then(|| i + cols + 1),
            ]
            .into_iter()
            .flatten()
            {
                let x = 0.5 + rng.unit();
                w[i * n + j] = x;
                w[j * n + i] = x;
            }
        }
    }
    Dense::from_matrix(n, w)
}

/// (5c) Krylov-computed truncated spectra: below the exact values, non-decreasing in K (up to
/// the solver tolerance), and the eigenvalues agree with the dense ones.
#[test]
fn krylov_truncation_is_monotone() {
    let g = grid(7);
    let graph = g.graph();
    let n = g.n;
    let exact = Spectrum::dense(&graph).unwrap();
    let mut want = vec![0.0; n * n];
    exact.resistance_matrix(Resistance::Raw, &mut want).unwrap();
    let mut prev = vec![0.0; n * n];
    let opts = EigenOptions::default();
    for k in [3, 6, 12, 24] {
        let s = Spectrum::truncated(&graph, k, &opts).unwrap();
        assert!(!s.is_exact());
        for (a, b) in s.values().iter().zip(exact.values()) {
            assert!((a - b).abs() < 1e-8, "K = {k}: eigenvalue {a} vs {b}");
        }
        let mut cur = vec![0.0; n * n];
        s.resistance_matrix(Resistance::Raw, &mut cur).unwrap();
        for p in 0..n * n {
            assert!(cur[p] <= want[p] * (1.0 + 1e-6), "K = {k}");
            assert!(cur[p] >= prev[p] * (1.0 - 1e-6) - 1e-12, "K = {k}");
        }
        // corners: the lowest modes carry most of the long-range resistance
        let (a, b) = (0, n - 1);
        eprintln!(
            "K = {k}: R(corner, corner) {:.6} of {:.6}; D_20² {:.6e} of {:.6e}",
            cur[a * n + b],
            want[a * n + b],
            s.diffusion_sq(a, b, 20.0, VolScaling::Scaled).unwrap(),
            exact.diffusion_sq(a, b, 20.0, VolScaling::Scaled).unwrap(),
        );
        prev = cur;
    }
    // at large t the smallest pairs carry D_t² almost entirely
    let s = Spectrum::truncated(&graph, 24, &opts).unwrap();
    let (x, y) = (
        s.diffusion_sq(0, n - 1, 200.0, VolScaling::Scaled).unwrap(),
        exact
            .diffusion_sq(0, n - 1, 200.0, VolScaling::Scaled)
            .unwrap(),
    );
    assert!((x - y).abs() <= 1e-6 * y, "{x} vs {y}");
}

/// Closed forms on tiny graphs, t = 0, f32 input, and a spectrum of the trivial pair only.
#[test]
fn closed_forms_and_edge_cases() {
    // the path 0 - 1 - 2 (bipartite: λ = 0, 1, 2)
    let path = Dense::from_matrix(3, vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    let s = Spectrum::dense(&path.graph()).unwrap();
    for (a, b) in s.values().iter().zip([0.0, 1.0, 2.0]) {
        assert!((a - b).abs() < 1e-15);
    }
    assert_eq!(s.degrees(), &[1.0, 2.0, 1.0]);
    assert_eq!((s.n(), s.vol()), (3, 4.0));
    let r = |i, j| s.resistance(i, j, Resistance::Raw).unwrap();
    assert!((r(0, 2) - 2.0).abs() < 1e-14 && (r(2, 1) - 1.0).abs() < 1e-14);
    // R̃_02 = 2 - 1 - 1 = 0
    assert!(s.resistance(0, 2, Resistance::Corrected).unwrap().abs() < 1e-14);
    // t = 0: vol (1/d_i + 1/d_j) (P^0 = I)
    let d0 = s.diffusion_sq(0, 1, 0.0, VolScaling::Scaled).unwrap();
    assert!((d0 - 4.0 * 1.5).abs() < 1e-14);
    // t = 1/2, adjacent vertices, no self-loops: vol·(-2 w_01/(d_0 d_1)) = -4 < 0
    let half = s.diffusion_sq(0, 1, 0.5, VolScaling::Scaled).unwrap();
    assert!((half + 4.0).abs() < 1e-14, "{half}");
    // just off the half-integer the magnitude |1 - λ|^{2t} is used: ≥ 0
    assert!(
        s.diffusion_sq(0, 1, 0.5 + 1e-9, VolScaling::Scaled)
            .unwrap()
            >= 0.0
    );
    // huge t: the bipartite pair λ = 2 never decays
    let far = s.diffusion_sq(0, 1, 1e300, VolScaling::Scaled).unwrap();
    assert!((far - 4.0).abs() < 1e-13, "{far}");

    // f32 weights give the same spectrum as the same f64 weights
    let w32: Vec<f32> = vec![0.5, 0.5, 0.25, 0.25];
    let w64: Vec<f64> = w32.iter().map(|&x| x as f64).collect();
    let (ip, ix) = ([0u32, 1, 3, 4], [1u32, 0, 2, 1]);
    let a = Spectrum::dense(&CsrGraph::new(3, &ip, &ix, &w32).unwrap()).unwrap();
    let b = Spectrum::dense(&CsrGraph::new(3, &ip, &ix, &w64).unwrap()).unwrap();
    assert_eq!(a, b);
    // the weight threshold is honoured: dropping the 0.25 edge disconnects vertex 2
    let filtered = CsrGraph::new(3, &ip, &ix, &w64)
        .unwrap()
        .with_min_weight(0.3)
        .unwrap();
    assert_eq!(
        Spectrum::dense(&filtered),
        Err(Error::Graph(GraphError::IsolatedVertex { vertex: 2 }))
    );

    // K = 1: only the trivial pair, every distance 0
    let pairs = laplacian_eigenpairs(&path.graph(), 1, &EigenOptions::default()).unwrap();
    let s = Spectrum::from_eigenpairs(pairs).unwrap();
    assert_eq!(s.pairs(), 1);
    assert_eq!(s.resistance(0, 2, Resistance::Raw), Ok(0.0));
    assert_eq!(s.diffusion_sq(0, 2, 1.5, VolScaling::Scaled), Ok(0.0));
    let mut m = [1.0; 9];
    s.resistance_matrix(Resistance::Corrected, &mut m).unwrap();
    assert_eq!(m, [0.0; 9]);
}

/// (6) Every error.
#[test]
fn errors() {
    let path = Dense::from_matrix(3, vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    let s = Spectrum::dense(&path.graph()).unwrap();
    let index = |name, index| {
        Err(Error::PointIndex {
            name,
            position: 0,
            index,
            n: 3,
        })
    };
    for kind in [Resistance::Raw, Resistance::Corrected] {
        assert_eq!(s.resistance(3, 0, kind), index("i", 3));
        assert_eq!(s.resistance(0, 7, kind), index("j", 7));
        assert_eq!(
            s.resistance(usize::MAX, usize::MAX, kind),
            index("i", usize::MAX)
        );
    }
    assert_eq!(s.diffusion_sq(0, 3, 1.0, VolScaling::Scaled), index("j", 3));
    assert_eq!(
        s.diffusion_sq(4, 0, 1.0, VolScaling::Unscaled),
        index("i", 4)
    );
    let mut out = vec![0.0; 9];
    for t in [-1.0, -1e-300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(
            matches!(
                s.diffusion_sq(0, 1, t, VolScaling::Scaled),
                Err(Error::Param { name: "t", .. })
            ),
            "t = {t}"
        );
        assert!(
            matches!(
                s.diffusion_matrix(t, VolScaling::Unscaled, &mut out),
                Err(Error::Param { name: "t", .. })
            ),
            "t = {t}"
        );
    }
    let short = Err(Error::BufferLength {
        name: "out",
        expected: 9,
        found: 8,
    });
    assert_eq!(s.resistance_matrix(Resistance::Raw, &mut out[..8]), short);
    assert_eq!(
        s.diffusion_matrix(1.0, VolScaling::Scaled, &mut out[..8]),
        short
    );

    // graphs
    let disconnected = Dense::from_matrix(
        4,
        vec![
            0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0,
        ],
    );
    assert!(matches!(
        Spectrum::dense(&disconnected.graph()),
        Err(Error::Degenerate { .. })
    ));
    assert!(matches!(
        Spectrum::truncated(&disconnected.graph(), 2, &EigenOptions::default()),
        Err(Error::Degenerate { .. })
    ));
    // a self-loop alone does not connect a vertex
    let looped = Dense::from_matrix(3, vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0]);
    assert!(matches!(
        Spectrum::dense(&looped.graph()),
        Err(Error::Degenerate { .. })
    ));
    let isolated = Dense::from_matrix(3, vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        Spectrum::dense(&isolated.graph()),
        Err(Error::Graph(GraphError::IsolatedVertex { vertex: 2 }))
    );
    // kept zero-weight edges do not help
    let zero = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.0, 1.0, 0.0]).unwrap();
    assert_eq!(
        Spectrum::dense(&zero),
        Err(Error::Graph(GraphError::IsolatedVertex { vertex: 2 }))
    );
    let (ip, ix) = ([0u32, 1, 3, 4], [1u32, 0, 2, 1]);
    let asym = [1.0f64, 2.0, 1.0, 1.0];
    assert_eq!(
        Spectrum::dense(&CsrGraph::new(3, &ip, &ix, &asym).unwrap()),
        Err(Error::Graph(GraphError::Asymmetric {
            row: 0,
            position: 0
        }))
    );
    // within the 1e-6 relative tolerance
    let nearly = [1.0f64, 1.0 + 1e-7, 1.0, 1.0];
    assert!(Spectrum::dense(&CsrGraph::new(3, &ip, &ix, &nearly).unwrap()).is_ok());
    // numerically disconnected: two triangles joined by a weight of 1e-20
    let mut w = vec![0.0; 36];
    for (i, j, x) in [
        (0, 1, 1.0),
        (1, 2, 1.0),
        (0, 2, 1.0),
        (3, 4, 1.0),
        (4, 5, 1.0),
        (3, 5, 1.0),
        (2, 3, 1e-20),
    ] {
        w[i * 6 + j] = x;
        w[j * 6 + i] = x;
    }
    assert!(matches!(
        Spectrum::dense(&Dense::from_matrix(6, w).graph()),
        Err(Error::Degenerate { .. })
    ));
    // the volume must be finite (each degree is 1e308)
    let huge = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1e308f64, 1e308]).unwrap();
    assert!(matches!(
        Spectrum::dense(&huge),
        Err(Error::Degenerate { .. })
    ));
    // sizes: n < 2, and n above the dense limit (rejected before any O(n²) work)
    for n in [0usize, 1] {
        let ip = vec![0u32; n + 1];
        let g = CsrGraph::<f64>::new(n, &ip, &[], &[]).unwrap();
        assert!(matches!(Spectrum::dense(&g), Err(Error::Degenerate { .. })));
    }
    let n = Spectrum::DENSE_MAX_N + 1;
    let (mut ip, mut ix) = (vec![0u32], vec![]);
    for i in 0..n {
        if i > 0 {
            ix.push(i as u32 - 1);
        }
        if i + 1 < n {
            ix.push(i as u32 + 1);
        }
        ip.push(ix.len() as u32);
    }
    let ones = vec![1.0f64; ix.len()];
    let big = CsrGraph::new(n, &ip, &ix, &ones).unwrap();
    assert!(matches!(
        Spectrum::dense(&big),
        Err(Error::Param { name: "n", value, .. }) if value == n as f64
    ));
}

/// (6) `from_eigenpairs` checks every public field of `Eigenpairs`.
#[test]
fn from_eigenpairs_errors() {
    let path = Dense::from_matrix(3, vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    let good = laplacian_eigenpairs(&path.graph(), 3, &EigenOptions::default()).unwrap();
    assert!(Spectrum::from_eigenpairs(good.clone()).is_ok());
    let with = |f: &dyn Fn(&mut Eigenpairs)| {
        let mut e = good.clone();
        f(&mut e);
        Spectrum::from_eigenpairs(e)
    };
    let param = |r: Result<Spectrum, Error>, want: &str, at: f64| match r {
        Err(Error::Param { name, value, .. }) => assert_eq!((name, value), (want, at)),
        other => panic!("expected Param {want}, got {other:?}"),
    };
    assert!(matches!(with(&|e| e.n = 1), Err(Error::Degenerate { .. })));
    param(with(&|e| e.values.clear()), "values", 0.0);
    param(with(&|e| e.values.push(2.0)), "values", 4.0);
    param(with(&|e| e.values[0] = 0.5), "values", 0.0);
    param(with(&|e| e.values[1] = 0.0), "values", 1.0);
    param(with(&|e| e.values[2] = f64::NAN), "values", 2.0);
    param(with(&|e| e.degrees[1] = 0.0), "degrees", 1.0);
    param(with(&|e| e.degrees[2] = f64::INFINITY), "degrees", 2.0);
    param(with(&|e| e.vectors[4] = f64::NAN), "vectors", 4.0);
    assert!(matches!(
        with(&|e| e.degrees = vec![1e308; 3]),
        Err(Error::Degenerate { .. })
    ));
    assert_eq!(
        with(&|e| {
            e.degrees.pop();
        }),
        Err(Error::BufferLength {
            name: "degrees",
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        with(&|e| {
            e.vectors.pop();
        }),
        Err(Error::BufferLength {
            name: "vectors",
            expected: 9,
            found: 8
        })
    );
    // the truncated front end passes the solver's parameter errors through
    assert!(matches!(
        Spectrum::truncated(&path.graph(), 4, &EigenOptions::default()),
        Err(Error::Param { name: "k", .. })
    ));
}
