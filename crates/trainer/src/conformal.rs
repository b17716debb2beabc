//! Split-conformal [`Calibration`]: prediction intervals for a regression and prediction sets for
//! classes, with a stated coverage. Calibration rows the model never trained on (the validation
//! rows) give a score each; the ⌈(n + 1)·level⌉-th smallest score `q` is the calibration. For any
//! new row exchangeable with them, the interval (or set) built from `q` holds the true value with
//! probability at least `level` (Vovk et al.; Lei et al. 2018, "Distribution-free predictive
//! inference for regression"), whatever the model — which is why a weak model gets wide intervals
//! rather than wrong ones.
//!
//! - Regression, absolute score (MAPIE's `AbsoluteConformityScore`): `|z − ẑ|`, where `z` is the
//!   target as the model is trained on it before scaling (`ln y` with a log target): the interval
//!   is `ẑ ± q` mapped back to the target's units (`[ŷ·e^−q, ŷ·e^q]` for a log target).
//! - Regression, normalised score (MAPIE's `ResidualNormalisingScore`): `|z − ẑ| / σ(x)`, where
//!   the [`Spread`] `σ(x)` is a ridge regression of `ln |z − ẑ|` on the training rows' inputs, so
//!   easy rows get narrow intervals and hard ones wide; the guarantee is the same, since `σ` never
//!   saw the calibration rows.
//! - Classes (the "LAC" score of Sadinle et al. 2019): `1 − p̂(true label)`: a row's set holds
//!   every label with `p̂ ≥ 1 − q`, and its most probable label when that leaves it empty (which
//!   can only add coverage).
//!
//! ```
//! use ndnet_trainer::Calibration;
//! // Absolute residuals of nine calibration rows: at level 0.8, ⌈10 · 0.8⌉ = 8: the 8th smallest.
//! let scores = vec![0.5, 0.1, 0.9, 0.3, 0.2, 0.7, 0.4, 0.6, 0.8];
//! assert_eq!(ndnet_trainer::conformal_quantile(scores.clone(), 0.8).unwrap(), 0.8);
//! assert!(ndnet_trainer::conformal_quantile(scores, 0.95).is_err()); // 9 rows cannot promise 95 %
//! let sets = Calibration::Sets { level: 0.9, threshold: 0.75, rows: 100 };
//! let p = ndarray::array![[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]];
//! assert_eq!(sets.prediction_sets(&p), [vec![0], vec![0, 1, 2]]); // p ≥ 0.25
//! ```

use ndarray::{Array2, ArrayView2, NdFloat};
use ndnet_layers::Model;
use serde::{Deserialize, Serialize};

use crate::error::config;
use ndnet_data::{Pipeline, Prepared, Task};

use crate::{PredictOriginal, Result};

/// The conformity score of a regression's interval. Parses from `absolute` and `normalized`
/// (or `normalised`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IntervalScore {
    /// `|z − ẑ|`: one width for every row.
    #[default]
    Absolute,
    /// `|z − ẑ| / σ(x)`: each row's width scaled by its [`Spread`].
    Normalized,
}

impl std::str::FromStr for IntervalScore {
    type Err = crate::TrainError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "absolute" => Ok(IntervalScore::Absolute),
            "normalized" | "normalised" => Ok(IntervalScore::Normalized),
            _ => Err(config("interval-score", s, "absolute, normalized")),
        }
    }
}

/// The most model inputs a normalised interval's spread is fitted on (its ridge regression costs
/// rows × inputs²).
pub const MAX_SPREAD_INPUTS: usize = 2048;

/// `x` in f64.
fn f64s<F: NdFloat>(x: &Array2<F>) -> Array2<f64> {
    x.mapv(|v| v.to_f64().unwrap_or(f64::NAN))
}

/// The fewest calibration rows that can promise `level`: ⌈(n + 1)·level⌉ ≤ n needs
/// n ≥ level / (1 − level) (9 at 0.9, 19 at 0.95, 99 at 0.99).
///
/// ```
/// assert_eq!(ndnet_trainer::calibration_rows_needed(0.9), 9);
/// assert_eq!(ndnet_trainer::calibration_rows_needed(0.95), 19);
/// ```
pub fn calibration_rows_needed(level: f64) -> usize {
    // The closed form up to rounding: search the few counts around it.
    let guess = (level / (1.0 - level)).floor().min(usize::MAX as f64 / 2.0) as usize;
    let fits = |n: &usize| ((*n + 1) as f64 * level).ceil() as usize <= *n;
    (guess.saturating_sub(2).max(1)..).take(8).find(fits).unwrap_or(guess.saturating_add(1))
}

/// The conformal quantile of `scores` at `level`: the ⌈(n + 1)·level⌉-th smallest. Errors when
/// `level` is not in (0, 1) or there are too few scores for it (fewer than `level / (1 − level)`:
/// 9 at 0.9, 19 at 0.95), or a score is not finite.
pub fn conformal_quantile(mut scores: Vec<f64>, level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(config("interval", level.to_string(), "a level in (0, 1)"));
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(config("interval", level.to_string(), "finite calibration scores"));
    }
    let n = scores.len();
    let k = ((n + 1) as f64 * level).ceil() as usize;
    if k > n || k == 0 {
        let needed = calibration_rows_needed(level);
        let message = format!("at least {needed} calibration (validation) rows for this level: there are {n}");
        return Err(config("interval", level.to_string(), &message));
    }
    scores.sort_by(f64::total_cmp);
    Ok(scores[k - 1])
}

/// How wide a row's interval is relative to others: `σ(x) = exp(clamp(b + Σ wⱼ·xⱼ + Σ vⱼ·xⱼ²))`
/// on the model's (scaled) inputs — the squares let the spread grow on both sides of the
/// middle, as errors often do — clamped to the range its fitted values took on the training rows
/// so an outlying row cannot make it explode or vanish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// One weight per model input (0 for category codes, which are not quantities).
    pub weights: Vec<f64>,
    /// One weight per model input's square (0 for codes).
    pub squares: Vec<f64>,
    /// The intercept.
    pub bias: f64,
    /// The smallest and largest fitted log-spread over the training rows.
    pub log_range: [f64; 2],
}

impl Spread {
    /// Ridge regression (penalty 1) of `ln(|residual| + ε)` on `x` (the model's inputs of the
    /// training rows) and their squares; the first `plain` inputs are used, the rest (codes) get
    /// weight 0. `ε` is a millionth of the mean absolute residual, so exact fits stay finite.
    pub fn fit(x: ArrayView2<'_, f64>, residuals: &[f64], plain: usize) -> Result<Self> {
        let (n, width) = x.dim();
        if n != residuals.len() || n == 0 || plain > width {
            return Err(config("spread", format!("{n} rows"), "as many residuals as rows, at least one"));
        }
        let mean_abs = residuals.iter().map(|r| r.abs()).sum::<f64>() / n as f64;
        let eps = 1e-6 * mean_abs + f64::MIN_POSITIVE;
        let z: Vec<f64> = residuals.iter().map(|r| (r.abs() + eps).ln()).collect();
        let z_mean = z.iter().sum::<f64>() / n as f64;
        let features = |row: ndarray::ArrayView1<'_, f64>| -> Vec<f64> {
            let plain_part = row.iter().take(plain);
            plain_part.clone().copied().chain(plain_part.map(|v| v * v)).collect()
        };
        let phi: Vec<Vec<f64>> = x.rows().into_iter().map(features).collect();
        let m = 2 * plain;
        let mean: Vec<f64> = (0..m).map(|j| phi.iter().map(|f| f[j]).sum::<f64>() / n as f64).collect();
        // (ΦcᵀΦc + I) w = Φcᵀ zc, on centred columns (lower triangle only).
        let mut a = Array2::<f64>::eye(m);
        let mut rhs = vec![0.0; m];
        for (f, &zi) in phi.iter().zip(&z) {
            let centred: Vec<f64> = f.iter().zip(&mean).map(|(v, m)| v - m).collect();
            for i in 0..m {
                rhs[i] += centred[i] * (zi - z_mean);
                for j in 0..=i {
                    a[(i, j)] += centred[i] * centred[j];
                }
            }
        }
        let w = solve_spd(a, rhs).ok_or_else(|| config("spread", "the training rows", "inputs that fit a spread"))?;
        let bias = z_mean - w.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
        let (mut weights, mut squares) = (w[..plain].to_vec(), w[plain..].to_vec());
        weights.resize(width, 0.0);
        squares.resize(width, 0.0);
        let mut spread = Spread { weights, squares, bias, log_range: [f64::NEG_INFINITY, f64::INFINITY] };
        let fitted: Vec<f64> = x.rows().into_iter().map(|r| spread.log_of(r)).collect();
        let lo = fitted.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = fitted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        spread.log_range = [lo, hi];
        Ok(spread)
    }

    fn log_of(&self, row: ndarray::ArrayView1<'_, f64>) -> f64 {
        let terms = row.iter().zip(self.weights.iter().zip(&self.squares)).map(|(x, (w, v))| x * w + x * x * v);
        (self.bias + terms.sum::<f64>()).clamp(self.log_range[0], self.log_range[1])
    }

    /// `σ(x)` of each row of `x` (the model's inputs).
    pub fn of(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.rows().into_iter().map(|r| self.log_of(r).exp()).collect()
    }

    fn is_valid(&self, width: usize) -> bool {
        let [lo, hi] = self.log_range;
        self.weights.len() == width
            && self.squares.len() == width
            && self.weights.iter().chain(&self.squares).all(|w| w.is_finite())
            && self.bias.is_finite()
            && lo.is_finite()
            && hi.is_finite()
            && lo <= hi
            // A spread is exp of a clamped log: within ±100, as fitting makes it, never inf.
            && hi < 100.0
            && lo > -100.0
    }
}

/// Solves `A w = b` for a symmetric positive definite `A` given by its lower triangle
/// (Cholesky); none when `A` is not positive definite.
fn solve_spd(mut a: Array2<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for j in 0..n {
        let d = a[(j, j)] - (0..j).map(|k| a[(j, k)] * a[(j, k)]).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        a[(j, j)] = d.sqrt();
        for i in j + 1..n {
            a[(i, j)] = (a[(i, j)] - (0..j).map(|k| a[(i, k)] * a[(j, k)]).sum::<f64>()) / a[(j, j)];
        }
    }
    for i in 0..n {
        b[i] = (b[i] - (0..i).map(|k| a[(i, k)] * b[k]).sum::<f64>()) / a[(i, i)];
    }
    for i in (0..n).rev() {
        b[i] = (b[i] - (i + 1..n).map(|k| a[(k, i)] * b[k]).sum::<f64>()) / a[(i, i)];
    }
    Some(b)
}

/// A conformal calibration saved with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Calibration {
    /// A regression interval `ẑ ± quantile·σ(x)` in the trained target's units (see the module).
    Interval {
        /// The coverage promised, in (0, 1).
        level: f64,
        /// The conformal quantile of the scores.
        quantile: f64,
        /// The calibration rows.
        rows: usize,
        /// The per-row spread of the normalised score (none: the absolute score, σ = 1).
        spread: Option<Spread>,
    },
    /// Class prediction sets: every label with `1 − p̂ ≤ threshold`.
    Sets {
        /// The coverage promised, in (0, 1).
        level: f64,
        /// The conformal quantile of `1 − p̂(true label)`.
        threshold: f64,
        /// The calibration rows.
        rows: usize,
    },
}

/// What a calibration adds to a row's prediction.
#[derive(Debug, Clone, PartialEq)]
pub enum Uncertainty {
    /// Each row's interval, in the target's units.
    Interval {
        /// Lower ends.
        lower: Vec<f64>,
        /// Upper ends.
        upper: Vec<f64>,
    },
    /// Each row's set of label indices, in label order.
    Sets(Vec<Vec<usize>>),
}

impl Uncertainty {
    /// This, with `more`'s rows after its own (of the same kind; another kind is dropped).
    pub fn append(self, more: Uncertainty) -> Uncertainty {
        match (self, more) {
            (Uncertainty::Interval { mut lower, mut upper }, Uncertainty::Interval { lower: l, upper: u }) => {
                lower.extend(l);
                upper.extend(u);
                Uncertainty::Interval { lower, upper }
            }
            (Uncertainty::Sets(mut sets), Uncertainty::Sets(more)) => {
                sets.extend(more);
                Uncertainty::Sets(sets)
            }
            (kept, _) => kept,
        }
    }
}

/// What an interval at `level` with `score` needs of prepared rows, checked before training:
/// enough validation rows to calibrate on ([`calibration_rows_needed`]), and a normalised score
/// only for a regression.
///
/// ```
/// # use ndnet_data::{Dataset, Prepared, Standardize};
/// let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| i as f64);
/// let data = Dataset { y: x.clone(), x, feature_names: vec!["a".into()], target_name: "t".into() };
/// let p = Prepared::<f32>::new(&data, 0.25, 0.0, 1, Standardize::All).unwrap(); // 10 validation rows
/// assert!(ndnet_trainer::check_interval(&p, 0.9, Default::default()).is_ok());
/// let e = ndnet_trainer::check_interval(&p, 0.95, Default::default()).unwrap_err().to_string();
/// assert!(e.contains("at least 19 validation rows"), "{e}");
/// ```
pub fn check_interval<F: NdFloat>(p: &Prepared<F>, level: f64, score: IntervalScore) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(config("interval", level, "in (0, 1), e.g. 0.9"));
    }
    let (rows, needed) = (p.val_x.nrows(), calibration_rows_needed(level));
    if rows < needed {
        let allowed = format!(
            "with at least {needed} validation rows to calibrate on (there are {rows}; raise the validation fraction)"
        );
        return Err(config("interval", level, allowed));
    }
    if score == IntervalScore::Normalized && p.pipeline.task() == Task::Classification {
        return Err(config(
            "interval-score",
            "normalized",
            "absolute for a classification (prediction sets have one score)",
        ));
    }
    Ok(())
}

impl Calibration {
    /// Calibrates `model`, trained on `p`'s training rows, on `p`'s validation rows (which it
    /// never trained on) at `level`: an interval with `score` for a regression (a normalised
    /// score's spread fitted on the training rows' residuals), prediction sets for classes.
    ///
    /// Errors when there are no or too few validation rows for the level, or a normalised score
    /// would need a spread over more than [`MAX_SPREAD_INPUTS`] inputs.
    pub fn calibrate<F: NdFloat>(
        p: &Prepared<F>,
        model: &mut dyn Model<F>,
        level: f64,
        score: IntervalScore,
    ) -> Result<Self> {
        if p.val_x.nrows() == 0 {
            return Err(config(
                "interval",
                level,
                "only with validation rows to calibrate on (a validation fraction > 0)",
            ));
        }
        let val = p.predict_original(model, &p.val_x)?;
        if p.pipeline.task() == Task::Classification {
            let classes: Vec<usize> = p.split.validation.y.iter().map(|&c| c as usize).collect();
            return Calibration::sets(&val, &classes, level);
        }
        let spread = match score {
            IntervalScore::Absolute => None,
            IntervalScore::Normalized if p.pipeline.input_width() > MAX_SPREAD_INPUTS => {
                let allowed = format!("absolute with more than {MAX_SPREAD_INPUTS} model inputs");
                return Err(config("interval-score", "normalized", allowed));
            }
            IntervalScore::Normalized => {
                let encoder = p.pipeline.target_encoder();
                let train = p.predict_original(model, &p.train_x)?;
                let residuals = (encoder.forward(&p.split.train.y) - encoder.forward(&train)).column(0).to_vec();
                let plain = p.pipeline.input_width() - p.pipeline.embedded().len();
                let spread = Spread::fit(f64s(&p.train_x).view(), &residuals, plain)?;
                let sigma = spread.of(f64s(&p.val_x).view());
                Some((spread, sigma))
            }
        };
        Calibration::interval(&p.pipeline, &val, &p.split.validation.y, level, spread)
    }

    /// What the calibration adds to `p`'s test rows given their `predicted` values (as
    /// [`Prepared::predict_original`] gives them), and its coverage of them: the share whose
    /// interval (or set) holds the truth, and the mean width (or set size).
    pub fn test_coverage<F: NdFloat>(&self, p: &Prepared<F>, predicted: &Array2<f64>) -> (Uncertainty, (f64, f64)) {
        let uncertainty = self.uncertainty(&p.pipeline, predicted, f64s(&p.test_x).view());
        let coverage = match &uncertainty {
            Uncertainty::Interval { lower, upper } => {
                interval_coverage(lower, upper, &p.split.test.y.column(0).to_vec())
            }
            Uncertainty::Sets(sets) => {
                let classes: Vec<usize> = p.split.test.y.iter().map(|&c| c as usize).collect();
                set_coverage(sets, &classes)
            }
        };
        (uncertainty, coverage)
    }

    /// Calibrates a regression's interval at `level` on calibration rows: `predicted` and `actual`
    /// in the target's units (one column), `spread` (when normalised) evaluated on those rows.
    pub fn interval(
        pipeline: &Pipeline,
        predicted: &Array2<f64>,
        actual: &Array2<f64>,
        level: f64,
        spread: Option<(Spread, Vec<f64>)>,
    ) -> Result<Self> {
        if pipeline.task() != Task::Regression || predicted.ncols() != 1 || predicted.dim() != actual.dim() {
            return Err(config("interval", level.to_string(), "one regression output per calibration row"));
        }
        let (z_hat, z) = (pipeline.target_encoder().forward(predicted), pipeline.target_encoder().forward(actual));
        let sigma = |i: usize| spread.as_ref().map_or(1.0, |(_, s)| s[i]);
        let scores: Vec<f64> = (0..z.nrows()).map(|i| (z[(i, 0)] - z_hat[(i, 0)]).abs() / sigma(i)).collect();
        let quantile = conformal_quantile(scores, level)?;
        Ok(Calibration::Interval { level, quantile, rows: z.nrows(), spread: spread.map(|s| s.0) })
    }

    /// Calibrates prediction sets at `level` on calibration rows: their class `probabilities`
    /// (rows × labels) and true `classes` (indices).
    pub fn sets(probabilities: &Array2<f64>, classes: &[usize], level: f64) -> Result<Self> {
        if probabilities.nrows() != classes.len() || classes.iter().any(|&c| c >= probabilities.ncols()) {
            return Err(config("interval", level.to_string(), "a class index and probabilities per calibration row"));
        }
        let scores = classes.iter().enumerate().map(|(i, &c)| 1.0 - probabilities[(i, c)]).collect();
        let threshold = conformal_quantile(scores, level)?;
        Ok(Calibration::Sets { level, threshold, rows: classes.len() })
    }

    /// The coverage promised.
    pub fn level(&self) -> f64 {
        match self {
            Calibration::Interval { level, .. } | Calibration::Sets { level, .. } => *level,
        }
    }

    /// Each row's interval: `predicted` in the target's units (one column), `x` the model's
    /// inputs of the same rows (for the spread). For a log target the ends are `ŷ·e^(∓q·σ)`.
    pub fn intervals(
        &self,
        pipeline: &Pipeline,
        predicted: &Array2<f64>,
        x: ArrayView2<'_, f64>,
    ) -> (Vec<f64>, Vec<f64>) {
        let Calibration::Interval { quantile, spread, .. } = self else { return (Vec::new(), Vec::new()) };
        let sigma = spread.as_ref().map(|s| s.of(x));
        let encoder = pipeline.target_encoder();
        let z_hat = encoder.forward(&predicted.column(0).to_owned().insert_axis(ndarray::Axis(1)));
        let half = |i: usize| quantile * sigma.as_ref().map_or(1.0, |s| s[i]);
        let lower = Array2::from_shape_fn((z_hat.nrows(), 1), |(i, _)| z_hat[(i, 0)] - half(i));
        let upper = Array2::from_shape_fn((z_hat.nrows(), 1), |(i, _)| z_hat[(i, 0)] + half(i));
        (encoder.inverse(lower).column(0).to_vec(), encoder.inverse(upper).column(0).to_vec())
    }

    /// Each row's prediction set (label indices, in order) from its class `probabilities`.
    pub fn prediction_sets(&self, probabilities: &Array2<f64>) -> Vec<Vec<usize>> {
        let Calibration::Sets { threshold, .. } = self else { return Vec::new() };
        let best = crate::predicted_classes(probabilities);
        probabilities
            .rows()
            .into_iter()
            .zip(best)
            .map(|(row, top)| {
                let set: Vec<usize> = (0..row.len()).filter(|&c| 1.0 - row[c] <= *threshold).collect();
                if set.is_empty() { vec![top] } else { set }
            })
            .collect()
    }

    /// What the calibration adds to `predictions` (as [`predict_table`](crate::predict_table)
    /// gives them) of rows whose model inputs are `x`.
    pub fn uncertainty(&self, pipeline: &Pipeline, predictions: &Array2<f64>, x: ArrayView2<'_, f64>) -> Uncertainty {
        match self {
            Calibration::Interval { .. } => {
                let (lower, upper) = self.intervals(pipeline, predictions, x);
                Uncertainty::Interval { lower, upper }
            }
            Calibration::Sets { .. } => Uncertainty::Sets(self.prediction_sets(predictions)),
        }
    }

    /// Checks the calibration against the pipeline it came with (a file is untrusted input).
    pub fn validate(&self, pipeline: &Pipeline) -> std::result::Result<(), String> {
        let level_ok = |l: f64| l > 0.0 && l < 1.0;
        let ok = match self {
            Calibration::Interval { level, quantile, spread, .. } => {
                pipeline.task() == Task::Regression
                    && level_ok(*level)
                    && quantile.is_finite()
                    && *quantile >= 0.0
                    && spread.as_ref().is_none_or(|s| s.is_valid(pipeline.input_width()))
            }
            Calibration::Sets { level, threshold, .. } => {
                pipeline.task() == Task::Classification && level_ok(*level) && (0.0..=1.0).contains(threshold)
            }
        };
        if ok {
            Ok(())
        } else {
            Err("the stored calibration does not fit the model (or holds impossible values)".into())
        }
    }
}

/// The share of rows whose interval holds the actual value, and the mean width.
pub fn interval_coverage(lower: &[f64], upper: &[f64], actual: &[f64]) -> (f64, f64) {
    let n = actual.len().max(1) as f64;
    let inside = actual.iter().zip(lower.iter().zip(upper)).filter(|(a, (l, u))| l <= a && a <= u).count();
    let width = lower.iter().zip(upper).map(|(l, u)| u - l).sum::<f64>() / n;
    (inside as f64 / n, width)
}

/// The share of rows whose set holds the true class, and the mean set size.
pub fn set_coverage(sets: &[Vec<usize>], classes: &[usize]) -> (f64, f64) {
    let n = classes.len().max(1) as f64;
    let inside = sets.iter().zip(classes).filter(|(s, c)| s.contains(c)).count();
    (inside as f64 / n, sets.iter().map(Vec::len).sum::<usize>() as f64 / n)
}
