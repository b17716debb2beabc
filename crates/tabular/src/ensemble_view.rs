//! [`EnsembleView`]: `k` copies of each row, one per ensemble member — TabM's `EnsembleView`,
//! placed before the first layer that mixes features.
//!
//! ndnet keeps a batch two-dimensional, so `k` members of width `d` share a row of `k·d` values,
//! member-minor: value `j` of member `m` in column `j·k + m` (see the `stacked` module: in
//! feature-major memory that is the members' rows stacked, so shared layers run one product).
//! The ensemble layers ([`EnsembleDense`](crate::EnsembleDense),
//! [`EnsembleHead`](crate::EnsembleHead)) read and write that layout; element-wise layers
//! (activations, dropout) need nothing to know of it. The backward pass sums the members'
//! gradients.
//!
//! ```
//! use ndnet_layers::{Layer, LayerSpec};
//! use ndnet_tabular::EnsembleViewSpec;
//! let spec = EnsembleViewSpec { members: 3 };
//! assert_eq!(spec.output_width(2).unwrap(), 6);
//! ```

use ndarray::{Array2, ArrayView2, ArrayViewMut2, NdFloat};
use ndnet_layers::onnx::{OnnxAttr, OnnxLayer};
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};

use crate::stacked::{Stacked, member_rows_mut, write_stacked};

/// The most members an ensemble may have.
pub const MAX_MEMBERS: usize = 1024;

/// Checks a member count from a spec.
pub(crate) fn check_members(kind: &str, members: usize) -> Result<()> {
    if !(1..=MAX_MEMBERS).contains(&members) {
        let (value, allowed) = (members.to_string(), format!("1 to {MAX_MEMBERS}"));
        return Err(LayerError::Config { name: format!("{kind} members"), value, allowed });
    }
    Ok(())
}

/// An [`EnsembleView`] in a model description. Kind `ensemble_view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleViewSpec {
    /// How many members (`k`).
    pub members: usize,
}

impl LayerSpec for EnsembleViewSpec {
    const KIND: &'static str = "ensemble_view";
    const ABOUT: &'static str = "k copies of each row, one per ensemble member (TabM's EnsembleView)";

    fn output_width(&self, input_width: usize) -> Result<usize> {
        check_members(Self::KIND, self.members)?;
        let width = input_width.saturating_mul(self.members);
        check_width("ensemble_view output width", width)?;
        Ok(width)
    }

    fn build<F: NdFloat>(&self, _: &mut BuildContext<'_>) -> Result<BoxedLayer<F>> {
        Ok(BoxedLayer::new(EnsembleView { members: self.members, scratch: Array2::zeros((0, 0)) }))
    }

    /// Each column repeated k times in place: `[N, d, 1]` expanded to `[N, d, k]`, flattened.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let w = layer.input_width;
        let input = layer.input.clone();
        let axes = layer.graph.int64s("member_axis", &[1], &[2]);
        let x = layer.graph.node("Unsqueeze", &[&input, &axes], &[]);
        let shape = layer.graph.int64s("member_copies", &[3], &[1, 1, self.members as i64]);
        let x = layer.graph.node("Expand", &[&x, &shape], &[]);
        Ok(flatten(layer, &x, w * self.members))
    }
}

/// `[N, …]` to `[N, width]`.
pub(crate) fn flatten(layer: &mut OnnxLayer<'_>, value: &str, width: usize) -> String {
    let shape = layer.graph.int64s("flat_shape", &[2], &[-1, width as i64]);
    layer.graph.node("Reshape", &[value, &shape], &[])
}

/// A member-minor `[N, k·w]` value as `[k, N, w]`, the members first (for batched products).
pub(crate) fn members_first(layer: &mut OnnxLayer<'_>, value: &str, k: usize, w: usize) -> String {
    let shape = layer.graph.int64s("member_shape", &[3], &[-1, w as i64, k as i64]);
    let x = layer.graph.node("Reshape", &[value, &shape], &[]);
    layer.graph.node("Transpose", &[&x], &[OnnxAttr::Ints("perm", &[2, 0, 1])])
}

/// `[k, N, w]` back to member-minor `[N, k·w]`.
pub(crate) fn members_last(layer: &mut OnnxLayer<'_>, value: &str, k: usize, w: usize) -> String {
    let x = layer.graph.node("Transpose", &[value], &[OnnxAttr::Ints("perm", &[1, 2, 0])]);
    flatten(layer, &x, k * w)
}

/// `k` copies of each row; see the module docs.
#[derive(Debug, Clone)]
pub struct EnsembleView<F> {
    members: usize,
    scratch: Array2<F>,
}

impl<F: NdFloat> Layer<F> for EnsembleView<F> {
    fn kind(&self) -> &'static str {
        "EnsembleView"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width * self.members)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        let (k, rows) = (self.members, input.nrows());
        // Column by column: each is adjacent in memory in the input and in a member's rows.
        write_stacked(output, k, &mut self.scratch, |mut y| {
            for m in 0..k {
                let mut y = member_rows_mut(y.view_mut(), m, rows);
                for (mut y, x) in y.columns_mut().into_iter().zip(input.columns()) {
                    y.assign(&x);
                }
            }
        });
    }

    fn backward(
        &mut self,
        _input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        if let Some(mut dx) = grad_input {
            let dy = Stacked::of(grad_output, self.members);
            for (j, mut dx) in dx.columns_mut().into_iter().enumerate() {
                dx.assign(&dy.member(0).column(j));
                for m in 1..self.members {
                    dx += &dy.member(m).column(j);
                }
            }
        }
    }
}
