//! Register-tiled f32 blocks for [`gemm`](crate::gemm) in AVX-512 and AVX2 intrinsics.
//!
//! The portable block keeps its sums in a stack block, because the compiler does not keep
//! loop-carried vector sums in registers on its own. These kernels do: up to 8 rows × 32
//! columns of sums in registers, one row of B loaded per `p` and multiplied by each row's
//! `A[i, p]`. On AVX-512, a product whose C rows are runs is finished in the registers (the
//! epilogue applied, masked stores into C), and a weight gradient's B (columns as runs) is
//! transposed in registers 16 values of `p` at a time and used at once, with no panel in
//! memory. They compute exactly what the portable block computes — a multiply, then an
//! add, per term (no fused multiply-add), each sum from zero over `p` in order — so the bits do
//! not depend on which runs (`tests/simd_levels.rs`).
#![allow(unsafe_code)]

use std::any::TypeId;

use ndarray::NdFloat;

use crate::operands::{BLOCK_COLS, BLOCK_ROWS, Epilogue, Out, Strided};
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
            _ => return false,
        }
        return true;
    }
    let _ = (acc, i0, rows, k, a, b, cols, TypeId::of::<F>());
    false
}

/// Writes the whole of `C = A·B` (finished by `out`'s epilogue) straight from the registers,
/// when `F` is f32, C's rows are runs (`out.col == 1`), B's are too (`b.col == 1`) and the CPU
/// has AVX-512 or AVX2; returns false (nothing written) otherwise. The same multiply, then add, per
/// term and the same epilogue formulas as [`block`] followed by `Out::write`, so the same bits.
#[inline(always)]
pub(crate) fn product<F: NdFloat>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: &mut Out<'_, '_, F>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<F>() == TypeId::of::<f32>()
        && simd::level() >= Level::Avx2
        && b.col == 1
        && fits((m, k, n), a, out)
        && (k - 1) * b.row + n <= b.data.len()
    {
        // SAFETY: F is f32 (checked above), so these describe f32 values.
        let (a, b, (c, alpha, finish)) = unsafe { (as_f32(a), as_f32(b), f32_out(out)) };
        // SAFETY (both arms): the level is the CPU's or lower; every bound was checked above.
        match simd::level() {
            Level::Avx512 => unsafe { avx512::product((m, k, n), a, b, c, alpha, finish) },
            _ => unsafe { avx2::product((m, k, n), a, b, c, alpha, finish) },
        }
        return true;
    }
    let _ = ((m, k, n), a, b, out, TypeId::of::<F>());
    false
}

/// `C = A·B` finished by `out`'s epilogue, with B's columns copied into registers 16 values
/// of `p` at a time and used at once (no panel in memory), and B's column sums taken from the
/// same copies when `b_sums` is given (it is then taken). For f32 on AVX-512, when B's columns
/// and C's rows are runs and C has at most 12 rows (the weight gradients of a small model);
/// returns false (nothing written) otherwise. The same bits as `gemm::packed`.
#[inline(always)]
pub(crate) fn packed_product<F: NdFloat>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: &mut Out<'_, '_, F>,
    b_sums: &mut Option<&mut [F]>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<F>() == TypeId::of::<f32>()
        && simd::level() == Level::Avx512
        && b.row == 1
        && m <= 12
        && fits((m, k, n), a, out)
        && (n - 1) * b.col + k <= b.data.len()
        && b_sums.as_ref().is_none_or(|s| s.len() >= n)
    {
        // SAFETY: F is f32 (checked above), so these describe f32 values.
        let (a, b, (c, alpha, finish), sums) = unsafe {
            (
                as_f32(a),
                as_f32(b),
                f32_out(out),
                b_sums.take().map(|s| std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<f32>(), s.len())),
            )
        };
        // SAFETY: the level is the CPU's or lower; every bound was checked above.
        unsafe { avx512::packed_product((m, k, n), a, b, c, alpha, finish, sums) };
        return true;
    }
    let _ = ((m, k, n), a, b, out, b_sums, TypeId::of::<F>());
    false
}

/// Whether [`packed_product`] takes an `m`-row product with B's columns and C's rows as runs
/// on this thread (f32, AVX-512, at most 12 rows).
#[inline(always)]
pub(crate) fn packs_in_registers<F: 'static>(m: usize) -> bool {
    cfg!(target_arch = "x86_64")
        && TypeId::of::<F>() == TypeId::of::<f32>()
        && simd::level() == Level::Avx512
        && (1..=12).contains(&m)
}

/// Whether A's rows `0..m` over `p < k` lie in A's slice, and C's rows `0..m` are runs (`out.col
/// == 1`) whose first `n` values, and the bias for them, lie in theirs: the bounds the f32
/// kernels writing C need besides B's.
#[inline(always)]
fn fits<F: NdFloat>((m, k, n): (usize, usize, usize), a: Strided<'_, F>, out: &Out<'_, '_, F>) -> bool {
    m > 0
        && n > 0
        && k > 0
        && out.col == 1
        && (m - 1) * a.row + (k - 1) * a.col < a.data.len()
        && (m - 1) * out.row + n <= out.data.len()
        && match out.epilogue {
            Epilogue::Bias(bias) => bias.len() >= if out.transposed { m } else { n },
            Epilogue::Beta(_) => true,
        }
}

/// `out`'s data with its row stride, α and epilogue for the f32 kernels.
///
/// # Safety
/// `F` must be f32.
unsafe fn f32_out<'a, 'b, F: NdFloat>(out: &'a mut Out<'_, 'b, F>) -> ((&'a mut [f32], usize), f32, Finish<'b>) {
    let any = |x: &F| *(x as &dyn std::any::Any).downcast_ref::<f32>().expect("F is f32");
    let finish = match out.epilogue {
        Epilogue::Beta(beta) if beta == F::zero() => Finish::Scale,
        Epilogue::Beta(beta) => Finish::AddScaled(any(&beta)),
        Epilogue::Bias(bias) => {
            // SAFETY: F is f32 (the caller's guarantee).
            let bias = unsafe { std::slice::from_raw_parts(bias.as_ptr().cast::<f32>(), bias.len()) };
            if out.transposed { Finish::RowBias(bias) } else { Finish::ColumnBias(bias) }
        }
    };
    // SAFETY: F is f32 (the caller's guarantee).
    let data = unsafe { std::slice::from_raw_parts_mut(out.data.as_mut_ptr().cast::<f32>(), out.data.len()) };
    ((data, out.row), any(&out.alpha), finish)
}

/// What becomes of a finished sum `s` of `C[i, j]`: `α·s`, `α·s + β·C[i, j]`, `α·s + bias[j]`
/// or `α·s + bias[i]`, as `Out::write` computes it.
#[derive(Clone, Copy)]
enum Finish<'a> {
    Scale,
    AddScaled(f32),
    ColumnBias(&'a [f32]),
    RowBias(&'a [f32]),
}

/// Fills `panel[p][..16]` for `p < k` with B's columns `0..used` (lanes past `used` get
/// zeros), when `F` is f32, B's columns are runs (`b.row == 1`) and the CPU has AVX-512 or
/// AVX2: 16 × 16 (or 8 × 8) blocks transposed in registers instead of one store per value. Returns false (nothing
/// written) otherwise. A copy either way, so the bits of what is summed from it are the same.
#[inline(always)]
pub(crate) fn pack<F: NdFloat>(panel: &mut [[F; 16]], b: Strided<'_, F>, k: usize, used: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<F>() == TypeId::of::<f32>()
        && simd::level() >= Level::Avx2
        && b.row == 1
        && (1..=16).contains(&used)
        && k <= panel.len()
        && (used - 1).checked_mul(b.col).and_then(|last| last.checked_add(k)).is_some_and(|end| end <= b.data.len())
    {
        // SAFETY: F is f32 (checked just above), so both describe f32 values.
        let (panel, b) =
            unsafe { (std::slice::from_raw_parts_mut(panel.as_mut_ptr().cast::<[f32; 16]>(), panel.len()), as_f32(b)) };
        // SAFETY (both arms): the level is never above the CPU's; bounds checked above.
        match simd::level() {
            Level::Avx512 => unsafe { avx512::pack(panel, b, k, used) },
            _ => unsafe { avx2::pack(panel, b, k, used) },
        }
        return true;
    }
    let _ = (panel, b, k, used, TypeId::of::<F>());
    false
}

/// `panel[p·6 + r] = runs[r·stride + p]` for `r < used` (zeros for `used ≤ r < 6`), `p < kc`:
/// six runs (rows of A) interleaved into a 6-row panel of the large products, 8 values of each
/// run transposed in registers at a time, when the CPU has AVX2; returns false (nothing
/// written) otherwise. A copy, so the bits of what is summed from it are the same.
#[inline(always)]
pub(crate) fn pack_six_runs(panel: &mut [[f32; 6]], runs: &[f32], stride: usize, kc: usize, used: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if simd::level() >= Level::Avx2
        && (1..=6).contains(&used)
        && panel.len() >= kc
        && kc > 0
        && (used - 1).checked_mul(stride).and_then(|last| last.checked_add(kc)).is_some_and(|end| end <= runs.len())
    {
        // SAFETY: the level is never above the CPU's; bounds checked above.
        unsafe { avx2::pack_six_runs(panel, runs, stride, kc, used) };
        return true;
    }
    let _ = (panel, runs, stride, kc, used);
    false
}

/// `batch[c·n + b] = table[order[b]·width + c]` (n = `order.len()`), when `F` is f32,
/// `width ≤ 16` and the CPU has AVX-512 or AVX2: 16 (or 8) rows loaded and transposed in
/// registers, each column of the batch written 16 (or 8) samples at a time. Returns false (nothing written)
/// otherwise, or when an index in `order` is not a row of the table (checked here: the caller
/// names the bad row only on that path).
#[inline(always)]
pub(crate) fn gather<F: NdFloat>(table: &[F], width: usize, order: &[usize], batch: &mut [F]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<F>() == TypeId::of::<f32>()
        && simd::level() >= Level::Avx2
        && (1..=16).contains(&width)
        && batch.len() == order.len() * width
        && {
            // Divided once: a division in the loop's test cost more than the copy.
            let rows = table.len() / width;
            order.iter().all(|&r| r < rows)
        }
    {
        // SAFETY: F is f32 (checked just above), so both slices hold f32 values.
        let (table, batch) = unsafe {
            (
                std::slice::from_raw_parts(table.as_ptr().cast::<f32>(), table.len()),
                std::slice::from_raw_parts_mut(batch.as_mut_ptr().cast::<f32>(), batch.len()),
            )
        };
        // SAFETY (both arms): the level is never above the CPU's; rows and lengths checked above.
        match simd::level() {
            Level::Avx512 => unsafe { avx512::gather(table, width, order, batch) },
            _ => unsafe { avx2::gather(table, width, order, batch) },
        }
        return true;
    }
    let _ = (table, width, order, batch, TypeId::of::<F>());
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
pub(crate) unsafe fn as_f32<F>(m: Strided<'_, F>) -> Strided<'_, f32> {
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

    use super::{BLOCK_COLS, BLOCK_ROWS, Finish, Strided};

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

    /// # Safety
    /// The CPU has AVX-512F; [`super::product`]'s bounds hold.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn product(
        (m, k, n): (usize, usize, usize),
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        c: (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
    ) {
        for j in (0..n).step_by(32) {
            let cols = (n - j).min(32);
            let masks = [lanes_mask(cols), lanes_mask(cols.saturating_sub(16))];
            by_rows!(m, 8, |i, R| if cols > 16 {
                // SAFETY: the caller's bounds, for rows i..i + R and columns j..j + cols.
                unsafe { finished::<R, 2>((i, j), k, a, b, (&mut *c.0, c.1), alpha, finish, masks) }
            } else {
                unsafe { finished::<R, 1>((i, j), k, a, b, (&mut *c.0, c.1), alpha, finish, masks) }
            });
        }
    }

    /// R rows × C·16 columns of `C` from `(i, j)`: the sums in registers, then finished and
    /// stored (masked lanes untouched).
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn finished<const R: usize, const C: usize>(
        (i, j): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        (c, c_row): (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
        masks: [__mmask16; 2],
    ) {
        // SAFETY: the caller's bounds.
        let sums = unsafe { sums::<R, C>((i, j), k, a, b, masks) };
        let alpha = _mm512_set1_ps(alpha);
        for (r, sums) in sums.iter().enumerate() {
            for (v, &sum) in sums.iter().enumerate() {
                // SAFETY: row i + r, columns j + 16·v.. (masked) lie in C and the bias (caller).
                unsafe { finish_store(sum, (i + r, j + 16 * v), (&mut *c, c_row), alpha, finish, masks[v]) };
            }
        }
    }

    /// `Σ_p A[i + r, p]·B[p, j + 16·v..]` for R rows and C vectors of columns (masked), one
    /// multiply then one add per term, from zero over `p` in order.
    ///
    /// # Safety
    /// The CPU has AVX-512F; A's rows `i..i + R` over `p < k`, and the masked lanes of B's
    /// rows `p < k` from column `j`, lie in the slices.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn sums<const R: usize, const C: usize>(
        (i, j): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        masks: [__mmask16; 2],
    ) -> [[__m512; C]; R] {
        let mut sums = [[_mm512_setzero_ps(); C]; R];
        for p in 0..k {
            // SAFETY: masked lanes are not read; the rest lie in B (caller).
            let row: [__m512; C] = std::array::from_fn(|v| unsafe {
                _mm512_maskz_loadu_ps(masks[v], b.data.as_ptr().add(p * b.row + j + 16 * v))
            });
            for (r, sums) in sums.iter_mut().enumerate() {
                // SAFETY: A's rows i..i + R, columns p < k lie in A (caller).
                let s = _mm512_set1_ps(unsafe { *a.data.get_unchecked((i + r) * a.row + p * a.col) });
                for (sum, &b) in sums.iter_mut().zip(&row) {
                    *sum = _mm512_add_ps(*sum, _mm512_mul_ps(s, b));
                }
            }
        }
        sums
    }

    /// Stores `finish(α·sum)` into `C[i, j..]`, lanes in `mask` only.
    ///
    /// # Safety
    /// The CPU has AVX-512F; C's row `i` and, for a bias, the bias hold the masked lanes.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn finish_store(
        sum: __m512,
        (i, j): (usize, usize),
        (c, c_row): (&mut [f32], usize),
        alpha: __m512,
        finish: Finish<'_>,
        mask: __mmask16,
    ) {
        let at = i * c_row + j;
        let scaled = _mm512_mul_ps(alpha, sum);
        // SAFETY (all loads and the store): masked lanes are not touched; the rest lie in C's
        // row i, or in the bias (caller).
        let value = match finish {
            Finish::Scale => scaled,
            Finish::AddScaled(beta) => {
                let old = unsafe { _mm512_maskz_loadu_ps(mask, c.as_ptr().add(at)) };
                _mm512_add_ps(scaled, _mm512_mul_ps(_mm512_set1_ps(beta), old))
            }
            Finish::ColumnBias(bias) => {
                _mm512_add_ps(scaled, unsafe { _mm512_maskz_loadu_ps(mask, bias.as_ptr().add(j)) })
            }
            Finish::RowBias(bias) => _mm512_add_ps(scaled, _mm512_set1_ps(unsafe { *bias.get_unchecked(i) })),
        };
        unsafe { _mm512_mask_storeu_ps(c.as_mut_ptr().add(at), mask, value) };
    }

    /// # Safety
    /// The CPU has AVX-512F; [`super::packed_product`]'s bounds hold; `m ≤ 12`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn packed_product(
        (m, k, n): (usize, usize, usize),
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        c: (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
        mut b_sums: Option<&mut [f32]>,
    ) {
        for j in (0..n).step_by(16) {
            let used = (n - j).min(16);
            let sums = b_sums.as_deref_mut().map(|s| &mut s[j..j + used]);
            macro_rules! rows {
                ($($r:literal)*) => {
                    match m {
                        // SAFETY: the caller's bounds, for columns j..j + used.
                        $($r => unsafe { panel_rows::<$r>(k, a, b, (j, used), (&mut *c.0, c.1), alpha, finish, sums) },)*
                        _ => unreachable!("at most 12 rows"),
                    }
                };
            }
            rows!(1 2 3 4 5 6 7 8 9 10 11 12);
        }
    }

    /// All R rows of C against B's columns `j..j + used`: 16 values of `p` at a time, the
    /// columns are loaded, transposed in registers into 16 rows of B, and used at once. The same
    /// multiply, then add, per term from zero over `p` in order as [`pack`] then [`block`], and
    /// the column sums as `gemm::packed` takes them from its panel.
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    // Out of line: inlined, the twelve row counts shared one prologue that set up every
    // column's address on each call (headline epoch 649 -> 634 us, `cargo bench --bench epoch`).
    #[inline(never)]
    unsafe fn panel_rows<const R: usize>(
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        (j, used): (usize, usize),
        (c, c_row): (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
        sums: Option<&mut [f32]>,
    ) {
        let mut acc = [_mm512_setzero_ps(); R];
        let mut total = _mm512_setzero_ps();
        for p0 in (0..k).step_by(16) {
            let rows = (k - p0).min(16);
            let mask = lanes_mask(rows);
            let columns: [__m512; 16] = std::array::from_fn(|w| {
                if w < used {
                    // SAFETY: masked lanes are not read; the rest lie in column j + w (caller).
                    unsafe { _mm512_maskz_loadu_ps(mask, b.data.as_ptr().add((j + w) * b.col + p0)) }
                } else {
                    _mm512_setzero_ps()
                }
            });
            let panel = transpose(columns);
            // A constant trip count, so the rows stay in registers; rows past k are skipped.
            for (p, &row) in panel.iter().enumerate() {
                if p < rows {
                    for (r, acc) in acc.iter_mut().enumerate() {
                        // SAFETY: A's rows < R, columns p0 + p < k lie in A (caller).
                        let s = _mm512_set1_ps(unsafe { *a.data.get_unchecked(r * a.row + (p0 + p) * a.col) });
                        *acc = _mm512_add_ps(*acc, _mm512_mul_ps(s, row));
                    }
                    total = _mm512_add_ps(total, row);
                }
            }
        }
        let (alpha, mask) = (_mm512_set1_ps(alpha), lanes_mask(used));
        for (r, &acc) in acc.iter().enumerate() {
            // SAFETY: row r, columns j.. (masked to `used`) lie in C and the bias (caller).
            unsafe { finish_store(acc, (r, j), (&mut *c, c_row), alpha, finish, mask) };
        }
        if let Some(sums) = sums {
            let mut lanes = [0.0f32; 16];
            // SAFETY: 16 values fit in `lanes`.
            unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), total) };
            sums.copy_from_slice(&lanes[..sums.len()]);
        }
    }

    /// # Safety
    /// The CPU has AVX-512F; `k ≤ panel.len()`, `used ≤ 16`, and B's columns `0..used` hold
    /// `k` values each from `w·b.col` (b.row is 1).
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn pack(panel: &mut [[f32; 16]], b: Strided<'_, f32>, k: usize, used: usize) {
        for p0 in (0..k).step_by(16) {
            let rows = (k - p0).min(16);
            let mask = lanes_mask(rows);
            // Column w's values p0..p0 + rows, one register each; missing columns are zeros.
            let columns: [__m512; 16] = std::array::from_fn(|w| {
                if w < used {
                    // SAFETY: masked lanes are not read; the rest lie in column w (caller).
                    unsafe { _mm512_maskz_loadu_ps(mask, b.data.as_ptr().add(w * b.col + p0)) }
                } else {
                    _mm512_setzero_ps()
                }
            });
            for (p, row) in transpose(columns).iter().enumerate().take(rows) {
                // SAFETY: p0 + p < k ≤ panel.len(), and a panel row holds 16 values.
                unsafe { _mm512_storeu_ps(panel.as_mut_ptr().add(p0 + p).cast::<f32>(), *row) };
            }
        }
    }

    /// # Safety
    /// The CPU has AVX-512F; `width ≤ 16`; every row in `order` lies in `table`; `batch`
    /// holds `order.len() × width` values.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gather(table: &[f32], width: usize, order: &[usize], batch: &mut [f32]) {
        let (n, row_mask) = (order.len(), lanes_mask(width));
        for b0 in (0..n).step_by(16) {
            let rows = &order[b0..(b0 + 16).min(n)];
            let samples: [__m512; 16] = std::array::from_fn(|i| match rows.get(i) {
                // SAFETY: the row lies in the table (caller); lanes past `width` are not read.
                Some(&r) => unsafe { _mm512_maskz_loadu_ps(row_mask, table.as_ptr().add(r * width)) },
                None => _mm512_setzero_ps(),
            });
            let store_mask = lanes_mask(rows.len());
            for (c, column) in transpose(samples).iter().enumerate().take(width) {
                // SAFETY: c·n + b0 + rows.len() ≤ width·n = batch.len(); masked lanes untouched.
                unsafe { _mm512_mask_storeu_ps(batch.as_mut_ptr().add(c * n + b0), store_mask, *column) };
            }
        }
    }

    /// A 16 × 16 transpose: lane `j` of register `i` goes to lane `i` of register `j`. Pairs of
    /// values, then quadruples, then 128-bit quarters twice, are interleaved.
    #[target_feature(enable = "avx512f")]
    fn transpose(r: [__m512; 16]) -> [__m512; 16] {
        // [a0 b0 a1 b1 | a4 b4 a5 b5 | …] and [a2 b2 a3 b3 | …] for each pair of rows.
        let t: [__m512; 16] = std::array::from_fn(|i| {
            let (x, y) = (r[i / 2 * 2], r[i / 2 * 2 + 1]);
            if i % 2 == 0 { _mm512_unpacklo_ps(x, y) } else { _mm512_unpackhi_ps(x, y) }
        });
        // [a_c b_c c_c d_c] per quarter, for c = 0, 1, 2, 3 (and 4…, 8…, 12… in the other
        // quarters), for rows a–d, e–h, i–l, m–p.
        let q: [__m512; 16] = std::array::from_fn(|i| {
            let (group, c) = (i / 4, i % 4);
            let (x, y) = (_mm512_castps_pd(t[group * 4 + c / 2]), _mm512_castps_pd(t[group * 4 + 2 + c / 2]));
            _mm512_castpd_ps(if c % 2 == 0 { _mm512_unpacklo_pd(x, y) } else { _mm512_unpackhi_pd(x, y) })
        });
        // Quarters 0 and 2 (then 1 and 3) of rows a–d with those of e–h; likewise i–l, m–p.
        let h: [__m512; 16] = std::array::from_fn(|i| {
            let (half, odd, c) = (i / 8, (i / 4) % 2, i % 4);
            let (x, y) = (q[half * 8 + c], q[half * 8 + 4 + c]);
            if odd == 0 { _mm512_shuffle_f32x4::<0x88>(x, y) } else { _mm512_shuffle_f32x4::<0xdd>(x, y) }
        });
        // Column j: quarters from a–h and i–p.
        std::array::from_fn(|j| {
            let (x, y) = (h[j % 8], h[8 + j % 8]);
            if j < 8 { _mm512_shuffle_f32x4::<0x88>(x, y) } else { _mm512_shuffle_f32x4::<0xdd>(x, y) }
        })
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
        // SAFETY: in_bounds covers A's rows i..i + R and B's first 16·C columns (masked).
        let sums = unsafe { sums::<R, C>((i, 0), k, a, b, masks) };
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

    use super::{BLOCK_COLS, BLOCK_ROWS, Finish, Strided};

    /// # Safety
    /// The CPU has AVX2; [`super::product`]'s bounds hold.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn product(
        (m, k, n): (usize, usize, usize),
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        c: (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
    ) {
        // 16 registers: at most 4 rows × 2 vectors of sums at a time, 16 columns per pass.
        for j in (0..n).step_by(16) {
            let cols = (n - j).min(16);
            let masks = [lanes_mask(cols), lanes_mask(cols.saturating_sub(8))];
            by_rows!(m, 4, |i, R| if cols > 8 {
                // SAFETY: the caller's bounds, for rows i..i + R and columns j..j + cols.
                unsafe { finished::<R, 2>((i, j), k, a, b, (&mut *c.0, c.1), alpha, finish, masks) }
            } else {
                unsafe { finished::<R, 1>((i, j), k, a, b, (&mut *c.0, c.1), alpha, finish, masks) }
            });
        }
    }

    /// `Σ_p A[i + r, p]·B[p, j + 8·v..]` for R rows and C vectors of columns (masked), as the
    /// AVX-512 `sums`.
    ///
    /// # Safety
    /// The CPU has AVX2; A's rows `i..i + R` over `p < k`, and the masked lanes of B's rows
    /// `p < k` from column `j`, lie in the slices.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn sums<const R: usize, const C: usize>(
        (i, j): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        masks: [__m256i; 2],
    ) -> [[__m256; C]; R] {
        let mut sums = [[_mm256_setzero_ps(); C]; R];
        let full = [all_lanes(masks[0]), all_lanes(masks[1])];
        for p in 0..k {
            // SAFETY: masked lanes are not read; the rest lie in B (caller).
            let row: [__m256; C] =
                std::array::from_fn(|v| unsafe { load(b.data.as_ptr().add(p * b.row + j + 8 * v), masks[v], full[v]) });
            for (r, sums) in sums.iter_mut().enumerate() {
                // SAFETY: A's rows i..i + R, columns p < k lie in A (caller).
                let s = _mm256_set1_ps(unsafe { *a.data.get_unchecked((i + r) * a.row + p * a.col) });
                for (sum, &b) in sums.iter_mut().zip(&row) {
                    *sum = _mm256_add_ps(*sum, _mm256_mul_ps(s, b));
                }
            }
        }
        sums
    }

    /// R rows × C·8 columns of `C` from `(i, j)`: the sums in registers, then finished and
    /// stored (masked lanes untouched), as the AVX-512 kernel does.
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn finished<const R: usize, const C: usize>(
        (i, j): (usize, usize),
        k: usize,
        a: Strided<'_, f32>,
        b: Strided<'_, f32>,
        (c, c_row): (&mut [f32], usize),
        alpha: f32,
        finish: Finish<'_>,
        masks: [__m256i; 2],
    ) {
        // SAFETY: the caller's bounds.
        let sums = unsafe { sums::<R, C>((i, j), k, a, b, masks) };
        let alpha = _mm256_set1_ps(alpha);
        let full = [all_lanes(masks[0]), all_lanes(masks[1])];
        for (r, sums) in sums.iter().enumerate() {
            for (v, &sum) in sums.iter().enumerate() {
                let (mask, at, col) = (masks[v], (i + r) * c_row + j + 8 * v, j + 8 * v);
                let scaled = _mm256_mul_ps(alpha, sum);
                // SAFETY (all loads and the store): masked lanes are not touched; the rest lie
                // in C's row i + r, or in the bias (caller).
                let value = match finish {
                    Finish::Scale => scaled,
                    Finish::AddScaled(beta) => {
                        let old = unsafe { load(c.as_ptr().add(at), mask, full[v]) };
                        _mm256_add_ps(scaled, _mm256_mul_ps(_mm256_set1_ps(beta), old))
                    }
                    Finish::ColumnBias(bias) => {
                        _mm256_add_ps(scaled, unsafe { load(bias.as_ptr().add(col), mask, full[v]) })
                    }
                    Finish::RowBias(bias) => {
                        _mm256_add_ps(scaled, _mm256_set1_ps(unsafe { *bias.get_unchecked(i + r) }))
                    }
                };
                unsafe { store(c.as_mut_ptr().add(at), mask, full[v], value) };
            }
        }
    }

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

    /// # Safety
    /// The CPU has AVX2; `k ≤ panel.len()`, `used ≤ 16`, and B's columns `0..used` hold `k`
    /// values each from `w·b.col` (b.row is 1).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn pack(panel: &mut [[f32; 16]], b: Strided<'_, f32>, k: usize, used: usize) {
        for p0 in (0..k).step_by(8) {
            let rows = (k - p0).min(8);
            let (mask, full) = (lanes_mask(rows), rows == 8);
            for half in 0..2 {
                // Columns 8·half.. of B, values p0..p0 + rows each; missing columns are zeros.
                let columns: [__m256; 8] = std::array::from_fn(|w| {
                    let w = 8 * half + w;
                    if w < used {
                        // SAFETY: masked lanes are not read; the rest lie in column w (caller).
                        unsafe { load(b.data.as_ptr().add(w * b.col + p0), mask, full) }
                    } else {
                        _mm256_setzero_ps()
                    }
                });
                for (p, row) in transpose(columns).iter().enumerate().take(rows) {
                    // SAFETY: p0 + p < k ≤ panel.len(); lanes 8·half.. of a 16-value row.
                    unsafe { _mm256_storeu_ps(panel.as_mut_ptr().add(p0 + p).cast::<f32>().add(8 * half), *row) };
                }
            }
        }
    }

    /// # Safety
    /// The CPU has AVX2; `width ≤ 16`; every row in `order` lies in `table`; `batch` holds
    /// `order.len() × width` values.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn gather(table: &[f32], width: usize, order: &[usize], batch: &mut [f32]) {
        let n = order.len();
        let row_masks = [lanes_mask(width), lanes_mask(width.saturating_sub(8))];
        let row_full = [width >= 8, width >= 16];
        for b0 in (0..n).step_by(8) {
            let rows = &order[b0..(b0 + 8).min(n)];
            let (store_mask, store_full) = (lanes_mask(rows.len()), rows.len() == 8);
            for (half, &row_mask) in row_masks.iter().enumerate().take(width.div_ceil(8)) {
                let samples: [__m256; 8] = std::array::from_fn(|i| match rows.get(i) {
                    // SAFETY: the row lies in the table (caller); lanes past `width` are not read.
                    Some(&r) => unsafe { load(table.as_ptr().add(r * width + 8 * half), row_mask, row_full[half]) },
                    None => _mm256_setzero_ps(),
                });
                let columns = transpose(samples);
                for (c, column) in columns.iter().enumerate().take(width - 8 * half) {
                    let c = 8 * half + c;
                    // SAFETY: c·n + b0 + rows.len() ≤ width·n = batch.len(); masked lanes untouched.
                    unsafe { store(batch.as_mut_ptr().add(c * n + b0), store_mask, store_full, *column) };
                }
            }
        }
    }

    /// # Safety
    /// The CPU has AVX2; [`super::pack_six_runs`]'s bounds hold.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn pack_six_runs(panel: &mut [[f32; 6]], runs: &[f32], stride: usize, kc: usize, used: usize) {
        let full = kc / 8 * 8;
        let out = panel.as_mut_ptr().cast::<f32>();
        for p0 in (0..full).step_by(8) {
            let rows: [__m256; 8] = std::array::from_fn(|r| {
                // SAFETY: runs r < used hold values p0..p0 + 8 ≤ kc (caller).
                if r < used {
                    unsafe { _mm256_loadu_ps(runs.as_ptr().add(r * stride + p0)) }
                } else {
                    _mm256_setzero_ps()
                }
            });
            let columns = transpose(rows);
            for (t, column) in columns.iter().enumerate() {
                let at = (p0 + t) * 6;
                if at + 8 <= kc * 6 {
                    // 8 lanes where 6 belong: the 2 extra land on the next value's place, which
                    // the next store writes (values go in order of p).
                    // SAFETY: at + 8 ≤ kc·6 ≤ the panel's length.
                    unsafe { _mm256_storeu_ps(out.add(at), *column) };
                } else {
                    // The panel's last value: 4 + 2 lanes, nothing past its end.
                    // SAFETY: at + 6 ≤ kc·6.
                    unsafe {
                        _mm_storeu_ps(out.add(at), _mm256_castps256_ps128(*column));
                        _mm_storel_pd(out.add(at + 4).cast(), _mm_castps_pd(_mm256_extractf128_ps::<1>(*column)));
                    }
                }
            }
        }
        for (p, to) in panel[..kc].iter_mut().enumerate().skip(full) {
            for (r, to) in to.iter_mut().enumerate() {
                // SAFETY: run r < used holds value p < kc (caller).
                *to = if r < used { unsafe { *runs.get_unchecked(r * stride + p) } } else { 0.0 };
            }
        }
    }

    /// An 8 × 8 transpose: lane `j` of register `i` goes to lane `i` of register `j`. Pairs,
    /// then quadruples, then 128-bit halves are interleaved.
    #[target_feature(enable = "avx2")]
    fn transpose(r: [__m256; 8]) -> [__m256; 8] {
        // [a0 b0 a1 b1 | a4 b4 a5 b5] and [a2 b2 a3 b3 | a6 b6 a7 b7] for each pair of rows.
        let t: [__m256; 8] = std::array::from_fn(|i| {
            let (x, y) = (r[i / 2 * 2], r[i / 2 * 2 + 1]);
            if i % 2 == 0 { _mm256_unpacklo_ps(x, y) } else { _mm256_unpackhi_ps(x, y) }
        });
        // [a_c b_c c_c d_c | a_c+4 …] for c = 0..4, rows a–d (then e–h).
        let q: [__m256; 8] = std::array::from_fn(|i| {
            let (group, c) = (i / 4, i % 4);
            let (x, y) = (t[group * 4 + c / 2], t[group * 4 + 2 + c / 2]);
            if c % 2 == 0 { _mm256_shuffle_ps::<0x44>(x, y) } else { _mm256_shuffle_ps::<0xee>(x, y) }
        });
        // Column j: the low (j < 4) or high halves of rows a–d and e–h.
        std::array::from_fn(|j| {
            let (x, y) = (q[j % 4], q[4 + j % 4]);
            if j < 4 { _mm256_permute2f128_ps::<0x20>(x, y) } else { _mm256_permute2f128_ps::<0x31>(x, y) }
        })
    }

    /// `_mm256_maskload_ps`, as a plain load when every lane is on (`full`).
    ///
    /// # Safety
    /// As `_mm256_maskload_ps`: the lanes on lie in memory (all 8 when `full`).
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load(at: *const f32, mask: __m256i, full: bool) -> __m256 {
        // SAFETY: the caller's.
        unsafe { if full { _mm256_loadu_ps(at) } else { _mm256_maskload_ps(at, mask) } }
    }

    /// `_mm256_maskstore_ps`, as a plain store when every lane is on (`full`): AMD's Zen cores
    /// run a masked store as a long micro-coded sequence (it took a quarter of the headline
    /// epoch in the batch gather on a Zen 3), Intel's as one store.
    ///
    /// # Safety
    /// As `_mm256_maskstore_ps`: the lanes on lie in memory (all 8 when `full`).
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn store(at: *mut f32, mask: __m256i, full: bool, value: __m256) {
        // SAFETY: the caller's.
        unsafe { if full { _mm256_storeu_ps(at, value) } else { _mm256_maskstore_ps(at, mask, value) } }
    }

    /// Whether every lane of a mask is on.
    #[target_feature(enable = "avx2")]
    fn all_lanes(mask: __m256i) -> bool {
        _mm256_movemask_ps(_mm256_castsi256_ps(mask)) == 0xff
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
        // SAFETY: in_bounds covers A's rows i..i + R and the masked lanes of B's rows.
        let sums = unsafe { sums::<R, C>((i, 0), k, a, b, masks) };
        for (acc, sums) in acc.iter_mut().zip(&sums) {
            for (c, &sum) in sums.iter().enumerate() {
                // SAFETY: 8 values at j + 8·c < BLOCK_COLS lie in the row.
                unsafe { _mm256_storeu_ps(acc.as_mut_ptr().add(j + 8 * c), sum) };
            }
        }
    }
}
