//! Spectral pieces (MATH.md §E): a dense symmetric eigensolver, the smallest eigenpairs of a
//! sparse graph's normalised Laplacian, umap-learn's spectral initialisation, and spectral
//! distances (effective resistance, diffusion distance).
//!
//! - [`symmetric_eigen`] (`dense`): cyclic Jacobi, `f64`, no allocation.
//! - [`laplacian_eigenpairs`] (`eigen`, `alloc`): restarted block Krylov with a Chebyshev
//!   filter and full reorthogonalisation; dense below [`DENSE_LIMIT`] vertices.
//! - [`spectral_layout`] (`layout`, `alloc`): umap-learn's spectral initialisation, with
//!   disconnected graphs laid out per component.
//! - [`Spectrum`] (`distance`, `alloc`): effective resistance ([`Resistance`], raw or
//!   corrected) and diffusion distance ([`VolScaling`]) from all eigenpairs (dense, small
//!   graphs) or the smallest ones (truncated, large graphs).

mod dense;
#[cfg(feature = "alloc")]
mod distance;
#[cfg(feature = "alloc")]
mod eigen;
#[cfg(feature = "alloc")]
mod layout;

pub use dense::symmetric_eigen;
#[cfg(feature = "alloc")]
pub use distance::{Resistance, Spectrum, VolScaling};
#[cfg(feature = "alloc")]
pub use eigen::{DENSE_LIMIT, EigenOptions, Eigenpairs, laplacian_eigenpairs};
#[cfg(feature = "alloc")]
pub use layout::{SpectralOptions, SpectralReport, spectral_layout};
