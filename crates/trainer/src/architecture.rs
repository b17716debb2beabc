//! [`Architecture`]: the MLP the program's flags describe (`--hidden`, `--activation`,
//! `--dropout`, `--batch-norm`, the embedded columns), as a recipe for a [`ModelSpec`] — the list
//! of layer specs that is saved with the weights. Files written before model descriptions stored
//! this record itself; [`Architecture::spec`] still reads them.
//!
//! Each hidden layer is `Dense → [BatchNorm1d] → activation → [Dropout]` (the order Keras' and
//! PyTorch's tabular examples use); the output layer is a plain `Dense`. With `members` k > 1 the
//! network is a TabM ensemble (Gorishniy et al. 2024): the rows are viewed as k members, each
//! hidden layer is an `ensemble_dense` (BatchEnsemble adapters in every layer, or TabM-mini's in
//! the first only) and the output is one head per member. A numerical embedding
//! ([`NumericEmbedding`]) goes first on the numeric columns; its bins and chunks come from the
//! training rows ([`Architecture::spec_for`]).
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

use ndnet_data::{Prepared, Task};
use ndnet_layers::{
    Activation, BatchNormSpec, DenseSpec, DropoutSpec, EmbeddingSpec, LayerDesc, ModelSpec, Real, Relu, Sequential,
};
use ndnet_tabular::{
    Adapters, EnsembleDenseSpec, EnsembleHeadSpec, EnsembleViewSpec, PbldSpec, PeriodicSpec, PiecewiseLinearSpec,
    ScalingInit, quantile_bins, tree_bins,
};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::config;

/// How numeric columns enter the network (the first layer after the category embeddings).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumericEmbedding {
    /// As they are.
    #[default]
    None,
    /// Piecewise-linear embeddings (version B) with at most `bins` bins per column, from
    /// quantiles or, with `tree`, from a decision tree on the target (min 64 rows a leaf,
    /// min impurity decrease 1e-4, as TabM's paper), each `dim` wide.
    PiecewiseLinear {
        /// The most bins per column.
        bins: usize,
        /// The embedding width.
        dim: usize,
        /// Target-aware bins.
        tree: bool,
    },
    /// Periodic embeddings (PLR), lite (one linear layer shared by the columns) or not.
    Periodic {
        /// Frequencies per column.
        frequencies: usize,
        /// Their initial deviation.
        sigma: f64,
        /// The embedding width.
        dim: usize,
        /// One shared linear layer.
        lite: bool,
    },
    /// RealMLP's PBLD embeddings.
    Pbld {
        /// Periodic values per column.
        hidden: usize,
        /// Outputs per column, the value itself included.
        dim: usize,
        /// The frequencies' initial deviation.
        sigma: f64,
    },
}

/// Where an ensemble's members have parameters of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Ensemble {
    /// TabM: BatchEnsemble adapters in every hidden layer.
    #[default]
    Tabm,
    /// TabM-mini: a scaling per member before the first hidden layer only.
    Mini,
}

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
    /// Ensemble members (1: one network).
    #[serde(default = "one")]
    pub members: usize,
    /// Where the members differ.
    #[serde(default)]
    pub ensemble: Ensemble,
    /// How numeric columns enter.
    #[serde(default)]
    pub numeric: NumericEmbedding,
}

fn one() -> usize {
    1
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
            members: 1,
            ensemble: Ensemble::Tabm,
            numeric: NumericEmbedding::None,
        }
    }

    /// An ensemble of `members` (TabM when more than 1).
    pub fn with_members(mut self, members: usize, ensemble: Ensemble) -> Self {
        (self.members, self.ensemble) = (members, ensemble);
        self
    }

    /// Sets how numeric columns enter the network.
    pub fn with_numeric(mut self, numeric: NumericEmbedding) -> Self {
        self.numeric = numeric;
        self
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
        Architecture {
            hidden: Vec::new(),
            dropout: 0.0,
            batch_norm: false,
            members: 1,
            numeric: NumericEmbedding::None,
            ..self.clone()
        }
    }

    /// The model description of a network without numerical embeddings (which need training
    /// rows: [`Architecture::spec_for`]): an embedding per embedded column (each replaces the
    /// first code column and appends its vector), then each hidden layer, then the output layer.
    pub fn spec(&self) -> ModelSpec {
        self.assemble(None)
    }

    /// The model description for the prepared data `p`: as [`Architecture::spec`], with the
    /// numerical embedding's bins fitted on `p`'s training rows (the model's inputs, as the
    /// model sees them) and the first ensemble layer's scaling drawn per input feature.
    ///
    /// Errors when the architecture's settings are out of range.
    pub fn spec_for<F: ndarray::NdFloat>(&self, p: &Prepared<F>) -> Result<ModelSpec> {
        let x = |j: usize| p.train_x.column(j).iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
        let y: Vec<f64> = p.train_y.column(0).iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
        let classes = (p.pipeline.task() == Task::Classification).then(|| p.pipeline.labels().len());
        let groups: Vec<(usize, usize, bool)> =
            p.pipeline.input_groups().iter().map(|g| (g.start, g.width, g.numeric)).collect();
        let data = SpecData { x: &x, y: &y, classes, groups: &groups };
        let spec = self.assemble(Some(&data));
        spec.resolve(&ndnet_tabular::registry())?;
        Ok(spec)
    }

    /// The layers, with the data-fitted parts when `data` is given.
    fn assemble(&self, data: Option<&SpecData<'_>>) -> ModelSpec {
        let mut spec = ModelSpec::new(self.inputs);
        let code_column = self.inputs.saturating_sub(self.embeddings.len());
        for &categories in &self.embeddings {
            spec = spec.push(&EmbeddingSpec { column: code_column, categories, dim: self.embedding_dim });
        }
        // Chunks of the network's input: one per feature (a numeric column's embedding, a
        // one-hot group, a category's vector), for TabM's first scaling.
        let mut chunks: Vec<usize> = Vec::new();
        if let Some(data) = data {
            let (layer, c) = numeric_layer(self.numeric, data, self.inputs - self.embeddings.len());
            if let Some(layer) = layer {
                spec = spec.push_desc(layer);
            }
            chunks = c;
            chunks.extend(std::iter::repeat_n(self.embedding_dim, self.embeddings.len()));
        }
        if self.members > 1 {
            return self.ensemble_layers(spec, chunks);
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

    /// TabM's layers after the inputs: the view, the ensemble blocks, one head per member.
    fn ensemble_layers(&self, mut spec: ModelSpec, chunks: Vec<usize>) -> ModelSpec {
        let k = self.members;
        spec = spec.push(&EnsembleViewSpec { members: k });
        // TabM draws the first scaling from a normal with numerical embeddings, else ±1.
        let init = match self.numeric {
            NumericEmbedding::None => ScalingInit::RandomSigns,
            _ => ScalingInit::Normal,
        };
        for (i, &h) in self.hidden.iter().enumerate() {
            let adapters = match (self.ensemble, i) {
                (Ensemble::Tabm, _) => Adapters::Batch,
                (Ensemble::Mini, 0) => Adapters::Input,
                (Ensemble::Mini, _) => Adapters::Shared,
            };
            let mut layer = EnsembleDenseSpec::new(k, h, adapters);
            if i == 0 {
                layer = layer.with_r_init(init, chunks.clone());
            }
            spec = spec.push(&layer).push_desc(self.activation.clone());
            if self.dropout > 0.0 {
                spec = spec.push(&DropoutSpec::new(self.dropout));
            }
        }
        spec.push(&EnsembleHeadSpec { members: k, outputs: self.outputs })
    }

    /// Errors naming the first setting out of range (checks the whole description).
    pub fn validate(&self) -> Result<()> {
        if self.members > 1 && self.hidden.is_empty() {
            return Err(config("members", self.members, "1 when there is no hidden layer (an ensemble needs one)"));
        }
        self.spec().resolve(&ndnet_tabular::registry())?;
        Ok(())
    }

    /// The model, its weights drawn from `seed` layer by layer (embedding tables first, then
    /// each Dense's weights and biases, Glorot-uniform and zeros); each Dropout gets its own seed
    /// from `seed` and its position. `Architecture::mlp(10, &[10], 1).build(42)` is the housing
    /// model, bit for bit `Sequential::mlp(&[10, 10, 1], seed 42)`.
    ///
    /// Errors as [`validate`](Architecture::validate) does.
    pub fn build<F: Real>(&self, seed: u64) -> Result<Sequential<F>> {
        Ok(self.spec().build(&ndnet_tabular::registry(), seed)?)
    }
}

/// The training rows as the model sees them, for the parts of a description fitted on data.
struct SpecData<'a> {
    /// A column of the training inputs, in f64 (one at a time: the whole table in f64 would
    /// take twice the memory of the inputs).
    x: &'a dyn Fn(usize) -> Vec<f64>,
    /// Training targets (scaled values, or class indices).
    y: &'a [f64],
    /// The class count, for classes.
    classes: Option<usize>,
    /// (start, width, numeric) of each input column's inputs.
    groups: &'a [(usize, usize, bool)],
}

/// The numerical embedding over the numeric inputs that vary (at least three distinct training
/// values: a 0/1 column has nothing to bin), and the chunks of the layer's output, one per
/// feature. Inputs at or past `plain` (category codes) are left to the category embeddings.
fn numeric_layer(numeric: NumericEmbedding, data: &SpecData<'_>, plain: usize) -> (Option<LayerDesc>, Vec<usize>) {
    let varies = |j: usize| {
        let mut v: Vec<f64> = (data.x)(j);
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len() >= 3
    };
    let columns: Vec<usize> = data
        .groups
        .iter()
        .filter(|&&(start, width, numeric)| numeric && width == 1 && start < plain && varies(start))
        .map(|g| g.0)
        .collect();
    // Chunks of the inputs the layer passes through, in order: one per column group.
    let passed: Vec<usize> =
        data.groups.iter().filter(|g| g.0 < plain && !columns.contains(&g.0)).map(|g| g.1).collect();
    let n = columns.len();
    let plain_chunks = || data.groups.iter().filter(|g| g.0 < plain).map(|g| g.1).collect::<Vec<_>>();
    if n == 0 {
        return (None, plain_chunks());
    }
    let (layer, mut chunks) = match numeric {
        NumericEmbedding::None => return (None, plain_chunks()),
        NumericEmbedding::PiecewiseLinear { bins, dim, tree } => {
            let edges = columns
                .iter()
                .map(|&c| {
                    let column = (data.x)(c);
                    match tree {
                        true => tree_bins(&column, data.y, data.classes, bins, 64, 1e-4),
                        false => quantile_bins(&column, bins),
                    }
                })
                .collect();
            (LayerDesc::of(&PiecewiseLinearSpec::new(columns, edges, dim)), vec![dim; n])
        }
        NumericEmbedding::Periodic { frequencies, sigma, dim, lite } => {
            let spec = PeriodicSpec::new(columns, dim).with_frequencies(frequencies).with_sigma(sigma).with_lite(lite);
            (LayerDesc::of(&spec), vec![dim; n])
        }
        NumericEmbedding::Pbld { hidden, dim, sigma } => {
            let spec = PbldSpec::new(columns).with_sizes(hidden, dim).with_sigma(sigma);
            let mut chunks = vec![dim - 1; n];
            chunks.extend(vec![1; n]);
            (LayerDesc::of(&spec), chunks)
        }
    };
    chunks.extend(passed);
    (Some(layer), chunks)
}
