//! Sweeps: many independent training runs (optimizer × learning rate × seed), on every core of
//! one machine or split into shards that a batch scheduler runs on many (a Slurm job array, a
//! Kubernetes indexed Job, GNU parallel), merged afterwards. No cluster code of our own: a shard
//! is a process that writes a folder, and the merge reads the folders.
//!
//! Runs are independent and deterministic, and results are kept in job order, so every output
//! is byte-identical for any thread count and any sharding.
//!
//! ```
//! use ndnet_sweep::{Shard, SweepJob, SweepRun, merge_shards, run_sweep, write_shard};
//! let jobs: Vec<SweepJob> = (0..5).map(|seed| SweepJob { optimizer: "sgd".into(), lr: 0.1, seed }).collect();
//! // A stand-in for training: any deterministic function of the job.
//! let train = |job: &SweepJob| SweepRun::new(job.clone(), vec![1.0 / (job.seed + 1) as f64], vec![0.5], 0.0);
//! let all = run_sweep(&jobs, 2, train);
//! let dir = std::env::temp_dir().join(format!("ndnet-sweep-doc-{}", std::process::id()));
//! let mut dirs = Vec::new();
//! for index in 1..=2 {
//!     let shard = Shard::new(index, 2).unwrap();
//!     let out = dir.join(format!("shard{index}"));
//!     write_shard(&out, shard, &jobs, &serde_json::json!({"epochs": 1}), &run_sweep(&shard.jobs(&jobs), 1, train)).unwrap();
//!     dirs.push(out);
//! }
//! let merged = merge_shards(&dirs, &jobs, &serde_json::json!({"epochs": 1})).unwrap();
//! assert_eq!(merged, all.iter().map(|r| r.without_time()).collect::<Vec<_>>());
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{config, io};
use crate::{Result, SweepError};
use ndnet_files::write_atomic;

/// One training run: the optimizer (by the program's name for it), learning rate and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepJob {
    /// The program's name for the optimizer, e.g. `rmsprop-pytorch`.
    pub optimizer: String,
    /// Learning rate.
    pub lr: f64,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
}

/// What one run produced: its loss per epoch (a diverged run's curves end in infinity) and its
/// wall time, which no output file contains (it is the one thing that differs between runs).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRun {
    /// The job.
    pub job: SweepJob,
    /// Training loss per epoch.
    pub train: Vec<f64>,
    /// Validation loss per epoch.
    pub val: Vec<f64>,
    /// Wall time of the run in seconds.
    pub seconds: f64,
}

impl SweepRun {
    /// A run's results.
    pub fn new(job: SweepJob, train: Vec<f64>, val: Vec<f64>, seconds: f64) -> Self {
        SweepRun { job, train, val, seconds }
    }

    /// The same run with its wall time set to 0 (for comparing results).
    pub fn without_time(&self) -> Self {
        SweepRun { seconds: 0.0, ..self.clone() }
    }
}

/// Runs `train` on every job on a pool of `threads` threads (at least 1); results come back in
/// job order whatever the thread count, and each is the same as the job run alone.
///
/// # Panics
/// When the thread pool cannot be started (the OS refuses threads).
#[track_caller]
pub fn run_sweep<T: Send>(jobs: &[SweepJob], threads: usize, train: impl Fn(&SweepJob) -> T + Sync) -> Vec<T> {
    run_parallel(jobs, threads, train)
}

/// Runs `work` on every item of `jobs` on a pool of `threads` threads (at least 1); results
/// come back in the items' order whatever the thread count (cross-validation folds, sweeps).
///
/// ```
/// let squares = ndnet_sweep::run_parallel(&[1, 2, 3], 2, |&k| k * k);
/// assert_eq!(squares, [1, 4, 9]);
/// ```
///
/// # Panics
/// When the thread pool cannot be started (the OS refuses threads).
#[track_caller]
pub fn run_parallel<J: Sync, T: Send>(jobs: &[J], threads: usize, work: impl Fn(&J) -> T + Sync) -> Vec<T> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build().expect("start the threads");
    pool.install(|| jobs.par_iter().map(&work).collect())
}

/// The `index`-th of `count` parts of a sweep (1-based, as `--shard 2/3` and as Slurm's
/// `--array=1-3` number them). Jobs are dealt round-robin, so every part gets every optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1 … count.
    pub index: usize,
    /// Number of parts, ≥ 1.
    pub count: usize,
}

impl Shard {
    /// Part `index` of `count`; errors unless 1 ≤ index ≤ count.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index == 0 || index > count {
            return Err(config("shard", format!("{index}/{count}"), "I/N with 1 ≤ I ≤ N"));
        }
        Ok(Shard { index, count })
    }

    /// This part's jobs, in sweep order.
    pub fn jobs(&self, all: &[SweepJob]) -> Vec<SweepJob> {
        all.iter().enumerate().filter(|(i, _)| i % self.count == self.index - 1).map(|(_, j)| j.clone()).collect()
    }
}

impl FromStr for Shard {
    type Err = SweepError;

    /// Parses `I/N`.
    fn from_str(s: &str) -> Result<Self> {
        let parsed = s.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) => Shard::new(index, count),
            None => Err(config("shard", s, "I/N with 1 ≤ I ≤ N")),
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Every epoch of every run as CSV (`optimizer,lr,seed,epoch,train_loss,val_loss`), in job
/// order; each number is written as the shortest text that reads back to the same bits.
pub fn curves_csv(runs: &[SweepRun]) -> String {
    let mut csv = String::from("optimizer,lr,seed,epoch,train_loss,val_loss\n");
    for r in runs {
        for (e, (t, v)) in r.train.iter().zip(&r.val).enumerate() {
            csv.push_str(&format!("{},{},{},{},{t},{v}\n", r.job.optimizer, r.job.lr, r.job.seed, e + 1));
        }
    }
    csv
}

/// What a shard folder holds beside its `curves.csv`.
#[derive(Debug, Serialize, Deserialize)]
struct ShardInfo {
    shard: Shard,
    /// The whole sweep's jobs and the settings that shape every run's results: a merge checks
    /// that every shard belongs to the same sweep.
    sweep: Vec<SweepJob>,
    settings: serde_json::Value,
    /// Wall time of each of this shard's runs (for the summary; never in an output file).
    seconds: Vec<f64>,
    /// The fingerprint of the shard's `curves.csv` as written: a merge refuses an edited or
    /// truncated file.
    curves: String,
}

/// Writes one shard's runs to `dir` (created if missing): `curves.csv` and `shard.json`, which
/// records the whole sweep and `settings` (whatever else shapes the results: epochs, data, …).
pub fn write_shard(
    dir: &Path,
    shard: Shard,
    sweep: &[SweepJob],
    settings: &serde_json::Value,
    runs: &[SweepRun],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let curves = curves_csv(runs);
    let mut hash = ndnet_files::Fnv::new();
    hash.eat(curves.as_bytes());
    write_atomic(&dir.join("curves.csv"), curves.as_bytes())?;
    let seconds = runs.iter().map(|r| r.seconds).collect();
    let info = ShardInfo { shard, sweep: sweep.to_vec(), settings: settings.clone(), seconds, curves: hash.hex() };
    let json = serde_json::to_vec_pretty(&info).map_err(|e| config("shard.json", e, "serialisable"))?;
    Ok(write_atomic(&dir.join("shard.json"), &json)?)
}

/// Reads the shard folders `dirs` of the sweep `sweep` with `settings` and returns every run in
/// job order, as one process running the whole sweep would have returned them.
///
/// Errors name the folder: a missing or unreadable file, a shard of another sweep (other jobs or
/// settings), a shard given twice, a missing shard, a shard whose curves do not match its jobs.
pub fn merge_shards(dirs: &[PathBuf], sweep: &[SweepJob], settings: &serde_json::Value) -> Result<Vec<SweepRun>> {
    let mut runs: Vec<Option<SweepRun>> = vec![None; sweep.len()];
    let mut seen: Vec<Shard> = Vec::new();
    for dir in dirs {
        let bad = |message: String| SweepError::Shard { path: dir.clone(), line: None, message };
        let info_path = dir.join("shard.json");
        let info: ShardInfo = serde_json::from_slice(&std::fs::read(&info_path).map_err(io(&info_path))?)
            .map_err(|e| bad(format!("shard.json is not a shard description: {e}")))?;
        if info.sweep != sweep || info.settings != *settings {
            return Err(bad("this shard belongs to another sweep: pass the same flags as the shards had".into()));
        }
        if seen.contains(&info.shard) || seen.first().is_some_and(|s| s.count != info.shard.count) {
            return Err(bad(format!("shard {} given twice, or with another shard count", info.shard)));
        }
        seen.push(info.shard);
        let jobs: Vec<usize> = (0..sweep.len()).filter(|i| i % info.shard.count == info.shard.index - 1).collect();
        let curves_path = dir.join("curves.csv");
        let mut hash = ndnet_files::Fnv::new();
        hash.eat(&std::fs::read(&curves_path).map_err(io(&curves_path))?);
        if hash.hex() != info.curves {
            return Err(bad(
                "curves.csv is not the file this shard wrote (edited or truncated): run the shard again".into()
            ));
        }
        let read = read_curves(&curves_path)?;
        if read.len() != jobs.len() || read.iter().zip(&jobs).any(|(r, &j)| r.job != sweep[j]) {
            return Err(bad(format!("curves.csv does not hold the runs of shard {}", info.shard)));
        }
        for ((mut run, &j), &seconds) in
            read.into_iter().zip(&jobs).zip(info.seconds.iter().chain(std::iter::repeat(&0.0)))
        {
            run.seconds = seconds;
            runs[j] = Some(run);
        }
    }
    let count = seen.first().map_or(0, |s| s.count);
    if let Some(missing) = (1..=count).find(|i| !seen.iter().any(|s| s.index == *i)).or((count == 0).then_some(1)) {
        return Err(config(
            "shards",
            format!("{} of {count} given (shard {missing} is missing)", seen.len()),
            "every shard once",
        ));
    }
    Ok(runs.into_iter().flatten().collect())
}

/// Parses a `curves.csv` written by [`curves_csv`] back into runs (wall times 0).
pub fn read_curves(path: &Path) -> Result<Vec<SweepRun>> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut runs: Vec<SweepRun> = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let bad = || SweepError::Shard {
            path: path.to_path_buf(),
            line: Some(n as u64 + 1),
            message: "not a curves.csv row".into(),
        };
        let f: Vec<&str> = line.split(',').collect();
        let [optimizer, lr, seed, epoch, train, val] = f[..] else { return Err(bad()) };
        let job = SweepJob {
            optimizer: optimizer.to_string(),
            lr: lr.parse().map_err(|_| bad())?,
            seed: seed.parse().map_err(|_| bad())?,
        };
        let (epoch, train, val): (usize, f64, f64) =
            (epoch.parse().map_err(|_| bad())?, train.parse().map_err(|_| bad())?, val.parse().map_err(|_| bad())?);
        match runs.last_mut() {
            Some(r) if r.job == job && epoch == r.train.len() + 1 => {
                r.train.push(train);
                r.val.push(val);
            }
            _ if epoch == 1 => runs.push(SweepRun::new(job, vec![train], vec![val], 0.0)),
            _ => return Err(bad()),
        }
    }
    Ok(runs)
}
