//! Element-wise activations with hand-written backward passes: [`Relu`], [`LeakyRelu`],
//! [`Tanh`], [`Sigmoid`], and [`Activation`], one of them chosen at run time.
//!
//! ```
//! use ndnet_layers::{Activation, Layer, Relu};
//! use ndarray::array;
//! let x = array![[-1.0, 0.0, 2.0]];
//! let mut y = ndarray::Array2::zeros((1, 3));
//! Relu.forward(x.view(), y.view_mut());
//! assert_eq!(y, array![[0.0, 0.0, 2.0]]);
//! let mut leaky: Activation = "leaky-relu".parse().unwrap();
//! leaky.forward(x.view(), y.view_mut());
//! assert_eq!(y, array![[-0.01, 0.0, 2.0]]);
//! ```

use std::str::FromStr;

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat, Zip};

use crate::{Layer, LayerError, Result, cast, simd};

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relu;

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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu {
    /// The slope for negative inputs.
    pub slope: f64,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        LeakyRelu { slope: 0.01 }
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tanh;

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sigmoid;

/// The logistic function, stable for any x (no `exp` of a large positive number).
pub(crate) fn sigmoid<F: NdFloat>(x: F) -> F {
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

/// One of the activations, chosen at run time (a program's `--activation`). Parses from `relu`,
/// `leaky-relu` (slope 0.01), `tanh` and `sigmoid`; saved (serde) as `"relu"`, `{"leaky_relu": 0.01}`, ….
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

impl FromStr for Activation {
    type Err = LayerError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "leaky-relu" | "leaky_relu" | "leakyrelu" => Ok(Activation::LeakyRelu(0.01)),
            "tanh" => Ok(Activation::Tanh),
            "sigmoid" => Ok(Activation::Sigmoid),
            _ => Err(LayerError::Config {
                name: "activation".into(),
                value: s.to_string(),
                allowed: "one of relu, leaky-relu, tanh, sigmoid".into(),
            }),
        }
    }
}

macro_rules! dispatch {
    ($self:expr, $layer:ident => $body:expr) => {
        match *$self {
            Activation::Relu => {
                let mut $layer = Relu;
                $body
            }
            Activation::LeakyRelu(slope) => {
                let mut $layer = LeakyRelu { slope };
                $body
            }
            Activation::Tanh => {
                let mut $layer = Tanh;
                $body
            }
            Activation::Sigmoid => {
                let mut $layer = Sigmoid;
                $body
            }
        }
    };
}

impl<F: NdFloat> Layer<F> for Activation {
    fn kind(&self) -> &'static str {
        match self {
            Activation::Relu => "Relu",
            Activation::LeakyRelu(_) => "LeakyRelu",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
        }
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        dispatch!(self, l => l.forward(input, output))
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        dispatch!(self, l => l.backward(input, output, grad_output, grad_input))
    }
}
