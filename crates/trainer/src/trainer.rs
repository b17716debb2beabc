//! [`Trainer`]: epochs of mini-batches for any [`Model`] + [`Loss`] + [`Optimizer`], with the
//! per-epoch work done by [`Callback`]s.
//!
//! ```
//! use ndnet_layers::{Model, Mse, Sequential};
//! use ndnet_optim::{RmsProp, RmsPropConfig};
//! use ndnet_trainer::{Batches, Trainer, TrainerConfig};
//! use rand::SeedableRng;
//! let x = ndarray::Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j) % 7) as f32 / 7.0);
//! let y = x.map_axis(ndarray::Axis(1), |r| 2.0 * r[0] - r[1]).insert_axis(ndarray::Axis(1));
//! let mut model = Sequential::mlp(&[2, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let mut opt = RmsProp::new(RmsPropConfig::keras(0.05)).unwrap();
//! let mut batches = Batches::new(x, y, 16).unwrap();
//! let mut trainer = Trainer::new(TrainerConfig::new(30).with_verbose(false)).unwrap();
//! trainer.fit(&mut model, &Mse, &mut opt, &mut batches, None).unwrap();
//! let h = &trainer.history().epochs;
//! assert!(h.last().unwrap().train_loss < h[0].train_loss / 10.0);
//! ```

use std::any::Any;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array2, NdFloat};
use ndnet_layers::{Loss, Mode, Model};
use ndnet_optim::{Optimizer, Param, Params, ReduceOnPlateau, Schedule};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::config;
use crate::{
    Batches, Callback, Checkpoint, Checkpointer, Context, EarlyStopping, EpochPrinter, EpochRecord, History,
    LrScheduler, ProgressBar, Result, RunMetadata, TrainError,
};

/// A [`Model`]'s parameters as the optimizer sees them ([`Params`]): what research code passes
/// to `Optimizer::step` when it writes its own loop.
///
/// ```
/// use ndnet_layers::{Model, Mse, Sequential};
/// use ndnet_optim::{Optimizer, Sgd, SgdConfig};
/// use ndnet_trainer::ModelParams;
/// use rand::SeedableRng;
/// let mut model = Sequential::<f64>::mlp(&[2, 3, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
/// let (x, y) = (ndarray::array![[1.0, 2.0]], ndarray::array![[0.5]]);
/// let before = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
/// Sgd::new(SgdConfig::new(0.05)).unwrap().step(&mut ModelParams(&mut model)).unwrap();
/// assert!(model.forward_backward(x.view(), y.view(), &Mse).unwrap() < before);
/// ```
pub struct ModelParams<'a, F: NdFloat>(pub &'a mut dyn Model<F>);

impl<F: NdFloat> Params<F> for ModelParams<'_, F> {
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> ndnet_optim::Result<()> {
        self.0.visit_params_mut(&mut |shape, value, grad, _| f(Param { shape, value, grad }));
        Ok(())
    }
}

/// How a [`Trainer`] runs, with `with_*` setters. The options that act between epochs become the
/// trainer's built-in callbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerConfig {
    /// Epochs to run in total (a resumed run counts the epochs already done).
    pub epochs: u64,
    /// Reshuffle the rows every epoch.
    pub shuffle: bool,
    /// Seed of the shuffling RNG.
    pub seed: u64,
    /// Learning rate per epoch (or per step, with `schedule_per_step`), from the optimizer's
    /// rate at the start ([`LrScheduler`]).
    pub schedule: Schedule,
    /// Whether the schedule's tick is a step (a batch) rather than an epoch.
    pub schedule_per_step: bool,
    /// Cut the learning rate when the monitored loss stalls (not together with a `schedule`).
    pub reduce_on_plateau: Option<ReduceOnPlateau>,
    /// Early stopping, when wanted.
    pub early_stopping: Option<EarlyStopping>,
    /// Write a checkpoint to this path every so many epochs ([`Checkpointer`]).
    pub checkpoint: Option<(PathBuf, u64)>,
    /// Print `Epoch N, Loss: …` after every epoch ([`EpochPrinter`]).
    pub verbose: bool,
    /// Show a progress bar when not printing, if stderr is a terminal ([`ProgressBar`]).
    pub progress: bool,
    /// Record the validation accuracy of a classifier each epoch (one logit: class 1 when it is
    /// positive; several: the largest).
    pub val_accuracy: bool,
}

impl TrainerConfig {
    /// `epochs` epochs, shuffled with seed 0, printing each epoch.
    pub fn new(epochs: u64) -> Self {
        TrainerConfig {
            epochs,
            shuffle: true,
            seed: 0,
            schedule: Schedule::Constant,
            schedule_per_step: false,
            reduce_on_plateau: None,
            early_stopping: None,
            checkpoint: None,
            verbose: true,
            progress: true,
            val_accuracy: false,
        }
    }
    /// Sets recording the validation accuracy (for a classifier).
    pub fn with_val_accuracy(mut self, val_accuracy: bool) -> Self {
        self.val_accuracy = val_accuracy;
        self
    }
    /// Sets shuffling.
    pub fn with_shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the schedule, ticking per epoch.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }
    /// Sets the schedule, ticking per step (its `t_max` counts batches).
    pub fn with_step_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self.schedule_per_step = true;
        self
    }
    /// Sets reduce-on-plateau.
    pub fn with_reduce_on_plateau(mut self, rule: ReduceOnPlateau) -> Self {
        self.reduce_on_plateau = Some(rule);
        self
    }
    /// Sets early stopping.
    pub fn with_early_stopping(mut self, early_stopping: EarlyStopping) -> Self {
        self.early_stopping = Some(early_stopping);
        self
    }
    /// Checkpoints to `path` every `every` epochs.
    pub fn with_checkpoint(mut self, path: impl Into<PathBuf>, every: u64) -> Self {
        self.checkpoint = Some((path.into(), every));
        self
    }
    /// Sets per-epoch printing.
    pub fn with_verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
    /// Sets the progress bar.
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Errors naming the first setting out of range.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(config("epochs", 0, "≥ 1"));
        }
        if let Some((_, 0)) = self.checkpoint {
            return Err(config("checkpoint interval", 0, "≥ 1 epoch"));
        }
        if let Some(es) = &self.early_stopping
            && !(es.min_delta >= 0.0 && es.min_delta.is_finite())
        {
            return Err(config("min_delta", es.min_delta, "≥ 0 and finite"));
        }
        self.schedule.validate()?;
        if self.reduce_on_plateau.is_some() && self.schedule != Schedule::Constant {
            return Err(config("schedule", "a schedule and reduce-on-plateau", "one of the two"));
        }
        Ok(())
    }

    /// The built-in callbacks this configuration asks for, in the order they run; the
    /// checkpointer comes last so that a checkpoint sees every other callback's state.
    fn callbacks<F: NdFloat + Serialize + DeserializeOwned>(&self) -> Vec<Box<dyn Held<F>>> {
        let mut out: Vec<Box<dyn Held<F>>> = Vec::new();
        if self.schedule != Schedule::Constant {
            out.push(Box::new(match self.schedule_per_step {
                true => LrScheduler::per_step(self.schedule),
                false => LrScheduler::new(self.schedule),
            }));
        }
        if self.verbose {
            out.push(Box::new(EpochPrinter));
        } else if self.progress {
            out.push(Box::new(ProgressBar::default()));
        }
        if let Some(es) = &self.early_stopping {
            out.push(Box::new(es.clone()));
        }
        if let Some(rule) = self.reduce_on_plateau {
            out.push(Box::new(rule));
        }
        if let Some((path, every)) = &self.checkpoint {
            out.push(Box::new(Checkpointer { path: path.clone(), every: *every }));
        }
        out
    }
}

/// A callback as a [`Trainer`] holds it: able to be handed back as its own type
/// ([`Trainer::callback`]).
trait Held<F: NdFloat>: Callback<F> {
    fn as_any(&self) -> &dyn Any;
}

impl<F: NdFloat, C: Callback<F> + 'static> Held<F> for C {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Which hook a pass over the callbacks calls.
#[derive(Clone, Copy)]
enum Hook {
    EpochBegin,
    EpochEnd,
    TrainEnd,
}

/// Runs epochs and keeps what a checkpoint needs: RNG, history, callbacks' state, and the run's
/// [`RunMetadata`] (the preprocessing pipeline and the program's settings).
///
/// The model trains in [`Mode::Train`]; the validation loss after each epoch is taken in
/// [`Mode::Eval`] (Dropout off, BatchNorm on its running statistics), and `fit` leaves the model
/// in `Mode::Eval`, ready to predict.
pub struct Trainer<F: NdFloat> {
    config: TrainerConfig,
    rng: ChaCha8Rng,
    history: History,
    callbacks: Vec<Box<dyn Held<F>>>,
    /// Where [`Trainer::with_callback`] inserts: before the checkpointer.
    user_at: usize,
    metadata: RunMetadata,
    /// Saved states of a resumed run's callbacks not yet added ([`Trainer::with_callback`]
    /// takes its own from here; `fit` refuses to start while any is left).
    pending: BTreeMap<String, serde_json::Value>,
    /// The checkpoint path of a resumed run, for messages.
    resumed_from: Option<PathBuf>,
    /// A saved state that did not fit its callback: `fit` returns it before training.
    deferred: Option<TrainError>,
}

impl<F: NdFloat + Serialize + DeserializeOwned> Trainer<F> {
    /// A fresh trainer; errors when a setting is out of range.
    pub fn new(config: TrainerConfig) -> Result<Self> {
        config.validate()?;
        let callbacks = config.callbacks();
        let user_at = callbacks.len() - usize::from(config.checkpoint.is_some());
        Ok(Trainer {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            config,
            history: History::default(),
            callbacks,
            user_at,
            metadata: RunMetadata::default(),
            pending: BTreeMap::new(),
            resumed_from: None,
            deferred: None,
        })
    }

    /// Adds a callback of your own. It runs after the built-in ones and before the checkpoint
    /// writer, so its state is in every checkpoint; on a resumed trainer it gets its saved state
    /// back here (a state that does not fit is returned as the error of the next `fit`).
    pub fn with_callback(mut self, callback: impl Callback<F> + 'static) -> Self {
        let mut callback = Box::new(callback);
        if let Some(state) = self.pending.remove(callback.name())
            && let Err(e) = self.load_callback_state(&mut *callback, state)
        {
            self.deferred.get_or_insert(e);
        }
        self.callbacks.insert(self.user_at, callback);
        self.user_at += 1;
        self
    }

    fn load_callback_state(&self, callback: &mut dyn Callback<F>, state: serde_json::Value) -> Result<()> {
        callback.load_state(state).map_err(|e| match (e, &self.resumed_from) {
            (TrainError::Checkpoint { message, .. }, Some(path)) => crate::checkpoint::bad(path, message),
            (other, _) => other,
        })
    }

    /// The callback of type `C` (a built-in one such as [`EarlyStopping`], or one of yours), to
    /// read after `fit`; the first one of that type.
    ///
    /// ```
    /// use ndnet_trainer::{EarlyStopping, Trainer, TrainerConfig};
    /// let config = TrainerConfig::new(10).with_early_stopping(EarlyStopping::new(3));
    /// let trainer = Trainer::<f32>::new(config).unwrap();
    /// assert!(trainer.callback::<EarlyStopping>().unwrap().best().is_none()); // nothing has run yet
    /// ```
    pub fn callback<C: Callback<F> + 'static>(&self) -> Option<&C> {
        self.callbacks.iter().find_map(|cb| cb.as_any().downcast_ref())
    }

    /// The early-stopping rule's best epoch (its epoch, loss and parameters), when the run has
    /// early stopping and an epoch has finished.
    pub fn best(&self) -> Option<&crate::Best> {
        self.callback::<EarlyStopping>()?.best()
    }

    /// Stores the run's metadata (the preprocessing pipeline, the program's settings) in every
    /// checkpoint, so a checkpoint alone is enough to rebuild the model and predict on new rows.
    pub fn with_metadata(mut self, metadata: RunMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// A trainer that continues `checkpoint` (read from `path`, which errors name): parameters
    /// and optimizer state go back into `model` and `optimizer` (names and shapes checked), and
    /// the RNG, history, callbacks' state and metadata are restored, so the rest of the run is
    /// bit-identical to one never interrupted.
    pub fn resume(
        config: TrainerConfig,
        checkpoint: Checkpoint<F>,
        path: &Path,
        model: &mut dyn Model<F>,
        optimizer: &mut dyn Optimizer<F>,
    ) -> Result<Self> {
        checkpoint.apply(path, model, optimizer)?;
        let mut t = Trainer::new(config)?;
        let parts = checkpoint.into_parts();
        t.rng = parts.rng;
        t.history = parts.history;
        t.metadata = parts.metadata;
        t.resumed_from = Some(path.to_path_buf());
        t.pending = parts.callbacks;
        let mut callbacks = std::mem::take(&mut t.callbacks);
        for cb in &mut callbacks {
            if let Some(state) = t.pending.remove(cb.name()) {
                t.load_callback_state(&mut **cb, state)?;
            }
        }
        t.callbacks = callbacks;
        Ok(t)
    }

    /// The epochs run so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Epochs completed.
    pub fn epoch(&self) -> u64 {
        self.history.epochs.last().map_or(0, |e| e.epoch)
    }

    /// The metadata stored with the run.
    pub fn metadata(&self) -> &RunMetadata {
        &self.metadata
    }

    /// Trains until `config.epochs` epochs are done or a callback stops the run.
    ///
    /// Errors with [`TrainError::Diverged`] at the first NaN or infinite batch loss (the last
    /// checkpoint written stays as it was), when data and model do not fit, or when a callback
    /// fails (e.g. a checkpoint cannot be written).
    pub fn fit(
        &mut self,
        model: &mut dyn Model<F>,
        loss: &dyn Loss<F>,
        optimizer: &mut dyn Optimizer<F>,
        train: &mut Batches<'_, F>,
        validation: Option<(&Array2<F>, &Array2<F>)>,
    ) -> Result<()> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        if let Some(name) = self.pending.keys().next() {
            let path = self.resumed_from.clone().unwrap_or_default();
            let message = format!(
                "holds the state of a callback `{name}` that this run does not have: add it with `with_callback` before `fit`"
            );
            return Err(crate::checkpoint::bad(&path, message));
        }
        non_finite_param(model).map_or(Ok(()), |tensor| {
            let when = "before training (from the checkpoint or the initial weights)".to_string();
            Err(TrainError::NonFinite { tensor, when })
        })?;
        let mut stop = None;
        while self.epoch() < self.config.epochs && stop.is_none() {
            let epoch = self.epoch() + 1;
            self.run_hook(Hook::EpochBegin, epoch, model, optimizer, &mut stop)?;
            let start = Instant::now();
            let train_loss = self.run_epoch(epoch, model, loss, optimizer, train)?;
            // The loss watches only the batches it sees: a parameter can go NaN (a ReLU turns
            // NaN into 0) while every loss stays finite.
            if let Some(tensor) = non_finite_param(model) {
                let lr = optimizer.learning_rate();
                let when = format!(
                    "after epoch {epoch} (the loss was finite: the data's scale or the learning rate {lr} is too large)"
                );
                return Err(TrainError::NonFinite { tensor, when });
            }
            model.set_mode(Mode::Eval);
            let accuracy = self.config.val_accuracy;
            let val = validation.map(|(x, y)| validation_loss(model, loss, x, y, accuracy)).transpose()?;
            let (val_loss, val_accuracy) = (val.map(|v| v.0), val.and_then(|v| v.1));
            let seconds = start.elapsed().as_secs_f64();
            let learning_rate = optimizer.learning_rate();
            let record = EpochRecord { epoch, train_loss, val_loss, val_accuracy, learning_rate, seconds };
            self.history.epochs.push(record);
            self.run_hook(Hook::EpochEnd, epoch, model, optimizer, &mut stop)?;
        }
        model.set_mode(Mode::Eval);
        self.run_hook(Hook::TrainEnd, self.epoch(), model, optimizer, &mut stop)
    }

    /// One pass over every batch in [`Mode::Train`]: forward, loss, backward, optimizer step.
    /// Returns the mean loss over the epoch's samples. Allocates nothing once the model,
    /// optimizer and batch buffers have seen a first batch.
    pub fn run_epoch(
        &mut self,
        epoch: u64,
        model: &mut dyn Model<F>,
        loss: &dyn Loss<F>,
        optimizer: &mut dyn Optimizer<F>,
        batches: &mut Batches<'_, F>,
    ) -> Result<f64> {
        model.set_mode(Mode::Train);
        batches.reorder(self.config.shuffle.then_some(&mut self.rng));
        let mut total = 0.0;
        let first_step = (epoch - 1) * batches.len() as u64;
        for b in 0..batches.len() {
            for cb in &mut self.callbacks {
                cb.on_batch_begin(first_step + b as u64, optimizer)?;
            }
            let (x, y) = batches.get(b);
            let value = model.forward_backward(x, y, loss)?.to_f64().unwrap_or(f64::NAN);
            if !value.is_finite() {
                let learning_rate = optimizer.learning_rate();
                return Err(TrainError::Diverged { epoch, batch: b + 1, loss: value, learning_rate });
            }
            total += value * x.nrows() as f64;
            optimizer.step(&mut ModelParams(&mut *model))?;
        }
        Ok(total / batches.rows() as f64)
    }

    /// Calls `hook` on every callback in order, then writes the checkpoint one of them asked for.
    fn run_hook(
        &mut self,
        hook: Hook,
        epoch: u64,
        model: &mut dyn Model<F>,
        optimizer: &mut dyn Optimizer<F>,
        stop: &mut Option<String>,
    ) -> Result<()> {
        let mut checkpoint = None;
        for cb in &mut self.callbacks {
            let mut ctx = Context {
                epoch,
                epochs: self.config.epochs,
                history: &self.history,
                model: &mut *model,
                optimizer: &mut *optimizer,
                stop: &mut *stop,
                checkpoint: &mut checkpoint,
            };
            match hook {
                Hook::EpochBegin => cb.on_epoch_begin(&mut ctx)?,
                Hook::EpochEnd => cb.on_epoch_end(&mut ctx)?,
                Hook::TrainEnd => cb.on_train_end(&mut ctx)?,
            }
        }
        match checkpoint {
            Some(path) => self.checkpoint(model, optimizer).save(&path),
            None => Ok(()),
        }
    }

    /// Everything needed to resume after the last completed epoch.
    pub fn checkpoint(&self, model: &dyn Model<F>, optimizer: &dyn Optimizer<F>) -> Checkpoint<F> {
        let mut callbacks = BTreeMap::new();
        for cb in &self.callbacks {
            let state = cb.state();
            if !state.is_null() {
                callbacks.insert(cb.name().to_string(), state);
            }
        }
        Checkpoint::new(crate::checkpoint::Parts {
            epoch: self.epoch(),
            params: model.snapshot(),
            state: model.state_snapshot(),
            optimizer: optimizer.state(),
            rng: self.rng.clone(),
            history: self.history.clone(),
            callbacks,
            metadata: self.metadata.clone(),
        })
    }
}

/// The name of the first parameter tensor holding NaN or an infinity.
pub(crate) fn non_finite_param<F: NdFloat>(model: &dyn Model<F>) -> Option<String> {
    let mut found = None;
    model.visit_params(&mut |name, value| {
        if found.is_none() && value.iter().any(|v| !v.is_finite()) {
            found = Some(name.to_string());
        }
    });
    found
}

/// The validation loss, and with `accuracy` the share of rows whose class (`y`, an index) the
/// outputs pick: a positive logit for class 1 of one column, else the largest.
fn validation_loss<F: NdFloat>(
    model: &mut dyn Model<F>,
    loss: &dyn Loss<F>,
    x: &Array2<F>,
    y: &Array2<F>,
    accuracy: bool,
) -> Result<(f64, Option<f64>)> {
    let out = model.infer(x.view())?;
    let out = out.view();
    let value = loss.loss(out, y.view())?.to_f64().unwrap_or(f64::NAN);
    if !accuracy || out.nrows() == 0 {
        return Ok((value, None));
    }
    let out = loss.prediction(out)?;
    let class = |row: ndarray::ArrayView1<'_, F>| match row.len() {
        1 => usize::from(row[0] > F::zero()),
        _ => row.iter().enumerate().fold(0, |b, (i, &v)| if v > row[b] { i } else { b }),
    };
    let right = out.rows().into_iter().zip(y.iter()).filter(|(row, t)| t.to_usize() == Some(class(*row))).count();
    Ok((value, Some(right as f64 / out.nrows() as f64)))
}
