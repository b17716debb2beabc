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
use std::path::{Path, PathBuf};

use clap::Parser;
use ndnet_charts::{plot_confusion, plot_folds, plot_loss, plot_predicted_vs_actual, plot_roc};
use ndnet_data::{PipelineConfig, Prepared, Table, Task};
use ndnet_files::{RunFolder, write_atomic, write_atomic_by};
use ndnet_layers::{ModelSpec, RegressionLoss};
use ndnet_trainer::{
    Calibration, ClassWeight, CvSettings, Evaluation, FitSettings, Fitted, IntervalScore, RunMetadata, Settings,
    Uncertainty, baseline_name, check_interval, cross_validate as cross_validate_folds, evaluate, fit, fit_baseline,
    fold_summary, mean_sd, roc_curve, save_safetensors, write_predictions,
};
use serde::Serialize;

use crate::flags::{DataFlags, ModelFlags, OptimizerFlags, TrainingFlags};
use crate::program::{Outcome, check, percent, refuse_inputs_inside, say, with_flag_hint};

/// Train a model on a CSV table and evaluate it on held-out rows.
#[derive(Debug, Parser, Serialize)]
#[command(version, about, allow_negative_numbers = true)]
#[command(mut_arg("data", |a| a.required(true).help("CSV file with a header line")))]
#[command(mut_arg("target", |a| a.required(true).default_value(None::<&'static str>)))]
#[command(mut_arg("features", |a| a.help("Feature columns, comma-separated [default: every other column]")))]
pub struct TrainArgs {
    /// The table and how it is prepared.
    #[command(flatten)]
    #[serde(flatten)]
    pub data: DataFlags,
    /// The network.
    #[command(flatten)]
    #[serde(flatten)]
    pub model: ModelFlags,
    /// The optimizer.
    #[command(flatten)]
    #[serde(flatten)]
    pub optimizer: OptimizerFlags,
    /// Epochs, batches, seed.
    #[command(flatten)]
    #[serde(flatten)]
    pub training: TrainingFlags,
    /// Regression loss: [see --help]; classes always train cross-entropy
    #[arg(long, long_help = loss_help())]
    pub loss: Option<String>,
    /// Class weights: balanced (n / (classes · count)), or one weight per label in label order
    #[arg(long)]
    pub class_weight: Option<String>,
    /// Which defaults the other flags take [see --help for what each sets]
    #[arg(long, default_value = crate::recipe::DEFAULT, value_parser = crate::recipe::names(), long_help = crate::recipe::help())]
    pub recipe: String,
    /// Stop after this many epochs (and at least 32 optimizer steps) without a lower validation loss (the best weights are kept), ≥ 1
    #[arg(long, default_value_t = 20)]
    pub patience: u64,
    /// Train every epoch and keep the last weights
    #[arg(long)]
    pub no_early_stopping: bool,
    /// Learning-rate schedule over the run's steps [see --help for the list]
    #[arg(long, default_value = "constant", long_help = schedule_help())]
    pub schedule: String,
    /// Label smoothing ε of a classification's targets, in [0, 1)
    #[arg(long, default_value_t = 0.0)]
    pub label_smoothing: f64,
    /// Clip the gradients to this global L2 norm before each step, > 0
    #[arg(long)]
    pub clip_norm: Option<f64>,
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

/// `ndnet train`'s arguments from `args` (the program's name first), the defaults those of the
/// recipe they name ([`crate::recipe`]).
pub fn parse_args<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> Result<TrainArgs, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<_> = args.into_iter().collect();
    let command = crate::recipe::chosen(&args).apply(TrainArgs::command());
    TrainArgs::from_arg_matches(&command.try_get_matches_from(args)?)
}

fn schedule_help() -> String {
    let listed: Vec<String> = ndnet_optim::SCHEDULES.iter().map(|(n, about)| format!("{n} ({about})")).collect();
    format!("Learning-rate schedule over the run's steps: {}", listed.join(", "))
}

fn loss_help() -> String {
    format!("Regression loss: {}; classes always train cross-entropy", RegressionLoss::allowed())
}

/// What the flags describe, each value checked once: the training settings, the pipeline, the
/// interval. Everything a flag alone decides is refused here, before the table is read.
pub(crate) struct Plan {
    settings: FitSettings,
    config: PipelineConfig,
    interval: Option<(f64, IntervalScore)>,
}

pub(crate) fn plan(a: &TrainArgs) -> Result<Plan, Box<dyn std::error::Error>> {
    a.data.check()?;
    a.model.check()?;
    a.training.check()?;
    check("patience", a.patience >= 1, a.patience, "≥ 1")?;
    check("jobs", a.jobs.is_none_or(|j| (1..=1024).contains(&j)), a.jobs.unwrap_or(0), "1 to 1024")?;
    let loss = match a.loss.as_deref() {
        None => None,
        Some(l) if l.eq_ignore_ascii_case("crossentropy") => None,
        Some(l) => Some(l.parse::<RegressionLoss>().map_err(|_| {
            format!("invalid --loss {l}: allowed {}, crossentropy for classes", RegressionLoss::allowed())
        })?),
    };
    let class_weight = match a.class_weight.as_deref() {
        None => None,
        Some(w) if w.eq_ignore_ascii_case("balanced") => Some(ClassWeight::Balanced),
        Some(w) => Some(ClassWeight::Given(
            w.split(',')
                .map(|v| v.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("invalid --class-weight {w}: allowed balanced, or one weight > 0 per label"))?,
        )),
    };
    let score = match a.interval_score.as_deref() {
        None => IntervalScore::Absolute,
        Some(text) => {
            text.parse().map_err(|_| format!("invalid --interval-score {text}: allowed absolute, normalized"))?
        }
    };
    let given = a.interval_score.as_deref().unwrap_or_default();
    check("interval-score", a.interval.is_some() || a.interval_score.is_none(), given, "only with --interval")?;
    if let Some(level) = a.interval {
        check("interval", level > 0.0 && level < 1.0, level, "in (0, 1), e.g. 0.9")?;
    }
    let interval = a.interval.map(|level| (level, score));
    if let Some(k) = a.cv {
        check("cv", k >= 2, k, "2 to the number of rows")?;
        check("cv", a.data.test_fraction == 0.2, k, "with the default --test-fraction (each fold is the test rows)")?;
    } else {
        check("jobs", a.jobs.is_none(), a.jobs.unwrap_or(0), "only with --cv")?;
    }
    ndnet_optim::Schedule::named(&a.schedule, 1)?;
    let eps = a.label_smoothing;
    check("label-smoothing", (0.0..1.0).contains(&eps), eps, "in [0, 1)")?;
    if let Some(c) = a.clip_norm {
        check("clip-norm", c > 0.0 && c.is_finite(), c, "> 0 and finite")?;
    }
    let optimizer = a.optimizer.spec::<f32>()?.with_clip(a.clip_norm.map(ndnet_optim::Clip::GlobalNorm));
    let settings = FitSettings::new(optimizer)
        .with_schedule(&a.schedule)
        .with_label_smoothing(eps)
        .with_loss(loss)
        .with_class_weight(class_weight)
        .with_epochs(a.training.epochs)
        .with_batch_size(a.training.batch_size)
        .with_patience((!a.no_early_stopping).then_some(a.patience))
        .with_seed(a.training.seed)
        .with_verbose(!a.quiet);
    Ok(Plan { settings, config: a.data.pipeline_config()?, interval })
}

/// Runs `ndnet train`.
pub fn run(args: TrainArgs) -> Outcome {
    let plan = plan(&args)?;
    let data = args.data.data_path();
    refuse_inputs_inside("--out", &args.out, &[("--data", &data)])?;
    let table = Table::from_csv(&data)?;
    let folder = RunFolder::open(&args.out, OUTPUTS)?;
    let written = match args.cv {
        Some(k) => cross_validate(&args, &plan, &table, k, folder.path())?,
        None => train_once(&args, &plan, &table, folder.path())?,
    };
    folder.commit()?;
    say(format_args!("Wrote {} to {}", written.join(", "), args.out.display()))
}

/// What a run wrote, by file name.
type Written = Result<Vec<&'static str>, Box<dyn std::error::Error>>;

/// Every file a run of `ndnet train` may write into its folder.
const OUTPUTS: &[&str] = &[
    "test_predictions.csv",
    "weights.safetensors",
    "checkpoint.json",
    "history.csv",
    "loss.svg",
    "metrics.json",
    "split.csv",
    "inputs.txt",
    "predicted_vs_actual.svg",
    "confusion.svg",
    "roc.svg",
    "cv.csv",
    "cv.svg",
];

/// One split: train, score, write the outputs into `dir`.
fn train_once(args: &TrainArgs, plan: &Plan, table: &Table, dir: &Path) -> Written {
    let run = fit_run(args, plan, table)?;
    write_outputs(args, dir, table, run)
}

/// A run trained and scored, before anything is written.
struct Run {
    p: Prepared<f32>,
    spec: ModelSpec,
    net: Fitted,
    scores: Scores,
}

/// The model `ndnet train` with `args` trains on `table`, and the metadata its weights file
/// holds — nothing written, nothing printed when `args.quiet` and [`silence`](crate::program::silence)
/// say so: what the Python package fits with.
pub fn train_table(
    args: &TrainArgs,
    table: &Table,
) -> Result<(ndnet_layers::Sequential<f32>, RunMetadata), Box<dyn std::error::Error>> {
    let plan = plan(args)?;
    let run = fit_run(args, &plan, table)?;
    let metadata = metadata_of(args, &run);
    Ok((run.net.model, metadata))
}

/// The metadata a run's files hold.
fn metadata_of(args: &TrainArgs, run: &Run) -> RunMetadata {
    RunMetadata::default()
        .with_pipeline(run.p.pipeline.clone())
        .with_model(run.spec.clone())
        .with_evaluation(run.scores.net.as_ref().map(|s| s.0.clone()))
        .with_calibration(run.scores.calibration.clone())
        .with_settings(Settings::of(args))
}

/// Prepares `table`, trains, scores the test rows, calibrates and fits the baseline, printing as
/// it goes.
fn fit_run(args: &TrainArgs, plan: &Plan, table: &Table) -> Result<Run, Box<dyn std::error::Error>> {
    let (val, test, seed) = (args.data.val_fraction, args.data.test_fraction, args.training.seed);
    // Only the model inputs and the targets are read from here on.
    let config = plan.config.clone().with_original_inputs(false);
    let p = Prepared::<f32>::from_table(table, &config, val, test, seed).map_err(with_flag_hint)?;
    describe_data(args, &p)?;
    if let Some((level, score)) = plan.interval {
        check_interval(&p, level, score).map_err(with_flag_hint)?;
    }
    let spec = args.model.architecture(&p.pipeline)?.spec_for(&p).map_err(with_flag_hint)?;
    let mut net = fit(&p, &spec, &plan.settings).map_err(with_flag_hint)?;
    if let Some(best) = net.trainer.best().filter(|b| b.epoch < net.trainer.epoch()) {
        say(format_args!("Kept the weights of epoch {} (validation loss {:.4})", best.epoch, best.loss))?;
    }
    let scored = evaluate(&p, &mut net.model)?;
    let calibration = match plan.interval {
        Some((level, score)) => Some(Calibration::calibrate(&p, &mut net.model, level, score)?),
        None => None,
    };
    let baseline = match args.no_baseline {
        true => None,
        false => {
            let quiet = plan.settings.clone().with_verbose(false);
            let mut fitted = fit_baseline(&p, &spec, &quiet)?;
            evaluate(&p, &mut fitted.model)?.map(|(e, _)| e)
        }
    };
    report(args, &p, scored.as_ref(), baseline.as_ref())?;
    let covered = match (&calibration, &scored) {
        (Some(c), Some((_, predicted))) => Some(c.test_coverage(&p, predicted)),
        _ => None,
    };
    if let Some(c) = &calibration {
        say(format_args!("{}", coverage_text(c, covered.as_ref().map(|c| c.1), p.test_x.nrows())))?;
    }
    let scores = Scores { net: scored, baseline, calibration, covered };
    Ok(Run { p, spec, net, scores })
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
        return say(format_args!("No test rows (--test-fraction {}): nothing to score", args.data.test_fraction));
    };
    say(format_args!("Test ({}): {evaluation}", rows(p.test_x.nrows())))?;
    if let Some(b) = baseline {
        say(format_args!("Baseline ({}, same split): {b}", baseline_name(p.pipeline.task())))?;
    }
    if let Evaluation::Classification { metrics, .. } = evaluation {
        match p.pipeline.labels().len() {
            n if n <= MAX_PRINTED_CLASSES => {
                say(format_args!("{}", confusion_text(p.pipeline.labels(), &metrics.confusion)))?
            }
            n => say(format_args!("Confusion: {n} labels, too many to print (metrics.json holds the matrix)"))?,
        }
    }
    Ok(())
}

/// The most labels whose confusion matrix is printed.
const MAX_PRINTED_CLASSES: usize = 20;
/// The most labels whose confusion matrix is drawn.
const MAX_DRAWN_CLASSES: usize = 50;

/// The confusion matrix as a text table (rows: true label, columns: predicted).
/// "1 row", "40 rows".
fn rows(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

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
fn write_outputs(args: &TrainArgs, out: &Path, table: &Table, run: Run) -> Written {
    let metadata = metadata_of(args, &run);
    let Run { p, net, scores, .. } = run;
    let p = &p;
    let Scores { net: scored, baseline, calibration, covered } = scores;
    let Fitted { model, trainer, optimizer } = net;
    let evaluation = scored.as_ref().map(|s| s.0.clone());
    save_safetensors(&model, &metadata, &out.join("weights.safetensors"))?;
    let names = p.pipeline.feature_names().join("\n");
    write_atomic(&out.join("inputs.txt"), format!("{names}\n").as_bytes())?;
    trainer.history().write_csv(&out.join("history.csv"))?;
    let title = format!("{}: loss per epoch", p.pipeline.target());
    let (train, validation) = trainer.history().curves();
    plot_loss(&out.join("loss.svg"), &title, &train, &validation)?;
    let trainer = trainer.with_metadata(metadata);
    trainer.checkpoint(&model, optimizer.as_ref()).save(&out.join("checkpoint.json"))?;
    let interval = calibration.as_ref().map(|c| {
        let (coverage, mean) = covered.as_ref().map(|c| c.1).unzip();
        serde_json::json!({ "level": c.level(), "calibration": c, "test_coverage": coverage, "test_mean_width_or_size": mean })
    });
    let metrics = serde_json::json!({ "network": evaluation, "baseline": baseline, "interval": interval });
    write_atomic(&out.join("metrics.json"), serde_json::to_string_pretty(&metrics)?.as_bytes())?;
    write_atomic_by(&out.join("split.csv"), |w| write_split(p, w))?;
    if let Some((_, predicted)) = &scored {
        let uncertainty = covered.as_ref().map(|c| &c.0);
        write_predictions(table, &p.rows.test, &p.pipeline, predicted, uncertainty, &out.join("test_predictions.csv"))?;
    }
    let pictures = match &scored {
        Some((e, predicted)) => draw(args, out, p, e, predicted, baseline.as_ref(), covered.as_ref())?,
        None => Vec::new(),
    };
    // Every run writes the first eight of OUTPUTS; pictures and CV files follow as they apply.
    let mut written = OUTPUTS[..8].to_vec();
    written.extend(pictures);
    Ok(written)
}

/// `row,part`: each table row (0 = the first under the header) and its part, for a comparison
/// that must use the same split.
fn write_split(p: &Prepared<f32>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(w, "row,part")?;
    for (part, rows) in [("train", &p.rows.train), ("validation", &p.rows.validation), ("test", &p.rows.test)] {
        rows.iter().try_for_each(|r| writeln!(w, "{r},{part}"))?;
    }
    Ok(())
}

/// The pictures of the test rows; returns their file names.
fn draw(
    args: &TrainArgs,
    out: &Path,
    p: &Prepared<f32>,
    evaluation: &Evaluation,
    predicted: &ndarray::Array2<f64>,
    baseline: Option<&Evaluation>,
    covered: Option<&(Uncertainty, (f64, f64))>,
) -> Result<Vec<&'static str>, Box<dyn std::error::Error>> {
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
        Evaluation::Classification { metrics, .. } if p.pipeline.labels().len() > MAX_DRAWN_CLASSES => {
            let n = p.pipeline.labels().len();
            say(format_args!(
                "No confusion.svg: {n} labels are more than a picture shows ({MAX_DRAWN_CLASSES} at most)"
            ))?;
            let _ = metrics;
            Ok(Vec::new())
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
fn cross_validate(args: &TrainArgs, plan: &Plan, table: &Table, k: usize, out: &Path) -> Written {
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let cv = CvSettings {
        k,
        val_fraction: args.data.val_fraction,
        threads,
        baseline: !args.no_baseline,
        interval: plan.interval,
    };
    let model_of = |p: &Prepared<f32>| -> ndnet_trainer::Result<ModelSpec> {
        let architecture = args.model.architecture(&p.pipeline).map_err(|e| ndnet_trainer::TrainError::Config {
            name: "model",
            value: args.model.hidden.clone(),
            allowed: e.to_string(),
        })?;
        architecture.spec_for(p)
    };
    let settings = plan.settings.clone().with_verbose(false);
    // Each fold reads only its model inputs and targets (see `fit_run`).
    let config = plan.config.clone().with_original_inputs(false);
    let result = cross_validate_folds(table, &config, &settings, &cv, &model_of).map_err(with_flag_hint)?;
    let task = result.target.task();
    say(format_args!("Task: {}", result.task_reason))?;
    let what = if task == Task::Classification { "stratified " } else { "" };
    say(format_args!("Cross-validation: {k} {what}folds; each fold's pipeline fitted on its own training rows"))?;
    let folds = &result.folds;
    let mut csv = String::from("fold,model,train_rows,test_rows");
    let names: Vec<&str> = folds[0].network.values().iter().map(|v| v.0).collect();
    names.iter().for_each(|n| csv.push_str(&format!(",{}", n.replace(' ', "_").replace('²', "2"))));
    csv.push('\n');
    for (f, fold) in folds.iter().enumerate() {
        let covered = fold
            .coverage
            .map_or(String::new(), |(c, w)| format!("; interval coverage {c:.4}, mean width or size {w:.4}"));
        let (train_rows, test_rows) = (fold.rows.train.len(), fold.rows.test.len());
        say(format_args!("Fold {} ({train_rows} training, {test_rows} test rows): {}{covered}", f + 1, fold.network))?;
        let models = [("network", Some(&fold.network)), (baseline_name(task), fold.baseline.as_ref())];
        for (model, e) in models.iter().filter_map(|(m, e)| e.map(|e| (m, e))) {
            csv.push_str(&format!("{},{model},{train_rows},{test_rows}", f + 1));
            e.values().iter().for_each(|(_, v)| csv.push_str(&format!(",{v}")));
            csv.push('\n');
        }
    }
    let nets: Vec<&Evaluation> = folds.iter().map(|f| &f.network).collect();
    let net_summary = fold_summary(&nets);
    let line = |summary: &[(&str, Vec<f64>, String)]| {
        summary.iter().map(|(n, _, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ")
    };
    say(format_args!("Mean ± sd over {k} folds: {}", line(&net_summary)))?;
    let bases: Option<Vec<&Evaluation>> = folds.iter().map(|f| f.baseline.as_ref()).collect();
    if let Some(bases) = bases {
        say(format_args!("Baseline ({}): {}", baseline_name(task), line(&fold_summary(&bases))))?;
    }
    let coverages: Option<Vec<(f64, f64)>> = folds.iter().map(|f| f.coverage).collect();
    if let (Some(c), Some(level)) = (coverages, args.interval) {
        let (share, sd) = mean_sd(&c.iter().map(|c| c.0).collect::<Vec<_>>());
        let (width, width_sd) = mean_sd(&c.iter().map(|c| c.1).collect::<Vec<_>>());
        say(format_args!(
            "Interval ({}, each fold calibrated on its validation rows): coverage {share:.4} ± {sd:.4} of the test rows, mean width or size {width:.4} ± {width_sd:.4}",
            percent(level)
        ))?;
    }
    write_atomic(&out.join("cv.csv"), csv.as_bytes())?;
    let panels: Vec<(String, Vec<f64>)> = net_summary.into_iter().map(|(n, v, _)| (n.to_string(), v)).collect();
    let title = format!("{}: {k}-fold cross-validation, network", plan.config.target);
    plot_folds(&out.join("cv.svg"), &panels, &title)?;
    Ok(vec!["cv.csv", "cv.svg"])
}

#[cfg(test)]
mod recipe_tests {
    use super::{TrainArgs, parse_args, plan};
    use crate::recipe::RECIPES;
    use clap::CommandFactory;
    use std::ffi::OsString;

    #[test]
    fn every_recipe_names_real_flags_with_values_they_accept() {
        for recipe in RECIPES {
            let command = recipe.apply(TrainArgs::command());
            let ids: Vec<String> = command.get_arguments().map(|a| a.get_id().to_string()).collect();
            for (flag, _) in recipe.defaults {
                assert!(ids.contains(&flag.replace('-', "_")), "{}: no flag --{flag}", recipe.name);
            }
            let args = ["ndnet train", "--data", "x.csv", "--target", "y", "--recipe", recipe.name];
            let parsed = parse_args(args.map(OsString::from)).unwrap();
            plan(&parsed).unwrap();
        }
    }

    #[test]
    fn a_flag_given_wins_over_the_recipe() {
        let args = ["ndnet train", "--data", "x.csv", "--target", "y", "--members", "3"];
        let parsed = parse_args(args.map(OsString::from)).unwrap();
        assert_eq!(parsed.model.members, 3);
        assert_eq!(parsed.model.hidden, "128,128");
        let plain = ["ndnet train", "--data", "x.csv", "--target", "y", "--recipe=plain-mlp"];
        let parsed = parse_args(plain.map(OsString::from)).unwrap();
        assert_eq!((parsed.model.members, parsed.model.hidden.as_str()), (1, "64,64"));
    }
}
