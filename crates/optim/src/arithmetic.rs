//! Which framework's operation order an update rule follows, down to the rounding.
//!
//! The same formula rounds differently depending on how it is evaluated. These are the orders
//! measured against each framework's own output (`crates/optim/tests/fixtures.rs`):
//!
//! - PyTorch's CPU kernels for `add_(x, alpha=a)` and `lerp_` are fused multiply-adds (one
//!   rounding), so its presets use `mul_add` there.
//! - TF1's `ApplyRMSProp` kernel updates the accumulator as `v += (g² − v)·(1 − ρ)`, and TF1
//!   converts every hyper-parameter to a float32 tensor before casting it to the variable's type.
//! - optax scales by `g · (1/√(v + ε))`, then by `−η`, then adds the momentum trace.
//! - Keras 3 evaluates the formulas as written, one rounding per operation, and on the
//!   TensorFlow backend casts SGD's momentum and every weight decay from a Python float through a
//!   float32 tensor, even for float64 variables (`Keras`).
//!
//! The float32 rounding of hyper-parameters is done at every step ([`Arithmetic::through_f32`]),
//! so a preset changed with a `with_*` setter, or a learning rate set by a schedule, is rounded
//! as the framework would round it.

use serde::{Deserialize, Serialize};

/// The operation order (and fusing) an optimizer reproduces. Presets choose it; it changes
/// only rounding, never the mathematics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Arithmetic {
    /// One rounding per written operation, hyper-parameters as given.
    #[default]
    Plain,
    /// Keras 3 on TensorFlow: as written, SGD momentum and weight decay rounded through float32.
    Keras,
    /// Fused multiply-adds where PyTorch's CPU kernels fuse.
    PyTorch,
    /// TF1 kernels' incremental accumulator updates.
    Tf1,
    /// optax's chain of transformations.
    Optax,
}

impl Arithmetic {
    /// A hyper-parameter as the framework uses it: TF1 rounds every one through float32; Keras
    /// only those it casts (`keras_casts`: SGD's momentum, weight decay); others keep `v`.
    pub(crate) fn through_f32(self, v: f64, keras_casts: bool) -> f64 {
        match self {
            Arithmetic::Tf1 => f64::from(v as f32),
            Arithmetic::Keras if keras_casts => f64::from(v as f32),
            _ => v,
        }
    }
}
