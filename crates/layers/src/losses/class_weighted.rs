//! Cross-entropy with a weight per class, PyTorch's `CrossEntropyLoss(weight=w)` for several
//! classes and the same weighting of `BCEWithLogitsLoss` for one logit: each row's loss is
//! multiplied by the weight of its target class and the sum divided by the sum of those weights,
//! `L = Σᵢ w_{yᵢ} ℓᵢ / Σᵢ w_{yᵢ}`, so with every weight 1 it is [`CrossEntropy`](crate::CrossEntropy)
//! or [`BceWithLogits`](crate::BceWithLogits). The prediction is `n × C` logits (or `n × 1` for two
//! classes), the target `n × 1` class indices. scikit-learn's `class_weight="balanced"` is
//! [`ClassWeighted::balanced`]: `n / (C · count(c))` per class.
//!
//! ```
//! use ndnet_layers::{BceWithLogits, ClassWeighted, Loss};
//! use ndarray::array;
//! let (z, y) = (array![[0.3], [-1.2], [2.0]], array![[1.0], [0.0], [0.0]]);
//! let plain: f64 = BceWithLogits.loss(z.view(), y.view()).unwrap();
//! assert!((ClassWeighted::new(vec![1.0, 1.0]).unwrap().loss(z.view(), y.view()).unwrap() - plain).abs() < 1e-15);
//! let balanced = ClassWeighted::balanced(&[0, 0, 1], 2).unwrap(); // 3/(2·2) and 3/(2·1)
//! assert_eq!(balanced.weights(), [0.75, 1.5]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::layers::activation::sigmoid;
use crate::loss::check_grad;
use crate::{LayerError, Loss, Result};

/// Cross-entropy on logits with a weight per class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWeighted {
    weights: Vec<f64>,
}

impl ClassWeighted {
    /// Weights per class (two for a one-logit model); errors unless there are at least two, each
    /// finite and > 0.
    pub fn new(weights: Vec<f64>) -> Result<Self> {
        let bad = weights.iter().find(|w| !(w.is_finite() && **w > 0.0));
        if weights.len() < 2 || bad.is_some() {
            let value = bad.map_or(format!("{} weights", weights.len()), |w| w.to_string());
            let allowed = "one weight per class (at least two), each > 0 and finite".into();
            return Err(LayerError::Config { name: "class weight".into(), value, allowed });
        }
        Ok(ClassWeighted { weights })
    }

    /// scikit-learn's `class_weight="balanced"`: `n / (classes · count(c))` for the class indices
    /// `targets`. Errors when a class index is `classes` or more, or a class has no row.
    pub fn balanced(targets: &[usize], classes: usize) -> Result<Self> {
        let mut counts = vec![0usize; classes];
        for &t in targets {
            match counts.get_mut(t) {
                Some(c) => *c += 1,
                None => {
                    let (value, allowed) = (t.to_string(), format!("a class index below {classes}"));
                    return Err(LayerError::Config { name: "class".into(), value, allowed });
                }
            }
        }
        let n = targets.len() as f64;
        Self::new(counts.iter().map(|&c| n / (classes as f64 * c as f64)).collect())
    }

    /// The weights, per class.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Checks shapes and targets; returns each row's class.
    fn classes<F: NdFloat>(&self, prediction: &ArrayView2<'_, F>, target: &ArrayView2<'_, F>) -> Result<Vec<usize>> {
        crate::error::check_not_empty("ClassWeighted", prediction.nrows(), prediction.ncols())?;
        let classes = if prediction.ncols() == 1 { 2 } else { prediction.ncols() };
        if target.dim() != (prediction.nrows(), 1) || classes != self.weights.len() {
            let context = format!("ClassWeighted target (one class index per row, {} classes)", self.weights.len());
            return Err(LayerError::Shape { context, expected: (prediction.nrows(), 1), actual: target.dim() });
        }
        let index = |(row, y): (usize, &F)| {
            let v = y.to_f64().unwrap_or(f64::NAN);
            if v >= 0.0 && v < classes as f64 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                let (name, allowed) = (format!("ClassWeighted target in row {row}"), format!("0 … {}", classes - 1));
                Err(LayerError::Config { name, value: v.to_string(), allowed })
            }
        };
        target.iter().enumerate().map(index).collect()
    }

    /// The loss, and the gradient into `grad` when given.
    fn run<F: NdFloat>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        let classes = self.classes(&prediction, &target)?;
        if let Some(g) = &grad {
            check_grad("ClassWeighted", &prediction, g)?;
        }
        let w = |c: usize| crate::cast::<F>(self.weights[c]);
        let total = classes.iter().fold(F::zero(), |s, &c| s + w(c));
        let mut sum = F::zero();
        for (i, (z, &c)) in prediction.rows().into_iter().zip(&classes).enumerate() {
            let weight = w(c);
            if z.len() == 1 {
                let (z, y) = (z[0], crate::cast::<F>(c as f64));
                sum += weight * (z.max(F::zero()) - z * y + (-z.abs()).exp().ln_1p());
                if let Some(g) = &mut grad {
                    g[(i, 0)] = weight * (sigmoid(z) - y) / total;
                }
                continue;
            }
            let max = z.fold(F::neg_infinity(), |m, &v| m.max(v));
            let lse = z.fold(F::zero(), |s, &v| s + (v - max).exp()).ln();
            sum += weight * (lse + max - z[c]);
            if let Some(g) = &mut grad {
                let mut g = g.row_mut(i);
                Zip::from(&mut g).and(&z).for_each(|g, &v| *g = weight * (v - max - lse).exp() / total);
                g[c] -= weight / total;
            }
        }
        Ok(sum / total)
    }
}

impl<F: NdFloat> Loss<F> for ClassWeighted {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        self.run(prediction, target, None)
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        self.run(prediction, target, Some(grad))
    }
}
