//! [`EnsembleView`]: `k` copies of each row, one per ensemble member — TabM's `EnsembleView`,
//! placed before the first layer that mixes features.
//!
//! ndnet keeps a batch two-dimensional, so `k` members of width `d` are laid side by side: a
//! row holds member 0's `d` values, then member 1's, … (`(batch, k, d)` in PyTorch, flattened).
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

use ndarray::{ArrayView2, ArrayViewMut2, Axis, NdFloat, Slice};
use ndnet_layers::onnx::{OnnxAttr, OnnxLayer};
use ndnet_layers::{BoxedLayer, BuildContext, Layer, LayerError, LayerSpec, Result, check_width};

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

/// Member `m`'s `width` columns of a member-block view.
pub(crate) fn member<'a, F>(view: ArrayView2<'a, F>, m: usize, width: usize) -> ArrayView2<'a, F> {
    view.slice_axis_move(Axis(1), Slice::from(m * width..(m + 1) * width))
}

/// Member `m`'s `width` columns of a writable member-block view.
pub(crate) fn member_mut<'a, F>(view: ArrayViewMut2<'a, F>, m: usize, width: usize) -> ArrayViewMut2<'a, F> {
    view.slice_axis_move(Axis(1), Slice::from(m * width..(m + 1) * width))
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
        Ok(BoxedLayer::new(EnsembleView { members: self.members }))
    }

    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        let repeats = layer.graph.int64s("member_repeats", &[2], &[1, self.members as i64]);
        let input = layer.input.clone();
        Ok(layer.graph.node("Tile", &[&input, &repeats], &[]))
    }
}

/// `k` copies of each row; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnsembleView {
    members: usize,
}

impl<F: NdFloat> Layer<F> for EnsembleView {
    fn kind(&self) -> &'static str {
        "EnsembleView"
    }

    fn output_width(&self, input_width: usize) -> Result<usize> {
        Ok(input_width * self.members)
    }

    fn forward(&mut self, input: ArrayView2<'_, F>, mut output: ArrayViewMut2<'_, F>) {
        let width = input.ncols();
        for m in 0..self.members {
            member_mut(output.view_mut(), m, width).assign(&input);
        }
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        _output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        if let Some(mut dx) = grad_input {
            let width = input.ncols();
            dx.assign(&member(grad_output.view(), 0, width));
            for m in 1..self.members {
                dx += &member(grad_output.view(), m, width);
            }
        }
    }
}

/// Used by the ONNX writers of the layers after the view.
pub(crate) fn member_shape(layer: &mut OnnxLayer<'_>, members: usize, width: usize) -> String {
    layer.graph.int64s("member_shape", &[3], &[-1, members as i64, width as i64])
}

/// `[N, k, width]` back to `[N, k·width]`.
pub(crate) fn flat_shape(layer: &mut OnnxLayer<'_>, width: usize) -> String {
    layer.graph.int64s("flat_shape", &[2], &[-1, width as i64])
}

/// The perm attribute that swaps the batch and member axes.
pub(crate) const SWAP: [OnnxAttr<'static>; 1] = [OnnxAttr::Ints("perm", &[1, 0, 2])];
