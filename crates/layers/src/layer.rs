//! The [`Layer`] trait: what a layer with a hand-written backward pass provides.

use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};

use crate::Result;

/// A layer with a hand-written forward and backward pass over a batch (one sample per row).
///
/// The container ([`Sequential`](crate::Sequential)) owns the activation and gradient buffers
/// and hands the layer views into them, so a layer keeps no copies of its input and a training
/// step allocates nothing once the buffers exist. Implement it for your own layers and prove
/// the backward pass with [`gradcheck::check_layer`](crate::gradcheck::check_layer).
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
/// let report = ndnet_layers::gradcheck::check_layer(&mut Square, x.view()).unwrap();
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

    /// Calls `f(name, value)` for each parameter tensor, always in the same order.
    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        let _ = f;
    }

    /// Calls `f` for each parameter tensor with its gradient, in the same order as
    /// [`visit_params`](Layer::visit_params), as flat row-major slices ([`ParamMut`]): what an
    /// optimizer needs, at the cost of a few pointer copies. The gradient is mutable so that
    /// clipping can work in place.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(ParamMut<'_, F>)) {
        let _ = f;
    }

    /// Calls `f(shape, value, grad)` for each parameter tensor, in the order of
    /// [`visit_params_mut`](Layer::visit_params_mut), without the names: what an optimizer
    /// step reads, twice per step. The slices go as arguments, in registers; a [`ParamMut`]
    /// passed on from closure to closure is copied each time, and a copy read straight after
    /// its fields were written waits for them (store forwarding fails): on the headline model
    /// that was half of an RMSprop step. The default goes through `visit_params_mut`; a layer
    /// with parameters overrides it to call `f` directly.
    fn visit_param_slices_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F])) {
        self.visit_params_mut(&mut |p| f(p.shape, p.value, p.grad));
    }
}

/// A parameter tensor and its gradient, flat in row-major order, with its shape.
#[derive(Debug)]
pub struct ParamMut<'a, F> {
    /// The layer's name for the tensor, e.g. `"weight"`.
    pub name: &'static str,
    /// The tensor's shape.
    pub shape: &'a [usize],
    /// Its values.
    pub value: &'a mut [F],
    /// `dL/d(value)` from the last backward pass.
    pub grad: &'a mut [F],
}
