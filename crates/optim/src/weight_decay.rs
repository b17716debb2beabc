//! Weight decay: L2 added to the gradient (PyTorch) or decoupled from it (Keras 3, AdamW-style).

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::check;

/// How weight decay λ enters an update.
///
/// ```
/// use ndnet_optim::WeightDecay;
/// assert!(WeightDecay::L2(-1.0).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum WeightDecay {
    /// No decay.
    #[default]
    None,
    /// `g ← g + λθ` before the update (PyTorch's `weight_decay`).
    L2(f64),
    /// `θ ← θ − η·λ·θ` before the update, apart from the gradient (Keras 3's `weight_decay`).
    Decoupled(f64),
}

impl WeightDecay {
    /// Errors unless λ is ≥ 0 and finite.
    pub fn validate(&self) -> Result<()> {
        match *self {
            WeightDecay::None => Ok(()),
            WeightDecay::L2(l) | WeightDecay::Decoupled(l) => {
                check("weight_decay", l, l >= 0.0 && l.is_finite(), "≥ 0 and finite")
            }
        }
    }

    /// (L2 λ, decoupled λ), zero where not used.
    pub(crate) fn split(&self) -> (f64, f64) {
        match *self {
            WeightDecay::None => (0.0, 0.0),
            WeightDecay::L2(l) => (l, 0.0),
            WeightDecay::Decoupled(l) => (0.0, l),
        }
    }
}
