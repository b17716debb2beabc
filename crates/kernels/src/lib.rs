//! # ndnet-kernels
//!
//! The only ndnet crate with `unsafe` code: what the CPU offers, and the loops that use it, behind
//! a small safe API that `ndnet-layers` and `ndnet-optim` both call (neither knows the other).
//!
//! - [`simd`]: the widest vector instructions this CPU has, chosen at run time, with one cap
//!   (`NDNET_SIMD`) for every kernel;
//! - [`threads`]: one cap on the threads large products and large element-wise passes use
//!   (`NDNET_NUM_THREADS`), and the split that keeps their results the same on any number;
//! - [`gemm`]: matrix products into existing buffers, with a fused epilogue (β, bias) and a dense
//!   layer's bias gradient summed on the way;
//! - [`elementwise`]: an element-wise pass (an optimizer's update) split across threads and
//!   compiled at the widest vector level, with hardware fused multiply-adds;
//! - [`gather`]: the rows of a shuffled mini-batch copied into a feature-major buffer.
//!
//! Every function here gives the same bits at every vector level and on any number of threads
//! (`tests/simd_levels.rs` and the thread tests compare them); each says when it panics.
//!
//! ```
//! use ndnet_kernels::{simd, threads};
//! let mut v = vec![1.0_f32; 100_000];
//! threads::for_each_split(&mut v[..], &|part: &mut [f32]| {
//!     simd::dispatch(
//!         #[inline(always)]
//!         || part.iter_mut().for_each(|x| *x *= 2.0),
//!     )
//! });
//! assert!(v.iter().all(|&x| x == 2.0));
//! ```
#![warn(missing_docs)]

// Links the BLAS that ndarray's `blas` feature calls (the crate is only a link directive).
#[cfg(feature = "blas")]
extern crate blas_src;

pub mod elementwise;
mod fma_tile;
pub mod gather;
pub mod gemm;
mod microkernel;
mod operands;
mod packed;
pub mod peak;
pub mod simd;
pub mod threads;
