//! Fitting and scoring for `ndnet train`: one model on a prepared split (the network or its
//! linear/logistic baseline), its test metrics, and K-fold cross-validation with each fold's
//! pipeline fitted on that fold's training rows only.

use std::error::Error;

use ndarray::Array2;
use ndnet_layers::{BceWithLogits, ClassWeighted, CrossEntropy, Loss, RegressionLoss, Sequential};
use ndnet_optim::{Optimizer, OptimizerSpec};
use ndnet_trainer::{
    Architecture, Batches, Calibration, ClassMetrics, EarlyStopping, Evaluation, IntervalScore, Metrics,
    PipelineConfig, Prepared, Split, SplitRows, Table, TargetEncoder, Task, Trainer, TrainerConfig,
    calibration_rows_needed, mean_sd, run_parallel,
};

use crate::train::TrainArgs;

/// A trained model with its trainer (history, best epoch) and optimizer (for the checkpoint).
pub(crate) struct Fitted {
    pub model: Sequential<f32>,
    pub trainer: Trainer<f32>,
    pub optimizer: Box<dyn Optimizer<f32>>,
}

/// The optimizer the flags describe.
pub(crate) fn optimizer_spec(args: &TrainArgs) -> OptimizerSpec {
    OptimizerSpec::new(&args.optimizer)
        .with_preset(args.preset.as_deref())
        .with_lr(args.lr)
        .with_momentum(args.momentum)
        .with_rho(args.rho)
        .with_eps(args.eps)
        .with_weight_decay(args.weight_decay)
}

/// The loss for the task: `--loss` for a regression; for classes cross-entropy on logits (one
/// logit for two classes), weighted by `--class-weight`.
pub(crate) fn loss_for(args: &TrainArgs, p: &Prepared<f32>) -> Result<Box<dyn Loss<f32>>, Box<dyn Error>> {
    let classes = p.pipeline.labels().len();
    match (p.pipeline.task(), &args.class_weight) {
        (Task::Regression, Some(_)) => Err("invalid --class-weight for a regression: allowed only with classes".into()),
        (Task::Regression, None) => {
            let loss = regression_loss(args.loss.as_deref())?;
            Ok(Box::new(loss))
        }
        (Task::Classification, _) if args.loss.as_deref().is_some_and(|l| !l.eq_ignore_ascii_case("crossentropy")) => {
            Err(format!(
                "invalid --loss {} for a classification: allowed crossentropy (the default; or --task regression)",
                args.loss.as_deref().unwrap_or("")
            )
            .into())
        }
        (Task::Classification, None) if classes == 2 => Ok(Box::new(BceWithLogits)),
        (Task::Classification, None) => Ok(Box::new(CrossEntropy)),
        (Task::Classification, Some(w)) if w.eq_ignore_ascii_case("balanced") => {
            let targets: Vec<usize> = p.split.train.y.iter().map(|&c| c as usize).collect();
            Ok(Box::new(ClassWeighted::balanced(&targets, classes)?))
        }
        (Task::Classification, Some(w)) => {
            let weights = w.split(',').map(|v| v.trim().parse::<f64>()).collect::<Result<Vec<_>, _>>();
            let weights = weights.ok().filter(|w| w.len() == classes).ok_or_else(|| {
                format!(
                    "invalid --class-weight {w}: allowed balanced, or {classes} weights > 0 in label order ({})",
                    p.pipeline.labels().join(", ")
                )
            })?;
            Ok(Box::new(ClassWeighted::new(weights).map_err(|e| format!("invalid --class-weight {w}: {e}"))?))
        }
    }
}

/// `--loss` for a regression (default mse).
pub(crate) fn regression_loss(loss: Option<&str>) -> Result<RegressionLoss, String> {
    let loss = loss.unwrap_or("mse");
    loss.parse().map_err(|_| {
        format!("invalid --loss {loss}: allowed mse, mae, huber, huber:δ (δ > 0), quantile:τ (τ in (0, 1)), crossentropy for classes")
    })
}

/// Trains `architecture` on `p` as the flags say (early stopping on the validation loss with the
/// best weights restored, unless turned off or there are no validation rows).
pub(crate) fn fit(
    args: &TrainArgs,
    p: &Prepared<f32>,
    architecture: &Architecture,
    verbose: bool,
) -> Result<Fitted, Box<dyn Error>> {
    let mut model = architecture.build::<f32>(args.seed)?;
    let mut optimizer = optimizer_spec(args).build::<f32>().map_err(|e| ndnet_optim::flag_message(&e))?;
    let loss = loss_for(args, p)?;
    let mut config = TrainerConfig::new(args.epochs)
        .with_seed(args.seed)
        .with_verbose(verbose)
        .with_progress(verbose)
        .with_val_accuracy(p.pipeline.task() == Task::Classification);
    let validation = (p.val_x.nrows() > 0).then_some((&p.val_x, &p.val_y));
    if !args.no_early_stopping && validation.is_some() {
        config = config.with_early_stopping(EarlyStopping::new(args.patience).with_restore_best(true));
    }
    let mut trainer = Trainer::new(config)?;
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), args.batch_size)?;
    trainer.fit(&mut model, loss.as_ref(), optimizer.as_mut(), &mut batches, validation)?;
    Ok(Fitted { model, trainer, optimizer })
}

/// The test metrics and predictions (values, or class probabilities), when there are test rows.
pub(crate) fn evaluate(
    p: &Prepared<f32>,
    model: &mut Sequential<f32>,
) -> Result<Option<(Evaluation, Array2<f64>)>, Box<dyn Error>> {
    let rows = p.test_x.nrows();
    if rows == 0 {
        return Ok(None);
    }
    let predicted = p.predict_original(model, &p.test_x)?;
    let truth = &p.split.test.y;
    let evaluation = match p.pipeline.task() {
        Task::Regression => Evaluation::Regression { rows, metrics: Metrics::compute(&predicted, truth) },
        Task::Classification => {
            Evaluation::Classification { rows, metrics: ClassMetrics::multiclass(&predicted, truth) }
        }
    };
    Ok(Some((evaluation, predicted)))
}

/// The conformal calibration `--interval` asks for ([`Calibration::calibrate`]).
pub(crate) fn calibrate(
    args: &TrainArgs,
    p: &Prepared<f32>,
    model: &mut Sequential<f32>,
) -> Result<Option<Calibration>, Box<dyn Error>> {
    let Some(level) = args.interval else { return Ok(None) };
    let score = check_interval(args, p)?;
    Ok(Some(Calibration::calibrate(p, model, level, score)?))
}

/// What `--interval` and `--interval-score` need of the prepared rows, checked before training:
/// enough validation rows for the level, and a normalised score only for a regression.
pub(crate) fn check_interval(args: &TrainArgs, p: &Prepared<f32>) -> Result<IntervalScore, Box<dyn Error>> {
    let Some(level) = args.interval else { return Ok(IntervalScore::Absolute) };
    let (rows, needed) = (p.val_x.nrows(), calibration_rows_needed(level));
    if rows < needed {
        let message = format!(
            "invalid --interval {level}: allowed with at least {needed} validation rows to calibrate on (there are {rows}; raise --val-fraction)"
        );
        return Err(message.into());
    }
    let score: IntervalScore = args.interval_score.as_deref().unwrap_or("absolute").parse()?;
    if score == IntervalScore::Normalized && p.pipeline.task() == Task::Classification {
        return Err("invalid --interval-score normalized for a classification: allowed absolute (prediction sets have one score)".into());
    }
    Ok(score)
}

/// The baseline's architecture: no hidden layer (a linear or logistic model), the same inputs,
/// outputs and embeddings.
pub(crate) fn baseline_of(architecture: &Architecture) -> Architecture {
    Architecture { hidden: Vec::new(), dropout: 0.0, batch_norm: false, ..architecture.clone() }
}

/// `linear` or `logistic`.
pub(crate) fn baseline_name(task: Task) -> &'static str {
    match task {
        Task::Regression => "linear",
        Task::Classification => "logistic",
    }
}

/// The rows of each of `k` folds (indices into `classes`): for classes, each class's rows in a
/// seeded order dealt round-robin over the folds (as scikit-learn's `StratifiedKFold`), so each
/// fold keeps the class shares; else a seeded shuffle cut into `k` nearly equal parts.
pub(crate) fn folds(classes: Option<&[usize]>, n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let [_, _, order] = Split::indices(n, 0.0, 0.0, seed).unwrap_or_else(|_| [vec![], vec![], (0..n).collect()]);
    let mut folds = vec![Vec::new(); k];
    match classes {
        Some(classes) => {
            let mut next = 0;
            let count = classes.iter().max().map_or(0, |&c| c + 1);
            for class in 0..count {
                for &r in order.iter().filter(|&&r| classes[r] == class) {
                    folds[next % k].push(r);
                    next += 1;
                }
            }
        }
        None => order.iter().enumerate().for_each(|(i, &r)| folds[i * k / n.max(1)].push(r)),
    }
    folds.iter_mut().for_each(|f| f.sort_unstable());
    folds
}

/// One fold's scores: the network's and the baseline's evaluations, and with `--interval` the
/// network's coverage of the fold's test rows and its mean interval width (or set size).
pub(crate) type FoldScores = (Evaluation, Evaluation, Option<(f64, f64)>);

/// Trains and scores fold `fold` of `folds` (rows of `kept`): the others' rows are its training
/// rows, from which `--val-fraction` is held out for early stopping; its pipeline is fitted on
/// its own training rows only.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_fold(
    args: &TrainArgs,
    table: &Table,
    config: &PipelineConfig,
    target: &TargetEncoder,
    kept: &[usize],
    classes: Option<&[usize]>,
    folds: &[Vec<usize>],
    fold: usize,
    architecture_of: &(dyn Fn(&Prepared<f32>) -> Result<Architecture, Box<dyn Error>> + Sync),
) -> Result<(FoldScores, SplitRows), String> {
    let fail = |e: &dyn std::fmt::Display| format!("fold {}: {e}", fold + 1);
    let test: Vec<usize> = folds[fold].iter().map(|&i| kept[i]).collect();
    let rest: Vec<usize> = (0..folds.len()).filter(|&f| f != fold).flat_map(|f| folds[f].iter().copied()).collect();
    let seed = args.seed.wrapping_add(fold as u64 + 1);
    let [val, _, train] = match classes {
        Some(c) => {
            let sub: Vec<usize> = rest.iter().map(|&i| c[i]).collect();
            Split::stratified_indices(&sub, args.val_fraction, 0.0, seed)
        }
        None => Split::indices(rest.len(), args.val_fraction, 0.0, seed),
    }
    .map_err(|e| fail(&e))?;
    let rows = |part: Vec<usize>| part.into_iter().map(|i| kept[rest[i]]).collect::<Vec<_>>();
    let split = SplitRows { train: rows(train), validation: rows(val), test };
    let p = Prepared::<f32>::from_rows(table, config, target.clone(), split.clone(), 0).map_err(|e| fail(&e))?;
    let architecture = architecture_of(&p).map_err(|e| fail(&e))?;
    // The network's interval is calibrated on the fold's validation rows and scored on its test rows.
    let score = |architecture: &Architecture, calibrated: bool| -> Result<(Evaluation, Option<(f64, f64)>), String> {
        let mut fitted = fit(args, &p, architecture, false).map_err(|e| fail(&e))?;
        let (evaluation, predicted) =
            evaluate(&p, &mut fitted.model).map_err(|e| fail(&e))?.ok_or_else(|| fail(&"no test rows"))?;
        let calibration = match calibrated {
            true => calibrate(args, &p, &mut fitted.model).map_err(|e| fail(&e))?,
            false => None,
        };
        Ok((evaluation, calibration.map(|c| c.test_coverage(&p, &predicted).1)))
    };
    let (net, coverage) = score(&architecture, true)?;
    let (base, _) = score(&baseline_of(&architecture), false)?;
    Ok(((net, base, coverage), split))
}

/// Every fold on `threads` threads, in fold order.
#[allow(clippy::too_many_arguments)]
pub(crate) fn cross_validate(
    args: &TrainArgs,
    table: &Table,
    config: &PipelineConfig,
    k: usize,
    threads: usize,
    architecture_of: &(dyn Fn(&Prepared<f32>) -> Result<Architecture, Box<dyn Error>> + Sync),
) -> Result<(TargetEncoder, String, Vec<(FoldScores, SplitRows)>), Box<dyn Error>> {
    let (kept, target, why) = Prepared::<f32>::target_of(table, config)?;
    let col = table.column(&config.target)?;
    let classes: Option<Vec<usize>> = match target.task() {
        Task::Classification => {
            Some(kept.iter().map(|&r| target.value(table, r, col).map(|c| c as usize)).collect::<Result<_, _>>()?)
        }
        Task::Regression => None,
    };
    if k < 2 || k > kept.len() {
        return Err(format!("invalid --cv {k}: allowed 2 to the {} rows", kept.len()).into());
    }
    let folds = folds(classes.as_deref(), kept.len(), k, args.seed);
    let indices: Vec<usize> = (0..k).collect();
    let results = run_parallel(&indices, threads, |&f| {
        run_fold(args, table, config, &target, &kept, classes.as_deref(), &folds, f, architecture_of)
    });
    let results = results.into_iter().collect::<Result<Vec<_>, String>>()?;
    Ok((target, why, results))
}

/// `mean ± sd` of each metric over the folds, as (name, values, text).
pub(crate) fn fold_summary(evaluations: &[&Evaluation]) -> Vec<(&'static str, Vec<f64>, String)> {
    let names = evaluations.first().map(|e| e.values()).unwrap_or_default();
    names
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let values: Vec<f64> = evaluations.iter().map(|e| e.values().get(i).map_or(f64::NAN, |v| v.1)).collect();
            let (m, s) = mean_sd(&values);
            (*name, values, format!("{m:.4} ± {s:.4}"))
        })
        .collect()
}
