//! A fully connected layer, `y = x·W + b`. Products go through [`gemm`](ndnet_kernels::gemm).
//!
//! ```
//! use ndnet_layers::{Dense, Layer};
//! use ndarray::array;
//! let mut dense = Dense::from_arrays(array![[1.0, 2.0], [3.0, 4.0]], array![0.5, -0.5]).unwrap();
//! let x = array![[1.0, 1.0]];
//! let mut y = ndarray::Array2::zeros((1, 2));
//! dense.forward(x.view(), y.view_mut());
//! assert_eq!(y, array![[4.5, 5.5]]);
//! ```

use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use rand::Rng;

use crate::onnx::OnnxLayer;
use crate::{BoxedLayer, BuildContext, Init, Layer, LayerError, LayerSpec, Result, check_width};
use ndnet_kernels::gemm::{gemm, gemm_bias, gemm_with_column_sums, threaded};

/// Builds a [`Dense`] layer: sizes plus initialisers, with `with_*` setters.
///
/// Defaults follow Keras: Glorot-uniform weights, zero biases.
///
/// ```
/// use ndnet_layers::{DenseConfig, Init};
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let dense = DenseConfig::new(10, 4).with_weight_init(Init::HeUniform).init::<f32, _>(&mut rng).unwrap();
/// assert_eq!(dense.weight().dim(), (10, 4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DenseConfig {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// How `W` is filled.
    pub weight_init: Init,
    /// How `b` is filled.
    pub bias_init: Init,
}

impl DenseConfig {
    /// A layer from `inputs` to `outputs` columns with Keras' default initialisers.
    pub fn new(inputs: usize, outputs: usize) -> Self {
        DenseConfig { inputs, outputs, weight_init: Init::GlorotUniform, bias_init: Init::Zeros }
    }

    /// Sets the weight initialiser.
    pub fn with_weight_init(mut self, init: Init) -> Self {
        self.weight_init = init;
        self
    }

    /// Sets the bias initialiser.
    pub fn with_bias_init(mut self, init: Init) -> Self {
        self.bias_init = init;
        self
    }

    /// Draws the weights (row-major), then the biases, from `rng`.
    ///
    /// Errors when either width is zero or an initialiser's bounds are invalid.
    pub fn init<F: NdFloat, R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Dense<F>> {
        for (name, n) in [("Dense inputs", self.inputs), ("Dense outputs", self.outputs)] {
            if n == 0 {
                return Err(LayerError::Config { name: name.into(), value: "0".into(), allowed: "≥ 1".into() });
            }
        }
        let (i, o) = (self.inputs, self.outputs);
        let weight = self.weight_init.sample((i, o), i, o, rng)?;
        let bias = self.bias_init.sample(o, i, o, rng)?;
        Dense::from_arrays(weight, bias)
    }
}

/// A [`Dense`] layer in a model description: its output width and initialisers (Keras' by
/// default); the input width is the previous layer's. Kind `dense`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseSpec {
    /// Output width, 1 to [`MAX_WIDTH`](crate::MAX_WIDTH).
    pub outputs: usize,
    /// How `W` is filled.
    #[serde(default = "glorot", skip_serializing_if = "is_glorot")]
    pub weight_init: Init,
    /// How `b` is filled.
    #[serde(default = "zeros", skip_serializing_if = "is_zeros")]
    pub bias_init: Init,
}

fn glorot() -> Init {
    Init::GlorotUniform
}

fn zeros() -> Init {
    Init::Zeros
}

fn is_glorot(init: &Init) -> bool {
    *init == Init::GlorotUniform
}

fn is_zeros(init: &Init) -> bool {
    *init == Init::Zeros
}

impl DenseSpec {
    /// `outputs` outputs, Glorot-uniform weights and zero biases.
    pub fn new(outputs: usize) -> Self {
        DenseSpec { outputs, weight_init: Init::GlorotUniform, bias_init: Init::Zeros }
    }

    /// Sets the weight initialiser.
    pub fn with_weight_init(mut self, init: Init) -> Self {
        self.weight_init = init;
        self
    }
}

impl LayerSpec for DenseSpec {
    const KIND: &'static str = "dense";
    const ABOUT: &'static str = "fully connected, y = x·W + b";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_width("dense inputs", input_width)?;
        check_width("dense outputs", self.outputs)?;
        self.weight_init.validate()?;
        self.bias_init.validate()?;
        Ok(self.outputs)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        (input_width as u128 + 1) * self.outputs as u128
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        let config = DenseConfig::new(ctx.input_width, self.outputs)
            .with_weight_init(self.weight_init)
            .with_bias_init(self.bias_init);
        Ok(BoxedLayer::new(config.init::<F, _>(&mut *ctx.rng)?))
    }

    fn torch(&self, input_width: usize) -> Option<String> {
        Some(format!("nn.Linear({input_width}, {})", self.outputs))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let w = layer.param("weight", &[layer.input_width, self.outputs])?;
        let b = layer.param("bias", &[self.outputs])?;
        let input = layer.input.clone();
        Ok(layer.graph.node("Gemm", &[&input, &w, &b], &[]))
    }
}

/// A fully connected layer, `y = x·W + b`, with `W` of shape inputs × outputs.
///
/// Parameters, in order: `weight` (inputs × outputs), `bias` (outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<F> {
    weight: Array2<F>,
    bias: Array1<F>,
    grad_weight: Array2<F>,
    grad_bias: Array1<F>,
}

impl<F: NdFloat> Dense<F> {
    /// A layer with the given weight (inputs × outputs) and bias (outputs).
    ///
    /// Errors when the bias length is not the weight's column count or a size is zero.
    pub fn from_arrays(weight: Array2<F>, bias: Array1<F>) -> Result<Self> {
        if weight.nrows() == 0 || weight.ncols() == 0 {
            return Err(LayerError::Config {
                name: "Dense weight shape".into(),
                value: format!("{} × {}", weight.nrows(), weight.ncols()),
                allowed: "at least 1 × 1".into(),
            });
        }
        if bias.len() != weight.ncols() {
            return Err(LayerError::Shape {
                context: "Dense bias".into(),
                expected: (1, weight.ncols()),
                actual: (1, bias.len()),
            });
        }
        // Row-major storage, so parameters can be handed out as flat slices.
        let weight = if weight.is_standard_layout() { weight } else { weight.as_standard_layout().into_owned() };
        let bias = if bias.is_standard_layout() { bias } else { bias.as_standard_layout().into_owned() };
        let grad_weight = Array2::zeros(weight.raw_dim());
        let grad_bias = Array1::zeros(bias.raw_dim());
        Ok(Dense { weight, bias, grad_weight, grad_bias })
    }

    /// The weight matrix, inputs × outputs.
    pub fn weight(&self) -> &Array2<F> {
        &self.weight
    }

    /// The bias vector.
    pub fn bias(&self) -> &Array1<F> {
        &self.bias
    }

    /// The weight gradient from the last backward pass.
    pub fn grad_weight(&self) -> &Array2<F> {
        &self.grad_weight
    }

    /// The bias gradient from the last backward pass.
    pub fn grad_bias(&self) -> &Array1<F> {
        &self.grad_bias
    }
}

impl<F: NdFloat> Layer<F> for Dense<F> {
    fn kind(&self) -> &'static str {
        "Dense"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        if input_width != self.weight.nrows() {
            return Err(LayerError::Width {
                context: "Dense".into(),
                expected: self.weight.nrows(),
                actual: input_width,
            });
        }
        Ok(self.weight.ncols())
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        gemm_bias(F::one(), input, self.weight.view(), self.bias.view(), output);
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        // dW = xᵀ·dy, db = Σ_rows dy, dx = dy·Wᵀ; transposes are views. The views are used
        // where they are, not moved into a closure: a copy of a view read right after the caller
        // wrote it waits on those stores.
        let (weight, grad_weight, grad_bias) = (&self.weight, &mut self.grad_weight, flat(&mut self.grad_bias));
        let (input, grad_output) = (&input, &grad_output);
        let mut weight_grad = move || {
            gemm_with_column_sums(F::one(), input.t(), grad_output.view(), F::zero(), grad_weight.view_mut(), grad_bias)
        };
        match grad_input {
            // Two large independent products side by side, each on its own core: faster than
            // one after the other, each split (no operand packed twice). Same bits either way.
            Some(grad_input) if threaded(weight.nrows(), grad_output.nrows(), weight.ncols()) => {
                rayon::join(weight_grad, || gemm(F::one(), grad_output.view(), weight.t(), F::zero(), grad_input));
            }
            Some(grad_input) => {
                weight_grad();
                gemm(F::one(), grad_output.view(), weight.t(), F::zero(), grad_input);
            }
            None => weight_grad(),
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("weight", self.weight.view().into_dyn());
        f("bias", self.bias.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let (rows, cols) = self.weight.dim();
        f(&[rows, cols], flat(&mut self.weight), flat(&mut self.grad_weight), "weight");
        f(&[cols], flat(&mut self.bias), flat(&mut self.grad_bias), "bias");
    }
}

/// An array this layer owns, as a row-major slice.
fn flat<F, D: ndarray::Dimension>(a: &mut ndarray::Array<F, D>) -> &mut [F] {
    a.as_slice_mut().expect("Dense keeps its arrays in standard layout (from_arrays makes them so)")
}
