//! Mean absolute error (L1), averaged over every element: `L = Σ|ŷ − y| / N` (PyTorch's
//! `L1Loss()`), `dL/dŷ = sign(ŷ − y) / N`, with 0 where `ŷ = y` as PyTorch takes it.
//!
//! ```
//! use ndnet_layers::{Loss, Mae};
//! use ndarray::{array, Array2};
//! let (p, t) = (array![[1.0], [3.0]], array![[0.0], [5.0]]);
//! let mut g = Array2::zeros((2, 1));
//! assert_eq!(Mae.loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap(), 1.5);
//! assert_eq!(g, array![[0.5], [-0.5]]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::loss::elementwise_mean;
use crate::{Loss, Result};

/// Mean absolute error over all elements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mae;

impl<F: NdFloat> Loss<F> for Mae {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        elementwise_mean("Mae", prediction, target, None, absolute, |_, _, _| F::zero())
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        elementwise_mean("Mae", prediction, target, Some(grad), absolute, |p, t, n| {
            let d = p - t;
            if d > F::zero() {
                F::one() / n
            } else if d < F::zero() {
                -F::one() / n
            } else {
                F::zero()
            }
        })
    }
}

fn absolute<F: NdFloat>(p: F, t: F) -> F {
    (p - t).abs()
}
