//! Large f32 products, packed and cache-blocked in BLIS's loop order, summed by the register
//! tiles of [`fma_tile`](crate::fma_tile).
//!
//! For each block of C's columns (`NC`) and of `k` (`KC`), B's block is copied into panels of
//! `NR` columns (zeros past the edge), laid out as the tile reads them; for each block of C's
//! rows (`MC`), A's block into panels of `MR` rows. Then every panel of B (kept in L1) meets
//! every panel of A (streamed from L2). A product's threads take blocks of C's rows or columns,
//! whichever side is longer, each packing what it needs; a dense layer's bias gradient (B's
//! column sums) is summed while B is packed.
//!
//! Every element of C is one chain of fused multiply-adds over `p` in order, whatever the
//! blocking, the tile, the edge or the thread, so any thread count and AVX2 or AVX-512 give the
//! same bits.
#![allow(unsafe_code)]

use std::any::TypeId;
use std::cell::RefCell;

use ndarray::NdFloat;

use crate::fma_tile::{MAX_MR, MAX_NR, Store, Tile};
use crate::microkernel::as_f32;
use crate::operands::{Epilogue, Out, Strided};
use crate::threads::{Split, max_threads};

/// Columns of `k` summed per pass: a B panel (`KC × NR`, 16 KiB on AVX2) stays in L1.
const KC: usize = 256;
/// Rows of A packed per block (`MC × KC`, 144 KiB): in L2, read once per B panel.
const MC: usize = 144;
/// Columns of B packed per block (`KC × NC`, 3 MiB): in L3.
const NC: usize = 3072;

/// `C ← α·A·B` finished by `out`'s epilogue when `F` is f32, the CPU has a tile, C's rows or
/// columns are runs, and (for `α·s + β·c` with β ≠ 0) `k` fits one block; returns false,
/// nothing written, otherwise. When B's column sums are asked for and B is the packed side,
/// they are summed on the way and `b_sums` is taken.
pub(crate) fn product<F: NdFloat>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: Out<'_, '_, F>,
    b_sums: &mut Option<&mut [F]>,
) -> bool {
    let Some(tile) = Tile::for_level() else { return false };
    if TypeId::of::<F>() != TypeId::of::<f32>() || m == 0 || n == 0 || k == 0 {
        return false;
    }
    // The tiles store rows of C: a column-major C is computed as Cᵀ = Bᵀ·Aᵀ (B's sums are then
    // A's row sums, left to the caller).
    let (dims, a, b, out, fuse_sums) = if out.col == 1 {
        ((m, k, n), a, b, out, b_sums.is_some())
    } else if out.row == 1 {
        ((n, k, m), b.t(), a.t(), out.t(), false)
    } else {
        return false;
    };
    if matches!(out.epilogue, Epilogue::Beta(beta) if beta != F::zero()) && k > KC {
        return false;
    }
    if !fits(dims, a, b, &out) {
        return false;
    }
    // SAFETY: F is f32 (checked above), so every slice here holds f32 values.
    let (a, b, c) = unsafe { (as_f32(a), as_f32(b), F32Out::new(out)) };
    let sums = match b_sums {
        // SAFETY: as above.
        Some(sums) if fuse_sums && sums.len() == dims.2 => {
            Some(unsafe { std::slice::from_raw_parts_mut(sums.as_mut_ptr().cast::<f32>(), sums.len()) })
        }
        _ => None,
    };
    let fused = sums.is_some();
    let (m, k, n) = dims;
    let threads = if crate::threads::threaded(m, k, n) { max_threads().min(m.max(n) / 64).max(1) } else { 1 };
    let job = Job { tile, k, a, b, c: &c };
    if m >= n {
        split_rows(&job, (0, m), n, sums, threads);
    } else {
        split_columns(&job, m, (0, n), sums, threads);
    }
    if fused {
        b_sums.take();
    }
    true
}

/// Whether every element the product reads and writes lies in the slices.
fn fits<F: NdFloat>(
    (m, k, n): (usize, usize, usize),
    a: Strided<'_, F>,
    b: Strided<'_, F>,
    out: &Out<'_, '_, F>,
) -> bool {
    let last = |rows: usize, cols: usize, row: usize, col: usize| {
        (rows - 1).checked_mul(row)?.checked_add((cols - 1).checked_mul(col)?)
    };
    let inside = |end: Option<usize>, len: usize| end.is_some_and(|end| end < len);
    inside(last(m, k, a.row, a.col), a.data.len())
        && inside(last(k, n, b.row, b.col), b.data.len())
        && out.row >= n
        && inside(last(m, n, out.row, 1), out.data.len())
        && match out.epilogue {
            Epilogue::Bias(bias) => bias.len() >= if out.transposed { m } else { n },
            Epilogue::Beta(_) => true,
        }
}

/// C as the threads share it: each writes only its own rows or columns.
struct F32Out<'a> {
    data: *mut f32,
    len: usize,
    ldc: usize,
    alpha: f32,
    finish: Finish<'a>,
}

/// `out`'s epilogue in f32.
#[derive(Clone, Copy)]
enum Finish<'a> {
    Beta(f32),
    ColumnBias(&'a [f32]),
    RowBias(&'a [f32]),
}

// SAFETY: threads write disjoint blocks of C (`split_rows`, `split_columns`) and only read the bias.
unsafe impl Sync for F32Out<'_> {}

impl<'a> F32Out<'a> {
    /// # Safety
    /// `F` must be f32.
    unsafe fn new<F: NdFloat>(out: Out<'a, 'a, F>) -> Self {
        let as_f32 = |x: F| x.to_f32().expect("F is f32");
        let finish = match out.epilogue {
            Epilogue::Beta(beta) => Finish::Beta(as_f32(beta)),
            // SAFETY: F is f32 (the caller's guarantee).
            Epilogue::Bias(bias) => {
                let bias = unsafe { std::slice::from_raw_parts(bias.as_ptr().cast::<f32>(), bias.len()) };
                if out.transposed { Finish::RowBias(bias) } else { Finish::ColumnBias(bias) }
            }
        };
        F32Out {
            data: out.data.as_mut_ptr().cast::<f32>(),
            len: out.data.len(),
            ldc: out.row,
            alpha: as_f32(out.alpha),
            finish,
        }
    }
}

/// What every thread of one product shares.
struct Job<'a, 'b> {
    tile: Tile,
    k: usize,
    a: Strided<'a, f32>,
    b: Strided<'a, f32>,
    c: &'b F32Out<'a>,
}

/// Rows `rows.0..rows.1` of C (all `n` columns) on `threads` threads, halved under
/// `rayon::join`; only the block holding row 0 sums B's columns (every block packs all of B).
fn split_rows(job: &Job<'_, '_>, rows: (usize, usize), n: usize, sums: Option<&mut [f32]>, threads: usize) {
    if threads <= 1 {
        return block(job, rows, (0, n), sums);
    }
    let mid = (rows.0 + ((rows.1 - rows.0) * (threads / 2) / threads).next_multiple_of(job.tile.mr())).min(rows.1);
    let level = crate::simd::level();
    rayon::join(
        || split_rows(job, (rows.0, mid), n, sums, threads / 2),
        || crate::simd::with_level(level, || split_rows(job, (mid, rows.1), n, None, threads - threads / 2)),
    );
}

/// Columns `cols.0..cols.1` of C (all `m` rows) on `threads` threads; each block sums its own
/// columns of B.
fn split_columns(job: &Job<'_, '_>, m: usize, cols: (usize, usize), sums: Option<&mut [f32]>, threads: usize) {
    if threads <= 1 {
        return block(job, (0, m), cols, sums);
    }
    let mid = (cols.0 + ((cols.1 - cols.0) * (threads / 2) / threads).next_multiple_of(job.tile.nr())).min(cols.1);
    let (left, right) = sums.split_at(mid - cols.0);
    let level = crate::simd::level();
    rayon::join(
        || split_columns(job, m, (cols.0, mid), left, threads / 2),
        || crate::simd::with_level(level, || split_columns(job, m, (mid, cols.1), right, threads - threads / 2)),
    );
}

/// Packing buffers, one pair per thread, grown to the largest block seen and kept.
#[derive(Default)]
struct Panels {
    a: Vec<f32>,
    b: Vec<f32>,
}

thread_local! {
    static PANELS: RefCell<Panels> = RefCell::default();
}

/// C's rows `i0..i1` × columns `j0..j1`, on this thread. `sums` (B's columns `j0..j1`) are
/// summed from zero over `p` in order while B is packed.
fn block(job: &Job<'_, '_>, (i0, i1): (usize, usize), (j0, j1): (usize, usize), mut sums: Option<&mut [f32]>) {
    let (mr, nr) = (job.tile.mr(), job.tile.nr());
    let a_len = MC.next_multiple_of(mr) * KC.min(job.k);
    let b_len = NC.min((j1 - j0).next_multiple_of(nr)) * KC.min(job.k);
    PANELS.with(|panels| {
        // A product run while another holds this thread's panels (not expected: a block never
        // waits on rayon) gets its own.
        let mut own = Panels::default();
        let mut held = panels.try_borrow_mut();
        let panels = held.as_deref_mut().unwrap_or(&mut own);
        for buffer in [(&mut panels.a, a_len), (&mut panels.b, b_len)] {
            if buffer.0.len() < buffer.1 {
                buffer.0.resize(buffer.1, 0.0);
            }
        }
        for jc in (j0..j1).step_by(NC) {
            let nc = NC.min(j1 - jc);
            for pc in (0..job.k).step_by(KC) {
                let kc = KC.min(job.k - pc);
                let sums = sums.as_deref_mut().map(|s| &mut s[jc - j0..][..nc]);
                pack_b(&mut panels.b, job.b, (pc, kc), (jc, nc), nr, sums);
                for ic in (i0..i1).step_by(MC) {
                    let mc = MC.min(i1 - ic);
                    pack_a(&mut panels.a, job.a, (ic, mc), (pc, kc), mr);
                    tiles(job, &panels.a, &panels.b, (ic, mc), (jc, nc), (pc, kc));
                }
            }
        }
    });
}

/// A's rows `i0..i0 + rows` over `p0..p0 + kc` into panels of `mr` rows: value `(p, r)` of
/// panel `q` at `q·kc·mr + p·mr + r`; rows past the edge are zeros.
fn pack_a(panels: &mut [f32], a: Strided<'_, f32>, (i0, rows): (usize, usize), (p0, kc): (usize, usize), mr: usize) {
    for (q, panel) in panels.chunks_exact_mut(kc * mr).take(rows.div_ceil(mr)).enumerate() {
        let i = i0 + q * mr;
        interleave(panel, a, (i, mr.min(rows - q * mr)), (p0, kc), mr, None);
    }
}

/// B's columns `j0..j0 + cols` over `p0..p0 + kc` into panels of `nr` columns: value `(p, c)`
/// of panel `q` at `q·kc·nr + p·nr + c`; columns past the edge are zeros. `sums[c]` gets each
/// value added in order of `p` (from zero at `p0 = 0`).
fn pack_b(
    panels: &mut [f32],
    b: Strided<'_, f32>,
    (p0, kc): (usize, usize),
    (j0, cols): (usize, usize),
    nr: usize,
    mut sums: Option<&mut [f32]>,
) {
    if p0 == 0 {
        sums.iter_mut().for_each(|s| s.fill(0.0));
    }
    for (q, panel) in panels.chunks_exact_mut(kc * nr).take(cols.div_ceil(nr)).enumerate() {
        let (j, width) = (j0 + q * nr, nr.min(cols - q * nr));
        let sums = sums.as_deref_mut().map(|s| &mut s[q * nr..][..width]);
        interleave(panel, b.t(), (j, width), (p0, kc), nr, sums);
    }
}

/// One panel: `panel[p·w + r] = m[i + r, p0 + p]` for `r < used` (zeros for `used ≤ r < w`),
/// `p < kc`, reading whichever of m's strides is 1 as runs; `sums[r]` gets each value added in
/// order of `p`.
fn interleave(
    panel: &mut [f32],
    m: Strided<'_, f32>,
    rows: (usize, usize),
    ps: (usize, usize),
    w: usize,
    sums: Option<&mut [f32]>,
) {
    match w {
        6 => interleave_n::<6>(panel, m, rows, ps, sums),
        12 => interleave_n::<12>(panel, m, rows, ps, sums),
        16 => interleave_n::<16>(panel, m, rows, ps, sums),
        32 => interleave_n::<32>(panel, m, rows, ps, sums),
        _ => unreachable!("no tile is {w} wide"),
    }
}

/// [`interleave`] for a panel `W` wide, known when compiled: its rows are fixed-size copies.
fn interleave_n<const W: usize>(
    panel: &mut [f32],
    m: Strided<'_, f32>,
    (i, used): (usize, usize),
    (p0, kc): (usize, usize),
    sums: Option<&mut [f32]>,
) {
    let panel = &mut panel[..kc * W];
    let (to, _) = panel.as_chunks_mut::<W>();
    if m.row == 1 {
        // Column p of the panel's rows is a run.
        for (p, to) in to.iter_mut().enumerate() {
            let from = &m.data[(p0 + p) * m.col + i..];
            match from.first_chunk::<W>() {
                Some(from) if used == W => *to = *from,
                _ => {
                    to[..used].copy_from_slice(&from[..used]);
                    to[used..].fill(0.0);
                }
            }
        }
    } else if m.col == 1 {
        // Row i + r is a run: 16 at a time transposed in registers where the CPU can, else
        // `used` runs read side by side.
        let runs = Strided { data: &m.data[i * m.row + p0..], row: 1, col: m.row };
        if W == 16 && crate::microkernel::pack(to_16(to), runs, kc, used)
            || W == 6 && crate::microkernel::pack_six_runs(to_6(to), runs.data, m.row, kc, used)
        {
            // Packed.
        } else {
            // One run at a time, read in order and written `W` apart.
            if used < W {
                to.iter_mut().for_each(|to| to[used..].fill(0.0));
            }
            for r in 0..used {
                let row = &m.data[(i + r) * m.row + p0..][..kc];
                to.iter_mut().zip(row).for_each(|(to, &v)| to[r] = v);
            }
        }
    } else {
        for (p, to) in to.iter_mut().enumerate() {
            to.iter_mut().enumerate().for_each(|(r, to)| *to = if r < used { m.at(i + r, p0 + p) } else { 0.0 });
        }
    }
    if let Some(sums) = sums {
        for (r, sum) in sums[..used].iter_mut().enumerate() {
            *sum = to.iter().fold(*sum, |s, row| s + row[r]);
        }
    }
}

/// Rows of a panel as the 6-wide rows `microkernel::pack_six_runs` fills (`W` is 6 where called).
fn to_6<const W: usize>(rows: &mut [[f32; W]]) -> &mut [[f32; 6]] {
    rows.as_flattened_mut().as_chunks_mut::<6>().0
}

/// Rows of a panel as the 16-wide rows `microkernel::pack` fills (`W` is 16 where called).
fn to_16<const W: usize>(rows: &mut [[f32; W]]) -> &mut [[f32; 16]] {
    rows.as_flattened_mut().as_chunks_mut::<16>().0
}

/// Every B panel against every A panel of one block: C's rows `i0..i0 + rows`, columns
/// `j0..j0 + cols`, this block of `k` (`p0..p0 + kc`).
fn tiles(
    job: &Job<'_, '_>,
    a: &[f32],
    b: &[f32],
    (i0, rows): (usize, usize),
    (j0, cols): (usize, usize),
    (p0, kc): (usize, usize),
) {
    let (tile, c) = (job.tile, job.c);
    let (mr, nr) = (tile.mr(), tile.nr());
    let (first, last) = (p0 == 0, p0 + kc == job.k);
    for (qj, b) in b.chunks_exact(kc * nr).take(cols.div_ceil(nr)).enumerate() {
        let (j, width) = (j0 + qj * nr, nr.min(cols - qj * nr));
        for (qi, a) in a.chunks_exact(kc * mr).take(rows.div_ceil(mr)).enumerate() {
            let (i, height) = (i0 + qi * mr, mr.min(rows - qi * mr));
            if height == mr && width == nr {
                let (bias_cols, bias_rows) = match c.finish {
                    Finish::ColumnBias(bias) => (&bias[j..j + nr], &[][..]),
                    Finish::RowBias(bias) => (&[][..], &bias[i..i + mr]),
                    Finish::Beta(_) => (&[][..], &[][..]),
                };
                // SAFETY: rows i..i + mr, columns j..j + nr of C lie in its slice (`fits`), and
                // no other thread writes them (its block is elsewhere).
                let c_tile =
                    unsafe { std::slice::from_raw_parts_mut(c.data.add(i * c.ldc + j), (mr - 1) * c.ldc + nr) };
                tile.run(kc, a, b, c_tile, c.ldc, first, store(c, last, bias_cols, bias_rows));
            } else {
                edge_tile(job, (a, b, kc), (i, height), (j, width), (first, last));
            }
        }
    }
}

/// What a tile does with its sums: partial sums until the last block of `k`, then `c`'s epilogue.
fn store<'s>(c: &F32Out<'_>, last: bool, bias_cols: &'s [f32], bias_rows: &'s [f32]) -> Store<'s> {
    match (last, c.finish) {
        (false, _) => Store::Partial,
        (true, Finish::Beta(0.0)) => Store::Scale(c.alpha),
        (true, Finish::Beta(beta)) => Store::AddScaled(c.alpha, beta),
        (true, Finish::ColumnBias(_)) => Store::ColumnBias(c.alpha, bias_cols),
        (true, Finish::RowBias(_)) => Store::RowBias(c.alpha, bias_rows),
    }
}

/// A tile at C's edge: run on a full-size copy on the stack (biases padded with zeros), the part
/// inside C copied in when the tile reads it, and back.
fn edge_tile(
    job: &Job<'_, '_>,
    (a, b, kc): (&[f32], &[f32], usize),
    (i, height): (usize, usize),
    (j, width): (usize, usize),
    (first, last): (bool, bool),
) {
    let (tile, c) = (job.tile, job.c);
    let nr = tile.nr();
    let (mut bias_cols, mut bias_rows) = ([0.0f32; MAX_NR], [0.0f32; MAX_MR]);
    match c.finish {
        Finish::ColumnBias(bias) => bias_cols[..width].copy_from_slice(&bias[j..j + width]),
        Finish::RowBias(bias) => bias_rows[..height].copy_from_slice(&bias[i..i + height]),
        Finish::Beta(_) => {}
    }
    let reads_c = !first || matches!(c.finish, Finish::Beta(beta) if beta != 0.0);
    debug_assert!(c.len >= (i + height - 1) * c.ldc + j + width);
    // SAFETY: rows i..i + height, columns j..j + width of C lie in its slice (`fits`), and no
    // other thread touches them.
    let row = |r: usize| unsafe { std::slice::from_raw_parts_mut(c.data.add((i + r) * c.ldc + j), width) };
    let mut buffer = [0.0f32; MAX_MR * MAX_NR];
    if reads_c {
        for r in 0..height {
            buffer[r * nr..][..width].copy_from_slice(row(r));
        }
    }
    tile.run(kc, a, b, &mut buffer, nr, first, store(c, last, &bias_cols, &bias_rows));
    for r in 0..height {
        row(r).copy_from_slice(&buffer[r * nr..][..width]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every panel width a tile has, every layout of the matrix (rows as runs, columns as runs,
    /// neither), a short last panel: the panel holds `m[i + r, p0 + p]` at `p·w + r`, zeros past
    /// `used`, and the sums are the rows' sums in order. The AVX-512 widths (12, 32) take the
    /// portable loops on every CPU, so they are checked here on any machine.
    #[test]
    fn panels_of_every_width_and_layout_hold_the_matrix() {
        let (rows, cols) = (40, 70);
        let value = |i: usize, j: usize| (i * 100 + j) as f32;
        let row_major: Vec<f32> = (0..rows * cols).map(|x| value(x / cols, x % cols)).collect();
        let col_major: Vec<f32> = (0..rows * cols).map(|x| value(x % rows, x / rows)).collect();
        let spread: Vec<f32> =
            (0..rows * cols * 2).map(|x| if x % 2 == 0 { value(x / 2 / cols, x / 2 % cols) } else { -1.0 }).collect();
        let layouts = [
            Strided { data: &row_major[..], row: cols, col: 1 },
            Strided { data: &col_major[..], row: 1, col: rows },
            Strided { data: &spread[..], row: 2 * cols, col: 2 },
        ];
        for w in [6, 12, 16, 32] {
            for m in layouts {
                for (i, used, p0, kc) in [(3, w, 5, 60), (40 - w.min(7), w.min(7), 0, 70), (0, 1, 69, 1)] {
                    let mut panel = vec![f32::NAN; kc * w];
                    let mut sums = vec![0.5f32; used];
                    interleave(&mut panel, m, (i, used), (p0, kc), w, Some(&mut sums));
                    for p in 0..kc {
                        for r in 0..w {
                            let expect = if r < used { value(i + r, p0 + p) } else { 0.0 };
                            assert_eq!(panel[p * w + r], expect, "w {w}, strides {:?}, ({p}, {r})", (m.row, m.col));
                        }
                    }
                    for (r, &sum) in sums.iter().enumerate() {
                        let expect = (0..kc).fold(0.5f32, |s, p| s + value(i + r, p0 + p));
                        assert_eq!(sum, expect, "w {w}: sum of row {r}");
                    }
                }
            }
        }
    }
}
