//! The quantile (pinball) loss for the τ-quantile: per element, with `d = y − ŷ`, `τ·d` when the
//! target is above the prediction and `(τ − 1)·d` when below, averaged over every element
//! (TensorFlow Addons' `PinballLoss(tau=τ)`). Its minimiser is the τ-quantile of the target given
//! the inputs, so a model trained with τ = 0.9 predicts a value the target stays under nine
//! times in ten. `dL/dŷ = −τ/N` above, `(1 − τ)/N` below, 0 where `ŷ = y` (as [`Mae`](crate::Mae),
//! which is this loss with τ = ½, doubled).
//!
//! ```
//! use ndnet_layers::{Loss, Quantile};
//! use ndarray::{array, Array2};
//! let (p, t) = (array![[1.0], [3.0]], array![[2.0], [1.0]]);
//! let mut g = Array2::zeros((2, 1));
//! // 0.9·1 above and (0.9 − 1)·(−2) = 0.2 below: mean 0.55
//! let l = Quantile::new(0.9).unwrap().loss_and_grad(p.view(), t.view(), g.view_mut()).unwrap();
//! assert!((l - 0.55_f64).abs() < 1e-15);
//! assert!((g[(0, 0)] + 0.45_f64).abs() < 1e-15 && (g[(1, 0)] - 0.05_f64).abs() < 1e-15);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

use crate::loss::pointwise;
use crate::{LayerError, Loss, Result, cast};

/// The pinball loss of the `tau`-quantile, τ in (0, 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    tau: f64,
}

impl Quantile {
    /// The loss of the `tau`-quantile. Errors unless `tau` is in (0, 1).
    pub fn new(tau: f64) -> Result<Self> {
        if tau > 0.0 && tau < 1.0 {
            Ok(Quantile { tau })
        } else {
            Err(LayerError::Config { name: "quantile".into(), value: tau.to_string(), allowed: "in (0, 1)".into() })
        }
    }

    /// The quantile this loss fits.
    pub fn tau(&self) -> f64 {
        self.tau
    }
}

/// The loss of one element (`d = y − ŷ`) and its derivative with respect to ŷ.
fn pinball<F: NdFloat>(d: F, tau: F) -> (F, F) {
    if d > F::zero() {
        (tau * d, -tau)
    } else if d < F::zero() {
        ((tau - F::one()) * d, F::one() - tau)
    } else {
        (F::zero(), F::zero())
    }
}

impl<F: NdFloat> Loss<F> for Quantile {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        let tau: F = cast(self.tau);
        pointwise("Quantile", prediction, target, None, |p, t| pinball(t - p, tau))
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        let tau: F = cast(self.tau);
        pointwise("Quantile", prediction, target, Some(grad), |p, t| pinball(t - p, tau))
    }
}
