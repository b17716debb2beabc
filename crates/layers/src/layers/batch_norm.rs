//! [`BatchNorm1d`]: each feature normalised over the batch, then scaled and shifted, with
//! PyTorch's semantics (`torch.nn.BatchNorm1d(n)`): momentum 0.1, ε = 1e-5, the biased batch
//! variance in the forward and the unbiased one in the running estimate, affine by default.
//!
//! In [`Mode::Train`] a forward normalises by the batch's mean and variance and moves the
//! running estimates toward them (`running = (1 − momentum)·running + momentum·batch`); in
//! [`Mode::Eval`] it normalises by the running estimates and changes nothing.
//!
//! ```
//! use ndnet_layers::{BatchNorm1d, Layer, Mode};
//! let mut bn = BatchNorm1d::<f64>::new(2);
//! let x = ndarray::array![[1.0, 10.0], [3.0, 30.0]];
//! let mut y = ndarray::Array2::zeros((2, 2));
//! bn.forward(x.view(), y.view_mut());
//! // mean 2 and 20, biased variance 1 and 100: each column becomes ±1 (up to ε)
//! assert!((y[(0, 0)] + 1.0).abs() < 1e-4 && (y[(1, 1)] - 1.0).abs() < 1e-4);
//! assert_eq!(bn.running_mean().to_vec(), [0.2, 2.0]); // 0.9·0 + 0.1·mean
//! bn.set_mode(Mode::Eval);
//! bn.forward(x.view(), y.view_mut()); // now by the running estimates
//! ```

use ndarray::{Array1, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};

use crate::error::{same_width, setting};
use crate::onnx::{OnnxAttr, OnnxLayer};
use crate::{BoxedLayer, BuildContext, Layer, LayerSpec, Mode, Result, Saved, StateValue, StateValueMut};

/// A [`BatchNorm1d`] over the previous layer's outputs in a model description, with PyTorch's
/// defaults. Kind `batch_norm`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchNormSpec {
    /// ε, added to the variance (> 0).
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// How far a training batch moves the running statistics, in [0, 1].
    #[serde(default = "default_momentum")]
    pub momentum: f64,
}

pub(crate) fn default_eps() -> f64 {
    1e-5
}

fn default_momentum() -> f64 {
    0.1
}

impl Default for BatchNormSpec {
    fn default() -> Self {
        BatchNormSpec { eps: default_eps(), momentum: default_momentum() }
    }
}

impl LayerSpec for BatchNormSpec {
    const KIND: &'static str = "batch_norm";
    const ABOUT: &'static str = "each feature normalised over the batch (running statistics at inference)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        BatchNorm1d::<f64>::new(1).with_eps(self.eps)?.with_momentum(self.momentum)?;
        Ok(input_width)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        2 * input_width as u128
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        let layer = BatchNorm1d::<F>::new(ctx.input_width).with_eps(self.eps)?.with_momentum(self.momentum)?;
        Ok(BoxedLayer::new(layer))
    }

    fn torch(&self, input_width: usize) -> Option<String> {
        Some(format!("nn.BatchNorm1d({input_width}, eps={}, momentum={})", self.eps, self.momentum))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let w = layer.input_width;
        let (scale, bias) = (layer.param("weight", &[w])?, layer.param("bias", &[w])?);
        let (mean, var) = (layer.param("running_mean", &[w])?, layer.param("running_var", &[w])?);
        let input = layer.input.clone();
        let eps = OnnxAttr::Float("epsilon", self.eps as f32);
        Ok(layer.graph.node("BatchNormalization", &[&input, &scale, &bias, &mean, &var], &[eps]))
    }
}

/// Batch normalisation over the features of a `rows × features` batch.
#[derive(Debug, Clone)]
pub struct BatchNorm1d<F> {
    weight: Array1<F>,
    bias: Array1<F>,
    grad_weight: Array1<F>,
    grad_bias: Array1<F>,
    running_mean: Array1<F>,
    running_var: Array1<F>,
    num_batches_tracked: u64,
    momentum: F,
    eps: F,
    affine: bool,
    mode: Mode,
    /// The last forward's per-feature mean and `1/√(var + ε)`: what backward needs.
    mean: Array1<F>,
    inv_std: Array1<F>,
}

impl<F: NdFloat> BatchNorm1d<F> {
    /// Batch normalisation of `features` features: weight 1, bias 0, running mean 0 and
    /// variance 1, as PyTorch starts.
    pub fn new(features: usize) -> Self {
        let (zeros, ones) = (Array1::zeros(features), Array1::ones(features));
        BatchNorm1d {
            weight: ones.clone(),
            bias: zeros.clone(),
            grad_weight: zeros.clone(),
            grad_bias: zeros.clone(),
            running_mean: zeros.clone(),
            running_var: ones.clone(),
            num_batches_tracked: 0,
            momentum: F::from(0.1).unwrap_or_else(F::zero),
            eps: F::from(1e-5).unwrap_or_else(F::zero),
            affine: true,
            mode: Mode::Train,
            mean: zeros,
            inv_std: ones,
        }
    }

    /// Sets the momentum of the running estimates (PyTorch's default 0.1).
    ///
    /// Errors unless `0 ≤ momentum ≤ 1`.
    pub fn with_momentum(mut self, momentum: f64) -> Result<Self> {
        self.momentum = setting("BatchNorm1d momentum", momentum, (0.0..=1.0).contains(&momentum), "0 ≤ momentum ≤ 1")?;
        Ok(self)
    }

    /// Sets ε, added to the variance (PyTorch's default 1e-5).
    ///
    /// Errors unless `ε > 0` and finite.
    pub fn with_eps(mut self, eps: f64) -> Result<Self> {
        self.eps = setting("BatchNorm1d eps", eps, eps > 0.0 && eps.is_finite(), "> 0 and finite")?;
        Ok(self)
    }

    /// Without the learned scale and shift (PyTorch's `affine=False`): no parameters.
    pub fn without_affine(mut self) -> Self {
        self.affine = false;
        self
    }

    /// The running mean.
    pub fn running_mean(&self) -> &Array1<F> {
        &self.running_mean
    }

    /// The running (unbiased) variance.
    pub fn running_var(&self) -> &Array1<F> {
        &self.running_var
    }

    /// Training batches seen (PyTorch's `num_batches_tracked`).
    pub fn num_batches_tracked(&self) -> u64 {
        self.num_batches_tracked
    }

    /// Per-feature statistics of a training batch into `mean` and `inv_std`; moves the
    /// running estimates. A one-row batch has no unbiased variance (PyTorch refuses it): it is
    /// normalised to zero and leaves the running estimates alone.
    fn batch_statistics(&mut self, input: ArrayView2<'_, F>) {
        let n = input.nrows();
        let rows = F::from(n).unwrap_or_else(F::one);
        let m = self.momentum;
        for (j, x) in input.columns().into_iter().enumerate() {
            let mean = x.sum() / rows;
            // Two passes: exact for a constant column, unlike E[x²] − E[x]².
            let var = x.fold(F::zero(), |s, &v| s + (v - mean) * (v - mean)) / rows;
            self.mean[j] = mean;
            self.inv_std[j] = F::one() / (var + self.eps).sqrt();
            if n > 1 {
                let unbiased = var * rows / (rows - F::one());
                self.running_mean[j] = (F::one() - m) * self.running_mean[j] + m * mean;
                self.running_var[j] = (F::one() - m) * self.running_var[j] + m * unbiased;
            }
        }
        if n > 1 {
            self.num_batches_tracked += 1;
        }
    }
}

impl<F: NdFloat> Layer<F> for BatchNorm1d<F> {
    fn kind(&self) -> &'static str {
        "BatchNorm1d"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        same_width("BatchNorm1d", self.weight.len(), input_width)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        if self.mode == Mode::Train {
            self.batch_statistics(input);
        } else {
            for j in 0..self.weight.len() {
                self.mean[j] = self.running_mean[j];
                self.inv_std[j] = F::one() / (self.running_var[j] + self.eps).sqrt();
            }
        }
        for (j, (x, mut y)) in input.columns().into_iter().zip(output.columns_mut()).enumerate() {
            let (mean, s, g, b) = (self.mean[j], self.inv_std[j], self.weight[j], self.bias[j]);
            y.zip_mut_with(&x, |y, &x| *y = (x - mean) * s * g + b);
        }
    }

    /// With `x̂ = (x − μ)·s`, `s = 1/√(σ² + ε)`: `dγ = Σ dy·x̂`, `dβ = Σ dy`, and in training
    /// (μ and σ² depend on the batch) `dx = γ·s/n · (n·dy − Σ dy − x̂·Σ dy·x̂)`; in inference
    /// `dx = γ·s·dy`.
    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let rows = F::from(input.nrows()).unwrap_or_else(F::one);
        for (j, (x, dy)) in input.columns().into_iter().zip(grad_output.columns()).enumerate() {
            let (mean, s, g) = (self.mean[j], self.inv_std[j], self.weight[j]);
            let sum_dy = dy.sum();
            let sum_dy_xhat = x.iter().zip(dy).fold(F::zero(), |acc, (&x, &dy)| acc + dy * (x - mean) * s);
            self.grad_weight[j] = sum_dy_xhat;
            self.grad_bias[j] = sum_dy;
            let Some(dx) = grad_input.as_mut() else { continue };
            let mut dx = dx.column_mut(j);
            if self.mode == Mode::Train {
                let k = g * s / rows;
                for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
                    *dx = k * (rows * dy - sum_dy - (x - mean) * s * sum_dy_xhat);
                }
            } else {
                dx.zip_mut_with(&dy, |dx, &dy| *dx = g * s * dy);
            }
        }
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        if self.affine {
            f("weight", self.weight.view().into_dyn());
            f("bias", self.bias.view().into_dyn());
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        if self.affine {
            let n = self.weight.len();
            f(&[n], flat(&mut self.weight), flat(&mut self.grad_weight), "weight");
            f(&[n], flat(&mut self.bias), flat(&mut self.grad_bias), "bias");
        }
    }

    /// PyTorch's three buffers, under its names; all in its state dict.
    fn visit_state(&self, f: &mut dyn FnMut(&'static str, StateValue<'_, F>, Saved)) {
        f("running_mean", StateValue::Tensor(self.running_mean.view().into_dyn()), Saved::Everywhere);
        f("running_var", StateValue::Tensor(self.running_var.view().into_dyn()), Saved::Everywhere);
        f("num_batches_tracked", StateValue::Count(self.num_batches_tracked), Saved::Everywhere);
    }

    fn visit_state_mut(&mut self, f: &mut dyn FnMut(&'static str, StateValueMut<'_, F>)) {
        f("running_mean", StateValueMut::Tensor(self.running_mean.view_mut().into_dyn()));
        f("running_var", StateValueMut::Tensor(self.running_var.view_mut().into_dyn()));
        f("num_batches_tracked", StateValueMut::Count(&mut self.num_batches_tracked));
    }
}

/// An array this layer owns, as a slice (one-dimensional, so always contiguous).
pub(crate) fn flat<F>(a: &mut Array1<F>) -> &mut [F] {
    a.as_slice_mut().expect("a one-dimensional array the layer made is contiguous")
}
