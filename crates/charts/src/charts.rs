//! The pictures of an evaluation, as SVG (each written atomically): predicted against actual
//! for a regression, the confusion matrix and the ROC curve for classes, and a metric per
//! cross-validation fold.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("ndnet-charts-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("confusion.svg");
//! ndnet_charts::plot_confusion(&path, &["no".into(), "yes".into()], &[vec![5, 1], vec![2, 7]], "test rows").unwrap();
//! assert!(std::fs::read_to_string(&path).unwrap().contains("yes"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::path::Path;

use plotters::prelude::*;

use crate::{ChartError, Result};
use ndnet_files::write_atomic;

type Drawn = std::result::Result<(), String>;

/// Renders a picture of `size` with `draw` and writes it to `path`.
fn write_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Drawn,
) -> Result<()> {
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    drawn.map_err(|message| ChartError::Draw { path: path.to_path_buf(), message })?;
    Ok(write_atomic(path, svg.as_bytes())?)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The smallest and largest finite value of `values` (0..1 when there are none), widened a
/// little so that no point sits on the frame.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.04).max(hi.abs().max(1e-12) * 1e-6);
    (lo - pad, hi + pad)
}

/// An axis label: no decimals on a wide range, thousands as `k` and millions as `M`.
fn short_number(v: f64, span: f64) -> String {
    match span {
        s if s >= 1e6 => format!("{:.1}M", v / 1e6),
        s if s >= 1e4 => format!("{:.0}k", v / 1e3),
        s if s >= 10.0 => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

/// The most points [`plot_predicted_vs_actual`] draws; of more rows, evenly spaced ones are
/// drawn, and the note says so.
pub const MAX_POINTS: usize = 5000;

/// Test rows' predictions (y) against their actual values (x), with the diagonal where they
/// would be equal; `note` (e.g. both models' R²) goes under the title.
///
/// With `intervals` (each row's lower and upper end), each point gets a vertical bar from its
/// lower to its upper end: a bar that crosses the diagonal holds the actual value.
pub fn plot_predicted_vs_actual(
    path: &Path,
    actual: &[f64],
    predicted: &[f64],
    intervals: Option<(&[f64], &[f64])>,
    title: &str,
    note: &str,
) -> Result<()> {
    let ends = intervals.map_or(&[][..], |i| i.0).iter().chain(intervals.map_or(&[][..], |i| i.1));
    let (lo, hi) = range(actual.iter().chain(predicted).chain(ends).copied());
    // Evenly spaced rows past MAX_POINTS: more would not show more, only make the file huge.
    let every = actual.len().div_ceil(MAX_POINTS).max(1);
    let shown = |i: &usize| i.is_multiple_of(every);
    let note = match every {
        1 => note.to_string(),
        _ => format!("{note}; every {every}th of {} rows shown", actual.len()),
    };
    write_svg(path, (700, 660), |root| {
        let (top, body) = root.split_vertically(56);
        top.titled(title, ("sans-serif", 20)).map_err(err)?;
        top.draw(&Text::new(note.clone(), (20, 36), ("sans-serif", 15))).map_err(err)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(lo..hi, lo..hi)
            .map_err(err)?;
        let label = |v: &f64| short_number(*v, hi - lo);
        let mesh = chart
            .configure_mesh()
            .x_desc("actual")
            .y_desc("predicted")
            .x_label_formatter(&label)
            .y_label_formatter(&label)
            .draw();
        mesh.map_err(err)?;
        chart.draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.mix(0.5).stroke_width(1))).map_err(err)?;
        if let Some((lower, upper)) = intervals {
            let bars = actual
                .iter()
                .zip(lower.iter().zip(upper))
                .enumerate()
                .filter(|(i, (a, (l, u)))| shown(i) && a.is_finite() && l.is_finite() && u.is_finite());
            for (_, (&a, (&l, &u))) in bars {
                chart.draw_series(LineSeries::new([(a, l), (a, u)], RED.mix(0.3).stroke_width(1))).map_err(err)?;
            }
        }
        let points =
            actual.iter().zip(predicted).enumerate().filter(|(i, (a, p))| shown(i) && a.is_finite() && p.is_finite());
        chart.draw_series(points.map(|(_, (&a, &p))| Circle::new((a, p), 3, BLUE.mix(0.45).filled()))).map_err(err)?;
        Ok(())
    })
}

/// The confusion matrix (rows: true label, columns: predicted label) as shaded cells with
/// their counts; a cell's shade is its share of its row.
pub fn plot_confusion(path: &Path, labels: &[String], confusion: &[Vec<usize>], title: &str) -> Result<()> {
    let k = labels.len().max(1);
    let cell = (520 / k as u32).clamp(24, 140);
    let side = cell * k as u32;
    let short = |l: &String| {
        if l.chars().count() > 14 { format!("{}…", l.chars().take(13).collect::<String>()) } else { l.clone() }
    };
    write_svg(path, (side + 260, side + 100), |root| {
        let root = root.titled(title, ("sans-serif", 20)).map_err(err)?;
        let (x0, y0) = (200i32, 60i32);
        root.draw(&Text::new("predicted →", (x0, y0 - 40), ("sans-serif", 15))).map_err(err)?;
        root.draw(&Text::new("true ↓", (20, y0 - 40), ("sans-serif", 15))).map_err(err)?;
        for (i, row) in confusion.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            let y = y0 + (i as u32 * cell) as i32;
            root.draw(&Text::new(short(&labels[i]), (20, y + cell as i32 / 2 - 8), ("sans-serif", 14))).map_err(err)?;
            for (j, &n) in row.iter().enumerate() {
                let x = x0 + (j as u32 * cell) as i32;
                let share = n as f64 / total;
                let shade = RGBColor(255 - (share * 200.0) as u8, 255 - (share * 140.0) as u8, 255);
                let corners = [(x, y), (x + cell as i32, y + cell as i32)];
                root.draw(&Rectangle::new(corners, shade.filled())).map_err(err)?;
                root.draw(&Rectangle::new(corners, BLACK.mix(0.3))).map_err(err)?;
                let colour = if share > 0.6 { WHITE } else { BLACK };
                let text = Text::new(
                    n.to_string(),
                    (x + cell as i32 / 2 - 10, y + cell as i32 / 2 - 8),
                    ("sans-serif", 16).into_font().color(&colour),
                );
                root.draw(&text).map_err(err)?;
            }
        }
        for (j, label) in labels.iter().enumerate() {
            let x = x0 + (j as u32 * cell) as i32 + 4;
            root.draw(&Text::new(short(label), (x, y0 - 20), ("sans-serif", 13))).map_err(err)?;
        }
        Ok(())
    })
}

/// The ROC curve (false against true positive rate) with the chance diagonal and the area
/// under the curve in the legend.
pub fn plot_roc(path: &Path, curve: &[(f64, f64)], auc: f64, title: &str) -> Result<()> {
    write_svg(path, (640, 640), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(err)?;
        chart.configure_mesh().x_desc("false positive rate").y_desc("true positive rate").draw().map_err(err)?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4))).map_err(err)?.label("chance");
        chart
            .draw_series(LineSeries::new(curve.iter().copied(), RED.stroke_width(2)))
            .map_err(err)?
            .label(format!("ROC, AUC {auc:.4}"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)
    })
}

/// Each metric's value per cross-validation fold (one panel a metric, a point per fold and a
/// dashed line at the mean).
pub fn plot_folds(path: &Path, metrics: &[(String, Vec<f64>)], title: &str) -> Result<()> {
    let panels = metrics.len().max(1) as u32;
    write_svg(path, (360 * panels, 420), |root| {
        let root = root.titled(title, ("sans-serif", 20)).map_err(err)?;
        for (area, (name, values)) in root.split_evenly((1, panels as usize)).iter().zip(metrics) {
            let folds = values.len().max(1) as f64;
            let (lo, hi) = range(values.iter().copied());
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 16))
                .margin(14)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .build_cartesian_2d(0.5..folds + 0.5, lo..hi)
                .map_err(err)?;
            let fold = |v: &f64| format!("{v:.0}");
            let mesh =
                chart.configure_mesh().x_desc("fold").x_labels(values.len().max(2)).x_label_formatter(&fold).draw();
            mesh.map_err(err)?;
            let mean = values.iter().sum::<f64>() / folds;
            let dashes = (0..20).map(|i| {
                let a = 0.5 + folds * i as f64 / 20.0;
                PathElement::new(vec![(a, mean), (a + folds / 40.0, mean)], BLACK.mix(0.6))
            });
            chart.draw_series(dashes).map_err(err)?;
            let points = values.iter().enumerate().map(|(i, &v)| (i as f64 + 1.0, v));
            chart.draw_series(LineSeries::new(points.clone(), BLUE.mix(0.4))).map_err(err)?;
            chart.draw_series(points.map(|p| Circle::new(p, 4, BLUE.filled()))).map_err(err)?;
        }
        Ok(())
    })
}
