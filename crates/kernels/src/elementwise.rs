//! How an element-wise loop runs: on every core for large tensors, in the widest vector
//! instructions the CPU has, with fused multiply-adds at hardware speed.
//!
//! An optimizer's rule is element-wise: each element's new value depends on that element's
//! parameter, gradient and state alone. So a tensor can be split anywhere and each block run
//! on its own thread, compiled for AVX2 or AVX-512, and every element still gets the same
//! operations in the same order: the bits are those of one thread at the baseline
//! (`tests/simd_levels.rs`, `crates/optim/tests/threads.rs`). The split and the vector level
//! are this crate's, shared with the products: `NDNET_NUM_THREADS` and `NDNET_SIMD` cap both.
//!
//! `mul_add` rounds once on every machine, but unless it is compiled with the FMA target
//! feature it is a call to libm's software `fmaf`/`fma`, several times slower than the update
//! around it. At the baseline level a fused rule still runs in a copy compiled with FMA when the
//! CPU has it (the AVX2 and AVX-512 copies have it anyway).

use crate::simd::{self, Level};
use crate::threads::{self, Split};

/// Tensors shorter than this run in the baseline copy, inline, unless the rule fuses: for a few
/// dozen elements the dispatch costs more than the wider vectors save (`cargo bench --bench
/// train_step`), but a fused rule needs a copy compiled with FMA.
const WIDE_ELEMENTS: usize = 256;

/// Runs the element-wise pass `f` over `parts` (e.g. a tensor's parameter, gradient and state
/// slices), split across threads when large (see [`threads::for_each_split`]). `fused` says
/// whether `f` calls `mul_add`.
///
/// ```
/// let (mut p, g) = (vec![1.0_f32; 1000], vec![0.5_f32; 1000]);
/// ndnet_kernels::elementwise::for_each((&mut p[..], &g[..]), true, #[inline(always)] |(p, g): (&mut [f32], &[f32])| {
///     p.iter_mut().zip(g).for_each(|(p, &g)| *p = g.mul_add(-0.1, *p));
/// });
/// assert!(p.iter().all(|&p| p == 0.95));
/// ```
///
/// `f` and what it calls must be inlined into it for the wide copies to reach them: mark the
/// closure `#[inline(always)]`, and the rule's helpers too.
#[inline(always)]
pub fn for_each<P: Split>(parts: P, fused: bool, f: impl Fn(P) + Sync) {
    if parts.len() < WIDE_ELEMENTS && !fused {
        // A layer's bias: the dispatch would cost more than the wider vectors save.
        return f(parts);
    }
    threads::for_each_split(parts, &|part| {
        if simd::level() >= Level::Avx2 || !fused {
            simd::dispatch(
                #[inline(always)]
                || f(part),
            )
        } else {
            with_fma(
                #[inline(always)]
                || f(part),
            )
        }
    });
}

/// Runs `f`, compiled with the FMA target feature when the CPU supports it.
#[allow(unsafe_code)]
#[inline(always)]
fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        fn fused<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: `fused` is compiled with FMA only, and the CPU was just checked to have it.
        return unsafe { fused(f) };
    }
    f()
}
