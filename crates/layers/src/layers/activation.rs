//! Element-wise activations with hand-written backward passes, each its own layer spec (an
//! activation is registered once in [`Registry::builtin`](crate::Registry::builtin), which
//! `--activation` reads): [`Relu`], [`LeakyRelu`], [`Tanh`], [`Sigmoid`].
//!
//! ```
//! use ndnet_layers::{Layer, LeakyRelu, Relu};
//! use ndarray::array;
//! let x = array![[-1.0, 0.0, 2.0]];
//! let mut y = ndarray::Array2::zeros((1, 3));
//! Relu.forward(x.view(), y.view_mut());
//! assert_eq!(y, array![[0.0, 0.0, 2.0]]);
//! LeakyRelu::default().forward(x.view(), y.view_mut());
//! assert_eq!(y, array![[-0.01, 0.0, 2.0]]);
//! ```

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::onnx::{OnnxAttr, OnnxLayer};
use crate::{BoxedLayer, BuildContext, Layer, LayerDesc, LayerSpec, Result, cast, simd};

/// Implements the width and kind half of [`Layer`] for an element-wise activation.
macro_rules! elementwise {
    ($kind:literal) => {
        fn kind(&self) -> &'static str {
            $kind
        }

        fn output_width(&self, input_width: usize) -> Result<usize> {
            Ok(input_width)
        }
    };
}

/// Implements [`LayerSpec`] for a parameterless activation: its kind, what it computes, its
/// PyTorch module and its ONNX operator.
macro_rules! activation_spec {
    ($ty:ident, $kind:literal, $about:literal, $torch:literal, $onnx:literal) => {
        impl LayerSpec for $ty {
            const KIND: &'static str = $kind;
            const ABOUT: &'static str = $about;
            const ACTIVATION: bool = true;

            fn output_width(&self, input_width: usize) -> Result<usize> {
                Ok(input_width)
            }

            fn build<F: NdFloat>(&self, _: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
                Ok(BoxedLayer::new(self.clone()))
            }

            fn torch(&self, _: usize) -> Option<String> {
                Some($torch.to_string())
            }

            fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
                Ok(layer.unary($onnx, &[]))
            }
        }
    };
}

/// `out = f(x)` element by element. When both views lie in one contiguous layout (a model's
/// feature-major buffers do), as one loop over the memory in the widest vector copy
/// ([`simd::dispatch`]); otherwise through `Zip`. Element-wise, so the same bits either way.
#[inline(always)]
fn map<F: NdFloat>(mut out: ArrayViewMut2<'_, F>, x: ArrayView2<'_, F>, f: impl Fn(F) -> F) {
    if out.dim() == x.dim()
        && out.strides() == x.strides()
        && let (Some(x), Some(out)) = (x.as_slice_memory_order(), out.as_slice_memory_order_mut())
    {
        return simd::dispatch(
            #[inline(always)]
            || out.iter_mut().zip(x).for_each(|(o, &x)| *o = f(x)),
        );
    }
    Zip::from(&mut out).and(&x).for_each(|o, &x| *o = f(x));
}

/// `out = f(x, dy)` element by element, as [`map`] does.
#[inline(always)]
fn map2<F: NdFloat>(mut out: ArrayViewMut2<'_, F>, x: ArrayView2<'_, F>, dy: ArrayView2<'_, F>, f: impl Fn(F, F) -> F) {
    if (out.dim(), out.strides()) == (x.dim(), x.strides())
        && (x.dim(), x.strides()) == (dy.dim(), dy.strides())
        && let (Some(x), Some(dy), Some(out)) =
            (x.as_slice_memory_order(), dy.as_slice_memory_order(), out.as_slice_memory_order_mut())
    {
        return simd::dispatch(
            #[inline(always)]
            || out.iter_mut().zip(x).zip(dy).for_each(|((o, &x), &dy)| *o = f(x, dy)),
        );
    }
    Zip::from(&mut out).and(&x).and(&dy).for_each(|o, &x, &dy| *o = f(x, dy));
}

/// `dx = dy ⊙ f'(x, y)` into `grad_input`, when it is asked for.
fn backward_with<F: NdFloat>(
    input: ArrayView2<'_, F>,
    output: ArrayView2<'_, F>,
    grad_output: ArrayView2<'_, F>,
    grad_input: Option<ArrayViewMut2<'_, F>>,
    derivative: impl Fn(F, F) -> F,
) {
    if let Some(mut dx) = grad_input {
        Zip::from(&mut dx).and(&input).and(&output).and(&grad_output).for_each(|dx, &x, &y, &dy| {
            *dx = dy * derivative(x, y);
        });
    }
}

/// `y = max(x, 0)`. The derivative at exactly 0 is taken as 0, as PyTorch does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Relu;

activation_spec!(Relu, "relu", "max(x, 0)", "nn.ReLU()", "Relu");

impl<F: NdFloat> Layer<F> for Relu {
    elementwise!("Relu");

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        map(output, input, |x| if x > F::zero() { x } else { F::zero() });
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        // Without the output: the seed's step reads two arrays here, not three.
        if let Some(dx) = grad_input {
            map2(dx, input, grad_output, |x, dy| if x > F::zero() { dy } else { F::zero() });
        }
    }
}

/// `y = x` for `x > 0`, else `slope·x` (PyTorch's `LeakyReLU`, default slope 0.01).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeakyRelu {
    /// The slope for negative inputs.
    pub slope: f64,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        LeakyRelu { slope: 0.01 }
    }
}

impl LayerSpec for LeakyRelu {
    const KIND: &'static str = "leaky_relu";
    const ABOUT: &'static str = "x, or slope·x below 0 (slope 0.01)";
    const ACTIVATION: bool = true;

    fn output_width(&self, input_width: usize) -> Result<usize> {
        crate::error::setting::<f64>("leaky_relu slope", self.slope, self.slope.is_finite(), "finite")?;
        Ok(input_width)
    }

    fn build<F: NdFloat>(&self, _: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        Ok(BoxedLayer::new(*self))
    }

    fn torch(&self, _: usize) -> Option<String> {
        Some(format!("nn.LeakyReLU({})", self.slope))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        Ok(layer.unary("LeakyRelu", &[OnnxAttr::Float("alpha", self.slope as f32)]))
    }
}

impl<F: NdFloat> Layer<F> for LeakyRelu {
    elementwise!("LeakyRelu");

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        let slope: F = cast(self.slope);
        map(output, input, |x| if x > F::zero() { x } else { slope * x });
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let slope: F = cast(self.slope);
        backward_with(input, output, grad_output, grad_input, |x, _| if x > F::zero() { F::one() } else { slope });
    }
}

/// `y = tanh(x)`; `dy/dx = 1 − y²`, from the output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tanh;

activation_spec!(Tanh, "tanh", "tanh(x)", "nn.Tanh()", "Tanh");

impl<F: NdFloat> Layer<F> for Tanh {
    elementwise!("Tanh");

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        Zip::from(&mut output).and(&input).for_each(|y, &x| *y = x.tanh());
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        backward_with(input, output, grad_output, grad_input, |_, y| F::one() - y * y);
    }
}

/// `y = 1 / (1 + e^(−x))`, computed without overflow for large |x|; `dy/dx = y·(1 − y)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sigmoid;

activation_spec!(Sigmoid, "sigmoid", "1/(1 + e^(−x))", "nn.Sigmoid()", "Sigmoid");

/// The logistic function, stable for any x (no `exp` of a large positive number).
///
/// ```
/// assert_eq!(ndnet_layers::sigmoid(0.0_f64), 0.5);
/// assert!(ndnet_layers::sigmoid(-800.0_f64) >= 0.0);
/// ```
pub fn sigmoid<F: NdFloat>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

impl<F: NdFloat> Layer<F> for Sigmoid {
    elementwise!("Sigmoid");

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        Zip::from(&mut output).and(&input).for_each(|y, &x| *y = sigmoid(x));
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        backward_with(input, output, grad_output, grad_input, |_, y| y * (F::one() - y));
    }
}

/// `y = x·Φ(x) = x·½(1 + erf(x/√2))`, the exact Gaussian error linear unit (PyTorch's
/// `nn.GELU()`, Hendrycks & Gimpel 2016); `dy/dx = Φ(x) + x·φ(x)`. Computed in f64 as PyTorch
/// writes it, with musl's `erf`, and rounded to the layer's type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Gelu;

/// Φ(x), the standard normal distribution function, as PyTorch computes it: `½(1 + erf(x/√2))`.
fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2))
}

impl<F: NdFloat> Layer<F> for Gelu {
    elementwise!("Gelu");

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        map(output, input, |x| {
            let x = x.to_f64().unwrap_or(f64::NAN);
            cast(x * normal_cdf(x))
        });
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        // PyTorch's GeluBackward: cdf + x·pdf, pdf = (2/√π · 1/√2 · ½)·e^(−x²/2).
        let beta = std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2 * 0.5;
        backward_with(input, output, grad_output, grad_input, |x, _| {
            let x = x.to_f64().unwrap_or(f64::NAN);
            cast(normal_cdf(x) + x * (beta * (x * x * -0.5).exp()))
        });
    }
}

impl LayerSpec for Gelu {
    const KIND: &'static str = "gelu";
    const ABOUT: &'static str = "x·Φ(x), the exact Gaussian error linear unit";
    const ACTIVATION: bool = true;

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn build<F: NdFloat>(&self, _: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        Ok(BoxedLayer::new(Gelu))
    }

    fn torch(&self, _: usize) -> Option<String> {
        Some("nn.GELU()".to_string())
    }

    /// `x·½(1 + erf(x/√2))` with `Erf` (opset 17 has no `Gelu` operator).
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let x = layer.input.clone();
        let g = &mut *layer.graph;
        let (root_half, one, half) = (
            g.constant("sqrt_half", &[], &[0.5_f64.sqrt()]),
            g.constant("one", &[], &[1.0]),
            g.constant("half", &[], &[0.5]),
        );
        let scaled = g.node("Mul", &[&x, &root_half], &[]);
        let erf = g.node("Erf", &[&scaled], &[]);
        let cdf = g.node("Add", &[&erf, &one], &[]);
        let cdf = g.node("Mul", &[&cdf, &half], &[]);
        Ok(g.node("Mul", &[&x, &cdf], &[]))
    }
}

/// One of the four classic activations chosen at run time, as one layer type; saved (serde) as
/// `"relu"`, `{"leaky_relu": 0.01}`, …, the form model files written before model descriptions
/// hold. Programs and files name activations through the [`Registry`](crate::Registry), which
/// has every activation; [`Activation::desc`] is this one's stored form there.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Activation {
    /// [`Relu`].
    Relu,
    /// [`LeakyRelu`] with this slope.
    LeakyRelu(f64),
    /// [`Tanh`].
    Tanh,
    /// [`Sigmoid`].
    Sigmoid,
}

impl Activation {
    /// Runs `f` on the activation as its own layer type.
    fn with<F: NdFloat, R>(self, f: impl FnOnce(&mut dyn Layer<F>) -> R) -> R {
        match self {
            Activation::Relu => f(&mut Relu),
            Activation::LeakyRelu(slope) => f(&mut LeakyRelu { slope }),
            Activation::Tanh => f(&mut Tanh),
            Activation::Sigmoid => f(&mut Sigmoid),
        }
    }

    /// The activation as a layer spec of the registry.
    pub fn desc(self) -> LayerDesc {
        match self {
            Activation::Relu => LayerDesc::of(&Relu),
            Activation::LeakyRelu(slope) => LayerDesc::of(&LeakyRelu { slope }),
            Activation::Tanh => LayerDesc::of(&Tanh),
            Activation::Sigmoid => LayerDesc::of(&Sigmoid),
        }
    }
}

impl<F: NdFloat> Layer<F> for Activation {
    fn kind(&self) -> &'static str {
        self.with::<F, _>(|l| l.kind())
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        self.with(|l| l.forward(input, output))
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        self.with(|l| l.backward(input, output, grad_output, grad_input))
    }
}
