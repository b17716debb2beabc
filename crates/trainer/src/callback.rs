//! [`Callback`]: the per-epoch hooks of a [`Trainer`](crate::Trainer), after Keras'
//! `Callback.on_epoch_end(epoch, logs)`. Printing, the progress bar, early stopping, learning-rate
//! schedules, reduce-on-plateau and checkpoints are callbacks; so is anything you write.
//!
//! ```
//! use ndnet_layers::{Model, Mse, Sequential};
//! use ndnet_optim::{RmsProp, RmsPropConfig};
//! use ndnet_trainer::{Batches, Callback, Context, Result, Trainer, TrainerConfig};
//! use rand::SeedableRng;
//!
//! /// Stops once the training loss is below a target: a user's own stop rule.
//! struct StopBelow(f64);
//!
//! impl<F: ndarray::NdFloat> Callback<F> for StopBelow {
//!     fn name(&self) -> &'static str { "StopBelow" }
//!     fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
//!         if ctx.record().train_loss < self.0 {
//!             ctx.stop(format!("training loss below {}", self.0));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let x = ndarray::Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j) % 7) as f64 / 7.0);
//! let y = x.map_axis(ndarray::Axis(1), |r| 2.0 * r[0] - r[1]).insert_axis(ndarray::Axis(1));
//! let mut model = Sequential::mlp(&[2, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let mut opt = RmsProp::new(RmsPropConfig::keras(0.05)).unwrap();
//! let mut trainer = Trainer::new(TrainerConfig::new(500).with_verbose(false)).unwrap().with_callback(StopBelow(1e-3));
//! trainer.fit(&mut model, &Mse, &mut opt, &mut Batches::new(x, y, 16).unwrap(), None).unwrap();
//! assert!(trainer.epoch() < 500);
//! assert!(trainer.history().epochs.last().unwrap().train_loss < 1e-3);
//! ```

use std::path::{Path, PathBuf};

use ndarray::NdFloat;
use ndnet_layers::Model;
use ndnet_optim::Optimizer;

use crate::{EpochRecord, History, Result};

/// Hooks a [`Trainer`](crate::Trainer) calls around every epoch, in the order the callbacks
/// were added (the built-in ones first, a checkpoint writer last). Every hook has a default
/// that does nothing.
///
/// A callback with state that a resumed run needs (a best loss, a counter) returns it from
/// [`state`](Callback::state); the checkpoint stores it under [`name`](Callback::name) and
/// [`load_state`](Callback::load_state) gets it back — for the built-in callbacks in
/// [`Trainer::resume`](crate::Trainer::resume), for yours in
/// [`Trainer::with_callback`](crate::Trainer::with_callback) — so the resumed run is
/// bit-identical. [`save_state`] and [`load_state`] turn a typed state to and from the stored
/// JSON:
///
/// ```
/// use ndnet_trainer::{Callback, Context, Result, load_state, save_state};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Default, Serialize, Deserialize)]
/// struct Seen { epochs: u64 }
///
/// /// Counts the epochs it has seen, across a resume.
/// #[derive(Default)]
/// struct Counter(Seen);
///
/// impl<F: ndarray::NdFloat> Callback<F> for Counter {
///     fn name(&self) -> &'static str { "Counter" }
///     fn on_epoch_end(&mut self, _: &mut Context<'_, F>) -> Result<()> {
///         self.0.epochs += 1;
///         Ok(())
///     }
///     fn state(&self) -> serde_json::Value { save_state(&self.0) }
///     fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
///         self.0 = load_state("Counter", state)?;
///         Ok(())
///     }
/// }
/// # let mut c = Counter::default();
/// # <Counter as Callback<f32>>::load_state(&mut c, serde_json::json!({"epochs": 3})).unwrap();
/// # assert_eq!(c.0.epochs, 3);
/// ```
///
/// With `ndnet` as the only dependency, derive through its re-export:
/// `#[derive(ndnet::serde::Serialize, ndnet::serde::Deserialize)] #[serde(crate = "ndnet::serde")]`.
pub trait Callback<F: NdFloat>: Send {
    /// A short name; the key of this callback's state in checkpoints.
    fn name(&self) -> &'static str;

    /// Before an epoch's first batch (a learning-rate schedule sets the rate here).
    fn on_epoch_begin(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Before each batch's optimizer step, with the run's step count (0 for the first batch of
    /// the first epoch): a per-step learning-rate schedule sets the rate here. Nothing may
    /// allocate here once training runs (a step allocates nothing).
    fn on_batch_begin(&mut self, step: u64, optimizer: &mut dyn Optimizer<F>) -> Result<()> {
        let _ = (step, optimizer);
        Ok(())
    }

    /// After an epoch and its validation: `ctx.record()` holds its numbers.
    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Once, after the last epoch or a stop.
    fn on_train_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// The state a resumed run needs (`Null` for none).
    fn state(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Restores what [`state`](Callback::state) returned; errors when it does not fit.
    fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
        let _ = state;
        Ok(())
    }
}

/// A callback's typed state as the JSON a checkpoint stores (`Null` if it cannot be encoded,
/// which a derived `Serialize` of plain fields never is).
pub fn save_state<T: serde::Serialize>(state: &T) -> serde_json::Value {
    serde_json::to_value(state).unwrap_or_default()
}

/// A callback's typed state back from a checkpoint; the error names `callback` and what does
/// not fit.
pub fn load_state<T: serde::de::DeserializeOwned>(callback: &str, state: serde_json::Value) -> Result<T> {
    serde_json::from_value(state).map_err(|e| crate::error::checkpoint_state(callback, e))
}

/// What a callback sees and may change: the run so far, the model and the optimizer, and two
/// requests to the trainer (stop; write a checkpoint).
pub struct Context<'a, F: NdFloat> {
    /// The epoch this call is about (1-based).
    pub epoch: u64,
    /// The epoch the run ends at unless stopped.
    pub epochs: u64,
    /// Every finished epoch; during `on_epoch_end` the last one is this epoch's.
    pub history: &'a History,
    /// The model being trained.
    pub model: &'a mut dyn Model<F>,
    /// Its optimizer (e.g. to set the learning rate).
    pub optimizer: &'a mut dyn Optimizer<F>,
    pub(crate) stop: &'a mut Option<String>,
    pub(crate) checkpoint: &'a mut Option<PathBuf>,
}

impl<F: NdFloat> Context<'_, F> {
    /// This epoch's record.
    ///
    /// # Panics
    /// In `on_epoch_begin` of the first epoch, when there is no record yet.
    #[track_caller]
    pub fn record(&self) -> &EpochRecord {
        self.history.epochs.last().expect("Context::record: no epoch has finished yet")
    }

    /// The loss that stopping and plateau rules watch: validation loss, or training loss when
    /// there is no validation data.
    #[track_caller]
    pub fn monitored_loss(&self) -> f64 {
        let r = self.record();
        r.val_loss.unwrap_or(r.train_loss)
    }

    /// Asks the trainer to stop after this epoch; `reason` is printed when printing is on.
    pub fn stop(&mut self, reason: impl Into<String>) {
        self.stop.get_or_insert_with(|| reason.into());
    }

    /// Whether a stop has been asked for (by this callback or an earlier one).
    pub fn stopping(&self) -> bool {
        self.stop.is_some()
    }

    /// Whether this is the run's last epoch: the configured count is reached or a stop was asked.
    pub fn is_last(&self) -> bool {
        self.epoch >= self.epochs || self.stopping()
    }

    /// Asks the trainer to write a checkpoint of the whole run to `path` once every callback has
    /// seen this epoch (so every callback's state in it is up to date). Written atomically.
    pub fn save_checkpoint(&mut self, path: &Path) {
        *self.checkpoint = Some(path.to_path_buf());
    }
}
