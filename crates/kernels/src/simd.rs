//! The widest vector instructions this CPU has, chosen at run time.
//!
//! `cargo build` targets the x86-64 baseline (SSE2, 4 f32 lanes), while most machines run
//! AVX2 (8 lanes) or AVX-512 (16). [`dispatch`] runs a kernel in a copy compiled for the best
//! level the CPU supports: the kernel's code is the same, only its instructions are wider. The
//! kernels never reassociate a sum nor fuse a multiply-add (Rust does neither unless asked), so
//! every level gives the same bits; `tests/simd_levels.rs` checks it for every kernel and for a
//! whole training run. The one exception is a large f32 product (see [`gemm`](crate::gemm)): at
//! AVX2 and AVX-512 it is a chain of fused multiply-adds, the same bits at both.
//!
//! The level can be capped: process-wide with the `NDNET_SIMD` environment variable
//! (`baseline`, `avx2` or `avx512`), or for one closure on one thread with [`with_level`].
//! Other architectures (aarch64's NEON is its baseline) always run the baseline copy.
//!
//! ```
//! use ndnet_kernels::simd::{self, Level};
//! let widest = simd::level();
//! assert_eq!(simd::with_level(Level::Baseline, simd::level), Level::Baseline);
//! assert_eq!(simd::level(), widest);
//! ```

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// A set of vector instructions the kernels can be compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Level {
    /// The build target's own instructions (SSE2 on x86-64, NEON on aarch64).
    Baseline,
    /// AVX2 with FMA: 256-bit vectors (x86-64).
    Avx2,
    /// AVX-512 F/VL/BW/DQ: 512-bit vectors (x86-64).
    Avx512,
}

impl Level {
    /// Every level, narrowest first.
    pub const ALL: [Level; 3] = [Level::Baseline, Level::Avx2, Level::Avx512];

    /// The level's name as `NDNET_SIMD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown SIMD level `{s}` (allowed: baseline, avx2, avx512)"))
    }
}

/// The widest level this CPU supports.
pub fn supported() -> Level {
    static SUPPORTED: OnceLock<Level> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512vl") && has!("avx512bw") && has!("avx512dq") && has!("fma") {
                return Level::Avx512;
            }
            if has!("avx2") && has!("fma") {
                return Level::Avx2;
            }
        }
        Level::Baseline
    })
}

/// The process-wide level: [`supported`], capped by `NDNET_SIMD` when it is set (an unknown
/// value is ignored, with a warning on stderr).
#[inline]
fn process_level() -> Level {
    static PROCESS: OnceLock<Level> = OnceLock::new();
    *PROCESS.get_or_init(|| match std::env::var("NDNET_SIMD") {
        Ok(v) => match v.parse::<Level>() {
            Ok(cap) => cap.min(supported()),
            Err(e) => {
                eprintln!("warning: NDNET_SIMD: {e}; using {}", supported());
                supported()
            }
        },
        Err(_) => supported(),
    })
}

thread_local! {
    static OVERRIDE: Cell<Option<Level>> = const { Cell::new(None) };
}

/// The level kernels on this thread run at now.
#[inline]
pub fn level() -> Level {
    OVERRIDE.with(Cell::get).unwrap_or_else(process_level)
}

/// Runs `f` with the kernels on this thread capped at `cap` (never above [`supported`]).
pub fn with_level<R>(cap: Level, f: impl FnOnce() -> R) -> R {
    let before = OVERRIDE.with(|o| o.replace(Some(cap.min(supported()))));
    // Restored even if `f` panics, so a failed test does not leak its level.
    struct Restore(Option<Level>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// Runs `f` compiled for the current [`level`].
///
/// `f` and everything it calls must be inlined into it for the wide copy to reach them: mark
/// the closure `#[inline(always)] || …` and the helpers it calls `#[inline(always)]`. A call
/// that is not inlined runs at the baseline.
#[allow(unsafe_code)]
#[inline(always)]
pub fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match level() {
        Level::Avx512 => {
            #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
            fn avx512<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            // SAFETY: `level()` is never above `supported()`, which found these features.
            return unsafe { avx512(f) };
        }
        Level::Avx2 => {
            #[target_feature(enable = "avx2,fma")]
            fn avx2<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            // SAFETY: as above: the CPU was checked to have AVX2 and FMA.
            return unsafe { avx2(f) };
        }
        Level::Baseline => {}
    }
    // Its own frame, so the caller's stays small (a kernel's stack blocks would otherwise be
    // reserved, and probed, in every caller).
    #[inline(never)]
    fn baseline<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    baseline(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for l in Level::ALL {
            assert_eq!(l.name().parse::<Level>(), Ok(l));
        }
        assert!("sse9".parse::<Level>().unwrap_err().contains("allowed: baseline, avx2, avx512"));
    }

    #[test]
    fn with_level_caps_and_restores() {
        let before = level();
        with_level(Level::Baseline, || assert_eq!(level(), Level::Baseline));
        assert_eq!(with_level(Level::Avx512, level), supported().min(Level::Avx512));
        assert_eq!(level(), before);
    }
}
