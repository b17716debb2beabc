//! State that is not a parameter: a layer's running statistics and counters (BatchNorm's
//! `running_mean`, `running_var`, `num_batches_tracked`, Dropout's mask stream). The optimizer
//! never sees it; checkpoints save and restore it, so a resumed run is the uninterrupted one, and
//! safetensors files hold the part PyTorch's state dict has, under PyTorch's names.
//!
//! ```
//! use ndnet_layers::{BatchNorm1d, Layer, StateValue};
//! let bn = BatchNorm1d::<f32>::new(3);
//! let mut names = Vec::new();
//! bn.visit_state(&mut |name, value, _| names.push((name, matches!(value, StateValue::Count(0)))));
//! assert_eq!(names, [("running_mean", false), ("running_var", false), ("num_batches_tracked", true)]);
//! ```

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD};
use serde::{Deserialize, Serialize};

/// One state entry, read-only: a tensor of the model's float type, or a count (PyTorch keeps
/// `num_batches_tracked` as an int64 tensor; a count above 2²⁴ would not survive an f32).
#[derive(Debug, Clone, PartialEq)]
pub enum StateValue<'a, F> {
    /// A float tensor, e.g. a running mean.
    Tensor(ArrayViewD<'a, F>),
    /// A whole number, e.g. batches seen.
    Count(u64),
}

/// One state entry, writable.
#[derive(Debug, PartialEq)]
pub enum StateValueMut<'a, F> {
    /// A float tensor, e.g. a running mean.
    Tensor(ArrayViewMutD<'a, F>),
    /// A whole number, e.g. batches seen.
    Count(&'a mut u64),
}

/// Where a state entry is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// In checkpoints and in safetensors files: part of PyTorch's state dict (a persistent
    /// buffer), so `load_state_dict(strict=True)` expects it.
    Everywhere,
    /// In checkpoints only: ndnet's own (Dropout's mask stream), which PyTorch does not keep.
    CheckpointOnly,
}

/// An owned copy of one state entry: what [`Model::state_snapshot`](crate::Model::state_snapshot)
/// returns and checkpoints store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SavedState<F> {
    /// A float tensor.
    Tensor(ArrayD<F>),
    /// A whole number.
    Count(u64),
}

impl<F: Clone> SavedState<F> {
    /// An owned copy of `value`.
    pub fn of(value: StateValue<'_, F>) -> Self {
        match value {
            StateValue::Tensor(t) => SavedState::Tensor(t.to_owned()),
            StateValue::Count(n) => SavedState::Count(n),
        }
    }

    /// The shape (`[]` for a count).
    pub fn shape(&self) -> &[usize] {
        match self {
            SavedState::Tensor(t) => t.shape(),
            SavedState::Count(_) => &[],
        }
    }

    /// Writes this into `target` when both are of the same kind and shape; false (nothing written)
    /// otherwise.
    pub fn write_into(&self, target: StateValueMut<'_, F>) -> bool {
        match (self, target) {
            (SavedState::Tensor(saved), StateValueMut::Tensor(mut t)) if saved.shape() == t.shape() => {
                t.assign(saved);
                true
            }
            (SavedState::Count(saved), StateValueMut::Count(n)) => {
                *n = *saved;
                true
            }
            _ => false,
        }
    }

    /// `"count"` or the tensor's shape, for messages.
    pub fn describe(&self) -> String {
        match self {
            SavedState::Tensor(t) => format!("a tensor of shape {:?}", t.shape()),
            SavedState::Count(_) => "a count".to_string(),
        }
    }
}
