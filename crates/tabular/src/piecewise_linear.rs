//! [`PiecewiseLinear`]: the piecewise-linear embedding of numerical columns (Gorishniy et al.
//! 2022, version B of `rtdl_num_embeddings.PiecewiseLinearEmbeddings`, the one TabM uses).
//!
//! A column with bin edges `e₀ < … < e_T` is first encoded as `T` values, one per bin: 1 for a
//! bin left of `x`, `(x − eₜ)/(eₜ₊₁ − eₜ)` for the bin holding `x`, 0 for the bins right of it —
//! the first bin not clamped below (so values under `e₀` extrapolate), the last not above, a
//! single bin not at all. The embedding is `x·w + b` (a linear embedding of `dim` values) plus
//! the encoding times a `T × dim` matrix that starts at zero, so training begins from the linear
//! embedding and learns the piecewise part; `relu` applies a ReLU to that part alone.
//!
//! The output is each embedded column's `dim` values in column order, then every other input
//! column as it came. Parameters, with `rtdl_num_embeddings`' names and shapes (`n` columns,
//! `M` the most bins of any column; a column with fewer bins uses rows `0..T−1` and `M−1` of its
//! matrix, as the PyTorch module lays them out): `linear0.weight` (n × dim), `linear0.bias`
//! (n × dim), `linear.weight` (n × M × dim).
//!
//! ```
//! use ndnet_layers::{Layer, LayerSpec};
//! use ndnet_tabular::PiecewiseLinearSpec;
//! // column 0 of 2 embedded in 3 values, with bins [0, 1), [1, 2), [2, 4]
//! let spec = PiecewiseLinearSpec::new(vec![0], vec![vec![0.0, 1.0, 2.0, 4.0]], 3);
//! assert_eq!(spec.output_width(2).unwrap(), 3 + 1);
//! assert_eq!(spec.encode(0, 3.0), [1.0, 1.0, 0.5]);
//! assert_eq!(spec.encode(0, -1.0), [-1.0, 0.0, 0.0]); // below the first edge: extrapolated
//! ```

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use ndnet_layers::onnx::{OnnxAttr, OnnxLayer};
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::columns::{check_columns, pass_backward, pass_forward, passed};

/// The most bins a column may have.
pub const MAX_BINS: usize = 1024;

/// A [`PiecewiseLinear`] embedding in a model description: the embedded input columns (sorted),
/// each column's bin edges (fitted on training rows: [`quantile_bins`](crate::quantile_bins) or
/// [`tree_bins`](crate::tree_bins)), the embedding width and whether the piecewise part goes
/// through a ReLU. Kind `piecewise_linear`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiecewiseLinearSpec {
    /// The embedded input columns, increasing.
    pub columns: Vec<usize>,
    /// Each embedded column's bin edges: 2 to `MAX_BINS + 1` finite, increasing values.
    pub edges: Vec<Vec<f64>>,
    /// The width of each column's embedding.
    pub dim: usize,
    /// A ReLU on the piecewise part (`activation=True` in `rtdl_num_embeddings`).
    #[serde(default)]
    pub relu: bool,
}

impl PiecewiseLinearSpec {
    /// Embeds `columns` with bins `edges` in `dim` values each, no ReLU.
    pub fn new(columns: Vec<usize>, edges: Vec<Vec<f64>>, dim: usize) -> Self {
        PiecewiseLinearSpec { columns, edges, dim, relu: false }
    }

    /// With (or without) a ReLU on the piecewise part.
    pub fn with_relu(mut self, relu: bool) -> Self {
        self.relu = relu;
        self
    }

    /// The encoding of value `x` of the `k`-th embedded column, one value per bin (see the
    /// module docs).
    pub fn encode(&self, k: usize, x: f64) -> Vec<f64> {
        let bins = Bins::<f64>::new(&self.edges[k]);
        (0..bins.len()).map(|t| bins.encode(t, x).0).collect()
    }

    fn check(&self, input_width: usize) -> Result<()> {
        check_columns(Self::KIND, &self.columns, input_width)?;
        check_width("piecewise_linear dim", self.dim)?;
        let bad = |value: String, allowed: &str| LayerError::Config {
            name: "piecewise_linear edges".into(),
            value,
            allowed: allowed.into(),
        };
        if self.edges.len() != self.columns.len() {
            return Err(bad(format!("{} lists", self.edges.len()), "one list of edges per column"));
        }
        for (k, e) in self.edges.iter().enumerate() {
            let ok = (2..=MAX_BINS + 1).contains(&e.len())
                && e.iter().all(|v| v.is_finite())
                && e.windows(2).all(|w| w[0] < w[1])
                // The widths must be finite too (a bin from −1e308 to 1e308 is not).
                && e.windows(2).all(|w| (w[1] - w[0]).is_finite());
            if !ok {
                let allowed = format!("2 to {} finite, increasing edges", MAX_BINS + 1);
                return Err(bad(format!("{} values for column {}", e.len(), self.columns[k]), &allowed));
            }
        }
        Ok(())
    }

    /// The most bins of any column (the PyTorch layout's `M`).
    fn max_bins(&self) -> usize {
        self.edges.iter().map(|e| e.len() - 1).max().unwrap_or(1)
    }
}

impl LayerSpec for PiecewiseLinearSpec {
    const KIND: &'static str = "piecewise_linear";
    const ABOUT: &'static str = "piecewise-linear embeddings of numerical columns (bins fitted on the training rows)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.check(input_width)?;
        let width = self.columns.len() * self.dim + input_width - self.columns.len();
        check_width("piecewise_linear output width", width)?;
        Ok(width)
    }

    fn param_count(&self, _: usize) -> u128 {
        let (n, m, d) = (self.columns.len() as u128, self.max_bins() as u128, self.dim as u128);
        n * d * (2 + m)
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        self.output_width(ctx.input_width)?;
        Ok(BoxedLayer::new(PiecewiseLinear::<F>::new(self, &mut *ctx.rng)))
    }

    /// The encoding as `rtdl_num_embeddings` computes it, on the padded `n × M` layout: one
    /// multiply-add, bounds per position (`Max`, `Min`), one batched product, the linear part.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (n, m, d) = (self.columns.len(), self.max_bins(), self.dim);
        let (mut scale, mut shift) = (vec![0.0; n * m], vec![0.0; n * m]);
        let (mut low, mut high) = (vec![f64::NEG_INFINITY; n * m], vec![f64::INFINITY; n * m]);
        for (k, e) in self.edges.iter().enumerate() {
            let bins = Bins::<f64>::new(e);
            for t in 0..bins.len() {
                let p = k * m + padded(t, bins.len(), m);
                scale[p] = bins.scale[t];
                shift[p] = bins.shift[t];
                (low[p], high[p]) = bins.bounds(t);
            }
        }
        let x = gather(layer, &self.columns, "embedded_columns");
        let axes = layer.graph.int64s("last_axis", &[1], &[2]);
        let x3 = layer.graph.node("Unsqueeze", &[&x, &axes], &[]); // N × n × 1
        let scale = layer.graph.constant("bin_scale", &[n, m], &scale);
        let shift = layer.graph.constant("bin_shift", &[n, m], &shift);
        let raw = layer.graph.node("Mul", &[&x3, &scale], &[]);
        let raw = layer.graph.node("Add", &[&raw, &shift], &[]);
        let low = layer.graph.constant("bin_low", &[n, m], &low);
        let high = layer.graph.constant("bin_high", &[n, m], &high);
        let encoded = layer.graph.node("Max", &[&raw, &low], &[]);
        let encoded = layer.graph.node("Min", &[&encoded, &high], &[]);
        let perm = [OnnxAttr::Ints("perm", &[1, 0, 2])];
        let by_column = layer.graph.node("Transpose", &[&encoded], &perm); // n × N × M
        let matrix = layer.param("linear.weight", &[n, m, d])?;
        let piecewise = layer.graph.node("MatMul", &[&by_column, &matrix], &[]); // n × N × d
        let mut piecewise = layer.graph.node("Transpose", &[&piecewise], &perm);
        if self.relu {
            piecewise = layer.graph.node("Relu", &[&piecewise], &[]);
        }
        let w0 = layer.param("linear0.weight", &[n, d])?;
        let b0 = layer.param("linear0.bias", &[n, d])?;
        let linear = layer.graph.node("Mul", &[&x3, &w0], &[]);
        let linear = layer.graph.node("Add", &[&linear, &b0], &[]);
        let sum = layer.graph.node("Add", &[&linear, &piecewise], &[]);
        Ok(flatten_and_pass(layer, &sum, n * d, &self.columns))
    }
}

/// Gathers `columns` of the layer's input (`N × columns.len()`).
pub(crate) fn gather(layer: &mut OnnxLayer<'_>, columns: &[usize], name: &str) -> String {
    let input = layer.input.clone();
    let index: Vec<i64> = columns.iter().map(|&c| c as i64).collect();
    let index = layer.graph.int64s(name, &[columns.len()], &index);
    layer.graph.node("Gather", &[&input, &index], &[OnnxAttr::Int("axis", 1)])
}

/// Flattens `embedded` (`N × …`, `width` values a row) and appends the columns not in `columns`.
pub(crate) fn flatten_and_pass(layer: &mut OnnxLayer<'_>, embedded: &str, width: usize, columns: &[usize]) -> String {
    let shape = layer.graph.int64s("flat_shape", &[2], &[-1, width as i64]);
    let flat = layer.graph.node("Reshape", &[embedded, &shape], &[]);
    let others = passed(columns, layer.input_width);
    if others.is_empty() {
        return flat;
    }
    let rest = gather(layer, &others, "passed_columns");
    layer.graph.node("Concat", &[&flat, &rest], &[OnnxAttr::Int("axis", 1)])
}

/// Where bin `t` of a column with `bins` bins sits in the padded layout of `m` positions: the
/// first `bins − 1` at the front, the last at the end.
fn padded(t: usize, bins: usize, m: usize) -> usize {
    if t + 1 == bins { m - 1 } else { t }
}

/// One column's encoding: per bin, `x·scale + shift` and its bounds.
#[derive(Debug, Clone)]
struct Bins<F> {
    scale: Vec<F>,
    shift: Vec<F>,
}

impl<F: NdFloat> Bins<F> {
    /// As `rtdl_num_embeddings` computes them in the tensor's type: `1/width` and `−left/width`.
    fn new(edges: &[f64]) -> Self {
        let e: Vec<F> = edges.iter().map(|&v| F::from(v).expect("a finite edge")).collect();
        let widths = e.windows(2).map(|w| w[1] - w[0]);
        let scale: Vec<F> = widths.clone().map(|w| F::one() / w).collect();
        let shift = widths.zip(&e).map(|(w, &left)| -left / w).collect();
        Bins { scale, shift }
    }

    fn len(&self) -> usize {
        self.scale.len()
    }

    /// Bin `t`'s lower and upper bound: the first bin has no lower one, the last no upper one, a
    /// single bin neither.
    fn bounds(&self, t: usize) -> (f64, f64) {
        let low = if t == 0 { f64::NEG_INFINITY } else { 0.0 };
        let high = if t + 1 == self.len() { f64::INFINITY } else { 1.0 };
        (low, high)
    }

    /// Bin `t`'s value for `x`, and its derivative in `x` (0 where clamped; a bound reached
    /// counts as inside, as PyTorch's clamp passes the gradient there).
    fn encode(&self, t: usize, x: F) -> (F, F) {
        let raw = self.shift[t] + self.scale[t] * x;
        let (low, high) = self.bounds(t);
        let (low, high) = (F::from(low).unwrap_or(F::zero()), F::from(high).unwrap_or(F::zero()));
        if raw < low {
            (low, F::zero())
        } else if raw > high {
            (high, F::zero())
        } else {
            (raw, self.scale[t])
        }
    }
}

/// The piecewise-linear embedding; see the module docs.
#[derive(Debug, Clone)]
pub struct PiecewiseLinear<F> {
    columns: Vec<usize>,
    passed: Vec<usize>,
    bins: Vec<Bins<F>>,
    relu: bool,
    w0: Array2<F>,
    b0: Array2<F>,
    w: Array3<F>,
    grad_w0: Array2<F>,
    grad_b0: Array2<F>,
    grad_w: Array3<F>,
    /// The piecewise part before the ReLU, rows × (n·dim), kept for the backward pass when
    /// `relu`; grows to the largest batch.
    piecewise: Vec<F>,
    /// One column's piecewise part (forward) or masked output gradient (backward), dim values.
    scratch: Vec<F>,
}

impl<F: NdFloat> PiecewiseLinear<F> {
    /// The layer of `spec` (checked), `linear0` drawn uniform in ±1/√dim as PyTorch does, the
    /// piecewise matrix zero.
    fn new(spec: &PiecewiseLinearSpec, rng: &mut dyn rand::RngCore) -> Self {
        let (n, m, d) = (spec.columns.len(), spec.max_bins(), spec.dim);
        let bound = 1.0 / (d as f64).sqrt();
        let mut draw = |_| F::from(rng.random_range(-bound..bound)).expect("a small number");
        let w0 = Array2::from_shape_fn((n, d), &mut draw);
        let b0 = Array2::from_shape_fn((n, d), &mut draw);
        PiecewiseLinear {
            columns: spec.columns.clone(),
            passed: Vec::new(),
            bins: spec.edges.iter().map(|e| Bins::new(e)).collect(),
            relu: spec.relu,
            grad_w0: Array2::zeros((n, d)),
            grad_b0: Array2::zeros((n, d)),
            w0,
            b0,
            w: Array3::zeros((n, m, d)),
            grad_w: Array3::zeros((n, m, d)),
            piecewise: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The piecewise part of column `k` for value `x` into `out` (`dim` values).
    fn piecewise_into(&self, k: usize, x: F, out: &mut [F]) {
        out.fill(F::zero());
        let (bins, m, d) = (&self.bins[k], self.w.dim().1, out.len());
        let w = self.w.as_slice().expect("parameters are made in standard layout");
        for t in 0..bins.len() {
            let (e, _) = bins.encode(t, x);
            if e != F::zero() {
                let at = (k * m + padded(t, bins.len(), m)) * d;
                out.iter_mut().zip(&w[at..at + d]).for_each(|(o, &w)| *o += e * w);
            }
        }
    }
}

impl<F: NdFloat> Layer<F> for PiecewiseLinear<F> {
    fn kind(&self) -> &'static str {
        "PiecewiseLinear"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_columns(PiecewiseLinearSpec::KIND, &self.columns, input_width)?;
        Ok(self.columns.len() * self.w0.ncols() + input_width - self.columns.len())
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let (rows, d, n) = (input.nrows(), self.w0.ncols(), self.columns.len());
        if self.passed.len() != input.ncols() - n {
            self.passed = passed(&self.columns, input.ncols());
        }
        if self.relu && self.piecewise.len() < rows * n * d {
            self.piecewise.resize(rows * n * d, F::zero());
        }
        // Taken out for the loop (no allocation) so that `piecewise_into` can borrow the layer.
        let mut part = std::mem::take(&mut self.piecewise);
        let mut o = std::mem::take(&mut self.scratch);
        o.resize(d, F::zero());
        for i in 0..rows {
            for (k, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                self.piecewise_into(k, x, &mut o);
                if self.relu {
                    part[(i * n + k) * d..(i * n + k + 1) * d].copy_from_slice(&o);
                    o.iter_mut().for_each(|v| *v = v.max(F::zero()));
                }
                let (w0, b0) = (self.w0.row(k), self.b0.row(k));
                for (j, (&w, &b)) in w0.iter().zip(b0.iter()).enumerate() {
                    // (x·w + b) + piecewise, as rtdl_num_embeddings adds them.
                    output[[i, k * d + j]] = (b + w * x) + o[j];
                }
            }
        }
        self.piecewise = part;
        self.scratch = o;
        pass_forward(&self.passed, n * d, &input, &mut output);
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (d, n, m) = (self.w0.ncols(), self.columns.len(), self.w.dim().1);
        self.grad_w0.fill(F::zero());
        self.grad_b0.fill(F::zero());
        self.grad_w.fill(F::zero());
        let mut g = std::mem::take(&mut self.scratch);
        g.resize(d, F::zero());
        let flat = "parameters are made in standard layout";
        let (w, gw) = (self.w.as_slice().expect(flat), self.grad_w.as_slice_mut().expect(flat));
        let (w0, gw0, gb0) = (
            self.w0.as_slice().expect(flat),
            self.grad_w0.as_slice_mut().expect(flat),
            self.grad_b0.as_slice_mut().expect(flat),
        );
        for i in 0..input.nrows() {
            for (k, &c) in self.columns.iter().enumerate() {
                let x = input[[i, c]];
                let mut dx = F::zero();
                let row = k * d..(k + 1) * d;
                let (w0, gw0, gb0) = (&w0[row.clone()], &mut gw0[row.clone()], &mut gb0[row]);
                for j in 0..d {
                    let dy = grad_output[[i, k * d + j]];
                    gw0[j] += x * dy;
                    gb0[j] += dy;
                    dx += w0[j] * dy;
                    let open = !self.relu || self.piecewise[(i * n + k) * d + j] > F::zero();
                    g[j] = if open { dy } else { F::zero() };
                }
                // Most bins are 1 (left of x) or 0 (right of it), with no slope: only the bin
                // holding x (and an unclamped end) passes a gradient to x.
                let bins = &self.bins[k];
                for t in 0..bins.len() {
                    let (e, de) = bins.encode(t, x);
                    if e == F::zero() && de == F::zero() {
                        continue;
                    }
                    let at = (k * m + padded(t, bins.len(), m)) * d;
                    if e != F::zero() {
                        gw[at..at + d].iter_mut().zip(&g).for_each(|(a, &b)| *a += e * b);
                    }
                    if de != F::zero() {
                        dx += de * w[at..at + d].iter().zip(&g).fold(F::zero(), |a, (&w, &g)| a + w * g);
                    }
                }
                if let Some(gi) = grad_input.as_mut() {
                    gi[[i, c]] = dx;
                }
            }
        }
        self.scratch = g;
        if let Some(mut gi) = grad_input {
            pass_backward(&self.passed, n * d, &grad_output, &mut gi);
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("linear0.weight", self.w0.view().into_dyn());
        f("linear0.bias", self.b0.view().into_dyn());
        f("linear.weight", self.w.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let flat = "parameters are made in standard layout";
        let (n, m, d) = self.w.dim();
        f(&[n, d], self.w0.as_slice_mut().expect(flat), self.grad_w0.as_slice_mut().expect(flat), "linear0.weight");
        f(&[n, d], self.b0.as_slice_mut().expect(flat), self.grad_b0.as_slice_mut().expect(flat), "linear0.bias");
        f(&[n, m, d], self.w.as_slice_mut().expect(flat), self.grad_w.as_slice_mut().expect(flat), "linear.weight");
    }
}
