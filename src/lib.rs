//! # ndnet
//!
//! A small deep-learning framework on [`ndarray`]: layers with hand-written backward passes and
//! model descriptions ([`layers`]), optimizers that reproduce PyTorch, Keras, TF1 and optax to the
//! last digit ([`optim`]), tabular data and its preprocessing ([`data`]), a trainer with
//! checkpoints, metrics and cross-validation ([`trainer`]), ONNX export ([`export`]), charts
//! ([`charts`]) and comparison sweeps ([`sweep`]).
//!
//! `ndarray`, `rand`, `rand_chacha`, `serde` and `serde_json` are re-exported, so research code
//! depends on `ndnet` alone and uses the same versions ndnet does (a callback's saved state
//! derives `ndnet::serde`'s traits with `#[serde(crate = "ndnet::serde")]`); [`prelude`] holds
//! the everyday names.
//!
//! ```
//! use ndnet::prelude::*;
//! let mut rng = ChaCha8Rng::seed_from_u64(0);
//! let mut model = Sequential::<f64>::mlp(&[2, 8, 1], &mut rng).unwrap();
//! let x = ndarray::array![[0.0, 1.0], [1.0, 0.0]];
//! let y = ndarray::array![[1.0], [-1.0]];
//! let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
//! assert!(loss.is_finite());
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use ndarray;
pub use ndnet_charts as charts;
pub use ndnet_data as data;
pub use ndnet_export as export;
pub use ndnet_files as files;
pub use ndnet_gradcheck as gradcheck;
pub use ndnet_kernels as kernels;
pub use ndnet_layers as layers;
pub use ndnet_optim as optim;
pub use ndnet_sweep as sweep;
pub use ndnet_tabular as tabular;
pub use ndnet_trainer as trainer;
pub use rand;
pub use rand_chacha;
pub use serde;
pub use serde_json;

/// The names most programs need, in one import: the model trait, layers, model descriptions,
/// losses and initialisers; optimizers, their configs and schedules; tabular data; the trainer
/// and its metrics; and the RNG a seed goes into.
pub mod prelude {
    pub use ndnet_data::{
        Dataset, Pipeline, PipelineConfig, Prepared, Split, Standardize, Table, TargetEncoder, Task, probabilities,
    };
    pub use ndnet_layers::{
        Activation, BatchNorm1d, BceWithLogits, Buffer, ClassWeighted, CrossEntropy, Dense, DenseConfig, DenseSpec,
        Dropout, Embedding, EmbeddingConfig, Huber, Init, Layer, LayerDesc, LayerNorm, LayerSpec, LeakyRelu, Loss, Mae,
        Mode, Model, ModelSpec, Mse, ParamName, Registry, RegressionLoss, Relu, Sequential, Sigmoid, Tanh,
    };
    pub use ndnet_optim::{
        Adam, AdamConfig, AdamPreset, Clip, Optimizer, OptimizerOptions, OptimizerSpec, ReduceOnPlateau, RmsProp,
        RmsPropConfig, RmsPropPreset, Schedule, Sgd, SgdConfig, WeightDecay,
    };
    pub use ndnet_trainer::{
        Architecture, Batches, Callback, ClassMetrics, Context, EarlyStopping, History, Metrics, ModelParams,
        PredictOriginal, RunMetadata, Trainer, TrainerConfig,
    };
    pub use rand::SeedableRng;
    pub use rand_chacha::ChaCha8Rng;
}

/// The README's Rust blocks, compiled and run as doc-tests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The Rust guide's blocks (`docs/rust.md`), as doc-tests.
#[doc = include_str!("../docs/rust.md")]
#[cfg(doctest)]
pub struct RustGuideDoctests;
