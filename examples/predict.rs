//! Price new houses with a trained model: read the weights (or a checkpoint) written by the
//! housing example, rebuild the model and its preprocessing from what the file stores, and write
//! the input's columns followed by `predicted_<target>` in the target's own units.
//!
//! `cargo run --release --example predict -- --model runs/housing/weights.safetensors --data new_houses.csv --out predictions.csv`

use std::error::Error;
use std::path::{Path, PathBuf};

use clap::Parser;

mod common;
use common::say;
use ndnet::prelude::*;
use ndnet::trainer::{Checkpoint, RunMetadata, load_safetensors, predict_csv, read_safetensors_metadata};

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

/// The model and its metadata from a checkpoint (`.json`) or a safetensors file.
fn load(path: &Path) -> Result<(Sequential<f32>, RunMetadata), Box<dyn Error>> {
    let is_checkpoint = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (metadata, checkpoint) = if is_checkpoint {
        let ckpt = Checkpoint::<f32>::load(path)?;
        (ckpt.metadata().clone(), Some(ckpt))
    } else {
        (read_safetensors_metadata(path)?, None)
    };
    let pipeline = metadata.pipeline.as_ref().ok_or_else(|| {
        format!("{}: stores no preprocessing pipeline; train with the housing example to get one", path.display())
    })?;
    let mut model = common::model_of(&metadata, 0)
        .map_err(|e| format!("{}: {e}; was it written by the housing example?", path.display()))?;
    if model.output_width(pipeline.input_width())? != 1
        || metadata.architecture.as_ref().map(|a| a.inputs) != Some(pipeline.input_width())
    {
        return Err(
            format!("{}: the stored architecture does not take the stored pipeline's inputs", path.display()).into()
        );
    }
    match &checkpoint {
        Some(ckpt) => {
            let fit = model.restore(ckpt.params()).and_then(|()| model.restore_state(ckpt.state()));
            fit.map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => {
            load_safetensors(&mut model, path)?;
        }
    }
    Ok((model, metadata))
}

/// Refuses an `--out` that is the model or the data file (by any spelling of the path): writing
/// the predictions there would destroy what the user gave.
fn check_out(args: &Args) -> Result<(), Box<dyn Error>> {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false, // `--out` does not exist yet: it cannot be an input
    };
    for (flag, input) in [("--model", &args.model), ("--data", &args.data)] {
        if same(&args.out, input) {
            let message =
                format!("--out {} is the {flag} file: the predictions would overwrite it", args.out.display());
            return Err(message.into());
        }
    }
    Ok(())
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    check_out(&args)?;
    let (mut model, metadata) = load(&args.model)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let rows = predict_csv(&mut model, pipeline, &args.data, &args.out).map_err(common::with_flag_hint)?;
    say(format_args!("Wrote {rows} predictions of `{}` to {}", pipeline.target(), args.out.display()))
}

fn main() {
    common::finish(run(common::parse()));
}
