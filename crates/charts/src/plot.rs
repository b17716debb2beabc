//! Loss curves as SVG: one or more panels side by side, each with lines and optional shaded
//! bands (mean ± sd). The y axis is logarithmic when the values span more than a factor of 20;
//! the epoch axis is logarithmic past 20 epochs, so the first epochs, where the curves differ
//! most, are not squeezed into the left edge.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{ChartError, Result};
use ndnet_files::write_atomic;

/// A curve: name, colour, (epoch, value) points, and optionally (low, high) per point for a band.
pub(crate) type Series<'a> = (&'a str, RGBColor, &'a [(u64, f64)], Option<&'a [(f64, f64)]>);

/// One chart: its title, its y-axis label and its curves.
pub(crate) struct Panel<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Series<'a>],
}

/// Draws `panels` side by side and writes the SVG to `path` atomically.
pub(crate) fn write_plot(path: &Path, panels: &[Panel<'_>]) -> Result<()> {
    let svg = render(panels).map_err(|message| ChartError::Draw { path: path.to_path_buf(), message })?;
    Ok(write_atomic(path, svg.as_bytes())?)
}

fn render(panels: &[Panel<'_>]) -> std::result::Result<String, String> {
    let mut svg = String::new();
    {
        let width = 900 * panels.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        for (area, panel) in root.split_evenly((1, panels.len().max(1))).iter().zip(panels) {
            draw_panel(area, panel)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel<'_>) -> std::result::Result<(), String> {
    let values: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|(_, _, p, b)| p.iter().map(|v| v.1).chain(b.iter().flat_map(|b| b.iter().flat_map(|r| [r.0, r.1]))))
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if values.is_empty() {
        return Err(format!("{}: nothing to plot: no positive finite values", panel.title));
    }
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let last = panel.series.iter().flat_map(|s| s.2.iter().map(|p| p.0)).max().unwrap_or(1).max(2) as f64;
    let mut builder = ChartBuilder::on(area);
    builder.caption(panel.title, ("sans-serif", 20)).margin(16).x_label_area_size(40).y_label_area_size(70);
    let clamp = |v: f64| v.clamp(lo, hi);
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart.map_err(|e| e.to_string())?;
            chart.configure_mesh().x_desc("epoch").y_desc(panel.y_label).draw().map_err(|e| e.to_string())?;
            for &(name, color, points, band) in panel.series {
                if let Some(band) = band {
                    let upper = points.iter().zip(band.iter()).map(|(p, b)| (p.0 as f64, clamp(b.1)));
                    let lower = points.iter().zip(band.iter()).rev().map(|(p, b)| (p.0 as f64, clamp(b.0)));
                    let poly: Vec<(f64, f64)> = upper.chain(lower).collect();
                    chart
                        .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.2))))
                        .map_err(|e| e.to_string())?;
                }
                let line = points.iter().map(|p| (p.0 as f64, clamp(p.1)));
                chart
                    .draw_series(LineSeries::new(line, color.stroke_width(2)))
                    .map_err(|e| e.to_string())?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| e.to_string())?;
        }};
    }
    let (log_x, log_y) = (last > 20.0, hi / lo > 20.0);
    let pad = (hi - lo).max(hi * 0.01) * 0.05;
    let (y_lo, y_hi) = (if log_y { lo * 0.9 } else { (lo - pad).max(0.0) }, if log_y { hi * 1.1 } else { hi + pad });
    match (log_x, log_y) {
        (true, true) => draw!(builder.build_cartesian_2d((1.0..last).log_scale(), (y_lo..y_hi).log_scale())),
        (true, false) => draw!(builder.build_cartesian_2d((1.0..last).log_scale(), y_lo..y_hi)),
        (false, true) => draw!(builder.build_cartesian_2d(1.0..last, (y_lo..y_hi).log_scale())),
        (false, false) => draw!(builder.build_cartesian_2d(1.0..last, y_lo..y_hi)),
    }
    Ok(())
}
