//! Dense symmetric eigendecomposition by the cyclic Jacobi method (`f64`).
//!
//! Jacobi is slower than tridiagonal QR (about `3n³` flops a sweep, 6–10 sweeps) but simple,
//! backward stable and accurate for small eigenvalues; it is used here for graphs of up to a few
//! hundred vertices and for the small projected matrices of the block Krylov solver. Rotations are
//! applied in a fixed order with basic IEEE operations only, so the result is bit-identical on
//! every target.

use crate::Real;
use crate::error::{Error, check_len};

/// The normalised Laplacian `L_sym = I - D^{-1/2} W D^{-1/2}` of `graph` as a dense row-major
/// `n × n` matrix, made exactly symmetric (the graph is symmetric only to `1e-6`; Jacobi wants
/// exact symmetry). `degrees` are the row sums, all positive (checked by the callers).
#[cfg(feature = "alloc")]
pub(crate) fn dense_sym_laplacian<T: Real>(
    graph: &crate::graph::CsrGraph<'_, T>,
    degrees: &[f64],
) -> alloc::vec::Vec<f64> {
    let n = graph.n();
    let mut a = alloc::vec![0.0; n * n];
    for i in 0..n {
        a[i * n + i] += 1.0;
        for (j, w) in graph.row(i) {
            a[i * n + j] -= w.as_f64() / (Real::sqrt(degrees[i]) * Real::sqrt(degrees[j]));
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            let m = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = m;
            a[j * n + i] = m;
        }
    }
    a
}

/// Sweeps before giving up (Jacobi converges quadratically; 10 sweeps are typical).
const MAX_SWEEPS: usize = 100;

/// Largest entry magnitude [`symmetric_eigen`] accepts. Rotations are orthogonal, so every
/// entry stays below `n·1e150` (the Frobenius norm is preserved); then `2·a_pq`, differences of
/// diagonal entries, the off-diagonal sum (`≤ n³·1e150`) and products of two entries all stay
/// finite. At `1e308`, `2·a_pq` overflowed and the eigenpairs were NaN.
const MAX_ENTRY: f64 = 1e150;

/// Eigenvalues and eigenvectors of the symmetric `n × n` matrix `a` (row-major; only its
/// values are read, and it is overwritten). On return `values` holds the eigenvalues in
/// ascending order and eigenvector `k` (unit norm, for `values[k]`) is
/// `vectors[k*n .. (k+1)*n]`. No allocation; the same input gives the same bits everywhere.
///
/// Errors: a length that is not `n²`/`n` ([`Error::BufferLength`]), a non-finite entry, an
/// entry of magnitude above `1e150` or an asymmetric matrix ([`Error::Param`] naming `a`,
/// `value` the first bad position; checked before any work: above `1e150` the rotations'
/// intermediate quantities such as `2·a_pq` could overflow, while the normalised Laplacians and
/// Rayleigh–Ritz matrices of this crate have entries of magnitude at most 2), no convergence in
/// 100 sweeps ([`Error::NoConvergence`]; not observed on valid input).
///
/// ```
/// use neighbor_embed::spectral::symmetric_eigen;
/// let mut a = [2.0, 1.0, 1.0, 2.0];
/// let (mut values, mut vectors) = ([0.0; 2], [0.0; 4]);
/// symmetric_eigen(&mut a, 2, &mut values, &mut vectors)?;
/// assert!((values[0] - 1.0).abs() < 1e-15 && (values[1] - 3.0).abs() < 1e-15);
/// let v = &vectors[2..4]; // eigenvector of 3: ±(1, 1)/√2
/// assert!((v[0] - v[1]).abs() < 1e-15 && (v[0].abs() - 0.5f64.sqrt()).abs() < 1e-15);
/// // entries too large for the rotations are refused (position 0 here)
/// let mut huge = [1e308, 1e308, 1e308, -1e308];
/// let err = symmetric_eigen(&mut huge, 2, &mut values, &mut vectors).unwrap_err();
/// assert!(matches!(err, neighbor_embed::Error::Param { name: "a", value: 0.0, .. }));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn symmetric_eigen(
    a: &mut [f64],
    n: usize,
    values: &mut [f64],
    vectors: &mut [f64],
) -> Result<(), Error> {
    let nn = n.checked_mul(n).ok_or(Error::Param {
        name: "n",
        value: n as f64,
        expected: "n² representable as usize",
    })?;
    check_len("a", nn, a.len())?;
    check_len("values", n, values.len())?;
    check_len("vectors", nn, vectors.len())?;
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            if !x.is_finite() || x.abs() > MAX_ENTRY || x != y {
                return Err(Error::Param {
                    name: "a",
                    value: (i * n + j) as f64,
                    expected: "a symmetric matrix with finite entries of magnitude <= 1e150 \
                               (value: the first bad position)",
                });
            }
        }
    }
    // v: row k is eigenvector k while rotating (so rotations update two contiguous rows)
    let v = &mut *vectors;
    v.iter_mut().for_each(|x| *x = 0.0);
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let mut converged = n <= 1;
    for sweep in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|p| (p + 1..n).map(move |q| (p, q)))
            .map(|(p, q)| a[p * n + q].abs())
            .sum();
        if off == 0.0 {
            converged = true;
            break;
        }
        // a threshold in the first sweeps skips small entries while large ones remain
        let thresh = if sweep < 3 {
            0.2 * off / (n * n) as f64
        } else {
            0.0
        };
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                let g = 100.0 * apq.abs();
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                if sweep > 3 && app.abs() + g == app.abs() && aqq.abs() + g == aqq.abs() {
                    // negligible against both diagonal entries: drop it
                    a[p * n + q] = 0.0;
                    a[q * n + p] = 0.0;
                    continue;
                }
                if apq.abs() <= thresh {
                    continue;
                }
                rotate(a, v, n, p, q);
            }
        }
    }
    if !converged {
        return Err(Error::NoConvergence {
            what: "the Jacobi eigensolver",
        });
    }
    // selection sort of the diagonal (first minimum wins), moving the eigenvectors along
    for slot in 0..n {
        let mut k = slot;
        for c in slot + 1..n {
            if a[c * n + c] < a[k * n + k] {
                k = c;
            }
        }
        if k != slot {
            a.swap(slot * n + slot, k * n + k);
            for i in 0..n {
                v.swap(slot * n + i, k * n + i);
            }
        }
        values[slot] = a[slot * n + slot];
    }
    Ok(())
}

/// One Jacobi rotation annihilating `a[p][q]` (Golub & Van Loan, `sym.schur2`), applied to the
/// full symmetric matrix and to the rows `p`, `q` of `v` (the eigenvectors' transpose).
fn rotate(a: &mut [f64], v: &mut [f64], n: usize, p: usize, q: usize) {
    let apq = a[p * n + q];
    let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    let t = if theta.abs() > 1e150 {
        // θ² would overflow; tan ≈ 1/(2θ)
        0.5 / theta
    } else {
        let t = 1.0 / (theta.abs() + Real::sqrt(theta * theta + 1.0));
        if theta < 0.0 { -t } else { t }
    };
    let c = 1.0 / Real::sqrt(t * t + 1.0);
    let s = t * c;
    for k in 0..n {
        if k == p || k == q {
            continue;
        }
        let (akp, akq) = (a[k * n + p], a[k * n + q]);
        let (x, y) = (c * akp - s * akq, s * akp + c * akq);
        a[k * n + p] = x;
        a[p * n + k] = x;
        a[k * n + q] = y;
        a[q * n + k] = y;
    }
    a[p * n + p] -= t * apq;
    a[q * n + q] += t * apq;
    a[p * n + q] = 0.0;
    a[q * n + p] = 0.0;
    let (head, tail) = v.split_at_mut(q * n);
    let (vp, vq) = (&mut head[p * n..(p + 1) * n], &mut tail[..n]);
    for (x, y) in vp.iter_mut().zip(vq.iter_mut()) {
        let (xp, xq) = (*x, *y);
        *x = c * xp - s * xq;
        *y = s * xp + c * xq;
    }
}
