//! The register tiles of the large f32 products ([`packed`](crate::packed)): `MR × NR` sums in
//! registers, fed by packed panels of A (`MR` values of a column per `p`) and B (`NR` values of
//! a row per `p`), one fused multiply-add per term.
//!
//! - AVX2 + FMA: 6 × 16 (12 of the 16 `ymm` registers hold sums; BLIS's Zen kernel shape);
//! - AVX-512: 12 × 32 (24 of the 32 `zmm` registers).
//!
//! Each sum is `fma(a, b, sum)` from zero over `p` in order — with `k` cut into blocks, a block's
//! partial sums go to C and the next block continues from them, which changes nothing — then
//! finished as `Out::write` finishes the small path's sums (`α·s`, `α·s + β·c`, `α·s + bias`).
//! A lane's arithmetic is the same at both widths, so AVX2 and AVX-512 give the same bits; the
//! portable kernels (no fused multiply-add) give other bits, which is why the large path runs
//! only where a tile does (`gemm`'s docs).
#![allow(unsafe_code)]

use crate::simd::{self, Level};

/// Most rows and columns a tile has (the AVX-512 one), for stack tiles at the edges.
pub(crate) const MAX_MR: usize = 12;
pub(crate) const MAX_NR: usize = 32;

/// What a tile does with its sums once this block of `k` is summed.
#[derive(Clone, Copy)]
pub(crate) enum Store<'a> {
    /// Stores them as they are: another block of `k` continues from them.
    Partial,
    /// `α·s`.
    Scale(f32),
    /// `α·s + β·c`, `c` the value in C before.
    AddScaled(f32, f32),
    /// `α·s + bias[j]`: `bias` holds the tile's `NR` columns.
    ColumnBias(f32, &'a [f32]),
    /// `α·s + bias[i]`: `bias` holds the tile's `MR` rows.
    RowBias(f32, &'a [f32]),
}

/// A register tile this CPU can run, chosen from the current [`simd::level`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tile {
    /// 6 × 16, AVX2 and FMA.
    Avx2,
    /// 12 × 32, AVX-512F.
    Avx512,
}

impl Tile {
    /// The tile for this thread's level, or `None` below AVX2 (and off x86-64).
    pub(crate) fn for_level() -> Option<Tile> {
        if !cfg!(target_arch = "x86_64") {
            return None;
        }
        match simd::level() {
            Level::Avx512 => Some(Tile::Avx512),
            Level::Avx2 => Some(Tile::Avx2),
            _ => None,
        }
    }

    /// Rows of C a tile sums (values of a packed A panel per `p`).
    pub(crate) fn mr(self) -> usize {
        match self {
            Tile::Avx2 => 6,
            Tile::Avx512 => 12,
        }
    }

    /// Columns of C a tile sums (values of a packed B panel per `p`).
    pub(crate) fn nr(self) -> usize {
        match self {
            Tile::Avx2 => 16,
            Tile::Avx512 => 32,
        }
    }

    /// `C[r·ldc + j]` for `r < MR`, `j < NR`: `Σ_{p < kc} a[p·MR + r]·b[p·NR + j]`, started from
    /// zero (`first`) or from the partial sums in C, then stored as `store` says.
    ///
    /// # Panics
    /// When a slice is shorter than the tile reads or writes.
    #[track_caller]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(self, kc: usize, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, first: bool, store: Store<'_>) {
        let (mr, nr) = (self.mr(), self.nr());
        assert!(a.len() >= kc * mr && b.len() >= kc * nr, "tile: panels shorter than {kc} rows");
        assert!(ldc >= nr && c.len() >= (mr - 1) * ldc + nr, "tile: C shorter than {mr} rows of {nr}");
        match store {
            Store::ColumnBias(_, bias) => assert!(bias.len() >= nr, "tile: {} biases for {nr} columns", bias.len()),
            Store::RowBias(_, bias) => assert!(bias.len() >= mr, "tile: {} biases for {mr} rows", bias.len()),
            _ => {}
        }
        let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        #[cfg(target_arch = "x86_64")]
        match self {
            // SAFETY: a `Tile` comes from `for_level`, so the CPU has the features (the level is
            // never above what it supports); the lengths were checked above.
            Tile::Avx2 => unsafe { x86::avx2(kc, a, b, c, ldc, first, store) },
            // SAFETY: as above.
            Tile::Avx512 => unsafe { x86::avx512(kc, a, b, c, ldc, first, store) },
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (kc, a, b, c, first, store);
    }
}

/// One tile kernel per vector width, from one body: only the register type and intrinsics differ.
#[cfg(target_arch = "x86_64")]
macro_rules! tile_kernel {
    ($name:ident, $feature:literal, $lanes:literal, $mr:literal, $nv:literal,
     $zero:ident, $load:ident, $store:ident, $splat:ident, $fma:ident, $mul:ident, $add:ident) => {
        /// # Safety
        /// The CPU has the features enabled here; `a` points at `kc·MR` values, `b` at `kc·NR`,
        /// `c` at `MR` rows of `NR` values `ldc` apart, and a bias in `store` holds what it is
        /// read at.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(
            kc: usize,
            mut a: *const f32,
            mut b: *const f32,
            c: *mut f32,
            ldc: usize,
            first: bool,
            store: Store<'_>,
        ) {
            const NR: usize = $lanes * $nv;
            // SAFETY (every pointer access below): within the extents the caller guarantees.
            unsafe {
                let mut acc = [[$zero(); $nv]; $mr];
                if !first {
                    for (r, acc) in acc.iter_mut().enumerate() {
                        for (v, acc) in acc.iter_mut().enumerate() {
                            *acc = $load(c.add(r * ldc + v * $lanes));
                        }
                    }
                }
                for _ in 0..kc {
                    let mut row = [$zero(); $nv];
                    for (v, row) in row.iter_mut().enumerate() {
                        *row = $load(b.add(v * $lanes));
                    }
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let s = $splat(*a.add(r));
                        for (acc, &row) in acc.iter_mut().zip(&row) {
                            *acc = $fma(s, row, *acc);
                        }
                    }
                    a = a.add($mr);
                    b = b.add(NR);
                }
                for (r, acc) in acc.iter().enumerate() {
                    for (v, &sum) in acc.iter().enumerate() {
                        let at = c.add(r * ldc + v * $lanes);
                        let value = match store {
                            Store::Partial => sum,
                            Store::Scale(alpha) => $mul($splat(alpha), sum),
                            Store::AddScaled(alpha, beta) => {
                                $add($mul($splat(alpha), sum), $mul($splat(beta), $load(at)))
                            }
                            Store::ColumnBias(alpha, bias) => {
                                $add($mul($splat(alpha), sum), $load(bias.as_ptr().add(v * $lanes)))
                            }
                            Store::RowBias(alpha, bias) => {
                                $add($mul($splat(alpha), sum), $splat(*bias.as_ptr().add(r)))
                            }
                        };
                        $store(at, value);
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::Store;

    tile_kernel!(
        avx2,
        "avx2,fma",
        8,
        6,
        2,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_mul_ps,
        _mm256_add_ps
    );
    tile_kernel!(
        avx512,
        "avx512f,avx2,fma",
        16,
        12,
        2,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_mul_ps,
        _mm512_add_ps
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_sums_fused_multiply_adds_in_order_and_finishes_them() {
        let Some(tile) = Tile::for_level() else { return };
        let (mr, nr, kc) = (tile.mr(), tile.nr(), 37);
        let a: Vec<f32> = (0..kc * mr).map(|i| ((i * 7) % 13) as f32 * 0.31 - 1.7).collect();
        let b: Vec<f32> = (0..kc * nr).map(|i| ((i * 5) % 11) as f32 * 0.23 - 1.1).collect();
        let ldc = nr + 3;
        let sums = |r: usize, j: usize| (0..kc).fold(0.0f32, |s, p| a[p * mr + r].mul_add(b[p * nr + j], s));
        let bias: Vec<f32> = (0..nr.max(mr)).map(|j| j as f32 * 0.5).collect();
        let old = |r: usize, j: usize| (r * ldc + j) as f32 * 0.01;
        let cases: [(Store, &dyn Fn(usize, usize) -> f32); 4] = [
            (Store::Scale(0.3), &|r, j| 0.3 * sums(r, j)),
            (Store::AddScaled(0.3, -0.7), &|r, j| 0.3 * sums(r, j) + -0.7 * old(r, j)),
            (Store::ColumnBias(1.0, &bias), &|r, j| sums(r, j) + bias[j]),
            (Store::RowBias(2.0, &bias), &|r, j| 2.0 * sums(r, j) + bias[r]),
        ];
        for (store, expected) in cases {
            let mut c: Vec<f32> = (0..mr * ldc).map(|i| i as f32 * 0.01).collect();
            tile.run(kc, &a, &b, &mut c, ldc, true, store);
            for r in 0..mr {
                for j in 0..nr {
                    assert_eq!(c[r * ldc + j].to_bits(), expected(r, j).to_bits(), "({r}, {j})");
                }
                assert_eq!(c[r * ldc + nr], (r * ldc + nr) as f32 * 0.01, "past the tile");
            }
        }
        // Two blocks of k, the first stored as partial sums, give the sums of one.
        let mut c = vec![0.0f32; mr * ldc];
        let cut = 20;
        tile.run(cut, &a, &b, &mut c, ldc, true, Store::Partial);
        tile.run(kc - cut, &a[cut * mr..], &b[cut * nr..], &mut c, ldc, false, Store::Scale(1.0));
        assert!((0..mr).all(|r| (0..nr).all(|j| c[r * ldc + j].to_bits() == sums(r, j).to_bits())));
    }
}
