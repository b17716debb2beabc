//! [`EnsembleDense`]: a dense layer for `k` ensemble members that share one weight matrix —
//! BatchEnsemble (Wen et al. 2020) as TabM uses it (`tabm.LinearBatchEnsemble`), and TabM-mini's
//! shared blocks.
//!
//! Member `m` computes `yₘ = ((xₘ ⊙ rₘ) W) ⊙ sₘ + bₘ` on its values of the row (see
//! [`EnsembleView`](crate::EnsembleView) for the layout). The adapters say which of `r`, `s`, `b`
//! are the member's own:
//!
//! | adapters | per member       | TabM                                  |
//! |----------|------------------|---------------------------------------|
//! | `batch`  | `r`, `s`, `b`    | `tabm` (`LinearBatchEnsemble`)        |
//! | `input`  | `r` (shared `b`) | `tabm-mini`'s first block (its affine scaling, then `nn.Linear`) |
//! | `shared` | nothing          | `tabm-mini`'s other blocks            |
//!
//! TabM's initialisation: `W` and the bias `U(±1/√inputs)` (one bias vector copied to every
//! member), `s` ones, `r` ones except in the first layer, where `r_init` is `normal` or
//! `random_signs`, the same draw for each chunk of `chunks` (one chunk per input feature: a
//! numerical column's embedding, a category's one-hot group).
//!
//! The members' rows stacked make one product with the shared `W` (`k·rows` rows): the input
//! scaled by `r` on the way in, the output by `s` and the bias on the way out, as `tabm`
//! computes it. Parameters: `weight` (inputs × outputs, as ndnet's `Dense`), `r` (k × inputs),
//! `s` (k × outputs), `bias` (k × outputs, or outputs when shared).
//!
//! ```
//! use ndnet_layers::LayerSpec;
//! use ndnet_tabular::{Adapters, EnsembleDenseSpec};
//! let spec = EnsembleDenseSpec::new(4, 16, Adapters::Batch);
//! assert_eq!(spec.output_width(4 * 10).unwrap(), 4 * 16);
//! assert_eq!(spec.param_count(4 * 10), 10 * 16 + 4 * 10 + 4 * 16 + 4 * 16);
//! ```

use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, Axis, NdFloat, Slice, Zip};
use ndnet_kernels::Buffer;
use ndnet_kernels::gemm::{gemm, gemm_bias};
use ndnet_layers::onnx::OnnxLayer;
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::ensemble_view::{check_members, members_first, members_last};
use crate::stacked::{Stacked, write_stacked};

/// Which of a layer's scalings and bias each member has of its own (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adapters {
    /// `r`, `s` and `b` per member (BatchEnsemble).
    Batch,
    /// `r` per member, the bias shared.
    Input,
    /// Nothing per member: one dense layer applied to every member's block.
    Shared,
}

/// How the input scaling `r` starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingInit {
    /// All ones.
    #[default]
    Ones,
    /// Standard normal draws.
    Normal,
    /// ±1, each with probability ½.
    RandomSigns,
}

/// An [`EnsembleDense`] in a model description. Kind `ensemble_dense`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleDenseSpec {
    /// How many members (`k`); the input is `k` blocks of `inputs` values.
    pub members: usize,
    /// Outputs per member.
    pub outputs: usize,
    /// Which parameters each member has of its own.
    pub adapters: Adapters,
    /// How `r` starts (TabM: random in the first layer only).
    #[serde(default)]
    pub r_init: ScalingInit,
    /// Groups of input columns drawn with one value of `r` each (their widths, summing to the
    /// inputs); empty for one draw per column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<usize>,
}

impl EnsembleDenseSpec {
    /// `members` members of `outputs` outputs each, `r` starting at ones.
    pub fn new(members: usize, outputs: usize, adapters: Adapters) -> Self {
        EnsembleDenseSpec { members, outputs, adapters, r_init: ScalingInit::Ones, chunks: Vec::new() }
    }

    /// With `r` drawn as `init`, one draw per chunk of `chunks` (empty: per column).
    pub fn with_r_init(mut self, init: ScalingInit, chunks: Vec<usize>) -> Self {
        (self.r_init, self.chunks) = (init, chunks);
        self
    }

    /// The inputs per member for an input row of `input_width`, checked.
    fn inputs(&self, input_width: usize) -> Result<usize> {
        check_members(Self::KIND, self.members)?;
        check_width("ensemble_dense outputs", self.outputs)?;
        if !input_width.is_multiple_of(self.members) || input_width == 0 {
            let (value, allowed) = (input_width.to_string(), format!("a multiple of the {} members", self.members));
            return Err(LayerError::Config { name: "ensemble_dense input width".into(), value, allowed });
        }
        let inputs = input_width / self.members;
        if !self.chunks.is_empty() && (self.chunks.iter().sum::<usize>() != inputs || self.chunks.contains(&0)) {
            let (value, allowed) = (format!("{:?}", self.chunks), format!("positive widths summing to {inputs}"));
            return Err(LayerError::Config { name: "ensemble_dense chunks".into(), value, allowed });
        }
        Ok(inputs)
    }

    fn has_r(&self) -> bool {
        self.adapters != Adapters::Shared
    }

    fn has_s(&self) -> bool {
        self.adapters == Adapters::Batch
    }

    /// Rows of the bias: one per member, or one shared.
    fn bias_rows(&self) -> usize {
        if self.adapters == Adapters::Batch { self.members } else { 1 }
    }
}

impl LayerSpec for EnsembleDenseSpec {
    const KIND: &'static str = "ensemble_dense";
    const ABOUT: &'static str = "a dense layer for k ensemble members sharing one weight (BatchEnsemble, TabM)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.inputs(input_width)?;
        let width = self.members.saturating_mul(self.outputs);
        check_width("ensemble_dense output width", width)?;
        Ok(width)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        let (k, n, o) = (self.members as u128, (input_width / self.members.max(1)) as u128, self.outputs as u128);
        let r = if self.has_r() { k * n } else { 0 };
        let s = if self.has_s() { k * o } else { 0 };
        n * o + r + s + self.bias_rows() as u128 * o
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        let inputs = self.inputs(ctx.input_width)?;
        Ok(BoxedLayer::new(EnsembleDense::<F>::new(self, inputs, &mut *ctx.rng)))
    }

    /// As `tabm` computes it: `x ⊙ r`, one product per member batch, `⊙ s`, `+ b`.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (k, o) = (self.members, self.outputs);
        let n = layer.input_width / k;
        let input = layer.input.clone();
        let mut x = members_first(layer, &input, k, n); // k × N × n
        if self.has_r() {
            let r = layer.param("r", &[k, n])?;
            let shape = layer.graph.int64s("r_shape", &[3], &[k as i64, 1, n as i64]);
            let r = layer.graph.node("Reshape", &[&r, &shape], &[]);
            x = layer.graph.node("Mul", &[&x, &r], &[]);
        }
        let weight = layer.param("weight", &[n, o])?;
        let mut y = layer.graph.node("MatMul", &[&x, &weight], &[]);
        if self.has_s() {
            let s = layer.param("s", &[k, o])?;
            let shape = layer.graph.int64s("s_shape", &[3], &[k as i64, 1, o as i64]);
            let s = layer.graph.node("Reshape", &[&s, &shape], &[]);
            y = layer.graph.node("Mul", &[&y, &s], &[]);
        }
        let bias = match self.bias_rows() {
            1 => layer.param("bias", &[o])?,
            _ => {
                let bias = layer.param("bias", &[k, o])?;
                let shape = layer.graph.int64s("bias_shape", &[3], &[k as i64, 1, o as i64]);
                layer.graph.node("Reshape", &[&bias, &shape], &[])
            }
        };
        let y = layer.graph.node("Add", &[&y, &bias], &[]);
        Ok(members_last(layer, &y, k, o))
    }
}

/// The ensemble dense layer; see the module docs.
#[derive(Debug, Clone)]
pub struct EnsembleDense<F> {
    members: usize,
    weight: Array2<F>,
    /// k × inputs, or 0 × inputs without input scaling.
    r: Array2<F>,
    /// k × outputs, or 0 × outputs without output scaling.
    s: Array2<F>,
    /// k × outputs, or 1 × outputs when shared.
    bias: Array2<F>,
    grad_weight: Array2<F>,
    grad_r: Array2<F>,
    grad_s: Array2<F>,
    grad_bias: Array2<F>,
    /// The stacked `x ⊙ r` (forward and backward), then `dx ⊙ r`'s product `dy·Wᵀ`.
    scaled: Buffer<F>,
    /// The stacked `(x ⊙ r) W` before `s` (kept for `s`'s gradient), then `dy ⊙ s`.
    product: Buffer<F>,
    /// The stacked output or input gradient when the caller's memory is not feature-major.
    scratch: Array2<F>,
}

impl<F: NdFloat> EnsembleDense<F> {
    fn new(spec: &EnsembleDenseSpec, inputs: usize, rng: &mut dyn rand::RngCore) -> Self {
        let (k, o) = (spec.members, spec.outputs);
        let bound = 1.0 / (inputs as f64).sqrt();
        let mut uniform = || F::from(rng.random_range(-bound..bound)).expect("small");
        let weight = Array2::from_shape_fn((inputs, o), |_| uniform());
        let first_bias = Array1::from_shape_fn(o, |_| uniform());
        let bias = Array2::from_shape_fn((spec.bias_rows(), o), |(_, j)| first_bias[j]);
        let r = if spec.has_r() { scaling(spec, k, inputs, rng) } else { Array2::zeros((0, inputs)) };
        let s = if spec.has_s() { Array2::ones((k, o)) } else { Array2::zeros((0, o)) };
        EnsembleDense {
            members: k,
            grad_weight: Array2::zeros(weight.raw_dim()),
            grad_r: Array2::zeros(r.raw_dim()),
            grad_s: Array2::zeros(s.raw_dim()),
            grad_bias: Array2::zeros(bias.raw_dim()),
            scaled: Buffer::default(),
            product: Buffer::default(),
            scratch: Array2::zeros((0, 0)),
            weight,
            r,
            s,
            bias,
        }
    }

    fn inputs(&self) -> usize {
        self.weight.nrows()
    }
}

/// `out ← x ⊙ r`, member `m`'s rows (of `rows`) by row `m` of `r`, column by column.
fn scale_rows<F: NdFloat>(x: ArrayView2<'_, F>, r: &Array2<F>, rows: usize, mut out: ArrayViewMut2<'_, F>) {
    for (j, (x, mut out)) in x.columns().into_iter().zip(out.columns_mut()).enumerate() {
        for m in 0..r.nrows() {
            let f = r[[m, j]];
            let range = || Slice::from(m * rows..(m + 1) * rows);
            let (x, out) = (x.slice_axis(Axis(0), range()), out.slice_axis_mut(Axis(0), range()));
            Zip::from(out).and(x).for_each(|o, &x| *o = x * f);
        }
    }
}

/// `r` as TabM draws it: one value per chunk (or column) and member.
fn scaling<F: NdFloat>(spec: &EnsembleDenseSpec, k: usize, inputs: usize, rng: &mut dyn rand::RngCore) -> Array2<F> {
    let ones = vec![1; inputs];
    let chunks = if spec.chunks.is_empty() { &ones } else { &spec.chunks };
    let mut r = Array2::ones((k, inputs));
    for m in 0..k {
        let mut start = 0;
        for &width in chunks {
            let v = match spec.r_init {
                ScalingInit::Ones => 1.0,
                ScalingInit::RandomSigns => {
                    if rng.random::<bool>() {
                        1.0
                    } else {
                        -1.0
                    }
                }
                ScalingInit::Normal => {
                    let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
                    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
                }
            };
            r.row_mut(m)
                .slice_axis_mut(ndarray::Axis(0), ndarray::Slice::from(start..start + width))
                .fill(F::from(v).expect("small"));
            start += width;
        }
    }
    r
}

impl<F: NdFloat> Layer<F> for EnsembleDense<F> {
    fn kind(&self) -> &'static str {
        "EnsembleDense"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        if input_width != self.members * self.inputs() {
            return Err(LayerError::Width {
                context: "EnsembleDense".into(),
                expected: self.members * self.inputs(),
                actual: input_width,
            });
        }
        Ok(self.members * self.weight.ncols())
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        let (k, rows, (n, o)) = (self.members, input.nrows(), self.weight.dim());
        let x = Stacked::of(input, k);
        let Self { weight, r, s, bias, scaled, product, scratch, .. } = self;
        let xr = match r.is_empty() {
            true => x.m.view(),
            false => {
                scale_rows(x.m.view(), r, rows, scaled.rows_mut(k * rows, n));
                scaled.rows(k * rows)
            }
        };
        write_stacked(output, k, scratch, |mut y| {
            if s.is_empty() {
                // One shared bias: straight into the product.
                gemm_bias(F::one(), xr, weight.view(), bias.row(0), y);
                return;
            }
            let mut z = product.rows_mut(k * rows, o);
            gemm(F::one(), xr, weight.view(), F::zero(), z.view_mut());
            for (j, (z, mut y)) in z.columns().into_iter().zip(y.columns_mut()).enumerate() {
                for m in 0..k {
                    let (f, b) = (s[[m, j]], bias[[m, j]]);
                    let range = || Slice::from(m * rows..(m + 1) * rows);
                    let (z, y) = (z.slice_axis(Axis(0), range()), y.slice_axis_mut(Axis(0), range()));
                    Zip::from(y).and(z).for_each(|y, &z| *y = z * f + b);
                }
            }
        });
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (k, rows, (n, o)) = (self.members, input.nrows(), self.weight.dim());
        let (x, dy) = (Stacked::of(input, k), Stacked::of(grad_output, k));
        let Self { weight, r, s, grad_weight, grad_r, grad_s, grad_bias, scaled, product, scratch, .. } = self;
        // The bias: Σ dy per member (or over all members when shared).
        grad_bias.fill(F::zero());
        for m in 0..k {
            let b = if grad_bias.nrows() == 1 { 0 } else { m };
            for (db, col) in grad_bias.row_mut(b).iter_mut().zip(dy.member(m).columns()) {
                *db += col.sum();
            }
        }
        // s: dsₘ = Σ dy ⊙ z over member m's rows; then the product buffer becomes dz = dy ⊙ s.
        let dz = match s.is_empty() {
            true => dy.m.view(),
            false => {
                let mut z = product.rows_mut(k * rows, o);
                for (j, (mut z, dy)) in z.columns_mut().into_iter().zip(dy.m.columns()).enumerate() {
                    for m in 0..k {
                        let range = || Slice::from(m * rows..(m + 1) * rows);
                        let (z, dy) = (z.slice_axis_mut(Axis(0), range()), dy.slice_axis(Axis(0), range()));
                        let (f, mut ds) = (s[[m, j]], F::zero());
                        Zip::from(z).and(dy).for_each(|z, &d| {
                            ds += d * *z;
                            *z = d * f;
                        });
                        grad_s[[m, j]] = ds;
                    }
                }
                product.rows(k * rows)
            }
        };
        // W: (x ⊙ r)ᵀ dz, over every member's rows at once.
        let xr = match r.is_empty() {
            true => x.m.view(),
            false => {
                scale_rows(x.m.view(), r, rows, scaled.rows_mut(k * rows, n));
                scaled.rows(k * rows)
            }
        };
        gemm(F::one(), xr.t(), dz, F::zero(), grad_weight.view_mut());
        if r.is_empty() {
            if let Some(dx) = grad_input {
                write_stacked(dx, k, scratch, |dx| gemm(F::one(), dz, weight.t(), F::zero(), dx));
            }
            return;
        }
        // r: drₘ = Σ (dz Wᵀ) ⊙ x over member m's rows; dx = (dz Wᵀ) ⊙ r.
        let mut dxr = scaled.rows_mut(k * rows, n);
        gemm(F::one(), dz, weight.t(), F::zero(), dxr.view_mut());
        for (j, (d, x)) in dxr.columns().into_iter().zip(x.m.columns()).enumerate() {
            for m in 0..k {
                let range = || Slice::from(m * rows..(m + 1) * rows);
                let (d, x) = (d.slice_axis(Axis(0), range()), x.slice_axis(Axis(0), range()));
                grad_r[[m, j]] = Zip::from(d).and(x).fold(F::zero(), |a, &d, &x| a + d * x);
            }
        }
        if let Some(dx) = grad_input {
            let dxr = scaled.rows(k * rows);
            write_stacked(dx, k, scratch, |dx| scale_rows(dxr, r, rows, dx));
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("weight", self.weight.view().into_dyn());
        if !self.r.is_empty() {
            f("r", self.r.view().into_dyn());
        }
        if !self.s.is_empty() {
            f("s", self.s.view().into_dyn());
        }
        match self.bias.nrows() {
            1 => f("bias", self.bias.row(0).into_dyn()),
            _ => f("bias", self.bias.view().into_dyn()),
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let flat = "parameters are made in standard layout";
        let (n, o) = self.weight.dim();
        f(&[n, o], self.weight.as_slice_mut().expect(flat), self.grad_weight.as_slice_mut().expect(flat), "weight");
        if !self.r.is_empty() {
            f(&[self.members, n], self.r.as_slice_mut().expect(flat), self.grad_r.as_slice_mut().expect(flat), "r");
        }
        if !self.s.is_empty() {
            f(&[self.members, o], self.s.as_slice_mut().expect(flat), self.grad_s.as_slice_mut().expect(flat), "s");
        }
        let (shared, own) = ([o], [self.members, o]);
        let shape: &[usize] = if self.bias.nrows() == 1 { &shared } else { &own };
        f(shape, self.bias.as_slice_mut().expect(flat), self.grad_bias.as_slice_mut().expect(flat), "bias");
    }
}
