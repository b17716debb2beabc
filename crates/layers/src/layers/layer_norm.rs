//! [`LayerNorm`]: each sample normalised over its features, then scaled and shifted per feature
//! (PyTorch's `torch.nn.LayerNorm(n)`: ε = 1e-5, the biased variance, affine). The same in
//! training and inference.
//!
//! ```
//! use ndnet_layers::{Layer, LayerNorm};
//! let mut ln = LayerNorm::<f64>::new(3);
//! let x = ndarray::array![[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]];
//! let mut y = ndarray::Array2::zeros((2, 3));
//! ln.forward(x.view(), y.view_mut());
//! for row in y.rows() {
//!     assert!(row.sum().abs() < 1e-12); // mean 0
//!     assert!((row.mapv(|v| v * v).mean().unwrap() - 1.0).abs() < 1e-4); // variance 1, up to ε
//! }
//! ```

use ndarray::{Array1, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};

use crate::error::{same_width, setting};
use crate::layers::batch_norm::flat;
use crate::onnx::{OnnxAttr, OnnxLayer};
use crate::{BoxedLayer, BuildContext, Layer, LayerSpec, Result};

/// A [`LayerNorm`] over the previous layer's outputs in a model description. Kind `layer_norm`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerNormSpec {
    /// ε, added to the variance (> 0).
    #[serde(default = "crate::layers::batch_norm::default_eps")]
    pub eps: f64,
}

impl Default for LayerNormSpec {
    fn default() -> Self {
        LayerNormSpec { eps: crate::layers::batch_norm::default_eps() }
    }
}

impl LayerSpec for LayerNormSpec {
    const KIND: &'static str = "layer_norm";
    const ABOUT: &'static str = "each row normalised over its features";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        LayerNorm::<f64>::new(1).with_eps(self.eps)?;
        Ok(input_width)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        2 * input_width as u128
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        Ok(BoxedLayer::new(LayerNorm::<F>::new(ctx.input_width).with_eps(self.eps)?))
    }

    fn torch(&self, input_width: usize) -> Option<String> {
        Some(format!("nn.LayerNorm({input_width}, eps={})", self.eps))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let w = layer.input_width;
        let (scale, bias) = (layer.param("weight", &[w])?, layer.param("bias", &[w])?);
        let input = layer.input.clone();
        let attrs = [OnnxAttr::Int("axis", -1), OnnxAttr::Float("epsilon", self.eps as f32)];
        Ok(layer.graph.node("LayerNormalization", &[&input, &scale, &bias], &attrs))
    }
}

/// Layer normalisation over the features of each row.
#[derive(Debug, Clone)]
pub struct LayerNorm<F> {
    weight: Array1<F>,
    bias: Array1<F>,
    grad_weight: Array1<F>,
    grad_bias: Array1<F>,
    eps: F,
    /// The last forward's per-row mean and `1/√(var + ε)`; grow to the largest batch.
    mean: Vec<F>,
    inv_std: Vec<F>,
}

impl<F: NdFloat> LayerNorm<F> {
    /// Layer normalisation of `features` features: weight 1, bias 0.
    pub fn new(features: usize) -> Self {
        LayerNorm {
            weight: Array1::ones(features),
            bias: Array1::zeros(features),
            grad_weight: Array1::zeros(features),
            grad_bias: Array1::zeros(features),
            eps: F::from(1e-5).unwrap_or_else(F::zero),
            mean: Vec::new(),
            inv_std: Vec::new(),
        }
    }

    /// Sets ε, added to the variance (PyTorch's default 1e-5).
    ///
    /// Errors unless `ε > 0` and finite.
    pub fn with_eps(mut self, eps: f64) -> Result<Self> {
        self.eps = setting("LayerNorm eps", eps, eps > 0.0 && eps.is_finite(), "> 0 and finite")?;
        Ok(self)
    }
}

impl<F: NdFloat> Layer<F> for LayerNorm<F> {
    fn kind(&self) -> &'static str {
        "LayerNorm"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        same_width("LayerNorm", self.weight.len(), input_width)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let width = F::from(input.ncols()).unwrap_or_else(F::one);
        self.mean.clear();
        self.inv_std.clear();
        for (x, mut y) in input.rows().into_iter().zip(output.rows_mut()) {
            let mean = x.sum() / width;
            let var = x.fold(F::zero(), |s, &v| s + (v - mean) * (v - mean)) / width;
            let s = F::one() / (var + self.eps).sqrt();
            self.mean.push(mean);
            self.inv_std.push(s);
            for (((y, &x), &g), &b) in y.iter_mut().zip(x).zip(&self.weight).zip(&self.bias) {
                *y = (x - mean) * s * g + b;
            }
        }
    }

    /// With `x̂ = (x − μ)·s` per row and `g = dy·γ`: `dx = s/d · (d·g − Σ g − x̂·Σ g·x̂)`,
    /// `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`.
    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let width = F::from(input.ncols()).unwrap_or_else(F::one);
        self.grad_weight.fill(F::zero());
        self.grad_bias.fill(F::zero());
        for (i, (x, dy)) in input.rows().into_iter().zip(grad_output.rows()).enumerate() {
            let (mean, s) = (self.mean[i], self.inv_std[i]);
            let (mut sum_g, mut sum_g_xhat) = (F::zero(), F::zero());
            for (j, (&x, &dy)) in x.iter().zip(dy).enumerate() {
                let xhat = (x - mean) * s;
                self.grad_weight[j] += dy * xhat;
                self.grad_bias[j] += dy;
                let g = dy * self.weight[j];
                sum_g += g;
                sum_g_xhat += g * xhat;
            }
            let Some(dx) = grad_input.as_mut() else { continue };
            for (j, ((dx, &x), &dy)) in dx.row_mut(i).iter_mut().zip(x).zip(dy).enumerate() {
                let xhat = (x - mean) * s;
                *dx = s / width * (width * dy * self.weight[j] - sum_g - xhat * sum_g_xhat);
            }
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("weight", self.weight.view().into_dyn());
        f("bias", self.bias.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let n = self.weight.len();
        f(&[n], flat(&mut self.weight), flat(&mut self.grad_weight), "weight");
        f(&[n], flat(&mut self.bias), flat(&mut self.grad_bias), "bias");
    }
}
