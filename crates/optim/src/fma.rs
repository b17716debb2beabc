//! PyTorch's fused multiply-adds at hardware speed.
//!
//! `mul_add` rounds once on every machine, but unless the crate is compiled with the FMA target
//! feature it is a call to libm's software `fmaf`/`fma`, several times slower than the update
//! around it. [`with_fma`] runs an update loop in a copy compiled with FMA when the CPU has it
//! (checked once, then cached by std); the result is the same to the bit either way.

/// Runs `f`, compiled with the FMA target feature when the CPU supports it.
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn with_fma<R>(f: impl FnOnce() -> R) -> R {
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
