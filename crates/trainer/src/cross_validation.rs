//! [`cross_validate`]: K folds (stratified for classes), each fold's pipeline fitted on its own
//! training rows only, the folds trained side by side with the same bytes out for any number of
//! threads; with each fold's test metrics, its baseline's, and the interval's coverage.
//!
//! ```
//! use ndnet_data::{PipelineConfig, Table};
//! use ndnet_optim::OptimizerOptions;
//! use ndnet_trainer::{Architecture, CvSettings, FitSettings, cross_validate, fold_summary};
//! let rows: String = (0..40).map(|i| format!("{},{}\n", i % 5, if i % 5 > 2 { "yes" } else { "no" })).collect();
//! let table = Table::from_csv_bytes(format!("x,y\n{rows}").as_bytes(), "t.csv".as_ref()).unwrap();
//! let settings = FitSettings::new(OptimizerOptions::new("adam").spec::<f32>().unwrap()).with_epochs(5);
//! let model_of = |p: &ndnet_data::Prepared<f32>| Ok(Architecture::mlp(1, &[4], p.pipeline.outputs()).spec());
//! let cv = cross_validate(&table, &PipelineConfig::new("y"), &settings, &CvSettings::new(4), &model_of).unwrap();
//! assert_eq!(cv.folds.len(), 4);
//! let networks: Vec<_> = cv.folds.iter().map(|f| &f.network).collect();
//! println!("{:?}", fold_summary(&networks));
//! ```

use ndnet_data::{PipelineConfig, Prepared, Split, SplitRows, Table, TargetEncoder, Task};
use ndnet_layers::ModelSpec;

use crate::error::config as bad_setting;
use crate::metrics::decimals_or_e;
use crate::{
    Calibration, Evaluation, FitSettings, IntervalScore, Result, TrainError, evaluate, fit, fit_baseline, mean_sd,
};

/// How [`cross_validate`] cuts and scores: the fold count, the share of each fold's training
/// rows held out for early stopping, the threads, a baseline, and an interval to calibrate.
#[derive(Debug, Clone, PartialEq)]
pub struct CvSettings {
    /// Folds, 2 to the number of rows.
    pub k: usize,
    /// The share of each fold's training rows held out for validation, in [0, 1).
    pub val_fraction: f64,
    /// Folds trained at once (the output does not depend on it).
    pub threads: usize,
    /// Fit and score the baseline on every fold too.
    pub baseline: bool,
    /// Calibrate intervals (or prediction sets) at this level with this score on each fold's
    /// validation rows, and measure them on its test rows.
    pub interval: Option<(f64, IntervalScore)>,
}

impl CvSettings {
    /// `k` folds, 15 % of each fold's training rows for validation, one thread per core, a
    /// baseline, no interval.
    pub fn new(k: usize) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        CvSettings { k, val_fraction: 0.15, threads, baseline: true, interval: None }
    }
}

/// One fold's results.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldResult {
    /// The network's test metrics.
    pub network: Evaluation,
    /// The baseline's, when asked for.
    pub baseline: Option<Evaluation>,
    /// With an interval: the share of the fold's test rows covered and the mean width (or set
    /// size).
    pub coverage: Option<(f64, f64)>,
    /// The table rows of each part.
    pub rows: SplitRows,
}

/// What [`cross_validate`] found: the target's encoding, why the task is what it is, each fold.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    /// The target's encoding (from every kept row).
    pub target: TargetEncoder,
    /// Why the task is what it is, in one line.
    pub task_reason: String,
    /// Each fold, in order.
    pub folds: Vec<FoldResult>,
}

/// The model of a fold, from its prepared rows (its pipeline's input width and outputs).
pub type ModelOf<'a> = dyn Fn(&Prepared<f32>) -> Result<ModelSpec> + Sync + 'a;

/// Scores `cv.k` folds of `table`: each fold's test rows are its own, the others' rows its
/// training rows (less `cv.val_fraction` of them for validation); its pipeline is fitted on its
/// own training rows only, and `model_of` gives its model. Errors name the fold.
pub fn cross_validate(
    table: &Table,
    config: &PipelineConfig,
    settings: &FitSettings,
    cv: &CvSettings,
    model_of: &ModelOf<'_>,
) -> Result<CrossValidation> {
    let (kept, target, task_reason) = Prepared::<f32>::target_of(table, config)?;
    let col = table.column(&config.target)?;
    let classes: Option<Vec<usize>> = match target.task() {
        Task::Classification => Some(
            kept.iter()
                .map(|&r| target.value(table, r, col).map(|c| c as usize))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Task::Regression => None,
    };
    if cv.k < 2 || cv.k > kept.len() {
        return Err(bad_setting("cv", cv.k, format!("2 to the {} rows", kept.len())));
    }
    let folds = Split::k_folds(classes.as_deref(), kept.len(), cv.k, settings.seed);
    let fold = Fold { table, config, target: &target, kept: &kept, classes: classes.as_deref(), folds: &folds };
    let indices: Vec<usize> = (0..cv.k).collect();
    let results = ndnet_sweep::run_parallel(&indices, cv.threads, |&f| fold.run(f, settings, cv, model_of));
    let folds = results.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(CrossValidation { target, task_reason, folds })
}

/// What every fold shares.
struct Fold<'a> {
    table: &'a Table,
    config: &'a PipelineConfig,
    target: &'a TargetEncoder,
    kept: &'a [usize],
    classes: Option<&'a [usize]>,
    folds: &'a [Vec<usize>],
}

impl Fold<'_> {
    /// The rows of fold `fold`: its test rows, and the others' rows split into training and
    /// validation (stratified for classes) with a seed of the fold's own.
    fn rows(&self, fold: usize, val_fraction: f64, seed: u64) -> Result<SplitRows> {
        let test: Vec<usize> = self.folds[fold].iter().map(|&i| self.kept[i]).collect();
        let rest: Vec<usize> =
            (0..self.folds.len()).filter(|&f| f != fold).flat_map(|f| self.folds[f].iter().copied()).collect();
        let seed = seed.wrapping_add(fold as u64 + 1);
        let [val, _, train] = match self.classes {
            Some(c) => {
                Split::stratified_indices(&rest.iter().map(|&i| c[i]).collect::<Vec<_>>(), val_fraction, 0.0, seed)
            }
            None => Split::indices(rest.len(), val_fraction, 0.0, seed),
        }?;
        let rows = |part: Vec<usize>| part.into_iter().map(|i| self.kept[rest[i]]).collect::<Vec<_>>();
        Ok(SplitRows { train: rows(train), validation: rows(val), test })
    }

    /// Trains and scores fold `fold`; errors say which fold.
    fn run(&self, fold: usize, settings: &FitSettings, cv: &CvSettings, model_of: &ModelOf<'_>) -> Result<FoldResult> {
        let at = |e: TrainError| TrainError::Fold { fold: fold + 1, source: Box::new(e) };
        let rows = self.rows(fold, cv.val_fraction, settings.seed).map_err(at)?;
        let p = Prepared::<f32>::from_rows(self.table, self.config, self.target.clone(), rows.clone(), 0)
            .map_err(|e| at(e.into()))?;
        let spec = model_of(&p).map_err(at)?;
        let mut net = fit(&p, &spec, settings).map_err(at)?;
        let (network, predicted) = evaluate(&p, &mut net.model)
            .map_err(at)?
            .ok_or_else(|| at(bad_setting("cv", self.folds.len(), "folds with test rows")))?;
        let coverage = match cv.interval {
            Some((level, score)) => {
                let calibration = Calibration::calibrate(&p, &mut net.model, level, score).map_err(at)?;
                Some(calibration.test_coverage(&p, &predicted).1)
            }
            None => None,
        };
        let baseline = match cv.baseline {
            true => {
                let mut base = fit_baseline(&p, &spec, settings).map_err(at)?;
                evaluate(&p, &mut base.model).map_err(at)?.map(|(e, _)| e)
            }
            false => None,
        };
        Ok(FoldResult { network, baseline, coverage, rows })
    }
}

/// `mean ± sd` of each metric over the folds, as (name, values, text).
pub fn fold_summary(evaluations: &[&Evaluation]) -> Vec<(&'static str, Vec<f64>, String)> {
    let names = evaluations.first().map(|e| e.values()).unwrap_or_default();
    names
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let values: Vec<f64> = evaluations.iter().map(|e| e.values().get(i).map_or(f64::NAN, |v| v.1)).collect();
            let (m, s) = mean_sd(&values);
            let (m, s) = (decimals_or_e(m, 4), decimals_or_e(s, 4));
            (*name, values, format!("{m} ± {s}"))
        })
        .collect()
}
