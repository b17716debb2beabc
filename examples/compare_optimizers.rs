//! Does RMSprop (or Adam) really converge faster than SGD on the housing regressor? The same
//! sweep as `ndnet compare` (the code is `ndnet_cli::compare`): every optimizer from the same
//! initial weights and batch order per seed, over several seeds, optionally over a learning-rate
//! grid; `curves.csv`, `compare.svg` and a summary table.
//!
//! `cargo run --release --example compare_optimizers -- --help`

mod common;

fn main() {
    common::finish(ndnet_cli::compare::run(common::parse()));
}
