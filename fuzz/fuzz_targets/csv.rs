//! `cargo fuzz run csv`: the CSV loader returns Ok or Err for any bytes, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndnet_data::Dataset;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let p = Path::new("fuzz.csv");
    let _ = Dataset::from_csv_bytes(data, p, "y", None);
    let _ = Dataset::from_csv_bytes(data, p, "y", Some(&["a", "b"]));
});
