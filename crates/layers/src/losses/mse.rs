//! Mean squared error, averaged over every element of the batch.
//!
//! `L = Σ (ŷ − y)² / N` over all N elements (PyTorch's `MSELoss()`, Keras' `mean_squared_error`
//! averaged over the batch), so `dL/dŷ = 2 (ŷ − y) / N`.
//!
//! ```
//! use ndnet_layers::{Loss, Mse};
//! use ndarray::{array, Array2};
//! let (p, t) = (array![[1.0], [3.0]], array![[0.0], [0.0]]);
//! let mut g = Array2::zeros((2, 1));
//! assert_eq!(Mse.loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap(), 5.0);
//! assert_eq!(g, array![[1.0], [3.0]]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::loss::elementwise_mean;
use crate::{Loss, Result};

/// Mean squared error over all elements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mse;

impl<F: NdFloat> Loss<F> for Mse {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        elementwise_mean("Mse", prediction, target, None, square, |_, _, _| F::zero())
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        // d·(2/N): the order the headline figures were made with.
        elementwise_mean("Mse", prediction, target, Some(grad), square, |p, t, n| (p - t) * ((F::one() + F::one()) / n))
    }
}

fn square<F: NdFloat>(p: F, t: F) -> F {
    let d = p - t;
    d * d
}
