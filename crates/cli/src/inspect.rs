//! `ndnet inspect`: what a weights or checkpoint file holds — the task and labels, the model's
//! layers, the inputs and how each column is prepared, and the test metrics at save time —
//! read and checked as `predict` would read it, without predicting anything.

use std::path::PathBuf;

use clap::Parser;
use ndnet_data::{ColumnEncoder, TargetEncoder, Task};
use ndnet_layers::Model;
use ndnet_trainer::{Calibration, load_model};

use crate::program::{Outcome, percent, say};

/// Show what a weights (`.safetensors`) or checkpoint (`.json`) file holds.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct InspectArgs {
    /// The file to read
    pub model: PathBuf,
    /// List every input and category (else long lists are cut)
    #[arg(long)]
    pub all: bool,
    /// Print only the model as a PyTorch `nn.Sequential` expression (whose state dict takes the
    /// weights file; `nn.Linear` weights are ndnet's transposed)
    #[arg(long)]
    pub torch: bool,
}

/// The first `keep` of `names` and how many more, unless `all`.
fn listed(names: &[String], keep: usize, all: bool) -> String {
    if all { names.join(", ") } else { crate::program::elided(names, keep) }
}

/// Runs `ndnet inspect`.
pub fn run(args: InspectArgs) -> Outcome {
    let (model, metadata) = load_model::<f32>(&args.model)?;
    let pipeline = metadata.pipeline.as_ref().ok_or("no pipeline")?;
    let spec = metadata.model_spec().ok_or("no model description")?;
    if args.torch {
        let torch = spec.torch(&ndnet_tabular::registry())?;
        return say(format_args!("{}", torch.ok_or("a layer of this model has no PyTorch module")?));
    }
    say(format_args!("{}", args.model.display()))?;
    match pipeline.task() {
        Task::Regression => {
            let log = matches!(pipeline.target_encoder(), TargetEncoder::Number { log: true });
            let scale = if log { " (trained on its log)" } else { "" };
            say(format_args!("Task: regression of `{}`{scale}", pipeline.target()))?;
        }
        Task::Classification => say(format_args!(
            "Task: classification of `{}`, {} labels: {}",
            pipeline.target(),
            pipeline.labels().len(),
            listed(pipeline.labels(), 20, args.all)
        ))?,
    }
    say(format_args!("Model: {spec}"))?;
    say(format_args!("{} parameters\n{}", model.num_params(), model.summary(pipeline.input_width())?))?;
    say(format_args!("Inputs ({}): {}", pipeline.input_width(), listed(&pipeline.feature_names(), 20, args.all)))?;
    let shown = if args.all { usize::MAX } else { 20 };
    for (k, e) in pipeline.encoders().iter().enumerate().take(shown) {
        let mut how = match e {
            ColumnEncoder::Number { fill: Some(v), .. } => format!("number, missing cells filled with {v}"),
            ColumnEncoder::Number { .. } => "number".into(),
            ColumnEncoder::YesNo { .. } => "yes/no as 1/0".into(),
            ColumnEncoder::Date { daily, .. } => {
                let cycles = if *daily { "yearly, weekly and daily cycles" } else { "yearly and weekly cycles" };
                format!("date, as days since 1970-01-01 with its {cycles}")
            }
            ColumnEncoder::OneHot { categories, pooled, .. } => {
                let rare = pooled_text(pooled.len());
                format!("one-hot, {} categories{rare}: {}", categories.len(), listed(categories, 8, args.all))
            }
            ColumnEncoder::Embed { categories, pooled, .. } => {
                format!("embedded, {} categories{}", categories.len(), pooled_text(pooled.len()))
            }
        };
        if let Some(profile) = pipeline.profile().get(k) {
            if let Some([lo, hi]) = profile.range {
                how.push_str(&format!("; training range {lo} to {hi}"));
            }
            how.push_str(&format!("; {:.1} % of the training cells missing", 100.0 * profile.missing_share));
        }
        say(format_args!("  {}: {how}", e.column()))?;
    }
    if pipeline.encoders().len() > shown {
        say(format_args!("  … {} more columns (--all lists them)", pipeline.encoders().len() - shown))?;
    }
    match &metadata.evaluation {
        Some(e) => {
            let rows = match e {
                ndnet_trainer::Evaluation::Regression { rows, .. }
                | ndnet_trainer::Evaluation::Classification { rows, .. } => rows,
            };
            say(format_args!("Test metrics at save time ({rows} rows): {e}"))?;
        }
        None => say(format_args!("Test metrics at save time: none stored"))?,
    }
    match &metadata.calibration {
        Some(Calibration::Interval { level, quantile, rows, spread }) => {
            let score = if spread.is_some() { "normalized score" } else { "absolute score" };
            say(format_args!(
                "Interval: {}, {score}, conformal quantile {quantile} (trained target's units), calibrated on {rows} validation rows",
                percent(*level)
            ))
        }
        Some(Calibration::Sets { level, threshold, rows }) => say(format_args!(
            "Prediction sets: {}, a label is in when its probability ≥ {}, calibrated on {rows} validation rows",
            percent(*level),
            1.0 - threshold
        )),
        None => say(format_args!("Interval: none (train with --interval LEVEL for one)")),
    }
}

/// `, and N rare ones pooled` when categories were pooled.
fn pooled_text(pooled: usize) -> String {
    match pooled {
        0 => String::new(),
        n => format!(" and {n} rare ones pooled into one"),
    }
}
