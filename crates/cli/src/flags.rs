//! The flags programs share, each declared once and flattened into `ndnet train`, `ndnet
//! compare` and the housing example (`#[command(flatten)]`); a program with other defaults sets
//! them with `#[command(mut_arg(…))]`. Each group turns into its typed value once, where every
//! value is checked: [`OptimizerFlags::spec`], [`ModelFlags::architecture`],
//! [`DataFlags::pipeline_config`]. Help texts and "allowed" lists come from the registries.
//!
//! ```
//! use clap::Parser;
//! #[derive(Parser)]
//! struct Program {
//!     #[command(flatten)]
//!     optimizer: ndnet_cli::flags::OptimizerFlags,
//! }
//! let p = Program::try_parse_from(["p", "--optimizer", "rmsprop", "--preset", "pytorch", "--lr", "0.01"]).unwrap();
//! assert_eq!(p.optimizer.spec::<f32>().unwrap().learning_rate(), 0.01);
//! let p = Program::try_parse_from(["p", "--momentum", "0.9"]).unwrap(); // adam takes no momentum
//! assert_eq!(p.optimizer.spec::<f32>().unwrap_err().to_string(), "invalid --momentum 0.9: allowed only with sgd, rmsprop");
//! ```

use std::error::Error;
use std::path::PathBuf;

use clap::Args;
use ndarray::NdFloat;
use ndnet_data::{Missing, NumberScaling, Pipeline, PipelineConfig, Standardize, Task, UnknownCategory};
use ndnet_layers::{LayerDesc, Registry};
use ndnet_optim::{OptimError, OptimizerOptions, OptimizerSpec};
use ndnet_trainer::{Architecture, Ensemble, NumericEmbedding};
use serde::Serialize;

/// The optimizer: kind, whose defaults, learning rate and the hyper-parameters the kinds take.
#[derive(Debug, Clone, Args, Serialize)]
pub struct OptimizerFlags {
    /// Optimizer [see --help for the kinds]
    #[arg(long, default_value = "adam", long_help = optimizer_long_help())]
    pub optimizer: String,
    /// Which framework's optimizer to reproduce [default: the kind's first preset, see
    /// --optimizer]
    #[arg(long)]
    pub preset: Option<String>,
    /// Learning rate [default: 0.01 for SGD, 0.001 otherwise]
    #[arg(long)]
    pub lr: Option<f64>,
    /// Momentum μ (sgd, rmsprop), in [0, 1)
    #[arg(long)]
    pub momentum: Option<f64>,
    /// RMSprop's decay ρ, in [0, 1) [default: the preset's]
    #[arg(long)]
    pub rho: Option<f64>,
    /// ε in the denominator (rmsprop, adam, adamw), ≥ 0 [default: the preset's]
    #[arg(long)]
    pub eps: Option<f64>,
    /// Weight decay λ, ≥ 0: L2 for SGD and Adam, decoupled for AdamW and Keras [default: the preset's]
    #[arg(long)]
    pub weight_decay: Option<f64>,
}

fn optimizer_long_help() -> String {
    format!("Optimizer: {}", ndnet_optim::optimizer_help())
}

impl OptimizerFlags {
    /// The flags as registry options (hyper-parameters by flag name).
    pub fn options(&self) -> OptimizerOptions {
        OptimizerOptions::new(&self.optimizer)
            .with_preset(self.preset.as_deref())
            .with_lr(self.lr)
            .with("momentum", self.momentum)
            .with("rho", self.rho)
            .with("eps", self.eps)
            .with("weight-decay", self.weight_decay)
    }

    /// The optimizer's spec, every value checked in `F`; errors name the flag.
    pub fn spec<F: NdFloat>(&self) -> Result<OptimizerSpec, OptimError> {
        self.options().spec::<F>()
    }
}

/// The network: hidden widths, activation, dropout, batch normalisation, embedding width.
#[derive(Debug, Clone, Args, Serialize)]
pub struct ModelFlags {
    /// Hidden layer widths, comma-separated (0: none, a linear or logistic model)
    #[arg(long, default_value = "64,64")]
    pub hidden: String,
    /// Activation after each hidden layer [see --help for the list]
    #[arg(long, default_value = "relu", long_help = activation_long_help())]
    pub activation: String,
    /// Dropout probability after each hidden activation, in [0, 1)
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// Batch normalisation after each hidden Dense layer
    #[arg(long)]
    pub batch_norm: bool,
    /// Width of each embedding vector, ≥ 1
    #[arg(long, default_value_t = 8)]
    pub embedding_dim: usize,
    /// Ensemble members trained as one network (TabM), 1 to 1024; 1: a plain network
    #[arg(long, default_value_t = 1)]
    pub members: usize,
    /// Where the members differ: tabm (adapters in every hidden layer) or mini (before the first)
    #[arg(long, default_value = "tabm")]
    pub ensemble: String,
    /// How numeric columns enter: none, piecewise-linear (quantile bins), tree-bins
    /// (piecewise-linear, bins from a tree on the target), periodic, periodic-lite, pbld
    #[arg(long, default_value = "none")]
    pub numeric: String,
    /// Bins per numeric column for piecewise-linear embeddings, 2 to 1024
    #[arg(long, default_value_t = 48)]
    pub bins: usize,
    /// Width of each numeric column's embedding, ≥ 1 [default: 16; pbld: 4]
    #[arg(long)]
    pub numeric_dim: Option<usize>,
}

/// The `--numeric` kinds.
const NUMERIC: &str = "none, piecewise-linear, tree-bins, periodic, periodic-lite, pbld";

fn activation_long_help() -> String {
    format!("Activation after each hidden layer: {}", Registry::builtin().activation_help())
}

impl ModelFlags {
    /// `--hidden` as widths: `64,64`, or `0` for none.
    pub fn hidden(&self) -> Result<Vec<usize>, String> {
        let text = &self.hidden;
        let max = ndnet_layers::MAX_WIDTH;
        let bad = || format!("invalid --hidden {text}: allowed widths 1 to {max} separated by commas, or 0 for none");
        let widths =
            text.split(',').map(|w| w.trim().parse::<usize>()).collect::<Result<Vec<_>, _>>().map_err(|_| bad())?;
        match widths.as_slice() {
            [0] => Ok(Vec::new()),
            w if w.iter().any(|&h| !(1..=max).contains(&h)) => Err(bad()),
            w if w.len() > ndnet_layers::MAX_LAYERS / 4 => Err(bad()),
            w => Ok(w.to_vec()),
        }
    }

    /// `--activation` as the registry's layer.
    pub fn activation(&self) -> Result<LayerDesc, String> {
        Registry::builtin().activation(&self.activation).map_err(|_| {
            let allowed = Registry::builtin().activation_names().join(", ");
            format!("invalid --activation {}: allowed one of {allowed}", self.activation)
        })
    }

    /// Checks every flag without a pipeline (before any data is read).
    pub fn check(&self) -> Result<(), String> {
        self.hidden()?;
        self.activation()?;
        crate::program::check_flag("dropout", (0.0..1.0).contains(&self.dropout), self.dropout, "in [0, 1)")?;
        let dim = self.embedding_dim;
        let max = ndnet_layers::MAX_WIDTH;
        crate::program::check_flag("embedding-dim", (1..=max).contains(&dim), dim, &format!("1 to {max}"))?;
        let members = self.members;
        let max_members = ndnet_tabular::MAX_MEMBERS;
        let allowed = format!("1 to {max_members}");
        crate::program::check_flag("members", (1..=max_members).contains(&members), members, &allowed)?;
        crate::program::check_flag("bins", (2..=ndnet_tabular::MAX_BINS).contains(&self.bins), self.bins, "2 to 1024")?;
        if let Some(d) = self.numeric_dim {
            crate::program::check_flag("numeric-dim", (1..=max).contains(&d), d, &format!("1 to {max}"))?;
        }
        self.numeric()?;
        self.ensemble()?;
        Ok(())
    }

    /// `--ensemble`.
    pub fn ensemble(&self) -> Result<Ensemble, String> {
        match self.ensemble.to_ascii_lowercase().as_str() {
            "tabm" => Ok(Ensemble::Tabm),
            "mini" | "tabm-mini" => Ok(Ensemble::Mini),
            _ => Err(format!("invalid --ensemble {}: allowed tabm, mini", self.ensemble)),
        }
    }

    /// `--numeric` with `--bins` and `--numeric-dim`.
    pub fn numeric(&self) -> Result<NumericEmbedding, String> {
        let dim = self.numeric_dim.unwrap_or(16);
        Ok(match self.numeric.to_ascii_lowercase().replace('_', "-").as_str() {
            "none" => NumericEmbedding::None,
            "piecewise-linear" | "ple" => NumericEmbedding::PiecewiseLinear { bins: self.bins, dim, tree: false },
            "tree-bins" => NumericEmbedding::PiecewiseLinear { bins: self.bins, dim, tree: true },
            "periodic" => NumericEmbedding::Periodic { frequencies: 48, sigma: 0.01, dim, lite: false },
            "periodic-lite" => NumericEmbedding::Periodic { frequencies: 48, sigma: 0.01, dim, lite: true },
            "pbld" => {
                let dim = self.numeric_dim.unwrap_or(4);
                if dim < 2 {
                    return Err(format!("invalid --numeric-dim {dim}: allowed at least 2 with pbld"));
                }
                NumericEmbedding::Pbld { hidden: 16, dim, sigma: 0.1 }
            }
            _ => return Err(format!("invalid --numeric {}: allowed {NUMERIC}", self.numeric)),
        })
    }

    /// The network for a pipeline: its inputs, embeddings and outputs, the flags' layers between.
    pub fn architecture(&self, pipeline: &Pipeline) -> Result<Architecture, Box<dyn Error>> {
        let architecture = Architecture::mlp(pipeline.input_width(), &self.hidden()?, pipeline.outputs())
            .with_activation(self.activation()?)
            .with_dropout(self.dropout)
            .with_batch_norm(self.batch_norm)
            .with_embeddings(pipeline.embedded(), self.embedding_dim)
            .with_members(self.members, self.ensemble()?)
            .with_numeric(self.numeric()?);
        architecture.validate().map_err(crate::program::with_flag_hint)?;
        Ok(architecture)
    }
}

/// The table and how it is prepared: file, columns, task, missing cells, categories, scaling, the
/// split.
#[derive(Debug, Clone, Args, Serialize)]
pub struct DataFlags {
    /// CSV file with a header line [default: the shipped data/housing.csv]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Target column
    #[arg(long, default_value = "price")]
    pub target: String,
    /// Feature columns, comma-separated [default: the ten in data/README.md for the shipped
    /// table, every other column for any other file]
    #[arg(long, value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// Columns to leave out (identifiers, leaks), comma-separated
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Keep identifier columns (every training value distinct: a row number, or text such as a
    /// name), which are otherwise left out and named
    #[arg(long)]
    pub keep_identifiers: bool,
    /// regression or classification [default: from the target: text or yes/no labels, or 2 to
    /// 10 distinct whole numbers each seen twice on average, are classes]
    #[arg(long)]
    pub task: Option<String>,
    /// The most labels a classification may have, ≥ 2
    #[arg(long, default_value_t = ndnet_data::DEFAULT_MAX_CLASSES)]
    pub max_classes: usize,
    /// Train a regression on ln(target), for positive targets such as prices (metrics stay in the
    /// target's units)
    #[arg(long)]
    pub log_target: bool,
    /// Missing cells (empty, NA, N/A, NaN, null, ?): error, drop (the row), mean or median (of the
    /// training rows; a missing text cell is no category)
    #[arg(long, default_value = "median")]
    pub missing: Missing,
    /// The most categories a text column may have, ≥ 1: more is an error naming every such
    /// column [default: no limit]
    #[arg(long)]
    pub max_categories: Option<usize>,
    /// Pool categories with fewer training rows than this into one, `(rare)`, ≥ 1 (1: none)
    #[arg(long, default_value_t = 1)]
    pub min_frequency: usize,
    /// A category the training rows never had, when predicting: error, or ignore (no category).
    /// Validation and test rows never stop training: theirs are counted and ignored
    #[arg(long, default_value = "ignore")]
    pub unknown_category: UnknownCategory,
    /// What to standardise: none, features, all (a class target never is; metrics are always in
    /// the target's units)
    #[arg(long, default_value = "all")]
    pub standardize: Standardize,
    /// How numeric features are scaled: standard (mean, standard deviation), robust (median,
    /// interquartile range, then a smooth clip at ±3), quantile (to a standard normal)
    #[arg(long, default_value = "standard")]
    pub numbers: NumberScaling,
    /// Embed text columns with more categories than this instead of one-hot coding them
    #[arg(long)]
    pub embed_above: Option<usize>,
    /// Fraction of rows for validation (early stopping, calibration), in [0, 1)
    #[arg(long, default_value_t = 0.15)]
    pub val_fraction: f64,
    /// Fraction of rows for the test, in [0, 1)
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
}

impl DataFlags {
    /// `--data`, or the shipped table.
    pub fn data_path(&self) -> PathBuf {
        crate::program::data_path(self.data.as_deref())
    }

    /// `--features`, or the shipped table's ten, or every other column.
    pub fn features(&self) -> Option<Vec<String>> {
        crate::program::features(self.features.as_deref(), self.data.as_deref())
    }

    /// Checks every flag without the table.
    pub fn check(&self) -> Result<(), String> {
        use crate::program::check_flag;
        if let Some(max) = self.max_categories {
            check_flag("max-categories", max >= 1, max, "≥ 1")?;
        }
        check_flag("min-frequency", self.min_frequency >= 1, self.min_frequency, "≥ 1")?;
        check_flag("max-classes", self.max_classes >= 2, self.max_classes, "≥ 2")?;
        for (name, f) in [("val-fraction", self.val_fraction), ("test-fraction", self.test_fraction)] {
            check_flag(name, (0.0..1.0).contains(&f), f, "in [0, 1)")?;
        }
        let total = self.val_fraction + self.test_fraction;
        check_flag("val-fraction plus --test-fraction", total < 1.0, total, "< 1")?;
        self.task()?;
        Ok(())
    }

    /// `--task`.
    pub fn task(&self) -> Result<Option<Task>, String> {
        match &self.task {
            None => Ok(None),
            Some(t) => {
                t.parse().map(Some).map_err(|_| format!("invalid --task {t}: allowed regression, classification"))
            }
        }
    }

    /// The pipeline the flags describe.
    pub fn pipeline_config(&self) -> Result<PipelineConfig, String> {
        Ok(PipelineConfig::new(&self.target)
            .with_features(self.features())
            .with_exclude(self.exclude.clone())
            .with_keep_identifiers(self.keep_identifiers)
            .with_max_classes(self.max_classes)
            .with_task(self.task()?)
            .with_log_target(self.log_target)
            .with_missing(self.missing)
            .with_max_categories(self.max_categories)
            .with_min_frequency(self.min_frequency)
            .with_unknown_category(self.unknown_category)
            .with_standardize(self.standardize)
            .with_numbers(self.numbers)
            .with_embed_above(self.embed_above))
    }
}

/// How long and in what batches: epochs, batch size, seed.
#[derive(Debug, Clone, Args, Serialize)]
pub struct TrainingFlags {
    /// Most epochs, ≥ 1
    #[arg(long, default_value_t = 500)]
    pub epochs: u64,
    /// Mini-batch size, ≥ 1
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Seed for the split, the initial weights and the shuffling
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl TrainingFlags {
    /// Checks every flag.
    pub fn check(&self) -> Result<(), String> {
        use crate::program::check_flag;
        check_flag("epochs", (1..=1_000_000).contains(&self.epochs), self.epochs, "1 to 1000000")?;
        check_flag("batch-size", (1..=1 << 24).contains(&self.batch_size), self.batch_size, "1 to 16777216")
    }
}
