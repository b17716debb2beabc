//! [`Pbld`]: RealMLP's numerical embedding (Holzmüller et al. 2024, "PBLD": periodic, bias,
//! linear, DenseNet-style; pytabkit's `PLREmbeddingsLayerCosBias` with `plr_use_densenet`).
//!
//! Each embedded column's value `x` becomes `h` values `cos(2π·x·wₜ + bₜ)` (weights drawn from
//! a normal of deviation `sigma`, phases uniform in ±π), then a linear layer to `dim − 1`
//! values; the column's value itself is kept as the last one. Unlike [`Periodic`](crate::Periodic)
//! there is no ReLU, and the phase replaces the sine half.
//!
//! The output is, as pytabkit lays it out, the `dim − 1` learned values of every embedded column
//! in column order, then the embedded columns' own values, then every other input column as it
//! came. Parameters, with pytabkit's names and shapes (`n` columns): `weight_1` (n × 1 × h),
//! `bias_1` (n × 1 × h), `weight_2` (n × h × (dim − 1)), `bias_2` (n × 1 × (dim − 1)).
//!
//! ```
//! use ndnet_layers::LayerSpec;
//! use ndnet_tabular::PbldSpec;
//! let spec = PbldSpec::new(vec![1, 2]); // RealMLP's 16 periodic values and 4 outputs a column
//! assert_eq!(spec.output_width(4).unwrap(), 2 * 4 + 2);
//! assert_eq!(spec.param_count(4), 2 * (2 * 16 + 16 * 3 + 3));
//! ```

use std::f64::consts::PI;

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use ndnet_layers::onnx::{OnnxAttr, OnnxLayer};
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::columns::{check_columns, pass_backward, pass_forward, passed};
use crate::piecewise_linear::gather;

/// A [`Pbld`] embedding in a model description. Kind `pbld`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PbldSpec {
    /// The embedded input columns, increasing.
    pub columns: Vec<usize>,
    /// The periodic values per column (`plr_hidden_1`, 16 in RealMLP).
    pub hidden: usize,
    /// The output values per column, the column's own value included (`plr_hidden_2`, 4 in
    /// RealMLP); at least 2.
    pub dim: usize,
    /// The deviation the frequencies are drawn with (`plr_sigma`, 0.1 in RealMLP).
    pub sigma: f64,
}

impl PbldSpec {
    /// `columns` embedded with RealMLP-TD's settings: 16 periodic values, 4 outputs, σ = 0.1.
    pub fn new(columns: Vec<usize>) -> Self {
        PbldSpec { columns, hidden: 16, dim: 4, sigma: 0.1 }
    }

    /// With `hidden` periodic values and `dim` outputs per column.
    pub fn with_sizes(mut self, hidden: usize, dim: usize) -> Self {
        (self.hidden, self.dim) = (hidden, dim);
        self
    }

    /// With frequencies drawn at deviation `sigma`.
    pub fn with_sigma(mut self, sigma: f64) -> Self {
        self.sigma = sigma;
        self
    }
}

impl LayerSpec for PbldSpec {
    const KIND: &'static str = "pbld";
    const ABOUT: &'static str =
        "RealMLP's numerical embeddings (cosines of learned frequencies and phases, linear, the value kept)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_columns(Self::KIND, &self.columns, input_width)?;
        check_width("pbld hidden", self.hidden)?;
        check_width("pbld dim", self.dim)?;
        let bad = |name: &str, value: String, allowed: &str| {
            Err(LayerError::Config { name: name.into(), value, allowed: allowed.into() })
        };
        if self.dim < 2 {
            return bad("pbld dim", self.dim.to_string(), "at least 2 (the value itself and one learned)");
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return bad("pbld sigma", self.sigma.to_string(), "a positive number");
        }
        let width = self.columns.len() * self.dim + input_width - self.columns.len();
        check_width("pbld output width", width)?;
        Ok(width)
    }

    fn param_count(&self, _: usize) -> u128 {
        let (n, h, d) = (self.columns.len() as u128, self.hidden as u128, self.dim as u128 - 1);
        n * (2 * h + h * d + d)
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        self.output_width(ctx.input_width)?;
        Ok(BoxedLayer::new(Pbld::<F>::new(self, &mut *ctx.rng)))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (n, h, d) = (self.columns.len(), self.hidden, self.dim - 1);
        let x = gather(layer, &self.columns, "embedded_columns");
        let axes = layer.graph.int64s("last_axis", &[1], &[2]);
        let x3 = layer.graph.node("Unsqueeze", &[&x, &axes], &[]); // N × n × 1
        let shape = layer.graph.int64s("per_column", &[2], &[n as i64, h as i64]);
        let w1 = layer.param("weight_1", &[n, 1, h])?;
        let w1 = layer.graph.node("Reshape", &[&w1, &shape], &[]);
        let b1 = layer.param("bias_1", &[n, 1, h])?;
        let b1 = layer.graph.node("Reshape", &[&b1, &shape], &[]);
        let v = layer.graph.node("Mul", &[&x3, &w1], &[]);
        let two_pi = layer.graph.constant("two_pi", &[], &[2.0 * PI]);
        let v = layer.graph.node("Mul", &[&two_pi, &v], &[]);
        let v = layer.graph.node("Add", &[&v, &b1], &[]);
        let cos = layer.graph.node("Cos", &[&v], &[]);
        let perm = [OnnxAttr::Ints("perm", &[1, 0, 2])];
        let by_column = layer.graph.node("Transpose", &[&cos], &perm); // n × N × h
        let w2 = layer.param("weight_2", &[n, h, d])?;
        let b2 = layer.param("bias_2", &[n, 1, d])?;
        let y = layer.graph.node("MatMul", &[&by_column, &w2], &[]);
        let y = layer.graph.node("Add", &[&y, &b2], &[]);
        let y = layer.graph.node("Transpose", &[&y], &perm); // N × n × d
        let flat_shape = layer.graph.int64s("flat_shape", &[2], &[-1, (n * d) as i64]);
        let flat = layer.graph.node("Reshape", &[&y, &flat_shape], &[]);
        let mut parts = vec![flat, x];
        let others = passed(&self.columns, layer.input_width);
        if !others.is_empty() {
            parts.push(gather(layer, &others, "passed_columns"));
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        Ok(layer.graph.node("Concat", &parts, &[OnnxAttr::Int("axis", 1)]))
    }
}

/// RealMLP's PBLD embedding; see the module docs.
#[derive(Debug, Clone)]
pub struct Pbld<F> {
    columns: Vec<usize>,
    passed: Vec<usize>,
    /// n × h frequencies and phases.
    w1: Array2<F>,
    b1: Array2<F>,
    /// n × h × (dim − 1) and n × (dim − 1).
    w2: Array3<F>,
    b2: Array2<F>,
    grad_w1: Array2<F>,
    grad_b1: Array2<F>,
    grad_w2: Array3<F>,
    grad_b2: Array2<F>,
    /// The last forward's phases `v` (rows × n × h); grows to the largest batch.
    phases: Vec<F>,
    /// One column's cosines (forward) or their gradient (backward), h values.
    scratch: Vec<F>,
}

impl<F: NdFloat> Pbld<F> {
    /// pytabkit's initialisation: `w₁ = σ·N(0, 1)`, `b₁ ~ U(−π, π)`, `w₂, b₂ ~ U(±1/√h)`.
    fn new(spec: &PbldSpec, rng: &mut dyn rand::RngCore) -> Self {
        let (n, h, d) = (spec.columns.len(), spec.hidden, spec.dim - 1);
        let small = |v: f64| F::from(v).expect("a small number");
        let w1 = Array2::from_shape_fn((n, h), |_| {
            let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
            small(spec.sigma * (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos())
        });
        let b1 = Array2::from_shape_fn((n, h), |_| small(rng.random_range(-PI..PI)));
        let bound = 1.0 / (h as f64).sqrt();
        let w2 = Array3::from_shape_fn((n, h, d), |_| small(rng.random_range(-bound..bound)));
        let b2 = Array2::from_shape_fn((n, d), |_| small(rng.random_range(-bound..bound)));
        Pbld {
            columns: spec.columns.clone(),
            passed: Vec::new(),
            grad_w1: Array2::zeros(w1.raw_dim()),
            grad_b1: Array2::zeros(b1.raw_dim()),
            grad_w2: Array3::zeros(w2.raw_dim()),
            grad_b2: Array2::zeros(b2.raw_dim()),
            w1,
            b1,
            w2,
            b2,
            phases: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn dims(&self) -> (usize, usize, usize) {
        let (n, h, d) = self.w2.dim();
        (n, h, d)
    }
}

impl<F: NdFloat> Layer<F> for Pbld<F> {
    fn kind(&self) -> &'static str {
        "Pbld"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_columns(PbldSpec::KIND, &self.columns, input_width)?;
        let (n, _, d) = self.dims();
        Ok(n * (d + 1) + input_width - n)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let (n, h, d) = self.dims();
        let rows = input.nrows();
        if self.passed.len() != input.ncols() - n {
            self.passed = passed(&self.columns, input.ncols());
        }
        let two_pi = F::from(2.0 * PI).expect("a float");
        let mut phases = std::mem::take(&mut self.phases);
        phases.resize(phases.len().max(rows * n * h), F::zero());
        let mut cos = std::mem::take(&mut self.scratch);
        cos.resize(h, F::zero());
        for i in 0..rows {
            for (col, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                let v = &mut phases[(i * n + col) * h..(i * n + col + 1) * h];
                for t in 0..h {
                    // As pytabkit: 2π·(x·w) + b.
                    v[t] = two_pi * (x * self.w1[[col, t]]) + self.b1[[col, t]];
                    cos[t] = v[t].cos();
                }
                for j in 0..d {
                    let mut y = self.b2[[col, j]];
                    for t in 0..h {
                        y += cos[t] * self.w2[[col, t, j]];
                    }
                    output[[i, col * d + j]] = y;
                }
                output[[i, n * d + col]] = x;
            }
        }
        self.phases = phases;
        self.scratch = cos;
        pass_forward(&self.passed, n * (d + 1), &input, &mut output);
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (n, h, d) = self.dims();
        let two_pi = F::from(2.0 * PI).expect("a float");
        self.grad_w1.fill(F::zero());
        self.grad_b1.fill(F::zero());
        self.grad_w2.fill(F::zero());
        self.grad_b2.fill(F::zero());
        let mut dcos = std::mem::take(&mut self.scratch);
        dcos.resize(h, F::zero());
        for i in 0..input.nrows() {
            for (col, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                let v = &self.phases[(i * n + col) * h..(i * n + col + 1) * h];
                let g = |j: usize| grad_output[[i, col * d + j]];
                for j in 0..d {
                    self.grad_b2[[col, j]] += g(j);
                }
                for t in 0..h {
                    let cos = v[t].cos();
                    let mut dot = F::zero();
                    for j in 0..d {
                        self.grad_w2[[col, t, j]] += cos * g(j);
                        dot += self.w2[[col, t, j]] * g(j);
                    }
                    dcos[t] = dot;
                }
                // The kept value's gradient, then the periodic part's.
                let mut dx = grad_output[[i, n * d + col]];
                for t in 0..h {
                    let dv = -v[t].sin() * dcos[t];
                    self.grad_b1[[col, t]] += dv;
                    self.grad_w1[[col, t]] += dv * two_pi * x;
                    dx += dv * two_pi * self.w1[[col, t]];
                }
                if let Some(gi) = grad_input.as_mut() {
                    gi[[i, c]] = dx;
                }
            }
        }
        self.scratch = dcos;
        if let Some(mut gi) = grad_input {
            pass_backward(&self.passed, n * (d + 1), &grad_output, &mut gi);
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        let (n, h, d) = self.dims();
        let three = "n × last in standard layout";
        f("weight_1", self.w1.view().into_shape_with_order((n, 1, h)).expect(three).into_dyn());
        f("bias_1", self.b1.view().into_shape_with_order((n, 1, h)).expect(three).into_dyn());
        f("weight_2", self.w2.view().into_dyn());
        f("bias_2", self.b2.view().into_shape_with_order((n, 1, d)).expect(three).into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let flat = "parameters are made in standard layout";
        let (n, h, d) = self.dims();
        f(&[n, 1, h], self.w1.as_slice_mut().expect(flat), self.grad_w1.as_slice_mut().expect(flat), "weight_1");
        f(&[n, 1, h], self.b1.as_slice_mut().expect(flat), self.grad_b1.as_slice_mut().expect(flat), "bias_1");
        f(&[n, h, d], self.w2.as_slice_mut().expect(flat), self.grad_w2.as_slice_mut().expect(flat), "weight_2");
        f(&[n, 1, d], self.b2.as_slice_mut().expect(flat), self.grad_b2.as_slice_mut().expect(flat), "bias_2");
    }
}
