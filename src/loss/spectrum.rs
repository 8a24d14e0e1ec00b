//! The t-SNE ↔ UMAP spectrum of negative sampling (Damrich, Böhm, Hamprecht & Kobak 2023;
//! MATH.md §B.5): conversions between the fixed normaliser `Z̄`, the classifier constant
//! `s = m ξ Z̄` (`ξ = 1/(n(n-1))`), contrastive-ne's `neg_spec` and its spectrum position `σ`.
//!
//! Larger `Z̄` means more attraction: `Z̄ = n(n-1)/m` (`s = 1`, standard negative sampling) is
//! the UMAP end, `Z̄ ≈ 100 n` the t-SNE end.
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
pub fn s_of_z_bar(z_bar: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("z_bar", z_bar)?;
    check_pos("m", m)?;
    Ok(m * z_bar / (nf * (nf - 1.0)))
}

/// `Z̄ = s n(n-1) / m`, the inverse of [`s_of_z_bar`].
pub fn z_bar_of_s(s: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("s", s)?;
    check_pos("m", m)?;
    Ok(s * nf * (nf - 1.0) / m)
}

/// The UMAP end `Z̄ = |X|/m = n(n-1)/m` (standard negative sampling, `s = 1`).
pub fn z_bar_umap_end(n: usize, m: f64) -> Result<f64, Error> {
    z_bar_of_s(1.0, m, n)
}

/// The t-SNE end `Z̄ = 100 n` (contrastive-ne's heuristic for t-SNE's partition function).
pub fn z_bar_tsne_end(n: usize) -> Result<f64, Error> {
    Ok(100.0 * check_n(n)?)
}

/// contrastive-ne's `neg_spec = m Z̄ / n²` (its code; its README states the inverse). It is the
/// `s` of the Euclidean implementation `q = 1/(1 + s(ε_k + d2))`, with noise `ξ ≈ 1/n²`.
pub fn cne_neg_spec(z_bar: f64, m: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_pos("z_bar", z_bar)?;
    check_pos("m", m)?;
    Ok(m * z_bar / (nf * nf))
}

/// contrastive-ne's `Z̄(σ) = (100 n)^(1-σ) (n²/5)^σ` for spectrum position `σ` (0 = t-SNE end,
/// 1 = UMAP end; values outside extrapolate).
pub fn cne_z_bar(sigma: f64, n: usize) -> Result<f64, Error> {
    let nf = check_n(n)?;
    check_param("sigma", sigma, sigma.is_finite(), "a finite number")?;
    let (ln_t, ln_u) = (crate::Real::ln(100.0 * nf), crate::Real::ln(nf * nf / 5.0));
    Ok(crate::Real::exp((1.0 - sigma) * ln_t + sigma * ln_u))
}

/// The spectrum position `σ` of `Z̄`, the inverse of [`cne_z_bar`]. Undefined for `n = 500`,
/// where both ends coincide.
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
pub fn infonce_rho(sigma: f64) -> Result<f64, Error> {
    check_param("sigma", sigma, sigma.is_finite(), "a finite number")?;
    Ok(crate::Real::exp(sigma * crate::Real::ln(4.0)))
}
