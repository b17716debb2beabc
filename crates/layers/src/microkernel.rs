//! Register-tiled f32 blocks for [`gemm`](crate::gemm) in AVX-512 and AVX2 intrinsics.
//!
//! The portable block keeps its sums in a stack block, because the compiler does not keep
//! loop-carried vector sums in registers on its own. These kernels do: up to 8 rows × 32
//! columns of sums in registers, one row of B loaded per `p` and multiplied by each row's
//! `A[i, p]`. They compute exactly what the portable block computes — a multiply, then an
//! add, per term (no fused multiply-add), each sum from zero over `p` in order — so the bits do
//! not depend on which runs (`tests/simd_levels.rs`).
#![allow(unsafe_code)]

use std::any::TypeId;

use ndarray::NdFloat;

use crate::gemm::{BLOCK_COLS, BLOCK_ROWS, Strided};
#[cfg(target_arch = "x86_64")]
use crate::simd::{self, Level};

/// Fills `acc[..rows][..cols]` with `Σ_p A[i0 + r, p]·B[p, c]` when `F` is f32 and the CPU
/// level has a kernel here; returns false (nothing written) otherwise.
#[inline(always)]
pub(crate) fn block<F: NdFloat>(
    acc: &mut [[F; BLOCK_COLS]; BLOCK_ROWS],
    (i0, rows): (usize, usize),
    k: usize,
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    cols: usize,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<F>() == TypeId::of::<f32>() && k > 0 && in_bounds((i0, rows), k, a, b, cols) {
        let acc: &mut [[f32; BLOCK_COLS]; BLOCK_ROWS] =
            (acc as &mut dyn std::any::Any).downcast_mut().expect("F is f32");
        // SAFETY: F is f32 (checked just above), so the slices hold f32 values.
        let (a, b) = unsafe { (as_f32(a), as_f32(b)) };
        match simd::level() {
            // SAFETY: `level()` is never above what the CPU supports; bounds checked above.
            Level::Avx512 => unsafe { avx512::block(acc, (i0, rows), k, a, b, cols) },
            Level::Avx2 => unsafe { avx2::block(acc, (i0, rows), k, a, b, cols) },
            Level::Baseline => return false,
        }
        return true;
    }
    let _ = (acc, i0, rows, k, a, b, cols, TypeId::of::<F>());
    false
}

/// Whether every element the kernels read lies in the slices: A's rows `i0..i0 + rows` over
/// `p < k`, and B's first `cols` columns of rows `p < k`.
#[inline(always)]
fn in_bounds<F>((i0, rows): (usize, usize), k: usize, a: Strided<'_, F>, b: Strided<'_, F>, cols: usize) -> bool {
    let last_a = (i0 + rows - 1) * a.row + (k - 1) * a.col;
    let end_b = (k - 1) * b.row + cols;
    (1..=BLOCK_ROWS).contains(&rows)
        && (1..=BLOCK_COLS).contains(&cols)
        && last_a < a.data.len()
        && end_b <= b.data.len()
}

/// # Safety
/// `F` must be f32.
#[inline(always)]
unsafe fn as_f32<F>(m: Strided<'_, F>) -> Strided<'_, f32> {
    // SAFETY: the caller guarantees F is f32, so the pointer and length describe f32 values.
    let data = unsafe { std::slice::from_raw_parts(m.data.as_ptr().cast::<f32>(), m.data.len()) };
    Strided { data, row: m.row, col: m.col }
}

/// Row groups of 8, 4, 2 and 1 through a kernel with the group size as a constant.
macro_rules! by_rows {
    ($rows:expr, $max:literal, |$r0:ident, $R:ident| $call:expr) => {{
        let mut $r0 = 0;
        by_rows!(@group $rows, $r0, 8, $max, $R, $call);
        by_rows!(@group $rows, $r0, 4, $max, $R, $call);
        by_rows!(@group $rows, $r0, 2, $max, $R, $call);
        by_rows!(@group $rows, $r0, 1, $max, $R, $call);
    }};
    (@group $rows:expr, $r0:ident, $n:literal, $max:literal, $R:ident, $call:expr) => {
        if $n <= $max {
            while $rows - $r0 >= $n {
                const $R: usize = $n;
                $call;
                $r0 += $n;
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{BLOCK_COLS, BLOCK_ROWS, Strided};

    /// # Safety
    /// The CPU has AVX-512F, and [`super::in_bounds`] holds.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn block(
        acc: &mut [[f32; BLOCK_COLS]; BLOCK_ROWS],
        (i0, rows): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        cols: usize,
    ) {
        let masks = [lanes_mask(cols), lanes_mask(cols.saturating_sub(16))];
        by_rows!(rows, 8, |r0, R| if cols > 16 {
            // SAFETY: the caller's guarantees, for rows r0..r0 + R of the block.
            unsafe { tile::<R, 2>(&mut acc[r0..r0 + R], i0 + r0, k, a, b, masks) }
        } else {
            unsafe { tile::<R, 1>(&mut acc[r0..r0 + R], i0 + r0, k, a, b, masks) }
        });
    }

    fn lanes_mask(n: usize) -> __mmask16 {
        if n >= 16 { 0xffff } else { (1u16 << n) - 1 }
    }

    /// R rows × C·16 columns of sums in registers.
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize, const C: usize>(
        acc: &mut [[f32; BLOCK_COLS]],
        i: usize,
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        masks: [__mmask16; 2],
    ) {
        let mut sums = [[_mm512_setzero_ps(); C]; R];
        for p in 0..k {
            // SAFETY: masked lanes are not read; the rest lie in B (in_bounds).
            let row: [__m512; C] = std::array::from_fn(|c| unsafe {
                _mm512_maskz_loadu_ps(masks[c], b.data.as_ptr().add(p * b.row + 16 * c))
            });
            for (r, sums) in sums.iter_mut().enumerate() {
                // SAFETY: in_bounds covers A's rows i..i + R for every p < k.
                let s = _mm512_set1_ps(unsafe { *a.data.get_unchecked((i + r) * a.row + p * a.col) });
                for (sum, &b) in sums.iter_mut().zip(&row) {
                    *sum = _mm512_add_ps(*sum, _mm512_mul_ps(s, b));
                }
            }
        }
        for (acc, sums) in acc.iter_mut().zip(&sums) {
            for (c, &sum) in sums.iter().enumerate() {
                // SAFETY: 16 values at 16·c < BLOCK_COLS lie in the row.
                unsafe { _mm512_storeu_ps(acc.as_mut_ptr().add(16 * c), sum) };
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{BLOCK_COLS, BLOCK_ROWS, Strided};

    /// # Safety
    /// The CPU has AVX2, and [`super::in_bounds`] holds.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn block(
        acc: &mut [[f32; BLOCK_COLS]; BLOCK_ROWS],
        (i0, rows): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        cols: usize,
    ) {
        // 16 registers: at most 4 rows × 2 vectors of sums at a time, 16 columns per pass.
        for half in 0..cols.div_ceil(16) {
            let used = (cols - 16 * half).min(16);
            let masks = [lanes_mask(used), lanes_mask(used.saturating_sub(8))];
            let b = Strided { data: &b.data[16 * half..], ..b };
            by_rows!(rows, 4, |r0, R| if used > 8 {
                // SAFETY: the caller's guarantees, for these rows and 16 columns from 16·half.
                unsafe { tile::<R, 2>(&mut acc[r0..r0 + R], 16 * half, i0 + r0, k, a, b, masks) }
            } else {
                unsafe { tile::<R, 1>(&mut acc[r0..r0 + R], 16 * half, i0 + r0, k, a, b, masks) }
            });
        }
    }

    #[target_feature(enable = "avx2")]
    fn lanes_mask(n: usize) -> __m256i {
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n.min(8) as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
    }

    /// R rows × C·8 columns of sums in registers, written from column `j`.
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<const R: usize, const C: usize>(
        acc: &mut [[f32; BLOCK_COLS]],
        j: usize,
        i: usize,
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        masks: [__m256i; 2],
    ) {
        let mut sums = [[_mm256_setzero_ps(); C]; R];
        for p in 0..k {
            // SAFETY: masked lanes are not read; the rest lie in B (in_bounds).
            let row: [__m256; C] = std::array::from_fn(|c| unsafe {
                _mm256_maskload_ps(b.data.as_ptr().add(p * b.row + 8 * c), masks[c])
            });
            for (r, sums) in sums.iter_mut().enumerate() {
                // SAFETY: in_bounds covers A's rows i..i + R for every p < k.
                let s = _mm256_set1_ps(unsafe { *a.data.get_unchecked((i + r) * a.row + p * a.col) });
                for (sum, &b) in sums.iter_mut().zip(&row) {
                    *sum = _mm256_add_ps(*sum, _mm256_mul_ps(s, b));
                }
            }
        }
        for (acc, sums) in acc.iter_mut().zip(&sums) {
            for (c, &sum) in sums.iter().enumerate() {
                // SAFETY: 8 values at j + 8·c < BLOCK_COLS lie in the row.
                unsafe { _mm256_storeu_ps(acc.as_mut_ptr().add(j + 8 * c), sum) };
            }
        }
    }
}
