//! [`RunMetadata`]: what a run stores beside its weights — the preprocessing pipeline and the
//! program's own settings — in every checkpoint and in the safetensors metadata, so either file
//! alone says how to rebuild the model and prepare new rows for it.
//!
//! ```
//! use ndnet_trainer::RunMetadata;
//! let m = RunMetadata::default().with_run_config(serde_json::json!({"hidden": 10}));
//! assert_eq!(m.run_config["hidden"], 10);
//! assert!(m.pipeline.is_none());
//! ```

use serde::{Deserialize, Serialize};

use crate::{Architecture, Evaluation, Pipeline};

/// The preprocessing pipeline, the model's architecture and the program's settings of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMetadata {
    /// How rows are prepared for the model, when the run had one.
    pub pipeline: Option<Pipeline>,
    /// What the model is, when it is an [`Architecture`]: enough to rebuild it for the weights.
    #[serde(default)]
    pub architecture: Option<Architecture>,
    /// The program's own settings (e.g. its command line), `Null` when none.
    pub run_config: serde_json::Value,
    /// The model's test metrics when it was saved, when the run had test rows.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
}

impl RunMetadata {
    /// Sets the pipeline.
    pub fn with_pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipeline = Some(pipeline);
        self
    }

    /// Sets the architecture.
    pub fn with_architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = Some(architecture);
        self
    }

    /// Sets the test metrics.
    pub fn with_evaluation(mut self, evaluation: Option<Evaluation>) -> Self {
        self.evaluation = evaluation;
        self
    }

    /// Sets the program's settings.
    pub fn with_run_config(mut self, run_config: serde_json::Value) -> Self {
        self.run_config = run_config;
        self
    }
}
