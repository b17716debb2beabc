//! Summaries of several runs of one optimizer: mean ± one standard deviation per epoch, and the
//! plot that compares optimizers with them (one panel per loss, e.g. training and validation).
//!
//! ```
//! use ndnet_trainer::{CurveStats, mean_sd};
//! let s = CurveStats::from_runs("sgd", &[vec![1.0, 0.5], vec![3.0, 0.5]]);
//! assert_eq!((s.mean.clone(), s.sd.clone()), (vec![2.0, 0.5], vec![1.0, 0.0]));
//! assert_eq!(mean_sd(&[1.0, 3.0]), (2.0, 1.0));
//! ```

use std::path::Path;

use plotters::style::RGBColor;

use crate::Result;
use crate::plot::{Panel, Series, write_plot};

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

const COLORS: [RGBColor; 6] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Draws one panel per `(title, curves)` side by side, each curve's mean with a shaded ± one
/// standard deviation band, as an SVG (written atomically). A curve keeps its colour across
/// panels.
pub fn plot_mean_sd(path: &Path, y_label: &str, panels: &[(&str, &[CurveStats])]) -> Result<()> {
    let points = |c: &CurveStats| c.mean.iter().enumerate().map(|(i, &m)| (i as u64 + 1, m)).collect::<Vec<_>>();
    let band = |c: &CurveStats| c.mean.iter().zip(&c.sd).map(|(m, s)| (m - s, m + s)).collect::<Vec<_>>();
    let data: Vec<Vec<_>> =
        panels.iter().map(|(_, curves)| curves.iter().map(|c| (points(c), band(c))).collect()).collect();
    let series: Vec<Vec<Series<'_>>> = panels
        .iter()
        .zip(&data)
        .map(|((_, curves), data)| {
            curves
                .iter()
                .zip(data)
                .enumerate()
                .map(|(i, (c, (p, b)))| (c.name.as_str(), COLORS[i % COLORS.len()], p.as_slice(), Some(b.as_slice())))
                .collect()
        })
        .collect();
    let panels: Vec<Panel<'_>> =
        panels.iter().zip(&series).map(|((title, _), series)| Panel { title, y_label, series }).collect();
    write_plot(path, &panels)
}
