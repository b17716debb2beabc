//! `C ← α·A·B + β·C` (or `+ bias`) into an existing buffer, without allocating after the first
//! call of a shape.
//!
//! Three paths, by size (m·k·n multiply-adds) and what the CPU has:
//! - up to [`SMALL_GEMM_LIMIT`]: register-tiled kernels that need no packing (a 32 × 10 · 10 × 10
//!   product is over before a packed one has copied its operands). Every element is summed the
//!   same way on every path — from zero, a multiply then an add for each `p` in order, then
//!   `α·sum + β·c` (or `α·sum + bias`) — so neither the layout nor the vector level changes a bit;
//! - larger, f32, on a CPU with AVX2 or AVX-512: the packed, cache-blocked products of
//!   `packed.rs`, with the bias and the bias gradient fused as above. Each element is one chain of
//!   fused multiply-adds over `p` in order, then the same epilogue: the same bits on any number
//!   of threads and at AVX2 and AVX-512, not the small path's nor the baseline's bits (a fused
//!   multiply-add rounds once, a multiply then an add twice);
//! - otherwise (f64, the baseline level, other architectures, `α·s + β·c` with β ≠ 0 past 256
//!   values of `k`): `general_mat_mul` (matrixmultiply, or BLAS with the `blas` feature), split
//!   across threads for the largest products.
//!
//! ```
//! use ndarray::{array, Array2};
//! use ndnet_kernels::gemm::gemm;
//! let a = array![[1.0, 2.0], [3.0, 4.0]];
//! let mut c = Array2::ones((2, 2));
//! gemm(1.0, a.view(), a.t(), 1.0, c.view_mut()); // c = a·aᵀ + 1
//! assert_eq!(c, array![[6.0, 12.0], [12.0, 26.0]]);
//! ```

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Axis, NdFloat, Zip};
use rayon::prelude::*;

use crate::microkernel;
use crate::operands::{BLOCK_COLS, BLOCK_ROWS, Epilogue, LANES, Out, Strided};
use crate::packed;
use crate::simd;
use crate::threads::max_threads;

/// Products with more multiply-adds than this (m·k·n) go to `general_mat_mul`.
pub const SMALL_GEMM_LIMIT: usize = 64 * 64 * 64;

pub use crate::threads::{PARALLEL_GEMM_LIMIT, threaded};

/// `C ← α·A·B + β·C` with `A`: m × k, `B`: k × n, `C`: m × n; any strides (views, transposes).
///
/// When β is zero, `C`'s old contents are ignored (NaNs in it do not leak through).
///
/// # Panics
/// When the shapes do not agree (like `general_mat_mul`).
#[inline]
pub fn gemm<F: NdFloat>(alpha: F, a: ArrayView2<'_, F>, b: ArrayView2<'_, F>, beta: F, mut c: ArrayViewMut2<'_, F>) {
    product(alpha, &a, &b, Epilogue::Beta(beta), &mut c, &mut None);
}

/// [`gemm`], and `b_sums[j] ← Σₚ B[p, j]` as [`column_sums`] computes it (a dense layer's weight
/// and bias gradients, `xᵀ·dy` and `Σ dy`). Where the kernel transposes B anyway (a
/// feature-major `dy`), the sums are taken from the transposed rows, in registers or in its
/// panel, instead of a second pass over B; the bits are the same either way.
///
/// ```
/// use ndarray::array;
/// use ndnet_kernels::gemm::gemm_with_column_sums;
/// let (x, dy) = (array![[1.0, 2.0], [3.0, 4.0]], array![[1.0], [-1.0]]);
/// let (mut dw, mut db) = (ndarray::Array2::zeros((2, 1)), [0.0]);
/// gemm_with_column_sums(1.0, x.t(), dy.view(), 0.0, dw.view_mut(), &mut db);
/// assert_eq!((dw, db), (array![[-2.0], [-2.0]], [0.0]));
/// ```
///
/// # Panics
/// When the shapes do not agree, or `b_sums` does not have one entry per column of `B`.
#[track_caller]
#[inline]
pub fn gemm_with_column_sums<F: NdFloat>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    beta: F,
    mut c: ArrayViewMut2<'_, F>,
    b_sums: &mut [F],
) {
    assert_eq!(b_sums.len(), b.ncols(), "gemm_with_column_sums: {} sums for {} columns", b_sums.len(), b.ncols());
    let mut sums = Some(b_sums);
    product(alpha, &a, &b, Epilogue::Beta(beta), &mut c, &mut sums);
    if let Some(sums) = sums {
        column_sums(b, sums);
    }
}

/// `C ← α·A·B + bias`, the bias added to every row (a dense layer's forward pass). `C`'s old
/// contents are ignored. Each element is `α·(A·B)ᵢⱼ + biasⱼ`, as `gemm` onto a bias-filled `C`
/// with β = 1 would give.
///
/// # Panics
/// When the shapes do not agree, or `bias` does not have one entry per column of `C`.
#[inline]
pub fn gemm_bias<F: NdFloat>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    bias: ArrayView1<'_, F>,
    mut c: ArrayViewMut2<'_, F>,
) {
    assert_eq!(bias.len(), c.ncols(), "gemm_bias: {} biases for {} columns", bias.len(), c.ncols());
    match bias.as_slice() {
        Some(bias) => product(alpha, &a, &b, Epilogue::Bias(bias), &mut c, &mut None),
        None => {
            for mut row in c.rows_mut() {
                row.assign(&bias);
            }
            product(alpha, &a, &b, Epilogue::Beta(F::one()), &mut c, &mut None);
        }
    }
}

/// `sums[j] ← Σᵢ A[i, j]`, each summed from zero over the rows in order (a dense layer's bias
/// gradient), for any layout of `A`.
///
/// # Panics
/// When `sums` does not have one entry per column of `A`.
#[track_caller]
pub fn column_sums<F: NdFloat>(a: ArrayView2<'_, F>, sums: &mut [F]) {
    assert_eq!(sums.len(), a.ncols(), "column_sums: {} sums for {} columns", sums.len(), a.ncols());
    let rows = a.nrows();
    let strides = (usize::try_from(a.strides()[0]), usize::try_from(a.strides()[1]));
    match (a.as_slice_memory_order(), strides) {
        (Some(data), (Ok(row), Ok(col))) => {
            let a = Strided { data, row, col };
            simd::dispatch(
                #[inline(always)]
                || column_sums_strided(a, rows, sums),
            );
        }
        _ => {
            sums.fill(F::zero());
            for row in a.rows() {
                sums.iter_mut().zip(row).for_each(|(s, &x)| *s += x);
            }
        }
    }
}

/// Column sums. A short feature-major column is a run of `rows` values, summed on its own (the
/// CPU overlaps a few columns' chains); otherwise eight columns at a time, eight independent sums
/// in flight, since one long chain would wait on each add. Each sum runs in row order.
#[inline(always)]
fn column_sums_strided<F: NdFloat>(a: Strided<'_, F>, rows: usize, sums: &mut [F]) {
    if rows == 0 {
        sums.fill(F::zero());
        return;
    }
    if a.row == 1 && rows <= 64 {
        for (j, sum) in sums.iter_mut().enumerate() {
            *sum = a.data[j * a.col..][..rows].iter().fold(F::zero(), |s, &v| s + v);
        }
        return;
    }
    let mut chunks = sums.chunks_exact_mut(8);
    let mut j = 0;
    for chunk in &mut chunks {
        let mut acc = [F::zero(); 8];
        for i in 0..rows {
            for (c, acc) in acc.iter_mut().enumerate() {
                *acc += a.at(i, j + c);
            }
        }
        chunk.copy_from_slice(&acc);
        j += 8;
    }
    for (c, sum) in chunks.into_remainder().iter_mut().enumerate() {
        *sum = (0..rows).fold(F::zero(), |s, i| s + a.at(i, j + c));
    }
}

/// `C ← α·A·B + β·C` through `general_mat_mul`, on up to [`max_threads`] threads for products
/// above [`PARALLEL_GEMM_LIMIT`]. Each thread packs the whole of one operand and its share of the
/// other, so the split is along C's longer side: blocks of rows (with A's matching rows) when C
/// is taller than wide, else blocks of columns (with B's matching columns). Block edges fall on
/// multiples of 16, so the kernels' tiles stay where they are without a split: every element is
/// computed by the same code in the same order, on any number of threads.
///
/// With the `blas` feature, OpenBLAS threads the product itself and no split is made: its kernels
/// depend on the block's shape, so a split would change the bits (measured), and results on
/// other thread counts are OpenBLAS's business.
fn large<F: NdFloat>(alpha: F, a: ArrayView2<'_, F>, b: ArrayView2<'_, F>, beta: F, mut c: ArrayViewMut2<'_, F>) {
    let ((m, k), n) = (a.dim(), b.ncols());
    let by_rows = m > n;
    let threads = if threaded(m, k, n) { max_threads().min(m.max(n) / 16) } else { 1 };
    if threads <= 1 {
        general_mat_mul(alpha, &a, &b, beta, &mut c);
        return;
    }
    let block = m.max(n).div_ceil(threads).next_multiple_of(16);
    if by_rows {
        let mut blocks: Vec<_> =
            a.axis_chunks_iter(Axis(0), block).zip(c.axis_chunks_iter_mut(Axis(0), block)).collect();
        blocks.par_iter_mut().for_each(|(a, c)| general_mat_mul(alpha, a, &b, beta, c));
    } else {
        let mut blocks: Vec<_> =
            b.axis_chunks_iter(Axis(1), block).zip(c.axis_chunks_iter_mut(Axis(1), block)).collect();
        blocks.par_iter_mut().for_each(|(b, c)| general_mat_mul(alpha, &a, b, beta, c));
    }
}

/// The product; when a kernel transposes B, it also fills B's column sums from the transposed
/// rows and takes `b_sums` (left as it is otherwise, for the caller to fill).
#[inline]
fn product<F: NdFloat>(
    alpha: F,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    epilogue: Epilogue<'_, F>,
    c: &mut ArrayViewMut2<'_, F>,
    b_sums: &mut Option<&mut [F]>,
) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(k == k2 && c.dim() == (m, n), "gemm: {m}×{k} · {k2}×{n} into {:?}", c.dim());
    if m * k * n > SMALL_GEMM_LIMIT {
        if !packed_product((m, k, n), a, b, epilogue, c, alpha, b_sums) {
            let beta = as_beta(epilogue, c);
            large(alpha, a.view(), b.view(), beta, c.view_mut());
        }
        return;
    }
    let strides = |s: &[isize]| Some((usize::try_from(s[0]).ok()?, usize::try_from(s[1]).ok()?));
    if let (Some((ar, ac)), Some((br, bc)), Some((cr, cc))) =
        (strides(a.strides()), strides(b.strides()), strides(c.strides()))
        && let (Some(ad), Some(bd)) = (a.as_slice_memory_order(), b.as_slice_memory_order())
        && let Some(cd) = c.as_slice_memory_order_mut()
    {
        let a = Strided { data: ad, row: ar, col: ac };
        let b = Strided { data: bd, row: br, col: bc };
        let out = Out { data: cd, row: cr, col: cc, alpha, epilogue, transposed: false };
        simd::dispatch(
            #[inline(always)]
            || small((m, k, n), a, b, out, b_sums),
        );
        return;
    }
    strided_fallback(alpha, a.view(), b.view(), epilogue, c.view_mut());
}

/// A large product through [`packed`](crate::packed)'s tiles, when its operands are slices with
/// non-negative strides and a tile applies; false (nothing written) otherwise.
fn packed_product<F: NdFloat>(
    dims: (usize, usize, usize),
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    epilogue: Epilogue<'_, F>,
    c: &mut ArrayViewMut2<'_, F>,
    alpha: F,
    b_sums: &mut Option<&mut [F]>,
) -> bool {
    let strides = |s: &[isize]| Some((usize::try_from(s[0]).ok()?, usize::try_from(s[1]).ok()?));
    let (Some((ar, ac)), Some((br, bc)), Some((cr, cc))) =
        (strides(a.strides()), strides(b.strides()), strides(c.strides()))
    else {
        return false;
    };
    let (Some(ad), Some(bd), Some(cd)) =
        (a.as_slice_memory_order(), b.as_slice_memory_order(), c.as_slice_memory_order_mut())
    else {
        return false;
    };
    let a = Strided { data: ad, row: ar, col: ac };
    let b = Strided { data: bd, row: br, col: bc };
    let out = Out { data: cd, row: cr, col: cc, alpha, epilogue, transposed: false };
    packed::product(dims, a, b, out, b_sums)
}

/// The small-product kernel. Everything below is `#[inline(always)]`, so [`simd::dispatch`]
/// compiles all of it at each vector width.
#[inline(always)]
fn small<F: NdFloat>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: Out<'_, '_, F>,
    b_sums: &mut Option<&mut [F]>,
) {
    // The kernels read rows of B, so B's columns must be adjacent (or single). Cᵀ = Bᵀ·Aᵀ makes
    // A's columns the adjacent ones; of two usable orientations, take the one that writes C's
    // rows as runs, else the one with the wider output rows, where the vector lanes do most
    // work. With neither (a weight gradient `xᵀ·dy` of feature-major buffers), B is packed into
    // adjacent columns first.
    let direct = b.col == 1 || n == 1;
    let flipped = a.row == 1 || m == 1;
    let direct_first = match (out.col == 1, out.row == 1) {
        (true, false) => true,
        (false, true) => false,
        _ => n >= m,
    };
    if direct && n < 8 && m >= 8 && a.col == 1 && b.row == 1 {
        // A narrow output whose A rows and B columns are runs over `p` (`xᵀ·dy` with
        // feature-major x and a single-column dy): flipped and packed, A's columns become
        // vector lanes instead of one scalar sum per row.
        by_panel((n, k, m), b.t(), a.t(), out.t(), &mut None);
    } else if direct && !flipped && !direct_first && a.col == 1 && m >= 8 {
        // C feature-major but A's rows are runs (a row-major batch into a feature-major
        // activation): packing A's rows as the lanes writes C's columns as runs, where the
        // direct orientation would store every element on its own, a column apart.
        by_panel((n, k, m), b.t(), a.t(), out.t(), &mut None);
    } else if direct && (!flipped || direct_first) {
        oriented((m, k, n), a, b, out);
    } else if flipped && out.col == 1 && b.row == 1 && microkernel::packs_in_registers::<F>(m) {
        // The flipped orientation would store C a column apart (a weight gradient from a
        // row-major batch); B's columns transposed in registers cost less, and give the bias
        // gradient on the way.
        by_panel((m, k, n), a, b, out, b_sums);
    } else if flipped {
        oriented((n, k, m), b.t(), a.t(), out.t());
    } else {
        by_panel((m, k, n), a, b, out, b_sums);
    }
}

/// B packed into panels as tall as `k` needs (a smaller panel is less to clear), or one dot
/// product per element past 256.
#[inline(always)]
fn by_panel<F: NdFloat>(
    dims: (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: Out<'_, '_, F>,
    b_sums: &mut Option<&mut [F]>,
) {
    match dims.1 {
        0..=32 => packed::<F, 32>(dims, a, b, out, b_sums),
        33..=64 => packed::<F, 64>(dims, a, b, out, b_sums),
        65..=256 => packed::<F, 256>(dims, a, b, out, b_sums),
        _ => dots(dims, a, b, out),
    }
}

/// B's rows adjacent: rows of 8 or more go through the vector blocks, narrower ones through
/// scalar register tiles.
#[inline(always)]
fn oriented<F: NdFloat>(dims: (usize, usize, usize), a: Strided<'_, F>, b: Strided<'_, F>, out: Out<'_, '_, F>) {
    if dims.2 >= 8 && b.col == 1 { blocks(dims, a, b, out) } else { tiles(dims, a, b, out) }
}

/// `C` in blocks of up to 8 × 32, each summed one `p` at a time: for every `p`, every row of
/// the block gets `A[i, p]·B[p, j..]` added, [`LANES`] columns at a time. Each sum starts at
/// zero and runs over `p` in order. On x86-64 with AVX2 or AVX-512, f32 blocks run in
/// registers through [`crate::microkernel`]; otherwise the sums live in a stack block (L1),
/// whose independent chunk updates the compiler turns into vector code at the width it is
/// compiled for.
#[inline(always)]
fn blocks<F: NdFloat>((m, k, n): (usize, usize, usize), a: Strided<'_, F>, b: Strided<'_, F>, mut out: Out<'_, '_, F>) {
    if microkernel::product((m, k, n), a, b, &mut out) {
        return;
    }
    let mut acc = [[F::zero(); BLOCK_COLS]; BLOCK_ROWS];
    for i0 in (0..m).step_by(BLOCK_ROWS) {
        let rows = BLOCK_ROWS.min(m - i0);
        for j0 in (0..n).step_by(BLOCK_COLS) {
            let cols = BLOCK_COLS.min(n - j0);
            let b_block = Strided { data: &b.data[j0..], ..b };
            if !microkernel::block(&mut acc, (i0, rows), k, a, b_block, cols) {
                memory_block(&mut acc, (i0, rows), k, a, b_block, cols);
            }
            for (r, acc) in acc[..rows].iter().enumerate() {
                out.write(i0 + r, j0, &acc[..cols]);
            }
        }
    }
}

/// One block's sums (`rows` × `cols`, columns from B's column 0) in memory.
#[inline(always)]
fn memory_block<F: NdFloat>(
    acc: &mut [[F; BLOCK_COLS]; BLOCK_ROWS],
    (i0, rows): (usize, usize),
    k: usize,
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    cols: usize,
) {
    let chunks = cols.div_ceil(LANES);
    for acc in &mut acc[..rows] {
        acc[..chunks * LANES].fill(F::zero());
    }
    for p in 0..k {
        let b_row = &b.data[p * b.row..];
        for c in 0..chunks {
            let b_chunk = lanes(&b_row[c * LANES..]);
            for (r, acc) in acc[..rows].iter_mut().enumerate() {
                let s = a.at(i0 + r, p);
                let acc: &mut [F; LANES] = acc[c * LANES..].first_chunk_mut().expect("inside the block");
                for (acc, &b) in acc.iter_mut().zip(&b_chunk) {
                    *acc += s * b;
                }
            }
        }
    }
}

/// The next [`LANES`] values of a row of B. Lanes past the columns in use may hold the next
/// row's values, whose sums are dropped; past the end of the data they are zeros.
#[inline(always)]
fn lanes<F: NdFloat>(row: &[F]) -> [F; LANES] {
    match row.first_chunk::<LANES>() {
        Some(chunk) => *chunk,
        None => std::array::from_fn(|w| row.get(w).copied().unwrap_or(F::zero())),
    }
}

/// Narrow outputs (fewer than 8 columns): register tiles of scalar sums, each over `p` in order.
#[inline(always)]
fn tiles<F: NdFloat>((m, k, n): (usize, usize, usize), a: Strided<'_, F>, b: Strided<'_, F>, mut out: Out<'_, '_, F>) {
    let mut i = 0;
    while i + 8 <= m {
        row_of_tiles::<F, 8>(i, (k, n), a, b, &mut out);
        i += 8;
    }
    while i < m {
        row_of_tiles::<F, 1>(i, (k, n), a, b, &mut out);
        i += 1;
    }
}

#[inline(always)]
fn row_of_tiles<F: NdFloat, const R: usize>(
    i: usize,
    (k, n): (usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: &mut Out<'_, '_, F>,
) {
    let mut j = 0;
    if j + 4 <= n {
        tile::<F, R, 4>((i, j), k, a, b, out);
        j += 4;
    }
    if j + 2 <= n {
        tile::<F, R, 2>((i, j), k, a, b, out);
        j += 2;
    }
    while j < n {
        tile::<F, R, 1>((i, j), k, a, b, out);
        j += 1;
    }
}

/// `C[i..i+R, j..j+W]`: R·W sums held in registers; one row of B loaded per `p` serves R rows.
#[inline(always)]
fn tile<F: NdFloat, const R: usize, const W: usize>(
    (i, j): (usize, usize),
    k: usize,
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: &mut Out<'_, '_, F>,
) {
    let mut acc = [[F::zero(); W]; R];
    for p in 0..k {
        let b_row: [F; W] = std::array::from_fn(|w| b.at(p, j + w));
        for (r, acc) in acc.iter_mut().enumerate() {
            let s = a.at(i + r, p);
            for (acc, &b) in acc.iter_mut().zip(&b_row) {
                *acc += s * b;
            }
        }
    }
    for (r, sums) in acc.iter().enumerate() {
        out.write(i + r, j, sums);
    }
}

/// Neither orientation has adjacent columns in B (`xᵀ·dy` with feature-major `x` and `dy`):
/// B is copied, [`LANES`] columns at a time, into a `k × LANES` panel whose rows are adjacent,
/// and the panel goes through the vector blocks. `K` bounds `k`. B's column sums, when asked
/// for, are summed from the panel, each from zero over `p` in order.
#[inline(always)]
fn packed<F: NdFloat, const K: usize>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    mut out: Out<'_, '_, F>,
    b_sums: &mut Option<&mut [F]>,
) {
    debug_assert!(k <= K);
    if microkernel::packed_product((m, k, n), a, b, &mut out, b_sums) {
        return;
    }
    let mut panel = [[F::zero(); LANES]; K];
    for j in (0..n).step_by(LANES) {
        let used = LANES.min(n - j);
        let columns = Strided { data: &b.data[j * b.col..], ..b };
        if !microkernel::pack(&mut panel[..k], columns, k, used) {
            for w in 0..used {
                if b.row == 1 {
                    // A column of B is adjacent (a feature-major dy): read it in one run.
                    let column = &columns.data[w * b.col..][..k];
                    panel[..k].iter_mut().zip(column).for_each(|(row, &v)| row[w] = v);
                } else {
                    panel[..k].iter_mut().enumerate().for_each(|(p, row)| row[w] = columns.at(p, w));
                }
            }
        }
        if let Some(sums) = b_sums {
            let mut lanes = [F::zero(); LANES];
            for row in &panel[..k] {
                lanes.iter_mut().zip(row).for_each(|(sum, &v)| *sum += v);
            }
            sums[j..j + used].copy_from_slice(&lanes[..used]);
        }
        let panel = Strided { data: panel.as_flattened(), row: LANES, col: 1 };
        blocks((m, k, used), a, panel, out.shifted(j));
    }
    b_sums.take();
}

/// Neither B's nor Aᵀ's columns adjacent (as for `x·Wᵀ`): one dot product per element.
#[inline(always)]
fn dots<F: NdFloat>((m, k, n): (usize, usize, usize), a: Strided<'_, F>, b: Strided<'_, F>, mut out: Out<'_, '_, F>) {
    for i in 0..m {
        for j in 0..n {
            let sum = if a.col == 1 && b.row == 1 {
                let (x, y) = (&a.data[i * a.row..][..k], &b.data[j * b.col..][..k]);
                x.iter().zip(y).fold(F::zero(), |s, (&x, &y)| s + x * y)
            } else {
                (0..k).fold(F::zero(), |s, p| s + a.at(i, p) * b.at(p, j))
            };
            out.write(i, j, &[sum]);
        }
    }
}

/// Views whose elements are not one contiguous block (or have negative strides): ndarray's own
/// iterators, same summation order.
fn strided_fallback<F: NdFloat>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    epilogue: Epilogue<'_, F>,
    mut c: ArrayViewMut2<'_, F>,
) {
    let beta = as_beta(epilogue, &mut c);
    for (a_row, mut c_row) in a.rows().into_iter().zip(c.rows_mut()) {
        for (b_col, c_ij) in b.columns().into_iter().zip(c_row.iter_mut()) {
            let sum = Zip::from(&a_row).and(&b_col).fold(F::zero(), |s, &x, &y| s + x * y);
            *c_ij = if beta == F::zero() { alpha * sum } else { alpha * sum + beta * *c_ij };
        }
    }
}

/// For the paths that only know β: a bias becomes `C` filled with it and β = 1.
fn as_beta<F: NdFloat>(epilogue: Epilogue<'_, F>, c: &mut ArrayViewMut2<'_, F>) -> F {
    match epilogue {
        Epilogue::Beta(beta) => beta,
        Epilogue::Bias(bias) => {
            // By runs: a feature-major `C` (ndnet's batch buffers) is filled a column at a time,
            // not a row at a time across every column's cache lines.
            if c.strides()[0] == 1 {
                c.columns_mut().into_iter().zip(bias).for_each(|(mut column, &b)| column.fill(b));
            } else {
                let bias = ArrayView1::from(bias);
                c.rows_mut().into_iter().for_each(|mut row| row.assign(&bias));
            }
            F::one()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    fn reference(alpha: f64, a: &ArrayView2<f64>, b: &ArrayView2<f64>, beta: f64, c: &Array2<f64>) -> Array2<f64> {
        Array2::from_shape_fn(c.dim(), |(i, j)| {
            alpha * (0..a.ncols()).map(|p| a[(i, p)] * b[(p, j)]).sum::<f64>() + beta * c[(i, j)]
        })
    }

    #[test]
    fn matches_the_definition_for_every_layout_and_beta() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 * 0.25 - 3.0);
        let b = Array2::from_shape_fn((5, 4), |(i, j)| (i as f64 - j as f64) * 0.5);
        let bt = Array2::from_shape_fn((4, 5), |(i, j)| b[(j, i)]);
        let f_order = Array2::from_shape_vec((5, 4).f(), b.t().iter().copied().collect()).unwrap();
        for beta in [0.0, 1.0, -0.5] {
            for bview in [b.view(), bt.t(), f_order.view()] {
                let c0 = Array2::from_shape_fn((7, 4), |(i, j)| (i + j) as f64);
                let mut c = c0.clone();
                gemm(2.0, a.view(), bview, beta, c.view_mut());
                assert_eq!(c, reference(2.0, &a.view(), &bview, beta, &c0));
            }
        }
        // A transposed (as in dW = xᵀ·dy)
        let at = Array2::from_shape_fn((5, 7), |(i, j)| a[(j, i)]);
        let mut c = Array2::zeros((7, 4));
        gemm(1.0, at.t(), b.view(), 0.0, c.view_mut());
        assert_eq!(c, reference(1.0, &a.view(), &b.view(), 0.0, &Array2::zeros((7, 4))));
    }

    #[test]
    fn strided_views_into_larger_buffers() {
        // The first rows of a bigger buffer, as Sequential hands them out, and their transposes.
        let big = Array2::from_shape_fn((9, 3), |(i, j)| (i * 3 + j) as f64 - 4.0);
        let a = big.slice(ndarray::s![..4, ..]);
        let w = Array2::from_shape_fn((3, 2), |(i, j)| i as f64 + 0.5 * j as f64);
        let w_t = Array2::from_shape_fn((2, 3), |(i, j)| w[(j, i)]);
        let col = Array2::from_shape_fn((3, 1), |(i, _)| i as f64 - 1.0);
        let cases: Vec<(ArrayView2<f64>, ArrayView2<f64>)> = vec![
            (a, w.view()),
            (a, w_t.t()),
            (a, col.view()),
            (a.t(), a),
            (w.t(), w.view()),
            (a.slice(ndarray::s![.., 2..]), w_t.slice(ndarray::s![..1, ..])),
        ];
        for (x, y) in cases {
            for beta in [0.0, 1.0, 0.5] {
                let c0 = Array2::from_shape_fn((x.nrows(), y.ncols()), |(i, j)| (i as f64) - (j as f64));
                let mut c = c0.clone();
                gemm(1.5, x, y, beta, c.view_mut());
                assert_eq!(c, reference(1.5, &x, &y, beta, &c0), "{:?} · {:?}", x.strides(), y.strides());
            }
        }
    }

    #[test]
    fn every_tile_edge_matches_the_definition_bit_for_bit() {
        // m and n cross the 8/4/2/1 tile edges; each orientation the kernel can pick.
        for (m, k, n) in [(1, 1, 1), (3, 7, 1), (9, 5, 2), (13, 3, 11), (10, 32, 1), (32, 10, 10), (17, 1, 19)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 13) as f64 * 0.37 - 2.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 11) % 17) as f64 * 0.29 - 2.5);
            let a_t = a.t().as_standard_layout().into_owned();
            let b_t = b.t().as_standard_layout().into_owned();
            for (x, y) in [(a.view(), b.view()), (a_t.t(), b.view()), (a.view(), b_t.t()), (a_t.t(), b_t.t())] {
                let c0 = Array2::from_shape_fn((m, n), |(i, j)| (i as f64) * 0.5 - j as f64);
                for beta in [0.0, 1.0, 0.25] {
                    let mut c = c0.clone();
                    gemm(0.75, x, y, beta, c.view_mut());
                    assert_eq!(
                        c,
                        reference(0.75, &x, &y, beta, &c0),
                        "{m}×{k}×{n} {:?} {:?}",
                        x.strides(),
                        y.strides()
                    );
                }
                // The same product into a column-major C.
                let mut c = Array2::from_shape_vec((m, n).f(), vec![0.0; m * n]).unwrap();
                gemm(1.0, x, y, 0.0, c.view_mut());
                assert_eq!(c, reference(1.0, &x, &y, 0.0, &Array2::zeros((m, n))));
            }
        }
    }

    #[test]
    fn bias_epilogue_equals_a_bias_filled_output_with_beta_one() {
        for (m, k, n) in [(32, 10, 10), (32, 10, 1), (5, 3, 9), (1, 4, 2)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| (i as f32 * 0.3 - j as f32 * 0.7).sin());
            let w = Array2::from_shape_fn((k, n), |(i, j)| (i as f32 * 0.11 + j as f32 * 0.5).cos());
            let bias = ndarray::Array1::from_shape_fn(n, |j| j as f32 * 0.1 - 0.3);
            let mut expected = Array2::from_shape_fn((m, n), |(_, j)| bias[j]);
            gemm(1.0, a.view(), w.view(), 1.0, expected.view_mut());
            let mut c = Array2::from_elem((m, n), f32::NAN);
            gemm_bias(1.0, a.view(), w.view(), bias.view(), c.view_mut());
            let bits = |x: &Array2<f32>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&c), bits(&expected), "{m}×{k}×{n}");
            // A and W column-major, so the kernel computes Cᵀ and the bias runs along its rows.
            let (a_t, w_t) = (a.t().as_standard_layout().into_owned(), w.t().as_standard_layout().into_owned());
            let mut c = Array2::from_elem((m, n), f32::NAN);
            gemm_bias(1.0, a_t.t(), w_t.t(), bias.view(), c.view_mut());
            assert_eq!(bits(&c), bits(&expected), "{m}×{k}×{n} transposed");
        }
    }

    #[test]
    fn large_products_are_right() {
        // Small integers: every summation order gives the exact product, so the large path
        // (matrixmultiply or BLAS) is compared with a plain triple loop, not with itself.
        let a = Array2::from_shape_fn((80, 70), |(i, j)| ((i * 3 + j) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((70, 60), |(i, j)| ((i + 2 * j) % 7) as f64 - 3.0);
        const { assert!(80 * 70 * 60 > SMALL_GEMM_LIMIT, "this product takes the large path") };
        let naive = Array2::from_shape_fn((80, 60), |(i, j)| (0..70).map(|p| a[(i, p)] * b[(p, j)]).sum::<f64>());
        let mut c = Array2::from_elem((80, 60), f64::NAN);
        gemm(1.0, a.view(), b.view(), 0.0, c.view_mut());
        assert_eq!(c, naive);
        gemm(2.0, a.view(), b.view(), 1.0, c.view_mut());
        assert_eq!(c, naive.mapv(|v| 3.0 * v));
    }

    #[test]
    fn beta_zero_ignores_nan_in_the_output() {
        let a = Array2::<f64>::ones((2, 2));
        let mut c = Array2::from_elem((2, 2), f64::NAN);
        gemm(1.0, a.view(), a.view(), 0.0, c.view_mut());
        assert_eq!(c, Array2::from_elem((2, 2), 2.0));
        let mut c = Array2::from_elem((2, 2), f64::NAN);
        gemm(1.0, a.view(), a.t(), 0.0, c.view_mut());
        assert_eq!(c, Array2::from_elem((2, 2), 2.0));
    }
}
