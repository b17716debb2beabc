//! Curves per epoch: a run's training and validation loss, and bands of mean ± one standard
//! deviation over runs (one panel per loss), each as one SVG.
//!
//! ```
//! use ndnet_charts::{Band, plot_bands, plot_loss};
//! let dir = std::env::temp_dir().join(format!("ndnet-curves-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! plot_loss(&dir.join("loss.svg"), "run", &[(1, 0.9), (2, 0.5)], &[(1, 1.0), (2, 0.7)]).unwrap();
//! let svg = std::fs::read_to_string(dir.join("loss.svg")).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
//! let band = Band { name: "sgd", mean: &[1.0, 0.5], sd: &[0.1, 0.05] };
//! plot_bands(&dir.join("compare.svg"), "loss", &[("validation", &[band])]).unwrap();
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::path::Path;

use plotters::style::{BLUE, RED, RGBColor};

use crate::Result;
use crate::plot::{Panel, Series, write_plot};

/// Draws training and validation loss per epoch (`(epoch, loss)` points; validation may be
/// empty) as an SVG at `path` (atomically). The y axis is logarithmic when the losses span more
/// than a factor of 20.
pub fn plot_loss(path: &Path, title: &str, train: &[(u64, f64)], validation: &[(u64, f64)]) -> Result<()> {
    let mut series: Vec<Series<'_>> = vec![("train", RED, train, None)];
    if !validation.is_empty() {
        series.push(("validation", BLUE, validation, None));
    }
    write_plot(path, &[Panel { title, y_label: "loss", series: &series }])
}

/// One curve of a band chart: its name, and its mean and standard deviation per epoch.
#[derive(Debug, Clone, Copy)]
pub struct Band<'a> {
    /// The label, e.g. `"RMSprop lr=0.001"`.
    pub name: &'a str,
    /// Mean per epoch.
    pub mean: &'a [f64],
    /// Standard deviation per epoch.
    pub sd: &'a [f64],
}

const COLORS: [RGBColor; 6] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Draws one panel per `(title, bands)` side by side, each band's mean with a shaded ± one
/// standard deviation around it, as an SVG (written atomically). A curve keeps its colour across
/// panels.
pub fn plot_bands(path: &Path, y_label: &str, panels: &[(&str, &[Band<'_>])]) -> Result<()> {
    let points = |c: &Band<'_>| c.mean.iter().enumerate().map(|(i, &m)| (i as u64 + 1, m)).collect::<Vec<_>>();
    let band = |c: &Band<'_>| c.mean.iter().zip(c.sd).map(|(m, s)| (m - s, m + s)).collect::<Vec<_>>();
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
                .map(|(i, (c, (p, b)))| (c.name, COLORS[i % COLORS.len()], p.as_slice(), Some(b.as_slice())))
                .collect()
        })
        .collect();
    let panels: Vec<Panel<'_>> =
        panels.iter().zip(&series).map(|((title, _), series)| Panel { title, y_label, series }).collect();
    write_plot(path, &panels)
}
