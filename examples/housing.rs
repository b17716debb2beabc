//! The 10 → 10 → 1 house-price regressor, end to end: load `data/housing.csv`, split,
//! standardise, train Dense(10, ReLU) → Dense(1) on MSE with RMSprop (lr 0.001, Keras 3
//! preset) for 100 epochs, print every epoch, evaluate on held-out rows in dollars, and write
//! the history CSV, the loss plot, a checkpoint and safetensors weights. Every choice is a flag:
//! the data and its columns, missing values and text columns, the optimizer (SGD, RMSprop, Adam,
//! AdamW, each as PyTorch, Keras or optax has it), the loss and the activation.
//!
//! `cargo run --release --example housing -- --help`

use std::error::Error;
use std::path::{Path, PathBuf};

use clap::Parser;

mod common;
use common::{check, say};
use ndnet::prelude::*;
use ndnet::serde::Serialize;
use ndnet::trainer::{
    Checkpoint, Missing, PipelineConfig, RunMetadata, Settings, Table, UnknownCategory, load_safetensors,
    save_safetensors,
};

/// Train the 10 → 10 → 1 house-price regressor.
#[derive(Debug, Parser, Serialize)]
#[serde(crate = "ndnet::serde")]
#[command(version, about, allow_negative_numbers = true)]
struct Args {
    /// CSV file with a header line [default: the shipped data/housing.csv]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Target column
    #[arg(long, default_value = "price")]
    target: String,
    /// Feature columns, comma-separated [default: the ten in data/README.md for the shipped
    /// table, every other column for any other file]
    #[arg(long, value_delimiter = ',')]
    features: Option<Vec<String>>,
    /// Optimizer: sgd, rmsprop, adam, adamw
    #[arg(long, default_value = "rmsprop")]
    optimizer: String,
    /// Which framework's optimizer to reproduce: pytorch or keras for SGD; pytorch, keras, tf1,
    /// optax or textbook for RMSprop; pytorch, keras or optax for Adam and AdamW
    /// [default: pytorch for SGD, keras otherwise]
    #[arg(long)]
    preset: Option<String>,
    /// Learning rate [default: 0.01 for SGD, 0.001 otherwise]
    #[arg(long)]
    lr: Option<f64>,
    /// Momentum (SGD, RMSprop), in [0, 1)
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// RMSprop ρ, in [0, 1) [default: the preset's]
    #[arg(long)]
    rho: Option<f64>,
    /// ε (RMSprop, Adam), ≥ 0 [default: the preset's]
    #[arg(long)]
    eps: Option<f64>,
    /// Weight decay, ≥ 0: L2 for SGD and Adam, decoupled for AdamW and Keras [default: the preset's]
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Loss: mse, mae, huber (δ 1), huber:δ, quantile:τ (the pinball loss, τ in (0, 1))
    #[arg(long, default_value = "mse")]
    loss: String,
    /// Activation after the hidden layer: relu, tanh, sigmoid, leaky-relu
    #[arg(long, default_value = "relu")]
    activation: String,
    /// Epochs, ≥ 1
    #[arg(long, default_value_t = 100)]
    epochs: u64,
    /// Mini-batch size, ≥ 1
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Hidden layer width, 1 to 65536
    #[arg(long, default_value_t = 10)]
    hidden: usize,
    /// Dropout probability after the hidden activation, in [0, 1) (0: none)
    #[arg(long, default_value_t = 0.0)]
    dropout: f64,
    /// Batch normalisation after the hidden Dense layer
    #[arg(long)]
    batch_norm: bool,
    /// Embed text columns with more categories than this (a learned vector each) instead of
    /// one-hot coding them
    #[arg(long)]
    embed_above: Option<usize>,
    /// Width of each embedding vector, ≥ 1
    #[arg(long, default_value_t = 8)]
    embedding_dim: usize,
    /// Seed for the split, the initial weights and the shuffling
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the rows in file order instead of reshuffling every epoch
    #[arg(long)]
    no_shuffle: bool,
    /// Fraction of rows for validation, in [0, 1)
    #[arg(long, default_value_t = 0.15)]
    val_fraction: f64,
    /// Fraction of rows for the test, in [0, 1)
    #[arg(long, default_value_t = 0.15)]
    test_fraction: f64,
    /// What to standardise: none, features, all (metrics are always in the target's units)
    #[arg(long, default_value = "all")]
    standardize: Standardize,
    /// Missing cells (empty, NA, N/A, NaN, null, ?): error, drop (the row), mean or median
    /// (of the training rows; a missing text cell is no category)
    #[arg(long, default_value = "error")]
    missing: Missing,
    /// The most categories a text feature may have in the training rows, ≥ 1
    #[arg(long, default_value_t = 50)]
    max_categories: usize,
    /// A category the training rows never had: error, or ignore (all zeros)
    #[arg(long, default_value = "error")]
    unknown_category: UnknownCategory,
    /// Start from these weights (safetensors, as written to --out) instead of a random init
    #[arg(long)]
    init: Option<PathBuf>,
    /// Output folder (created if missing)
    #[arg(long, default_value = "runs/housing")]
    out: PathBuf,
    /// Write the checkpoint every N epochs, ≥ 1
    #[arg(long, default_value_t = 1)]
    checkpoint_every: u64,
    /// Continue from a checkpoint written by an earlier run with the same settings
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Print only the final metrics and where the outputs are
    #[arg(long)]
    quiet: bool,
}

/// The settings a checkpoint must agree on to be resumed (everything that shapes the run), the
/// data file by its canonical path (so `./h.csv` and its absolute path are one file).
fn run_identity(a: &Args) -> Settings {
    let data = common::data_path(a.data.as_deref());
    let data = std::fs::canonicalize(&data).unwrap_or(data);
    Settings::of(a)
        .without(&["resume", "quiet", "epochs", "out", "checkpoint_every", "init"])
        .with("data", data.display().to_string())
        .with(
            "features",
            common::features(a.features.as_deref(), a.data.as_deref()).map_or("all".into(), |f| f.join(",")),
        )
}

/// Range checks the library cannot make (it never sees the flags themselves).
fn check_args(a: &Args) -> Result<(), Box<dyn Error>> {
    a.loss.parse::<RegressionLoss>()?;
    a.activation.parse::<ndnet::layers::Activation>()?;
    check("epochs", a.epochs >= 1, a.epochs, "≥ 1")?;
    check("batch-size", a.batch_size >= 1, a.batch_size, "≥ 1")?;
    let max = ndnet::trainer::MAX_WIDTH;
    check("hidden", (1..=max).contains(&a.hidden), a.hidden, &format!("1 to {max}"))?;
    check("dropout", (0.0..1.0).contains(&a.dropout), a.dropout, "in [0, 1)")?;
    check("embedding-dim", a.embedding_dim >= 1, a.embedding_dim, "≥ 1")?;
    check("max-categories", a.max_categories >= 1, a.max_categories, "≥ 1")?;
    check("checkpoint-every", a.checkpoint_every >= 1, a.checkpoint_every, "≥ 1")?;
    for (name, f) in [("val-fraction", a.val_fraction), ("test-fraction", a.test_fraction)] {
        check(name, (0.0..1.0).contains(&f), f, "in [0, 1)")?;
    }
    let total = a.val_fraction + a.test_fraction;
    check("val-fraction plus --test-fraction", total < 1.0, total, "< 1")
}

fn build_optimizer(args: &Args) -> Result<Box<dyn Optimizer<f32>>, Box<dyn Error>> {
    let spec = OptimizerSpec::new(&args.optimizer)
        .with_preset(args.preset.as_deref())
        .with_lr(args.lr)
        .with_momentum(args.momentum)
        .with_rho(args.rho)
        .with_eps(args.eps)
        .with_weight_decay(args.weight_decay);
    spec.build().map_err(|e| ndnet::optim::flag_message(&e).into())
}

/// The table, split, with its pipeline (fills, one-hot encoders, scalers) fitted on the training rows.
fn load_data(args: &Args) -> Result<Prepared<f32>, Box<dyn Error>> {
    let table = Table::from_csv(common::data_path(args.data.as_deref()))?;
    let config = PipelineConfig::new(&args.target)
        .with_features(common::features(args.features.as_deref(), args.data.as_deref()))
        .with_missing(args.missing)
        .with_max_categories(args.max_categories)
        .with_unknown_category(args.unknown_category)
        .with_standardize(args.standardize)
        .with_embed_above(args.embed_above)
        .with_task(Some(ndnet::trainer::Task::Regression)); // a regressor; `ndnet train` does classes
    let prepared = Prepared::from_table(&table, &config, args.val_fraction, args.test_fraction, args.seed)
        .map_err(common::with_flag_hint)?;
    if !args.quiet {
        say(format_args!("{}", prepared.summary))?;
    }
    Ok(prepared)
}

/// Dense(hidden) → [BatchNorm1d] → activation → [Dropout] → Dense(1), after an embedding per
/// embedded column: what the flags and the pipeline describe.
fn architecture(args: &Args, pipeline: &Pipeline) -> Result<Architecture, Box<dyn Error>> {
    Ok(Architecture::mlp(pipeline.input_width(), &[args.hidden], pipeline.outputs())
        .with_activation(args.activation.parse()?)
        .with_dropout(args.dropout)
        .with_batch_norm(args.batch_norm)
        .with_embeddings(pipeline.embedded(), args.embedding_dim))
}

/// The model from the seed or from `--init` weights.
fn build_model(args: &Args, prepared: &Prepared<f32>) -> Result<Sequential<f32>, Box<dyn Error>> {
    let mut model = common::model_of(&metadata(args, prepared)?, args.seed)?;
    if let Some(init) = &args.init {
        load_safetensors(&mut model, init)?;
    }
    Ok(model)
}

/// A fresh trainer, or one resuming `--resume` (which must come from a run with the same settings).
fn build_trainer(
    args: &Args,
    prepared: &Prepared<f32>,
    checkpoint: &Path,
    model: &mut Sequential<f32>,
    optimizer: &mut dyn Optimizer<f32>,
) -> Result<Trainer<f32>, Box<dyn Error>> {
    let config = TrainerConfig::new(args.epochs)
        .with_seed(args.seed)
        .with_shuffle(!args.no_shuffle)
        .with_verbose(!args.quiet)
        .with_checkpoint(checkpoint, args.checkpoint_every);
    let trainer = match &args.resume {
        None => Trainer::new(config)?,
        Some(path) => {
            check(
                "init",
                args.init.is_none(),
                "with --resume",
                "one of the two (a resume starts from the checkpoint's weights)",
            )?;
            let ckpt = Checkpoint::<f32>::load(path)?;
            let done = ckpt.epoch();
            check("epochs", args.epochs >= done, args.epochs, &format!("≥ the {done} epochs the checkpoint has done"))?;
            let differences = ckpt.metadata().settings.differences(&metadata(args, prepared)?.settings);
            if !differences.is_empty() {
                let message = format!(
                    "{}: the checkpoint was made with other settings ({}); pass the same flags to resume",
                    path.display(),
                    differences.join("; ")
                );
                return Err(message.into());
            }
            if !args.quiet {
                say(format_args!("Resuming from {} after epoch {}", path.display(), ckpt.epoch()))?;
            }
            Trainer::resume(config, ckpt, path, model, optimizer)?
        }
    };
    Ok(trainer.with_metadata(metadata(args, prepared)?))
}

/// What the checkpoint and the weights carry: the pipeline, the architecture, and the settings
/// that shape the run.
fn metadata(args: &Args, prepared: &Prepared<f32>) -> Result<RunMetadata, Box<dyn Error>> {
    Ok(RunMetadata::default()
        .with_pipeline(prepared.pipeline.clone())
        .with_architecture(architecture(args, &prepared.pipeline)?)
        .with_settings(run_identity(args).with("data_fingerprint", prepared.fingerprint())))
}

/// Test metrics in dollars, then the history, plot, weights and (if none was written) checkpoint.
fn report(
    args: &Args,
    prepared: &Prepared<f32>,
    trainer: &Trainer<f32>,
    model: &mut Sequential<f32>,
    optimizer: &dyn Optimizer<f32>,
    checkpoint: &Path,
) -> Result<(), Box<dyn Error>> {
    if prepared.test_x.nrows() > 0 {
        let prediction = prepared.predict_original(model, &prepared.test_x)?;
        let metrics = Metrics::compute(&prediction, &prepared.split.test.y);
        say(format_args!("Test ({} rows): {metrics}", prepared.test_x.nrows()))?;
    }
    let history = trainer.history();
    history.write_csv(&args.out.join("history.csv"))?;
    let title = format!("housing: {} per epoch (standardised units)", args.loss.to_uppercase());
    history.plot_svg(&args.out.join("loss.svg"), &title)?;
    save_safetensors(model, &metadata(args, prepared)?, &args.out.join("weights.safetensors"))?;
    if !checkpoint.exists() {
        trainer.checkpoint(model, optimizer).save(checkpoint)?;
    }
    say(format_args!("Wrote history.csv, loss.svg, checkpoint.json and weights.safetensors to {}", args.out.display()))
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    check_args(&args)?;
    let mut optimizer = build_optimizer(&args)?;
    let prepared = load_data(&args)?;
    let mut model = build_model(&args, &prepared)?;
    common::create_dir(&args.out)?;
    let checkpoint = args.out.join("checkpoint.json");
    let mut trainer = build_trainer(&args, &prepared, &checkpoint, &mut model, optimizer.as_mut())?;
    let loss: RegressionLoss = args.loss.parse()?;
    let mut batches = Batches::new(prepared.train_x.clone(), prepared.train_y.clone(), args.batch_size)?;
    let validation = (prepared.val_x.nrows() > 0).then_some((&prepared.val_x, &prepared.val_y));
    trainer.fit(&mut model, &loss, optimizer.as_mut(), &mut batches, validation)?;
    report(&args, &prepared, &trainer, &mut model, optimizer.as_ref(), &checkpoint)
}

fn main() {
    common::finish(run(common::parse()));
}
