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
//!   layer's bias gradient summed on the way: register tiles for small products, packed,
//!   cache-blocked fused multiply-add tiles (AVX2 6 × 16, AVX-512 12 × 32) for large f32 ones;
//! - [`peak`]: the machine's fused multiply-add peak, measured, for the benches' share of it;
//! - [`elementwise`]: an element-wise pass (an optimizer's update) split across threads and
//!   compiled at the widest vector level, with hardware fused multiply-adds;
//! - [`gather`]: the rows of a shuffled mini-batch copied into a feature-major buffer.
//!
//! Every function here gives the same bits on any number of threads, and at every vector level,
//! with one exception the [`gemm`] docs state: a large f32 product is a chain of fused
//! multiply-adds, the same bits at AVX2 and AVX-512, other bits at the baseline (which has no
//! fused multiply-add and hands large products to matrixmultiply). `tests/simd_levels.rs`,
//! `tests/packed.rs` and the thread tests compare them; each function says when it panics.
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

mod buffer;
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

pub use buffer::Buffer;
