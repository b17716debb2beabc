//! Does RMSprop (or Adam) really converge faster than SGD on the housing regressor? Every optimizer
//! starts from the same initial weights and sees the same batch order for a given seed; over
//! several seeds; optionally each optimizer's learning rate is swept over a grid and its best
//! (lowest mean final validation loss) is kept, so no side is compared untuned.
//!
//! Writes every curve to `curves.csv`, mean ± one standard deviation of the validation loss to
//! `compare.svg`, and prints a summary table.
//!
//! `cargo run --release --example compare_optimizers -- --help`

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

mod common;
use common::say;
use ndnet::prelude::*;
use ndnet::trainer::{CurveStats, mean_sd, plot_mean_sd, write_atomic};

/// Compare optimizers' loss curves on the housing regressor, fairly.
#[derive(Debug, Parser)]
#[command(version, about, allow_negative_numbers = true)]
struct Args {
    /// CSV file [default: the shipped data/housing.csv with its ten features]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Target column
    #[arg(long, default_value = "price")]
    target: String,
    /// Feature columns, comma-separated [default: the ten for the shipped table, else all others]
    #[arg(long, value_delimiter = ',')]
    features: Option<Vec<String>>,
    /// Optimizers, comma-separated: sgd, sgd-momentum, rmsprop (Keras 3 preset), rmsprop-pytorch,
    /// rmsprop-tf1, rmsprop-optax, rmsprop-textbook, adam (Keras 3), adam-pytorch, adam-optax,
    /// adamw (Keras 3), adamw-pytorch, adamw-optax
    #[arg(long, value_delimiter = ',', default_value = "sgd,rmsprop,adam")]
    optimizers: Vec<String>,
    /// Learning rates to sweep for every optimizer (best by mean final validation loss)
    /// [default: no sweep; 0.01 for SGD, 0.001 for the others]
    #[arg(long, value_delimiter = ',')]
    lr_grid: Option<Vec<f64>>,
    /// Seeds (initial weights and batch order), 1 to 1000
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Epochs per run, ≥ 1
    #[arg(long, default_value_t = 100)]
    epochs: u64,
    /// Mini-batch size, ≥ 1
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Seed of the train/validation/test split (the same for every run)
    #[arg(long, default_value_t = 42)]
    split_seed: u64,
    /// Validation loss (standardised units) whose first crossing is reported
    #[arg(long, default_value_t = 0.5)]
    target_loss: f64,
    /// Output folder (created if missing)
    #[arg(long, default_value = "runs/compare")]
    out: PathBuf,
}

/// One run's curves.
struct Run {
    train: Vec<f64>,
    val: Vec<f64>,
    seconds: f64,
}

fn train_once(p: &Prepared<f32>, name: &str, lr: f64, seed: u64, args: &Args) -> Result<Run, Box<dyn Error>> {
    let mut model = Sequential::mlp(&[p.train_x.ncols(), 10, 1], &mut ChaCha8Rng::seed_from_u64(seed))?;
    let mut opt = common::optimizers::named(name, lr)?;
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), args.batch_size)?;
    let mut trainer =
        Trainer::new(TrainerConfig::new(args.epochs).with_seed(seed).with_verbose(false).with_progress(false))?;
    let start = Instant::now();
    let result = trainer.fit(&mut model, &Mse, opt.as_mut(), &mut batches, Some((&p.val_x, &p.val_y)));
    let seconds = start.elapsed().as_secs_f64();
    let h = &trainer.history().epochs;
    let mut run = Run {
        train: h.iter().map(|e| e.train_loss).collect(),
        val: h.iter().map(|e| e.val_loss.unwrap_or(f64::NAN)).collect(),
        seconds,
    };
    if let Err(e) = result {
        // A diverged run is part of the answer: its curve ends in infinity.
        eprintln!("note: {name} lr {lr} seed {seed}: {e}");
        run.train.resize(args.epochs as usize, f64::INFINITY);
        run.val.resize(args.epochs as usize, f64::INFINITY);
    }
    Ok(run)
}

fn check_args(args: &Args) -> Result<(), Box<dyn Error>> {
    common::check("seeds", (1..=1000).contains(&args.seeds), args.seeds, "1 to 1000")?;
    common::check("epochs", args.epochs >= 1, args.epochs, "≥ 1")?;
    common::check("batch-size", args.batch_size >= 1, args.batch_size, "≥ 1")?;
    if let Some(bad) = args.lr_grid.iter().flatten().find(|lr| !(**lr > 0.0 && lr.is_finite())) {
        common::check("lr-grid entry", false, bad, "> 0 and finite")?;
    }
    args.optimizers.iter().try_for_each(|name| common::optimizers::named(name, 0.01).map(drop))
}

/// One training run of the sweep.
struct Job<'a> {
    optimizer: &'a str,
    lr: f64,
    seed: u64,
}

/// Every (optimizer, learning rate, seed) of the sweep, in the order the outputs list them.
fn jobs(args: &Args) -> Vec<Job<'_>> {
    let mut out = Vec::new();
    for name in &args.optimizers {
        let default = vec![common::optimizers::default_lr(name.split('-').next().unwrap_or(name))];
        for &lr in args.lr_grid.as_ref().unwrap_or(&default) {
            out.extend((0..args.seeds).map(|seed| Job { optimizer: name, lr, seed }));
        }
    }
    out
}

/// Each optimizer's best learning rate (lowest mean final validation loss) with its runs.
fn best_per_optimizer<'a>(jobs: &[Job<'a>], runs: &'a [Run]) -> Vec<(String, Vec<&'a Run>)> {
    let mut best: Vec<(&str, f64, f64, Vec<&Run>)> = Vec::new();
    for group in
        jobs.iter().zip(runs).collect::<Vec<_>>().chunk_by(|a, b| a.0.optimizer == b.0.optimizer && a.0.lr == b.0.lr)
    {
        let (job, group_runs): (&Job<'_>, Vec<&Run>) = (group[0].0, group.iter().map(|(_, r)| *r).collect());
        let score = mean_sd(&group_runs.iter().map(|r| *r.val.last().unwrap_or(&f64::INFINITY)).collect::<Vec<_>>()).0;
        match best.iter_mut().find(|b| b.0 == job.optimizer) {
            Some(b) if score < b.2 || b.2.is_nan() => *b = (job.optimizer, job.lr, score, group_runs),
            Some(_) => {}
            None => best.push((job.optimizer, job.lr, score, group_runs)),
        }
    }
    best.into_iter().map(|(name, lr, _, runs)| (format!("{name} (lr {lr})"), runs)).collect()
}

/// `curves.csv`: every epoch of every run.
fn curves_csv(jobs: &[Job<'_>], runs: &[Run]) -> String {
    let mut csv = String::from("optimizer,lr,seed,epoch,train_loss,val_loss\n");
    for (job, r) in jobs.iter().zip(runs) {
        for (e, (t, v)) in r.train.iter().zip(&r.val).enumerate() {
            csv.push_str(&format!("{},{},{},{},{t},{v}\n", job.optimizer, job.lr, job.seed, e + 1));
        }
    }
    csv
}

/// The summary table: final losses and the epochs to reach `--target-loss`, mean ± sd over seeds.
fn print_summary(args: &Args, best: &[(String, Vec<&Run>)]) -> Result<(), Box<dyn Error>> {
    let target = format!("epochs to val≤{}", args.target_loss);
    say(format_args!(
        "{:<28} {:>20} {:>20} {target:>18} {:>12}",
        "optimizer (best lr)", "final train loss", "final val loss", "s per run"
    ))?;
    for (label, runs) in best {
        let last = |f: fn(&Run) -> &Vec<f64>| {
            mean_sd(&runs.iter().map(|r| *f(r).last().unwrap_or(&f64::NAN)).collect::<Vec<_>>())
        };
        let ((tm, ts), (vm, vs)) = (last(|r| &r.train), last(|r| &r.val));
        let reached: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.val.iter().position(|&v| v <= args.target_loss).map(|e| (e + 1) as f64))
            .collect();
        let epochs = if reached.len() == runs.len() {
            let (m, s) = mean_sd(&reached);
            format!("{m:.1} ± {s:.1}")
        } else {
            format!("{}/{} runs reach it", reached.len(), runs.len())
        };
        let secs = runs.iter().map(|r| r.seconds).sum::<f64>() / runs.len() as f64;
        let (train, val) = (format!("{tm:.4} ± {ts:.4}"), format!("{vm:.4} ± {vs:.4}"));
        say(format_args!("{label:<28} {train:>20} {val:>20} {epochs:>18} {secs:>12.3}"))?;
    }
    Ok(())
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    check_args(&args)?;
    let data_path = common::data_path(args.data.as_deref());
    let features = common::features(args.features.as_deref(), args.data.as_deref());
    let data = Dataset::from_csv(&data_path, &args.target, features.as_deref())?;
    let prepared = Prepared::<f32>::new(&data, 0.15, 0.15, args.split_seed, Standardize::All)?;
    common::create_dir(&args.out)?;

    let jobs = jobs(&args);
    let runs =
        jobs.iter().map(|j| train_once(&prepared, j.optimizer, j.lr, j.seed, &args)).collect::<Result<Vec<_>, _>>()?;
    let best = best_per_optimizer(&jobs, &runs);
    write_atomic(&args.out.join("curves.csv"), curves_csv(&jobs, &runs).as_bytes())?;
    let stats = |f: fn(&Run) -> &Vec<f64>| -> Vec<CurveStats> {
        best.iter()
            .map(|(label, runs)| CurveStats::from_runs(label, &runs.iter().map(|r| f(r).clone()).collect::<Vec<_>>()))
            .collect()
    };
    let (train, val) = (stats(|r| &r.train), stats(|r| &r.val));
    let panels = [
        (format!("training MSE (standardised), mean ± 1 sd over {} seeds", args.seeds), &train),
        (format!("validation MSE (standardised), mean ± 1 sd over {} seeds", args.seeds), &val),
    ];
    let panels: Vec<(&str, &[CurveStats])> = panels.iter().map(|(t, c)| (t.as_str(), c.as_slice())).collect();
    plot_mean_sd(&args.out.join("compare.svg"), "loss", &panels)?;
    print_summary(&args, &best)?;
    say(format_args!("Wrote curves.csv and compare.svg to {}", args.out.display()))
}

fn main() {
    common::finish(run(common::parse()));
}
