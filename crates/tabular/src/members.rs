//! [`Members`]: a loss for a model whose output is `k` predictions, one per ensemble member
//! (TabM's `(batch, k, outputs)`, flattened member-minor: output `j` of member `m` in column
//! `j·k + m`, as `ndnet-tabular`'s ensemble layers write it). Training takes the mean of the
//! members' losses, each member learning on its own (TabM's rule: not the loss of the mean);
//! [`Loss::loss`], what validation reads, is the loss of the ensemble's prediction, the members
//! combined as a prediction combines them: the mean of the outputs for a regression, the mean of
//! the class probabilities for classes (fed to the inner loss as their logarithms, so a
//! cross-entropy scores exactly the averaged probabilities).
//!
//! ```
//! use ndnet_layers::{Loss, Mse};
//! use ndnet_tabular::Members;
//! use ndarray::{array, Array2};
//! let loss = Members::new(Mse, 2, 1);
//! let (p, y) = (array![[1.0, 3.0]], array![[1.0]]);
//! let mut g = Array2::zeros((1, 2));
//! assert_eq!(loss.loss_and_grad(p.view(), y.view(), g.view_mut()).unwrap(), 2.0); // (0 + 4) / 2
//! assert_eq!(g, array![[0.0, 2.0]]);
//! assert_eq!(loss.loss(p.view(), y.view()).unwrap(), 1.0); // the mean prediction 2 against 1
//! ```

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, CowArray, Ix2, NdFloat, Slice};

use ndnet_layers::{LayerError, Loss, Result, sigmoid};

/// Member `m`'s columns of `k` members' outputs: every `k`-th from `m`.
pub(crate) fn member_columns(m: usize, k: usize) -> Slice {
    Slice::new(m as isize, None, k as isize)
}

/// How the members' outputs make one prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// The mean of the outputs (a regression).
    Mean,
    /// The mean of the class probabilities (a softmax per member, or a sigmoid for one logit).
    Probabilities,
}

/// A loss over `k` members' outputs; see the module docs.
#[derive(Debug, Clone)]
pub struct Members<L> {
    inner: L,
    members: usize,
    outputs: usize,
    combine: Combine,
}

impl<L> Members<L> {
    /// The mean of `inner` over `members` blocks of `outputs` columns, combined by their mean.
    pub fn new(inner: L, members: usize, outputs: usize) -> Self {
        Members { inner, members, outputs, combine: Combine::Mean }
    }

    /// Sets how members combine into the ensemble's prediction.
    pub fn with_combine(mut self, combine: Combine) -> Self {
        self.combine = combine;
        self
    }

    /// The members.
    pub fn members(&self) -> usize {
        self.members
    }

    fn check<F>(&self, prediction: &ArrayView2<'_, F>) -> Result<()> {
        if prediction.ncols() != self.members * self.outputs {
            return Err(LayerError::Shape {
                context: format!("the outputs of {} members", self.members),
                expected: (prediction.nrows(), self.members * self.outputs),
                actual: prediction.dim(),
            });
        }
        Ok(())
    }

    fn member<'a, F>(&self, view: ArrayView2<'a, F>, m: usize) -> ArrayView2<'a, F> {
        view.slice_axis_move(Axis(1), member_columns(m, self.members))
    }

    /// The ensemble's prediction in the inner loss's terms: the mean output, or the log of the
    /// mean probabilities (the logit of it for one column).
    pub fn combined<F: NdFloat>(&self, prediction: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check(&prediction)?;
        let k = F::from(self.members).expect("a member count");
        let mut out = Array2::zeros((prediction.nrows(), self.outputs));
        match self.combine {
            Combine::Mean => {
                for m in 0..self.members {
                    out += &self.member(prediction, m);
                }
                out.mapv_inplace(|v| v / k);
            }
            Combine::Probabilities if self.outputs == 1 => {
                for m in 0..self.members {
                    out.zip_mut_with(&self.member(prediction, m), |o, &z| *o += sigmoid(z));
                }
                // logit(p̄), written to stay finite when p̄ is 0 or 1 in F.
                out.mapv_inplace(|p| {
                    let p = p / k;
                    p.ln() - (F::one() - p).ln()
                });
            }
            Combine::Probabilities => {
                for m in 0..self.members {
                    for (mut o, z) in out.rows_mut().into_iter().zip(self.member(prediction, m).rows()) {
                        let max = z.fold(F::neg_infinity(), |a, &b| a.max(b));
                        let sum = z.fold(F::zero(), |a, &b| a + (b - max).exp());
                        o.zip_mut_with(&z, |o, &z| *o += (z - max).exp() / sum);
                    }
                }
                out.mapv_inplace(|p| (p / k).ln());
            }
        }
        Ok(out)
    }
}

impl<F: NdFloat, L: Loss<F>> Loss<F> for Members<L> {
    fn loss(&self, prediction: ArrayView2<'_, F>, target: ArrayView2<'_, F>) -> Result<F> {
        self.inner.loss(self.combined(prediction)?.view(), target)
    }

    fn loss_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
        mut grad: ArrayViewMut2<'_, F>,
    ) -> Result<F> {
        self.check(&prediction)?;
        let k = F::from(self.members).expect("a member count");
        let mut total = F::zero();
        for m in 0..self.members {
            let g = grad.view_mut().slice_axis_move(Axis(1), member_columns(m, self.members));
            total += self.inner.loss_and_grad(self.member(prediction, m), target, g)?;
        }
        grad.mapv_inplace(|g| g / k);
        Ok(total / k)
    }

    fn prediction<'a>(&self, outputs: ArrayView2<'a, F>) -> Result<CowArray<'a, F, Ix2>> {
        Ok(self.combined(outputs)?.into())
    }
}
