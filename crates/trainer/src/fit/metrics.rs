//! Metrics: MSE, RMSE, MAE and R² in the target's original units; accuracy and log-loss for classes.
//!
//! ```
//! use ndnet_trainer::Metrics;
//! let m = Metrics::compute(&ndarray::array![[1.0], [2.0], [3.0]], &ndarray::array![[1.0], [2.0], [4.0]]);
//! assert_eq!((m.mae, m.mse), (1.0 / 3.0, 1.0 / 3.0));
//! assert!((m.r2 - (1.0 - 1.0 / (14.0 / 3.0))).abs() < 1e-12); // SS_tot = 14/3 around the mean 7/3
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
    /// Coefficient of determination, 1 − SS_res / SS_tot.
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
        Metrics { mse, rmse: mse.sqrt(), mae: abs / n, r2: 1.0 - ss_res / ss_tot }
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MSE {:.4e}, RMSE {:.2}, MAE {:.2}, R² {:.4}", self.mse, self.rmse, self.mae, self.r2)
    }
}

/// Accuracy and log-loss of predicted probabilities against classes (scikit-learn's
/// `accuracy_score` and `log_loss`, probabilities clipped to [1e-15, 1 − 1e-15]).
///
/// ```
/// use ndnet_trainer::ClassMetrics;
/// // Binary: one column of P(class 1), targets 0/1.
/// let m = ClassMetrics::binary(&ndarray::array![[0.9], [0.2], [0.6]], &ndarray::array![[1.0], [0.0], [0.0]]);
/// assert_eq!(m.accuracy, 2.0 / 3.0);
/// assert!((m.log_loss - (-(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln()) / 3.0)).abs() < 1e-12);
/// // Several classes: one column per class, targets are class indices.
/// let m = ClassMetrics::multiclass(&ndarray::array![[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], &ndarray::array![[0.0], [1.0]]);
/// assert_eq!(m.accuracy, 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The share of rows whose most probable class is the target.
    pub accuracy: f64,
    /// Mean negative log-probability of the target class.
    pub log_loss: f64,
}

const CLIP: f64 = 1e-15;

impl ClassMetrics {
    /// From `p` (rows × 1: the probability of class 1) and `target` (rows × 1: 0 or 1); a
    /// probability of 0.5 or more predicts class 1.
    ///
    /// # Panics
    /// When the shapes differ or are not one column.
    #[track_caller]
    pub fn binary(p: &Array2<f64>, target: &Array2<f64>) -> Self {
        assert!(p.dim() == target.dim() && p.ncols() == 1, "ClassMetrics::binary: {:?} vs {:?}", p.dim(), target.dim());
        let n = p.nrows() as f64;
        let (mut right, mut loss) = (0.0, 0.0);
        Zip::from(p).and(target).for_each(|&p, &y| {
            right += f64::from(u8::from((p >= 0.5) == (y >= 0.5)));
            let p = p.clamp(CLIP, 1.0 - CLIP);
            loss -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
        });
        ClassMetrics { accuracy: right / n, log_loss: loss / n }
    }

    /// From `p` (rows × classes, each row summing to 1) and `target` (rows × 1 class indices).
    ///
    /// # Panics
    /// When the row counts differ or a target is not a class index.
    #[track_caller]
    pub fn multiclass(p: &Array2<f64>, target: &Array2<f64>) -> Self {
        assert!(
            p.nrows() == target.nrows() && target.ncols() == 1,
            "ClassMetrics::multiclass: {:?} vs {:?}",
            p.dim(),
            target.dim()
        );
        let n = p.nrows() as f64;
        let (mut right, mut loss) = (0.0, 0.0);
        for (row, &y) in p.rows().into_iter().zip(target.iter()) {
            let class = y as usize;
            assert!(y >= 0.0 && y.fract() == 0.0 && class < row.len(), "ClassMetrics::multiclass: target {y}");
            let best = row.iter().enumerate().fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
            right += f64::from(u8::from(best == class));
            loss -= row[class].clamp(CLIP, 1.0 - CLIP).ln();
        }
        ClassMetrics { accuracy: right / n, log_loss: loss / n }
    }
}

impl fmt::Display for ClassMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "accuracy {:.4}, log-loss {:.4}", self.accuracy, self.log_loss)
    }
}
