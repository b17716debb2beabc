//! The optim crate alone, no layers: minimise the Rosenbrock function
//! f(x, y) = (1 − x)² + 100·(y − x²)² from (−1.5, 2) with SGD-momentum and RMSprop, and print
//! how long each one's path is and how close it ends to the minimum at (1, 1).
//!
//! `cargo run --release --example rosenbrock [-- --steps N]`

use clap::Parser;
use ndnet::ndarray::{Array1, array};
use ndnet::optim::{Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};

mod common;
use common::say;

/// Minimise the Rosenbrock function with SGD-momentum and RMSprop.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Steps per optimizer, 1 to 10,000,000
    #[arg(long, default_value_t = 20_000)]
    steps: u64,
}

fn gradient(p: &Array1<f64>) -> Array1<f64> {
    let (x, y) = (p[0], p[1]);
    array![-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)]
}

fn value(p: &Array1<f64>) -> f64 {
    (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2)
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    common::check("steps", (1..=10_000_000).contains(&args.steps), args.steps, "1 to 10,000,000")?;
    let steps = args.steps;
    let runs: Vec<(&str, Box<dyn Optimizer<f64>>)> = vec![
        (
            "SGD (lr 2e-4, momentum 0.9)",
            Box::new(Sgd::new(SgdConfig::pytorch(2e-4).with_momentum(0.9)).expect("valid")),
        ),
        ("RMSprop (Keras preset, lr 1e-3)", Box::new(RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid"))),
        ("RMSprop (PyTorch preset, lr 1e-3)", Box::new(RmsProp::new(RmsPropConfig::pytorch(1e-3)).expect("valid"))),
    ];
    say(format_args!(
        "{:<36} {:>12} {:>14} {:>14} {:>16}",
        "optimizer", "path length", "distance to (1,1)", "f(x, y)", "steps to f<1e-3"
    ))?;
    for (name, mut opt) in runs {
        let mut p = array![-1.5, 2.0];
        let (mut length, mut reached) = (0.0, None);
        for step in 1..=steps {
            let before = p.clone();
            let mut g = gradient(&p);
            opt.step(&mut [(&mut p, &mut g)])?;
            length += (&p - &before).mapv(|d| d * d).sum().sqrt();
            if reached.is_none() && value(&p) < 1e-3 {
                reached = Some(step);
            }
        }
        let distance = ((p[0] - 1.0).powi(2) + (p[1] - 1.0).powi(2)).sqrt();
        let reached = reached.map_or("never".to_string(), |s| s.to_string());
        say(format_args!("{name:<36} {length:>12.4} {distance:>17.3e} {:>14.3e} {reached:>16}", value(&p)))?;
    }
    Ok(())
}

fn main() {
    common::finish(run(common::parse()));
}
