//! The machine's fused multiply-add peak, measured: what the large products' GFLOP/s are a share of.
//!
//! [`fma_peak`] runs a loop of independent fused multiply-adds at the current [`simd::level`] —
//! 12 chains of vector registers, more than latency × throughput (4 cycles × 2 a cycle on
//! current x86 cores), so only the FMA units limit it — on each of `threads` threads at once,
//! and returns the floating-point operations a second (2 per lane per FMA) of all together.
//! Below AVX2 it returns `None`: the portable kernels have no fused multiply-add to count.
//!
//! ```
//! if let Some(flops) = ndnet_kernels::peak::fma_peak(1, 1_000) {
//!     assert!(flops > 1e8);
//! }
//! ```
#![allow(unsafe_code)]

use std::time::Instant;

use crate::simd::{self, Level};

/// Floating-point operations a second of `threads` threads each running `iterations` rounds of
/// 12 independent vector FMAs (f32), timed from the first start to the last end; `None` below
/// AVX2 or off x86-64.
pub fn fma_peak(threads: usize, iterations: u64) -> Option<f64> {
    let level = simd::level();
    let lanes = match level {
        Level::Avx512 => 16.0,
        Level::Avx2 => 8.0,
        _ => return None,
    };
    let threads = threads.max(1);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| std::hint::black_box(chains(level, iterations)));
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    Some(threads as f64 * iterations as f64 * 12.0 * lanes * 2.0 / seconds)
}

/// The chains' sum (so the loop is not optimised away).
fn chains(level: Level, iterations: u64) -> f32 {
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: `level` is this thread's level, never above what the CPU supports.
        Level::Avx512 => return unsafe { x86::avx512(iterations) },
        // SAFETY: as above.
        Level::Avx2 => return unsafe { x86::avx2(iterations) },
        _ => {}
    }
    let _ = (level, iterations);
    0.0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2(iterations: u64) -> f32 {
        let (x, y) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        let mut acc = [_mm256_set1_ps(1.0); 12];
        for _ in 0..iterations {
            for acc in &mut acc {
                *acc = _mm256_fmadd_ps(*acc, x, y);
            }
        }
        let mut lanes = [0.0f32; 8];
        let sum = acc.iter().fold(_mm256_setzero_ps(), |s, &a| _mm256_add_ps(s, a));
        // SAFETY: `lanes` holds 8 values.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
        lanes.iter().sum()
    }

    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn avx512(iterations: u64) -> f32 {
        let (x, y) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        let mut acc = [_mm512_set1_ps(1.0); 12];
        for _ in 0..iterations {
            for acc in &mut acc {
                *acc = _mm512_fmadd_ps(*acc, x, y);
            }
        }
        _mm512_reduce_add_ps(acc.iter().fold(_mm512_setzero_ps(), |s, &a| _mm512_add_ps(s, a)))
    }
}
