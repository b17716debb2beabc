//! [`RunMetadata`]: what a run stores beside its weights — the preprocessing pipeline, the
//! model's architecture, its test metrics and the program's [`Settings`] — in every checkpoint
//! and in the safetensors metadata, so either file alone says how to rebuild the model and
//! prepare new rows for it.
//!
//! ```
//! use ndnet_trainer::{RunMetadata, Settings};
//! #[derive(serde::Serialize)]
//! struct Flags { hidden: usize, lr: Option<f64>, data: String }
//! let then = Settings::of(&Flags { hidden: 10, lr: Some(0.001), data: "h.csv".into() });
//! let now = Settings::of(&Flags { hidden: 10, lr: Some(0.01), data: "h.csv".into() });
//! assert_eq!(then.get("hidden"), Some("10"));
//! assert_eq!(then.differences(&now), ["lr: 0.001 in the checkpoint, 0.01 now"]);
//! let m = RunMetadata::default().with_settings(then);
//! assert!(m.pipeline.is_none());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use ndnet_data::Pipeline;
use ndnet_layers::ModelSpec;

use crate::{Architecture, Calibration, Evaluation};

/// A program's settings as name → value text, sorted by name: what a resumed run must agree on,
/// and what a refusal names when it does not. Values are JSON text, strings without quotes,
/// an absent option `none`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings(pub BTreeMap<String, String>);

impl Settings {
    /// The fields of `value` (a struct of flags) as settings; a value that is not a struct gives
    /// no settings.
    pub fn of(value: &impl Serialize) -> Self {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "none".to_string(),
            other => other.to_string(),
        };
        let fields = match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
            _ => BTreeMap::new(),
        };
        Settings(fields)
    }

    /// These settings less `names` (the ones a resumed run may change).
    pub fn without(mut self, names: &[&str]) -> Self {
        names.iter().for_each(|n| {
            self.0.remove(*n);
        });
        self
    }

    /// Sets one setting.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.insert(name.to_string(), value.into());
        self
    }

    /// The value of setting `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Each setting that differs between these (a checkpoint's) and `now`, as
    /// `name: A in the checkpoint, B now`, sorted by name.
    pub fn differences(&self, now: &Settings) -> Vec<String> {
        let names: std::collections::BTreeSet<&String> = self.0.keys().chain(now.0.keys()).collect();
        let shown = |v: Option<&String>| v.map_or("absent".to_string(), |v| v.clone());
        names
            .into_iter()
            .filter(|n| self.0.get(*n) != now.0.get(*n))
            .map(|n| format!("{n}: {} in the checkpoint, {} now", shown(self.0.get(n)), shown(now.0.get(n))))
            .collect()
    }
}

/// The model file format this ndnet writes, and the newest it reads: 2 added the model
/// description's registry kinds, ensembles and the seal.
pub const MODEL_FORMAT: u32 = 2;

/// A model file's format number (see [`MODEL_FORMAT`]); a new value is this ndnet's.
///
/// ```
/// use ndnet_trainer::{ModelFormat, MODEL_FORMAT};
/// assert_eq!(ModelFormat::default().0, MODEL_FORMAT);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelFormat(pub u32);

impl Default for ModelFormat {
    fn default() -> Self {
        Self(MODEL_FORMAT)
    }
}

fn first_format() -> ModelFormat {
    ModelFormat(1)
}

/// The preprocessing pipeline, the model's architecture, its test metrics and the program's
/// settings of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMetadata {
    /// The model file format the metadata follows ([`MODEL_FORMAT`] when written; 1 in files
    /// that predate the field). A file of a newer format is refused on load by name.
    #[serde(default = "first_format")]
    pub format: ModelFormat,
    /// How rows are prepared for the model, when the run had one.
    pub pipeline: Option<Pipeline>,
    /// What the model is: the layer specs, enough to rebuild it for the weights.
    #[serde(default)]
    pub model: Option<ModelSpec>,
    /// What the model was, in files written before model descriptions (an MLP record); read
    /// only, through [`RunMetadata::model_spec`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<Architecture>,
    /// The program's own settings (e.g. its command line).
    #[serde(default)]
    pub settings: Settings,
    /// The model's test metrics when it was saved, when the run had test rows.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// The conformal calibration of the model's intervals or prediction sets, when it has one.
    #[serde(default)]
    pub calibration: Option<Calibration>,
}

impl RunMetadata {
    /// Sets the pipeline.
    pub fn with_pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipeline = Some(pipeline);
        self
    }

    /// Sets the model description.
    pub fn with_model(mut self, model: ModelSpec) -> Self {
        self.model = Some(model);
        self
    }

    /// Sets the model description to the MLP `architecture` describes.
    pub fn with_architecture(self, architecture: Architecture) -> Self {
        self.with_model(architecture.spec())
    }

    /// The model description: the stored one, or the one an older file's MLP record makes.
    pub fn model_spec(&self) -> Option<ModelSpec> {
        self.model.clone().or_else(|| self.architecture.as_ref().map(Architecture::spec))
    }

    /// Sets the test metrics.
    pub fn with_evaluation(mut self, evaluation: Option<Evaluation>) -> Self {
        self.evaluation = evaluation;
        self
    }

    /// Sets the calibration.
    pub fn with_calibration(mut self, calibration: Option<Calibration>) -> Self {
        self.calibration = calibration;
        self
    }

    /// Sets the program's settings.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }
}
