//! Layer specifications: a kind of layer as a value that can be saved, checked before anything is
//! allocated, built, shown as PyTorch code and written into an ONNX graph. A kind is one type
//! implementing [`LayerSpec`] (its name, checks, size bounds, builder, PyTorch module and ONNX
//! writer live there), registered once in a [`Registry`](crate::Registry); a model is an
//! ordered list of them ([`ModelSpec`](crate::ModelSpec)).
//!
//! A spec is stored as a [`LayerDesc`]: the kind's name and its settings as JSON, e.g.
//! `{"kind": "dense", "outputs": 64}`, so a file names layers a reader can look up, and a
//! research crate's own kind is saved and loaded like a built-in one.
//!
//! ```
//! use ndnet_layers::{BuildContext, DenseSpec, LayerDesc, LayerSpec, Model};
//! use rand::SeedableRng;
//! let dense = DenseSpec::new(4);
//! assert_eq!(dense.output_width(3).unwrap(), 4);
//! assert_eq!(dense.param_count(3), 16);
//! assert_eq!(dense.torch(3).unwrap(), "nn.Linear(3, 4)");
//! let desc = LayerDesc::of(&dense);
//! assert_eq!(desc.kind, "dense");
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let layer = dense.build::<f32>(&mut BuildContext::new(3, &mut rng)).unwrap();
//! let model = ndnet_layers::Sequential::new().push_boxed(layer);
//! assert_eq!(model.num_params(), 16);
//! ```

use std::any::Any;
use std::fmt;

use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, NdFloat};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::onnx::OnnxLayer;
use crate::{Layer, LayerError, Result};

/// A layer as a [`Sequential`](crate::Sequential) holds it: any layer type, able to be handed
/// back as its own type ([`Sequential::layer_as`](crate::Sequential::layer_as)).
pub(crate) trait Held<F: NdFloat>: Layer<F> + Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<F: NdFloat, L: Layer<F> + Send + 'static> Held<F> for L {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A built layer of any type, as [`LayerSpec::build`] returns it and
/// [`Sequential::push_boxed`](crate::Sequential::push_boxed) takes it.
pub struct BoxedLayer<F: NdFloat>(pub(crate) Box<dyn Held<F>>);

impl<F: NdFloat> BoxedLayer<F> {
    /// Boxes `layer`.
    pub fn new<L: Layer<F> + Send + 'static>(layer: L) -> Self {
        BoxedLayer(Box::new(layer))
    }

    /// The layer's kind, e.g. `"Dense"`.
    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }
}

/// A boxed layer is a layer: every call goes to the one inside.
impl<F: NdFloat> Layer<F> for BoxedLayer<F> {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }
    fn output_width(&self, input_width: usize) -> Result<usize> {
        self.0.output_width(input_width)
    }
    fn forward(&mut self, input: ArrayView2<'_, F>, output: ArrayViewMut2<'_, F>) {
        self.0.forward(input, output)
    }
    fn backward(
        &mut self,
        input: ArrayView2<'_, F>,
        output: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        grad_input: Option<ArrayViewMut2<'_, F>>,
    ) {
        self.0.backward(input, output, grad_output, grad_input)
    }
    fn set_mode(&mut self, mode: crate::Mode) {
        self.0.set_mode(mode)
    }
    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ArrayViewD<'_, F>)) {
        self.0.visit_params(f)
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [F], &mut [F], &'static str)) {
        self.0.visit_params_mut(f)
    }
    fn visit_state(&self, f: &mut dyn FnMut(&'static str, crate::StateValue<'_, F>, crate::Saved)) {
        self.0.visit_state(f)
    }
    fn visit_state_mut(&mut self, f: &mut dyn FnMut(&'static str, crate::StateValueMut<'_, F>)) {
        self.0.visit_state_mut(f)
    }
}

impl<F: NdFloat> fmt::Debug for BoxedLayer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoxedLayer({})", self.kind())
    }
}

/// What building one layer of a model needs: its input width, its position in the model, the
/// model's seed, and the random stream weights are drawn from (shared by the layers in order,
/// so one seed gives the same model bit for bit).
pub struct BuildContext<'a> {
    /// The layer's input width.
    pub input_width: usize,
    /// The layer's position in the model (0 for the first).
    pub position: usize,
    /// The model's seed (for layers that keep a random stream of their own, such as Dropout).
    pub seed: u64,
    /// Where weights are drawn from.
    pub rng: &'a mut dyn RngCore,
}

impl<'a> BuildContext<'a> {
    /// The context of a first layer with `input_width` inputs, seed 0, drawing from `rng`.
    pub fn new(input_width: usize, rng: &'a mut dyn RngCore) -> Self {
        BuildContext { input_width, position: 0, seed: 0, rng }
    }

    /// A seed of its own for the layer at this position, apart from every other position's.
    pub fn layer_seed(&self) -> u64 {
        // Distinct, fixed streams per position: two Dropouts never share a mask.
        self.seed ^ 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(self.position as u64 + 1)
    }
}

/// A kind of layer as a value: its settings (serde), the checks and sizes it implies, how it is
/// built, and what it is in PyTorch and in ONNX. Implement it for a settings struct and register
/// the type ([`Registry::with`](crate::Registry::with)). `examples/custom_model.rs` writes a layer
/// of its own this way and saves, loads and exports a model holding it; the module docs show a
/// built-in kind used through the trait.
pub trait LayerSpec: fmt::Debug + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name in files, flags and messages: lower case with underscores, e.g. `"dense"`
    /// (flags also take it with hyphens: `leaky-relu`).
    const KIND: &'static str;
    /// What the layer does, in a few words (for help texts and `inspect`).
    const ABOUT: &'static str;
    /// Whether it is an activation (element-wise, no parameters): what `--activation` lists.
    const ACTIVATION: bool = false;

    /// The output width for `input_width` inputs; an error names the setting or width it cannot
    /// take (every size bound is checked here, before anything is allocated).
    fn output_width(&self, input_width: usize) -> Result<usize>;

    /// How many trainable scalars the layer has for `input_width` inputs (in `u128`, so no
    /// setting a file could hold overflows it).
    fn param_count(&self, input_width: usize) -> u128 {
        let _ = input_width;
        0
    }

    /// The layer, its weights drawn from `ctx.rng`. Called after
    /// [`output_width`](LayerSpec::output_width) accepted `ctx.input_width`.
    fn build<F: NdFloat>(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<F>>;

    /// The PyTorch module that computes the same function and takes the same state-dict entries
    /// (`nn.Linear(10, 64)`, whose weight is ndnet's transposed), or `None` when torch has none.
    fn torch(&self, input_width: usize) -> Option<String> {
        let _ = input_width;
        None
    }

    /// Writes the layer's inference-mode function into an ONNX graph, reading `layer.input`
    /// (`[N, input_width]`, the network's float type), and returns the output value's name.
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String>;

    /// For a layer whose output is `k` ensemble members side by side (TabM's output head):
    /// `Some(k)`. A model's prediction is that of its last such layer's members combined.
    fn members(&self) -> Option<usize> {
        None
    }
}

/// A layer spec of any kind, as a model description holds it once resolved: [`LayerSpec`]
/// without its generic and associated items. Every `LayerSpec` is one.
pub trait AnyLayerSpec: fmt::Debug + Send + Sync {
    /// [`LayerSpec::KIND`].
    fn kind(&self) -> &'static str;
    /// [`LayerSpec::ACTIVATION`].
    fn is_activation(&self) -> bool;
    /// [`LayerSpec::output_width`].
    fn output_width(&self, input_width: usize) -> Result<usize>;
    /// [`LayerSpec::param_count`].
    fn param_count(&self, input_width: usize) -> u128;
    /// [`LayerSpec::build`] in `f32`.
    fn build_f32(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f32>>;
    /// [`LayerSpec::build`] in `f64`.
    fn build_f64(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f64>>;
    /// [`LayerSpec::torch`].
    fn torch(&self, input_width: usize) -> Option<String>;
    /// [`LayerSpec::onnx`].
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String>;
    /// The spec as it is stored.
    fn desc(&self) -> LayerDesc;
    /// [`LayerSpec::members`].
    fn members(&self) -> Option<usize>;
}

impl<T: LayerSpec> AnyLayerSpec for T {
    fn kind(&self) -> &'static str {
        T::KIND
    }
    fn is_activation(&self) -> bool {
        T::ACTIVATION
    }
    fn output_width(&self, input_width: usize) -> Result<usize> {
        LayerSpec::output_width(self, input_width)
    }
    fn param_count(&self, input_width: usize) -> u128 {
        LayerSpec::param_count(self, input_width)
    }
    fn build_f32(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f32>> {
        self.build(ctx)
    }
    fn build_f64(&self, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f64>> {
        self.build(ctx)
    }
    fn torch(&self, input_width: usize) -> Option<String> {
        LayerSpec::torch(self, input_width)
    }
    fn onnx(&self, layer: &mut OnnxLayer<'_>) -> Result<String> {
        LayerSpec::onnx(self, layer)
    }
    fn desc(&self) -> LayerDesc {
        LayerDesc::of(self)
    }
    fn members(&self) -> Option<usize> {
        LayerSpec::members(self)
    }
}

/// The float types a model description builds in (`f32` to train, `f64` for gradient checks).
pub trait Real: NdFloat + Send + 'static {
    /// `spec` built in this type.
    fn build(spec: &dyn AnyLayerSpec, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<Self>>;
}

impl Real for f32 {
    fn build(spec: &dyn AnyLayerSpec, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f32>> {
        spec.build_f32(ctx)
    }
}

impl Real for f64 {
    fn build(spec: &dyn AnyLayerSpec, ctx: &mut BuildContext<'_>) -> Result<BoxedLayer<f64>> {
        spec.build_f64(ctx)
    }
}

/// A layer spec as stored: the kind's name and its settings, flattened into one JSON object
/// (`{"kind": "dropout", "p": 0.1}`). A [`Registry`](crate::Registry) turns it back into its
/// spec, checking every setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerDesc {
    /// The kind's name ([`LayerSpec::KIND`]).
    pub kind: String,
    /// The settings.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

impl LayerDesc {
    /// The stored form of `spec`.
    pub fn of<T: LayerSpec>(spec: &T) -> Self {
        let settings = match serde_json::to_value(spec) {
            Ok(serde_json::Value::Object(map)) => map,
            // A unit struct (an activation without settings) is `null`: no settings.
            _ => serde_json::Map::new(),
        };
        LayerDesc { kind: T::KIND.to_string(), settings }
    }

    /// The spec of kind `T` it holds; errors name the kind and the setting that does not fit.
    pub fn decode<T: LayerSpec>(&self) -> Result<T> {
        let object = serde_json::Value::Object(self.settings.clone());
        let decoded = serde_json::from_value(object).or_else(|e| match self.settings.is_empty() {
            // A unit struct (an activation without settings) reads from `null` only.
            true => serde_json::from_value(serde_json::Value::Null).map_err(|_| e),
            false => Err(e),
        });
        decoded.map_err(|e| LayerError::Config {
            name: format!("{} settings", T::KIND),
            value: serde_json::to_string(&self.settings).unwrap_or_default(),
            allowed: e.to_string(),
        })
    }
}

/// A setting's value for a person: as JSON, or a long list by its length.
fn shown(value: &serde_json::Value) -> String {
    const LONG: usize = 60;
    let text = value.to_string();
    match value {
        serde_json::Value::Array(items) if text.len() > LONG => match items.first() {
            Some(serde_json::Value::Array(_)) => format!("[{} lists]", items.len()),
            _ => format!("[{} values]", items.len()),
        },
        _ => text,
    }
}

impl fmt::Display for LayerDesc {
    /// `dense(outputs=64)`, `relu`; a long list is shown by its length (`edges=[30 lists]`),
    /// as a summary is read by a person (the JSON description holds every value).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if !self.settings.is_empty() {
            let parts: Vec<String> = self.settings.iter().map(|(k, v)| format!("{k}={}", shown(v))).collect();
            write!(f, "({})", parts.join(", "))?;
        }
        Ok(())
    }
}
