//! [`Sequential`]: layers applied one after another, owning every buffer a training step needs.
//!
//! ```
//! use ndnet_layers::{DenseConfig, Model, Mse, Relu, Sequential};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut model = Sequential::<f64>::new()
//!     .push(DenseConfig::new(3, 4).init(&mut rng).unwrap())
//!     .push(Relu)
//!     .push(DenseConfig::new(4, 1).init(&mut rng).unwrap());
//! let x = ndarray::Array2::<f64>::ones((5, 3));
//! let y = ndarray::Array2::<f64>::zeros((5, 1));
//! let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
//! assert!(loss >= 0.0);
//! assert_eq!(model.param_names(), ["0.weight", "0.bias", "2.weight", "2.bias"]);
//! // The same model, drawn from the same seed in the same order:
//! let same = Sequential::<f64>::mlp(&[3, 4, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! assert_eq!(same.snapshot(), model.snapshot());
//! ```

use std::fmt;

use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use rand::Rng;

use crate::error::check_not_empty;
use crate::spec::Held;
use crate::{
    Buffer, DenseConfig, Layer, LayerError, Loss, Mode, Model, ParamName, Relu, Result, Saved, StateValue,
    StateValueMut,
};

/// A [`Model`]: layers applied in order, plus the activation and gradient buffers they write into.
///
/// Buffers are sized for the largest batch seen and smaller batches use their first rows, so
/// after the first batch of the largest size a forward + backward allocates nothing.
/// Parameters are visited layer by layer, each layer's tensors in its own fixed order; that
/// order and the names ([`ParamName`]) are what optimizer state and checkpoints are keyed on.
pub struct Sequential<F: NdFloat> {
    layers: Vec<Box<dyn Held<F>>>,
    mode: Mode,
    /// `acts[i]`: output of layer `i`; `grads[i]`: loss gradient with respect to it. Both are
    /// feature-major ([`Buffer`]), so the kernels run over the batch.
    acts: Vec<Buffer<F>>,
    grads: Vec<Buffer<F>>,
    /// `widths[i]`: output width of layer `i`.
    widths: Vec<usize>,
    /// Shape of the last forward batch (rows 0 = none yet).
    rows: usize,
    input_width: usize,
    /// Ensemble members side by side in the output ([`Model::members`]).
    members: usize,
}

impl<F: NdFloat> Default for Sequential<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: NdFloat> fmt::Debug for Sequential<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<_> = self.layers.iter().map(|l| l.kind()).collect();
        f.debug_struct("Sequential").field("layers", &kinds).finish()
    }
}

impl<F: NdFloat> Sequential<F> {
    /// An empty model.
    pub fn new() -> Self {
        Sequential {
            layers: Vec::new(),
            mode: Mode::Train,
            acts: Vec::new(),
            grads: Vec::new(),
            widths: Vec::new(),
            rows: 0,
            input_width: 0,
            members: 1,
        }
    }

    /// Says that the output holds `members` ensemble members' outputs side by side (what
    /// [`ModelSpec::build`](crate::ModelSpec::build) sets from the layers).
    pub fn with_members(mut self, members: usize) -> Self {
        self.members = members.max(1);
        self
    }

    /// Appends a layer, in the model's [`Mode`]. Widths are checked when data first flows (see
    /// [`Sequential::output_width`]).
    pub fn push<L: Layer<F> + Send + 'static>(mut self, mut layer: L) -> Self {
        layer.set_mode(self.mode);
        self.layers.push(Box::new(layer));
        // A new layer changes the widths: check them again at the next batch.
        self.widths.clear();
        self
    }

    /// Appends a layer built from a spec ([`LayerSpec::build`](crate::LayerSpec::build)), in the
    /// model's [`Mode`].
    pub fn push_boxed(mut self, layer: crate::BoxedLayer<F>) -> Self {
        let mut layer = layer.0;
        layer.set_mode(self.mode);
        self.layers.push(layer);
        self.widths.clear();
        self
    }

    /// Layer `index`, or `None` past the end.
    pub fn layer(&self, index: usize) -> Option<&(dyn Layer<F> + Send)> {
        self.layers.get(index).map(|l| &**l as &(dyn Layer<F> + Send))
    }

    /// Layer `index`, writable, or `None` past the end. Changing a layer's widths is checked at
    /// the next batch.
    pub fn layer_mut(&mut self, index: usize) -> Option<&mut (dyn Layer<F> + Send)> {
        self.widths.clear();
        self.layers.get_mut(index).map(|l| &mut **l as &mut (dyn Layer<F> + Send))
    }

    /// Layer `index` as its own type, or `None` when it is another type or past the end.
    ///
    /// ```
    /// use ndnet_layers::{Dense, DenseConfig, Relu, Sequential};
    /// use rand::SeedableRng;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    /// let model = Sequential::<f32>::new().push(DenseConfig::new(3, 2).init(&mut rng).unwrap()).push(Relu);
    /// assert_eq!(model.layer_as::<Dense<f32>>(0).unwrap().weight().dim(), (3, 2));
    /// assert!(model.layer_as::<Dense<f32>>(1).is_none());
    /// ```
    pub fn layer_as<L: Layer<F> + 'static>(&self, index: usize) -> Option<&L> {
        self.layers.get(index)?.as_any().downcast_ref()
    }

    /// [`layer_as`](Sequential::layer_as), writable.
    pub fn layer_as_mut<L: Layer<F> + 'static>(&mut self, index: usize) -> Option<&mut L> {
        self.widths.clear();
        self.layers.get_mut(index)?.as_any_mut().downcast_mut()
    }

    /// The mode the model is in ([`Model::set_mode`] changes it; a new model trains).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Each layer with its output width and parameter count for `input_width` inputs, as Keras'
    /// `model.summary()`; its `Display` is the table.
    ///
    /// ```
    /// use ndnet_layers::Sequential;
    /// use rand::SeedableRng;
    /// let m = Sequential::<f32>::mlp(&[10, 10, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(42)).unwrap();
    /// let summary = m.summary(10).unwrap();
    /// assert_eq!(summary.total_params(), 121);
    /// println!("{summary}");
    /// ```
    ///
    /// Errors as [`output_width`](Sequential::output_width) does.
    pub fn summary(&self, input_width: usize) -> Result<Summary> {
        self.output_width(input_width)?;
        let mut rows = Vec::new();
        let mut width = input_width;
        for layer in &self.layers {
            width = layer.output_width(width)?;
            let (mut params, mut state) = (0, 0);
            layer.visit_params(&mut |_, v| params += v.len());
            layer.visit_state(&mut |_, _, _| state += 1);
            rows.push(SummaryRow { kind: layer.kind(), output_width: width, params, state });
        }
        Ok(Summary { input_width, rows })
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether the model has no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layers' kinds, in order.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.layers.iter().map(|l| l.kind()).collect()
    }

    /// The model's output width for an input width; an error names the first layer that
    /// cannot take what the previous one gives.
    pub fn output_width(&self, input_width: usize) -> Result<usize> {
        if self.layers.is_empty() {
            return Err(LayerError::EmptyModel);
        }
        let mut width = input_width;
        for (i, layer) in self.layers.iter().enumerate() {
            width = layer.output_width(width).map_err(|e| match e {
                LayerError::Width { expected, actual, .. } => {
                    let context =
                        if i == 0 { "model input".to_string() } else { format!("layer {i} ({})", layer.kind()) };
                    LayerError::Width { context, expected, actual }
                }
                other => other,
            })?;
        }
        Ok(width)
    }

    /// Checks the widths for a batch of `rows × input_width` (once per input width) and sizes
    /// the buffers; they grow only for a larger batch than any before.
    fn prepare(&mut self, rows: usize, input_width: usize) -> Result<()> {
        check_not_empty("model input", rows, input_width)?;
        if self.widths.len() != self.layers.len() || input_width != self.input_width || self.rows == 0 {
            self.output_width(input_width)?;
            self.widths.clear();
            let mut width = input_width;
            for layer in &self.layers {
                width = layer.output_width(width)?;
                self.widths.push(width);
            }
            self.acts.resize_with(self.layers.len(), Buffer::default);
            self.grads.resize_with(self.layers.len(), Buffer::default);
        }
        for ((act, grad), &width) in self.acts.iter_mut().zip(&mut self.grads).zip(&self.widths) {
            act.rows_mut(rows, width);
            grad.rows_mut(rows, width);
        }
        Ok(())
    }

    /// An MLP: `Dense` layers from `widths[0]` inputs through each width in turn, with a ReLU
    /// between consecutive layers (none after the last). Weights are Glorot-uniform and biases
    /// zero (Keras' defaults), drawn layer by layer from `rng`.
    ///
    /// ```
    /// use ndnet_layers::Sequential;
    /// use rand::SeedableRng;
    /// let m = Sequential::<f32>::mlp(&[10, 10, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(42)).unwrap();
    /// assert_eq!(m.kinds(), ["Dense", "Relu", "Dense"]);
    /// ```
    ///
    /// Errors when fewer than two widths are given or a width is zero.
    pub fn mlp<R: Rng + ?Sized>(widths: &[usize], rng: &mut R) -> Result<Self>
    where
        F: Send + 'static,
    {
        Self::mlp_with(widths, || Relu, rng)
    }

    /// [`Sequential::mlp`] with another activation between the layers, made by `activation`.
    ///
    /// Errors when fewer than two widths are given or a width is zero.
    pub fn mlp_with<L, R>(widths: &[usize], mut activation: impl FnMut() -> L, rng: &mut R) -> Result<Self>
    where
        F: Send + 'static,
        L: Layer<F> + Send + 'static,
        R: Rng + ?Sized,
    {
        if widths.len() < 2 {
            return Err(LayerError::Config {
                name: "MLP widths".into(),
                value: format!("{widths:?}"),
                allowed: "at least two (inputs, …, outputs)".into(),
            });
        }
        let mut model = Sequential::new();
        for (i, pair) in widths.windows(2).enumerate() {
            if i > 0 {
                model = model.push(activation());
            }
            model = model.push(DenseConfig::new(pair[0], pair[1]).init(rng)?);
        }
        Ok(model)
    }

    fn output(&self) -> ArrayView2<'_, F> {
        self.acts[self.acts.len() - 1].rows(self.rows)
    }

    /// Backward pass from a given `dL/doutput`, for the batch `x` of the last forward pass.
    ///
    /// Errors when no forward pass of a batch of this shape came before, or `grad_output` does
    /// not have the output's shape.
    pub fn backward(&mut self, x: ArrayView2<'_, F>, grad_output: ArrayView2<'_, F>) -> Result<()> {
        if self.rows == 0 || x.dim() != (self.rows, self.input_width) {
            return Err(LayerError::NoForward { expected: self.rows, actual: x.nrows() });
        }
        let out = self.output().dim();
        if grad_output.dim() != out {
            return Err(LayerError::Shape {
                context: "output gradient".into(),
                expected: out,
                actual: grad_output.dim(),
            });
        }
        let (last, rows) = (self.grads.len() - 1, self.rows);
        self.grads[last].rows_mut(rows, out.1).assign(&grad_output);
        self.backward_from_buffer(x, None);
        Ok(())
    }

    fn loss_into_grad(&mut self, y: ArrayView2<'_, F>, loss: &dyn Loss<F>) -> Result<F> {
        let last = self.acts.len() - 1;
        let rows = self.rows;
        let prediction = self.acts[last].rows(rows);
        loss.loss_and_grad(prediction, y, self.grads[last].rows_mut(rows, self.widths[last]))
    }

    /// Backward through every layer, starting from `grads[last]`.
    fn backward_from_buffer(&mut self, x: ArrayView2<'_, F>, mut grad_input: Option<ArrayViewMut2<'_, F>>) {
        let rows = self.rows;
        for i in (0..self.layers.len()).rev() {
            let input = if i == 0 { x.view() } else { self.acts[i - 1].rows(rows) };
            let output = self.acts[i].rows(rows);
            let (before, from) = self.grads.split_at_mut(i);
            let grad_output = from[0].rows(rows);
            let grad_in =
                if i == 0 { grad_input.take() } else { Some(before[i - 1].rows_mut(rows, self.widths[i - 1])) };
            self.layers[i].backward(input, output, grad_output, grad_in);
        }
    }
}

impl<F: NdFloat> Model<F> for Sequential<F> {
    fn members(&self) -> usize {
        self.members
    }

    fn forward(&mut self, x: ArrayView2<'_, F>) -> Result<ArrayView2<'_, F>> {
        let (rows, width) = x.dim();
        self.prepare(rows, width)?;
        for i in 0..self.layers.len() {
            let (done, rest) = self.acts.split_at_mut(i);
            let input = if i == 0 { x.view() } else { done[i - 1].rows(rows) };
            self.layers[i].forward(input, rest[0].rows_mut(rows, self.widths[i]));
        }
        self.rows = rows;
        self.input_width = width;
        Ok(self.output())
    }

    /// The first layer's input gradient is computed only when `grad_input` is given.
    fn forward_backward_input(
        &mut self,
        x: ArrayView2<'_, F>,
        y: ArrayView2<'_, F>,
        loss: &dyn Loss<F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        if let Some(g) = &grad_input
            && g.dim() != x.dim()
        {
            return Err(LayerError::Shape {
                context: "input gradient buffer".into(),
                expected: x.dim(),
                actual: g.dim(),
            });
        }
        self.forward(x)?;
        let value = self.loss_into_grad(y, loss)?;
        self.backward_from_buffer(x, grad_input);
        Ok(value)
    }

    /// Layer by layer, each layer's tensors in its own order, named `"{layer}.{name}"`.
    fn visit_params(&self, f: &mut dyn FnMut(ParamName, ArrayViewD<'_, F>)) {
        for (i, l) in self.layers.iter().enumerate() {
            l.visit_params(&mut |name, value| f(ParamName::new(name).in_layer(i), value));
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], ParamName)) {
        for (i, l) in self.layers.iter_mut().enumerate() {
            // Each tensor goes on as arguments, the slices first so that they travel in registers
            // and the name (which the optimizer never reads) on the stack. A struct handed from
            // closure to closure, or a slice split between a register and the stack, is stored
            // in 8-byte halves and read back whole, which waits for the stores (store forwarding
            // fails): up to half of the headline model's RMSprop step.
            l.visit_params_mut(&mut |shape, value, grad, name| f(shape, value, grad, ParamName::new(name).in_layer(i)));
        }
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        for l in &mut self.layers {
            l.set_mode(mode);
        }
    }

    /// Layer by layer, named `"{layer}.{name}"` as the parameters are.
    fn visit_state(&self, f: &mut dyn FnMut(ParamName, StateValue<'_, F>, Saved)) {
        for (i, l) in self.layers.iter().enumerate() {
            l.visit_state(&mut |name, value, saved| f(ParamName::new(name).in_layer(i), value, saved));
        }
    }

    fn visit_state_mut(&mut self, f: &mut dyn FnMut(ParamName, StateValueMut<'_, F>)) {
        for (i, l) in self.layers.iter_mut().enumerate() {
            l.visit_state_mut(&mut |name, value| f(ParamName::new(name).in_layer(i), value));
        }
    }
}

/// One line of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's kind, e.g. `"Dense"`.
    pub kind: &'static str,
    /// Its output width.
    pub output_width: usize,
    /// Its number of trainable scalars.
    pub params: usize,
    /// Its number of state entries (running statistics, counters).
    pub state: usize,
}

/// What [`Sequential::summary`] returns: a row per layer; `Display` prints Keras' table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The input width the summary was made for.
    pub input_width: usize,
    /// One row per layer, in order.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// Trainable scalars over every layer.
    pub fn total_params(&self) -> usize {
        self.rows.iter().map(|r| r.params).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<5} {:<12} {:>12} {:>10}", "layer", "kind", "output width", "params")?;
        writeln!(f, "{:<5} {:<12} {:>12} {:>10}", "", "input", self.input_width, "")?;
        for (i, r) in self.rows.iter().enumerate() {
            let state = if r.state > 0 { format!("  (+{} state)", r.state) } else { String::new() };
            writeln!(f, "{i:<5} {:<12} {:>12} {:>10}{state}", r.kind, r.output_width, r.params)?;
        }
        write!(f, "total params: {}", self.total_params())
    }
}
