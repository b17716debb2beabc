//! Price new houses with a trained model: read the weights (or a checkpoint) written by the
//! housing example, rebuild the model and its preprocessing from what the file stores, and write
//! the input's columns followed by `predicted_<target>` in the target's own units.
//!
//! `cargo run --release --example predict -- --model runs/housing/weights.safetensors --data new_houses.csv --out predictions.csv`

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;

mod common;
use common::say;
use ndnet::data::Table;
use ndnet::trainer::{load_model, predict_csv};

/// Predict the target for every row of a CSV with a model trained by the housing example.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The trained model: `weights.safetensors` or `checkpoint.json` from the housing example's --out
    #[arg(long)]
    model: PathBuf,
    /// CSV of rows to predict, with the feature columns the model was trained on (any order; the
    /// target column may be absent)
    #[arg(long)]
    data: PathBuf,
    /// Where to write the rows with their predictions (written atomically)
    #[arg(long, default_value = "predictions.csv")]
    out: PathBuf,
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    common::refuse_overwrite(&args.out, &[("--model", &args.model), ("--data", &args.data)])?;
    let (mut model, metadata) = load_model::<f32>(&args.model)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let calibration = metadata.calibration.as_ref();
    let rows = predict_csv(&mut model, pipeline, calibration, &args.data, &args.out).map_err(common::with_flag_hint)?;
    say(format_args!("Wrote {rows} predictions of `{}` to {}", pipeline.target(), args.out.display()))?;
    // What the model extrapolated on (`ndnet predict --strict` refuses such rows instead).
    say(format_args!("{}", pipeline.check_inputs(&Table::from_csv(&args.data)?)?))
}

fn main() {
    common::finish(run(common::parse()));
}
