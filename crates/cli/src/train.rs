//! `ndnet train`: any CSV table to a trained model. The task follows from the target (text,
//! yes/no or a few whole numbers: classes; `--task` overrides), text columns are one-hot coded
//! (or embedded), missing cells filled with the training rows' median, features standardised
//! (never a class), the split stratified for classes; an MLP of any depth trains with early
//! stopping on the validation loss (best weights restored), and the test rows are scored against
//! a baseline with no hidden layer fitted on the same split. `--cv K` scores K folds instead.
//!
//! Writes to `--out`: `weights.safetensors` and `checkpoint.json` (each enough for `ndnet
//! predict`), `test_predictions.csv` (the test rows as `ndnet predict` would write them),
//! `history.csv`, `loss.svg`, `metrics.json`, `split.csv`, `inputs.txt`, and the
//! pictures: `predicted_vs_actual.svg` for a regression, `confusion.svg` (and `roc.svg` for two
//! classes) for classes, `cv.svg` and `cv.csv` with `--cv`.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use ndnet_trainer::{
    Architecture, Calibration, Evaluation, Missing, PipelineConfig, Prepared, RunMetadata, Settings, Standardize,
    Table, Task, Uncertainty, UnknownCategory, mean_sd, plot_confusion, plot_folds, plot_predicted_vs_actual, plot_roc,
    roc_curve, save_safetensors, write_atomic, write_predictions,
};
use serde::Serialize;

use crate::evaluate::{self, Fitted, baseline_name, baseline_of, fold_summary};
use crate::program::{Outcome, check, create_dir, percent, say, with_flag_hint};

/// Train a model on a CSV table and evaluate it on held-out rows.
#[derive(Debug, Parser, Serialize)]
#[command(version, about, allow_negative_numbers = true)]
pub struct TrainArgs {
    /// CSV file with a header line
    #[arg(long)]
    pub data: PathBuf,
    /// Target column
    #[arg(long)]
    pub target: String,
    /// Feature columns, comma-separated [default: every other column]
    #[arg(long, value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// Columns to leave out (identifiers, leaks), comma-separated
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// regression or classification [default: from the target: text, yes/no or at most 10
    /// distinct whole numbers are classes]
    #[arg(long)]
    pub task: Option<String>,
    /// Train a regression on ln(target), for positive targets such as prices (metrics stay in the
    /// target's units)
    #[arg(long)]
    pub log_target: bool,
    /// Hidden layer widths, comma-separated (0: none, a linear or logistic model)
    #[arg(long, default_value = "64,64")]
    pub hidden: String,
    /// Activation after each hidden layer: relu, tanh, sigmoid, leaky-relu
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// Dropout probability after each hidden activation, in [0, 1)
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// Batch normalisation after each hidden Dense layer
    #[arg(long)]
    pub batch_norm: bool,
    /// Embed text columns with more categories than this instead of one-hot coding them
    #[arg(long)]
    pub embed_above: Option<usize>,
    /// Width of each embedding vector, ≥ 1
    #[arg(long, default_value_t = 8)]
    pub embedding_dim: usize,
    /// Regression loss: mse, mae, huber, huber:δ, quantile:τ (the pinball loss of the τ-quantile,
    /// τ in (0, 1)); classes always train cross-entropy
    #[arg(long)]
    pub loss: Option<String>,
    /// Class weights: balanced (n / (classes · count)), or one weight per label in label order
    #[arg(long)]
    pub class_weight: Option<String>,
    /// Optimizer: sgd, rmsprop, adam, adamw
    #[arg(long, default_value = "adam")]
    pub optimizer: String,
    /// Which framework's optimizer to reproduce (see `ndnet compare --help`) [default: pytorch
    /// for SGD, keras otherwise]
    #[arg(long)]
    pub preset: Option<String>,
    /// Learning rate [default: 0.01 for SGD, 0.001 otherwise]
    #[arg(long)]
    pub lr: Option<f64>,
    /// Momentum (SGD, RMSprop), in [0, 1)
    #[arg(long, default_value_t = 0.0)]
    pub momentum: f64,
    /// RMSprop ρ, in [0, 1)
    #[arg(long)]
    pub rho: Option<f64>,
    /// ε (RMSprop, Adam), ≥ 0
    #[arg(long)]
    pub eps: Option<f64>,
    /// Weight decay, ≥ 0
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Most epochs, ≥ 1
    #[arg(long, default_value_t = 500)]
    pub epochs: u64,
    /// Mini-batch size, ≥ 1
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Stop after this many epochs without a lower validation loss (the best weights are kept), ≥ 1
    #[arg(long, default_value_t = 20)]
    pub patience: u64,
    /// Train every epoch and keep the last weights
    #[arg(long)]
    pub no_early_stopping: bool,
    /// Seed for the split, the initial weights and the shuffling
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Fraction of rows for validation (early stopping), in [0, 1)
    #[arg(long, default_value_t = 0.15)]
    pub val_fraction: f64,
    /// Fraction of rows for the test, in [0, 1)
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// What to standardise: none, features, all (a class target never is)
    #[arg(long, default_value = "all")]
    pub standardize: Standardize,
    /// Missing cells: error, drop (the row), mean or median (of the training rows)
    #[arg(long, default_value = "median")]
    pub missing: Missing,
    /// The most categories a one-hot text column may have, ≥ 1
    #[arg(long, default_value_t = 50)]
    pub max_categories: usize,
    /// A category the training rows never had, when predicting: error, or ignore (no category).
    /// Validation and test rows never stop training: theirs are counted and ignored
    #[arg(long, default_value = "ignore")]
    pub unknown_category: UnknownCategory,
    /// Prediction intervals (regression) or prediction sets (classes) that hold the truth at this
    /// rate, in (0, 1), e.g. 0.9: split-conformal, calibrated on the validation rows and saved
    /// with the model; `predict` writes `<target>_lower`/`<target>_upper` or `prediction_set`
    #[arg(long)]
    pub interval: Option<f64>,
    /// The interval's conformity score with --interval, for a regression: absolute (one width for
    /// every row) or normalized (each row's width scaled by its expected error, fitted on the
    /// training rows) [default: absolute]
    #[arg(long)]
    pub interval_score: Option<String>,
    /// Score K folds (stratified for classes) instead of one split, each on its own pipeline
    #[arg(long)]
    pub cv: Option<usize>,
    /// Folds trained at once with --cv [default: one per core]; the output is the same for any number
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Skip the baseline model
    #[arg(long)]
    pub no_baseline: bool,
    /// Output folder (created if missing)
    #[arg(long, default_value = "runs/train")]
    pub out: PathBuf,
    /// Print only the summary and the final metrics
    #[arg(long)]
    pub quiet: bool,
}

/// `--hidden` as widths: `64,64`, or `0` for none.
fn hidden(text: &str) -> Result<Vec<usize>, String> {
    let bad = || format!("invalid --hidden {text}: allowed widths ≥ 1 separated by commas, or 0 for none");
    let widths =
        text.split(',').map(|w| w.trim().parse::<usize>()).collect::<Result<Vec<_>, _>>().map_err(|_| bad())?;
    match widths.as_slice() {
        [0] => Ok(Vec::new()),
        w if w.contains(&0) => Err(bad()),
        w => Ok(w.to_vec()),
    }
}

/// Range checks the library cannot make (it never sees the flags themselves).
fn check_args(a: &TrainArgs) -> Outcome {
    hidden(&a.hidden)?;
    a.activation.parse::<ndnet_layers::Activation>()?;
    check("epochs", a.epochs >= 1, a.epochs, "≥ 1")?;
    check("batch-size", a.batch_size >= 1, a.batch_size, "≥ 1")?;
    check("patience", a.patience >= 1, a.patience, "≥ 1")?;
    check("dropout", (0.0..1.0).contains(&a.dropout), a.dropout, "in [0, 1)")?;
    check("embedding-dim", a.embedding_dim >= 1, a.embedding_dim, "≥ 1")?;
    check("max-categories", a.max_categories >= 1, a.max_categories, "≥ 1")?;
    check("jobs", a.jobs.is_none_or(|j| (1..=1024).contains(&j)), a.jobs.unwrap_or(0), "1 to 1024")?;
    for (name, f) in [("val-fraction", a.val_fraction), ("test-fraction", a.test_fraction)] {
        check(name, (0.0..1.0).contains(&f), f, "in [0, 1)")?;
    }
    if let Some(loss) = a.loss.as_deref().filter(|l| !l.eq_ignore_ascii_case("crossentropy")) {
        evaluate::regression_loss(Some(loss))?;
    }
    if let Some(level) = a.interval {
        check("interval", level > 0.0 && level < 1.0, level, "in (0, 1), e.g. 0.9")?;
    }
    if let Some(score) = &a.interval_score {
        let known = ["absolute", "normalized", "normalised"].contains(&score.to_ascii_lowercase().as_str());
        check("interval-score", known, score, "absolute, normalized")?;
        check("interval-score", a.interval.is_some(), score, "only with --interval")?;
    }
    let total = a.val_fraction + a.test_fraction;
    check("val-fraction plus --test-fraction", total < 1.0, total, "< 1")?;
    if let Some(task) = &a.task {
        task.parse::<Task>().map_err(|_| format!("invalid --task {task}: allowed regression, classification"))?;
    }
    evaluate::optimizer_spec(a).build::<f32>().map_err(|e| ndnet_optim::flag_message(&e))?;
    Ok(())
}

/// The pipeline the flags describe.
fn pipeline_config(a: &TrainArgs) -> Result<PipelineConfig, Box<dyn std::error::Error>> {
    Ok(PipelineConfig::new(&a.target)
        .with_features(a.features.clone())
        .with_exclude(a.exclude.clone())
        .with_task(a.task.as_deref().map(str::parse).transpose()?)
        .with_log_target(a.log_target)
        .with_missing(a.missing)
        .with_max_categories(a.max_categories)
        .with_unknown_category(a.unknown_category)
        .with_standardize(a.standardize)
        .with_embed_above(a.embed_above))
}

/// The network for a prepared table: `--hidden` layers with their options, the pipeline's
/// inputs, embeddings and outputs.
fn architecture(a: &TrainArgs, p: &Prepared<f32>) -> Result<Architecture, Box<dyn std::error::Error>> {
    let architecture = Architecture::mlp(p.pipeline.input_width(), &hidden(&a.hidden)?, p.pipeline.outputs())
        .with_activation(a.activation.parse()?)
        .with_dropout(a.dropout)
        .with_batch_norm(a.batch_norm)
        .with_embeddings(p.pipeline.embedded(), a.embedding_dim);
    architecture.validate()?;
    Ok(architecture)
}

/// Runs `ndnet train`.
pub fn run(args: TrainArgs) -> Outcome {
    check_args(&args)?;
    let table = Table::from_csv(&args.data)?;
    let config = pipeline_config(&args)?;
    create_dir(&args.out)?;
    if let Some(k) = args.cv {
        return cross_validate(&args, &table, &config, k);
    }
    let p = Prepared::<f32>::from_table(&table, &config, args.val_fraction, args.test_fraction, args.seed)
        .map_err(with_flag_hint)?;
    describe_data(&args, &p)?;
    evaluate::check_interval(&args, &p)?;
    let architecture = architecture(&args, &p)?;
    let mut net = evaluate::fit(&args, &p, &architecture, !args.quiet)?;
    if let Some(best) = net.trainer.best().filter(|b| b.epoch < net.trainer.epoch()) {
        say(format_args!("Kept the weights of epoch {} (validation loss {:.4})", best.epoch, best.loss))?;
    }
    let scored = evaluate::evaluate(&p, &mut net.model)?;
    let calibration = evaluate::calibrate(&args, &p, &mut net.model)?;
    let baseline = match args.no_baseline {
        true => None,
        false => {
            let mut fitted = evaluate::fit(&args, &p, &baseline_of(&architecture), false)?;
            evaluate::evaluate(&p, &mut fitted.model)?.map(|(e, _)| e)
        }
    };
    report(&args, &p, scored.as_ref(), baseline.as_ref())?;
    let covered = match (&calibration, &scored) {
        (Some(c), Some((_, predicted))) => Some(c.test_coverage(&p, predicted)),
        _ => None,
    };
    if let Some(c) = &calibration {
        say(format_args!("{}", coverage_text(c, covered.as_ref().map(|c| c.1), p.test_x.nrows())))?;
    }
    let scores = Scores { net: scored, baseline, calibration, covered };
    write_outputs(&args, &table, &p, &architecture, net, scores)
}

/// What the test rows gave: the network's metrics and predictions, the baseline's metrics, the
/// calibration and what it gave on them.
struct Scores {
    net: Option<(Evaluation, ndarray::Array2<f64>)>,
    baseline: Option<Evaluation>,
    calibration: Option<Calibration>,
    covered: Option<(Uncertainty, (f64, f64))>,
}

/// One line on an interval's or sets' calibration and its coverage of the test rows.
fn coverage_text(c: &Calibration, covered: Option<(f64, f64)>, test_rows: usize) -> String {
    let (what, rows, size) = match c {
        Calibration::Interval { rows, spread, .. } => {
            let kind = if spread.is_some() { "normalized" } else { "absolute" };
            (format!("Interval ({kind} score, "), rows, "mean width")
        }
        Calibration::Sets { rows, .. } => ("Prediction sets (".to_string(), rows, "mean size"),
    };
    let head = format!("{what}{}, calibrated on {rows} validation rows)", percent(c.level()));
    match covered {
        Some((share, mean)) => format!("{head}: {share:.4} of the {test_rows} test rows covered, {size} {mean:.4}"),
        None => format!("{head}: no test rows to measure its coverage on"),
    }
}

/// The data summary, the task and why, and where the full input list will be when the screen
/// shows only part of it (written with the other outputs, after training: a failed run leaves an
/// old folder as it was).
fn describe_data(args: &TrainArgs, p: &Prepared<f32>) -> Outcome {
    say(format_args!("{}", p.summary))?;
    say(format_args!("Task: {}", p.task_reason))?;
    let names = p.pipeline.feature_names();
    if names.len() > 20 {
        say(format_args!("(the {} inputs are listed in {})", names.len(), args.out.join("inputs.txt").display()))?;
    }
    Ok(())
}

/// The test metrics of the network and the baseline, and for classes the confusion matrix.
fn report(
    args: &TrainArgs,
    p: &Prepared<f32>,
    net: Option<&(Evaluation, ndarray::Array2<f64>)>,
    baseline: Option<&Evaluation>,
) -> Outcome {
    let Some((evaluation, _)) = net else {
        return say(format_args!("No test rows (--test-fraction {}): nothing to score", args.test_fraction));
    };
    say(format_args!("Test ({} rows): {evaluation}", p.test_x.nrows()))?;
    if let Some(b) = baseline {
        say(format_args!("Baseline ({}, same split): {b}", baseline_name(p.pipeline.task())))?;
    }
    if let Evaluation::Classification { metrics, .. } = evaluation {
        say(format_args!("{}", confusion_text(p.pipeline.labels(), &metrics.confusion)))?;
    }
    Ok(())
}

/// The confusion matrix as a text table (rows: true label, columns: predicted).
fn confusion_text(labels: &[String], confusion: &[Vec<usize>]) -> String {
    let short: Vec<String> = labels.iter().map(|l| l.chars().take(12).collect()).collect();
    let width = short.iter().map(|l| l.chars().count()).max().unwrap_or(4).max(6);
    let mut s = format!("Confusion (rows: true, columns: predicted)\n{:>width$}", "");
    short.iter().for_each(|l| {
        let _ = write!(s, " {l:>width$}");
    });
    for (label, row) in short.iter().zip(confusion) {
        let _ = write!(s, "\n{label:>width$}");
        row.iter().for_each(|n| {
            let _ = write!(s, " {n:>width$}");
        });
    }
    s
}

/// Weights, checkpoint, history, plots, metrics and the split.
fn write_outputs(
    args: &TrainArgs,
    table: &Table,
    p: &Prepared<f32>,
    architecture: &Architecture,
    net: Fitted,
    scores: Scores,
) -> Outcome {
    let Scores { net: scored, baseline, calibration, covered } = scores;
    let (out, Fitted { model, trainer, optimizer }) = (&args.out, net);
    let evaluation = scored.as_ref().map(|s| s.0.clone());
    let metadata = RunMetadata::default()
        .with_pipeline(p.pipeline.clone())
        .with_architecture(architecture.clone())
        .with_evaluation(evaluation.clone())
        .with_calibration(calibration.clone())
        .with_settings(Settings::of(args));
    save_safetensors(&model, &metadata, &out.join("weights.safetensors"))?;
    let names = p.pipeline.feature_names().join("\n");
    write_atomic(&out.join("inputs.txt"), format!("{names}\n").as_bytes())?;
    trainer.history().write_csv(&out.join("history.csv"))?;
    let title = format!("{}: loss per epoch", p.pipeline.target());
    trainer.history().plot_svg(&out.join("loss.svg"), &title)?;
    let trainer = trainer.with_metadata(metadata);
    trainer.checkpoint(&model, optimizer.as_ref()).save(&out.join("checkpoint.json"))?;
    let interval = calibration.as_ref().map(|c| {
        let (coverage, mean) = covered.as_ref().map(|c| c.1).unzip();
        serde_json::json!({ "level": c.level(), "calibration": c, "test_coverage": coverage, "test_mean_width_or_size": mean })
    });
    let metrics = serde_json::json!({ "network": evaluation, "baseline": baseline, "interval": interval });
    write_atomic(&out.join("metrics.json"), serde_json::to_string_pretty(&metrics)?.as_bytes())?;
    write_atomic(&out.join("split.csv"), split_csv(p).as_bytes())?;
    if let Some((_, predicted)) = &scored {
        let uncertainty = covered.as_ref().map(|c| &c.0);
        write_predictions(table, &p.rows.test, &p.pipeline, predicted, uncertainty, &out.join("test_predictions.csv"))?;
    }
    let pictures = match &scored {
        Some((e, predicted)) => draw(args, p, e, predicted, baseline.as_ref(), covered.as_ref())?,
        None => Vec::new(),
    };
    let mut written = vec![
        "test_predictions.csv",
        "weights.safetensors",
        "checkpoint.json",
        "history.csv",
        "loss.svg",
        "metrics.json",
        "split.csv",
        "inputs.txt",
    ];
    written.extend(pictures);
    say(format_args!("Wrote {} to {}", written.join(", "), out.display()))
}

/// `row,part`: each table row (0 = the first under the header) and its part, for a comparison
/// that must use the same split.
fn split_csv(p: &Prepared<f32>) -> String {
    let mut s = String::from("row,part\n");
    for (part, rows) in [("train", &p.rows.train), ("validation", &p.rows.validation), ("test", &p.rows.test)] {
        rows.iter().for_each(|r| s.push_str(&format!("{r},{part}\n")));
    }
    s
}

/// The pictures of the test rows; returns their file names.
fn draw(
    args: &TrainArgs,
    p: &Prepared<f32>,
    evaluation: &Evaluation,
    predicted: &ndarray::Array2<f64>,
    baseline: Option<&Evaluation>,
    covered: Option<&(Uncertainty, (f64, f64))>,
) -> Result<Vec<&'static str>, Box<dyn std::error::Error>> {
    let out = &args.out;
    let target = p.pipeline.target();
    match evaluation {
        Evaluation::Regression { metrics, .. } => {
            let mut note = format!("test rows: network R² {:.4}", metrics.r2);
            if let Some(Evaluation::Regression { metrics: b, .. }) = baseline {
                note.push_str(&format!(", linear baseline R² {:.4}", b.r2));
            }
            let actual: Vec<f64> = p.split.test.y.column(0).to_vec();
            let mut title = format!("{target}: predicted against actual");
            let intervals = match covered {
                Some((Uncertainty::Interval { lower, upper }, (share, _))) => {
                    let level = percent(args.interval.unwrap_or(0.0));
                    title.push_str(&format!(", {level} intervals ({share:.3} of the rows covered)"));
                    Some((lower.as_slice(), upper.as_slice()))
                }
                _ => None,
            };
            let (path, predicted) = (out.join("predicted_vs_actual.svg"), predicted.column(0).to_vec());
            plot_predicted_vs_actual(&path, &actual, &predicted, intervals, &title, &note)?;
            Ok(vec!["predicted_vs_actual.svg"])
        }
        Evaluation::Classification { metrics, .. } => {
            let title = format!("{target}: confusion matrix, test rows (accuracy {:.4})", metrics.accuracy);
            plot_confusion(&out.join("confusion.svg"), p.pipeline.labels(), &metrics.confusion, &title)?;
            let Some(auc) = metrics.roc_auc else { return Ok(vec!["confusion.svg"]) };
            let curve = roc_curve(&predicted.column(1).to_vec(), &p.split.test.y);
            let positive = &p.pipeline.labels()[1];
            plot_roc(&out.join("roc.svg"), &curve, auc, &format!("{target} = {positive}: ROC curve, test rows"))?;
            Ok(vec!["confusion.svg", "roc.svg"])
        }
    }
}

/// `--cv K`: every fold's metrics, their mean ± sd for the network and the baseline, `cv.csv`
/// and `cv.svg`.
fn cross_validate(args: &TrainArgs, table: &Table, config: &PipelineConfig, k: usize) -> Outcome {
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let architecture_of = |p: &Prepared<f32>| architecture(args, p);
    let (target, why, folds) = evaluate::cross_validate(args, table, config, k, threads, &architecture_of)?;
    say(format_args!("Task: {why}"))?;
    let what = if target.task() == Task::Classification { "stratified " } else { "" };
    say(format_args!("Cross-validation: {k} {what}folds; each fold's pipeline fitted on its own training rows"))?;
    let mut csv = String::from("fold,model,train_rows,test_rows");
    let names: Vec<&str> = folds[0].0.0.values().iter().map(|v| v.0).collect();
    names.iter().for_each(|n| csv.push_str(&format!(",{}", n.replace(' ', "_").replace('²', "2"))));
    csv.push('\n');
    for (f, ((net, base, coverage), rows)) in folds.iter().enumerate() {
        let covered =
            coverage.map_or(String::new(), |(c, w)| format!("; interval coverage {c:.4}, mean width or size {w:.4}"));
        say(format_args!(
            "Fold {} ({} training, {} test rows): {net}{covered}",
            f + 1,
            rows.train.len(),
            rows.test.len()
        ))?;
        for (model, e) in [("network", net), (baseline_name(target.task()), base)] {
            csv.push_str(&format!("{},{model},{},{}", f + 1, rows.train.len(), rows.test.len()));
            e.values().iter().for_each(|(_, v)| csv.push_str(&format!(",{v}")));
            csv.push('\n');
        }
    }
    let nets: Vec<&Evaluation> = folds.iter().map(|f| &f.0.0).collect();
    let bases: Vec<&Evaluation> = folds.iter().map(|f| &f.0.1).collect();
    let net_summary = fold_summary(&nets);
    let line = |summary: &[(&str, Vec<f64>, String)]| {
        summary.iter().map(|(n, _, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ")
    };
    say(format_args!("Mean ± sd over {k} folds: {}", line(&net_summary)))?;
    say(format_args!("Baseline ({}): {}", baseline_name(target.task()), line(&fold_summary(&bases))))?;
    let coverages: Option<Vec<(f64, f64)>> = folds.iter().map(|f| f.0.2).collect();
    if let (Some(c), Some(level)) = (coverages, args.interval) {
        let (share, sd) = mean_sd(&c.iter().map(|c| c.0).collect::<Vec<_>>());
        let (width, width_sd) = mean_sd(&c.iter().map(|c| c.1).collect::<Vec<_>>());
        say(format_args!(
            "Interval ({}, each fold calibrated on its validation rows): coverage {share:.4} ± {sd:.4} of the test rows, mean width or size {width:.4} ± {width_sd:.4}",
            percent(level)
        ))?;
    }
    write_atomic(&args.out.join("cv.csv"), csv.as_bytes())?;
    let panels: Vec<(String, Vec<f64>)> = net_summary.into_iter().map(|(n, v, _)| (n.to_string(), v)).collect();
    let title = format!("{}: {k}-fold cross-validation, network", config.target);
    plot_folds(&args.out.join("cv.svg"), &panels, &title)?;
    say(format_args!("Wrote cv.csv and cv.svg to {}", args.out.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hidden_widths_parse() {
        assert_eq!(super::hidden("64,32").unwrap(), [64, 32]);
        assert!(super::hidden("0").unwrap().is_empty());
        assert!(super::hidden("64,0").is_err() && super::hidden("x").is_err() && super::hidden("").is_err());
    }
}
