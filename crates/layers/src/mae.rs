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

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::loss::{check_grad, check_pair, count};
use crate::{Loss, Result};

/// Mean absolute error over all elements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mae;

impl<F: NdFloat> Loss<F> for Mae {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        check_pair("Mae", &prediction, &target)?;
        let sum = Zip::from(&prediction).and(&target).fold(F::zero(), |acc, &p, &t| acc + (p - t).abs());
        Ok(sum / count::<F>(prediction.len()))
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        mut grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        check_pair("Mae", &prediction, &target)?;
        check_grad("Mae", &prediction, &grad)?;
        let n = count::<F>(prediction.len());
        let mut sum = F::zero();
        Zip::from(&mut grad).and(&prediction).and(&target).for_each(|g, &p, &t| {
            let d = p - t;
            sum += d.abs();
            *g = if d > F::zero() {
                F::one() / n
            } else if d < F::zero() {
                -F::one() / n
            } else {
                F::zero()
            };
        });
        Ok(sum / n)
    }
}
