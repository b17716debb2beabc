//! What the numerical embeddings share: which input columns a layer embeds, the checks on them,
//! and how the output is laid out — each embedded column's vector in column order, then every
//! other input column as it came.

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};
use ndnet_layers::{LayerError, Result};

/// Checks that `columns` are sorted, without repeats, at least one, and below `input_width`.
pub(crate) fn check_columns(kind: &str, columns: &[usize], input_width: usize) -> Result<()> {
    let bad = |allowed: String| LayerError::Config {
        name: format!("{kind} columns"),
        value: format!("{columns:?}"),
        allowed,
    };
    if columns.is_empty() {
        return Err(bad("at least one column".into()));
    }
    if columns.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad("increasing column indices".into()));
    }
    if columns[columns.len() - 1] >= input_width {
        return Err(bad(format!("indices below the input width {input_width}")));
    }
    Ok(())
}

/// The input columns a layer passes through, in order: every one not in `columns`.
pub(crate) fn passed(columns: &[usize], input_width: usize) -> Vec<usize> {
    (0..input_width).filter(|c| columns.binary_search(c).is_err()).collect()
}

/// Copies the passed-through columns into the output after the `first` embedding outputs.
pub(crate) fn pass_forward<F: NdFloat>(
    passed: &[usize],
    first: usize,
    input: &ArrayView2<'_, F>,
    output: &mut ArrayViewMut2<'_, F>,
) {
    for (k, &c) in passed.iter().enumerate() {
        output.column_mut(first + k).assign(&input.column(c));
    }
}

/// The passed-through columns' input gradient, from the output gradient after `first`.
pub(crate) fn pass_backward<F: NdFloat>(
    passed: &[usize],
    first: usize,
    grad_output: &ArrayView2<'_, F>,
    grad_input: &mut ArrayViewMut2<'_, F>,
) {
    for (k, &c) in passed.iter().enumerate() {
        grad_input.column_mut(c).assign(&grad_output.column(first + k));
    }
}
