//! One cap on the threads ndnet uses, and the split that keeps results the same on any number.
//!
//! Large matrix products (`ndnet_kernels::gemm`) and large element-wise passes (the optimizers'
//! updates) run on up to [`max_threads`] threads; small ones stay on the calling thread, where
//! waking a second core costs more than it saves. The cap is the `NDNET_NUM_THREADS`
//! environment variable, else rayon's pool size (one thread per core, or `RAYON_NUM_THREADS`),
//! and [`set_max_threads`] changes it for the process.
//!
//! [`for_each_split`] runs an element-wise pass over slices split into blocks, one per thread.
//! Each element is computed by the same code from the same inputs wherever the block edges
//! fall, so the result is the same to the bit on any number of threads.
//!
//! ```
//! use ndnet_kernels::threads;
//! let (mut y, x) = (vec![0.0_f64; 200_000], vec![3.0_f64; 200_000]);
//! threads::for_each_split((&mut y[..], &x[..]), &|(y, x): (&mut [f64], &[f64])| {
//!     y.iter_mut().zip(x).for_each(|(y, &x)| *y = x * x);
//! });
//! assert!(y.iter().all(|&v| v == 9.0));
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::simd;

/// An element-wise pass is split so that each thread gets at least this many elements. Chosen
/// by measurement (`cargo bench --bench optimizer_update -- optimizer_split`: Keras RMSprop's
/// rule, f32, AVX-512, 2 cores): 2 blocks lose at 65,536 elements (29.0 against 24.6 µs), break
/// even near 100,000, and win 1.06× at 131,072, 1.20× at 196,608 and 1.37× at 393,216. Below
/// that, waking the second core costs more than it saves.
pub const PARALLEL_ELEMENTS: usize = 1 << 16;

/// Threads ndnet may use: 0 until set, then the cap.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Caps the threads large products and element-wise passes use (at least 1; 1 keeps all work
/// on the calling thread). The default is the `NDNET_NUM_THREADS` environment variable, else
/// every thread of rayon's pool (one per core, or `RAYON_NUM_THREADS`).
///
/// ```
/// ndnet_kernels::threads::set_max_threads(1);
/// assert_eq!(ndnet_kernels::threads::max_threads(), 1);
/// ```
pub fn set_max_threads(threads: usize) {
    MAX_THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// The threads large products and element-wise passes may use (see [`set_max_threads`]).
pub fn max_threads() -> usize {
    match MAX_THREADS.load(Ordering::Relaxed) {
        0 => {
            let from_env = std::env::var("NDNET_NUM_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok());
            let threads = from_env.unwrap_or_else(rayon::current_num_threads).max(1);
            MAX_THREADS.store(threads, Ordering::Relaxed);
            threads
        }
        n => n,
    }
}

/// Products with more multiply-adds than this are split across threads. Chosen by measurement
/// (`cargo bench --bench gemm_threads`, f32, 2 cores, AVX-512 kernels): 2 threads lose at 144³
/// (43.7 against 40.1 µs), break even at 152³, and win 1.13× at 160³, 1.31× at 192³ and 1.47× at
/// 256³. Each output element is still summed in the same order, so the result does not depend
/// on the number of threads.
pub const PARALLEL_GEMM_LIMIT: usize = 152 * 152 * 152;

/// Whether an `m × k · k × n` product is large enough to run on several threads, and more than
/// one is allowed (never under `blas`, where OpenBLAS threads the product itself).
pub fn threaded(m: usize, k: usize, n: usize) -> bool {
    !cfg!(feature = "blas") && m * k * n > PARALLEL_GEMM_LIMIT && max_threads() > 1
}

/// Slices an element-wise pass reads and writes, that split together at an element index.
/// Implemented for `&mut [T]`, `&[T]`, `Option` of either (a buffer only some flavours keep),
/// and tuples of up to five of them (their length is the first one's).
///
/// ```
/// use ndnet_kernels::threads::Split;
/// let (mut a, b) = ([1, 2, 3, 4], [5, 6, 7, 8]);
/// let ((a0, b0), (a1, b1)) = (&mut a[..], &b[..]).split_at(1);
/// assert_eq!((a0.len(), b0, a1.len(), b1), (1, &[5][..], 3, &[6, 7, 8][..]));
/// ```
pub trait Split: Sized + Send {
    /// The number of elements.
    fn len(&self) -> usize;

    /// Whether there are no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements before `mid`, and from `mid` on.
    ///
    /// # Panics
    /// When `mid > len`.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<T: Send> Split for &mut [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    #[track_caller]
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl<T: Sync> Split for &[T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    #[track_caller]
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[T]>::split_at(self, mid)
    }
}

impl<S: Split> Split for Option<S> {
    fn len(&self) -> usize {
        self.as_ref().map_or(0, S::len)
    }

    #[track_caller]
    fn split_at(self, mid: usize) -> (Self, Self) {
        match self {
            Some(s) => {
                let (a, b) = s.split_at(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        }
    }
}

/// `Split` for a tuple: every member splits at the same index.
macro_rules! split_tuple {
    ($($name:ident)+) => {
        impl<$($name: Split),+> Split for ($($name,)+) {
            fn len(&self) -> usize {
                self.0.len()
            }

            #[track_caller]
            #[allow(non_snake_case)]
            fn split_at(self, mid: usize) -> (Self, Self) {
                let ($($name,)+) = self;
                $(let $name = $name.split_at(mid);)+
                (($($name.0,)+), ($($name.1,)+))
            }
        }
    };
}
split_tuple!(A B);
split_tuple!(A B C);
split_tuple!(A B C D);
split_tuple!(A B C D E);

/// Runs `f` over `parts`: whole, on the calling thread, unless there are at least
/// [`PARALLEL_ELEMENTS`] per thread for two or more of [`max_threads`]; then split into that
/// many blocks, as [`for_each_split_in`] does.
///
/// # Panics
/// When a member of `parts` is shorter than the first (it cannot split where the first does),
/// or when `f` panics.
#[track_caller]
pub fn for_each_split<P: Split>(parts: P, f: &(impl Fn(P) + Sync)) {
    let blocks = max_threads().min(parts.len() / PARALLEL_ELEMENTS);
    for_each_split_in(blocks, parts, f);
}

/// Runs `f` over `parts` split into `blocks` near-equal blocks that run side by side on rayon's
/// pool, each at the caller's [`simd::level`] (0 or 1 block: on the calling thread). Block edges
/// fall on multiples of 16 elements, so each block starts on a 64-byte boundary of an aligned
/// f32 buffer. Ignores [`max_threads`]: for measuring a split, as the benches do.
///
/// # Panics
/// As [`for_each_split`].
#[track_caller]
pub fn for_each_split_in<P: Split>(blocks: usize, parts: P, f: &(impl Fn(P) + Sync)) {
    if blocks <= 1 {
        f(parts);
        return;
    }
    let level = simd::level();
    halve(parts, blocks, &|part| simd::with_level(level, || f(part)));
}

/// Splits `parts` into `blocks` blocks, halving recursively under `rayon::join`.
fn halve<P: Split>(parts: P, blocks: usize, f: &(impl Fn(P) + Sync)) {
    if blocks <= 1 {
        return f(parts);
    }
    let left = blocks / 2;
    let mid = (parts.len() * left / blocks).next_multiple_of(16).min(parts.len());
    let (a, b) = parts.split_at(mid);
    rayon::join(|| halve(a, left, f), || halve(b, blocks - left, f));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_size_covers_each_element_once() {
        for len in [0, 1, 15, 16, 17, 1000, 4 * PARALLEL_ELEMENTS + 3] {
            for blocks in 1..=5 {
                let mut seen = vec![0u8; len];
                let index: Vec<usize> = (0..len).collect();
                for_each_split_in(blocks, (&mut seen[..], &index[..]), &|(seen, index): (&mut [u8], &[usize])| {
                    assert!(index.first().is_none_or(|&i| blocks == 1 || i % 16 == 0 || i == len), "edge at {index:?}");
                    seen.iter_mut().for_each(|s| *s += 1);
                });
                assert!(seen.iter().all(|&s| s == 1), "{len} elements in {blocks} blocks");
            }
        }
    }

    #[test]
    fn blocks_run_at_the_callers_vector_level() {
        let mut v = [0u8; 64];
        simd::with_level(simd::Level::Baseline, || {
            for_each_split_in(4, &mut v[..], &|_: &mut [u8]| assert_eq!(simd::level(), simd::Level::Baseline));
        });
    }

    #[test]
    fn optional_members_split_with_the_rest() {
        let (mut a, b) = (vec![0; 40], vec![1; 40]);
        let ((a0, b0), (a1, b1)) = (&mut a[..], Some(&b[..])).split_at(16);
        assert_eq!((a0.len(), b0.map(<[i32]>::len), a1.len(), b1.map(<[i32]>::len)), (16, Some(16), 24, Some(24)));
        let (n0, n1) = None::<&[i32]>.split_at(3);
        assert_eq!((n0, n1), (None, None));
    }
}
