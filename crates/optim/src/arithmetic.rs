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
//! - Keras 3 evaluates the formulas as written, one rounding per operation (`Plain`).

use serde::{Deserialize, Serialize};

/// The operation order (and fusing) an optimizer reproduces. Presets choose it; it changes
/// only rounding, never the mathematics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Arithmetic {
    /// One rounding per written operation (Keras 3).
    #[default]
    Plain,
    /// Fused multiply-adds where PyTorch's CPU kernels fuse.
    PyTorch,
    /// TF1 kernels' incremental accumulator updates.
    Tf1,
    /// optax's chain of transformations.
    Optax,
}
