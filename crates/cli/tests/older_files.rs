//! Model files written before model descriptions (an MLP record in the metadata) still load:
//! `ndnet predict` gives the predictions the program that wrote them gave, to the last digit,
//! from the weights file and from the checkpoint; `inspect` and `export` read them too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/older_files").join(name)
}

fn ndnet(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ndnet")).args(args).output().expect("run ndnet");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ndnet {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

#[test]
fn an_older_weights_file_and_checkpoint_predict_the_same_bits() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("older_files");
    std::fs::create_dir_all(&dir).unwrap();
    let expected = std::fs::read_to_string(fixture("predictions.csv")).unwrap();
    for model in ["weights.safetensors", "checkpoint.json"] {
        let out = dir.join(format!("{model}.csv"));
        let (model, data) = (fixture(model), fixture("table.csv"));
        ndnet(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), expected, "{}", model.display());
    }
    let weights = fixture("weights.safetensors");
    let shown = ndnet(&["inspect", weights.to_str().unwrap()]);
    assert!(shown.contains("Embedding") && shown.contains("BatchNorm1d") && shown.contains("LeakyRelu"), "{shown}");
    let onnx = dir.join("older.onnx");
    ndnet(&["export", "--model", weights.to_str().unwrap(), "--onnx", onnx.to_str().unwrap()]);
    assert!(std::fs::metadata(&onnx).unwrap().len() > 1000);
}
