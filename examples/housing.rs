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
use ndnet::trainer::{Checkpoint, RunMetadata, Settings, load_safetensors, save_safetensors};
use ndnet_cli::flags::{DataFlags, ModelFlags, OptimizerFlags, TrainingFlags};

/// Train the 10 → 10 → 1 house-price regressor.
#[derive(Debug, Parser, Serialize)]
#[serde(crate = "ndnet::serde")]
#[command(version, about, allow_negative_numbers = true)]
#[command(mut_arg("optimizer", |a| a.default_value("rmsprop")))]
#[command(mut_arg("hidden", |a| a.default_value("10")))]
#[command(mut_arg("epochs", |a| a.default_value("100").help("Epochs, ≥ 1")))]
#[command(mut_arg("missing", |a| a.default_value("error")))]
#[command(mut_arg("unknown_category", |a| a.default_value("error")))]
#[command(mut_arg("test_fraction", |a| a.default_value("0.15")))]
struct Args {
    #[command(flatten)]
    #[serde(flatten)]
    data: DataFlags,
    #[command(flatten)]
    #[serde(flatten)]
    model: ModelFlags,
    #[command(flatten)]
    #[serde(flatten)]
    optimizer: OptimizerFlags,
    #[command(flatten)]
    #[serde(flatten)]
    training: TrainingFlags,
    /// Loss [see --help]
    #[arg(long, default_value = "mse", long_help = format!("Loss: {}", RegressionLoss::allowed()))]
    loss: String,
    /// Keep the rows in file order instead of reshuffling every epoch
    #[arg(long)]
    no_shuffle: bool,
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
    let data = a.data.data_path();
    let data = std::fs::canonicalize(&data).unwrap_or(data);
    Settings::of(a)
        .without(&["resume", "quiet", "epochs", "out", "checkpoint_every", "init"])
        .with("data", data.display().to_string())
        .with("features", a.data.features().map_or("all".into(), |f| f.join(",")))
}

/// Every flag checked before any data is read.
fn check_args(a: &Args) -> Result<(), Box<dyn Error>> {
    a.loss
        .parse::<RegressionLoss>()
        .map_err(|_| format!("invalid --loss {}: allowed {}", a.loss, RegressionLoss::allowed()))?;
    a.data.check()?;
    a.model.check()?;
    a.training.check()?;
    check("checkpoint-every", a.checkpoint_every >= 1, a.checkpoint_every, "≥ 1")
}

/// The table, split, with its pipeline (fills, one-hot encoders, scalers) fitted on the training rows.
fn load_data(args: &Args) -> Result<Prepared<f32>, Box<dyn Error>> {
    let table = Table::from_csv(args.data.data_path())?;
    // A regressor: `ndnet train` does classes.
    let config = args.data.pipeline_config()?.with_task(Some(ndnet::data::Task::Regression));
    let (val, test, seed) = (args.data.val_fraction, args.data.test_fraction, args.training.seed);
    let prepared = Prepared::from_table(&table, &config, val, test, seed).map_err(common::with_flag_hint)?;
    if !args.quiet {
        say(format_args!("{}", prepared.summary))?;
    }
    Ok(prepared)
}

/// The model from the seed or from `--init` weights.
fn build_model(args: &Args, prepared: &Prepared<f32>) -> Result<Sequential<f32>, Box<dyn Error>> {
    let mut model = args.model.architecture(&prepared.pipeline)?.build(args.training.seed)?;
    if let Some(init) = &args.init {
        let stored = load_safetensors(&mut model, init)?;
        // Same width is not enough: weights trained on other columns would be read as these.
        if let Some(pipeline) = &stored.pipeline
            && pipeline.feature_names() != prepared.pipeline.feature_names()
        {
            let message = format!(
                "invalid --init {}: its weights were trained on the inputs {}; these data give {}",
                init.display(),
                pipeline.feature_names().join(", "),
                prepared.pipeline.feature_names().join(", ")
            );
            return Err(message.into());
        }
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
    let config = TrainerConfig::new(args.training.epochs)
        .with_seed(args.training.seed)
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
            let epochs = args.training.epochs;
            check("epochs", epochs >= done, epochs, &format!("≥ the {done} epochs the checkpoint has done"))?;
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
        .with_architecture(args.model.architecture(&prepared.pipeline)?)
        .with_settings(run_identity(args).with("data_fingerprint", prepared.fingerprint())))
}

/// Test metrics in dollars, then the history, plot, weights and the final checkpoint.
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
    let (train, validation) = history.curves();
    ndnet::charts::plot_loss(&args.out.join("loss.svg"), &title, &train, &validation)?;
    save_safetensors(model, &metadata(args, prepared)?, &args.out.join("weights.safetensors"))?;
    // Always this run's final state: a file already there may be another run's (an --out
    // that a resume did not start from) or from an earlier epoch (--checkpoint-every).
    trainer.checkpoint(model, optimizer).save(checkpoint)?;
    say(format_args!("Wrote history.csv, loss.svg, checkpoint.json and weights.safetensors to {}", args.out.display()))
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    check_args(&args)?;
    let mut optimizer = args.optimizer.spec::<f32>()?.build::<f32>()?;
    let prepared = load_data(&args)?;
    let mut model = build_model(&args, &prepared)?;
    common::create_dir(&args.out)?;
    let checkpoint = args.out.join("checkpoint.json");
    let mut trainer = build_trainer(&args, &prepared, &checkpoint, &mut model, optimizer.as_mut())?;
    let loss: RegressionLoss = args.loss.parse()?;
    let mut batches = Batches::new(prepared.train_x.clone(), prepared.train_y.clone(), args.training.batch_size)?;
    let validation = (prepared.val_x.nrows() > 0).then_some((&prepared.val_x, &prepared.val_y));
    trainer.fit(&mut model, &loss, optimizer.as_mut(), &mut batches, validation)?;
    report(&args, &prepared, &trainer, &mut model, optimizer.as_ref(), &checkpoint)
}

fn main() {
    common::finish(run(common::parse()));
}
