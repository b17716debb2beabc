//! [`Registry`]: the layer kinds a program knows, by name. [`Registry::builtin`] is the one list
//! of ndnet's own kinds; a research crate adds its own with [`Registry::with`], and everything
//! that reads a model description (`load_model`, `inspect`, export) takes the registry. The
//! `--activation` flag's parsing, help and "allowed" list come from here.
//!
//! ```
//! use ndnet_layers::{LayerDesc, Registry, Relu};
//! let registry = Registry::builtin();
//! assert!(registry.activation_names().iter().any(|n| n == "leaky-relu"));
//! assert_eq!(registry.activation("ReLU").unwrap(), LayerDesc::of(&Relu));
//! let err = registry.activation("swish").unwrap_err().to_string();
//! assert!(err.starts_with("invalid activation = swish: allowed one of relu, leaky-relu"), "{err}");
//! ```

use crate::{
    AnyLayerSpec, BatchNormSpec, DenseSpec, DropoutSpec, EmbeddingSpec, Gelu, LayerDesc, LayerError, LayerNormSpec,
    LayerSpec, LeakyRelu, Relu, Result, Sigmoid, Tanh,
};

/// One registered kind: its name, what it does, whether it is an activation, and how a stored
/// spec of it is read back.
#[derive(Clone, Copy)]
struct Kind {
    name: &'static str,
    about: &'static str,
    activation: bool,
    resolve: fn(&LayerDesc) -> Result<Box<dyn AnyLayerSpec>>,
}

/// Reads a stored spec as kind `T`.
fn resolve<T: LayerSpec>(desc: &LayerDesc) -> Result<Box<dyn AnyLayerSpec>> {
    Ok(Box::new(desc.decode::<T>()?))
}

/// The layer kinds a program knows (see the module docs).
#[derive(Clone)]
pub struct Registry {
    kinds: Vec<Kind>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds.iter().map(|k| k.name)).finish()
    }
}

impl Registry {
    /// No kinds.
    pub fn empty() -> Self {
        Registry { kinds: Vec::new() }
    }

    /// ndnet's own kinds: one line each.
    pub fn builtin() -> Self {
        Registry::empty()
            .with::<DenseSpec>()
            .with::<Relu>()
            .with::<LeakyRelu>()
            .with::<Tanh>()
            .with::<Sigmoid>()
            .with::<Gelu>()
            .with::<DropoutSpec>()
            .with::<BatchNormSpec>()
            .with::<LayerNormSpec>()
            .with::<EmbeddingSpec>()
    }

    /// These kinds and `T` (which replaces a kind of the same name).
    pub fn with<T: LayerSpec>(mut self) -> Self {
        self.kinds.retain(|k| k.name != T::KIND);
        self.kinds.push(Kind { name: T::KIND, about: T::ABOUT, activation: T::ACTIVATION, resolve: resolve::<T> });
        self
    }

    /// Every kind's name and what it does, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.kinds.iter().map(|k| (k.name, k.about))
    }

    /// The stored spec `desc` as its kind's spec; errors name an unknown kind (listing the known
    /// ones) or the setting that does not fit.
    pub fn resolve(&self, desc: &LayerDesc) -> Result<Box<dyn AnyLayerSpec>> {
        let kind = self.kinds.iter().find(|k| k.name == desc.kind).ok_or_else(|| LayerError::Config {
            name: "layer kind".into(),
            value: desc.kind.clone(),
            allowed: format!("one of {}", self.kinds.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")),
        })?;
        (kind.resolve)(desc)
    }

    /// The activations' names as flags spell them (`leaky-relu`), in registration order.
    pub fn activation_names(&self) -> Vec<String> {
        self.kinds.iter().filter(|k| k.activation).map(|k| flag_name(k.name)).collect()
    }

    /// The activations, each with what it does, for a flag's help: `relu (max(x, 0)), …`.
    pub fn activation_help(&self) -> String {
        let each = self.kinds.iter().filter(|k| k.activation).map(|k| format!("{} ({})", flag_name(k.name), k.about));
        each.collect::<Vec<_>>().join(", ")
    }

    /// The activation named `name` (any case, `-` or `_`) with its default settings, as stored.
    pub fn activation(&self, name: &str) -> Result<LayerDesc> {
        let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
        let bad = || LayerError::Config {
            name: "activation".into(),
            value: name.to_string(),
            allowed: format!("one of {}", self.activation_names().join(", ")),
        };
        let kind = self.kinds.iter().find(|k| k.activation && k.name == wanted).ok_or_else(bad)?;
        let empty = LayerDesc { kind: kind.name.to_string(), settings: Default::default() };
        Ok((kind.resolve)(&empty)?.desc())
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

/// A kind's name as a flag value: `leaky_relu` → `leaky-relu`.
fn flag_name(name: &str) -> String {
    name.replace('_', "-")
}
