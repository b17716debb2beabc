//! Learning rates that change between epochs: [`LrScheduler`] for the closed-form
//! [`Schedule`]s, and `ndnet_optim::ReduceOnPlateau` itself, which is a [`Callback`] too.
//!
//! ```
//! use ndnet_optim::{ReduceOnPlateau, Schedule};
//! use ndnet_trainer::TrainerConfig;
//! let stepped = TrainerConfig::new(30).with_schedule(Schedule::Step { step_size: 10, gamma: 0.5 });
//! let plateau = TrainerConfig::new(30).with_reduce_on_plateau(ReduceOnPlateau::new(0.5, 3).unwrap());
//! assert!(stepped.validate().is_ok() && plateau.validate().is_ok());
//! ```

use ndarray::NdFloat;
use ndnet_optim::{ReduceOnPlateau, Schedule};
use serde::{Deserialize, Serialize};

use crate::error::checkpoint_state;
use crate::{Callback, Context, Result};

/// Sets the optimizer's learning rate from a [`Schedule`] at the start of every epoch (PyTorch's
/// `LRScheduler` stepped per epoch) or, per step, before every batch (the tick is then the
/// run's step count). The base rate is the optimizer's rate when training starts, kept in
/// checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrScheduler {
    /// The schedule.
    pub schedule: Schedule,
    /// Whether a tick is a step (else an epoch).
    pub per_step: bool,
    base: Option<f64>,
}

impl LrScheduler {
    /// A scheduler stepped per epoch whose base rate is taken from the optimizer at the first
    /// epoch.
    pub fn new(schedule: Schedule) -> Self {
        LrScheduler { schedule, per_step: false, base: None }
    }

    /// A scheduler stepped before every batch.
    pub fn per_step(schedule: Schedule) -> Self {
        LrScheduler { schedule, per_step: true, base: None }
    }
}

impl<F: NdFloat> Callback<F> for LrScheduler {
    fn name(&self) -> &'static str {
        "LrScheduler"
    }

    fn on_epoch_begin(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let base = *self.base.get_or_insert(ctx.optimizer.learning_rate());
        if !self.per_step {
            ctx.optimizer.set_learning_rate(self.schedule.learning_rate(base, ctx.epoch - 1))?;
        }
        Ok(())
    }

    fn on_batch_begin(&mut self, step: u64, optimizer: &mut dyn ndnet_optim::Optimizer<F>) -> Result<()> {
        if let (true, Some(base)) = (self.per_step, self.base) {
            optimizer.set_learning_rate(self.schedule.learning_rate(base, step))?;
        }
        Ok(())
    }

    fn state(&self) -> serde_json::Value {
        serde_json::to_value(self.base).unwrap_or_default()
    }

    fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
        self.base = serde_json::from_value(state).map_err(|e| checkpoint_state("LrScheduler", e))?;
        Ok(())
    }
}

/// After every epoch, feeds the monitored loss to the plateau rule and sets the rate it returns.
impl<F: NdFloat> Callback<F> for ReduceOnPlateau {
    fn name(&self) -> &'static str {
        "ReduceOnPlateau"
    }

    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        let lr = self.step(ctx.monitored_loss(), ctx.optimizer.learning_rate());
        ctx.optimizer.set_learning_rate(lr)?;
        Ok(())
    }

    fn state(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
        *self = serde_json::from_value(state).map_err(|e| checkpoint_state("ReduceOnPlateau", e))?;
        Ok(())
    }
}
