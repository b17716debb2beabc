//! The [`Layer`] trait: what a layer with a hand-written backward pass provides.

use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};

use crate::{Mode, Result, Saved, StateValue, StateValueMut};

/// A layer with a hand-written forward and backward pass over a batch (one sample per row).
///
/// A layer with parameters hands each one out in [`visit_params`](Layer::visit_params) and
/// [`visit_params_mut`](Layer::visit_params_mut); a layer that behaves differently in training
/// and inference reads [`set_mode`](Layer::set_mode); one with state that is not a parameter
/// (running statistics) visits it in [`visit_state`](Layer::visit_state). The Rust guide (`docs/rust.md`) has a layer
/// with parameters, generic over `F`.
///
/// The container ([`Sequential`](crate::Sequential)) owns the activation and gradient buffers
/// and hands the layer views into them, so a layer keeps no copies of its input and a training
/// step allocates nothing once the buffers exist. Implement it for your own layers and prove
/// the backward pass with `ndnet_gradcheck::check_layer`.
///
/// ```
/// use ndnet_layers::{Layer, LayerError, Result};
/// use ndarray::{ArrayView2, ArrayViewMut2, Zip};
///
/// /// y = x², element-wise.
/// struct Square;
///
/// impl Layer<f64> for Square {
///     fn kind(&self) -> &'static str { "Square" }
///     fn output_width(&self, input_width: usize) -> Result<usize> { Ok(input_width) }
///     fn forward(&mut self, x: ArrayView2<f64>, mut y: ArrayViewMut2<f64>) {
///         Zip::from(&mut y).and(&x).for_each(|y, &x| *y = x * x);
///     }
///     fn backward(&mut self, x: ArrayView2<f64>, _y: ArrayView2<f64>, dy: ArrayView2<f64>,
///                 dx: Option<ArrayViewMut2<f64>>) {
///         if let Some(mut dx) = dx {
///             Zip::from(&mut dx).and(&x).and(&dy).for_each(|dx, &x, &dy| *dx = 2.0 * x * dy);
///         }
///     }
/// }
///
/// let x = ndarray::array![[0.3, -1.2], [2.0, 0.7]];
/// let report = ndnet_gradcheck::check_layer(&mut Square, x.view()).unwrap();
/// assert!(report.max_rel_error() < 1e-6);
/// ```
pub trait Layer<F: NdFloat> {
    /// A short name for messages, e.g. `"Dense"`.
    fn kind(&self) -> &'static str;

    /// The output width for a given input width, or an error naming the width this layer takes.
    fn output_width(&self, input_width: usize) -> Result<usize>;

    /// Writes the layer's output for `input` into `output`.
    ///
    /// The caller guarantees `output` is `input.nrows() × output_width(input.ncols())`;
    /// implementations may panic otherwise.
    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>);

    /// Given the forward pass's `input` and `output` and the loss gradient with respect to the
    /// output, overwrites the layer's parameter gradients and, when `grad_input` is given,
    /// writes the gradient with respect to the input into it.
    ///
    /// Parameter gradients are overwritten, not accumulated. Same shape contract as `forward`.
    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    );

    /// Switches between training and inference ([`Mode`]). The default ignores it: only layers
    /// that behave differently in the two (Dropout, BatchNorm) need to say.
    fn set_mode(&mut self, mode: Mode) {
        let _ = mode;
    }

    /// Calls `f(name, value)` for each parameter tensor, always in the same order.
    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        let _ = f;
    }

    /// Calls `f(shape, value, grad, name)` for each parameter tensor, in the order of
    /// [`visit_params`](Layer::visit_params), as flat row-major slices: what an optimizer and a
    /// restore need. The gradient is mutable so that clipping can work in place.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        let _ = f;
    }

    /// Calls `f(name, value, saved)` for each state entry that is not a parameter (running
    /// statistics, counters), always in the same order. The default has none.
    fn visit_state(&self, f: &mut dyn FnMut(&'static str, StateValue<'_, F>, Saved)) {
        let _ = f;
    }

    /// [`visit_state`](Layer::visit_state), writable: what a restore needs.
    fn visit_state_mut(&mut self, f: &mut dyn FnMut(&'static str, StateValueMut<'_, F>)) {
        let _ = f;
    }
}
