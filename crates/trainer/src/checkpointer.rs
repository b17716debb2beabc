//! [`Checkpointer`]: write a resumable checkpoint every N epochs and at the end.
//!
//! ```
//! use ndnet_trainer::TrainerConfig;
//! let config = TrainerConfig::new(100).with_checkpoint("runs/ckpt.json", 5);
//! assert_eq!(config.checkpoint.unwrap().1, 5);
//! ```

use std::path::PathBuf;

use ndarray::NdFloat;

use crate::{Callback, Context, Result};

/// Asks for a checkpoint after every `every`-th epoch and after the last one (also when a run
/// stops early). The trainer writes it atomically once every callback has seen the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpointer {
    /// Where the checkpoint goes.
    pub path: PathBuf,
    /// Epochs between checkpoints (≥ 1).
    pub every: u64,
}

impl<F: NdFloat> Callback<F> for Checkpointer {
    fn name(&self) -> &'static str {
        "Checkpointer"
    }

    fn on_epoch_end(&mut self, ctx: &mut Context<'_, F>) -> Result<()> {
        if ctx.epoch.is_multiple_of(self.every) || ctx.is_last() {
            ctx.save_checkpoint(&self.path);
        }
        Ok(())
    }
}
