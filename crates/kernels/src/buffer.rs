//! [`Buffer`]: the feature-major memory a model's activations and a batch live in.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, NdFloat, ShapeBuilder};

/// A reusable buffer for a model's own activations or a gathered batch: grows to the largest batch seen and hands
/// out `rows × cols` views of its front, so a model you write allocates nothing after the first
/// batch (the way `ndnet_layers::Sequential` keeps its buffers).
///
/// The views are feature-major (column-major, `(rows, cols).f()`): each column's values for the
/// batch are adjacent, so the kernels' inner loops run over the batch at the full vector width.
/// Indexing is unchanged (`view[(sample, feature)]`); use `as_slice_memory_order` for the
/// memory.
///
/// ```
/// use ndnet_kernels::Buffer;
/// let mut b = Buffer::<f32>::default();
/// b.rows_mut(4, 3).fill(1.0);     // allocates 4 × 3
/// assert_eq!(b.rows_mut(2, 3).dim(), (2, 3)); // reuses it
/// assert_eq!(b.rows(2).sum(), 6.0);
/// assert_eq!(b.rows(2).strides(), [1, 2]);    // one column after another
/// ```
#[derive(Debug, Clone)]
pub struct Buffer<F> {
    /// `capacity rows × cols`, column-major.
    data: Array2<F>,
}

impl<F: NdFloat> Default for Buffer<F> {
    fn default() -> Self {
        Buffer { data: Array2::zeros((0, 0).f()) }
    }
}

impl<F: NdFloat> Buffer<F> {
    /// The first `rows` rows, `cols` wide, for writing; reallocates (zeros) only when the
    /// buffer has fewer rows or another width.
    #[inline]
    pub fn rows_mut(&mut self, rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
        if self.data.dim() == (rows, cols) {
            return self.data.view_mut(); // every full batch: no shape checks
        }
        self.resized(rows, cols)
    }

    /// [`rows_mut`](Buffer::rows_mut) for another shape than the whole buffer's: a short batch,
    /// or one that needs more memory.
    #[cold]
    fn resized(&mut self, rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
        if self.data.ncols() != cols || self.data.nrows() < rows {
            let capacity = if self.data.ncols() == cols { rows.max(self.data.nrows()) } else { rows };
            self.data = Array2::zeros((capacity, cols).f());
        }
        let front = &mut self.data.as_slice_memory_order_mut().expect("owned and contiguous")[..rows * cols];
        ArrayViewMut2::from_shape((rows, cols).f(), front).expect("the front holds rows × cols")
    }

    /// The first `rows` rows, for reading.
    ///
    /// # Panics
    /// When the buffer holds fewer rows.
    #[track_caller]
    #[inline]
    pub fn rows(&self, rows: usize) -> ArrayView2<'_, F> {
        if rows == self.data.nrows() {
            return self.data.view();
        }
        self.front(rows)
    }

    /// [`rows`](Buffer::rows) for fewer rows than the buffer holds (a short batch).
    #[track_caller]
    #[cold]
    fn front(&self, rows: usize) -> ArrayView2<'_, F> {
        let (held, cols) = self.data.dim();
        assert!(rows <= held, "Buffer::rows: {rows} rows asked, {held} held");
        let front = &self.data.as_slice_memory_order().expect("owned and contiguous")[..rows * cols];
        ArrayView2::from_shape((rows, cols).f(), front).expect("checked above")
    }

    /// Rows `order` of `table`, in that order, copied into the first `order.len()` rows
    /// (feature-major) and returned: a shuffled mini-batch. For f32 tables up to 16 columns wide
    /// on an AVX-512 (AVX2) CPU, 16 (8) rows at a time are loaded and transposed in registers;
    /// otherwise four columns are copied per pass over the rows. A copy either way.
    ///
    /// ```
    /// use ndnet_kernels::Buffer;
    /// let table = ndarray::array![[0.0f32, 1.0], [2.0, 3.0], [4.0, 5.0]];
    /// let mut b = Buffer::default();
    /// assert_eq!(b.gather(table.view(), &[2, 0]), ndarray::array![[4.0, 5.0], [0.0, 1.0]]);
    /// ```
    ///
    /// # Panics
    /// When an index in `order` is not a row of `table`.
    #[track_caller]
    pub fn gather(&mut self, table: ArrayView2<'_, F>, order: &[usize]) -> ArrayView2<'_, F> {
        let (n, width, rows) = (order.len(), table.ncols(), table.nrows());
        let mut batch = self.rows_mut(n, width);
        let batch = batch.as_slice_memory_order_mut().expect("a Buffer's front is contiguous");
        match table.as_slice() {
            Some(table) => crate::gather::gather_rows(table, width, order, batch),
            None => {
                if let Some(&last) = order.iter().max() {
                    assert!(last < rows, "gather: row {last} of a {rows}-row table");
                }
                for (b, &r) in order.iter().enumerate() {
                    for (c, &v) in table.row(r).iter().enumerate() {
                        batch[c * n + b] = v;
                    }
                }
            }
        }
        self.rows(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Axis};

    #[test]
    fn gathers_any_width_and_an_empty_order() {
        for width in [1, 3, 16, 17, 40] {
            let table = Array2::from_shape_fn((9, width), |(i, j)| (i * 100 + j) as f64);
            let mut b = Buffer::default();
            let order = [8, 0, 3, 3, 7];
            assert_eq!(b.gather(table.view(), &order), table.select(Axis(0), &order), "{width} wide");
            assert_eq!(b.gather(table.view(), &[]).dim(), (0, width));
        }
    }

    #[test]
    #[should_panic(expected = "gather: row 9 of a 9-row table")]
    fn a_row_past_the_table_is_named() {
        // f32 goes through the register copy where the CPU has one, which refuses the order.
        let table = Array2::<f32>::zeros((9, 2));
        Buffer::default().gather(table.view(), &[0, 9]);
    }

    #[test]
    #[should_panic(expected = "gather: row 9 of a 9-row table")]
    fn a_row_past_the_table_is_named_on_the_portable_copy_too() {
        let table = Array2::<f64>::zeros((9, 2));
        Buffer::default().gather(table.view(), &[9, 0]);
    }
}
