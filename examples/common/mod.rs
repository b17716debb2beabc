//! What the examples share: which file and columns to load when the user names none, and how a
//! program starts and ends (one-line errors, exit 1; quiet on a closed stdout).
#![allow(dead_code)]

use std::error::Error;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use ndnet::prelude::*;
use ndnet::trainer::{Setting, TrainError};

mod housing_features;
pub mod optimizers;
pub use housing_features::HOUSING_FEATURES;

/// `--data`, or the shipped `data/housing.csv` (relative to the working directory, else to the
/// repository).
pub fn data_path(data: Option<&Path>) -> PathBuf {
    if let Some(p) = data {
        return p.to_path_buf();
    }
    let local = PathBuf::from("data/housing.csv");
    if local.exists() { local } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("data/housing.csv") }
}

/// `--features`, or the ten in data/README.md for the shipped table, or (`None`) every column
/// but the target for any other file.
pub fn features(features: Option<&[String]>, data: Option<&Path>) -> Option<Vec<String>> {
    match (features, data) {
        (Some(f), _) => Some(f.to_vec()),
        (None, None) => Some(HOUSING_FEATURES.iter().map(|s| s.to_string()).collect()),
        (None, Some(_)) => None,
    }
}

/// Parses the command line; a bad one is a one-line `error: …` and exit 1 like every other bad
/// input (`--help` and `--version` print as usual and exit 0).
pub fn parse<A: Parser>() -> A {
    A::try_parse().unwrap_or_else(|e| {
        if !e.use_stderr() {
            let _ = e.print();
            std::process::exit(0);
        }
        let text = e.render().to_string();
        let line = text.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ");
        eprintln!("error: {line} (see --help)");
        std::process::exit(1)
    })
}

/// Prints a line on stdout; an error (a closed stdout) ends the program quietly in [`finish`].
pub fn say(line: fmt::Arguments<'_>) -> Result<(), Box<dyn Error>> {
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}

/// Whether `e` is a closed standard output (`| head`), which ends a program quietly.
fn is_broken_pipe(e: &(dyn Error + 'static)) -> bool {
    match (e.downcast_ref::<TrainError>(), e.downcast_ref::<std::io::Error>()) {
        (Some(t), _) => t.is_broken_pipe(),
        (_, Some(io)) => io.kind() == std::io::ErrorKind::BrokenPipe,
        _ => false,
    }
}

/// Ends the program: silently with 0 on success or a closed stdout, else one `error:` line and 1.
pub fn finish(result: Result<(), Box<dyn Error>>) {
    match result {
        Ok(()) => {}
        Err(e) if is_broken_pipe(e.as_ref()) => {}
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// Creates the output folder, with an error naming it.
pub fn create_dir(dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the output folder: {e}", dir.display()).into())
}

/// An error unless `ok`: `invalid --{flag} {value}: allowed {allowed}`.
pub fn check(flag: &str, ok: bool, value: impl fmt::Display, allowed: &str) -> Result<(), Box<dyn Error>> {
    if ok { Ok(()) } else { Err(format!("invalid --{flag} {value}: allowed {allowed}").into()) }
}

/// The model a run's metadata describes ([`Architecture`](ndnet::trainer::Architecture)), its
/// weights drawn from `seed`: the housing example builds it, the predict example rebuilds it for
/// the weights stored with it.
pub fn model_of(metadata: &ndnet::trainer::RunMetadata, seed: u64) -> Result<Sequential<f32>, Box<dyn Error>> {
    let architecture = metadata.architecture.as_ref().ok_or("the file stores no model architecture")?;
    Ok(architecture.build(seed)?)
}

/// Adds the example's flag to a library error that a setting would fix.
pub fn with_flag_hint(e: TrainError) -> Box<dyn Error> {
    let hint = match e.setting() {
        Some(Setting::Missing) => "--missing drop|mean|median",
        Some(Setting::MaxCategories) => "--max-categories N, or --features without it",
        Some(Setting::UnknownCategory) => "--unknown-category ignore",
        _ => return e.into(),
    };
    format!("{e} ({hint})").into()
}
