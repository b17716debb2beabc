//! [`LabelSmoothing`]: cross-entropy against targets softened by `ε` — PyTorch's
//! `CrossEntropyLoss(label_smoothing=ε)` for several logits: the target row is
//! `(1 − ε)·onehot(y) + ε/C`, so `L = mean over rows of (lse(z) − (1 − ε)·z_y − ε/C·Σⱼ zⱼ)`
//! and `dL/dz = (softmax(z) − target) / n`. For one logit (two classes) the same as the two-class
//! softmax: binary cross-entropy against `y·(1 − ε) + ε/2`. The model is not pushed to infinite
//! logits for the training rows, which RealMLP and TabM's recipes use for classes.
//!
//! ```
//! use ndnet_layers::{CrossEntropy, LabelSmoothing, Loss};
//! use ndarray::array;
//! let (z, y) = (array![[2.0, -1.0, 0.5]], array![[0.0]]);
//! let plain: f64 = CrossEntropy.loss(z.view(), y.view()).unwrap();
//! assert_eq!(LabelSmoothing::new(0.0).unwrap().loss(z.view(), y.view()).unwrap(), plain);
//! assert!(LabelSmoothing::new(0.1).unwrap().loss(z.view(), y.view()).unwrap() > plain);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::layers::activation::sigmoid;
use crate::loss::{check_grad, count};
use crate::losses::cross_entropy::{check as check_classes, log_sum_exp};
use crate::{LayerError, Loss, Result};

/// Cross-entropy against smoothed targets; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelSmoothing {
    eps: f64,
}

impl LabelSmoothing {
    /// Smoothing `eps` in [0, 1).
    pub fn new(eps: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&eps) {
            let (value, allowed) = (eps.to_string(), "in [0, 1)".to_string());
            return Err(LayerError::Config { name: "label smoothing".into(), value, allowed });
        }
        Ok(LabelSmoothing { eps })
    }

    /// The smoothing.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    fn pass<F: NdFloat>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        let eps = F::from(self.eps).expect("a probability");
        let n = count::<F>(prediction.nrows());
        if let Some(g) = grad.as_ref() {
            check_grad("LabelSmoothing", &prediction, g)?;
        }
        let mut sum = F::zero();
        if prediction.ncols() == 1 {
            let half = eps / (F::one() + F::one());
            check_classes(&prediction.broadcast((prediction.nrows(), 2)).expect("one column"), &target)?;
            for (i, (&z, &y)) in prediction.iter().zip(target.iter()).enumerate() {
                let soft = y * (F::one() - eps) + half;
                sum += z.max(F::zero()) - z * soft + (-z.abs()).exp().ln_1p();
                if let Some(g) = grad.as_mut() {
                    g[[i, 0]] = (sigmoid(z) - soft) / n;
                }
            }
            return Ok(sum / n);
        }
        let classes = check_classes(&prediction, &target)?;
        let spread = eps / F::from(classes).expect("a class count");
        for (i, (z, y)) in prediction.rows().into_iter().zip(target.iter()).enumerate() {
            let (max, lse) = log_sum_exp(z);
            let class = y.to_usize().unwrap_or(0);
            let total = z.sum();
            sum += lse + max - (F::one() - eps) * z[class] - spread * total;
            if let Some(g) = grad.as_mut() {
                let mut g = g.row_mut(i);
                Zip::from(&mut g).and(&z).for_each(|g, &v| *g = ((v - max - lse).exp() - spread) / n);
                g[class] -= (F::one() - eps) / n;
            }
        }
        Ok(sum / n)
    }
}

impl<F: NdFloat> Loss<F> for LabelSmoothing {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        self.pass(prediction, target, None)
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        self.pass(prediction, target, Some(grad))
    }
}
