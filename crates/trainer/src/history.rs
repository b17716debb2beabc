//! [`History`]: the per-epoch record of a run, written as CSV (and drawn by `ndnet_charts::plot_loss`).
//!
//! ```
//! use ndnet_trainer::{EpochRecord, History};
//! let mut h = History::default();
//! h.epochs.push(EpochRecord { epoch: 1, train_loss: 0.5, val_loss: Some(0.6), val_accuracy: None, learning_rate: 1e-3, seconds: 0.01 });
//! assert!(h.to_csv().starts_with("epoch,train_loss,val_loss,learning_rate,seconds\n1,0.5,0.6,0.001,0.01"));
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;
use ndnet_files::write_atomic;

/// One epoch's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: u64,
    /// Mean training loss over the epoch's samples (standardised units when the target is).
    pub train_loss: f64,
    /// Validation loss after the epoch, when there is validation data.
    pub val_loss: Option<f64>,
    /// The share of validation rows classified right, for a classifier
    /// ([`TrainerConfig::with_val_accuracy`](crate::TrainerConfig::with_val_accuracy)).
    #[serde(default)]
    pub val_accuracy: Option<f64>,
    /// Learning rate used in the epoch.
    pub learning_rate: f64,
    /// Wall time of the epoch.
    pub seconds: f64,
}

/// Every epoch of a run, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The epochs.
    pub epochs: Vec<EpochRecord>,
}

impl History {
    /// CSV text: `epoch,train_loss,val_loss,learning_rate,seconds` (empty val_loss when none),
    /// with a `val_accuracy` column after `val_loss` when any epoch has one.
    pub fn to_csv(&self) -> String {
        let accuracy = self.epochs.iter().any(|e| e.val_accuracy.is_some());
        let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let mut s = String::from(if accuracy {
            "epoch,train_loss,val_loss,val_accuracy,learning_rate,seconds\n"
        } else {
            "epoch,train_loss,val_loss,learning_rate,seconds\n"
        });
        for e in &self.epochs {
            let val = text(e.val_loss);
            let acc = if accuracy { format!("{},", text(e.val_accuracy)) } else { String::new() };
            s.push_str(&format!("{},{},{val},{acc}{},{}\n", e.epoch, e.train_loss, e.learning_rate, e.seconds));
        }
        s
    }

    /// Writes [`History::to_csv`] to `path`, atomically.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        Ok(write_atomic(path, self.to_csv().as_bytes())?)
    }

    /// Training and validation loss per epoch as `(epoch, loss)` points (validation only where
    /// there was one): what `ndnet_charts::plot_loss` draws.
    pub fn curves(&self) -> (Vec<(u64, f64)>, Vec<(u64, f64)>) {
        let train = self.epochs.iter().map(|e| (e.epoch, e.train_loss)).collect();
        let val = self.epochs.iter().filter_map(|e| e.val_loss.map(|v| (e.epoch, v))).collect();
        (train, val)
    }
}
