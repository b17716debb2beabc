//! Softmax cross-entropy with integer class targets, PyTorch's `CrossEntropyLoss()`: the
//! prediction is `n × C` logits, the target `n × 1` class indices (0 … C−1, stored as floats);
//! `L = mean over rows of (log Σⱼ e^(zⱼ) − z_y)`, with the log-sum-exp taken after subtracting the
//! row's largest logit, so logits of ±1e4 give finite values; `dL/dz = (softmax(z) − onehot(y)) / n`.
//!
//! ```
//! use ndnet_layers::{CrossEntropy, Loss};
//! use ndarray::{array, Array2};
//! let (z, y) = (array![[0.0, 0.0], [1e4, -1e4]], array![[1.0], [0.0]]);
//! let mut g = Array2::zeros((2, 2));
//! let loss: f64 = CrossEntropy.loss_and_grad(z.view(), y.view(), g.view_mut()).unwrap();
//! assert!((loss - 2f64.ln() / 2.0).abs() < 1e-12);
//! assert_eq!(g, array![[0.25, -0.25], [0.0, 0.0]]);
//! assert!(CrossEntropy.loss(z.view(), array![[2.0], [0.0]].view()).unwrap_err().to_string().contains("class index"));
//! ```

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::error::check_not_empty;
use crate::loss::{check_grad, count};
use crate::{LayerError, Loss, Result};

/// Softmax cross-entropy over classes, averaged over rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrossEntropy;

/// Checks the shapes and that every target is a class index; returns the class count.
pub(crate) fn check<F: NdFloat>(prediction: &ArrayView2<'_, F>, target: &ArrayView2<'_, F>) -> Result<usize> {
    check_not_empty("CrossEntropy", prediction.nrows(), prediction.ncols())?;
    if target.dim() != (prediction.nrows(), 1) {
        return Err(LayerError::Shape {
            context: "CrossEntropy target (one class index per row)".into(),
            expected: (prediction.nrows(), 1),
            actual: target.dim(),
        });
    }
    let classes = prediction.ncols();
    for (row, &y) in target.iter().enumerate() {
        let index = y.to_f64().unwrap_or(f64::NAN);
        if !(index >= 0.0 && index < classes as f64 && index.fract() == 0.0) {
            return Err(LayerError::Config {
                name: format!("CrossEntropy target in row {row}"),
                value: index.to_string(),
                allowed: format!("a class index 0 … {}", classes - 1),
            });
        }
    }
    Ok(classes)
}

/// The row's largest logit and `log Σ e^(z − max)`.
pub(crate) fn log_sum_exp<F: NdFloat>(z: ArrayView1<'_, F>) -> (F, F) {
    let max = z.fold(F::neg_infinity(), |m, &v| m.max(v));
    (max, z.fold(F::zero(), |s, &v| s + (v - max).exp()).ln())
}

impl<F: NdFloat> Loss<F> for CrossEntropy {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        check(&prediction, &target)?;
        let mut sum = F::zero();
        for (z, y) in prediction.rows().into_iter().zip(target.iter()) {
            let (max, lse) = log_sum_exp(z);
            sum += lse + max - z[y.to_usize().unwrap_or(0)];
        }
        Ok(sum / count::<F>(prediction.nrows()))
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        mut grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        check(&prediction, &target)?;
        check_grad("CrossEntropy", &prediction, &grad)?;
        let n = count::<F>(prediction.nrows());
        let mut sum = F::zero();
        for ((z, y), mut g) in prediction.rows().into_iter().zip(target.iter()).zip(grad.rows_mut()) {
            let (max, lse) = log_sum_exp(z);
            let class = y.to_usize().unwrap_or(0);
            sum += lse + max - z[class];
            Zip::from(&mut g).and(&z).for_each(|g, &v| *g = (v - max - lse).exp() / n);
            g[class] -= F::one() / n;
        }
        Ok(sum / n)
    }
}
