//! Binary cross-entropy on logits, PyTorch's `BCEWithLogitsLoss()`: per element
//! `max(z, 0) − z·y + log(1 + e^(−|z|))` (never `exp` of a large number, so logits of ±1e4 give
//! finite values), averaged over every element; `dL/dz = (σ(z) − y) / N`. Targets are
//! probabilities in [0, 1], usually 0 or 1.
//!
//! ```
//! use ndnet_layers::{BceWithLogits, Loss};
//! use ndarray::{array, Array2};
//! let (z, y) = (array![[0.0], [1e4]], array![[1.0], [0.0]]);
//! let mut g = Array2::zeros((2, 1));
//! let loss: f64 = BceWithLogits.loss_and_grad(z.view(), y.view(), g.view_mut()).unwrap();
//! assert!((loss - (2f64.ln() + 1e4) / 2.0).abs() < 1e-9);
//! assert_eq!(g, array![[-0.25], [0.5]]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::layers::activation::sigmoid;
use crate::loss::elementwise_mean;
use crate::{Loss, Result};

/// Binary cross-entropy on logits, averaged over every element.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BceWithLogits;

/// `max(z, 0) − z·y + log(1 + e^(−|z|))`.
fn bce<F: NdFloat>(z: F, y: F) -> F {
    z.max(F::zero()) - z * y + (-z.abs()).exp().ln_1p()
}

impl<F: NdFloat> Loss<F> for BceWithLogits {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        elementwise_mean("BceWithLogits", prediction, target, None, bce, |_, _, _| F::zero())
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        elementwise_mean("BceWithLogits", prediction, target, Some(grad), bce, |z, y, n| (sigmoid(z) - y) / n)
    }
}
