//! The Huber loss, PyTorch's `HuberLoss(delta=δ)`: per element `½d²` where `|d| ≤ δ`, else
//! `δ·(|d| − ½δ)`, averaged over every element; quadratic near the target, linear (robust to
//! outliers) far from it.
//!
//! ```
//! use ndnet_layers::{Huber, Loss};
//! use ndarray::{array, Array2};
//! let (p, t) = (array![[0.5], [3.0]], array![[0.0], [0.0]]);
//! let mut g = Array2::zeros((2, 1));
//! // ½·0.25 = 0.125 and 1·(3 − 0.5) = 2.5, mean 1.3125
//! assert_eq!(Huber::new(1.0).loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap(), 1.3125);
//! assert_eq!(g, array![[0.25], [0.5]]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::loss::pointwise;
use crate::{Loss, Result, cast};

/// Huber loss with threshold δ (PyTorch's default δ is 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Huber {
    /// Where the loss turns from quadratic to linear (> 0).
    pub delta: f64,
}

impl Huber {
    /// Huber loss with threshold `delta`.
    pub fn new(delta: f64) -> Self {
        Huber { delta }
    }
}

impl Default for Huber {
    fn default() -> Self {
        Huber { delta: 1.0 }
    }
}

/// The loss of one element and its derivative.
fn huber<F: NdFloat>(d: F, delta: F) -> (F, F) {
    let half: F = cast(0.5);
    if d.abs() <= delta { (half * d * d, d) } else { (delta * (d.abs() - half * delta), delta * d.signum()) }
}

impl<F: NdFloat> Loss<F> for Huber {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        let delta: F = cast(self.delta);
        pointwise("Huber", prediction, target, None, |p, t| huber(p - t, delta))
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        let delta: F = cast(self.delta);
        pointwise("Huber", prediction, target, Some(grad), |p, t| huber(p - t, delta))
    }
}
