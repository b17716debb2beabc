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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LayerError;
    use ndarray::{Array2, array};

    #[test]
    fn value_and_gradient_by_hand() {
        let p = array![[1.0_f32, 2.0], [3.0, 4.0]];
        let t = array![[0.0_f32, 2.0], [5.0, 3.0]];
        let mut g = Array2::zeros((2, 2));
        // errors 1, 0, -2, 1 → squares 1, 0, 4, 1 → mean 1.5; grad = 2 d / 4
        assert_eq!(Mse.loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap(), 1.5);
        assert_eq!(g, array![[0.5, 0.0], [-1.0, 0.5]]);
        assert_eq!(Mse.loss(p.view(), t.view()).unwrap(), 1.5);
    }

    #[test]
    fn wrong_target_shape_and_empty_batch_are_errors() {
        let p = Array2::<f64>::zeros((4, 1));
        let t = Array2::<f64>::zeros((4, 2));
        let err = Mse.loss(p.view(), t.view()).unwrap_err();
        assert_eq!(err.to_string(), "Mse target: expected shape 4 × 1, got 4 × 2");
        let e = Array2::<f64>::zeros((0, 1));
        assert!(matches!(Mse.loss(e.view(), e.view()), Err(LayerError::EmptyBatch { .. })));
    }
}
