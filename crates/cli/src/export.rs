//! `ndnet export --model FILE --onnx OUT`: the model and its whole preprocessing, from a CSV row's
//! cells to the prediction, as one ONNX graph ([`ndnet_export::export_onnx`]), for a service that
//! runs it with any ONNX runtime and no ndnet.

use std::path::PathBuf;

use clap::Parser;
use ndnet_data::{ColumnEncoder, Task};
use ndnet_export::write_onnx;
use ndnet_trainer::load_model;

use crate::program::{Outcome, refuse_overwrite_as, say};

/// Export a model trained by `ndnet train` as an ONNX graph.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct ExportArgs {
    /// The trained model: `weights.safetensors` or `checkpoint.json` from `ndnet train --out`
    #[arg(long)]
    pub model: PathBuf,
    /// Where to write the ONNX graph (written atomically; never the model file)
    #[arg(long)]
    pub onnx: PathBuf,
}

/// Runs `ndnet export`.
pub fn run(args: ExportArgs) -> Outcome {
    refuse_overwrite_as("--onnx", &args.onnx, &[("--model", &args.model)])?;
    let (model, metadata) = load_model::<f32>(&args.model)?;
    write_onnx(&model, &metadata, &args.onnx)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let inputs: Vec<String> = pipeline
        .encoders()
        .iter()
        .map(|e| match e {
            ColumnEncoder::Number { column, .. } => format!("{column} (double, NaN if missing)"),
            e => format!("{} (string)", e.column()),
        })
        .collect();
    say(format_args!("Wrote {} (ONNX opset {})", args.onnx.display(), ndnet_export::ONNX_OPSET))?;
    say(format_args!("Inputs, each [N, 1]: {}", crate::program::elided(&inputs, 20)))?;
    let outputs = match (pipeline.task(), &metadata.calibration) {
        (Task::Regression, None) => format!("predicted_{}", pipeline.target()),
        (Task::Regression, Some(_)) => {
            let t = pipeline.target();
            format!("predicted_{t}, {t}_lower, {t}_upper")
        }
        (_, None) => {
            format!("probabilities (labels {}), predicted_{}", pipeline.labels().join(", "), pipeline.target())
        }
        (_, Some(_)) => format!(
            "probabilities (labels {}), predicted_{}, prediction_set",
            pipeline.labels().join(", "),
            pipeline.target()
        ),
    };
    say(format_args!("Outputs: {outputs}"))
}
