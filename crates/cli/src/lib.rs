//! # ndnet-cli
//!
//! The `ndnet` program over the library crates: each subcommand is a module here with its
//! flags (`clap`, the shared groups in [`flags`]) and a `run`; the library crates do the work
//! (`ndnet-data`, `ndnet-trainer`, `ndnet-export`, …) and the program parses and prints. The
//! examples call the same modules.
//!
//! - [`train`]: any CSV table, regression or classification (the task follows from the target),
//!   any depth, early stopping, a baseline on the same split, pictures, `--cv K`;
//! - [`predict`]: new rows from the weights file alone;
//! - [`compare`]: the optimizer sweep, with shards and their merge;
//! - [`inspect`]: what a weights or checkpoint file holds;
//! - [`export`]: the model and its preprocessing as one ONNX graph.
//!
//! ```
//! use clap::Parser;
//! let args = ndnet_cli::Cli::try_parse_from(["ndnet", "train", "--data", "t.csv", "--target", "y", "--hidden", "32,16"]).unwrap();
//! assert!(matches!(args.command, ndnet_cli::Command::Train(_)));
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod compare;
pub mod export;
pub mod flags;
pub mod inspect;
pub mod predict;
pub mod program;
pub mod recipe;
pub mod train;

use clap::{Parser, Subcommand};

/// The command line of `ndnet`.
#[derive(Debug, Parser)]
#[command(
    name = "ndnet",
    version,
    about = "Train, predict with, compare and inspect small neural networks on CSV tables."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on a CSV table (regression or classification) and evaluate it.
    Train(Box<train::TrainArgs>),
    /// Predict every row of a CSV with a trained model.
    Predict(predict::PredictArgs),
    /// Compare optimizers' loss curves on the housing regressor, fairly.
    Compare(Box<compare::CompareArgs>),
    /// Show what a weights or checkpoint file holds.
    Inspect(inspect::InspectArgs),
    /// Export a trained model with its preprocessing as one ONNX graph.
    Export(export::ExportArgs),
}

/// The program's command line, `train`'s defaults those of the recipe it names
/// ([`recipe::chosen`]); a bad one is one `error:` line and exit 1.
pub fn parse() -> Cli {
    use clap::CommandFactory;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let recipe = recipe::chosen(&args);
    program::parse_command(Cli::command().mut_subcommand("train", |c| recipe.apply(c)))
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> program::Outcome {
    match cli.command {
        Command::Train(a) => train::run(*a),
        Command::Predict(a) => predict::run(a),
        Command::Compare(a) => compare::run(*a),
        Command::Inspect(a) => inspect::run(a),
        Command::Export(a) => export::run(a),
    }
}
