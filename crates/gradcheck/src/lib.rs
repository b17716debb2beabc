//! # ndnet-gradcheck
//!
//! A finite-difference gradient checker for any [`Layer`] and for a model plus loss.
//!
//! Every analytic gradient is compared with the central difference
//! `(L(θ + h) − L(θ − h)) / (2h)` element by element, in `f64`. For a single layer the scalar
//! is `L = Σ y ⊙ R` with a fixed, deterministic projection `R`, so every output element
//! matters. The relative error of an element is `|a − n| / max(|a|, |n|)`; elements where both
//! are below `floor` count as agreeing (their absolute error is still reported).
//!
//! Both [`Mode`]s are checked where they differ (the outputs of the two are compared first):
//! Dropout and BatchNorm in training and in inference, Dense once. Every evaluation starts from
//! the state the check began with (a dropout's mask stream, running statistics), so a layer that
//! draws or updates state in its forward sees the same function at every step; the state and
//! training mode are put back at the end.
//!
//! ```
//! use ndnet_gradcheck as gradcheck;
//! use ndnet_layers::{DenseConfig, Mse, Relu, Sequential};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
//! let mut model = Sequential::<f64>::new()
//!     .push(DenseConfig::new(4, 5).init(&mut rng).unwrap())
//!     .push(Relu)
//!     .push(DenseConfig::new(5, 1).init(&mut rng).unwrap());
//! let x = ndarray::Array2::from_shape_fn((6, 4), |(i, j)| (i as f64 - 2.5) * 0.3 + j as f64 * 0.1);
//! let y = ndarray::Array2::from_shape_fn((6, 1), |(i, _)| i as f64 * 0.2);
//! let report = gradcheck::check_model(&mut model, &Mse, x.view(), y.view()).unwrap();
//! assert!(report.max_rel_error() < 1e-6, "{report}");
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;

use ndarray::{Array2, ArrayView2};

use ndnet_layers::{Layer, LayerError, Loss, Mode, Model, Result, SavedState};

/// How the checker differentiates, with `with_*` setters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// The finite-difference step `h` (default 1e-5: near ε^(1/3), where the truncation error,
    /// ∝ h², and the rounding error, ∝ ε·|L|/h, of a central difference in f64 balance).
    pub step: f64,
    /// Below this magnitude (both analytic and numeric) an element counts as zero (default 1e-8).
    pub floor: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck { step: 1e-5, floor: 1e-8 }
    }
}

/// The worst disagreement found in one tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorReport {
    /// Parameter name (`weight`, `0.bias`, …) or `input`.
    pub name: String,
    /// The mode the gradient was checked in.
    pub mode: Mode,
    /// Number of elements checked.
    pub elements: usize,
    /// Largest relative error over the elements.
    pub max_rel_error: f64,
    /// Largest absolute error over the elements.
    pub max_abs_error: f64,
}

/// The result of a check: one [`TensorReport`] per parameter tensor, then one for the input;
/// for a layer or model that computes differently in inference, those of [`Mode::Train`] and
/// then those of [`Mode::Eval`].
#[derive(Debug, Clone, PartialEq)]
pub struct GradReport {
    /// Per-tensor results, parameters in order, the input gradient last, mode by mode.
    pub tensors: Vec<TensorReport>,
}

impl GradReport {
    /// The largest relative error over every tensor.
    pub fn max_rel_error(&self) -> f64 {
        // NaN-aware: a NaN anywhere must fail a `< tol` check, which f64::max would hide.
        self.tensors.iter().map(|t| t.max_rel_error).fold(0.0, |m, e| if e > m || e.is_nan() { e } else { m })
    }

    /// The report for one tensor by name (training mode's, when both modes were checked).
    pub fn get(&self, name: &str) -> Option<&TensorReport> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The report for one tensor by name in one mode.
    pub fn get_in(&self, name: &str, mode: Mode) -> Option<&TensorReport> {
        self.tensors.iter().find(|t| t.name == name && t.mode == mode)
    }

    /// The modes that were checked, in order.
    pub fn modes(&self) -> Vec<Mode> {
        let mut modes: Vec<Mode> = Vec::new();
        for t in &self.tensors {
            if !modes.contains(&t.mode) {
                modes.push(t.mode);
            }
        }
        modes
    }
}

impl fmt::Display for GradReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<16} {:<5} {:>8} {:>12} {:>12}", "tensor", "mode", "elements", "max rel", "max abs")?;
        for t in &self.tensors {
            let mode = if t.mode == Mode::Train { "train" } else { "eval" };
            writeln!(
                f,
                "{:<16} {mode:<5} {:>8} {:>12.3e} {:>12.3e}",
                t.name, t.elements, t.max_rel_error, t.max_abs_error
            )?;
        }
        Ok(())
    }
}

impl GradCheck {
    /// Sets the finite-difference step.
    pub fn with_step(mut self, step: f64) -> Self {
        self.step = step;
        self
    }

    /// Sets the magnitude below which both values count as zero.
    pub fn with_floor(mut self, floor: f64) -> Self {
        self.floor = floor;
        self
    }

    /// Checks a layer's parameter and input gradients on the batch `input`, in both modes where
    /// they differ. Leaves the layer in training mode with the state it came with.
    ///
    /// Errors when the layer cannot take `input`'s width or `input` is empty.
    pub fn check_layer(&self, layer: &mut dyn Layer<f64>, input: ArrayView2<'_, f64>) -> Result<GradReport> {
        if input.is_empty() {
            let (rows, cols) = input.dim();
            return Err(LayerError::EmptyBatch { context: "gradcheck input".into(), rows, cols });
        }
        let out_width = layer.output_width(input.ncols())?;
        let state = layer_state(layer);
        let mut output = Array2::zeros((input.nrows(), out_width));
        let forward_in = |layer: &mut dyn Layer<f64>, mode: Mode, output: &mut Array2<f64>| {
            layer.set_mode(mode);
            restore_layer_state(layer, &state);
            layer.forward(input, output.view_mut());
            output.clone()
        };
        let differ = forward_in(layer, Mode::Train, &mut output) != forward_in(layer, Mode::Eval, &mut output);
        let mut tensors = Vec::new();
        for mode in if differ { &[Mode::Train, Mode::Eval][..] } else { &[Mode::Train] } {
            layer.set_mode(*mode);
            tensors.extend(self.check_layer_in(layer, input, &state, &mut output, *mode));
        }
        layer.set_mode(Mode::Train);
        restore_layer_state(layer, &state);
        Ok(GradReport { tensors })
    }

    fn check_layer_in(
        &self,
        layer: &mut dyn Layer<f64>,
        input: ArrayView2<'_, f64>,
        state: &[SavedState<f64>],
        output: &mut Array2<f64>,
        mode: Mode,
    ) -> Vec<TensorReport> {
        let projection = Array2::from_shape_fn(output.raw_dim(), |(i, j)| ((i * 31 + j * 17 + 7) as f64 * 0.618).sin());
        let mut grad_input = Array2::zeros(input.raw_dim());
        restore_layer_state(layer, state);
        layer.forward(input, output.view_mut());
        layer.backward(input, output.view(), projection.view(), Some(grad_input.view_mut()));

        let mut objective = |layer: &mut dyn Layer<f64>, x: ArrayView2<'_, f64>| {
            restore_layer_state(layer, state);
            layer.forward(x, output.view_mut());
            (&*output * &projection).sum()
        };
        let mut tensors = Vec::new();
        for (p, (name, analytic)) in analytic_grads(&mut LayerParams(&mut *layer)).into_iter().enumerate() {
            let mut numerics = Vec::with_capacity(analytic.len());
            for k in 0..analytic.len() {
                let orig = get_element(&mut LayerParams(&mut *layer), p, k);
                numerics.push(self.central(
                    |v| {
                        set_element(&mut LayerParams(&mut *layer), p, k, v);
                        objective(&mut *layer, input)
                    },
                    orig,
                ));
            }
            tensors.push(self.compare(name, mode, &analytic, &numerics));
        }
        let mut x = input.to_owned();
        let numerics = self.input_numerics(&mut x, |x| objective(&mut *layer, x));
        tensors.push(self.compare("input".into(), mode, grad_input.as_slice().unwrap_or(&[]), &numerics));
        tensors
    }

    /// Checks a whole model (any [`Model`]) plus loss: every parameter gradient and the input
    /// gradient, in both modes where they differ. Leaves the model in training mode with the
    /// state it came with.
    ///
    /// Errors when `x` does not fit the model or `y` does not fit its output.
    pub fn check_model(
        &self,
        model: &mut dyn Model<f64>,
        loss: &dyn Loss<f64>,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<GradReport> {
        let state = model.state_snapshot();
        let forward_in = |model: &mut dyn Model<f64>, mode: Mode| {
            model.set_mode(mode);
            model.restore_state(&state)?;
            model.predict(x)
        };
        let differ = forward_in(model, Mode::Train)? != forward_in(model, Mode::Eval)?;
        let mut tensors = Vec::new();
        for mode in if differ { &[Mode::Train, Mode::Eval][..] } else { &[Mode::Train] } {
            model.set_mode(*mode);
            tensors.extend(self.check_model_in(model, loss, x, y, &state, *mode)?);
        }
        model.set_mode(Mode::Train);
        model.restore_state(&state)?;
        Ok(GradReport { tensors })
    }

    fn check_model_in(
        &self,
        model: &mut dyn Model<f64>,
        loss: &dyn Loss<f64>,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        state: &[(String, SavedState<f64>)],
        mode: Mode,
    ) -> Result<Vec<TensorReport>> {
        let mut grad_input = Array2::zeros(x.raw_dim());
        model.restore_state(state)?;
        model.forward_backward_input(x, y, loss, Some(grad_input.view_mut()))?;
        let objective = |model: &mut dyn Model<f64>, x: ArrayView2<'_, f64>| {
            let _ = model.restore_state(state); // the state's names and shapes were checked above
            model.forward(x).and_then(|out| loss.loss(out, y)).unwrap_or(f64::NAN)
        };
        let mut tensors = Vec::new();
        for (p, (name, analytic)) in analytic_grads(&mut ModelParams(&mut *model)).into_iter().enumerate() {
            let mut numerics = Vec::with_capacity(analytic.len());
            for k in 0..analytic.len() {
                let orig = get_element(&mut ModelParams(&mut *model), p, k);
                numerics.push(self.central(
                    |v| {
                        set_element(&mut ModelParams(&mut *model), p, k, v);
                        objective(&mut *model, x)
                    },
                    orig,
                ));
            }
            tensors.push(self.compare(name, mode, &analytic, &numerics));
        }
        let mut xs = x.to_owned();
        let numerics = self.input_numerics(&mut xs, |x| objective(&mut *model, x));
        tensors.push(self.compare("input".into(), mode, grad_input.as_slice().unwrap_or(&[]), &numerics));
        Ok(tensors)
    }

    /// Checks a loss's gradient with respect to the predictions (reported as `prediction`).
    ///
    /// Errors when the shapes do not match or the batch is empty.
    pub fn check_loss(
        &self,
        loss: &dyn Loss<f64>,
        prediction: ArrayView2<'_, f64>,
        target: ArrayView2<'_, f64>,
    ) -> Result<GradReport> {
        let mut grad = Array2::zeros(prediction.raw_dim());
        loss.loss_and_grad(prediction, target, grad.view_mut())?;
        let mut p = prediction.to_owned();
        let numerics = self.input_numerics(&mut p, |p| loss.loss(p, target).unwrap_or(f64::NAN));
        let report = self.compare("prediction".into(), Mode::Train, grad.as_slice().unwrap_or(&[]), &numerics);
        Ok(GradReport { tensors: vec![report] })
    }

    /// Central difference of `f` around `orig`; `f(v)` sets the element to `v` and evaluates.
    /// Leaves the element at exactly `orig`.
    fn central(&self, mut f: impl FnMut(f64) -> f64, orig: f64) -> f64 {
        let (up, down) = (orig + self.step, orig - self.step);
        let (lp, lm) = (f(up), f(down));
        f(orig);
        // Divide by the step actually taken, which rounding makes differ from 2h.
        (lp - lm) / (up - down)
    }

    fn input_numerics(&self, x: &mut Array2<f64>, mut objective: impl FnMut(ArrayView2<'_, f64>) -> f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(x.len());
        for k in 0..x.len() {
            let (i, j) = (k / x.ncols(), k % x.ncols());
            let orig = x[(i, j)];
            out.push(self.central(
                |v| {
                    x[(i, j)] = v;
                    objective(x.view())
                },
                orig,
            ));
        }
        out
    }

    fn compare(&self, name: String, mode: Mode, analytic: &[f64], numeric: &[f64]) -> TensorReport {
        let mut report = TensorReport { name, mode, elements: analytic.len(), max_rel_error: 0.0, max_abs_error: 0.0 };
        for (&a, &n) in analytic.iter().zip(numeric) {
            let abs = (a - n).abs();
            let scale = a.abs().max(n.abs());
            let rel = if scale < self.floor && abs < self.floor { 0.0 } else { abs / scale };
            // NaN-aware max: a NaN anywhere makes the report fail.
            if rel > report.max_rel_error || rel.is_nan() {
                report.max_rel_error = rel;
            }
            if abs > report.max_abs_error || abs.is_nan() {
                report.max_abs_error = abs;
            }
        }
        report
    }
}

/// [`GradCheck::check_layer`] with the default settings.
pub fn check_layer(layer: &mut dyn Layer<f64>, input: ArrayView2<'_, f64>) -> Result<GradReport> {
    GradCheck::default().check_layer(layer, input)
}

/// [`GradCheck::check_loss`] with the default settings.
pub fn check_loss(
    loss: &dyn Loss<f64>,
    prediction: ArrayView2<'_, f64>,
    target: ArrayView2<'_, f64>,
) -> Result<GradReport> {
    GradCheck::default().check_loss(loss, prediction, target)
}

/// [`GradCheck::check_model`] with the default settings.
pub fn check_model(
    model: &mut dyn Model<f64>,
    loss: &dyn Loss<f64>,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<GradReport> {
    GradCheck::default().check_model(model, loss, x, y)
}

/// Something whose parameters can be walked as (name, value, gradient).
trait Params {
    fn each(&mut self, f: &mut dyn FnMut(String, &mut [f64], &mut [f64]));
}

struct LayerParams<'a>(&'a mut dyn Layer<f64>);
struct ModelParams<'a>(&'a mut dyn Model<f64>);

impl Params for LayerParams<'_> {
    fn each(&mut self, f: &mut dyn FnMut(String, &mut [f64], &mut [f64])) {
        self.0.visit_params_mut(&mut |_, value, grad, name| f(name.to_string(), value, grad));
    }
}

impl Params for ModelParams<'_> {
    fn each(&mut self, f: &mut dyn FnMut(String, &mut [f64], &mut [f64])) {
        self.0.visit_params_mut(&mut |_, value, grad, name| f(name.to_string(), value, grad));
    }
}

/// Each tensor's name and analytic gradient, padded with NaN to the value's length: a gradient
/// slice shorter than its tensor (or empty) must fail the check, not report zero error.
fn analytic_grads(params: &mut dyn Params) -> Vec<(String, Vec<f64>)> {
    let mut out = Vec::new();
    params.each(&mut |name, v, g| {
        let mut grad = g.to_vec();
        grad.resize(v.len(), f64::NAN);
        grad.truncate(v.len());
        out.push((name, grad));
    });
    out
}

fn get_element(params: &mut dyn Params, p: usize, k: usize) -> f64 {
    let (mut i, mut value) = (0, f64::NAN);
    params.each(&mut |_, v, _| {
        if i == p {
            value = v.get(k).copied().unwrap_or(f64::NAN);
        }
        i += 1;
    });
    value
}

fn set_element(params: &mut dyn Params, p: usize, k: usize, value: f64) {
    let mut i = 0;
    params.each(&mut |_, v, _| {
        if i == p
            && let Some(e) = v.get_mut(k)
        {
            *e = value;
        }
        i += 1;
    });
}

/// A layer's state entries, in order.
fn layer_state(layer: &dyn Layer<f64>) -> Vec<SavedState<f64>> {
    let mut out = Vec::new();
    layer.visit_state(&mut |_, value, _| out.push(SavedState::of(value)));
    out
}

/// Puts back what [`layer_state`] took (same layer, so the kinds and shapes match).
fn restore_layer_state(layer: &mut dyn Layer<f64>, state: &[SavedState<f64>]) {
    let mut i = 0;
    layer.visit_state_mut(&mut |_, target| {
        if let Some(saved) = state.get(i) {
            saved.write_into(target);
        }
        i += 1;
    });
}
