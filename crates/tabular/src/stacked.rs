//! The ensemble layout: `k` members of width `w` in a row of `k·w` values, member-minor — value
//! `j` of member `m` in column `j·k + m`. A batch in ndnet's feature-major memory (each column's
//! rows adjacent) is then, without a copy, a `(k·rows) × w` matrix whose rows `m·rows ..
//! (m+1)·rows` are member `m`'s: the members stacked. So a layer shared by the members is one
//! matrix product over `k·rows` rows, not `k` small ones.
//!
//! [`Stacked`] reads a batch that way (borrowed when the memory is feature-major and contiguous,
//! as `Sequential`'s buffers are; copied otherwise), [`write_stacked`] writes one.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, CowArray, Ix2, NdFloat, ShapeBuilder, Slice};

/// A batch of `k` members' values, as the stacked `(k·rows) × width` matrix.
pub(crate) struct Stacked<'a, F> {
    /// The stacked matrix.
    pub(crate) m: CowArray<'a, F, Ix2>,
    /// Rows per member (the batch's rows).
    pub(crate) rows: usize,
}

impl<'a, F: NdFloat> Stacked<'a, F> {
    /// `view` (rows × k·width, member-minor) stacked.
    pub(crate) fn of(view: ArrayView2<'a, F>, k: usize) -> Self {
        let (rows, cols) = view.dim();
        let width = cols / k;
        match feature_major(&view) {
            Some(data) => {
                let m = ArrayView2::from_shape((k * rows, width).f(), data).expect("rows × k·width values");
                Stacked { m: m.into(), rows }
            }
            None => {
                let mut m = Array2::zeros((k * rows, width).f());
                fill_stacked(&mut m.view_mut(), &view, k);
                Stacked { m: m.into(), rows }
            }
        }
    }

    /// Member `m`'s rows.
    pub(crate) fn member(&self, m: usize) -> ArrayView2<'_, F> {
        member_rows(self.m.view(), m, self.rows)
    }
}

/// Member `m`'s rows of a stacked matrix with `rows` rows per member.
pub(crate) fn member_rows<F>(view: ArrayView2<'_, F>, m: usize, rows: usize) -> ArrayView2<'_, F> {
    view.slice_axis_move(Axis(0), Slice::from(m * rows..(m + 1) * rows))
}

/// Member `m`'s rows of a writable stacked matrix.
pub(crate) fn member_rows_mut<F>(view: ArrayViewMut2<'_, F>, m: usize, rows: usize) -> ArrayViewMut2<'_, F> {
    view.slice_axis_move(Axis(0), Slice::from(m * rows..(m + 1) * rows))
}

/// The values of `view` in feature-major order, when its memory is that and contiguous.
fn feature_major<'a, F>(view: &ArrayView2<'a, F>) -> Option<&'a [F]> {
    (*view).reversed_axes().to_slice()
}

/// Copies member-minor `view` into the stacked `m`.
fn fill_stacked<F: NdFloat>(m: &mut ArrayViewMut2<'_, F>, view: &ArrayView2<'_, F>, k: usize) {
    let rows = view.nrows();
    for ((i, c), &v) in view.indexed_iter() {
        m[[(c % k) * rows + i, c / k]] = v;
    }
}

/// Runs `f` on `out` (rows × k·width, member-minor) as the stacked matrix: in place when its
/// memory is feature-major and contiguous, else through `scratch` and copied back.
pub(crate) fn write_stacked<F: NdFloat>(
    mut out: ArrayViewMut2<'_, F>,
    k: usize,
    scratch: &mut Array2<F>,
    f: impl FnOnce(ArrayViewMut2<'_, F>),
) {
    let (rows, cols) = out.dim();
    let width = cols / k;
    if let Some(data) = out.view_mut().reversed_axes().into_slice() {
        let m = ArrayViewMut2::from_shape((k * rows, width).f(), data).expect("rows × k·width values");
        return f(m);
    }
    if scratch.dim() != (k * rows, width) {
        *scratch = Array2::zeros((k * rows, width).f());
    }
    f(scratch.view_mut());
    for ((i, c), v) in out.indexed_iter_mut() {
        *v = scratch[[(c % k) * rows + i, c / k]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_major_and_row_major_batches_stack_alike() {
        // 2 rows, k = 3 members of width 2: value j of member m in column j·k + m.
        let row_major = Array2::from_shape_fn((2, 6), |(i, c)| (10 * i + c) as f64);
        let mut feature_major = Array2::zeros((2, 6).f());
        feature_major.assign(&row_major);
        let (a, b) = (Stacked::of(row_major.view(), 3), Stacked::of(feature_major.view(), 3));
        assert_eq!(a.m, b.m);
        // Member 1, row 1, value 1 is column 1·3 + 1 = 4 of row 1.
        assert_eq!(a.member(1)[[1, 1]], 14.0);
        let mut scratch = Array2::zeros((0, 0));
        let mut out = Array2::zeros((2, 6));
        write_stacked(out.view_mut(), 3, &mut scratch, |mut m| m.assign(&a.m));
        assert_eq!(out, row_major);
    }
}
