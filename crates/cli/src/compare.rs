//! `ndnet compare`: does RMSprop (or Adam) really converge faster than SGD on the housing
//! regressor? Every optimizer starts from the same initial weights and sees the same batch order
//! for a given seed; over several seeds; optionally each optimizer's learning rate is swept over
//! a grid and its best (lowest mean final validation loss) is kept, so no side is compared
//! untuned. Writes every curve to `curves.csv`, mean ± one standard deviation of the validation
//! loss to `compare.svg`, and prints a summary table. Shards (`--shard I/N`) split the sweep for
//! a batch scheduler; `--merge` joins them into the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use ndnet_charts::{Band, plot_bands};
use ndnet_data::{Prepared, Table, Task};
use ndnet_files::{RunFolder, write_atomic};
use ndnet_layers::Mse;
use ndnet_optim::OptimizerOptions;
use ndnet_sweep::{CurveStats, Shard, SweepJob, SweepRun, curves_csv, mean_sd, merge_shards, run_sweep, write_shard};
use ndnet_trainer::{Architecture, Batches, Trainer, TrainerConfig};

use crate::flags::DataFlags;
use crate::program::{Outcome, say};

/// Compare optimizers' loss curves on the housing regressor, fairly.
#[derive(Debug, Parser)]
#[command(version, about, allow_negative_numbers = true)]
#[command(mut_arg("missing", |a| a.default_value("error")))]
#[command(mut_arg("unknown_category", |a| a.default_value("error")))]
#[command(mut_arg("test_fraction", |a| a.default_value("0.15")))]
pub struct CompareArgs {
    /// The table (the shipped housing table by default) and how it is prepared.
    #[command(flatten)]
    data: DataFlags,
    /// Optimizers, comma-separated [see --help for every entry]
    #[arg(long, value_delimiter = ',', default_value = "sgd,rmsprop,adam", long_help = entries_help())]
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
    /// Runs at once [default: one per core]; the outputs are the same for any number
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only part I of N of the sweep (1 ≤ I ≤ N) and write it to --out, to merge later
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Merge shard folders (written with --shard and the same other flags) into --out
    #[arg(long, num_args = 1.., value_name = "DIR")]
    merge: Option<Vec<PathBuf>>,
}

/// Trains the housing regressor for one job; returns its curves and, for a diverged run (part of
/// the answer: its curves end in infinity), a note.
fn train_once(p: &Prepared<f32>, job: &SweepJob, args: &CompareArgs) -> Result<(SweepRun, Option<String>), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let mut model = Architecture::mlp(p.train_x.ncols(), &[10], 1).build::<f32>(job.seed).map_err(|e| fail(&e))?;
    let mut opt = ndnet_optim::named::<f32>(&job.optimizer, job.lr).map_err(|e| fail(&e))?;
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), args.batch_size).map_err(|e| fail(&e))?;
    let config = TrainerConfig::new(args.epochs).with_seed(job.seed).with_verbose(false).with_progress(false);
    let mut trainer = Trainer::new(config).map_err(|e| fail(&e))?;
    let start = Instant::now();
    let result = trainer.fit(&mut model, &Mse, opt.as_mut(), &mut batches, Some((&p.val_x, &p.val_y)));
    let seconds = start.elapsed().as_secs_f64();
    let h = &trainer.history().epochs;
    let mut train: Vec<f64> = h.iter().map(|e| e.train_loss).collect();
    let mut val: Vec<f64> = h.iter().map(|e| e.val_loss.unwrap_or(f64::NAN)).collect();
    let note = result.err().map(|e| format!("note: {} lr {} seed {}: {e}", job.optimizer, job.lr, job.seed));
    if note.is_some() {
        train.resize(args.epochs as usize, f64::INFINITY);
        val.resize(args.epochs as usize, f64::INFINITY);
    }
    Ok((SweepRun::new(job.clone(), train, val, seconds), note))
}

fn entries_help() -> String {
    let entries = ndnet_optim::entry_names().join(", ");
    format!("Optimizers, comma-separated: {entries} (KIND alone is the kind's first preset)")
}

fn check_args(args: &CompareArgs) -> Outcome {
    args.data.check()?;
    crate::program::check("seeds", (1..=1000).contains(&args.seeds), args.seeds, "1 to 1000")?;
    crate::program::check("epochs", (1..=1_000_000).contains(&args.epochs), args.epochs, "1 to 1000000")?;
    crate::program::check("batch-size", args.batch_size >= 1, args.batch_size, "≥ 1")?;
    let jobs = args.jobs.unwrap_or(1);
    crate::program::check("jobs", (1..=1024).contains(&jobs), jobs, "1 to 1024")?;
    let t = args.target_loss;
    crate::program::check("target-loss", t.is_finite() && t > 0.0, t, "> 0 and finite")?;
    if let Some(grid) = &args.lr_grid
        && let Some((i, _)) = grid.iter().enumerate().find(|(i, lr)| grid[..*i].contains(lr))
    {
        return Err(format!("invalid --lr-grid: {} is given twice (its runs would be pooled)", grid[i]).into());
    }
    let lower: Vec<String> = args.optimizers.iter().map(|o| o.to_ascii_lowercase()).collect();
    if let Some((i, _)) = lower.iter().enumerate().find(|(i, o)| lower[..*i].contains(o)) {
        return Err(
            format!("invalid --optimizers: {} is given twice (its runs would be pooled)", args.optimizers[i]).into()
        );
    }
    for dir in args.merge.iter().flatten() {
        let inputs = [("--merge", dir.as_path())];
        crate::program::refuse_overwrite(&args.out, &inputs)?;
    }
    // The runs train in f32: a rate that is 0 or infinite there (1e-320, 1e39) is refused here,
    // by this flag's name, not by the optimizer's.
    let usable = |lr: f64| lr > 0.0 && lr.is_finite() && (lr as f32) > 0.0 && (lr as f32).is_finite();
    if let Some(&bad) = args.lr_grid.iter().flatten().find(|lr| !usable(**lr)) {
        crate::program::check("lr-grid", false, bad, "learning rates > 0 and finite as 32-bit floats")?;
    }
    if args.shard.is_some() && args.merge.is_some() {
        return Err("invalid --shard with --merge: allowed one of the two".into());
    }
    args.optimizers.iter().try_for_each(|name| ndnet_optim::named::<f32>(name, 0.01).map(drop).map_err(|e| e.into()))
}

/// Every (optimizer, learning rate, seed) of the sweep, in the order the outputs list them.
fn jobs(args: &CompareArgs) -> Vec<SweepJob> {
    let mut out = Vec::new();
    for name in &args.optimizers {
        let kind = name.split('-').next().unwrap_or(name);
        let default = vec![OptimizerOptions::new(kind).learning_rate().unwrap_or(0.01)];
        for &lr in args.lr_grid.as_ref().unwrap_or(&default) {
            out.extend((0..args.seeds).map(|seed| SweepJob { optimizer: name.clone(), lr, seed }));
        }
    }
    out
}

/// Each optimizer's best learning rate (lowest mean final validation loss) with its runs.
fn best_per_optimizer(runs: &[SweepRun]) -> Vec<(String, Vec<&SweepRun>)> {
    let mut best: Vec<(&str, f64, f64, Vec<&SweepRun>)> = Vec::new();
    for group in runs.chunk_by(|a, b| a.job.optimizer == b.job.optimizer && a.job.lr == b.job.lr) {
        let job = &group[0].job;
        let score = mean_sd(&group.iter().map(|r| *r.val.last().unwrap_or(&f64::INFINITY)).collect::<Vec<_>>()).0;
        let entry = (job.optimizer.as_str(), job.lr, score, group.iter().collect());
        match best.iter_mut().find(|b| b.0 == job.optimizer) {
            Some(b) if score < b.2 || b.2.is_nan() => *b = entry,
            Some(_) => {}
            None => best.push(entry),
        }
    }
    best.into_iter().map(|(name, lr, _, runs)| (format!("{name} (lr {lr})"), runs)).collect()
}

/// The summary: final losses and the epochs to reach `--target-loss`, mean ± sd over seeds.
fn summary(args: &CompareArgs, best: &[(String, Vec<&SweepRun>)]) -> Vec<[String; 4]> {
    best.iter()
        .map(|(label, runs)| {
            let last = |f: fn(&SweepRun) -> &Vec<f64>| {
                let (m, s) = mean_sd(&runs.iter().map(|r| *f(r).last().unwrap_or(&f64::NAN)).collect::<Vec<_>>());
                format!("{m:.4} ± {s:.4}")
            };
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
            [label.clone(), last(|r| &r.train), last(|r| &r.val), epochs]
        })
        .collect()
}

/// `curves.csv`, `compare.svg` and `summary.csv` (the same bytes for any --jobs or sharding)
/// into `dir`, then the table with wall times on stdout.
fn write_outputs(args: &CompareArgs, dir: &Path, runs: &[SweepRun]) -> Outcome {
    let best = best_per_optimizer(runs);
    let stats = |f: fn(&SweepRun) -> &Vec<f64>| -> Vec<CurveStats> {
        best.iter()
            .map(|(label, runs)| CurveStats::from_runs(label, &runs.iter().map(|r| f(r).clone()).collect::<Vec<_>>()))
            .collect()
    };
    let (train, val) = (stats(|r| &r.train), stats(|r| &r.val));
    fn bands(stats: &[CurveStats]) -> Vec<Band<'_>> {
        stats.iter().map(|c| Band { name: &c.name, mean: &c.mean, sd: &c.sd }).collect()
    }
    let (train_bands, val_bands) = (bands(&train), bands(&val));
    let titles = [
        format!("training MSE (standardised), mean ± 1 sd over {} seeds", args.seeds),
        format!("validation MSE (standardised), mean ± 1 sd over {} seeds", args.seeds),
    ];
    let panels = [(titles[0].as_str(), train_bands.as_slice()), (titles[1].as_str(), val_bands.as_slice())];
    // The plot first: it is what fails (nothing finite to draw), and then no old file is touched.
    plot_bands(&dir.join("compare.svg"), "loss", &panels)?;
    write_atomic(&dir.join("curves.csv"), curves_csv(runs).as_bytes())?;
    let rows = summary(args, &best);
    let target = format!("epochs to val≤{}", args.target_loss);
    let mut csv = format!("optimizer,final_train_loss,final_val_loss,{}\n", target.replace(',', ";"));
    rows.iter().for_each(|r| csv.push_str(&format!("{}\n", r.join(","))));
    write_atomic(&dir.join("summary.csv"), csv.as_bytes())?;
    say(format_args!(
        "{:<28} {:>20} {:>20} {target:>18} {:>12}",
        "optimizer (best lr)", "final train loss", "final val loss", "s per run"
    ))?;
    for ([label, train, val, epochs], (_, runs)) in rows.iter().zip(&best) {
        let secs = runs.iter().map(|r| r.seconds).sum::<f64>() / runs.len() as f64;
        // Merged shards from before wall times were kept have none: say so, not 0.000.
        let secs = if secs > 0.0 { format!("{secs:.3}") } else { "—".to_string() };
        say(format_args!("{label:<28} {train:>20} {val:>20} {epochs:>18} {secs:>12}"))?;
    }
    Ok(())
}

/// What shapes every run's results besides its job: shards must agree on it to be merged.
fn settings(args: &CompareArgs) -> serde_json::Value {
    let d = &args.data;
    serde_json::json!({
        "data": d.data, "target": d.target, "features": d.features,
        "epochs": args.epochs, "batch_size": args.batch_size, "split_seed": args.split_seed,
    })
}

/// Every file `ndnet compare` writes into its folder: a whole sweep's three, or a shard's two.
const OUTPUTS: &[&str] = &["curves.csv", "summary.csv", "compare.svg", "shard.json"];

/// Refuses an `--out` that holds the other kind of result: a shard's `curves.csv` would replace a
/// whole sweep's (hours of runs), and a whole sweep would replace a shard that a merge needs.
fn refuse_other_kind(args: &CompareArgs) -> Outcome {
    let holds = |name: &str| args.out.join(name).exists();
    let out = args.out.display();
    if args.shard.is_some() && (holds("summary.csv") || holds("compare.svg")) {
        return Err(format!(
            "invalid --out {out} for --shard: it holds a whole sweep's results (summary.csv, compare.svg); give the shard a folder of its own"
        )
        .into());
    }
    if args.shard.is_none() && holds("shard.json") {
        return Err(format!(
            "invalid --out {out}: it holds a shard (shard.json) that --merge reads; give the whole sweep a folder of its own"
        )
        .into());
    }
    Ok(())
}

/// Runs `ndnet compare`: its outputs appear in `--out` as a set, when the sweep is done.
pub fn run(args: CompareArgs) -> Outcome {
    check_args(&args)?;
    refuse_other_kind(&args)?;
    // Taken before hours of runs, not after: the lock, and a folder of this program's files.
    let folder = RunFolder::open(&args.out, OUTPUTS)?;
    let jobs = jobs(&args);
    if let Some(dirs) = &args.merge {
        let runs = merge_shards(dirs, &jobs, &settings(&args)).map_err(|e| match e {
            // The library names the shards; the program says which flag gave them.
            ndnet_sweep::SweepError::Config { name: "shards", value, allowed } => {
                format!("invalid --merge: {value}; allowed {allowed}").into()
            }
            e => Box::<dyn std::error::Error>::from(e),
        })?;
        write_outputs(&args, folder.path(), &runs)?;
        folder.commit()?;
        return say(format_args!("Wrote curves.csv, summary.csv and compare.svg to {}", args.out.display()));
    }
    let table = Table::from_csv(args.data.data_path())?;
    let config = args.data.pipeline_config()?.with_task(Some(Task::Regression));
    let (val, test) = (args.data.val_fraction, args.data.test_fraction);
    let prepared = Prepared::<f32>::from_table(&table, &config, val, test, args.split_seed)
        .map_err(crate::program::with_flag_hint)?;
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mine = args.shard.map_or_else(|| jobs.clone(), |s| s.jobs(&jobs));
    let mut runs = Vec::with_capacity(mine.len());
    for result in run_sweep(&mine, threads, |job| train_once(&prepared, job, &args)) {
        let (run, note) = result?;
        if let Some(note) = note {
            let _ = writeln!(std::io::stderr(), "{}", crate::program::one_line(&note));
        }
        runs.push(run);
    }
    match args.shard {
        Some(shard) => {
            write_shard(folder.path(), shard, &jobs, &settings(&args), &runs)?;
            folder.commit()?;
            say(format_args!("Wrote shard {shard} ({} of {} runs) to {}", runs.len(), jobs.len(), args.out.display()))
        }
        None => {
            write_outputs(&args, folder.path(), &runs)?;
            folder.commit()?;
            say(format_args!("Wrote curves.csv, summary.csv and compare.svg to {}", args.out.display()))
        }
    }
}
