//! Shared generators for the integration tests: small random graphs and layouts as proptest
//! strategies (so failures shrink to a small printed case), and central finite differences.
#![allow(dead_code)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::layout::Layout;
use proptest::prelude::*;

/// A small graph (CSR with sorted rows, no self-loops) and a layout.
#[derive(Clone, Debug)]
pub struct Case {
    pub n: usize,
    pub dim: usize,
    pub coords: Vec<f64>,
    pub indptr: Vec<u32>,
    pub indices: Vec<u32>,
    pub weights: Vec<f64>,
}

impl Case {
    pub fn graph(&self) -> CsrGraph<'_, f64> {
        CsrGraph::new(self.n, &self.indptr, &self.indices, &self.weights).unwrap()
    }
    pub fn layout(&self) -> Layout<'_, f64> {
        Layout::new(&self.coords, self.dim).unwrap()
    }
    /// Smallest squared distance between two distinct points.
    pub fn min_d2(&self) -> f64 {
        min_d2(&self.coords, self.dim)
    }
}

pub fn min_d2(coords: &[f64], dim: usize) -> f64 {
    let n = coords.len() / dim;
    let mut m = f64::INFINITY;
    for i in 0..n {
        for j in i + 1..n {
            let d: f64 = (0..dim)
                .map(|d| (coords[i * dim + d] - coords[j * dim + d]).powi(2))
                .sum();
            m = m.min(d);
        }
    }
    m
}

/// CSR from a dense row-major weight matrix (zeros and the diagonal dropped).
pub fn csr_from_dense(n: usize, dense: &[f64]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    let (mut indptr, mut indices, mut weights) = (vec![0u32], vec![], vec![]);
    for i in 0..n {
        for j in 0..n {
            let w = dense[i * n + j];
            if i != j && w > 0.0 {
                indices.push(j as u32);
                weights.push(w);
            }
        }
        indptr.push(indices.len() as u32);
    }
    (indptr, indices, weights)
}

/// Random cases with `n` in `n_range` (at most 9), `dim` in 1..=3, and memberships in (0, 1] on
/// about half of the pairs; `symmetric` makes `w_ij = w_ji`. Points sit on a unit grid jittered
/// by at most 0.3 per coordinate, so distinct points are at least 0.4 apart (the losses are
/// smooth there and finite differences are meaningful).
pub fn cases(n_range: core::ops::Range<usize>, symmetric: bool) -> impl Strategy<Value = Case> {
    (n_range, 1usize..=3).prop_flat_map(move |(n, dim)| {
        (
            proptest::collection::vec(-0.3f64..0.3, n * dim),
            proptest::collection::vec(0.0f64..1.0, n * n),
        )
            .prop_map(move |(jitter, u)| {
                let coords = (0..n * dim)
                    .map(|k| grid_coord(k / dim, k % dim, dim) + jitter[k])
                    .collect();
                let mut dense = vec![0.0; n * n];
                for i in 0..n {
                    for j in 0..n {
                        let v = if symmetric {
                            u[i.min(j) * n + i.max(j)]
                        } else {
                            u[i * n + j]
                        };
                        // about half the pairs are edges, weights in (0, 1]
                        dense[i * n + j] = if i == j || v < 0.5 {
                            0.0
                        } else {
                            1.998 * (v - 0.5) + 1e-3
                        };
                    }
                }
                // keep at least one edge so every loss is defined
                if dense.iter().all(|&w| w == 0.0) {
                    dense[1] = 1.0;
                    dense[n] = 1.0;
                }
                let (indptr, indices, weights) = csr_from_dense(n, &dense);
                Case {
                    n,
                    dim,
                    coords,
                    indptr,
                    indices,
                    weights,
                }
            })
    })
}

/// Coordinate `d` of grid point `i` (a 9 × 1, 3 × 3 or 3 × 2 × 2 grid for dim 1, 2, 3).
fn grid_coord(i: usize, d: usize, dim: usize) -> f64 {
    (match dim {
        1 => i,
        2 => [i % 3, i / 3][d],
        _ => [i % 3, (i / 3) % 2, i / 6][d],
    }) as f64
}

/// Central finite differences of `f` at `y` with step `h`.
pub fn fd_grad(f: impl Fn(&[f64]) -> f64, y: &[f64], h: f64) -> Vec<f64> {
    let mut g = vec![0.0; y.len()];
    let mut z = y.to_vec();
    for k in 0..y.len() {
        z[k] = y[k] + h;
        let fp = f(&z);
        z[k] = y[k] - h;
        let fm = f(&z);
        z[k] = y[k];
        g[k] = (fp - fm) / (2.0 * h);
    }
    g
}

/// Max absolute difference, relative to `1 + max |b|`.
pub fn rel_max_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = 1.0 + b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// Relative L2 error `‖a - b‖/‖b‖`.
pub fn rel_l2(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den).sqrt()
}

/// A real data set in the fixture format (`examples/data/README.md`).
pub struct Fixture {
    pub n: usize,
    pub indptr: Vec<u32>,
    pub indices: Vec<u32>,
    pub weights: Vec<f32>,
    pub init: Vec<f32>,
    pub x: Vec<f32>,
    pub hd: Vec<u32>,
    pub labels: Vec<u8>,
}

/// Loads a fixture folder, or prints why it is skipped and returns `None`.
pub fn load_fixture(dir: &std::path::Path) -> Option<Fixture> {
    if !dir.join("graph_indptr.u32").exists() {
        eprintln!(
            "skipped: {} not found (the shared fixtures are absent)",
            dir.display()
        );
        return None;
    }
    let words = |f: &str| -> Vec<[u8; 4]> {
        std::fs::read(dir.join(f))
            .unwrap()
            .chunks_exact(4)
            .map(|c| c.try_into().unwrap())
            .collect()
    };
    let u = |f: &str| {
        words(f)
            .into_iter()
            .map(u32::from_le_bytes)
            .collect::<Vec<_>>()
    };
    let fl = |f: &str| {
        words(f)
            .into_iter()
            .map(f32::from_le_bytes)
            .collect::<Vec<_>>()
    };
    let indptr = u("graph_indptr.u32");
    Some(Fixture {
        n: indptr.len() - 1,
        indptr,
        indices: u("graph_indices.u32"),
        weights: fl("graph_weights.f32"),
        init: fl("init.f32"),
        x: fl("X.f32"),
        hd: u("hd_nn15.u32"),
        labels: std::fs::read(dir.join("labels.u8")).unwrap(),
    })
}

/// The bundled digits fixture.
pub fn digits() -> Fixture {
    load_fixture(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits"))
        .expect("bundled digits")
}

/// A fixture from `../shared/data`, or `None` (with a message) when absent.
pub fn shared(name: &str) -> Option<Fixture> {
    load_fixture(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(name),
    )
}
