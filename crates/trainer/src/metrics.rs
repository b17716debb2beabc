//! Metrics: MSE, RMSE, MAE and R² in the target's original units; accuracy, balanced accuracy,
//! macro F1, log-loss, ROC AUC and the confusion matrix for classes.
//!
//! ```
//! use ndnet_trainer::Metrics;
//! let m = Metrics::compute(&ndarray::array![[1.0], [2.0], [3.0]], &ndarray::array![[1.0], [2.0], [4.0]]);
//! assert_eq!((m.mae, m.mse), (1.0 / 3.0, 1.0 / 3.0));
//! assert!((m.r2 - (1.0 - 1.0 / (14.0 / 3.0))).abs() < 1e-12); // SS_tot = 14/3 around the mean 7/3
//! assert_eq!(m.to_string(), "MSE 3.3333e-1, RMSE 0.58, MAE 0.33, R² 0.7857");
//! // Errors far from two decimals' reach are written in e-notation, like the MSE.
//! let tiny = Metrics::compute(&ndarray::array![[1e-4], [2e-4]], &ndarray::array![[1e-4], [4e-4]]);
//! assert_eq!(tiny.to_string(), "MSE 2.0000e-8, RMSE 1.4142e-4, MAE 1.0000e-4, R² 0.1111");
//! ```

use std::fmt;

use ndarray::{Array2, Zip};
use serde::{Deserialize, Serialize};

/// MSE, RMSE, MAE and R² of predictions against targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination, 1 − SS_res / SS_tot; NaN (not available) when the targets
    /// do not vary (one row, or all equal).
    pub r2: f64,
}

impl Metrics {
    /// Metrics of `prediction` against `target` (same shape, at least one row).
    ///
    /// # Panics
    /// When the shapes differ.
    pub fn compute(prediction: &Array2<f64>, target: &Array2<f64>) -> Metrics {
        assert_eq!(prediction.dim(), target.dim(), "Metrics::compute: shapes differ");
        let n = target.len() as f64;
        let mean = target.sum() / n;
        let (mut ss_res, mut abs, mut ss_tot) = (0.0, 0.0, 0.0);
        Zip::from(prediction).and(target).for_each(|&p, &t| {
            ss_res += (p - t) * (p - t);
            abs += (p - t).abs();
            ss_tot += (t - mean) * (t - mean);
        });
        let mse = ss_res / n;
        // R² needs spread in the targets: with one row, or all alike, it is not available (NaN).
        let r2 = if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { f64::NAN };
        Metrics { mse, rmse: mse.sqrt(), mae: abs / n, r2 }
    }
}

/// `v` with `places` decimals where they show it (`58046.80`, `0.53`), else in e-notation like
/// the MSE (`2.7929e29`, `4.3719e-3`): never thirty digits, nor `0.00` for a small number.
pub(crate) fn decimals_or_e(v: f64, places: usize) -> String {
    let shown = v == 0.0 || !v.is_finite() || (10f64.powi(-(places as i32))..1e7).contains(&v.abs());
    match shown {
        true => format!("{v:.places$}"),
        false => format!("{v:.4e}"),
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MSE {:.4e}, RMSE {}, MAE {}, ", self.mse, decimals_or_e(self.rmse, 2), decimals_or_e(self.mae, 2))?;
        match self.r2.is_nan() {
            true => write!(f, "R² n/a (the targets do not vary)"),
            false => write!(f, "R² {:.4}", self.r2),
        }
    }
}

/// Classification metrics of predicted probabilities against classes, as scikit-learn computes
/// them: `accuracy_score`, `balanced_accuracy_score` (the mean recall of the classes the targets
/// have), `f1_score(average="macro")` (over the classes the targets or predictions have),
/// `log_loss` (probabilities clipped to [1e-15, 1 − 1e-15]), `roc_auc_score` for two classes
/// (ties ranked by their mean), and `confusion_matrix` (rows: the true class, columns: the
/// predicted one). The predicted class is the most probable, the first on ties.
///
/// ```
/// use ndnet_trainer::ClassMetrics;
/// // Binary: one column of P(class 1), targets 0/1.
/// let m = ClassMetrics::binary(&ndarray::array![[0.9], [0.2], [0.6]], &ndarray::array![[1.0], [0.0], [0.0]]);
/// assert_eq!(m.accuracy, 2.0 / 3.0);
/// assert!((m.log_loss - (-(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln()) / 3.0)).abs() < 1e-12);
/// assert_eq!(m.roc_auc, Some(1.0)); // the one positive outranks both negatives
/// assert_eq!(m.confusion, vec![vec![1, 1], vec![0, 1]]);
/// assert_eq!(m.balanced_accuracy, 0.75); // recalls 1/2 and 1
/// // Several classes: one column per class, targets are class indices.
/// let m = ClassMetrics::multiclass(&ndarray::array![[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], &ndarray::array![[0.0], [1.0]]);
/// assert_eq!((m.accuracy, m.roc_auc), (0.5, None));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The share of rows whose predicted class is the target.
    pub accuracy: f64,
    /// The mean over the targets' classes of the share of that class predicted right.
    pub balanced_accuracy: f64,
    /// The mean over classes of F1 = 2·TP / (2·TP + FP + FN).
    pub macro_f1: f64,
    /// Mean negative log-probability of the target class.
    pub log_loss: f64,
    /// Area under the ROC curve, for two classes when both occur.
    pub roc_auc: Option<f64>,
    /// Rows of each true class (outer) predicted as each class (inner).
    pub confusion: Vec<Vec<usize>>,
}

const CLIP: f64 = 1e-15;

impl ClassMetrics {
    /// From `p` (rows × 1: the probability of class 1) and `target` (rows × 1: 0 or 1).
    ///
    /// # Panics
    /// When the shapes differ or are not one column, or a target is not 0 or 1.
    #[track_caller]
    pub fn binary(p: &Array2<f64>, target: &Array2<f64>) -> Self {
        assert!(p.dim() == target.dim() && p.ncols() == 1, "ClassMetrics::binary: {:?} vs {:?}", p.dim(), target.dim());
        let both = Array2::from_shape_fn((p.nrows(), 2), |(i, j)| if j == 1 { p[(i, 0)] } else { 1.0 - p[(i, 0)] });
        Self::multiclass(&both, target)
    }

    /// From `p` (rows × classes, each row summing to 1) and `target` (rows × 1 class indices).
    ///
    /// # Panics
    /// When the row counts differ, there are no rows, or a target is not a class index.
    #[track_caller]
    pub fn multiclass(p: &Array2<f64>, target: &Array2<f64>) -> Self {
        assert!(
            p.nrows() == target.nrows() && target.ncols() == 1 && p.nrows() > 0,
            "ClassMetrics::multiclass: {:?} vs {:?}",
            p.dim(),
            target.dim()
        );
        let k = p.ncols();
        let predicted = crate::predicted_classes(p);
        let mut confusion = vec![vec![0usize; k]; k];
        let mut loss = 0.0;
        for ((row, &y), &guess) in p.rows().into_iter().zip(target.iter()).zip(&predicted) {
            let class = y as usize;
            assert!(y >= 0.0 && y.fract() == 0.0 && class < k, "ClassMetrics::multiclass: target {y}");
            confusion[class][guess] += 1;
            loss -= row[class].clamp(CLIP, 1.0 - CLIP).ln();
        }
        let n = p.nrows() as f64;
        let right: usize = (0..k).map(|c| confusion[c][c]).sum();
        let truth = |c: usize| confusion[c].iter().sum::<usize>();
        let guessed = |c: usize| confusion.iter().map(|r| r[c]).sum::<usize>();
        let present: Vec<usize> = (0..k).filter(|&c| truth(c) > 0).collect();
        let recall = present.iter().map(|&c| confusion[c][c] as f64 / truth(c) as f64).sum::<f64>();
        let seen: Vec<usize> = (0..k).filter(|&c| truth(c) + guessed(c) > 0).collect();
        let f1 = |c: usize| 2.0 * confusion[c][c] as f64 / (truth(c) + guessed(c)) as f64;
        let roc_auc = (k == 2 && present.len() == 2).then(|| roc_auc(&p.column(1).to_vec(), target));
        ClassMetrics {
            accuracy: right as f64 / n,
            balanced_accuracy: recall / present.len() as f64,
            macro_f1: seen.iter().map(|&c| f1(c)).sum::<f64>() / seen.len() as f64,
            log_loss: loss / n,
            roc_auc,
            confusion,
        }
    }
}

/// The area under the ROC curve of `scores` for class 1 of `target` (0/1): the share of
/// (positive, negative) pairs ranked right, ties counting one half (Mann–Whitney U).
fn roc_auc(scores: &[f64], target: &Array2<f64>) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives, mut i) = (0.0, 0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &r in &order[i..=j] {
            if target[(r, 0)] >= 0.5 {
                rank_sum += mean_rank;
                positives += 1.0;
            }
        }
        i = j + 1;
    }
    let negatives = scores.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// The ROC curve of `scores` for class 1 of `target` (0/1): (false positive rate, true positive
/// rate) from (0, 0) to (1, 1), one point per distinct score, highest first.
///
/// ```
/// let curve = ndnet_trainer::roc_curve(&[0.9, 0.2, 0.6], &ndarray::array![[1.0], [0.0], [0.0]]);
/// assert_eq!(curve, [(0.0, 0.0), (0.0, 1.0), (0.5, 1.0), (1.0, 1.0)]);
/// ```
pub fn roc_curve(scores: &[f64], target: &Array2<f64>) -> Vec<(f64, f64)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = target.iter().filter(|&&y| y >= 0.5).count().max(1) as f64;
    let negatives = (target.len() as f64 - positives).max(1.0);
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut curve = vec![(0.0, 0.0)];
    for (i, &r) in order.iter().enumerate() {
        if target[(r, 0)] >= 0.5 {
            tp += 1.0
        } else {
            fp += 1.0
        }
        if order.get(i + 1).is_none_or(|&next| scores[next] != scores[r]) {
            curve.push((fp / negatives, tp / positives));
        }
    }
    curve
}

/// A model's test metrics, whichever the task: what a weights file keeps of how good the model was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Evaluation {
    /// A regression's metrics, in the target's units.
    Regression {
        /// Rows evaluated.
        rows: usize,
        /// The metrics.
        metrics: Metrics,
    },
    /// A classification's metrics.
    Classification {
        /// Rows evaluated.
        rows: usize,
        /// The metrics.
        metrics: ClassMetrics,
    },
}

impl Evaluation {
    /// The metrics as (name, value) pairs, the headline first (R² or accuracy).
    pub fn values(&self) -> Vec<(&'static str, f64)> {
        match self {
            Evaluation::Regression { metrics: m, .. } => {
                vec![("R²", m.r2), ("RMSE", m.rmse), ("MAE", m.mae), ("MSE", m.mse)]
            }
            Evaluation::Classification { metrics: m, .. } => {
                let mut v = vec![
                    ("accuracy", m.accuracy),
                    ("balanced accuracy", m.balanced_accuracy),
                    ("macro F1", m.macro_f1),
                    ("log-loss", m.log_loss),
                ];
                v.extend(m.roc_auc.map(|auc| ("ROC AUC", auc)));
                v
            }
        }
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evaluation::Regression { metrics, .. } => write!(f, "{metrics}"),
            Evaluation::Classification { metrics, .. } => write!(f, "{metrics}"),
        }
    }
}

impl fmt::Display for ClassMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "accuracy {:.4}, balanced accuracy {:.4}, macro F1 {:.4}, log-loss {:.4}",
            self.accuracy, self.balanced_accuracy, self.macro_f1, self.log_loss
        )?;
        if let Some(auc) = self.roc_auc {
            write!(f, ", ROC AUC {auc:.4}")?;
        }
        Ok(())
    }
}
