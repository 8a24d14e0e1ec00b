#![doc = include_str!("../README.md")]
#![no_std]
// `unsafe` is denied everywhere but in `dispatch` (documented there; `.ci/run` checks that no
// other module allows it)
#![deny(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod ab_fit;
#[cfg(feature = "alloc")]
pub mod affinity;
#[cfg(feature = "alloc")]
pub mod batch;
#[cfg(feature = "alloc")]
pub mod descent;
pub mod dispatch;
pub mod error;
pub mod expected;
pub mod fast_math;
pub mod graph;
pub mod init;
pub mod kernel;
pub mod knn;
pub mod layout;
pub mod libm_lanes;
pub mod loss;
#[cfg(feature = "alloc")]
pub mod metrics;
#[cfg(feature = "std")]
pub mod parallel;
#[cfg(feature = "alloc")]
pub mod quadtree;
mod real;
pub mod rng;
pub mod sgd;
pub mod sink;
pub mod spectral;
pub mod step;
#[cfg(feature = "alloc")]
pub mod structure;

pub use error::{Error, GraphError, LayoutError};
pub use real::Real;
