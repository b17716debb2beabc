//! # ndnet-trainer
//!
//! The loop a Keras or PyTorch user expects, for any ndnet [`Model`](ndnet_layers::Model), in
//! three parts:
//!
//! - **data**: CSV [`Dataset`]s with named columns, seeded [`Split`]s, the preprocessing
//!   [`Pipeline`] fitted on training rows ([`Standardizer`]s), [`Prepared`] arrays, and
//!   reshuffled mini-[`Batches`] gathered into reused buffers;
//! - **fit**: the [`Trainer`] and its [`Callback`]s (printing, progress bar, [`EarlyStopping`],
//!   [`LrScheduler`], reduce-on-plateau, [`Checkpointer`], yours), the [`History`] written as CSV
//!   and SVG, [`Metrics`] in original units, resumable [`Checkpoint`]s and safetensors weights;
//! - **compare**: [`run_sweep`]s of independent runs on every core, [`Shard`]s of a sweep for a
//!   batch scheduler and their [`merge_shards`], mean ± sd [`CurveStats`] over seeds and their plot.
//!
//! ```no_run
//! use ndnet_layers::{Mse, Sequential};
//! use ndnet_optim::{RmsProp, RmsPropConfig};
//! use ndnet_trainer::*;
//! use rand::SeedableRng;
//!
//! let data = Dataset::from_csv("data/housing.csv", "price", Some(&["livingArea", "bathrooms"]))?;
//! let p = Prepared::<f32>::new(&data, 0.15, 0.15, 42, Standardize::All)?;
//! let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 32)?;
//! let mut model = Sequential::mlp(&[2, 10, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(42))?;
//! let mut opt = RmsProp::new(RmsPropConfig::keras(0.001))?;
//! let mut trainer = Trainer::new(TrainerConfig::new(100))?;
//! trainer.fit(&mut model, &Mse, &mut opt, &mut batches, Some((&p.val_x, &p.val_y)))?;
//! println!("{}", Metrics::compute(&p.predict_original(&mut model, &p.test_x)?, &p.split.test.y));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod atomic;
mod charts;
mod error;
mod fingerprint;
mod plot;

mod data {
    pub mod batches;
    pub mod cell;
    pub mod dataset;
    pub mod pipeline;
    pub mod prepare;
    pub mod profile;
    pub mod split;
    pub mod standardizer;
    pub mod table;
    pub mod target;
}

mod fit {
    pub mod architecture;
    pub mod callback;
    pub mod checkpoint;
    pub mod checkpointer;
    pub mod conformal;
    pub mod early_stopping;
    pub mod history;
    pub mod lr_scheduler;
    pub mod metadata;
    pub mod metrics;
    pub mod predict;
    pub mod progress;
    pub mod saved_model;
    pub mod trainer;
    pub mod weights;
}

mod export {
    pub mod onnx;
    mod protobuf;
}

mod compare {
    pub mod curves;
    pub mod sweep;
}

// Short paths for the crate's own use (`crate::checkpoint::bad`, …).
use fit::checkpoint;

pub use atomic::write_atomic;
pub use charts::{plot_confusion, plot_folds, plot_predicted_vs_actual, plot_roc};
pub use compare::curves::{CurveStats, mean_sd, plot_mean_sd};
pub use compare::sweep::{
    Shard, SweepJob, SweepRun, curves_csv, merge_shards, read_curves, run_parallel, run_sweep, write_shard,
};
pub use data::batches::Batches;
pub use data::cell::{Cell, MISSING_MARKERS};
pub use data::dataset::Dataset;
pub use data::pipeline::{
    ColumnEncoder, DataSummary, EncodeCounts, Missing, Pipeline, PipelineConfig, UnknownCategory,
};
pub use data::prepare::{Prepared, SplitRows, Standardize};
pub use data::profile::{ColumnCheck, ColumnProfile, Finding, InputReport};
pub use data::split::Split;
pub use data::standardizer::Standardizer;
pub use data::table::Table;
pub use data::target::{MAX_AUTO_CLASSES, TargetEncoder, Task, probabilities};
pub use error::{Result, Setting, TrainError};
pub use export::onnx::{ONNX_ML_OPSET, ONNX_OPSET, export_onnx, write_onnx};
pub use fit::architecture::{Architecture, MAX_CATEGORIES, MAX_HIDDEN_LAYERS, MAX_PARAMS, MAX_WIDTH};
pub use fit::callback::{Callback, Context, load_state, save_state};
pub use fit::checkpoint::{CHECKPOINT_FORMAT, CHECKPOINT_VERSION, Checkpoint};
pub use fit::checkpointer::Checkpointer;
pub use fit::conformal::{
    Calibration, IntervalScore, MAX_SPREAD_INPUTS, Spread, Uncertainty, calibration_rows_needed, conformal_quantile,
    interval_coverage, set_coverage,
};
pub use fit::early_stopping::{Best, EarlyStopping};
pub use fit::history::{EpochRecord, History};
pub use fit::lr_scheduler::LrScheduler;
pub use fit::metadata::{RunMetadata, Settings};
pub use fit::metrics::{ClassMetrics, Evaluation, Metrics, roc_curve};
pub use fit::predict::{
    predict_csv, predict_table, predict_with_uncertainty, predicted_classes, prediction_columns, set_text,
    write_predictions,
};
pub use fit::progress::{EpochPrinter, ProgressBar};
pub use fit::saved_model::load_model;
pub use fit::trainer::{ModelParams, Trainer, TrainerConfig};
pub use fit::weights::{METADATA_KEY, load_safetensors, read_safetensors_metadata, save_safetensors};
