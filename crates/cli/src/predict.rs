//! `ndnet predict`: every row of a CSV through a trained model, from the weights (or
//! checkpoint) file alone: the stored architecture is rebuilt, the stored pipeline prepares the
//! rows, and the output is the input's columns followed by `predicted_<target>` (in the target's
//! units, or the label) and, for classes, `probability_<label>` per class.

use std::path::PathBuf;

use clap::Parser;
use ndnet_trainer::{Task, load_model, predict_csv};

use crate::program::{Outcome, refuse_overwrite, say, with_flag_hint};

/// Predict the target for every row of a CSV with a model trained by `ndnet train`.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct PredictArgs {
    /// The trained model: `weights.safetensors` or `checkpoint.json` from `ndnet train --out`
    #[arg(long)]
    pub model: PathBuf,
    /// CSV of rows to predict, with the feature columns the model was trained on (any order; the
    /// target column may be absent)
    #[arg(long)]
    pub data: PathBuf,
    /// Where to write the rows with their predictions (written atomically; never the model or
    /// the data file)
    #[arg(long, default_value = "predictions.csv")]
    pub out: PathBuf,
}

/// Runs `ndnet predict`.
pub fn run(args: PredictArgs) -> Outcome {
    refuse_overwrite(&args.out, &[("--model", &args.model), ("--data", &args.data)])?;
    let (mut model, metadata) = load_model::<f32>(&args.model)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let rows = predict_csv(&mut model, pipeline, &args.data, &args.out).map_err(with_flag_hint)?;
    let what = match pipeline.task() {
        Task::Regression => String::new(),
        Task::Classification => {
            format!(" (the label, and the probability of each of {} classes)", pipeline.labels().len())
        }
    };
    say(format_args!("Wrote {rows} predictions of `{}`{what} to {}", pipeline.target(), args.out.display()))
}
