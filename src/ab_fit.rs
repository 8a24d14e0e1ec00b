//! Fitting UMAP's kernel shape `(a, b)` from `spread` and `min_dist` (MATH.md §A.2).
//!
//! umap-learn's `find_ab_params` fits `f(x) = 1/(1 + a x^(2b))` to the target
//! `y(x) = 1` for `x < min_dist`, `exp(-(x - min_dist)/spread)` otherwise, by unweighted least
//! squares on the 300-point grid `x = linspace(0, 3·spread, 300)`. scipy's `curve_fit`
//! (MINPACK with a forward-difference Jacobian) stops 1e-7 … 3e-6 short of the minimiser; this
//! module runs Levenberg–Marquardt with the analytic Jacobian until the sum of squares stops
//! decreasing, and so lands on the exact least-squares minimiser (the "exact" column of
//! MATH.md's table, to about 1e-10), which is within 1e-5 of scipy's values.
//!
//! It runs in `f64`, allocates nothing and is `no_std`.

use crate::Real;
use crate::error::{Error, check_param, check_positive};

/// Number of grid points (umap-learn: `np.linspace(0, spread * 3, 300)`).
const GRID: usize = 300;

/// The `(a, b)` of UMAP's kernel for `spread` and `min_dist`, as umap-learn's
/// `find_ab_params` defines them, solved exactly (see the module docs).
///
/// Requires `spread` finite and `> 0`, `min_dist` finite with `0 ≤ min_dist ≤ spread`
/// (umap-learn rejects the rest).
///
/// ```
/// use neighbor_embed::ab_fit::fit_ab;
/// let (a, b) = fit_ab(1.0, 0.1)?;
/// assert!((a / 1.5769434603 - 1.0).abs() < 1e-5 && (b / 0.8950608779 - 1.0).abs() < 1e-5);
/// assert!(fit_ab(1.0, 2.0).is_err());
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn fit_ab(spread: f64, min_dist: f64) -> Result<(f64, f64), Error> {
    check_positive("spread", spread)?;
    check_param(
        "min_dist",
        min_dist,
        (0.0..=spread).contains(&min_dist),
        "a number in [0, spread]",
    )?;

    let mut xs = [0.0; GRID];
    let mut ys = [0.0; GRID];
    let step = 3.0 * spread / (GRID - 1) as f64;
    for k in 0..GRID {
        // numpy's linspace: k·step, with the last point set to the end exactly.
        let x = if k == GRID - 1 {
            3.0 * spread
        } else {
            k as f64 * step
        };
        xs[k] = x;
        ys[k] = if x < min_dist {
            1.0
        } else {
            Real::exp(-(x - min_dist) / spread)
        };
    }

    // Parameters θ = (ln a, b); the start a = spread^(-2), b = 1 is umap-learn's (1, 1) for
    // spread = 1 and scales with the spread otherwise.
    let mut theta = [-2.0 * Real::ln(spread), 1.0];
    let mut s = sum_sq(&xs, &ys, theta);
    let mut lambda = 1e-3;
    for _ in 0..1000 {
        let (jtj, jtr) = normal_equations(&xs, &ys, theta);
        let mut improved = false;
        while lambda <= 1e20 {
            let m = [
                [jtj[0][0] * (1.0 + lambda), jtj[0][1]],
                [jtj[1][0], jtj[1][1] * (1.0 + lambda)],
            ];
            let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
            if det > 0.0 && det.is_finite() {
                let d0 = -(m[1][1] * jtr[0] - m[0][1] * jtr[1]) / det;
                let d1 = -(m[0][0] * jtr[1] - m[1][0] * jtr[0]) / det;
                let trial = [theta[0] + d0, theta[1] + d1];
                let st = sum_sq(&xs, &ys, trial);
                if st < s {
                    theta = trial;
                    s = st;
                    lambda = (lambda * 0.1).max(1e-12);
                    improved = true;
                    break;
                }
            }
            lambda *= 10.0;
        }
        if !improved {
            break; // no step decreases S: the minimiser is reached to rounding
        }
    }
    let (a, b) = (Real::exp(theta[0]), theta[1]);
    if a.is_finite() && a > 0.0 && b.is_finite() && b > 0.0 {
        Ok((a, b))
    } else {
        Err(Error::NoConvergence {
            what: "the (a, b) least-squares fit",
        })
    }
}

/// `f(x) = 1/(1 + a x^(2b))` and `p = x^(2b)` (`0^(2b) = 0`).
fn model(x: f64, theta: [f64; 2]) -> (f64, f64) {
    let p = if x == 0.0 {
        0.0
    } else {
        Real::powf(x, 2.0 * theta[1])
    };
    (1.0 / (1.0 + Real::exp(theta[0]) * p), p)
}

fn sum_sq(xs: &[f64; GRID], ys: &[f64; GRID], theta: [f64; 2]) -> f64 {
    let mut s = 0.0;
    for (&x, &y) in xs.iter().zip(ys) {
        let r = model(x, theta).0 - y;
        s += r * r;
    }
    if s.is_nan() { f64::INFINITY } else { s }
}

/// `JᵀJ` and `Jᵀr` with the analytic Jacobian: `∂f/∂ln a = -a p f²`,
/// `∂f/∂b = -2 a p ln(x) f²` (0 at `x = 0`).
fn normal_equations(
    xs: &[f64; GRID],
    ys: &[f64; GRID],
    theta: [f64; 2],
) -> ([[f64; 2]; 2], [f64; 2]) {
    let a = Real::exp(theta[0]);
    let mut jtj = [[0.0; 2]; 2];
    let mut jtr = [0.0; 2];
    for (&x, &y) in xs.iter().zip(ys) {
        if x == 0.0 {
            continue; // f(0) = 1 whatever (a, b): no derivative
        }
        let (f, p) = model(x, theta);
        let r = f - y;
        let common = -a * p * f * f;
        let j = [common, 2.0 * Real::ln(x) * common];
        for u in 0..2 {
            jtr[u] += j[u] * r;
            for v in 0..2 {
                jtj[u][v] += j[u] * j[v];
            }
        }
    }
    (jtj, jtr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MATH.md §A.2: (spread, min_dist, a scipy, b scipy, a exact, b exact).
    const TABLE: [[f64; 6]; 10] = [
        [
            1.0,
            0.1,
            1.5769434603,
            0.8950608779,
            1.5769436135,
            0.8950607194,
        ],
        [
            1.0,
            0.0,
            1.9328083973,
            0.7904949732,
            1.9328090839,
            0.7904946632,
        ],
        [
            1.0,
            0.001,
            1.9290733959,
            0.7915045334,
            1.9290740614,
            0.7915042340,
        ],
        [
            1.0,
            0.01,
            1.8956058664,
            0.8006378443,
            1.8956063694,
            0.8006376261,
        ],
        [
            1.0,
            0.25,
            1.1214363422,
            1.0574998767,
            1.1214364429,
            1.0574995587,
        ],
        [
            1.0,
            0.5,
            0.5830300203,
            1.3341669924,
            0.5830298057,
            1.3341673831,
        ],
        [
            1.0,
            1.0,
            0.1149756833,
            1.9292371441,
            0.1149759924,
            1.9292353258,
        ],
        [
            2.0,
            0.1,
            0.5446605399,
            0.8420554268,
            0.5446607298,
            0.8420553535,
        ],
        [
            0.5,
            0.1,
            5.0693093291,
            1.0030054228,
            5.0693093861,
            1.0030054302,
        ],
        [
            3.0,
            0.1,
            0.2956564617,
            0.8246525378,
            0.2956566966,
            0.8246523658,
        ],
    ];

    #[test]
    fn matches_every_row_of_the_reference_table() {
        for row in TABLE {
            let (a, b) = fit_ab(row[0], row[1]).unwrap();
            let rel = |x: f64, y: f64| (x / y - 1.0).abs();
            assert!(
                rel(a, row[2]) < 1e-5 && rel(b, row[3]) < 1e-5,
                "scipy {row:?}: {a} {b}"
            );
            assert!(
                rel(a, row[4]) < 1e-8 && rel(b, row[5]) < 1e-8,
                "exact {row:?}: {a} {b}"
            );
        }
    }

    #[test]
    fn residual_at_default_optimum() {
        let (a, b) = fit_ab(1.0, 0.1).unwrap();
        let xs: [f64; GRID] = core::array::from_fn(|k| 3.0 * k as f64 / 299.0);
        let ys: [f64; GRID] = core::array::from_fn(|k| {
            if xs[k] < 0.1 {
                1.0
            } else {
                Real::exp(-(xs[k] - 0.1))
            }
        });
        let s = sum_sq(&xs, &ys, [Real::ln(a), b]);
        assert!((s - 0.07864).abs() < 5e-5, "S = {s}");
    }

    #[test]
    fn rejects_invalid_inputs() {
        for (s, m) in [
            (0.0, 0.0),
            (-1.0, 0.1),
            (f64::NAN, 0.1),
            (f64::INFINITY, 0.1),
            (1.0, -0.1),
            (1.0, 1.5),
            (1.0, f64::NAN),
        ] {
            assert!(matches!(fit_ab(s, m), Err(Error::Param { .. })), "{s} {m}");
        }
    }

    #[test]
    fn extreme_spreads_still_fit() {
        for spread in [1e-6, 1e-3, 1e3, 1e6] {
            let (a, b) = fit_ab(spread, 0.1 * spread).unwrap();
            // The fit is scale-covariant: a·spread^(2b) and b depend only on min_dist/spread.
            let (a1, b1) = fit_ab(1.0, 0.1).unwrap();
            assert!((b / b1 - 1.0).abs() < 1e-7, "{spread}: b = {b}");
            let scaled = a * Real::powf(spread, 2.0 * b);
            assert!((scaled / a1 - 1.0).abs() < 1e-6, "{spread}: a = {a}");
        }
    }
}
