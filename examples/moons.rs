//! micrograd's classic demo, done properly: a seeded two-moons set (scikit-learn's
//! `make_moons`: 1,000 points, Gaussian noise 0.1), split into training and test points, a
//! 2 → 16 → 16 → 1 MLP trained with `BceWithLogits` and Adam, the test accuracy, and the decision
//! boundary drawn to SVG with the points on it.
//!
//! `cargo run --release --example moons -- --help`

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;
use plotters::prelude::*;

mod common;
use common::say;
use ndnet::ndarray::{Array2, Axis};
use ndnet::prelude::*;
use ndnet::rand::Rng;

/// Classify two interleaving half-moons and draw the decision boundary.
#[derive(Debug, Parser)]
#[command(version, about, allow_negative_numbers = true)]
struct Args {
    /// Points, 10 to 10,000,000 (half on each moon)
    #[arg(long, default_value_t = 1000)]
    points: usize,
    /// Standard deviation of the Gaussian noise added to each coordinate, ≥ 0
    #[arg(long, default_value_t = 0.1)]
    noise: f64,
    /// Fraction of points held out for the test, in (0, 1)
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Epochs, ≥ 1
    #[arg(long, default_value_t = 200)]
    epochs: u64,
    /// Adam's learning rate (PyTorch preset), > 0
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Seed of the points, the split, the weights and the shuffling
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (created if missing)
    #[arg(long, default_value = "runs/moons")]
    out: PathBuf,
    /// Print only the final accuracy and where the plot is
    #[arg(long)]
    quiet: bool,
}

/// `n` points on two interleaving half circles (label 0 on the upper, 1 on the lower one) with
/// N(0, noise²) added to each coordinate, as `sklearn.datasets.make_moons` makes them.
fn moons(n: usize, noise: f64, rng: &mut ChaCha8Rng) -> (Array2<f64>, Array2<f64>) {
    let mut normal = || {
        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let upper = n / 2;
    let mut x = Array2::zeros((n, 2));
    let mut y = Array2::zeros((n, 1));
    for i in 0..n {
        let (part, count) = if i < upper { (i, upper) } else { (i - upper, n - upper) };
        let t = std::f64::consts::PI * part as f64 / (count - 1).max(1) as f64;
        let (px, py) = if i < upper { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
        x[(i, 0)] = px + noise * normal();
        x[(i, 1)] = py + noise * normal();
        y[(i, 0)] = f64::from(u8::from(i >= upper));
    }
    (x, y)
}

/// P(class 1) for every row of `x`.
fn probabilities(model: &mut Sequential<f32>, x: &Array2<f64>) -> Result<Array2<f64>, Box<dyn Error>> {
    let logits = model.predict(x.mapv(|v| v as f32).view())?;
    Ok(logits.mapv(|z| 1.0 / (1.0 + (-f64::from(z)).exp())))
}

/// The decision boundary: P(class 1) over a grid as a blue–red background, the 0.5 contour
/// where the colours meet, and the points (test points outlined in black).
fn plot(
    path: &std::path::Path,
    model: &mut Sequential<f32>,
    x: &Array2<f64>,
    y: &Array2<f64>,
    test: &[usize],
) -> Result<(), Box<dyn Error>> {
    let (lo, hi) = (x.fold_axis(Axis(0), f64::MAX, |a, &b| a.min(b)), x.fold_axis(Axis(0), f64::MIN, |a, &b| a.max(b)));
    let (x0, x1, y0, y1) = (lo[0] - 0.5, hi[0] + 0.5, lo[1] - 0.5, hi[1] + 0.5);
    const CELLS: usize = 64;
    let (dx, dy) = ((x1 - x0) / CELLS as f64, (y1 - y0) / CELLS as f64);
    let grid = Array2::from_shape_fn((CELLS * CELLS, 2), |(k, j)| {
        if j == 0 { x0 + (k % CELLS) as f64 * dx + dx / 2.0 } else { y0 + (k / CELLS) as f64 * dy + dy / 2.0 }
    });
    let p = probabilities(model, &grid)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("two moons: P(lower moon) and the decision boundary", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart.configure_mesh().disable_mesh().draw()?;
        let (blue, red) = (RGBColor(31, 119, 180), RGBColor(214, 39, 40));
        chart.draw_series((0..CELLS * CELLS).map(|k| {
            let (gx, gy) = (grid[(k, 0)] - dx / 2.0, grid[(k, 1)] - dy / 2.0);
            let q = p[(k, 0)];
            let tint = |a: u8, b: u8| (f64::from(a) * (1.0 - q) + f64::from(b) * q).round() as u8;
            let c = RGBColor(tint(blue.0, red.0), tint(blue.1, red.1), tint(blue.2, red.2)).mix(0.35);
            Rectangle::new([(gx, gy), (gx + dx, gy + dy)], c.filled())
        }))?;
        // The 0.5 contour: cell edges where the predicted class changes.
        let class = |k: usize| p[(k, 0)] >= 0.5;
        let mut edges = Vec::new();
        for k in 0..CELLS * CELLS {
            let (i, j) = (k % CELLS, k / CELLS);
            let (ex, ey) = (x0 + (i + 1) as f64 * dx, y0 + (j + 1) as f64 * dy);
            if i + 1 < CELLS && class(k) != class(k + 1) {
                edges.push(vec![(ex, ey - dy), (ex, ey)]);
            }
            if j + 1 < CELLS && class(k) != class(k + CELLS) {
                edges.push(vec![(ex - dx, ey), (ex, ey)]);
            }
        }
        chart.draw_series(edges.into_iter().map(|e| PathElement::new(e, BLACK.stroke_width(2))))?;
        let is_test: Vec<bool> = (0..x.nrows()).map(|i| test.contains(&i)).collect();
        chart.draw_series((0..x.nrows()).map(|i| {
            let c = if y[(i, 0)] >= 0.5 { red } else { blue };
            Circle::new((x[(i, 0)], x[(i, 1)]), 3, c.filled())
        }))?;
        chart.draw_series(
            (0..x.nrows())
                .filter(|&i| is_test[i])
                .map(|i| Circle::new((x[(i, 0)], x[(i, 1)]), 4, BLACK.stroke_width(1))),
        )?;
        root.present()?;
    }
    ndnet::files::write_atomic(path, svg.as_bytes())?;
    Ok(())
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    common::check("points", (10..=10_000_000).contains(&args.points), args.points, "10 to 10,000,000")?;
    common::check("noise", args.noise >= 0.0 && args.noise.is_finite(), args.noise, "≥ 0 and finite")?;
    common::check(
        "test-fraction",
        args.test_fraction > 0.0 && args.test_fraction < 1.0,
        args.test_fraction,
        "in (0, 1)",
    )?;
    common::check("epochs", args.epochs >= 1, args.epochs, "≥ 1")?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let (x, y) = moons(args.points, args.noise, &mut rng);
    let [_, test, train] = Split::indices(args.points, 0.0, args.test_fraction, args.seed)?;
    let part = |a: &Array2<f64>, rows: &[usize]| a.select(Axis(0), rows);
    let mut batches = Batches::new(part(&x, &train).mapv(|v| v as f32), part(&y, &train).mapv(|v| v as f32), 32)?;

    let mut model = Sequential::<f32>::mlp(&[2, 16, 16, 1], &mut rng)?;
    let mut optimizer = Adam::new(AdamConfig::pytorch(args.lr))?;
    let config = TrainerConfig::new(args.epochs).with_seed(args.seed).with_verbose(!args.quiet).with_progress(false);
    let mut trainer = Trainer::new(config)?;
    trainer.fit(&mut model, &BceWithLogits, &mut optimizer, &mut batches, None)?;

    let train_m = ClassMetrics::binary(&probabilities(&mut model, &part(&x, &train))?, &part(&y, &train));
    let test_m = ClassMetrics::binary(&probabilities(&mut model, &part(&x, &test))?, &part(&y, &test));
    say(format_args!("Train ({} points): {train_m}", train.len()))?;
    say(format_args!("Test ({} points): {test_m}", test.len()))?;
    common::create_dir(&args.out)?;
    let path = args.out.join("moons.svg");
    plot(&path, &mut model, &x, &y, &test)?;
    say(format_args!("Wrote the decision boundary to {}", path.display()))
}

fn main() {
    common::finish(run(common::parse()));
}
