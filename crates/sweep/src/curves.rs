//! Summaries of several runs of one optimizer: mean ± one standard deviation per epoch (what
//! `ndnet_charts::plot_bands` draws).
//!
//! ```
//! use ndnet_sweep::{CurveStats, mean_sd};
//! let s = CurveStats::from_runs("sgd", &[vec![1.0, 0.5], vec![3.0, 0.5]]);
//! assert_eq!((s.mean.clone(), s.sd.clone()), (vec![2.0, 0.5], vec![1.0, 0.0]));
//! assert_eq!(mean_sd(&[1.0, 3.0]), (2.0, 1.0));
//! ```

/// Mean and population standard deviation of `values` (NaN for none).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (mean, (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Mean and (population) standard deviation per epoch over runs of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveStats {
    /// Label, e.g. `"RMSprop lr=0.001"`.
    pub name: String,
    /// Mean per epoch.
    pub mean: Vec<f64>,
    /// Standard deviation per epoch.
    pub sd: Vec<f64>,
}

impl CurveStats {
    /// Statistics over `runs` (each a loss per epoch); shorter runs end the curve early.
    pub fn from_runs(name: &str, runs: &[Vec<f64>]) -> Self {
        let len = runs.iter().map(Vec::len).min().unwrap_or(0);
        let (mean, sd) = (0..len).map(|e| mean_sd(&runs.iter().map(|r| r[e]).collect::<Vec<_>>())).unzip();
        CurveStats { name: name.to_string(), mean, sd }
    }
}
