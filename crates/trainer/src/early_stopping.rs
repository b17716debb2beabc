//! [`EarlyStopping`]: stop when the monitored loss stops improving (Keras' `EarlyStopping`).
//!
//! ```
//! use ndnet_trainer::{EarlyStopping, TrainerConfig};
//! let config = TrainerConfig::new(200).with_early_stopping(EarlyStopping::new(10).with_min_delta(1e-4).with_restore_best(true));
//! assert_eq!(config.early_stopping.unwrap().patience, 10);
//! ```

use ndarray::NdFloat;
use ndnet_layers::{NamedState, NamedTensors, SavedState};
use serde::{Deserialize, Serialize};

use crate::error::checkpoint_state;
use crate::{Callback, Context, Result};

/// Stop when the monitored loss (validation, or training when there is no validation data) has
/// not improved by more than `min_delta` for `patience` epochs; optionally put the best epoch's
/// parameters back at the end. Its state ([`Best`]) is kept in checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement tolerated.
    pub patience: u64,
    /// The smallest decrease that counts as improvement (≥ 0).
    pub min_delta: f64,
    /// Put the best epoch's parameters back when the run ends.
    pub restore_best: bool,
    best: Option<Best>,
}

/// The best epoch so far: what [`EarlyStopping`] remembers between epochs and across a resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// Its monitored loss.
    pub loss: f64,
    /// Its epoch (1-based).
    pub epoch: u64,
    /// Epochs since, none of them better by more than `min_delta`.
    pub epochs_without_improvement: u64,
    /// Its parameters, in `f64` (exact for `f32` and `f64` models).
    pub params: NamedTensors<f64>,
    /// Its model state that is not a parameter (BatchNorm's running statistics), in `f64`:
    /// restored with the parameters, as Keras' `restore_best_weights` restores every weight.
    #[serde(default)]
    pub state: NamedState<f64>,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without improvement; `min_delta` 0, no restore.
    pub fn new(patience: u64) -> Self {
        EarlyStopping { patience, min_delta: 0.0, restore_best: false, best: None }
    }

    /// Sets the smallest decrease that counts as improvement.
    pub fn with_min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Puts the best parameters back at the end (Keras' `restore_best_weights`).
    pub fn with_restore_best(mut self, restore_best: bool) -> Self {
        self.restore_best = restore_best;
        self
    }

    /// The best epoch so far, once one epoch has run.
    pub fn best(&self) -> Option<&Best> {
        self.best.as_ref()
    }
}

fn to_f64<F: NdFloat>(params: NamedTensors<F>) -> NamedTensors<f64> {
    params.into_iter().map(|(n, t)| (n, t.mapv(|v| v.to_f64().unwrap_or(f64::NAN)))).collect()
}

fn state_to_f64<F: NdFloat>(state: NamedState<F>) -> NamedState<f64> {
    let convert = |s| match s {
        SavedState::Tensor(t) => SavedState::Tensor(t.mapv(|v: F| v.to_f64().unwrap_or(f64::NAN))),
        SavedState::Count(n) => SavedState::Count(n),
    };
    state.into_iter().map(|(n, s)| (n, convert(s))).collect()
}

fn state_from_f64<F: NdFloat>(state: &NamedState<f64>) -> NamedState<F> {
    let convert = |s: &SavedState<f64>| match s {
        SavedState::Tensor(t) => SavedState::Tensor(t.mapv(ndnet_layers::cast)),
        SavedState::Count(n) => SavedState::Count(*n),
    };
    state.iter().map(|(n, s)| (n.clone(), convert(s))).collect()
}

impl<F: NdFloat> Callback<F> for EarlyStopping {
    fn name(&self) -> &'static str {
        "EarlyStopping"
    }

    /// Keras' rule: an epoch that improves on the best by more than `min_delta` becomes the best;
    /// any other adds one to the wait, and the run stops once the wait reaches `patience`.
    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let loss = ctx.monitored_loss();
        let improves = |best: &Best| loss < best.loss - self.min_delta; // false for NaN
        match &mut self.best {
            Some(best) if !improves(best) => {
                best.epochs_without_improvement += 1;
                if best.epochs_without_improvement >= self.patience {
                    ctx.stop(format!("Early stopping after epoch {}", ctx.epoch));
                }
            }
            _ => {
                let (params, state) = (to_f64(ctx.model.snapshot()), state_to_f64(ctx.model.state_snapshot()));
                self.best = Some(Best { loss, epoch: ctx.epoch, epochs_without_improvement: 0, params, state });
            }
        }
        Ok(())
    }

    fn on_train_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        if let (true, Some(best)) = (self.restore_best, &self.best) {
            let params: NamedTensors<F> =
                best.params.iter().map(|(n, t)| (n.clone(), t.mapv(ndnet_layers::cast))).collect();
            ctx.model.restore(&params)?;
            ctx.model.restore_state(&state_from_f64(&best.state))?;
        }
        Ok(())
    }

    fn state(&self) -> serde_json::Value {
        serde_json::to_value(&self.best).unwrap_or_default()
    }

    fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
        self.best = serde_json::from_value(state).map_err(|e| checkpoint_state("EarlyStopping", e))?;
        Ok(())
    }
}
