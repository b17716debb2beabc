//! The one error type of the layers crate.

use thiserror::Error;

/// Everything that can go wrong when building or running layers.
///
/// Shapes are written `rows × columns`; a message always names what was expected and what came.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LayerError {
    /// A batch's column count does not match what a layer takes.
    #[error("{context}: expected {expected} input columns, got {actual}")]
    Width {
        /// Where the mismatch was found, e.g. `layer 2 (Dense)`.
        context: String,
        /// Columns the layer takes.
        expected: usize,
        /// Columns that came.
        actual: usize,
    },
    /// Two arrays that must have the same shape do not.
    #[error("{context}: expected shape {} × {}, got {} × {}", expected.0, expected.1, actual.0, actual.1)]
    Shape {
        /// Where the mismatch was found, e.g. `Mse target`.
        context: String,
        /// The shape that was needed.
        expected: (usize, usize),
        /// The shape that came.
        actual: (usize, usize),
    },
    /// A batch with no rows (or no columns).
    #[error("{context}: the batch is empty ({rows} × {cols}); it needs at least one row and one column")]
    EmptyBatch {
        /// Where the empty batch arrived.
        context: String,
        /// Rows that came.
        rows: usize,
        /// Columns that came.
        cols: usize,
    },
    /// A model with no layers was asked to run.
    #[error("the model has no layers")]
    EmptyModel,
    /// `backward` was called without a matching `forward` before it.
    #[error("backward called before forward (or with a batch of {actual} rows after a forward of {expected})")]
    NoForward {
        /// Rows of the last forward batch (0 when there was none).
        expected: usize,
        /// Rows given to backward.
        actual: usize,
    },
    /// A parameter tensor given to a model does not match the model's own, by name or shape.
    #[error(
        "parameter {index}: the model has `{expected_name}` of shape {expected_shape:?}, got `{actual_name}` of shape {actual_shape:?}"
    )]
    Param {
        /// Position in the model's parameter order.
        index: usize,
        /// The model's name for it, e.g. `0.weight`.
        expected_name: String,
        /// The model's shape for it.
        expected_shape: Vec<usize>,
        /// The name that came.
        actual_name: String,
        /// The shape that came.
        actual_shape: Vec<usize>,
    },
    /// A different number of parameter tensors than the model has.
    #[error("the model has {expected} parameter tensors, got {actual}")]
    ParamCount {
        /// Tensors in the model.
        expected: usize,
        /// Tensors that came.
        actual: usize,
    },
    /// A state entry given to a model does not match the model's own, by name, kind or shape.
    #[error("state entry {index}: the model has `{expected_name}` ({expected}), got `{actual_name}` ({actual})")]
    State {
        /// Position in the model's state order.
        index: usize,
        /// The model's name for it, e.g. `1.running_mean`.
        expected_name: String,
        /// What the model holds there, e.g. `a tensor of shape [10]`.
        expected: String,
        /// The name that came.
        actual_name: String,
        /// What came.
        actual: String,
    },
    /// A different number of state entries than the model has.
    #[error("the model has {expected} state entries, got {actual}")]
    StateCount {
        /// Entries in the model.
        expected: usize,
        /// Entries that came.
        actual: usize,
    },
    /// A layer of a model description that cannot be used, with why.
    #[error("layer {index} ({kind}): {source}")]
    Layer {
        /// The layer's position in the model.
        index: usize,
        /// Its kind's name.
        kind: String,
        /// What is wrong with it.
        source: Box<LayerError>,
    },
    /// A layer was configured with an impossible size or value.
    #[error("invalid {name} = {value}: allowed {allowed}")]
    Config {
        /// The parameter, e.g. `Dense inputs`.
        name: String,
        /// The value given.
        value: String,
        /// The allowed range, e.g. `≥ 1`.
        allowed: String,
    },
}

/// Result alias of the layers crate.
pub type Result<T> = std::result::Result<T, LayerError>;

pub(crate) fn check_not_empty(context: &str, rows: usize, cols: usize) -> Result<()> {
    if rows == 0 || cols == 0 {
        return Err(LayerError::EmptyBatch { context: context.to_string(), rows, cols });
    }
    Ok(())
}

/// `width` when a layer of `features` features (`kind`) can take it; an error naming both otherwise.
pub(crate) fn same_width(kind: &str, features: usize, width: usize) -> Result<usize> {
    if width != features {
        return Err(LayerError::Width { context: kind.to_string(), expected: features, actual: width });
    }
    Ok(width)
}

/// A setting as the layer's float type when `ok`; an error naming it and its allowed range otherwise.
pub(crate) fn setting<F: ndarray::NdFloat>(name: &str, value: f64, ok: bool, allowed: &str) -> Result<F> {
    match F::from(value) {
        Some(v) if ok => Ok(v),
        _ => Err(LayerError::Config { name: name.into(), value: value.to_string(), allowed: allowed.into() }),
    }
}
