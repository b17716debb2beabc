//! The operands every product kernel shares: a matrix as a slice with strides ([`Strided`]), the
//! output with what finishes each sum ([`Out`], [`Epilogue`]), and the block sizes. Both the
//! portable kernels ([`gemm`](crate::gemm)) and the vector ones ([`microkernel`](crate::microkernel))
//! import them from here, so neither imports the other's internals.

use ndarray::NdFloat;

/// What happens to `C[i, j]` once its sum is known.
#[derive(Clone, Copy)]
pub(crate) enum Epilogue<'a, F> {
    /// `α·sum + β·C[i, j]`, or just `α·sum` when β is zero.
    Beta(F),
    /// `α·sum + bias[j]`.
    Bias(&'a [F]),
}

/// A matrix in a contiguous slice, with explicit (non-negative) strides.
#[derive(Clone, Copy)]
pub(crate) struct Strided<'a, F> {
    pub(crate) data: &'a [F],
    pub(crate) row: usize,
    pub(crate) col: usize,
}

impl<F: Copy> Strided<'_, F> {
    #[inline(always)]
    pub(crate) fn at(&self, i: usize, j: usize) -> F {
        self.data[i * self.row + j * self.col]
    }

    #[inline(always)]
    pub(crate) fn t(self) -> Self {
        Strided { row: self.col, col: self.row, ..self }
    }
}

/// `C` and what to do with each finished sum. `transposed`: the kernel is computing `Cᵀ`, so
/// a bias is indexed by row instead of column.
pub(crate) struct Out<'a, 'b, F> {
    pub(crate) data: &'a mut [F],
    pub(crate) row: usize,
    pub(crate) col: usize,
    pub(crate) alpha: F,
    pub(crate) epilogue: Epilogue<'b, F>,
    pub(crate) transposed: bool,
}

impl<F: NdFloat> Out<'_, '_, F> {
    #[inline(always)]
    pub(crate) fn t(self) -> Self {
        Out { row: self.col, col: self.row, transposed: !self.transposed, ..self }
    }

    /// Finishes `C[i, j..j + sums.len()]` from its sums.
    #[inline(always)]
    pub(crate) fn write(&mut self, i: usize, j: usize, sums: &[F]) {
        let (alpha, n) = (self.alpha, sums.len());
        if self.col == 1 {
            // Adjacent outputs: the same formulas as below, as loops the compiler vectorises.
            let c = &mut self.data[i * self.row + j..][..n];
            match self.epilogue {
                Epilogue::Beta(beta) if beta == F::zero() => c.iter_mut().zip(sums).for_each(|(c, &s)| *c = alpha * s),
                Epilogue::Beta(beta) => c.iter_mut().zip(sums).for_each(|(c, &s)| *c = alpha * s + beta * *c),
                Epilogue::Bias(bias) if self.transposed => {
                    c.iter_mut().zip(sums).for_each(|(c, &s)| *c = alpha * s + bias[i])
                }
                Epilogue::Bias(bias) => {
                    c.iter_mut().zip(sums).zip(&bias[j..j + n]).for_each(|((c, &s), &b)| *c = alpha * s + b)
                }
            }
            return;
        }
        for (w, &sum) in sums.iter().enumerate() {
            let c = &mut self.data[i * self.row + (j + w) * self.col];
            *c = match self.epilogue {
                Epilogue::Beta(beta) if beta == F::zero() => alpha * sum,
                Epilogue::Beta(beta) => alpha * sum + beta * *c,
                Epilogue::Bias(bias) => alpha * sum + bias[if self.transposed { i } else { j + w }],
            };
        }
    }

    /// The same output with column `j` as column 0 (for a panel of B's columns from `j`).
    #[inline(always)]
    pub(crate) fn shifted(&mut self, j: usize) -> Out<'_, '_, F> {
        let epilogue = match self.epilogue {
            Epilogue::Bias(bias) if !self.transposed => Epilogue::Bias(&bias[j..]),
            other => other,
        };
        let (row, col, alpha, transposed) = (self.row, self.col, self.alpha, self.transposed);
        Out { data: &mut self.data[j * col..], row, col, alpha, epilogue, transposed }
    }
}

/// Vector lanes of one accumulator chunk: one AVX-512 register of f32, two AVX2 ones, four SSE.
pub(crate) const LANES: usize = 16;

/// Rows and columns of C summed together, so each row of B loaded serves up to 8 rows.
pub(crate) const BLOCK_ROWS: usize = 8;
pub(crate) const BLOCK_COLS: usize = 2 * LANES;
