//! The program on a table with a date-time, identifiers and rare categories: trained as a TabM
//! ensemble with piecewise-linear embeddings, the identifiers named and left out, predictions
//! from the model file alone, the date shown by `inspect`.

use std::path::Path;
use std::process::Command;

fn ndnet(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ndnet")).args(args).output().expect("run ndnet");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ndnet {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

fn sales(rows: usize) -> String {
    let mut s = String::from("id,code,sold,town,size,price\n");
    for i in 0..rows {
        let (month, day, hour) = (1 + i % 12, 1 + (i * 7) % 28, (i * 5) % 24);
        let town = if i % 10 == 9 { format!("Hamlet {i}") } else { ["Albany", "Troy"][i % 2].to_string() };
        let size = 50.0 + (i % 37) as f64;
        let price = 100.0 + 10.0 * (month as f64 * std::f64::consts::PI / 6.0).sin() + size + hour as f64;
        s.push_str(&format!(
            "{},K{:05},2021-{month:02}-{day:02} {hour:02}:30,{town},{size},{price}\n",
            i + 1,
            (i * 7919) % 100_000
        ));
    }
    s
}

#[test]
fn the_program_trains_and_predicts_a_table_with_dates_and_identifiers() {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("columns_program");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let csv = d.join("sales.csv");
    std::fs::write(&csv, sales(300)).unwrap();
    let (csv, out) = (csv.to_str().unwrap(), d.join("run"));
    let args = ["train", "--data", csv, "--target", "price", "--out", out.to_str().unwrap(), "--epochs", "20"];
    let tabm = ["--members", "4", "--hidden", "16", "--numeric", "piecewise-linear", "--min-frequency", "3"];
    let printed = ndnet(&[&args[..], &tabm].concat());
    assert!(printed.contains("Dates: `sold` read as days since 1970-01-01"), "{printed}");
    assert!(printed.contains("Identifiers left out: `id`, `code`"), "{printed}");
    let model = out.join("weights.safetensors");
    let predicted = d.join("predicted.csv");
    ndnet(&["predict", "--model", model.to_str().unwrap(), "--data", csv, "--out", predicted.to_str().unwrap()]);
    let text = std::fs::read_to_string(&predicted).unwrap();
    assert_eq!(text.lines().count(), 301);
    let inspected = ndnet(&["inspect", model.to_str().unwrap()]);
    assert!(
        inspected.contains("sold: date, as days since 1970-01-01 with its yearly, weekly and daily cycles"),
        "{inspected}"
    );
}
