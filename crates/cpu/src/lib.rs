//! # ndnet-cpu
//!
//! What the CPU offers ndnet's kernels, in one place that `ndnet-layers` and `ndnet-optim`
//! both obey (neither knows the other):
//!
//! - [`simd`]: the widest vector instructions this CPU has, chosen at run time, with one cap
//!   (`NDNET_SIMD`) for every kernel;
//! - [`threads`]: one cap on the threads large products and large element-wise passes use
//!   (`NDNET_NUM_THREADS`), and the split that keeps their results the same on any number.
//!
//! ```
//! use ndnet_cpu::{simd, threads};
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

pub mod simd;
pub mod threads;
