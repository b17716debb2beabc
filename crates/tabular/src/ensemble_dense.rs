//! [`EnsembleDense`]: a dense layer for `k` ensemble members that share one weight matrix —
//! BatchEnsemble (Wen et al. 2020) as TabM uses it (`tabm.LinearBatchEnsemble`), and TabM-mini's
//! shared blocks.
//!
//! Member `m` computes `yₘ = ((xₘ ⊙ rₘ) W) ⊙ sₘ + bₘ` on its block of the row (see
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
//! The pass is `k` products of the batch with `Wₘ = diag(rₘ) W diag(sₘ)` (built per member, a
//! small matrix next to the product); the backward pass takes `Pₘ = xₘᵀ dyₘ` and reads the
//! gradients of `W`, `rₘ` and `sₘ` from it. Parameters: `weight` (inputs × outputs, as
//! ndnet's `Dense`), `r` (k × inputs), `s` (k × outputs), `bias` (k × outputs, or outputs when
//! shared).
//!
//! ```
//! use ndnet_layers::LayerSpec;
//! use ndnet_tabular::{Adapters, EnsembleDenseSpec};
//! let spec = EnsembleDenseSpec::new(4, 16, Adapters::Batch);
//! assert_eq!(spec.output_width(4 * 10).unwrap(), 4 * 16);
//! assert_eq!(spec.param_count(4 * 10), 10 * 16 + 4 * 10 + 4 * 16 + 4 * 16);
//! ```

use ndarray::{Array1, Array2, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat, Zip};
use ndnet_kernels::gemm::{gemm, gemm_bias, gemm_with_column_sums};
use ndnet_layers::onnx::OnnxLayer;
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::ensemble_view::{SWAP, check_members, flat_shape, member, member_mut, member_shape};

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

    /// `Wₘ = r ⊙ W ⊙ s` for every member at once, then one batched product over the members.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (k, o) = (self.members, self.outputs);
        let n = layer.input_width / k;
        let mut weight = layer.param("weight", &[n, o])?;
        if self.has_r() {
            let r = layer.param("r", &[k, n])?;
            let shape = layer.graph.int64s("r_shape", &[3], &[k as i64, n as i64, 1]);
            let r = layer.graph.node("Reshape", &[&r, &shape], &[]);
            weight = layer.graph.node("Mul", &[&r, &weight], &[]);
        }
        if self.has_s() {
            let s = layer.param("s", &[k, o])?;
            let shape = layer.graph.int64s("s_shape", &[3], &[k as i64, 1, o as i64]);
            let s = layer.graph.node("Reshape", &[&s, &shape], &[]);
            weight = layer.graph.node("Mul", &[&weight, &s], &[]);
        }
        let shape = member_shape(layer, k, n);
        let input = layer.input.clone();
        let x = layer.graph.node("Reshape", &[&input, &shape], &[]);
        let x = layer.graph.node("Transpose", &[&x], &SWAP); // k × N × n
        let y = layer.graph.node("MatMul", &[&x, &weight], &[]);
        let bias = layer.param("bias", &if self.bias_rows() == 1 { vec![o] } else { vec![k, o] })?;
        let bias = if self.bias_rows() == 1 {
            bias
        } else {
            let shape = layer.graph.int64s("bias_shape", &[3], &[k as i64, 1, o as i64]);
            layer.graph.node("Reshape", &[&bias, &shape], &[])
        };
        let y = layer.graph.node("Add", &[&y, &bias], &[]);
        let y = layer.graph.node("Transpose", &[&y], &SWAP);
        let flat = flat_shape(layer, k * o);
        Ok(layer.graph.node("Reshape", &[&y, &flat], &[]))
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
    /// One member's `Wₘ` (forward, input gradient) or `Pₘ` (backward).
    scratch: Array2<F>,
    /// One member's bias-gradient sums.
    sums: Array1<F>,
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
            scratch: Array2::zeros(weight.raw_dim()),
            sums: Array1::zeros(o),
            weight,
            r,
            s,
            bias,
        }
    }

    /// Writes member `m`'s `diag(rₘ) W diag(sₘ)` into the scratch matrix.
    fn member_weight(&mut self, m: usize) {
        self.scratch.assign(&self.weight);
        if !self.r.is_empty() {
            let r = self.r.row(m);
            Zip::from(self.scratch.rows_mut()).and(&r).for_each(|mut row, &r| row *= r);
        }
        if !self.s.is_empty() {
            let s = self.s.row(m);
            for mut row in self.scratch.rows_mut() {
                row *= &s;
            }
        }
    }

    fn inputs(&self) -> usize {
        self.weight.nrows()
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

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let (n, o) = self.weight.dim();
        for m in 0..self.members {
            self.member_weight(m);
            let bias = self.bias.row(if self.bias.nrows() == 1 { 0 } else { m });
            gemm_bias(
                F::one(),
                member(input.view(), m, n),
                self.scratch.view(),
                bias,
                member_mut(output.view_mut(), m, o),
            );
        }
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        mut grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        let (n, o) = self.weight.dim();
        self.grad_weight.fill(F::zero());
        self.grad_bias.fill(F::zero());
        for m in 0..self.members {
            let (x, dy) = (member(input.view(), m, n), member(grad_output.view(), m, o));
            // Pₘ = xₘᵀ dyₘ and the bias sums Σ dyₘ in one pass.
            let sums = self.sums.as_slice_mut().expect("owned");
            gemm_with_column_sums(F::one(), x.t(), dy, F::zero(), self.scratch.view_mut(), sums);
            let b = if self.bias.nrows() == 1 { 0 } else { m };
            let mut db = self.grad_bias.row_mut(b);
            db += &self.sums;
            // dW += rₘ ⊙ Pₘ ⊙ sₘ; drₘ = Σⱼ Pₘ ⊙ W ⊙ sₘ; dsₘ = Σₚ Pₘ ⊙ W ⊙ rₘ.
            let flat = "parameters are made in standard layout";
            let r = (!self.r.is_empty()).then(|| self.r.row(m).to_slice().expect(flat));
            let s = (!self.s.is_empty()).then(|| self.s.row(m).to_slice().expect(flat));
            let mut dr = (!self.grad_r.is_empty()).then(|| self.grad_r.row_mut(m).into_slice().expect(flat));
            let mut ds = (!self.grad_s.is_empty()).then(|| self.grad_s.row_mut(m).into_slice().expect(flat));
            if let Some(ds) = ds.as_mut() {
                ds.fill(F::zero());
            }
            let rows = self.scratch.as_slice().expect(flat).chunks_exact(o);
            let weights = self.weight.as_slice().expect(flat).chunks_exact(o);
            let grads = self.grad_weight.as_slice_mut().expect(flat).chunks_exact_mut(o);
            for (q, ((pm, w), gw)) in rows.zip(weights).zip(grads).enumerate() {
                let rq = r.map_or(F::one(), |r| r[q]);
                let mut drq = F::zero();
                for j in 0..o {
                    let sj = s.map_or(F::one(), |s| s[j]);
                    let pw = pm[j] * w[j];
                    gw[j] += rq * pm[j] * sj;
                    drq += pw * sj;
                    if let Some(ds) = ds.as_mut() {
                        ds[j] += pw * rq;
                    }
                }
                if let Some(dr) = dr.as_mut() {
                    dr[q] = drq;
                }
            }
            if let Some(dx) = grad_input.as_mut() {
                self.member_weight(m);
                gemm(F::one(), dy, self.scratch.t(), F::zero(), member_mut(dx.view_mut(), m, n));
            }
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
        let shape = if self.bias.nrows() == 1 { vec![o] } else { vec![self.members, o] };
        f(&shape, self.bias.as_slice_mut().expect(flat), self.grad_bias.as_slice_mut().expect(flat), "bias");
    }
}
