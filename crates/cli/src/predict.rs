//! `ndnet predict`: every row of a CSV through a trained model, from the weights (or
//! checkpoint) file alone: the stored architecture is rebuilt, the stored pipeline prepares the
//! rows, and the output is the input's columns followed by `predicted_<target>` (in the target's
//! units, or the label) and, for classes, `probability_<label>` per class; with a calibrated
//! model (`train --interval`) also `<target>_lower` and `<target>_upper`, or `prediction_set`.
//!
//! It ends with the input check: values outside the training rows' range, categories they never
//! had and missing cells filled, per column ([`ndnet_data::InputReport`]); with `--strict`
//! any of them is an error naming the first such row, and nothing is written.

use std::path::PathBuf;

use clap::Parser;
use ndnet_data::{Table, Task};
use ndnet_trainer::{Calibration, load_model, predict_with_uncertainty, write_predictions};

use crate::program::{Outcome, percent, refuse_overwrite, say, with_flag_hint};

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
    /// Refuse rows the model was not trained on: a value outside the training range, an unseen
    /// category or a missing cell is an error naming the first such row (nothing is written)
    #[arg(long)]
    pub strict: bool,
}

/// Runs `ndnet predict`.
pub fn run(args: PredictArgs) -> Outcome {
    refuse_overwrite(&args.out, &[("--model", &args.model), ("--data", &args.data)])?;
    let (mut model, metadata) = load_model::<f32>(&args.model)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let table = Table::from_csv(&args.data)?;
    let report = pipeline.check_inputs(&table)?;
    if args.strict
        && let Some(e) = report.strict_error(&table)
    {
        return Err(e.into());
    }
    let calibration = metadata.calibration.as_ref();
    let (predictions, uncertainty) =
        predict_with_uncertainty(&mut model, pipeline, calibration, &table).map_err(with_flag_hint)?;
    let rows: Vec<usize> = (0..table.len()).collect();
    write_predictions(&table, &rows, pipeline, &predictions, uncertainty.as_ref(), &args.out)?;
    let mut what = match pipeline.task() {
        Task::Regression => String::new(),
        Task::Classification => {
            format!(" (the label, and the probability of each of {} classes)", pipeline.labels().len())
        }
    };
    match calibration {
        Some(Calibration::Interval { level, .. }) => what.push_str(&format!(" with {} intervals", percent(*level))),
        Some(Calibration::Sets { level, .. }) => what.push_str(&format!(" with {} prediction sets", percent(*level))),
        None => {}
    }
    say(format_args!("Wrote {} predictions of `{}`{what} to {}", table.len(), pipeline.target(), args.out.display()))?;
    say(format_args!("{report}"))
}
