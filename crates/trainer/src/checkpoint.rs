//! [`Checkpoint`]: everything needed to resume a run bit for bit, in one versioned JSON file.
//!
//! Model parameters (by name), the model's other state (running statistics, dropout streams),
//! optimizer state, the trainer's RNG, history, every callback's
//! state (early stopping's best epoch, reduce-on-plateau's counters, the schedule's base rate),
//! and the run's metadata (the preprocessing pipeline and the program's own settings). Written atomically; loading checks
//! the format, version and number type, and applying checks every parameter's name and shape.
//!
//! ```
//! use ndnet_layers::Sequential;
//! use ndnet_optim::{Sgd, SgdConfig};
//! use ndnet_trainer::{Checkpoint, Trainer, TrainerConfig};
//! use rand::SeedableRng;
//! let model = Sequential::<f32>::mlp(&[2, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let opt = Sgd::<f32>::new(SgdConfig::new(0.1)).unwrap();
//! let ckpt = Trainer::new(TrainerConfig::new(1)).unwrap().checkpoint(&model, &opt);
//! let path = std::env::temp_dir().join("ndnet-checkpoint-doc.json");
//! ckpt.save(&path).unwrap();
//! assert_eq!(Checkpoint::<f32>::load(&path).unwrap(), ckpt);
//! assert!(Checkpoint::<f64>::load(&path).unwrap_err().to_string().contains("holds f32 parameters, the model is f64"));
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::NdFloat;
use ndnet_layers::{Model, NamedState, NamedTensors};
use ndnet_optim::{Optimizer, OptimizerState};
use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::io;
use crate::{History, Result, RunMetadata, TrainError};
use ndnet_files::write_atomic;

/// The `format` field every checkpoint carries.
pub const CHECKPOINT_FORMAT: &str = "ndnet-checkpoint";
/// The checkpoint layout this version reads and writes (2: callbacks' state and the pipeline;
/// 3: the model's state that is not a parameter).
pub const CHECKPOINT_VERSION: u32 = 3;

/// `"f32"` or `"f64"`: the name of a float type in files (checkpoints, safetensors messages).
pub(crate) fn dtype_name<F>() -> &'static str {
    if std::mem::size_of::<F>() == 4 { "f32" } else { "f64" }
}

/// A resumable snapshot of a training run. Made by [`Trainer::checkpoint`](crate::Trainer::checkpoint)
/// (and the checkpoint callback), read by [`Checkpoint::load`]; its format, version and number
/// type are set when it is made and checked when it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "F: Serialize", deserialize = "F: DeserializeOwned"))]
pub struct Checkpoint<F> {
    format: String,
    version: u32,
    dtype: String,
    epoch: u64,
    params: NamedTensors<F>,
    state: NamedState<F>,
    optimizer: OptimizerState<F>,
    rng: ChaCha8Rng,
    history: History,
    callbacks: BTreeMap<String, serde_json::Value>,
    metadata: RunMetadata,
}

/// The contents of a checkpoint, apart from the format fields.
pub(crate) struct Parts<F> {
    pub epoch: u64,
    pub params: NamedTensors<F>,
    pub state: NamedState<F>,
    pub optimizer: OptimizerState<F>,
    pub rng: ChaCha8Rng,
    pub history: History,
    pub callbacks: BTreeMap<String, serde_json::Value>,
    pub metadata: RunMetadata,
}

impl<F: NdFloat + Serialize + DeserializeOwned> Checkpoint<F> {
    pub(crate) fn new(p: Parts<F>) -> Self {
        Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            version: CHECKPOINT_VERSION,
            dtype: dtype_name::<F>().into(),
            epoch: p.epoch,
            params: p.params,
            state: p.state,
            optimizer: p.optimizer,
            rng: p.rng,
            history: p.history,
            callbacks: p.callbacks,
            metadata: p.metadata,
        }
    }

    pub(crate) fn into_parts(self) -> Parts<F> {
        let c = self;
        Parts {
            epoch: c.epoch,
            params: c.params,
            state: c.state,
            optimizer: c.optimizer,
            rng: c.rng,
            history: c.history,
            callbacks: c.callbacks,
            metadata: c.metadata,
        }
    }

    /// Epochs completed.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Model parameters by name, e.g. `("0.weight", …)`.
    pub fn params(&self) -> &NamedTensors<F> {
        &self.params
    }

    /// The model's state that is not a parameter, by name, e.g. `("1.running_mean", …)`.
    pub fn state(&self) -> &NamedState<F> {
        &self.state
    }

    /// Optimizer state.
    pub fn optimizer(&self) -> &OptimizerState<F> {
        &self.optimizer
    }

    /// The epochs so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The state each callback that has one saved, by callback name.
    pub fn callback_states(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.callbacks
    }

    /// The run's metadata: the preprocessing pipeline and the program's settings.
    pub fn metadata(&self) -> &RunMetadata {
        &self.metadata
    }

    /// Writes the checkpoint as JSON, atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string(self).map_err(|e| bad(path, format!("cannot encode: {e}")))?;
        let json = ndnet_files::seal(&json, &ndnet_files::sha256_hex([json.as_bytes()])).into_bytes();
        Ok(write_atomic(path, &json)?)
    }

    /// Reads and checks a checkpoint: JSON, format, version and number type.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read(path).map_err(io(path))?;
        Self::from_bytes(&text, path)
    }

    /// [`Checkpoint::load`] on a file's bytes; `path` names it in errors.
    pub fn from_bytes(text: &[u8], path: &Path) -> Result<Self> {
        let text = std::str::from_utf8(text).map_err(|_| bad(path, "not a checkpoint: not UTF-8 JSON text".into()))?;
        let (covered, digest) = ndnet_files::unseal(text);
        if let Some(expected) = digest
            && ndnet_files::sha256_hex([covered.as_bytes()]) != expected
        {
            let message = "the file is damaged: its contents do not match the digest it was written with (a byte changed after ndnet wrote it)";
            return Err(bad(path, message.into()));
        }
        let value: serde_json::Value = serde_json::from_str(&covered)
            .map_err(|e| bad(path, format!("not a checkpoint: invalid or truncated JSON ({e})")))?;
        let model_format = value.get("metadata").and_then(|m| m.get("format")).and_then(serde_json::Value::as_u64);
        check_sealed(text, model_format, path)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(CHECKPOINT_FORMAT) {
            return Err(bad(path, format!("not an ndnet checkpoint (no \"format\": \"{CHECKPOINT_FORMAT}\")")));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(CHECKPOINT_VERSION) => {}
            other => {
                let found = other.map_or("missing".into(), |v| v.to_string());
                return Err(bad(
                    path,
                    format!("checkpoint version {found}, this ndnet reads version {CHECKPOINT_VERSION}"),
                ));
            }
        }
        if let Some(d) = value.get("dtype").and_then(|d| d.as_str())
            && d != dtype_name::<F>()
        {
            return Err(bad(path, format!("checkpoint holds {d} parameters, the model is {}", dtype_name::<F>())));
        }
        serde_json::from_value(value).map_err(|e| bad(path, format!("malformed checkpoint: {e}")))
    }

    /// Writes the parameters and the other state into `model` and the state into `optimizer`,
    /// after checking every name and shape; on error nothing is changed.
    pub fn apply(&self, path: &Path, model: &mut dyn Model<F>, optimizer: &mut dyn Optimizer<F>) -> Result<()> {
        let (saved, saved_state) = (model.snapshot(), model.state_snapshot());
        model.restore(&self.params).map_err(|e| bad(path, format!("does not fit the model: {e}")))?;
        if let Err(e) = model.restore_state(&self.state) {
            model.restore(&saved)?;
            return Err(bad(path, format!("does not fit the model: {e}")));
        }
        if let Err(e) = optimizer.load_state(&self.optimizer) {
            model.restore(&saved)?;
            model.restore_state(&saved_state)?;
            return Err(bad(path, format!("optimizer state does not fit: {e}")));
        }
        Ok(())
    }
}

pub(crate) fn bad(path: &Path, message: String) -> TrainError {
    TrainError::Checkpoint { path: path.to_path_buf(), message }
}

/// Refuses a stored JSON text that ndnet wrote with a seal but that has none now: one whose
/// model format has seals (2 on) or that still names the seal's field. Files from before the
/// seal hold neither and are read unchecked; without this rule a byte that breaks the seal
/// would make a damaged file read as such an older one.
pub(crate) fn check_sealed(stored: &str, model_format: Option<u64>, path: &Path) -> Result<()> {
    let sealed = ndnet_files::unseal(stored).1.is_some();
    if sealed || (model_format.unwrap_or(1) < 2 && !stored.contains(ndnet_files::SEAL_FIELD)) {
        return Ok(());
    }
    let message =
        "the file is damaged: it was written with a seal (a digest of its contents) and the seal is missing or broken";
    Err(bad(path, message.into()))
}
