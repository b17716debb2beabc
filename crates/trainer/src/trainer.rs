//! [`Trainer`]: epochs of mini-batches for any [`Sequential`] + [`Loss`] + [`Optimizer`].
//!
//! ```
//! use ndnet_layers::{DenseConfig, Mse, Sequential};
//! use ndnet_optim::{RmsProp, RmsPropConfig};
//! use ndnet_trainer::{Batches, Trainer, TrainerConfig};
//! use rand::SeedableRng;
//! let x = ndarray::Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j) % 7) as f32 / 7.0);
//! let y = x.map_axis(ndarray::Axis(1), |r| 2.0 * r[0] - r[1]).insert_axis(ndarray::Axis(1));
//! let mut model = Sequential::new().push(DenseConfig::new(2, 1).init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap());
//! let mut opt = RmsProp::new(RmsPropConfig::keras(0.05)).unwrap();
//! let mut batches = Batches::new(x, y, 16).unwrap();
//! let mut trainer = Trainer::new(TrainerConfig::new(30).with_verbose(false)).unwrap();
//! trainer.fit(&mut model, &Mse, &mut opt, &mut batches, None).unwrap();
//! let h = &trainer.history().epochs;
//! assert!(h.last().unwrap().train_loss < h[0].train_loss / 10.0);
//! ```

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array2, NdFloat};
use ndnet_layers::{Loss, Sequential};
use ndnet_optim::{Optimizer, Param, Params, Schedule};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::checkpoint::{CHECKPOINT_FORMAT, CHECKPOINT_VERSION, Checkpoint, NamedTensors, dtype_name};
use crate::{Batches, EpochRecord, History, Result, Standardizer, TrainError};

/// A [`Sequential`]'s parameters as the optimizer sees them ([`Params`]).
pub struct ModelParams<'a, F: NdFloat>(pub &'a mut Sequential<F>);

impl<F: NdFloat> Params<F> for ModelParams<'_, F> {
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> ndnet_optim::Result<()> {
        self.0.visit_params_mut(&mut |_, p| f(Param { shape: p.shape, value: p.value, grad: p.grad }));
        Ok(())
    }
}

/// Stop when the monitored loss (validation, or training when there is no validation data)
/// has not improved by more than `min_delta` for `patience` epochs (Keras' `EarlyStopping`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement tolerated.
    pub patience: u64,
    /// The smallest decrease that counts as improvement.
    pub min_delta: f64,
    /// Put the best epoch's parameters back when stopping (or at the end).
    pub restore_best: bool,
}

/// How a [`Trainer`] runs, with `with_*` setters.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerConfig {
    /// Epochs to run in total (a resumed run counts the epochs already done).
    pub epochs: u64,
    /// Reshuffle the rows every epoch.
    pub shuffle: bool,
    /// Seed of the shuffling RNG.
    pub seed: u64,
    /// Learning rate per epoch, from the optimizer's rate at the start.
    pub schedule: Schedule,
    /// Early stopping, when wanted.
    pub early_stopping: Option<EarlyStopping>,
    /// Write a checkpoint to this path every so many epochs.
    pub checkpoint: Option<(PathBuf, u64)>,
    /// Print `Epoch N, Loss: …` after every epoch.
    pub verbose: bool,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
}

impl TrainerConfig {
    /// `epochs` epochs, shuffled with seed 0, printing each epoch.
    pub fn new(epochs: u64) -> Self {
        TrainerConfig {
            epochs,
            shuffle: true,
            seed: 0,
            schedule: Schedule::Constant,
            early_stopping: None,
            checkpoint: None,
            verbose: true,
            progress: true,
        }
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
    /// Sets the schedule.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }
    /// Sets early stopping.
    pub fn with_early_stopping(mut self, early_stopping: Option<EarlyStopping>) -> Self {
        self.early_stopping = early_stopping;
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
}

/// Runs epochs and keeps what a checkpoint needs: RNG, history, early-stopping state.
pub struct Trainer<F: NdFloat> {
    config: TrainerConfig,
    rng: ChaCha8Rng,
    history: History,
    base_lr: Option<f64>,
    best: Option<(f64, u64, NamedTensors<F>)>,
    /// Stored in checkpoints: the feature standardiser.
    pub feature_scaler: Option<Standardizer>,
    /// Stored in checkpoints: the target standardiser.
    pub target_scaler: Option<Standardizer>,
    /// Stored in checkpoints: the program's own settings.
    pub run_config: serde_json::Value,
}

impl<F: NdFloat + Serialize + DeserializeOwned> Trainer<F> {
    /// A fresh trainer; errors when `epochs` is 0 or a setting is out of range.
    pub fn new(config: TrainerConfig) -> Result<Self> {
        if config.epochs == 0 {
            return Err(crate::error::config("epochs", 0, "≥ 1"));
        }
        if let Some((_, 0)) = config.checkpoint {
            return Err(crate::error::config("checkpoint interval", 0, "≥ 1 epoch"));
        }
        if let Some(es) = config.early_stopping
            && !(es.min_delta >= 0.0 && es.min_delta.is_finite())
        {
            return Err(crate::error::config("min_delta", es.min_delta, "≥ 0 and finite"));
        }
        config.schedule.validate()?;
        Ok(Trainer {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            config,
            history: History::default(),
            base_lr: None,
            best: None,
            feature_scaler: None,
            target_scaler: None,
            run_config: serde_json::Value::Null,
        })
    }

    /// A trainer that continues `checkpoint`: parameters and optimizer state are put back into
    /// `model` and `optimizer` (names and shapes checked), and RNG, history and early-stopping
    /// state are restored, so the rest of the run is bit-identical to one never interrupted.
    pub fn resume(
        config: TrainerConfig,
        checkpoint: Checkpoint<F>,
        path: &std::path::Path,
        model: &mut Sequential<F>,
        optimizer: &mut dyn Optimizer<F>,
    ) -> Result<Self> {
        checkpoint.apply(path, model, optimizer)?;
        let mut t = Trainer::new(config)?;
        t.rng = checkpoint.rng;
        t.history = checkpoint.history;
        t.base_lr = Some(checkpoint.base_learning_rate);
        t.best = checkpoint.best;
        t.feature_scaler = checkpoint.feature_scaler;
        t.target_scaler = checkpoint.target_scaler;
        t.run_config = checkpoint.config;
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

    /// Trains until `config.epochs` epochs are done (or early stopping stops it).
    ///
    /// Errors with [`TrainError::Diverged`] at the first NaN or infinite batch loss (the last
    /// checkpoint written stays as it was), or when data and model do not fit.
    pub fn fit(
        &mut self,
        model: &mut Sequential<F>,
        loss: &dyn Loss<F>,
        optimizer: &mut dyn Optimizer<F>,
        train: &mut Batches<F>,
        validation: Option<(&Array2<F>, &Array2<F>)>,
    ) -> Result<()> {
        let base_lr = *self.base_lr.get_or_insert(optimizer.learning_rate());
        let bar = (self.config.progress && !self.config.verbose && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(self.config.epochs);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} epochs {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        while self.epoch() < self.config.epochs {
            let epoch = self.epoch() + 1;
            optimizer.set_learning_rate(self.config.schedule.learning_rate(base_lr, epoch - 1))?;
            let start = Instant::now();
            let train_loss = self.run_epoch(epoch, model, loss, optimizer, train)?;
            let val_loss = match validation {
                Some((x, y)) => {
                    let out = model.forward(x.view())?;
                    Some(loss.loss(out, y.view())?.to_f64().unwrap_or(f64::NAN))
                }
                None => None,
            };
            let record = EpochRecord {
                epoch,
                train_loss,
                val_loss,
                learning_rate: optimizer.learning_rate(),
                seconds: start.elapsed().as_secs_f64(),
            };
            self.history.epochs.push(record);
            if self.config.verbose {
                match val_loss {
                    Some(v) => println!("Epoch {epoch}, Loss: {train_loss:.4}, Val loss: {v:.4}"),
                    None => println!("Epoch {epoch}, Loss: {train_loss:.4}"),
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(epoch);
                bar.set_message(format!("loss {train_loss:.4}"));
            }
            let stop = self.early_stop(model, val_loss.unwrap_or(train_loss));
            if let Some((path, every)) = &self.config.checkpoint
                && (epoch.is_multiple_of(*every) || stop || epoch == self.config.epochs)
            {
                self.checkpoint(model, optimizer).save(path)?;
            }
            if stop {
                if self.config.verbose {
                    println!("Early stopping after epoch {epoch}");
                }
                break;
            }
        }
        if let (Some(es), Some((_, _, best))) = (self.config.early_stopping, &self.best)
            && es.restore_best
        {
            model.restore(best)?;
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(())
    }

    /// One pass over every batch: forward, loss, backward, optimizer step. Returns the mean
    /// loss over the epoch's samples. Allocates nothing once the model, optimizer and batch
    /// buffers have seen a first batch.
    pub fn run_epoch(
        &mut self,
        epoch: u64,
        model: &mut Sequential<F>,
        loss: &dyn Loss<F>,
        optimizer: &mut dyn Optimizer<F>,
        batches: &mut Batches<F>,
    ) -> Result<f64> {
        batches.reorder(self.config.shuffle.then_some(&mut self.rng));
        let mut total = 0.0;
        for b in 0..batches.len() {
            let (x, y) = batches.get(b);
            let value = model.forward_backward(x, y, loss)?.to_f64().unwrap_or(f64::NAN);
            if !value.is_finite() {
                return Err(TrainError::Diverged {
                    epoch,
                    batch: b + 1,
                    loss: value,
                    learning_rate: optimizer.learning_rate(),
                });
            }
            total += value * x.nrows() as f64;
            optimizer.step(&mut ModelParams(model))?;
        }
        Ok(total / batches.rows() as f64)
    }

    /// Updates the early-stopping state with this epoch's monitored loss; true to stop.
    fn early_stop(&mut self, model: &Sequential<F>, monitored: f64) -> bool {
        let Some(es) = self.config.early_stopping else { return false };
        match &mut self.best {
            Some((best, bad, params)) => {
                if monitored < *best - es.min_delta {
                    (*best, *bad, *params) = (monitored, 0, model.snapshot());
                } else {
                    *bad += 1;
                }
                *bad >= es.patience
            }
            None => {
                self.best = Some((monitored, 0, model.snapshot()));
                false
            }
        }
    }

    /// Everything needed to resume after the last completed epoch.
    pub fn checkpoint(&self, model: &Sequential<F>, optimizer: &dyn Optimizer<F>) -> Checkpoint<F> {
        Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            version: CHECKPOINT_VERSION,
            epoch: self.epoch(),
            dtype: dtype_name::<F>().into(),
            params: model.snapshot(),
            optimizer: optimizer.state(),
            rng: self.rng.clone(),
            base_learning_rate: self.base_lr.unwrap_or_else(|| optimizer.learning_rate()),
            history: self.history.clone(),
            best: self.best.clone(),
            feature_scaler: self.feature_scaler.clone(),
            target_scaler: self.target_scaler.clone(),
            config: self.run_config.clone(),
        }
    }
}
