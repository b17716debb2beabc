//! [`EnsembleHead`]: `k` independent dense layers, one per ensemble member — TabM's output
//! (`tabm.LinearEnsemble`). Member `m` computes `yₘ = xₘ Wₘ + bₘ` on its values of the row (see
//! [`EnsembleView`](crate::EnsembleView) for the layout); the output is `k` members' `outputs`
//! values, one prediction per member, which the training loss takes one by one
//! ([`Members`](crate::Members)) and a prediction averages.
//!
//! Parameters, as PyTorch's `LinearEnsemble` has them: `weight` (k × inputs × outputs), `bias`
//! (k × outputs), both drawn `U(±1/√inputs)`.
//!
//! ```
//! use ndnet_layers::LayerSpec;
//! use ndnet_tabular::EnsembleHeadSpec;
//! let spec = EnsembleHeadSpec { members: 8, outputs: 1 };
//! assert_eq!(spec.output_width(8 * 32).unwrap(), 8);
//! assert_eq!(spec.param_count(8 * 32), 8 * (32 + 1));
//! ```

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat, Zip};
use ndnet_layers::onnx::OnnxLayer;
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};
use rand::Rng;

use crate::ensemble_view::{check_members, members_first, members_last};
use crate::stacked::{Stacked, member_rows_mut, write_stacked};

/// An [`EnsembleHead`] in a model description. Kind `ensemble_head`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleHeadSpec {
    /// How many members (`k`).
    pub members: usize,
    /// Outputs per member.
    pub outputs: usize,
}

impl EnsembleHeadSpec {
    fn inputs(&self, input_width: usize) -> Result<usize> {
        check_members(Self::KIND, self.members)?;
        check_width("ensemble_head outputs", self.outputs)?;
        if !input_width.is_multiple_of(self.members) || input_width == 0 {
            let (value, allowed) = (input_width.to_string(), format!("a multiple of the {} members", self.members));
            return Err(LayerError::Config { name: "ensemble_head input width".into(), value, allowed });
        }
        Ok(input_width / self.members)
    }
}

impl LayerSpec for EnsembleHeadSpec {
    const KIND: &'static str = "ensemble_head";
    const ABOUT: &'static str = "one dense layer per ensemble member (TabM's LinearEnsemble output)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.inputs(input_width)?;
        let width = self.members.saturating_mul(self.outputs);
        check_width("ensemble_head output width", width)?;
        Ok(width)
    }

    fn param_count(&self, input_width: usize) -> u128 {
        let (k, n, o) = (self.members as u128, (input_width / self.members.max(1)) as u128, self.outputs as u128);
        k * (n * o + o)
    }

    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        let n = self.inputs(ctx.input_width)?;
        let bound = 1.0 / (n as f64).sqrt();
        let rng = &mut *ctx.rng;
        let mut uniform = || F::from(rng.random_range(-bound..bound)).expect("small");
        let weight = Array3::from_shape_fn((self.members, n, self.outputs), |_| uniform());
        let bias = Array2::from_shape_fn((self.members, self.outputs), |_| uniform());
        Ok(BoxedLayer::new(EnsembleHead {
            grad_weight: Array3::zeros(weight.raw_dim()),
            grad_bias: Array2::zeros(bias.raw_dim()),
            weight,
            bias,
            scratch: Array2::zeros((0, 0)),
        }))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let (k, o) = (self.members, self.outputs);
        let n = layer.input_width / k;
        let weight = layer.param("weight", &[k, n, o])?;
        let bias = layer.param("bias", &[k, o])?;
        let shape = layer.graph.int64s("bias_shape", &[3], &[k as i64, 1, o as i64]);
        let bias = layer.graph.node("Reshape", &[&bias, &shape], &[]);
        let input = layer.input.clone();
        let x = members_first(layer, &input, k, n);
        let y = layer.graph.node("MatMul", &[&x, &weight], &[]);
        let y = layer.graph.node("Add", &[&y, &bias], &[]);
        Ok(members_last(layer, &y, k, o))
    }

    fn members(&self) -> Option<usize> {
        Some(self.members)
    }
}

/// `k` independent dense layers; see the module docs.
#[derive(Debug, Clone)]
pub struct EnsembleHead<F> {
    weight: Array3<F>,
    bias: Array2<F>,
    grad_weight: Array3<F>,
    grad_bias: Array2<F>,
    /// The stacked output or input gradient when the caller's memory is not feature-major.
    scratch: Array2<F>,
}

impl<F: NdFloat> Layer<F> for EnsembleHead<F> {
    fn kind(&self) -> &'static str {
        "EnsembleHead"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        let (k, n, o) = self.weight.dim();
        if input_width != k * n {
            return Err(LayerError::Width { context: "EnsembleHead".into(), expected: k * n, actual: input_width });
        }
        Ok(k * o)
    }

    // A member's rows are a strided part of the stacked matrix, and a head has few outputs:
    // the passes run column by column over each member's rows (adjacent in memory), not as
    // matrix products.
    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        let (k, rows) = (self.weight.dim().0, input.nrows());
        let x = Stacked::of(input, k);
        let Self { weight, bias, scratch, .. } = self;
        write_stacked(output, k, scratch, |mut y| {
            for m in 0..k {
                let (x, mut y) = (x.member(m), member_rows_mut(y.view_mut(), m, rows));
                for (q, mut y) in y.columns_mut().into_iter().enumerate() {
                    y.fill(bias[[m, q]]);
                    for (j, x) in x.columns().into_iter().enumerate() {
                        let w = weight[[m, j, q]];
                        Zip::from(&mut y).and(x).for_each(|y, &x| *y += x * w);
                    }
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
        let (k, rows) = (self.weight.dim().0, input.nrows());
        let (x, dy) = (Stacked::of(input, k), Stacked::of(grad_output, k));
        let Self { weight, grad_weight, grad_bias, scratch, .. } = self;
        for m in 0..k {
            let (x, dy) = (x.member(m), dy.member(m));
            for (q, dy) in dy.columns().into_iter().enumerate() {
                grad_bias[[m, q]] = dy.sum();
                for (j, x) in x.columns().into_iter().enumerate() {
                    grad_weight[[m, j, q]] = Zip::from(x).and(dy).fold(F::zero(), |a, &x, &d| a + x * d);
                }
            }
        }
        if let Some(dx) = grad_input {
            write_stacked(dx, k, scratch, |mut dx| {
                for m in 0..k {
                    let (dy, mut dx) = (dy.member(m), member_rows_mut(dx.view_mut(), m, rows));
                    for (j, mut dx) in dx.columns_mut().into_iter().enumerate() {
                        dx.fill(F::zero());
                        for (q, dy) in dy.columns().into_iter().enumerate() {
                            let w = weight[[m, j, q]];
                            Zip::from(&mut dx).and(dy).for_each(|d, &g| *d += g * w);
                        }
                    }
                }
            });
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        f("weight", self.weight.view().into_dyn());
        f("bias", self.bias.view().into_dyn());
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let flat = "parameters are made in standard layout";
        let (k, n, o) = self.weight.dim();
        f(&[k, n, o], self.weight.as_slice_mut().expect(flat), self.grad_weight.as_slice_mut().expect(flat), "weight");
        f(&[k, o], self.bias.as_slice_mut().expect(flat), self.grad_bias.as_slice_mut().expect(flat), "bias");
    }
}
