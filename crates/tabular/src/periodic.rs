//! [`Periodic`]: periodic embeddings of numerical columns (PLR, Gorishniy et al. 2022;
//! `rtdl_num_embeddings.PeriodicEmbeddings`).
//!
//! Each embedded column's value `x` becomes `k` frequencies `vₜ = 2π·cₜ·x` (the `cₜ` learned,
//! drawn from a normal of deviation `sigma` cut at ±3σ), then `[cos v, sin v]` (2k values), then a
//! linear layer to `dim` values and a ReLU. The linear layer is the column's own (n separate
//! `2k × dim` matrices and biases), or with `lite` one shared by every column (the TabR paper's
//! variant, which always has the ReLU).
//!
//! The output is each embedded column's `dim` values in column order, then every other input
//! column as it came. Parameters, with PyTorch's names and shapes: `periodic.weight` (n × k);
//! `linear.weight` (n × 2k × dim) and `linear.bias` (n × dim), or with `lite`, as `nn.Linear`,
//! `linear.weight` (dim × 2k) and `linear.bias` (dim).
//!
//! ```
//! use ndnet_layers::LayerSpec;
//! use ndnet_tabular::PeriodicSpec;
//! let spec = PeriodicSpec::new(vec![0, 2], 24).with_frequencies(8);
//! assert_eq!(spec.output_width(3).unwrap(), 2 * 24 + 1);
//! assert_eq!(spec.param_count(3), 2 * 8 + 2 * (16 * 24 + 24));
//! ```

use std::f64::consts::PI;

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use ndnet_layers::onnx::{OnnxAttr, OnnxLayer};
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::columns::{check_columns, pass_backward, pass_forward, passed};
use crate::piecewise_linear::{flatten_and_pass, gather};

/// A [`Periodic`] embedding in a model description. Kind `periodic`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodicSpec {
    /// The embedded input columns, increasing.
    pub columns: Vec<usize>,
    /// The frequencies per column (`k`; 48 in `rtdl_num_embeddings`).
    pub frequencies: usize,
    /// The deviation the frequencies are drawn with (0.01 in `rtdl_num_embeddings`; the setting
    /// that matters most).
    pub sigma: f64,
    /// The width of each column's embedding (24 in `rtdl_num_embeddings`).
    pub dim: usize,
    /// One linear layer shared by every column.
    pub lite: bool,
    /// A ReLU at the end (always with `lite`).
    pub relu: bool,
}

impl PeriodicSpec {
    /// `columns` embedded in `dim` values each, with `rtdl_num_embeddings`' defaults: 48
    /// frequencies, σ = 0.01, a linear layer per column, a ReLU.
    pub fn new(columns: Vec<usize>, dim: usize) -> Self {
        PeriodicSpec { columns, frequencies: 48, sigma: 0.01, dim, lite: false, relu: true }
    }

    /// With `k` frequencies per column.
    pub fn with_frequencies(mut self, k: usize) -> Self {
        self.frequencies = k;
        self
    }

    /// With frequencies drawn at deviation `sigma`.
    pub fn with_sigma(mut self, sigma: f64) -> Self {
        self.sigma = sigma;
        self
    }

    /// With one linear layer shared by every column (and the ReLU).
    pub fn with_lite(mut self, lite: bool) -> Self {
        self.lite = lite;
        self
    }

    /// With (or without) the ReLU.
    pub fn with_relu(mut self, relu: bool) -> Self {
        self.relu = relu;
        self
    }

    fn check(&self, input_width: usize) -> Result<()> {
        check_columns(Self::KIND, &self.columns, input_width)?;
        check_width("periodic dim", self.dim)?;
        check_width("periodic frequencies", self.frequencies)?;
        let bad = |name: &str, value: String, allowed: &str| {
            Err(LayerError::Config { name: name.into(), value, allowed: allowed.into() })
        };
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return bad("periodic sigma", self.sigma.to_string(), "a positive number");
        }
        if self.lite && !self.relu {
            return bad("periodic relu", "false".into(), "true with lite (as rtdl_num_embeddings)");
        }
        Ok(())
    }
}

impl LayerSpec for PeriodicSpec {
    const KIND: &'static str = "periodic";
    const ABOUT: &'static str =
        "periodic embeddings of numerical columns (PLR: cos and sin of learned frequencies, linear, ReLU)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.check(input_width)?;
        let width = self.columns.len() * self.dim + input_width - self.columns.len();
        check_width("periodic output width", width)?;
        Ok(width)
    }

    fn param_count(&self, _: usize) -> u128 {
        let (n, k, d) = (self.columns.len() as u128, self.frequencies as u128, self.dim as u128);
        let linear = if self.lite { 2 * k * d + d } else { n * (2 * k * d + d) };
        n * k + linear
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        self.output_width(ctx.input_width)?;
        Ok(BoxedLayer::new(Periodic::<F>::new(self, &mut *ctx.rng)))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (n, k, d) = (self.columns.len(), self.frequencies, self.dim);
        let x = gather(layer, &self.columns, "embedded_columns");
        let axes = layer.graph.int64s("last_axis", &[1], &[2]);
        let x3 = layer.graph.node("Unsqueeze", &[&x, &axes], &[]); // N × n × 1
        let c = layer.param("periodic.weight", &[n, k])?;
        let two_pi = layer.graph.constant("two_pi", &[], &[2.0 * PI]);
        let c = layer.graph.node("Mul", &[&two_pi, &c], &[]);
        let v = layer.graph.node("Mul", &[&c, &x3], &[]); // N × n × k
        let (cos, sin) = (layer.graph.node("Cos", &[&v], &[]), layer.graph.node("Sin", &[&v], &[]));
        let features = layer.graph.node("Concat", &[&cos, &sin], &[OnnxAttr::Int("axis", 2)]);
        let mut out = if self.lite {
            let w = layer.param("linear.weight", &[d, 2 * k])?;
            let b = layer.param("linear.bias", &[d])?;
            let wt = layer.graph.node("Transpose", &[&w], &[OnnxAttr::Ints("perm", &[1, 0])]);
            let y = layer.graph.node("MatMul", &[&features, &wt], &[]);
            layer.graph.node("Add", &[&y, &b], &[])
        } else {
            let perm = [OnnxAttr::Ints("perm", &[1, 0, 2])];
            let w = layer.param("linear.weight", &[n, 2 * k, d])?;
            let b = layer.param("linear.bias", &[n, d])?;
            let by_column = layer.graph.node("Transpose", &[&features], &perm);
            let y = layer.graph.node("MatMul", &[&by_column, &w], &[]);
            let y = layer.graph.node("Transpose", &[&y], &perm);
            layer.graph.node("Add", &[&y, &b], &[])
        };
        if self.relu {
            out = layer.graph.node("Relu", &[&out], &[]);
        }
        Ok(flatten_and_pass(layer, &out, n * d, &self.columns))
    }
}

/// The periodic embedding; see the module docs.
#[derive(Debug, Clone)]
pub struct Periodic<F> {
    columns: Vec<usize>,
    passed: Vec<usize>,
    relu: bool,
    lite: bool,
    /// n × k frequencies.
    c: Array2<F>,
    /// Per column (or one, with `lite`) 2k × dim, stored as PyTorch does: n × 2k × dim, or
    /// dim × 2k for `nn.Linear`.
    w: Array3<F>,
    b: Array2<F>,
    grad_c: Array2<F>,
    grad_w: Array3<F>,
    grad_b: Array2<F>,
    /// The last forward's `[cos v, sin v]`, rows × n × 2k; grows to the largest batch.
    features: Vec<F>,
    /// One column's masked output gradient (dim) and feature gradient (2k).
    scratch: Vec<F>,
}

impl<F: NdFloat> Periodic<F> {
    fn new(spec: &PeriodicSpec, rng: &mut dyn rand::RngCore) -> Self {
        let (n, k, d) = (spec.columns.len(), spec.frequencies, spec.dim);
        let c = Array2::from_shape_fn((n, k), |_| F::from(truncated_normal(rng, spec.sigma)).expect("small"));
        let bound = 1.0 / ((2 * k) as f64).sqrt();
        let mut uniform = || F::from(rng.random_range(-bound..bound)).expect("small");
        let (w_shape, b_shape) = if spec.lite { ((1, d, 2 * k), (1, d)) } else { ((n, 2 * k, d), (n, d)) };
        let w = Array3::from_shape_fn(w_shape, |_| uniform());
        let b = Array2::from_shape_fn(b_shape, |_| uniform());
        Periodic {
            columns: spec.columns.clone(),
            passed: Vec::new(),
            relu: spec.relu,
            lite: spec.lite,
            grad_c: Array2::zeros(c.raw_dim()),
            grad_w: Array3::zeros(w.raw_dim()),
            grad_b: Array2::zeros(b.raw_dim()),
            c,
            w,
            b,
            features: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The weight from feature `f` to output `j` of column `col`'s linear layer.
    fn weight(&self, col: usize, f: usize, j: usize) -> F {
        if self.lite { self.w[[0, j, f]] } else { self.w[[col, f, j]] }
    }

    fn dims(&self) -> (usize, usize, usize) {
        let (n, k) = self.c.dim();
        (n, k, self.b.ncols())
    }
}

/// A draw from a normal of deviation `sigma` cut at ±3σ (redrawn outside), as
/// `nn.init.trunc_normal_` samples it in distribution.
fn truncated_normal(rng: &mut dyn rand::RngCore, sigma: f64) -> f64 {
    loop {
        // Box–Muller from two uniforms in (0, 1].
        let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
        let z = (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos();
        if z.abs() <= 3.0 {
            return sigma * z;
        }
    }
}

impl<F: NdFloat> Layer<F> for Periodic<F> {
    fn kind(&self) -> &'static str {
        "Periodic"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_columns(PeriodicSpec::KIND, &self.columns, input_width)?;
        Ok(self.columns.len() * self.b.ncols() + input_width - self.columns.len())
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let (n, k, d) = self.dims();
        let rows = input.nrows();
        if self.passed.len() != input.ncols() - n {
            self.passed = passed(&self.columns, input.ncols());
        }
        let two_pi = F::from(2.0 * PI).expect("a float");
        let mut features = std::mem::take(&mut self.features);
        features.resize(features.len().max(rows * n * 2 * k), F::zero());
        for i in 0..rows {
            for (col, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                let feats = &mut features[(i * n + col) * 2 * k..(i * n + col + 1) * 2 * k];
                for f in 0..k {
                    let v = two_pi * self.c[[col, f]] * x;
                    (feats[f], feats[k + f]) = (v.cos(), v.sin());
                }
                let bias = self.b.row(if self.lite { 0 } else { col });
                for j in 0..d {
                    let mut y = bias[j];
                    for (f, &e) in feats.iter().enumerate() {
                        y += e * self.weight(col, f, j);
                    }
                    output[[i, col * d + j]] = if self.relu { y.max(F::zero()) } else { y };
                }
            }
        }
        self.features = features;
        pass_forward(&self.passed, n * d, &input, &mut output);
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (n, k, d) = self.dims();
        let two_pi = F::from(2.0 * PI).expect("a float");
        self.grad_c.fill(F::zero());
        self.grad_w.fill(F::zero());
        self.grad_b.fill(F::zero());
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(d + 2 * k, F::zero());
        for i in 0..input.nrows() {
            for (col, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                let (g, dfeats) = scratch.split_at_mut(d);
                for j in 0..d {
                    let open = !self.relu || output[[i, col * d + j]] > F::zero();
                    g[j] = if open { grad_output[[i, col * d + j]] } else { F::zero() };
                }
                let feats = &self.features[(i * n + col) * 2 * k..(i * n + col + 1) * 2 * k];
                let lin = if self.lite { 0 } else { col };
                for j in 0..d {
                    self.grad_b[[lin, j]] += g[j];
                }
                for (f, &e) in feats.iter().enumerate() {
                    let mut dot = F::zero();
                    for j in 0..d {
                        let w = if self.lite { &mut self.grad_w[[0, j, f]] } else { &mut self.grad_w[[col, f, j]] };
                        *w += e * g[j];
                        dot += g[j] * if self.lite { self.w[[0, j, f]] } else { self.w[[col, f, j]] };
                    }
                    dfeats[f] = dot;
                }
                let mut dx = F::zero();
                for f in 0..k {
                    // d cos v = −sin v, d sin v = cos v.
                    let dv = dfeats[k + f] * feats[f] - dfeats[f] * feats[k + f];
                    self.grad_c[[col, f]] += dv * two_pi * x;
                    dx += dv * two_pi * self.c[[col, f]];
                }
                if let Some(gi) = grad_input.as_mut() {
                    gi[[i, c]] = dx;
                }
            }
        }
        self.scratch = scratch;
        if let Some(mut gi) = grad_input {
            pass_backward(&self.passed, n * d, &grad_output, &mut gi);
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("periodic.weight", self.c.view().into_dyn());
        if self.lite {
            f("linear.weight", self.w.index_axis(ndarray::Axis(0), 0).into_dyn());
            f("linear.bias", self.b.row(0).into_dyn());
        } else {
            f("linear.weight", self.w.view().into_dyn());
            f("linear.bias", self.b.view().into_dyn());
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let flat = "parameters are made in standard layout";
        let (n, k, d) = self.dims();
        f(&[n, k], self.c.as_slice_mut().expect(flat), self.grad_c.as_slice_mut().expect(flat), "periodic.weight");
        let (w_shape, b_shape): (&[usize], &[usize]) =
            if self.lite { (&[d, 2 * k], &[d]) } else { (&[n, 2 * k, d], &[n, d]) };
        f(w_shape, self.w.as_slice_mut().expect(flat), self.grad_w.as_slice_mut().expect(flat), "linear.weight");
        f(b_shape, self.b.as_slice_mut().expect(flat), self.grad_b.as_slice_mut().expect(flat), "linear.bias");
    }
}
