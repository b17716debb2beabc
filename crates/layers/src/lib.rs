//! # ndnet-layers
//!
//! Layers with hand-written forward and backward passes over batches (`Array2`, one sample per
//! row), a [`Sequential`] container that owns every buffer a training step needs, the losses,
//! seeded initialisers, and model descriptions ([`ModelSpec`]) over a [`Registry`] of layer kinds.
//! Backward passes are proven by `ndnet-gradcheck`. Layers that train and
//! predict differently ([`Dropout`], [`BatchNorm1d`]) read the model's [`Mode`]; state that is
//! not a parameter (running statistics) is visited apart from the parameters ([`SavedState`]).
//!
//! Generic over `F: ndarray::NdFloat` (`f32` for training, `f64` for gradient checks).
//!
//! ```
//! use ndnet_layers::{DenseConfig, Model, Mse, Relu, Sequential};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
//! let mut model = Sequential::<f32>::new()
//!     .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
//!     .push(Relu)
//!     .push(DenseConfig::new(10, 1).init(&mut rng).unwrap());
//! let x = ndarray::Array2::<f32>::zeros((32, 10));
//! let y = ndarray::Array2::<f32>::ones((32, 1));
//! let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
//! assert_eq!(loss, 1.0); // zero input, zero biases: every prediction is 0
//! model.visit_params_mut(&mut |shape, _value, grad, name| {
//!     println!("{name}: {shape:?}, |dL/dθ|₁ = {}", grad.iter().map(|g| g.abs()).sum::<f32>())
//! });
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod init;
mod layer;
mod layers;
mod loss;
mod losses;
mod mode;
mod model;
mod model_spec;
pub mod onnx;
mod registry;
mod sequential;
mod spec;
mod state;

pub use ndnet_kernels::{simd, threads};

pub use error::{LayerError, Result};
pub use init::{Init, cast};
pub use layer::Layer;
pub use layers::activation::*;
pub use layers::batch_norm::{BatchNorm1d, BatchNormSpec};
pub use layers::dense::{Dense, DenseConfig, DenseSpec};
pub use layers::dropout::{Dropout, DropoutSpec};
pub use layers::embedding::{Embedding, EmbeddingConfig, EmbeddingSpec, MAX_CATEGORIES};
pub use layers::layer_norm::{LayerNorm, LayerNormSpec};
pub use loss::Loss;
pub use losses::bce::BceWithLogits;
pub use losses::class_weighted::ClassWeighted;
pub use losses::cross_entropy::CrossEntropy;
pub use losses::huber::Huber;
pub use losses::label_smoothing::LabelSmoothing;
pub use losses::mae::Mae;
pub use losses::mse::Mse;
pub use losses::quantile::Quantile;
pub use losses::regression::{LossKind, LossParameter, RegressionLoss};
pub use mode::Mode;
pub use model::{INFER_ROWS, Model, NamedState, NamedTensors, ParamName};
pub use model_spec::{MAX_LAYERS, MAX_PARAMS, MAX_WIDTH, ModelSpec, Resolved, check_width};
pub use ndnet_kernels::Buffer;
pub use registry::Registry;
pub use sequential::{Sequential, Summary, SummaryRow};
pub use spec::{AnyLayerSpec, BoxedLayer, BuildContext, LayerDesc, LayerSpec, Real};
pub use state::{Saved, SavedState, StateValue, StateValueMut};
