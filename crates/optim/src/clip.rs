//! Gradient clipping, applied in place before an update.
//!
//! ```
//! use ndnet_optim::Clip;
//! let mut g = [3.0, 4.0];
//! Clip::Norm(2.5).apply_one(&mut g); // ‖g‖ = 5 → halved
//! assert_eq!(g, [1.5, 2.0]);
//! ```

use ndarray::NdFloat;
use serde::{Deserialize, Serialize};

use crate::error::{Result, check};

/// How gradients are clipped before each update.
///
/// Norm clipping scales by `c / max(‖g‖, c)` — Keras' `clipnorm` / `global_clipnorm`,
/// `tf.clip_by_global_norm`, optax `clip_by_global_norm`. PyTorch's `clip_grad_norm_` divides by
/// `‖g‖ + 1e-6` instead, which differs only in the sixth significant digit of the scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Clip {
    /// Each element to `[−c, c]` (PyTorch `clip_grad_value_`, Keras `clipvalue`).
    Value(f64),
    /// Each tensor to an L2 norm of at most `c` (Keras `clipnorm`).
    Norm(f64),
    /// All tensors together to a global L2 norm of at most `c` (Keras `global_clipnorm`).
    GlobalNorm(f64),
}

impl Clip {
    /// Errors unless the threshold is positive and finite.
    pub fn validate(&self) -> Result<()> {
        let (Clip::Value(c) | Clip::Norm(c) | Clip::GlobalNorm(c)) = *self;
        check("clip threshold", c, c > 0.0 && c.is_finite(), "> 0 and finite")
    }

    /// Clips one tensor by value or by its own norm. A [`Clip::GlobalNorm`] needs every tensor's
    /// norm first: see [`Clip::global_scale`].
    pub fn apply_one<F: NdFloat>(&self, grad: &mut [F]) {
        match *self {
            Clip::Value(c) => {
                let c = cast::<F>(c);
                grad.iter_mut().for_each(|g| *g = g.max(-c).min(c));
            }
            Clip::Norm(c) => {
                let norm = sum_sq(grad).sqrt();
                scale_to(grad, norm, cast(c))
            }
            Clip::GlobalNorm(_) => {}
        }
    }

    /// For a global norm `norm` over all tensors, the factor every gradient is multiplied by.
    pub fn global_scale<F: NdFloat>(c: F, norm: F) -> F {
        c / norm.max(c)
    }
}

pub(crate) fn sum_sq<F: NdFloat>(grad: &[F]) -> F {
    grad.iter().fold(F::zero(), |s, &g| s + g * g)
}

/// Multiplies `grad` by `c / max(norm, c)` when `norm > c`.
pub(crate) fn scale_to<F: NdFloat>(grad: &mut [F], norm: F, c: F) {
    if norm > c {
        let s = Clip::global_scale(c, norm);
        grad.iter_mut().for_each(|g| *g *= s);
    }
}

pub(crate) fn cast<F: NdFloat>(v: f64) -> F {
    F::from(v).unwrap_or_else(F::nan)
}
