//! Writes a synthetic table shaped like the California housing table (20,640 districts, missing
//! `total_bedrooms` cells, the text column `ocean_proximity`), to try the housing example's
//! handling of missing values and text columns on it:
//!
//! ```text
//! cargo run --release --example california -- --out runs/california.csv
//! cargo run --release --example housing -- --data runs/california.csv --target median_house_value --missing median
//! ```

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;

#[path = "common/california.rs"]
mod california;
mod common;

/// Write a synthetic California-shaped housing table (seeded: the same bytes every time).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Where to write it
    #[arg(long, default_value = "runs/california.csv")]
    out: PathBuf,
    /// Rows, ≥ 10
    #[arg(long, default_value_t = 20_640)]
    rows: usize,
    /// Seed
    #[arg(long, default_value_t = 1990)]
    seed: u64,
}

fn run(args: Args) -> Result<(), Box<dyn Error>> {
    common::check("rows", args.rows >= 10, args.rows, "≥ 10")?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        common::create_dir(dir)?;
    }
    ndnet::files::write_atomic(&args.out, california::csv(args.rows, args.seed).as_bytes())?;
    common::say(format_args!("Wrote {} rows to {}", args.rows, args.out.display()))
}

fn main() {
    common::finish(run(common::parse()));
}
