//! # ndnet-optim
//!
//! SGD, RMSprop, Adam and Adagrad over plain `ndarray` arrays of any dimension, with every option PyTorch and
//! Keras offer and presets that reproduce each framework's numbers. No dependency on the layers
//! crate: anything that can list its tensors as `(value, gradient)` slices ([`Params`]) can be
//! optimised.
//!
//! ## RMSprop presets
//!
//! | preset | reproduces | ρ | ε | ε placement | v₀ | momentum | weight decay |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | [`RmsPropConfig::pytorch`] | `torch.optim.RMSprop` | 0.99 | 1e-8 | `g/(√v+ε)` | 0 | `b←μb+g/d; θ←θ−ηb` | L2 on the gradient |
//! | [`RmsPropConfig::keras`] | `keras.optimizers.RMSprop` (Keras 3) | 0.9 | 1e-7 | `g/√(v+ε)` | 0 | `b←μb+ηg/d; θ←θ−b` | decoupled `θ←θ−ηλθ` |
//! | [`RmsPropConfig::tf1`] | `tf.compat.v1.train.RMSPropOptimizer` | 0.9 | 1e-10 | `g/√(v+ε)` | 1 | `b←μb+ηg/d; θ←θ−b` | — |
//! | [`RmsPropConfig::optax`] | `optax.rmsprop` | 0.9 | 1e-8 | `g/√(v+ε)` | 0 | `b←μb+ηg/d; θ←θ−b` | — |
//! | [`RmsPropConfig::textbook`] | θ ← θ − α·g/√(v + ε) | 0.9 | 1e-8 | `g/√(v+ε)` | 0 | — | — |
//!
//! Centered variants divide by `v − m²` (m the gradient's moving average) in place of `v`.
//! Each preset's trajectories are replayed against reference values produced by the framework
//! itself (`tools/optim_fixtures.py`, `crates/optim/tests/fixtures.rs`).
//!
//! ## SGD
//!
//! [`SgdConfig::pytorch`] follows `torch.optim.SGD` (momentum buffer starting at the first
//! gradient, dampening, Nesterov, L2 weight decay, maximize); [`SgdConfig::keras`] follows
//! `keras.optimizers.SGD` (learning rate inside the buffer, which starts at zero).
//!
//! ## Example: minimise a function given as closures
//!
//! ```
//! use ndarray::array;
//! use ndnet_optim::{Optimizer, RmsProp, RmsPropConfig};
//!
//! // f(x) = (x₀ − 3)² + 10·(x₁ + 1)²
//! let grad = |x: &ndarray::Array1<f64>| array![2.0 * (x[0] - 3.0), 20.0 * (x[1] + 1.0)];
//! let mut x = array![0.0, 0.0];
//! let mut opt = RmsProp::new(RmsPropConfig::pytorch(0.01)).unwrap();
//! for _ in 0..2000 {
//!     let mut g = grad(&x);
//!     opt.step(&mut [(&mut x, &mut g)]).unwrap();
//! }
//! assert!((x[0] - 3.0).abs() < 0.05 && (x[1] + 1.0).abs() < 0.05, "{x}");
//! ```
//!
//! State is per parameter slot, checked against the parameter's shape on every step, and
//! serialisable ([`OptimizerState`]): save mid-run, load, and the run continues bit for bit.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod adagrad;
mod adam;
mod arithmetic;
mod clip;
mod error;
mod optimizer;
mod params;
mod preset;
mod registry;
mod rmsprop;
mod schedule;
mod sgd;
mod state;
mod weight_decay;

pub use ndnet_kernels::{simd, threads};

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig, AdamPreset, BiasCorrection};
pub use arithmetic::Arithmetic;
pub use clip::Clip;
pub use error::{OptimError, Result, short};
pub use optimizer::{Optim, Optimizer, Rule};
pub use params::{Param, Params};
pub use registry::{
    EPS, Hyper, Hyperparameters, MOMENTUM, OPTIMIZERS, OptimizerKind, OptimizerOptions, OptimizerSpec, WEIGHT_DECAY,
    entry_names, named, named_spec, optimizer_help,
};
pub use rmsprop::{EpsPlacement, MomentumStyle, RHO, RmsProp, RmsPropConfig, RmsPropPreset};
pub use schedule::{ReduceOnPlateau, SCHEDULES, Schedule};
pub use sgd::{Sgd, SgdConfig};
pub use state::{Buffer, OptimizerState, SlotState};
pub use weight_decay::WeightDecay;

/// Data for the unit tests that compare a fast path with the general rule.
#[cfg(test)]
mod test_data {
    /// `scale·sin(i·step)` (or its absolute value, for a second moment) for `i < n`.
    pub(crate) fn wave(n: usize, step: f32, scale: f32, absolute: bool) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * step).sin() * scale).map(|v| if absolute { v.abs() } else { v }).collect()
    }

    /// The bits of each value, for exact comparisons that print where they differ.
    pub(crate) fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|v| v.to_bits()).collect()
    }
}
