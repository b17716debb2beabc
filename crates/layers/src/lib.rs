//! # ndnet-layers
//!
//! Layers with hand-written forward and backward passes over batches (`Array2`, one sample per
//! row), a [`Sequential`] container that owns every buffer a training step needs, the [`Mse`]
//! loss, seeded initialisers and a public finite-difference [`gradcheck`].
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
//! model.visit_params_mut(&mut |name, p| println!("{name}: {:?}, |dL/dθ|₁ = {}", p.shape, p.grad.iter().map(|g| g.abs()).sum::<f32>()));
//! ```
#![warn(missing_docs)]

// Links the BLAS that ndarray's `blas` feature calls (the crate is only a link directive).
#[cfg(feature = "blas")]
extern crate blas_src;

mod activation;
mod bce;
mod buffer;
mod cross_entropy;
mod dense;
mod error;
pub mod gemm;
pub mod gradcheck;
mod huber;
mod init;
mod layer;
mod loss;
mod mae;
mod microkernel;
mod model;
mod mse;
mod sequential;

pub use ndnet_cpu::{simd, threads};

pub use activation::{Activation, LeakyRelu, Relu, Sigmoid, Tanh};
pub use bce::BceWithLogits;
pub use buffer::Buffer;
pub use cross_entropy::CrossEntropy;
pub use dense::{Dense, DenseConfig};
pub use error::{LayerError, Result};
pub use huber::Huber;
pub use init::{Init, cast};
pub use layer::{Layer, ParamMut};
pub use loss::{Loss, RegressionLoss};
pub use mae::Mae;
pub use model::{Model, NamedTensors, ParamName};
pub use mse::Mse;
pub use sequential::Sequential;
