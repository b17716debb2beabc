//! Export parity: `ndnet export --onnx`, run by onnxruntime (`tools/onnx_check.py`), gives
//! `ndnet predict`'s predictions within 1e-5 relative on every row — a regression with a log
//! target, filled missing cells and normalised intervals; three classes with batch
//! normalisation, tanh and an embedded column, with prediction sets; two classes with a yes/no
//! column and leaky ReLU; TabM ensembles (full and mini) with piecewise-linear, periodic and PBLD
//! embeddings, robust scaling, pooled rare categories and a date column — and on rows unlike the
//! training rows (unseen categories, values and dates out of range, missing cells).
//!
//! The runtime comes from `NDNET_ONNX_PYTHON` (set by `.ci/run`), or a venv this test makes in the
//! target folder with `tools/onnx-venv` (which needs `python3` and the Python package registry).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    if let Ok(p) = std::env::var("NDNET_ONNX_PYTHON") {
        return p;
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("onnx-venv");
    let out =
        Command::new("bash").arg(repo().join("tools/onnx-venv")).arg(&venv).output().expect("run tools/onnx-venv");
    assert!(
        out.status.success(),
        "could not make the onnxruntime venv (python3 -m venv and pip install -r tools/onnx-requirements.txt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn ndnet(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ndnet")).args(args).output().expect("run ndnet");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ndnet {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

/// A table with numbers, text, yes/no, a date, a row number, a town with rare names, missing
/// cells and a target of each kind.
fn table(rows: usize) -> String {
    let mut s = String::from("id,x1,x2,colour,member,sold,town,price,bought,kind\n");
    for i in 0..rows {
        let x1 = ((i * 37) % 101) as f64 / 10.0;
        let x2 = ((i * 53) % 89) as f64 / 8.0;
        let colour = ["red", "green", "blue", "amber"][i % 4];
        let member = ["Yes", "no", "YES", "No"][i % 4];
        let price = 20.0 + 3.0 * x1 - 1.5 * x2 + if colour == "red" { 5.0 } else { 0.0 } + 0.3 * (i % 7) as f64;
        let bought = if x1 + (i % 3) as f64 > 6.0 { "yes" } else { "no" };
        let kind = ["small", "medium", "large"][usize::from(x1 > 3.5) + usize::from(x1 > 7.0)];
        let x2 = if i % 17 == 5 { "NA".to_string() } else { x2.to_string() };
        let colour = if i % 19 == 3 { "" } else { colour };
        let member = if i % 23 == 7 { "?" } else { member };
        let day = 1 + (i * 7) % 28;
        let sold = if i % 29 == 11 { String::new() } else { format!("2021-{:02}-{day:02}", 1 + i % 12) };
        let town = match i % 10 {
            0..=5 => "Albany".to_string(),
            6..=8 => "Troy".to_string(),
            _ => format!("Hamlet {i}"),
        };
        let id = i + 1;
        s.push_str(&format!("{id},{x1},{x2},{colour},{member},{sold},{town},{price},{bought},{kind}\n"));
    }
    // Rows unlike the training rows: an unseen category, values far out of range, missing cells,
    // a date after the training rows'.
    s.push_str(&format!("{},55,3,purple,yes,2030-05-05,Albany,30,no,large\n", rows + 1));
    s.push_str(&format!("{},-4,40,red,NA,2021-03-03,Nowhere,30,yes,small\n", rows + 2));
    s.push_str(&format!("{},5,,,,,,30,no,medium\n", rows + 3));
    s
}

/// Trains with `flags`, exports, predicts every row with `ndnet predict` and has onnxruntime
/// compare; returns the report line and the folder.
fn parity(name: &str, flags: &[&str]) -> (String, PathBuf) {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("onnx").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let csv = d.join("data.csv");
    std::fs::write(&csv, table(300)).unwrap();
    let (csv, run) = (csv.to_str().unwrap(), d.join("run"));
    let train =
        ["train", "--data", csv, "--out", run.to_str().unwrap(), "--epochs", "30", "--quiet", "--missing", "median"];
    ndnet(&[&train[..], flags].concat());
    let (model, onnx, predicted) = (run.join("weights.safetensors"), d.join("model.onnx"), d.join("predicted.csv"));
    let printed = ndnet(&["export", "--model", model.to_str().unwrap(), "--onnx", onnx.to_str().unwrap()]);
    assert!(printed.starts_with(&format!("Wrote {} (ONNX opset 17)", onnx.display())), "{printed}");
    ndnet(&["predict", "--model", model.to_str().unwrap(), "--data", csv, "--out", predicted.to_str().unwrap()]);
    let check = repo().join("tools/onnx_check.py");
    let out = Command::new(python())
        .args([check.to_str().unwrap(), onnx.to_str().unwrap(), csv, predicted.to_str().unwrap()])
        .output()
        .expect("run tools/onnx_check.py");
    let report = String::from_utf8_lossy(&out.stdout).trim().to_string();
    println!("{name}: {report}");
    assert!(out.status.success(), "{name}: {report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("\"rows\": 303"), "{report}");
    (report, d)
}

#[test]
fn a_regression_with_a_log_target_and_normalized_intervals_matches() {
    let flags = ["--target", "price", "--exclude", "bought,kind,sold", "--log-target", "--hidden", "16,8"];
    let (report, d) =
        parity("regression", &[&flags[..], &["--interval", "0.9", "--interval-score", "normalized"]].concat());
    assert!(report.contains("\"price_lower\"") && report.contains("\"price_upper\""), "{report}");
    readme_python_gives_the_predictions(&d);
}

/// The program guide's three lines of Python, run as written (the paths swapped for this model's), give
/// `ndnet predict`'s values.
fn readme_python_gives_the_predictions(d: &Path) {
    let readme = std::fs::read_to_string(repo().join("docs/program.md")).unwrap();
    let start = readme.find("From Python, with nothing of ndnet installed:").expect("the program guide's ONNX part");
    let block = &readme[start..];
    let code = &block[block.find("```python\n").unwrap() + 10..];
    let code = &code[..code.find("```").unwrap()];
    assert_eq!(code.lines().count(), 3, "three lines: {code}");
    let (onnx, data) = (d.join("model.onnx"), d.join("data.csv"));
    let script = code
        .replace("runs/housing.onnx", onnx.to_str().unwrap())
        .replace("data/odd_houses.csv", data.to_str().unwrap())
        + "print('\\n'.join(f'{float(p[0])!r},{float(l[0])!r},{float(u[0])!r}' for p, l, u in zip(price, lower, upper)))\n";
    let out = Command::new(python()).arg("-c").arg(&script).output().expect("run the guide's Python");
    assert!(out.status.success(), "{script}\n{}", String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read_to_string(d.join("predicted.csv")).unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.lines().count(), 303);
    for (got, want) in printed.lines().zip(expected.lines().skip(1)) {
        let got: Vec<f64> = got.split(',').map(|v| v.parse().unwrap()).collect();
        let want: Vec<f64> =
            want.rsplit(',').take(3).map(|v| v.parse().unwrap()).collect::<Vec<_>>().into_iter().rev().collect();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-5 * w.abs(), "{got:?} against {want:?}");
        }
    }
}

#[test]
fn three_classes_with_batch_norm_tanh_and_an_embedding_match() {
    let flags = ["--target", "kind", "--exclude", "price,bought", "--batch-norm", "--activation", "tanh"];
    let (report, _) = parity("classes", &[&flags[..], &["--embed-above", "3", "--interval", "0.9"]].concat());
    assert!(report.contains("\"probability_small\"") && report.contains("\"differing_sets\": 0"), "{report}");
}

#[test]
fn two_classes_with_a_yes_no_column_and_leaky_relu_match() {
    let flags = ["--target", "bought", "--exclude", "price,kind", "--activation", "leaky-relu", "--hidden", "8"];
    let (report, _) = parity("binary", &flags);
    assert!(report.contains("\"probability_yes\"") && report.contains("\"differing_labels\": 0"), "{report}");
}

#[test]
fn a_tabm_regression_with_piecewise_linear_embeddings_and_robust_numbers_matches() {
    let flags = ["--target", "price", "--exclude", "bought,kind", "--members", "4", "--hidden", "16,16"];
    let tabm = ["--numeric", "piecewise-linear", "--bins", "8", "--numbers", "robust", "--interval", "0.9"];
    let (report, _) = parity("tabm_regression", &[&flags[..], &tabm].concat());
    assert!(report.contains("\"price_lower\""), "{report}");
}

#[test]
fn three_classes_with_tabm_mini_periodic_embeddings_and_pooled_towns_match() {
    let flags = ["--target", "kind", "--exclude", "price,bought", "--members", "3", "--ensemble", "mini"];
    let more = ["--hidden", "12", "--numeric", "periodic-lite", "--min-frequency", "3", "--interval", "0.8"];
    let (report, _) = parity("tabm_mini_classes", &[&flags[..], &more, &["--label-smoothing", "0.1"]].concat());
    assert!(report.contains("\"differing_labels\": 0"), "{report}");
}

#[test]
fn two_classes_with_pbld_embeddings_and_an_embedded_pooled_town_match() {
    let flags = ["--target", "bought", "--exclude", "price,kind", "--members", "2", "--hidden", "8"];
    let more = ["--numeric", "pbld", "--embed-above", "2", "--min-frequency", "3", "--numbers", "robust"];
    parity("tabm_pbld_two_classes", &[&flags[..], &more].concat());
}

#[test]
fn a_regression_with_gelu_matches() {
    let flags = ["--target", "price", "--exclude", "bought,kind", "--activation", "gelu", "--hidden", "8"];
    let (report, _) = parity("gelu", &flags);
    assert!(report.contains("\"predicted_price\""), "{report}");
}
