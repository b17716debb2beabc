//! Real tables: missing values and text columns on a synthetic California-shaped table (made
//! here, nothing from outside), fitted on training rows only, and train → save → predict giving
//! exactly the in-process predictions.

#[path = "../examples/common/california.rs"]
mod california;
mod common;

use common::{example, text, tmp};
use ndnet::data::{Missing, PipelineConfig, Table, UnknownCategory};
use ndnet::layers::Sequential;
use ndnet::prelude::*;
use ndnet::trainer::{load_safetensors, predict_table, read_safetensors_metadata};

const TARGET: &str = "median_house_value";

fn table(rows: usize, seed: u64) -> (Table, String) {
    let csv = california::csv(rows, seed);
    (Table::from_csv_bytes(csv.as_bytes(), "california.csv".as_ref()).unwrap(), csv)
}

/// File lines (1-based, header = 1) whose `total_bedrooms` cell is missing.
fn missing_lines(csv: &str) -> Vec<u64> {
    let missing = |l: &str| matches!(l.split(',').nth(4), Some("") | Some("NA"));
    csv.lines().enumerate().skip(1).filter(|(_, l)| missing(l)).map(|(i, _)| i as u64 + 1).collect()
}

fn bedrooms(table: &Table, rows: &[usize]) -> Vec<f64> {
    let c = table.column("total_bedrooms").unwrap();
    rows.iter().filter_map(|&r| std::str::from_utf8(&table.raw(r, c)).unwrap().parse().ok()).collect()
}

#[test]
fn each_missing_value_policy() {
    let (t, csv) = table(800, 7);
    let missing = missing_lines(&csv);
    assert!(missing.len() >= 3, "the table has missing cells: {missing:?}");
    let prepare =
        |m: Missing| Prepared::<f64>::from_table(&t, &PipelineConfig::new(TARGET).with_missing(m), 0.15, 0.15, 1);

    let err = prepare(Missing::Error).unwrap_err().to_string();
    let first = format!("california.csv: line {}, column `total_bedrooms`: ", missing[0]);
    assert!(err.starts_with(&first) && err.contains("choose a missing-value policy: drop, mean or median"), "{err}");

    let dropped = prepare(Missing::Drop).unwrap();
    assert_eq!((dropped.summary.rows_read, dropped.summary.rows_dropped), (800, missing.len()));
    assert_eq!(
        dropped.split.train.len() + dropped.split.validation.len() + dropped.split.test.len(),
        800 - missing.len()
    );
    assert!(dropped.to_string_lines().contains(&format!("({} dropped for a missing value)", missing.len())));

    for (policy, stat) in [(Missing::Mean, mean as fn(Vec<f64>) -> f64), (Missing::Median, median)] {
        let p = prepare(policy).unwrap();
        let expected = stat(bedrooms(&t, &p.rows.train)); // from the training rows alone
        let (column, n, fill) = &p.summary.filled[0];
        assert_eq!(
            (column.as_str(), *n, fill.map(f64::to_bits)),
            ("total_bedrooms", missing.len(), Some(expected.to_bits()))
        );
        // Every filled cell holds exactly that value, in every part.
        let col = p.pipeline.feature_names().iter().position(|n| n == "total_bedrooms").unwrap();
        let filled_rows = p.rows.test.iter().enumerate().filter(|(_, r)| missing.contains(&t.line(**r)));
        for (i, _) in filled_rows {
            assert_eq!(p.split.test.x[(i, col)].to_bits(), expected.to_bits());
        }
    }
}

fn mean(v: Vec<f64>) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

trait Lines {
    fn to_string_lines(&self) -> String;
}

impl Lines for Prepared<f64> {
    fn to_string_lines(&self) -> String {
        self.summary.to_string()
    }
}

#[test]
fn text_columns_are_one_hot_with_sorted_categories() {
    let (t, _) = table(800, 3);
    let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new(TARGET).with_missing(Missing::Median), 0.15, 0.15, 1)
        .unwrap();
    let names = p.pipeline.feature_names();
    let onehot: Vec<&str> = names.iter().filter_map(|n| n.strip_prefix("ocean_proximity=")).collect();
    let mut sorted = onehot.clone();
    sorted.sort();
    assert_eq!(onehot, sorted);
    assert!(onehot.contains(&"<1H OCEAN") && onehot.contains(&"NEAR BAY"), "{onehot:?}");
    // Every row has exactly one category set.
    let first = names.iter().position(|n| n.starts_with("ocean_proximity=")).unwrap();
    for row in p.split.train.x.rows() {
        let ones: f64 = (first..first + onehot.len()).map(|j| row[j]).sum();
        assert_eq!(ones, 1.0);
    }
    // Too many categories for the limit: an error naming the column and the count.
    let err = Prepared::<f64>::from_table(
        &t,
        &PipelineConfig::new(TARGET).with_missing(Missing::Median).with_max_categories(Some(2)),
        0.15,
        0.15,
        1,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "header: column `ocean_proximity` ({}) has more categories in the training rows than the limit of 2",
            onehot.len()
        )),
        "{err}"
    );
}

#[test]
fn fill_values_categories_and_scalers_come_from_training_rows_only() {
    let (t, csv) = table(600, 11);
    let config = PipelineConfig::new(TARGET).with_missing(Missing::Mean).with_unknown_category(UnknownCategory::Ignore);
    let before = Prepared::<f64>::from_table(&t, &config, 0.15, 0.15, 5).unwrap();
    // Change one test row beyond recognition: a huge bedroom count, a category never seen, a huge target.
    let line = t.line(before.rows.test[0]) as usize;
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
    (cells[4], cells[8], cells[9]) = ("999999".into(), "ON THE MOON".into(), "99999999".into());
    lines[line - 1] = cells.join(",");
    let changed = Table::from_csv_bytes((lines.join("\n") + "\n").as_bytes(), "changed.csv".as_ref()).unwrap();
    let after = Prepared::<f64>::from_table(&changed, &config, 0.15, 0.15, 5).unwrap();
    assert_eq!(before.rows, after.rows, "the same split");
    assert_eq!(before.pipeline, after.pipeline, "fill values, categories and scalers did not move");
    // The unknown category encodes as all zeros (ignored).
    let names = after.pipeline.feature_names();
    let onehot: Vec<usize> = (0..names.len()).filter(|&j| names[j].starts_with("ocean_proximity=")).collect();
    assert!(onehot.iter().all(|&j| after.split.test.x[(0, j)] == 0.0));
}

#[test]
fn unknown_categories_in_new_rows() {
    let (t, _) = table(500, 2);
    let config = PipelineConfig::new(TARGET).with_missing(Missing::Median);
    let p = Prepared::<f32>::from_table(&t, &config, 0.15, 0.15, 1).unwrap();
    let mut model =
        Sequential::<f32>::mlp(&[p.pipeline.input_width(), 4, 1], &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let new = "median_income,ocean_proximity,longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households\n\
               3.5,INLAND,-120,37,20,2000,400,1000,380\n\
               3.5,UNDERWATER,-120,37,20,2000,400,1000,380\n";
    let new = Table::from_csv_bytes(new.as_bytes(), "new.csv".as_ref()).unwrap();
    let err = predict_table(&mut model, &p.pipeline, &new).unwrap_err().to_string();
    let known = p.summary.categories[0].categories.join(", ");
    assert_eq!(
        err,
        format!(
            "new.csv: line 3, column `ocean_proximity`: unknown category \"UNDERWATER\" (the training rows have: {known}; or ignore unknown categories)"
        )
    );
    let ignoring =
        Prepared::<f32>::from_table(&t, &config.with_unknown_category(UnknownCategory::Ignore), 0.15, 0.15, 1).unwrap();
    let (x, _) = ignoring.pipeline.encode(&new, &[0, 1]).unwrap();
    let names = ignoring.pipeline.feature_names();
    let row_ones =
        |i: usize| (0..names.len()).filter(|&j| names[j].starts_with("ocean_proximity=") && x[(i, j)] == 1.0).count();
    assert_eq!((row_ones(0), row_ones(1)), (1, 0));
    assert_eq!(predict_table(&mut model, &ignoring.pipeline, &new).unwrap().nrows(), 2);
}

/// Runs the housing binary on `data`; returns (stdout, test R²).
fn housing(data: &std::path::Path, args: &[&str], out: &std::path::Path) -> (String, f64) {
    let run = example("housing")
        .arg("--data")
        .arg(data)
        .args(["--target", TARGET, "--quiet", "--out"])
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", text(&run.stderr));
    let r2 = stdout.split("R² ").nth(1).and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap();
    (stdout, r2)
}

#[test]
fn train_save_predict_gives_the_in_process_test_predictions_bit_for_bit() {
    let dir = tmp("tables-predict");
    let (t, csv) = table(1200, 9);
    let data = dir.join("california.csv");
    std::fs::write(&data, &csv).unwrap();
    let out = dir.join("run");
    housing(&data, &["--missing", "median", "--epochs", "5"], &out);

    // In process: the same preparation, the trained weights, the test rows.
    let weights = out.join("weights.safetensors");
    let meta = read_safetensors_metadata(&weights).unwrap();
    let config = PipelineConfig::new(TARGET).with_missing(Missing::Median);
    let p = Prepared::<f32>::from_table(&t, &config, 0.15, 0.15, 42).unwrap();
    assert_eq!(meta.pipeline.as_ref(), Some(&p.pipeline), "the stored pipeline is the one fitted here");
    let mut model = Sequential::mlp(&[p.pipeline.input_width(), 10, 1], &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    load_safetensors(&mut model, &weights).unwrap();
    let expected = p.predict_original(&mut model, &p.test_x).unwrap();

    // The test rows as a new file, without the target column (it may be absent).
    let lines: Vec<&str> = csv.lines().collect();
    let drop_target = |l: &str| l.rsplit_once(',').unwrap().0.to_string();
    let mut new = drop_target(lines[0]) + "\n";
    for &r in &p.rows.test {
        new += &(drop_target(lines[t.line(r) as usize - 1]) + "\n");
    }
    std::fs::write(dir.join("new.csv"), new).unwrap();
    for model_file in [weights, out.join("checkpoint.json")] {
        let predictions = dir.join("predictions.csv");
        let run = example("predict")
            .arg("--model")
            .arg(&model_file)
            .arg("--data")
            .arg(dir.join("new.csv"))
            .arg("--out")
            .arg(&predictions)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", text(&run.stderr));
        let written = std::fs::read_to_string(&predictions).unwrap();
        let got: Vec<f64> = written.lines().skip(1).map(|l| l.rsplit_once(',').unwrap().1.parse().unwrap()).collect();
        assert!(
            written.starts_with("longitude,")
                && written.lines().next().unwrap().ends_with(",predicted_median_house_value")
        );
        assert_eq!(got.len(), expected.nrows());
        for (g, e) in got.iter().zip(expected.column(0)) {
            assert_eq!(g.to_bits(), e.to_bits(), "{model_file:?}: {g} vs {e}");
        }
    }
}

#[test]
fn the_two_columns_that_needed_the_new_handling_carry_signal() {
    let dir = tmp("tables-r2");
    let (_, csv) = table(3000, 4);
    let data = dir.join("california.csv");
    std::fs::write(&data, &csv).unwrap();
    let (_, with) = housing(&data, &["--missing", "median", "--epochs", "30"], &dir.join("with"));
    let without_columns = "longitude,latitude,housing_median_age,total_rooms,population,households,median_income";
    let (_, without) = housing(&data, &["--features", without_columns, "--epochs", "30"], &dir.join("without"));
    println!("R² with total_bedrooms and ocean_proximity: {with}, without: {without}");
    assert!(with > without + 0.05, "with {with}, without {without}");
}

#[test]
fn a_column_with_nothing_to_fill_from_is_an_error_not_nan() {
    let csv = "y,a,b\n1,NA,2\n2,,3\n3,?,4\n4,null,5\n5,NA,6\n";
    let t = Table::from_csv_bytes(csv.as_bytes(), "empty.csv".as_ref()).unwrap();
    for missing in [Missing::Mean, Missing::Median] {
        let err = Prepared::<f64>::from_table(&t, &PipelineConfig::new("y").with_missing(missing), 0.0, 0.2, 1)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "empty.csv: column `a` has no values in the training rows to fill its missing cells from");
    }
}

#[test]
fn a_text_column_can_be_embedded_instead_of_one_hot() {
    use ndnet::trainer::{Architecture, Batches, Trainer, TrainerConfig};
    let (t, _) = table(1500, 4);
    let config = PipelineConfig::new(TARGET)
        .with_missing(Missing::Median)
        .with_unknown_category(UnknownCategory::Ignore)
        .with_embed_above(Some(3));
    let p = Prepared::<f32>::from_table(&t, &config, 0.15, 0.15, 1).unwrap();
    let names = p.pipeline.feature_names();
    assert_eq!(names.len(), 9, "eight numbers and one code, not five one-hot inputs: {names:?}");
    assert_eq!(names.last().unwrap(), "ocean_proximity (code)", "codes go last");
    let categories = p.summary.categories[0].categories.len(); // ISLAND is too rare to be in every split's training rows
    assert_eq!(p.pipeline.embedded(), [categories]);
    let scaler = p.pipeline.feature_scaler();
    assert_eq!((scaler.mean[8], scaler.scale[8]), (0.0, 1.0), "a code is not scaled");
    assert!(p.train_x.column(8).iter().all(|&c| c == c.round() && (0.0..categories as f32).contains(&c)));

    let arch = Architecture::mlp(9, &[16], 1).with_embeddings(p.pipeline.embedded(), 3);
    let mut model = arch.build::<f32>(0).unwrap();
    assert_eq!(model.kinds()[0], "Embedding");
    let mut opt = Adam::new(AdamConfig::pytorch(0.01)).unwrap();
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 64).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(15).with_verbose(false)).unwrap();
    trainer.fit(&mut model, &Mse, &mut opt, &mut batches, None).unwrap();
    let h = &trainer.history().epochs;
    assert!(
        h.last().unwrap().train_loss < 0.5 * h[0].train_loss,
        "{:?}",
        h.iter().map(|e| e.train_loss).collect::<Vec<_>>()
    );

    // An unknown category, ignored, is the code −1: the zero vector, a finite prediction.
    let new = "median_income,ocean_proximity,longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households\n\
               3.5,UNDERWATER,-120,37,20,2000,400,1000,380\n";
    let new = Table::from_csv_bytes(new.as_bytes(), "new.csv".as_ref()).unwrap();
    let (x, _) = p.pipeline.encode(&new, &[0]).unwrap();
    assert_eq!(x[(0, 8)], -1.0);
    assert!(predict_table(&mut model, &p.pipeline, &new).unwrap()[(0, 0)].is_finite());
}
