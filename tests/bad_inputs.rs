//! The bad-input corpus (tests/bad_inputs/), through the library and the housing binary: every
//! bad input is one `error:` line naming the file (and line and column) or the flag and its
//! range, with exit code 1; odd but valid files load.

mod common;

use ndnet::serde_json;
use std::path::{Path, PathBuf};

use common::{assert_one_line_error, example, text, tmp};
use ndnet::data::Dataset;
use ndnet::layers::{DenseConfig, Relu, Sequential};
use ndnet::optim::{RmsProp, RmsPropConfig, Sgd, SgdConfig};
use ndnet::rand::SeedableRng;
use ndnet::trainer::{Checkpoint, load_safetensors};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs").join(name)
}

/// (file, what the one error line must contain).
const BAD_CSVS: [(&str, &str); 24] = [
    ("header_only.csv", "header_only.csv: the table has a header but no rows"),
    ("empty.csv", "empty.csv: line 1: no header"),
    ("blank_lines.csv", "blank_lines.csv: line 1: no header: the first line must name the columns"),
    ("duplicate_columns.csv", "duplicate_columns.csv: line 1: duplicate column name `a`"),
    ("text_in_numeric.csv", "text_in_numeric.csv: line 3, column `a`: \"abc\" is not a number"),
    ("empty_cell.csv", "empty_cell.csv: line 3, column `a`: the cell is empty"),
    ("whitespace_cell.csv", "whitespace_cell.csv: line 3, column `a`: the cell is empty"),
    ("nan.csv", "nan.csv: line 2, column `a`: missing value \"NaN\""),
    ("missing_marker.csv", "missing_marker.csv: line 3, column `a`: missing value \"N/A\""),
    ("inf.csv", "inf.csv: line 3, column `a`: \"inf\" is not a finite number"),
    ("neg_inf.csv", "neg_inf.csv: line 3, column `a`: \"-inf\" is not a finite number"),
    ("overflow.csv", "overflow.csv: line 3, column `a`: \"1e400\" is not a finite number"),
    ("ragged_long.csv", "ragged_long.csv: line 3: has 3 fields, the header has 2"),
    ("ragged_short.csv", "ragged_short.csv: line 3: has 2 fields, the header has 3"),
    ("single_row.csv", "single_row.csv: the target `price` is constant (1)"),
    ("constant_target.csv", "constant_target.csv: the target `price` is constant (5)"),
    ("non_utf8_chosen.csv", "non_utf8_chosen.csv: line 3, column `a`: the cell is not valid UTF-8"),
    ("unterminated_quote.csv", r#"unterminated_quote.csv: line 3, column `a`: "3\n3,4\n4,5" is not a number"#),
    ("hex_number.csv", "hex_number.csv: line 2, column `a`: \"0x10\" is not a number"),
    ("not_yes_no.csv", "not_yes_no.csv: line 4, column `a`: \"maybe\" is not a number"),
    ("semicolons.csv", "semicolons.csv: line 1: the header is one column holding `;`: the file looks separated by `;`"),
    ("gzip.csv", "gzip.csv: is gzip-compressed (decompress it first, e.g. gunzip), not a CSV text file"),
    ("utf16.csv", "utf16.csv: is UTF-16 text (save it as UTF-8), not a CSV text file"),
    ("cr_only_text.csv", "cr_only_text.csv: line 3, column `a`: \"abc\" is not a number"),
];

const GOOD_CSVS: [&str; 5] =
    ["bom.csv", "crlf.csv", "cr_only.csv", "non_utf8_unchosen.csv", "non_utf8_header_unchosen.csv"];

#[test]
fn bad_csvs_through_the_library() {
    for (file, want) in BAD_CSVS {
        let err = Dataset::from_csv(corpus(file), "price", Some(&["a"])).unwrap_err().to_string();
        assert!(err.contains(want), "{file}: {err:?} should contain {want:?}");
    }
    for file in GOOD_CSVS {
        let d = Dataset::from_csv(corpus(file), "price", Some(&["a"])).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            (d.len(), d.x.column(0).to_vec()),
            (3, vec![2.0, 4.0, if file.starts_with("non_utf8_h") { 5.0 } else { 7.0 }]),
            "{file}"
        );
    }
}

#[test]
fn bad_csvs_and_paths_through_the_binary() {
    let out = tmp("bad-csv");
    for (file, want) in BAD_CSVS {
        let run = example("housing")
            .arg("--data")
            .arg(corpus(file))
            .args(["--features", "a", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_one_line_error(file, &run, want);
    }
    for file in GOOD_CSVS {
        let run = example("housing")
            .arg("--data")
            .arg(corpus(file))
            .args(["--features", "a", "--epochs", "2", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{file}: {}", text(&run.stderr));
    }
    let cases: [(&[&str], &str); 6] = [
        (&["--data", "tests/bad_inputs/missing.csv"], "tests/bad_inputs/missing.csv: No such file"),
        (&["--data", "tests/bad_inputs"], "tests/bad_inputs: is a directory"),
        (&["--target", "nope"], "data/housing.csv: line 1: no column `nope`; the columns are: price, lotSize"),
        (
            &["--features", "lotSize,nope"],
            "data/housing.csv: line 1: no column `nope`; the columns are: price, lotSize",
        ),
        (
            &["--data", "data/housing.csv", "--max-categories", "2"],
            "data/housing.csv: header: columns `heating` (3), `fuel` (3), `sewer` (3) have more categories in the training rows than the limit of 2: embed them, raise the limit, or leave them out (--max-categories N, --embed-above N, or --exclude the column)",
        ),
        (&["--features", "price"], "data/housing.csv: line 1: `price` is both the target and a feature"),
    ];
    for (args, want) in cases {
        let run = example("housing").args(args).arg("--out").arg(&out).output().unwrap();
        assert_one_line_error(&format!("{args:?}"), &run, want);
    }
}

#[test]
fn bad_flags_name_the_flag_and_its_range() {
    let out = tmp("bad-flags");
    let cases: [(&[&str], &str); 20] = [
        (&["--lr", "0"], "invalid --lr 0: allowed > 0 and finite"),
        // Negative numbers are values, not flags: the range check speaks.
        (&["--lr", "-1"], "invalid --lr -1: allowed > 0 and finite"),
        (&["--eps", "-1"], "invalid --eps -1: allowed ≥ 0 and finite"),
        (&["--momentum", "-0.5"], "invalid --momentum -0.5: allowed in [0, 1)"),
        (&["--lr=-0.1"], "invalid --lr -0.1: allowed > 0 and finite"),
        (&["--lr", "NaN"], "invalid --lr NaN: allowed > 0 and finite"),
        (&["--lr", "inf"], "invalid --lr inf: allowed > 0 and finite"),
        (&["--rho", "1"], "invalid --rho 1: allowed in [0, 1)"),
        (&["--eps=-1e-8"], "invalid --eps -1e-8: allowed ≥ 0 and finite"),
        (&["--momentum", "1"], "invalid --momentum 1: allowed in [0, 1)"),
        (&["--batch-size", "0"], "invalid --batch-size 0: allowed 1 to 16777216"),
        (&["--epochs", "0"], "invalid --epochs 0: allowed 1 to 1000000"),
        (&["--hidden", "64,0"], "invalid --hidden 64,0: allowed widths 1 to 65536 separated by commas, or 0 for none"),
        (&["--hidden", "100000000000"], "invalid --hidden 100000000000: allowed widths 1 to 65536"),
        (
            &["--val-fraction", "0.6", "--test-fraction", "0.5"],
            "invalid --val-fraction plus --test-fraction 1.1: allowed < 1",
        ),
        (&["--val-fraction", "1"], "invalid --val-fraction 1: allowed in [0, 1)"),
        (&["--test-fraction=-0.1"], "invalid --test-fraction -0.1: allowed in [0, 1)"),
        (&["--checkpoint-every", "0"], "invalid --checkpoint-every 0: allowed ≥ 1"),
        (&["--lr", "100", "--optimizer", "sgd", "--epochs", "3"], "training diverged: the loss became"),
        (&["--init", "tests/bad_inputs/missing.safetensors"], "tests/bad_inputs/missing.safetensors: No such file"),
    ];
    for (args, want) in cases {
        let run = example("housing").args(args).arg("--out").arg(&out).output().unwrap();
        assert_one_line_error(&format!("{args:?}"), &run, want);
    }
    // The argument parser's own errors (unknown flags and values, bad numbers) are one line and
    // exit 1 like every other bad input.
    let parser_cases: [(&[&str], &str); 5] = [
        (&["--hidden", "-3"], "invalid --hidden -3: allowed widths 1 to 65536"),
        (&["--epochs", "many"], "invalid --epochs many: allowed a whole number (see --help)"),
        (
            &["--preset", "mxnet"],
            "invalid --preset mxnet: allowed for rmsprop one of keras, pytorch, tf1, optax, textbook",
        ),
        (&["--standardize", "some"], "invalid --standardize some: allowed one of none, features, all"),
        (&["--no-such-flag"], "unexpected argument '--no-such-flag' found (see --help)"),
    ];
    for (args, want) in parser_cases {
        let run = example("housing").args(args).output().unwrap();
        assert_one_line_error(&format!("{args:?}"), &run, want);
    }
}

/// A real checkpoint and weights file to break, from a 2-epoch run.
fn real_run() -> PathBuf {
    let out = tmp("real-run");
    let run = example("housing").args(["--epochs", "2", "--quiet", "--out"]).arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    out
}

#[test]
fn broken_checkpoints_and_weights() {
    let out = real_run();
    let ckpt = std::fs::read_to_string(out.join("checkpoint.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&ckpt).unwrap();
    let broken = tmp("broken");
    let write = |name: &str, bytes: &[u8]| {
        let p = broken.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // Edited as a file from before seals (no seal, no model format number), so that the checks
    // behind the seal are reached: a numbered format without its seal is refused as damaged.
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        v.as_object_mut().unwrap().remove(ndnet::files::SEAL_FIELD);
        v["metadata"].as_object_mut().unwrap().remove("format");
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (write("truncated.json", &ckpt.as_bytes()[..ckpt.len() / 2]), "invalid or truncated JSON"),
        (write("not_json.json", b"PK\x03\x04 zip?"), "invalid or truncated JSON"),
        (write("empty.json", b""), "invalid or truncated JSON"),
        (write("other_json.json", b"{\"hello\": 1}"), "not an ndnet checkpoint"),
        (
            write("version.json", &edit(&|v| v["version"] = 99.into())),
            "checkpoint version 99, this ndnet reads version 3",
        ),
        (
            write(
                "no_version.json",
                &edit(&|v| {
                    v.as_object_mut().unwrap().remove("version");
                }),
            ),
            "checkpoint version missing",
        ),
        (
            write("dtype.json", &edit(&|v| v["dtype"] = "f64".into())),
            "checkpoint holds f64 parameters, the model is f32",
        ),
        (
            write("names.json", &edit(&|v| v["params"][2][0] = "2.kernel".into())),
            "the model has `2.weight` of shape [10, 1], got `2.kernel`",
        ),
        (
            write("shapes.json", &edit(&|v| v["params"][0][1]["dim"] = serde_json::json!([5, 20]))),
            "got `0.weight` of shape [5, 20]",
        ),
        (
            write("data_len.json", &edit(&|v| v["params"][0][1]["dim"] = serde_json::json!([5, 5]))),
            "malformed checkpoint",
        ),
        (
            write(
                "shape_mismatch.json",
                &edit(&|v| {
                    v["params"][1][1]["dim"] = serde_json::json!([5]);
                    v["params"][1][1]["data"] = serde_json::json!([0.0, 0.0, 0.0, 0.0, 0.0]);
                }),
            ),
            "got `0.bias` of shape [5]",
        ),
        (
            write("kind.json", &edit(&|v| v["optimizer"]["kind"] = "Sgd".into())),
            "the saved state is for Sgd, this optimizer is RmsProp",
        ),
        (
            write(
                "state.json",
                &edit(&|v| {
                    v["optimizer"]["slots"][0]["buffers"].as_object_mut().unwrap().remove("square_avg");
                }),
            ),
            "buffer `square_avg` is missing",
        ),
        (write("lr.json", &edit(&|v| v["optimizer"]["learning_rate"] = (-1.0).into())), "invalid learning_rate = -1"),
    ];
    for (path, want) in &cases {
        // Through the binary …
        let run = example("housing")
            .args(["--epochs", "3", "--quiet", "--resume"])
            .arg(path)
            .arg("--out")
            .arg(tmp("resume-out"))
            .output()
            .unwrap();
        assert_one_line_error(&path.display().to_string(), &run, want);
        assert!(text(&run.stderr).contains(&path.display().to_string()), "names the file: {}", text(&run.stderr));
        // … and through the library.
        let mut model = model();
        let mut opt = RmsProp::<f32>::new(RmsPropConfig::keras(0.001)).unwrap();
        let err =
            Checkpoint::<f32>::load(path).and_then(|c| c.apply(path, &mut model, &mut opt)).unwrap_err().to_string();
        assert!(err.contains(want), "{}: {err:?} should contain {want:?}", path.display());
    }
    // The right checkpoint with the wrong optimizer.
    let mut sgd = Sgd::<f32>::new(SgdConfig::new(0.1)).unwrap();
    let err = Checkpoint::<f32>::load(&out.join("checkpoint.json"))
        .unwrap()
        .apply(&out.join("checkpoint.json"), &mut model(), &mut sgd)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the saved state is for RmsProp, this optimizer is Sgd"), "{err}");
    // The same file by another spelling of its path (and the same ten features, named) resumes.
    let absolute = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/data/housing.csv")).unwrap();
    let ten = "lotSize,age,landValue,livingArea,pctCollege,bedrooms,fireplaces,bathrooms,rooms,centralAir";
    let run = example("housing")
        .args(["--epochs", "3", "--quiet", "--features", ten, "--data"])
        .arg(&absolute)
        .arg("--resume")
        .arg(out.join("checkpoint.json"))
        .arg("--out")
        .arg(tmp("resume-absolute"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run = example("housing")
        .args(["--optimizer", "sgd", "--resume"])
        .arg(out.join("checkpoint.json"))
        .arg("--out")
        .arg(tmp("resume-sgd"))
        .output()
        .unwrap();
    // Only what differs is named (the refusal once printed every setting as JSON).
    assert_one_line_error(
        "resume with sgd",
        &run,
        "the checkpoint was made with other settings (optimizer: rmsprop in the checkpoint, sgd now); pass the same flags to resume",
    );

    // Weights: wrong dtype, wrong shape, not safetensors.
    let weights = std::fs::read(out.join("weights.safetensors")).unwrap();
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut m64 = Sequential::<f64>::new()
        .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).init(&mut rng).unwrap());
    let err = load_safetensors(&mut m64, &out.join("weights.safetensors")).unwrap_err().to_string();
    assert!(err.contains("tensor `0.weight` is F32, the model is f64"), "{err}");
    let cases: [(&[&str], Vec<u8>, &str); 3] = [
        (&["--hidden", "12"], weights.clone(), "tensor `0.weight` has shape [10, 10], the model has [10, 12]"),
        (&[], weights[..weights.len() / 3].to_vec(), "not a safetensors file"),
        (&[], b"garbage".to_vec(), "not a safetensors file"),
    ];
    for (i, (args, bytes, want)) in cases.into_iter().enumerate() {
        let path = write(&format!("w{i}.safetensors"), &bytes);
        let run =
            example("housing").args(args).arg("--init").arg(&path).arg("--out").arg(tmp("init-out")).output().unwrap();
        assert_one_line_error(&format!("weights {i}"), &run, want);
    }
}

fn model() -> Sequential<f32> {
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(1);
    Sequential::new()
        .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).init(&mut rng).unwrap())
}

/// The predict command's bad inputs: files that do not fit the trained model, and models that
/// cannot be used.
#[test]
fn bad_prediction_inputs() {
    let out = tmp("predict-train");
    let run = example("housing")
        .arg("--data")
        .arg(corpus("predict_train.csv"))
        .args(["--epochs", "2", "--quiet", "--val-fraction", "0", "--test-fraction", "0", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let weights = out.join("weights.safetensors");
    let predict = |model: &Path, data: &Path| {
        let to = tmp("predict-out").join("p.csv");
        example("predict").arg("--model").arg(model).arg("--data").arg(data).arg("--out").arg(to).output().unwrap()
    };
    let cases: [(&Path, PathBuf, &str); 6] = [
        (
            &weights,
            corpus("unknown_category.csv"),
            "unknown_category.csv: line 3, column `town`: unknown category \"Schenectady\" (the training rows have: Albany, Troy; or ignore unknown categories) (--unknown-category ignore)",
        ),
        (
            &weights,
            corpus("missing_feature.csv"),
            "missing_feature.csv: line 1: no column `a` (the model was trained on it); the columns are: town",
        ),
        (&weights, corpus("has_prediction.csv"), "has_prediction.csv: line 1: already has a column `predicted_price`"),
        (
            &weights,
            corpus("missing_in_new_row.csv"),
            "missing_in_new_row.csv: line 2, column `town`: the cell is empty; choose a missing-value policy: drop, mean or median",
        ),
        (&weights, corpus("missing.csv"), "missing.csv: No such file"),
        (
            Path::new("tests/bad_inputs/missing.safetensors"),
            corpus("predict_train.csv"),
            "missing.safetensors: No such file",
        ),
    ];
    for (model, data, want) in cases {
        assert_one_line_error(&format!("{}", data.display()), &predict(model, &data), want);
    }
    // A weights file without ndnet's metadata (written elsewhere) says so.
    let bare = tmp("bare").join("bare.safetensors");
    let m = Sequential::<f32>::new()
        .push(DenseConfig::new(3, 1).init(&mut ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap());
    ndnet::trainer::save_safetensors(&m, &Default::default(), &bare).unwrap();
    let run = predict(&bare, &corpus("predict_train.csv"));
    assert_one_line_error("bare weights", &run, "bare.safetensors: stores no preprocessing pipeline");
    // An --out that is an input (here spelled with a `./` detour) is refused and the file kept.
    let data = tmp("predict-self").join("rows.csv");
    std::fs::copy(corpus("predict_train.csv"), &data).unwrap();
    let before = (std::fs::read(&weights).unwrap(), std::fs::read(&data).unwrap());
    for (to, flag) in [(&weights, "--model"), (&data, "--data")] {
        let detour = to.parent().unwrap().join(".").join(to.file_name().unwrap());
        let run =
            example("predict").arg("--model").arg(&weights).arg("--data").arg(&data).arg("--out").arg(&detour).output();
        assert_one_line_error(flag, &run.unwrap(), &format!("is the {flag} file"));
    }
    assert_eq!(before, (std::fs::read(&weights).unwrap(), std::fs::read(&data).unwrap()));
}
