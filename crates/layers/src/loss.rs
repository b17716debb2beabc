//! The [`Loss`] trait: a scalar loss over a batch and its gradient with respect to predictions.

use ndarray::{ArrayView2, ArrayViewMut2, CowArray, Ix2, NdFloat, Zip};

use crate::{LayerError, Result, error::check_not_empty};

/// A loss over a batch of predictions and targets of the same shape.
///
/// ```
/// use ndnet_layers::{Loss, Mse};
/// use ndarray::array;
/// let (p, t) = (array![[1.0, 2.0]], array![[0.0, 4.0]]);
/// assert_eq!(Mse.loss(p.view(), t.view()).unwrap(), 2.5);
/// ```
pub trait Loss<F: NdFloat> {
    /// The loss value.
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F>;

    /// The loss value, with `dL/dprediction` written into `grad` (same shape as `prediction`).
    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F>;

    /// The model's outputs as one prediction per row, in the loss's terms (what accuracy is read
    /// from): the outputs themselves, or for a loss over ensemble members the members combined
    /// (`ndnet_tabular::Members`).
    fn prediction<'a>(&self, outputs: ArrayView2<'a, F>) -> Result<CowArray<'a, F, Ix2>> {
        Ok(outputs.into())
    }
}

/// A boxed loss is a loss (what a program that picks its loss at run time holds).
impl<F: NdFloat, L: Loss<F> + ?Sized> Loss<F> for Box<L> {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        (**self).loss(prediction, target)
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        (**self).loss_and_grad(prediction, target, grad)
    }

    fn prediction<'a>(&self, outputs: ArrayView2<'a, F>) -> Result<CowArray<'a, F, Ix2>> {
        (**self).prediction(outputs)
    }
}

/// Checks that prediction and target have one shape and are not empty.
pub(crate) fn check_pair<F>(name: &str, prediction: &ArrayView2<'_, F>, target: &ArrayView2<'_, F>) -> Result<()> {
    check_not_empty(name, prediction.nrows(), prediction.ncols())?;
    if prediction.dim() != target.dim() {
        return Err(LayerError::Shape {
            context: format!("{name} target"),
            expected: prediction.dim(),
            actual: target.dim(),
        });
    }
    Ok(())
}

/// A loss that is the mean over elements of `term(ŷ, y)`: its value, and, when `grad` is given,
/// `grad = slope(ŷ, y, N)` (the derivative of the mean) written in the same pass. Shapes are
/// checked first; the sum runs in the arrays' order either way.
pub(crate) fn elementwise_mean<F: NdFloat>(
    name: &str,
    prediction: ArrayView2<'_, F>,
    target: ArrayView2<'_, F>,
    grad: Option<ArrayViewMut2<'_, F>>,
    term: impl Fn(F, F) -> F,
    slope: impl Fn(F, F, F) -> F,
) -> Result<F> {
    check_pair(name, &prediction, &target)?;
    let n = count::<F>(prediction.len());
    let sum = match grad {
        None => Zip::from(&prediction).and(&target).fold(F::zero(), |acc, &p, &t| acc + term(p, t)),
        Some(mut grad) => {
            check_grad(name, &prediction, &grad)?;
            let mut sum = F::zero();
            let mut step = |g: &mut F, p: F, t: F| {
                sum += term(p, t);
                *g = slope(p, t, n);
            };
            let same = |s: &[isize]| s == prediction.strides() || prediction.len() <= 1;
            match (prediction.as_slice_memory_order(), target.as_slice_memory_order()) {
                // One layout (a model's output and a gathered target): one run, in Zip's order.
                (Some(p), Some(t)) if same(target.strides()) && same(grad.strides()) => {
                    let g = grad.as_slice_memory_order_mut().expect("a gradient laid out as the contiguous prediction");
                    g.iter_mut().zip(p).zip(t).for_each(|((g, &p), &t)| step(g, p, t));
                }
                _ => Zip::from(&mut grad).and(&prediction).and(&target).for_each(|g, &p, &t| step(g, p, t)),
            }
            sum
        }
    };
    Ok(sum / n)
}

/// A loss whose element `(ŷ, y)` has value and derivative `f(ŷ, y)` (Huber, quantile): the mean
/// of the values, and with `grad` the derivatives over N, through [`elementwise_mean`].
pub(crate) fn pointwise<F: NdFloat>(
    name: &str,
    prediction: ArrayView2<'_, F>,
    target: ArrayView2<'_, F>,
    grad: Option<ArrayViewMut2<'_, F>>,
    f: impl Fn(F, F) -> (F, F),
) -> Result<F> {
    elementwise_mean(name, prediction, target, grad, |p, t| f(p, t).0, |p, t, n| f(p, t).1 / n)
}

/// Checks that a gradient buffer has the prediction's shape.
pub(crate) fn check_grad<F>(name: &str, prediction: &ArrayView2<'_, F>, grad: &ArrayViewMut2<'_, F>) -> Result<()> {
    if grad.dim() != prediction.dim() {
        return Err(LayerError::Shape {
            context: format!("{name} gradient buffer"),
            expected: prediction.dim(),
            actual: grad.dim(),
        });
    }
    Ok(())
}

/// `n` as the float type (the divisor of a mean).
pub(crate) fn count<F: NdFloat>(n: usize) -> F {
    crate::cast(n as f64)
}
