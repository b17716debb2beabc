//! [`Architecture`]: what a model is, as a value — an MLP of any depth with its activation,
//! optional batch normalisation and dropout, and an embedding per coded text column — saved with
//! the weights, so a program rebuilds the very model a file belongs to (no untyped settings).
//!
//! Each hidden layer is `Dense → [BatchNorm1d] → activation → [Dropout]` (the order Keras' and
//! PyTorch's tabular examples use); the output layer is a plain `Dense`.
//!
//! ```
//! use ndnet_layers::{Activation, Model};
//! use ndnet_trainer::Architecture;
//! let arch = Architecture::mlp(10, &[64, 32], 1).with_activation(Activation::Tanh).with_dropout(0.1).with_batch_norm(true);
//! let model = arch.build::<f32>(42).unwrap();
//! assert_eq!(model.kinds(), ["Dense", "BatchNorm1d", "Tanh", "Dropout", "Dense", "BatchNorm1d", "Tanh", "Dropout", "Dense"]);
//! assert_eq!(serde_json::from_value::<Architecture>(serde_json::to_value(&arch).unwrap()).unwrap(), arch);
//! ```

use ndarray::NdFloat;
use ndnet_layers::{Activation, BatchNorm1d, DenseConfig, Dropout, EmbeddingConfig, Sequential};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::config;

/// The widest layer and the most layers an architecture may have: far beyond any tabular model,
/// and a bound a crafted file cannot push past (a width of 10¹⁵ would ask for petabytes).
pub const MAX_WIDTH: usize = 1 << 16;
/// See [`MAX_WIDTH`].
pub const MAX_HIDDEN_LAYERS: usize = 64;
/// The most parameters a model may have (2²⁸, 1 GiB of f32): a model file asking for more is
/// refused before anything is allocated.
pub const MAX_PARAMS: u128 = 1 << 28;
/// The most categories an embedded column may have.
pub const MAX_CATEGORIES: usize = 1 << 20;

/// An MLP with options, with `with_*` setters; [`build`](Architecture::build) makes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Model inputs (the pipeline's input width, codes of embedded columns included).
    pub inputs: usize,
    /// Hidden widths, first to last (empty: a linear model).
    pub hidden: Vec<usize>,
    /// Outputs (1 for regression and binary classification, the class count for more).
    pub outputs: usize,
    /// The activation after each hidden layer.
    pub activation: Activation,
    /// Dropout probability after each hidden activation (0: none).
    #[serde(default)]
    pub dropout: f64,
    /// BatchNorm1d after each hidden Dense.
    #[serde(default)]
    pub batch_norm: bool,
    /// Category counts of the embedded columns, whose codes are the last inputs in this order
    /// ([`Pipeline::embedded`](crate::Pipeline::embedded)).
    #[serde(default)]
    pub embeddings: Vec<usize>,
    /// The width of each embedding vector.
    #[serde(default)]
    pub embedding_dim: usize,
}

impl Architecture {
    /// `inputs → hidden… → outputs` with ReLU, no dropout, no batch normalisation.
    pub fn mlp(inputs: usize, hidden: &[usize], outputs: usize) -> Self {
        Architecture {
            inputs,
            hidden: hidden.to_vec(),
            outputs,
            activation: Activation::Relu,
            dropout: 0.0,
            batch_norm: false,
            embeddings: Vec::new(),
            embedding_dim: 0,
        }
    }

    /// Sets the activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
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

    /// Errors naming the first setting out of range.
    pub fn validate(&self) -> Result<()> {
        let width = |name, v: usize| {
            if (1..=MAX_WIDTH).contains(&v) { Ok(()) } else { Err(config(name, v, format!("1 to {MAX_WIDTH}"))) }
        };
        width("inputs", self.inputs)?;
        width("outputs", self.outputs)?;
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(config("hidden layers", self.hidden.len(), format!("at most {MAX_HIDDEN_LAYERS}")));
        }
        for &h in &self.hidden {
            width("hidden width", h)?;
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(config("dropout", self.dropout, "0 ≤ p < 1"));
        }
        if !self.embeddings.is_empty() {
            if self.embeddings.len() > self.inputs {
                return Err(config(
                    "embedded columns",
                    self.embeddings.len(),
                    format!("at most the {} inputs", self.inputs),
                ));
            }
            width("embedding dim", self.embedding_dim)?;
            for &c in &self.embeddings {
                if !(1..=MAX_CATEGORIES).contains(&c) {
                    return Err(config("embedding categories", c, format!("1 to {MAX_CATEGORIES}")));
                }
            }
        }
        if self.param_count() > MAX_PARAMS {
            return Err(config("parameters", self.param_count(), format!("at most {MAX_PARAMS}")));
        }
        Ok(())
    }

    /// How many parameters the model has (embedding tables, weights and biases, batch-norm scales
    /// and shifts), counted without overflow for any field values.
    pub fn param_count(&self) -> u128 {
        let embeddings: u128 = self.embeddings.iter().map(|&c| c as u128 * self.embedding_dim as u128).sum();
        let dense_inputs = (self.inputs as u128).saturating_sub(self.embeddings.len() as u128)
            + self.embeddings.len() as u128 * self.embedding_dim as u128;
        let (mut width, mut total) = (dense_inputs, embeddings);
        for &h in &self.hidden {
            let h = h as u128;
            total += (width + 1) * h + if self.batch_norm { 2 * h } else { 0 };
            width = h;
        }
        total + (width + 1) * self.outputs as u128
    }

    /// The first Dense layer's input width: the plain inputs plus each embedding's vector.
    pub fn dense_inputs(&self) -> usize {
        self.inputs - self.embeddings.len() + self.embeddings.len() * self.embedding_dim
    }

    /// The model, its weights drawn from `seed` layer by layer (embedding tables first, then
    /// each Dense's weights and biases, Glorot-uniform and zeros); each Dropout gets its own seed
    /// from `seed` and its position. `Architecture::mlp(10, &[10], 1).build(42)` is the housing
    /// model, bit for bit `Sequential::mlp(&[10, 10, 1], seed 42)`.
    ///
    /// Errors as [`validate`](Architecture::validate) does.
    pub fn build<F: NdFloat + Send + 'static>(&self, seed: u64) -> Result<Sequential<F>> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut model = Sequential::new();
        let code_column = self.inputs - self.embeddings.len();
        for &categories in &self.embeddings {
            model = model.push(EmbeddingConfig::new(code_column, categories, self.embedding_dim).init(&mut rng)?);
        }
        let mut width = self.dense_inputs();
        for &h in &self.hidden {
            model = model.push(DenseConfig::new(width, h).init(&mut rng)?);
            if self.batch_norm {
                model = model.push(BatchNorm1d::new(h));
            }
            model = model.push(self.activation);
            if self.dropout > 0.0 {
                // Distinct, fixed streams per position: two Dropouts never share a mask.
                let salt = 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(model.len() as u64 + 1);
                model = model.push(Dropout::new(self.dropout)?.with_seed(seed ^ salt));
            }
            width = h;
        }
        Ok(model.push(DenseConfig::new(width, self.outputs).init(&mut rng)?))
    }
}
