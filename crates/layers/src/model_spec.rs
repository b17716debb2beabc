//! [`ModelSpec`]: a model as a value — its input width and an ordered list of layer specs — that
//! is saved with the weights, checked as a whole before anything is allocated (kinds, settings,
//! widths, sizes), built, and walked by `summary`, `inspect` and the ONNX exporter.
//!
//! ```
//! use ndnet_layers::{DenseSpec, DropoutSpec, Model, ModelSpec, Registry, Relu};
//! let spec = ModelSpec::new(10).push(&DenseSpec::new(64)).push(&Relu).push(&DropoutSpec::new(0.1)).push(&DenseSpec::new(1));
//! let registry = Registry::builtin();
//! assert_eq!(spec.output_width(&registry).unwrap(), 1);
//! assert_eq!(spec.param_count(&registry).unwrap(), 11 * 64 + 65);
//! let model = spec.build::<f32>(&registry, 42).unwrap();
//! assert_eq!(model.kinds(), ["Dense", "Relu", "Dropout", "Dense"]);
//! assert_eq!(spec.torch(&registry).unwrap().unwrap(), "nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 1))");
//! let text = serde_json::to_string(&spec).unwrap();
//! assert!(text.starts_with(r#"{"inputs":10,"layers":[{"kind":"dense","outputs":64},{"kind":"relu"}"#), "{text}");
//! assert_eq!(serde_json::from_str::<ModelSpec>(&text).unwrap(), spec);
//! ```

use std::fmt;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::spec::Real;
use crate::{AnyLayerSpec, BuildContext, LayerDesc, LayerError, LayerSpec, Registry, Result, Sequential};

/// The widest layer a model may have: far beyond any tabular model, and a bound a crafted file
/// cannot push past (a width of 10¹⁵ would ask for petabytes).
pub const MAX_WIDTH: usize = 1 << 16;
/// The most layers a model description may list.
pub const MAX_LAYERS: usize = 256;
/// The most parameters a model may have (2²⁸, 1 GiB of f32): a description asking for more is
/// refused before anything is allocated.
pub const MAX_PARAMS: u128 = 1 << 28;

/// `Ok(())` when `value` is in `1..=MAX_WIDTH`, else an error naming `name`.
pub fn check_width(name: &str, value: usize) -> Result<()> {
    match (1..=MAX_WIDTH).contains(&value) {
        true => Ok(()),
        false => Err(LayerError::Config {
            name: name.to_string(),
            value: value.to_string(),
            allowed: format!("1 to {MAX_WIDTH}"),
        }),
    }
}

/// A model: its input width and its layers in order (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The model's input width.
    pub inputs: usize,
    /// The layers, first to last.
    pub layers: Vec<LayerDesc>,
}

/// A [`ModelSpec`] whose every layer was resolved and checked: the specs, and each layer's input
/// and output width.
#[derive(Debug)]
pub struct Resolved {
    /// The layer specs in order.
    pub layers: Vec<Box<dyn AnyLayerSpec>>,
    /// `widths[i]` is layer `i`'s input width; the last entry is the model's output width.
    pub widths: Vec<usize>,
}

impl Resolved {
    /// The model's output width.
    pub fn output_width(&self) -> usize {
        self.widths[self.widths.len() - 1]
    }

    /// How many ensemble members the output holds side by side: the last layer that says
    /// ([`LayerSpec::members`]), else 1.
    pub fn members(&self) -> usize {
        self.layers.iter().rev().find_map(|l| l.members()).unwrap_or(1)
    }
}

impl ModelSpec {
    /// A model with `inputs` inputs and no layers yet.
    pub fn new(inputs: usize) -> Self {
        ModelSpec { inputs, layers: Vec::new() }
    }

    /// Appends a layer.
    pub fn push<T: LayerSpec>(mut self, spec: &T) -> Self {
        self.layers.push(LayerDesc::of(spec));
        self
    }

    /// Appends a stored layer.
    pub fn push_desc(mut self, desc: LayerDesc) -> Self {
        self.layers.push(desc);
        self
    }

    /// Every layer resolved with `registry` and checked: known kinds, valid settings, widths that
    /// chain, at most [`MAX_LAYERS`] layers and [`MAX_PARAMS`] parameters. Errors name the layer.
    pub fn resolve(&self, registry: &Registry) -> Result<Resolved> {
        check_width("model inputs", self.inputs)?;
        if self.layers.is_empty() {
            return Err(LayerError::EmptyModel);
        }
        if self.layers.len() > MAX_LAYERS {
            let (value, allowed) = (self.layers.len().to_string(), format!("at most {MAX_LAYERS}"));
            return Err(LayerError::Config { name: "layers".into(), value, allowed });
        }
        let (mut layers, mut widths, mut params) = (Vec::new(), vec![self.inputs], 0u128);
        for (index, desc) in self.layers.iter().enumerate() {
            let at = |e: LayerError| LayerError::Layer { index, kind: desc.kind.clone(), source: Box::new(e) };
            let spec = registry.resolve(desc).map_err(at)?;
            let width = widths[index];
            let out = spec.output_width(width).map_err(at)?;
            check_width("layer output width", out).map_err(at)?;
            params = params.saturating_add(spec.param_count(width));
            layers.push(spec);
            widths.push(out);
        }
        if params > MAX_PARAMS {
            let (value, allowed) = (params.to_string(), format!("at most {MAX_PARAMS}"));
            return Err(LayerError::Config { name: "parameters".into(), value, allowed });
        }
        Ok(Resolved { layers, widths })
    }

    /// The model's output width ([`ModelSpec::resolve`] checks everything on the way).
    pub fn output_width(&self, registry: &Registry) -> Result<usize> {
        Ok(self.resolve(registry)?.output_width())
    }

    /// How many trainable scalars the model has.
    pub fn param_count(&self, registry: &Registry) -> Result<u128> {
        let r = self.resolve(registry)?;
        Ok(r.layers.iter().zip(&r.widths).map(|(l, &w)| l.param_count(w)).sum())
    }

    /// The model, its weights drawn from `seed` layer by layer in order. The spec of Keras' MLP
    /// (`Dense(10) → ReLU → Dense(1)` from seed 42) gives `Sequential::mlp(&[10, 10, 1], seed 42)`
    /// bit for bit.
    pub fn build<F: Real>(&self, registry: &Registry, seed: u64) -> Result<Sequential<F>> {
        let resolved = self.resolve(registry)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut model = Sequential::new();
        for (position, (spec, &input_width)) in resolved.layers.iter().zip(&resolved.widths).enumerate() {
            let mut ctx = BuildContext { input_width, position, seed, rng: &mut rng };
            let layer = F::build(spec.as_ref(), &mut ctx).map_err(|e| LayerError::Layer {
                index: position,
                kind: spec.kind().into(),
                source: Box::new(e),
            })?;
            model = model.push_boxed(layer);
        }
        Ok(model.with_members(resolved.members()))
    }

    /// The same model in PyTorch: an `nn.Sequential(…)` expression (state-dict names agree;
    /// `nn.Linear` weights are ndnet's transposed), or `None` when a layer has no torch module.
    pub fn torch(&self, registry: &Registry) -> Result<Option<String>> {
        let r = self.resolve(registry)?;
        let modules: Option<Vec<String>> = r.layers.iter().zip(&r.widths).map(|(l, &w)| l.torch(w)).collect();
        Ok(modules.map(|m| format!("nn.Sequential({})", m.join(", "))))
    }
}

impl fmt::Display for ModelSpec {
    /// `10 → dense(outputs=64) → relu → dense(outputs=1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inputs)?;
        self.layers.iter().try_for_each(|l| write!(f, " → {l}"))
    }
}
