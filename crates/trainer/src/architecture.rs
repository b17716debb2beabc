//! [`Architecture`]: the MLP the program's flags describe (`--hidden`, `--activation`,
//! `--dropout`, `--batch-norm`, the embedded columns), as a recipe for a [`ModelSpec`] — the list
//! of layer specs that is saved with the weights. Files written before model descriptions stored
//! this record itself; [`Architecture::spec`] still reads them.
//!
//! Each hidden layer is `Dense → [BatchNorm1d] → activation → [Dropout]` (the order Keras' and
//! PyTorch's tabular examples use); the output layer is a plain `Dense`.
//!
//! ```
//! use ndnet_layers::{Model, Registry, Tanh, LayerDesc};
//! use ndnet_trainer::Architecture;
//! let arch = Architecture::mlp(10, &[64, 32], 1).with_activation(LayerDesc::of(&Tanh)).with_dropout(0.1).with_batch_norm(true);
//! let model = arch.build::<f32>(42).unwrap();
//! assert_eq!(model.kinds(), ["Dense", "BatchNorm1d", "Tanh", "Dropout", "Dense", "BatchNorm1d", "Tanh", "Dropout", "Dense"]);
//! assert_eq!(arch.spec().layers.len(), 9);
//! assert_eq!(serde_json::from_value::<Architecture>(serde_json::to_value(&arch).unwrap()).unwrap(), arch);
//! ```

use ndnet_layers::{
    Activation, BatchNormSpec, DenseSpec, DropoutSpec, EmbeddingSpec, LayerDesc, ModelSpec, Real, Registry, Relu,
    Sequential,
};
use serde::{Deserialize, Serialize};

use crate::Result;

/// An MLP with options, with `with_*` setters; [`spec`](Architecture::spec) makes its model
/// description and [`build`](Architecture::build) the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Model inputs (the pipeline's input width, codes of embedded columns included).
    pub inputs: usize,
    /// Hidden widths, first to last (empty: a linear model).
    pub hidden: Vec<usize>,
    /// Outputs (1 for regression and binary classification, the class count for more).
    pub outputs: usize,
    /// The activation after each hidden layer, as the registry stores it (files written before
    /// model descriptions hold `"relu"` or `{"leaky_relu": 0.01}`, which read too).
    #[serde(with = "activation_form")]
    pub activation: LayerDesc,
    /// Dropout probability after each hidden activation (0: none).
    #[serde(default)]
    pub dropout: f64,
    /// BatchNorm1d after each hidden Dense.
    #[serde(default)]
    pub batch_norm: bool,
    /// Category counts of the embedded columns, whose codes are the last inputs in this order
    /// ([`Pipeline::embedded`](ndnet_data::Pipeline::embedded)).
    #[serde(default)]
    pub embeddings: Vec<usize>,
    /// The width of each embedding vector.
    #[serde(default)]
    pub embedding_dim: usize,
}

/// The activation as stored: the registry's form, or the older `Activation` enum's.
mod activation_form {
    use super::*;

    pub fn serialize<S: serde::Serializer>(desc: &LayerDesc, s: S) -> std::result::Result<S::Ok, S::Error> {
        desc.serialize(s)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<LayerDesc, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Desc(LayerDesc),
            Old(Activation),
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Desc(desc) => desc,
            Stored::Old(old) => old.desc(),
        })
    }
}

impl Architecture {
    /// `inputs → hidden… → outputs` with ReLU, no dropout, no batch normalisation.
    pub fn mlp(inputs: usize, hidden: &[usize], outputs: usize) -> Self {
        Architecture {
            inputs,
            hidden: hidden.to_vec(),
            outputs,
            activation: LayerDesc::of(&Relu),
            dropout: 0.0,
            batch_norm: false,
            embeddings: Vec::new(),
            embedding_dim: 0,
        }
    }

    /// Sets the activation (any activation of the registry, e.g. `Registry::builtin().activation("gelu")`).
    pub fn with_activation(mut self, activation: LayerDesc) -> Self {
        self.activation = activation;
        self
    }

    /// Sets the dropout probability after each hidden activation.
    pub fn with_dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }

    /// Sets batch normalisation after each hidden Dense.
    pub fn with_batch_norm(mut self, batch_norm: bool) -> Self {
        self.batch_norm = batch_norm;
        self
    }

    /// Embeds the last `categories.len()` inputs (category codes), each as `dim` learned values.
    pub fn with_embeddings(mut self, categories: Vec<usize>, dim: usize) -> Self {
        self.embeddings = categories;
        self.embedding_dim = dim;
        self
    }

    /// The baseline of this network: no hidden layer (a linear or logistic model), the same
    /// inputs, outputs and embeddings.
    pub fn baseline(&self) -> Self {
        Architecture { hidden: Vec::new(), dropout: 0.0, batch_norm: false, ..self.clone() }
    }

    /// The model description: an embedding per embedded column (each replaces the first code
    /// column and appends its vector), then each hidden layer, then the output layer.
    pub fn spec(&self) -> ModelSpec {
        let mut spec = ModelSpec::new(self.inputs);
        let code_column = self.inputs.saturating_sub(self.embeddings.len());
        for &categories in &self.embeddings {
            spec = spec.push(&EmbeddingSpec { column: code_column, categories, dim: self.embedding_dim });
        }
        for &h in &self.hidden {
            spec = spec.push(&DenseSpec::new(h));
            if self.batch_norm {
                spec = spec.push(&BatchNormSpec::default());
            }
            spec = spec.push_desc(self.activation.clone());
            if self.dropout > 0.0 {
                spec = spec.push(&DropoutSpec::new(self.dropout));
            }
        }
        spec.push(&DenseSpec::new(self.outputs))
    }

    /// Errors naming the first setting out of range (checks the whole description).
    pub fn validate(&self) -> Result<()> {
        self.spec().resolve(&Registry::builtin())?;
        Ok(())
    }

    /// The model, its weights drawn from `seed` layer by layer (embedding tables first, then
    /// each Dense's weights and biases, Glorot-uniform and zeros); each Dropout gets its own seed
    /// from `seed` and its position. `Architecture::mlp(10, &[10], 1).build(42)` is the housing
    /// model, bit for bit `Sequential::mlp(&[10, 10, 1], seed 42)`.
    ///
    /// Errors as [`validate`](Architecture::validate) does.
    pub fn build<F: Real>(&self, seed: u64) -> Result<Sequential<F>> {
        Ok(self.spec().build(&Registry::builtin(), seed)?)
    }
}
