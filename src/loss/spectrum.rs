//! The t-SNE ↔ UMAP spectrum of negative sampling (Damrich, Böhm, Hamprecht & Kobak 2023;
//! MATH.md §B.5): conversions between the fixed normaliser `Z̄`, the classifier constant
//! `s = m ξ Z̄` (`ξ = 1/(n(n-1))`), contrastive-ne's `neg_spec` and its spectrum position `σ`.
//!
//! Larger `Z̄` means more attraction: `Z̄ = n(n-1)/m` (`s = 1`, standard negative sampling) is
//! the UMAP end, `Z̄ ≈ 100 n` the t-SNE end. contrastive-ne's own scale puts its UMAP end at
//! `n²/5` ([`cne_z_bar`] at `σ = 1`: its `ξ ≈ 1/n²` and `m = 5`), which is
//! [`z_bar_umap_end`] only approximately (to `1/n`) and only for `m = 5`.
//!
//! ```
//! use neighbor_embed::loss::spectrum::*;
//! let (n, m) = (70_000, 5.0);
//! let z = z_bar_umap_end(n, m)?;
//! assert!((s_of_z_bar(z, m, n)? - 1.0).abs() < 1e-12);
//! let sigma = cne_spectrum_position(cne_z_bar(0.25, n)?, n)?;
//! assert!((sigma - 0.25).abs() < 1e-12);
//! # Ok::<(), neighbor_embed::Error>(())
//! ```

use crate::error::{Error, check_param};

fn check_n(n: usize) -> Result<f64, Error> {
    if n < 2 {
        return Err(Error::Degenerate {
            reason: "the spectrum needs at least 2 points",
        });
    }
    Ok(n as f64)
}

fn check_pos(name: &'static str, x: f64) -> Result<(), Error> {
    check_param(name, x, x > 0.0 && x.is_finite(), "a finite number > 0")
}

/// `s = m ξ Z̄ = m Z̄ / (n(n-1))`.
///
/// ```
/// use neighbor_embed::loss::spectrum::s_of_z_bar;
/// // n = 10, m = 5: Z̄ = n(n-1)/m = 18 is standard negative sampling, s = 1
/// assert_eq!(s_of_z_bar(18.0, 5.0, 10)?, 1.0);
/// assert_eq!(s_of_z_bar(1800.0, 5.0, 10)?, 100.0); // linear in Z̄
/// assert!(s_of_z_bar(18.0, 5.0, 1).is_err()); // ξ needs n ≥ 2
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn s_of_z_bar(z_bar: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("z_bar", z_bar)?;
    check_pos("m", m)?;
    Ok(m * z_bar / (nf * (nf - 1.0)))
}

/// `Z̄ = s n(n-1) / m`, the inverse of [`s_of_z_bar`].
///
/// ```
/// use neighbor_embed::loss::spectrum::{s_of_z_bar, z_bar_of_s};
/// let (m, n) = (5.0, 1000);
/// assert_eq!(z_bar_of_s(1.0, m, n)?, 199_800.0); // n(n-1)/m
/// for s in [1e-3, 0.5, 7.0] {
///     assert!((s_of_z_bar(z_bar_of_s(s, m, n)?, m, n)? / s - 1.0).abs() < 1e-14);
/// }
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn z_bar_of_s(s: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("s", s)?;
    check_pos("m", m)?;
    Ok(s * nf * (nf - 1.0) / m)
}

/// The UMAP end `Z̄ = |X|/m = n(n-1)/m` (standard negative sampling, `s = 1`).
///
/// ```
/// use neighbor_embed::loss::spectrum::{z_bar_tsne_end, z_bar_umap_end};
/// let z = z_bar_umap_end(70_000, 5.0)?;
/// assert_eq!(z, 70_000.0 * 69_999.0 / 5.0); // |X|/m
/// assert!(z > z_bar_tsne_end(70_000)?); // more attraction than the t-SNE end
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn z_bar_umap_end(n: usize, m: f64) -> Result<f64, Error> {
    z_bar_of_s(1.0, m, n)
}

/// The t-SNE end `Z̄ = 100 n` (contrastive-ne's heuristic for t-SNE's partition function).
///
/// ```
/// use neighbor_embed::loss::spectrum::{cne_spectrum_position, z_bar_tsne_end};
/// let z = z_bar_tsne_end(2_000)?;
/// assert_eq!(z, 200_000.0); // 100 n
/// assert_eq!(cne_spectrum_position(z, 2_000)?, 0.0); // σ = 0
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn z_bar_tsne_end(n: usize) -> Result<f64, Error> {
    Ok(100.0 * check_n(n)?)
}

/// contrastive-ne's `neg_spec = m Z̄ / n²` (its code; its README states the inverse). It is the
/// `s` of the Euclidean implementation `q = 1/(1 + s(ε_k + d2))`, with noise `ξ ≈ 1/n²`.
///
/// ```
/// use neighbor_embed::loss::spectrum::{cne_neg_spec, cne_z_bar, s_of_z_bar};
/// let n = 10_000;
/// // cne's UMAP end Z̄ = n²/5 with m = 5 is neg_spec = 1 (standard negative sampling)
/// assert!((cne_neg_spec(cne_z_bar(1.0, n)?, 5.0, n)? - 1.0).abs() < 1e-12);
/// // it is s with ξ = 1/n² instead of 1/(n(n-1)): neg_spec = s (n-1)/n
/// let s = s_of_z_bar(3e6, 5.0, n)?;
/// assert!((cne_neg_spec(3e6, 5.0, n)? - s * 9_999.0 / 10_000.0).abs() < 1e-15);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn cne_neg_spec(z_bar: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("z_bar", z_bar)?;
    check_pos("m", m)?;
    Ok(m * z_bar / (nf * nf))
}

/// contrastive-ne's `Z̄(σ) = (100 n)^(1-σ) (n²/5)^σ` for spectrum position `σ` (0 = t-SNE end,
/// 1 = UMAP end; values outside extrapolate).
///
/// ```
/// use neighbor_embed::loss::spectrum::cne_z_bar;
/// let n = 20_000;
/// let (t, u) = (cne_z_bar(0.0, n)?, cne_z_bar(1.0, n)?);
/// assert!((t / 2e6 - 1.0).abs() < 1e-13 && (u / 8e7 - 1.0).abs() < 1e-13); // 100 n, n²/5
/// // σ = 1/2 is the geometric mean of the ends
/// assert!((cne_z_bar(0.5, n)? / (t * u).sqrt() - 1.0).abs() < 1e-13);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn cne_z_bar(sigma: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_param("sigma", sigma, sigma.is_finite(), "a finite number")?;
    let (ln_t, ln_u) = (crate::Real::ln(100.0 * nf), crate::Real::ln(nf * nf / 5.0));
    Ok(crate::Real::exp((1.0 - sigma) * ln_t + sigma * ln_u))
}

/// The spectrum position `σ` of `Z̄`, the inverse of [`cne_z_bar`]. Undefined for `n = 500`,
/// where both ends coincide.
///
/// ```
/// use neighbor_embed::loss::spectrum::{cne_spectrum_position, cne_z_bar};
/// let n = 60_000;
/// let umap_end = 60_000.0 * 60_000.0 / 5.0; // n²/5
/// assert!((cne_spectrum_position(umap_end, n)? - 1.0).abs() < 1e-12);
/// for sigma in [-0.5, 0.3, 1.7] {
///     // values outside [0, 1] extrapolate
///     assert!((cne_spectrum_position(cne_z_bar(sigma, n)?, n)? - sigma).abs() < 1e-12);
/// }
/// assert!(cne_spectrum_position(1e4, 500).is_err()); // both ends are 50 000
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn cne_spectrum_position(z_bar: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("z_bar", z_bar)?;
    let span = crate::Real::ln(nf / 500.0);
    if span == 0.0 {
        return Err(Error::Degenerate {
            reason: "for n = 500 the t-SNE and UMAP ends coincide",
        });
    }
    Ok(crate::Real::ln(z_bar / (100.0 * nf)) / span)
}

/// contrastive-ne's InfoNCE spectrum factor `ρ = 4^σ` (see [`super::infonce_pair`]).
///
/// ```
/// use neighbor_embed::loss::spectrum::infonce_rho;
/// assert_eq!(infonce_rho(0.0)?, 1.0); // standard InfoNCE, the t-SNE-like end
/// assert!((infonce_rho(1.0)? - 4.0).abs() < 1e-14);
/// assert!((infonce_rho(0.5)? - 2.0).abs() < 1e-14);
/// assert!(infonce_rho(f64::NAN).is_err());
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn infonce_rho(sigma: f64) -> Result<f64, Error> {
    check_param("sigma", sigma, sigma.is_finite(), "a finite number")?;
    Ok(crate::Real::exp(sigma * crate::Real::ln(4.0)))
}
