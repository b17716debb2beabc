//! The [`Model`] trait: what training, checkpoints, export, prediction and the gradient checker
//! need of a model. [`Sequential`](crate::Sequential) is one; a model you write yourself (a
//! skip connection, two heads, …) is another.
//!
//! ```
//! use ndnet_layers::{Model, Mse, Sequential};
//! use rand::SeedableRng;
//! let mut model = Sequential::<f64>::mlp(&[3, 4, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let (x, y) = (ndarray::Array2::ones((5, 3)), ndarray::Array2::zeros((5, 1)));
//! let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
//! assert!(loss >= 0.0);
//! assert_eq!(model.param_names(), ["0.weight", "0.bias", "2.weight", "2.bias"]);
//! let saved = model.snapshot();
//! model.restore(&saved).unwrap();
//! model.set_mode(ndnet_layers::Mode::Eval); // inference: Dropout off, BatchNorm on its running statistics
//! ```

use std::fmt;

use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, Axis, NdFloat, Slice};

use crate::{LayerError, Loss, Mode, Result, Saved, SavedState, StateValue, StateValueMut};

/// Named parameter tensors in a model's order: what [`Model::snapshot`] returns and
/// [`Model::restore`] takes.
pub type NamedTensors<F> = Vec<(String, ArrayD<F>)>;

/// The rows [`Model::infer`] sends through at once: enough that the per-block overhead is small,
/// few enough that a wide model's buffers stay within tens of megabytes (a TabM of 8 members of
/// 128 units: about 25 MB).
pub const INFER_ROWS: usize = 512;

/// Named state entries in a model's order: what [`Model::state_snapshot`] returns and
/// [`Model::restore_state`] takes.
pub type NamedState<F> = Vec<(String, SavedState<F>)>;

/// The stable name of a parameter tensor, displayed as its parts joined by dots:
/// `"0.weight"` (layer 0 of a [`Sequential`](crate::Sequential), as PyTorch names an
/// `nn.Sequential`'s state dict), `"skip.weight"` (a field of your model), or
/// `"block.1.bias"` (a `Sequential` inside one). Building and displaying it allocates nothing.
///
/// ```
/// use ndnet_layers::ParamName;
/// assert_eq!(ParamName::new("weight").in_layer(0).to_string(), "0.weight");
/// assert_eq!(ParamName::new("bias").in_layer(1).in_module("block").to_string(), "block.1.bias");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamName {
    /// The enclosing module's name (`""` for none), e.g. `"skip"`.
    pub module: &'static str,
    /// The position of the layer inside a sequence, when there is one.
    pub layer: Option<usize>,
    /// The layer's own name for the tensor, e.g. `"weight"`.
    pub name: &'static str,
}

impl ParamName {
    /// A bare tensor name, e.g. `"weight"`.
    pub const fn new(name: &'static str) -> Self {
        ParamName { module: "", layer: None, name }
    }

    /// The same name as the tensor of layer `index` in a sequence.
    pub const fn in_layer(self, index: usize) -> Self {
        ParamName { layer: Some(index), ..self }
    }

    /// The same name inside the module `module`.
    pub const fn in_module(self, module: &'static str) -> Self {
        ParamName { module, ..self }
    }
}

impl fmt::Display for ParamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        if let Some(layer) = self.layer {
            write!(f, "{layer}.")?;
        }
        f.write_str(self.name)
    }
}

/// What training needs of a model (candle's `Module`, Keras' `Model`): forward a batch; forward,
/// loss and backward filling every parameter gradient; and the named parameters in a stable
/// order. Snapshots, restores, predictions and names come with it.
///
/// The parameter order is the identity that optimizer state, checkpoints and safetensors are
/// keyed on, so `visit_params` and `visit_params_mut` must visit the same tensors in the same
/// order every time (and `visit_state` and `visit_state_mut` the same state entries). See `examples/custom_model.rs` for a residual model written this way and
/// proven with `ndnet_gradcheck::check_model`.
pub trait Model<F: NdFloat> {
    /// Runs the batch `x` (one sample per row) forward; returns a view of the output.
    ///
    /// Errors when `x` is empty or does not fit the model's input.
    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>>;

    /// Forward, loss and backward in one call; returns the loss. Afterwards every parameter
    /// gradient holds `dL/dθ` for this batch (overwritten, not accumulated), and, when
    /// `grad_input` is given (same shape as `x`), it holds `dL/dx`.
    ///
    /// Errors when `x` or `y` do not fit the model, or `grad_input` has another shape than `x`.
    fn forward_backward_input(
        &mut self,
        x: ArrayView2<'_, F>,
        y: ArrayView2<'_, F>,
        loss: &dyn Loss<F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>;

    /// How many ensemble members' outputs the model's output holds side by side (TabM: `k`
    /// blocks of the target's width), which a prediction combines; 1 for a plain model.
    fn members(&self) -> usize {
        1
    }

    /// Calls `f(name, value)` for every parameter tensor, always in the same order.
    fn visit_params(&self, f: &mut dyn FnMut(ParamName, ArrayViewD<'_, F>));

    /// Calls `f(shape, value, grad, name)` for every parameter tensor with its gradient, as flat
    /// row-major slices, in the same order as [`visit_params`](Model::visit_params): what an
    /// optimizer and a restore need. The gradient is mutable so that clipping can work in place.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], ParamName));

    /// Switches every layer between training and inference ([`Mode`]). A model of layers that
    /// ignore the mode (Dense, the activations) may do nothing; one that holds a `Sequential`
    /// or a Dropout passes it on.
    fn set_mode(&mut self, mode: Mode);

    /// Calls `f(name, value, saved)` for every state entry that is not a parameter (running
    /// statistics, counters; see [`Layer::visit_state`](crate::Layer::visit_state)), always in
    /// the same order. The default has none.
    fn visit_state(&self, f: &mut dyn FnMut(ParamName, StateValue<'_, F>, Saved)) {
        let _ = f;
    }

    /// [`visit_state`](Model::visit_state), writable, in the same order: what a restore needs.
    fn visit_state_mut(&mut self, f: &mut dyn FnMut(ParamName, StateValueMut<'_, F>)) {
        let _ = f;
    }

    /// [`forward_backward_input`](Model::forward_backward_input) without the input gradient:
    /// the training step.
    fn forward_backward(&mut self, x: ArrayView2<'_, F>, y: ArrayView2<'_, F>, loss: &dyn Loss<F>) -> Result<F> {
        self.forward_backward_input(x, y, loss, None)
    }

    /// The forward pass as an owned array (allocates; for inference).
    fn predict(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        // Row-major, whatever layout the model keeps its outputs in.
        Ok(self.forward(x)?.as_standard_layout().into_owned())
    }

    /// [`predict`](Model::predict) for any number of rows in bounded memory: the rows go
    /// through in blocks of [`INFER_ROWS`], so the layers' buffers never grow past one block —
    /// a whole validation or prediction table at once would size every hidden buffer to it.
    /// For inference ([`Mode::Eval`]), where each row's output depends on that row alone.
    ///
    /// Every block is exactly [`INFER_ROWS`] rows — the last overlaps the one before it, and
    /// fewer rows are padded with copies of themselves — because the matrix products take
    /// another path, with other rounding, for another number of rows: so a row's prediction is
    /// the same bits whether it is predicted alone or among a million rows.
    fn infer(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let n = x.nrows();
        if n == 0 {
            return self.predict(x);
        }
        if n < INFER_ROWS {
            let padded = Array2::from_shape_fn((INFER_ROWS, x.ncols()), |(i, j)| x[(i % n, j)]);
            let out = self.predict(padded.view())?;
            return Ok(out.slice_axis(Axis(0), Slice::from(..n)).to_owned());
        }
        let first = self.predict(x.slice_axis(Axis(0), Slice::from(..INFER_ROWS)))?;
        let mut out = Array2::zeros((n, first.ncols()));
        out.slice_axis_mut(Axis(0), Slice::from(..INFER_ROWS)).assign(&first);
        for end in (2 * INFER_ROWS..n + INFER_ROWS).step_by(INFER_ROWS).map(|end| end.min(n)) {
            let block = self.forward(x.slice_axis(Axis(0), Slice::from(end - INFER_ROWS..end)))?;
            out.slice_axis_mut(Axis(0), Slice::from(end - INFER_ROWS..end)).assign(&block);
        }
        Ok(out)
    }

    /// Parameter names in order, e.g. `["0.weight", "0.bias", "2.weight", "2.bias"]`.
    fn param_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.visit_params(&mut |name, _| names.push(name.to_string()));
        names
    }

    /// Total number of scalar parameters.
    fn num_params(&self) -> usize {
        let mut n = 0;
        self.visit_params(&mut |_, v| n += v.len());
        n
    }

    /// Copies every parameter tensor out, with its name, in order.
    fn snapshot(&self) -> NamedTensors<F> {
        let mut out = Vec::new();
        self.visit_params(&mut |name, value| out.push((name.to_string(), value.to_owned())));
        out
    }

    /// Overwrites the parameters from `(name, tensor)` pairs in the model's order.
    ///
    /// Every name and shape is checked before anything is written, so an error leaves the
    /// model unchanged.
    fn restore(&mut self, params: &[(String, ArrayD<F>)]) -> Result<()> {
        let mut expected = Vec::new();
        self.visit_params(&mut |name, value| expected.push((name.to_string(), value.shape().to_vec())));
        if expected.len() != params.len() {
            return Err(LayerError::ParamCount { expected: expected.len(), actual: params.len() });
        }
        for (index, ((name, shape), (got_name, got))) in expected.iter().zip(params).enumerate() {
            if name != got_name || shape.as_slice() != got.shape() {
                return Err(LayerError::Param {
                    index,
                    expected_name: name.clone(),
                    expected_shape: shape.clone(),
                    actual_name: got_name.clone(),
                    actual_shape: got.shape().to_vec(),
                });
            }
        }
        let mut i = 0;
        self.visit_params_mut(&mut |_, value, _, _| {
            // Shapes are checked above, so the row-major orders line up.
            value.iter_mut().zip(&params[i].1).for_each(|(v, &new)| *v = new);
            i += 1;
        });
        Ok(())
    }

    /// Copies every state entry out, with its name, in order (parameters are in
    /// [`snapshot`](Model::snapshot)).
    fn state_snapshot(&self) -> NamedState<F> {
        let mut out = Vec::new();
        self.visit_state(&mut |name, value, _| out.push((name.to_string(), SavedState::of(value))));
        out
    }

    /// Overwrites the state from `(name, entry)` pairs in the model's order.
    ///
    /// Every name, kind and shape is checked before anything is written, so an error leaves
    /// the model unchanged.
    fn restore_state(&mut self, state: &[(String, SavedState<F>)]) -> Result<()> {
        let mut expected = Vec::new();
        self.visit_state(&mut |name, value, _| expected.push((name.to_string(), SavedState::of(value))));
        if expected.len() != state.len() {
            return Err(LayerError::StateCount { expected: expected.len(), actual: state.len() });
        }
        for (index, ((name, have), (got_name, got))) in expected.iter().zip(state).enumerate() {
            let same_kind = matches!((have, got), (SavedState::Count(_), SavedState::Count(_)))
                || matches!((have, got), (SavedState::Tensor(a), SavedState::Tensor(b)) if a.shape() == b.shape());
            if name != got_name || !same_kind {
                return Err(LayerError::State {
                    index,
                    expected_name: name.clone(),
                    expected: have.describe(),
                    actual_name: got_name.clone(),
                    actual: got.describe(),
                });
            }
        }
        let mut i = 0;
        self.visit_state_mut(&mut |_, target| {
            // Kinds and shapes are checked above.
            state[i].1.write_into(target);
            i += 1;
        });
        Ok(())
    }
}
