//! `cargo fuzz run csv`: the CSV loaders return Ok or Err for any bytes, never panic; and a table
//! that loads reads every cell the same way from its kept value as from its text (a number
//! kept as an f32 or f64 is the f64 its text reads as, bit for bit).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndnet_data::{Cell, Dataset, Table};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let p = Path::new("fuzz.csv");
    let _ = Dataset::from_csv_bytes(data, p, "y", None);
    let _ = Dataset::from_csv_bytes(data, p, "y", Some(&["a", "b"]));
    let Ok(table) = Table::from_csv_bytes(data, p) else { return };
    for row in 0..table.len() {
        for column in 0..table.header().len() {
            let text = table.raw(row, column);
            match (table.cell(row, column), Cell::parse(&text)) {
                (Ok(Cell::Number(a)), Ok(Cell::Number(b))) => assert_eq!(a.to_bits(), b.to_bits()),
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                (a, b) => assert_eq!(a.is_err(), b.is_err()),
            }
        }
    }
});
