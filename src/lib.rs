#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod ab_fit;
pub mod error;
pub mod expected;
pub mod graph;
pub mod kernel;
pub mod layout;
pub mod loss;
mod real;
pub mod rng;

pub use error::{Error, GraphError, LayoutError};
pub use real::Real;
