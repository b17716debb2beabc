//! Regression metrics in the target's original units.
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
