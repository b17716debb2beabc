//! Rows of a row-major table copied, in a given order, into a feature-major batch: a shuffled
//! mini-batch, gathered once per batch of every epoch.
//!
//! ```
//! use ndnet_kernels::gather::gather_rows;
//! let table = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0]; // three rows of two
//! let mut batch = [0.0; 4];
//! gather_rows(&table, 2, &[2, 0], &mut batch);
//! assert_eq!(batch, [4.0, 0.0, 5.0, 1.0]); // column 0 of rows 2 and 0, then column 1
//! ```

use ndarray::NdFloat;

use crate::microkernel;

/// `batch[c·n + b] = table[order[b]·width + c]` for every `b < n = order.len()` and `c < width`.
/// For f32 tables up to 16 columns wide on an AVX-512 (AVX2) CPU, 16 (8) rows at a time are
/// loaded and transposed in registers; otherwise four columns are copied per pass over the rows.
///
/// # Panics
/// When an index in `order` is not a row of `table`, or `batch` does not hold `n · width` values.
#[track_caller]
pub fn gather_rows<F: NdFloat>(table: &[F], width: usize, order: &[usize], batch: &mut [F]) {
    assert_eq!(batch.len(), order.len() * width, "gather: {} values for {} rows of {width}", batch.len(), order.len());
    // The register copy checks every index itself (and copies nothing when one is out of the
    // table), so the scan for the panic message runs only without it.
    if microkernel::gather(table, width, order, batch) {
        return;
    }
    // Zero columns read nothing, so any order is in bounds.
    if let (Some(rows), Some(&last)) = (table.len().checked_div(width), order.iter().max()) {
        assert!(last < rows, "gather: row {last} of a {rows}-row table");
    }
    gather_by_columns(table, width, order, batch);
}

/// `batch[c·n + b] = table[order[b]·width + c]`. Four columns per pass over the rows: every
/// store is adjacent to the last one of its column, each row's offset is computed once per
/// pass, and the batch's rows stay in L1 after the first pass.
fn gather_by_columns<F: NdFloat>(table: &[F], width: usize, order: &[usize], batch: &mut [F]) {
    if order.is_empty() {
        return;
    }
    let mut columns = batch.chunks_exact_mut(order.len());
    let mut c = 0;
    while c + 4 <= width {
        let (c0, c1, c2, c3) = (next(&mut columns), next(&mut columns), next(&mut columns), next(&mut columns));
        let cells = c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut().zip(c3.iter_mut()));
        for (((d0, d1), (d2, d3)), &r) in cells.zip(order) {
            let [v0, v1, v2, v3] = *table[r * width + c..].first_chunk().expect("a row of the table");
            (*d0, *d1, *d2, *d3) = (v0, v1, v2, v3);
        }
        c += 4;
    }
    for (column, c) in columns.zip(c..) {
        for (d, &r) in column.iter_mut().zip(order) {
            *d = table[r * width + c];
        }
    }
}

fn next<'a, F>(columns: &mut std::slice::ChunksExactMut<'a, F>) -> &'a mut [F] {
    columns.next().expect("one column of the batch per column of the table")
}
