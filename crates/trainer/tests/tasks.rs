//! The everyday paths of real tables: the task from the target, labels, yes/no columns that are
//! not, categories only validation or test rows have, each fold's pipeline on its own rows, and
//! prediction helpers for any output width.

use ndarray::{Array2, Axis};
use ndnet_data::{ColumnEncoder, Dataset, PipelineConfig, Prepared, SplitRows, Standardize, Table, Task};
use ndnet_layers::Sequential;
use ndnet_trainer::PredictOriginal;
use ndnet_trainer::predict_table;
use rand::SeedableRng;

fn table(csv: &str) -> Table {
    Table::from_csv_bytes(csv.as_bytes(), "t.csv".as_ref()).unwrap()
}

/// `rows` rows of `x,exposure,air,y` where `exposure` holds `No` among other words (as the Ames
/// table's `Bsmt_Exposure`) and `air` is all yes/no.
fn ames_like(rows: usize, target: impl Fn(usize) -> String) -> String {
    let mut s = String::from("x,exposure,air,y\n");
    for i in 0..rows {
        let exposure = ["No", "Av", "Gd", "Mn", "No_Basement"][i % 5];
        let air = if i % 3 == 0 { "Y" } else { "N" };
        let air = if air == "Y" { "Yes" } else { "no" };
        s.push_str(&format!("{},{exposure},{air},{}\n", i as f64 * 0.5, target(i)));
    }
    s
}

#[test]
fn a_column_is_yes_no_only_when_every_cell_is() {
    let t = table(&ames_like(50, |i| (i * 7 % 13).to_string() + ".5"));
    let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new("y"), 0.2, 0.2, 1).unwrap();
    let encoders = p.pipeline.encoders();
    assert!(
        matches!(&encoders[1], ColumnEncoder::OneHot { categories, .. } if categories.contains(&"No".to_string()) && categories.len() == 5),
        "{encoders:?}"
    );
    assert!(matches!(&encoders[2], ColumnEncoder::YesNo { .. }), "{encoders:?}");
    assert_eq!(p.pipeline.task(), Task::Regression);
}

#[test]
fn the_task_follows_from_the_target() {
    let task = |csv: String, task: Option<Task>| {
        let config = PipelineConfig::new("y").with_task(task);
        Prepared::<f64>::from_table(&table(&csv), &config, 0.2, 0.2, 1)
            .map(|p| (p.pipeline.task(), p.pipeline.labels().to_vec()))
    };
    let binary = task(ames_like(40, |i| (i % 2).to_string()), None).unwrap();
    assert_eq!(binary, (Task::Classification, vec!["0".to_string(), "1".to_string()]));
    let words = task(ames_like(40, |i| ["yes", "no"][i % 2].to_string()), None).unwrap();
    assert_eq!(words.1, ["no", "yes"]);
    let numeric_labels = task(ames_like(60, |i| ["10", "2", "1"][i % 3].to_string()), None).unwrap();
    assert_eq!(numeric_labels.1, ["1", "2", "10"], "labels that are numbers sort by value");
    assert_eq!(task(ames_like(40, |i| i.to_string()), None).unwrap().0, Task::Regression, "40 distinct whole numbers");
    assert_eq!(task(ames_like(40, |i| (i % 2).to_string()), Some(Task::Regression)).unwrap().0, Task::Regression);
    let text_regression = task(ames_like(40, |i| ["a", "b"][i % 2].to_string()), Some(Task::Regression));
    assert!(text_regression.unwrap_err().to_string().contains("is not a number (a text target is a classification)"));
}

#[test]
fn classes_are_never_standardised_and_the_split_is_stratified() {
    let csv = ames_like(100, |i| if i % 10 == 0 { "rare".into() } else { "common".into() });
    let p = Prepared::<f64>::from_table(&table(&csv), &PipelineConfig::new("y"), 0.2, 0.2, 3).unwrap();
    assert!(p.train_y.iter().all(|&c| c == 0.0 || c == 1.0), "class indices as they are");
    let rare = |y: &Array2<f64>| y.iter().filter(|&&c| c == 1.0).count();
    assert_eq!((rare(&p.train_y), rare(&p.val_y), rare(&p.split.test.y)), (6, 2, 2));
}

#[test]
fn a_category_only_test_rows_have_does_not_stop_training() {
    // `exposure` = "Unique" in one row only: wherever the split puts it outside training, training goes on.
    let mut csv = ames_like(60, |i| format!("{}.25", i % 17));
    csv.push_str("3.0,Unique,Yes,4.5\n");
    let t = table(&csv);
    for seed in 0..8 {
        let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new("y"), 0.2, 0.2, seed).unwrap();
        let in_training = p.rows.train.contains(&60);
        let counted: usize = p.summary.unknown.iter().map(|(_, n)| n).sum();
        assert_eq!(counted, usize::from(!in_training), "seed {seed}: {:?}", p.summary.unknown);
        if !in_training {
            assert!(
                p.summary.to_string().contains("Unseen: 1 validation or test cells of `exposure`"),
                "{}",
                p.summary
            );
        }
    }
}

#[test]
fn a_folds_pipeline_sees_only_its_own_training_rows() {
    let mut csv = ames_like(30, |i| format!("{}.5", i % 7));
    csv.push_str("1000.0,Elsewhere,Yes,2.5\n"); // row 30: an outlier with its own category
    let t = table(&csv);
    let config = PipelineConfig::new("y");
    let (kept, target, _) = Prepared::<f64>::target_of(&t, &config).unwrap();
    let rows = SplitRows {
        train: (0..20).collect(),
        validation: (20..25).collect(),
        test: vec![25, 26, 27, 28, 29, kept[30]],
    };
    let p = Prepared::<f64>::from_rows(&t, &config, target, rows, 0).unwrap();
    let mean: f64 = (0..20).map(|i| i as f64 * 0.5).sum::<f64>() / 20.0;
    assert_eq!(p.pipeline.feature_scaler().mean[0], mean, "the scaler knows only the training rows");
    let exposure = &p.pipeline.encoders()[1];
    assert!(
        matches!(exposure, ColumnEncoder::OneHot { categories, .. } if !categories.contains(&"Elsewhere".to_string()))
    );
}

#[test]
fn prediction_helpers_take_any_output_width() {
    // Three classes from a table: a 3-logit model predicts probabilities for each row.
    let csv = ames_like(45, |i| ["a", "b", "c"][i % 3].to_string());
    let t = table(&csv);
    let p = Prepared::<f32>::from_table(&t, &PipelineConfig::new("y"), 0.2, 0.2, 1).unwrap();
    assert_eq!(p.pipeline.outputs(), 3);
    let widths = [p.pipeline.input_width(), 4, 3];
    let mut model = Sequential::<f32>::mlp(&widths, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
    let probabilities = predict_table(&mut model, &p.pipeline, &t).unwrap();
    assert_eq!(probabilities.dim(), (45, 3));
    assert!(probabilities.sum_axis(Axis(1)).iter().all(|s| (s - 1.0).abs() < 1e-12));
    // Two outputs of a multi-output regression, standardised per output.
    let x = Array2::from_shape_fn((20, 2), |(i, j)| (i * (j + 2)) as f64);
    let y = Array2::from_shape_fn((20, 2), |(i, j)| (i + 10 * j) as f64);
    let data = Dataset { x, y, feature_names: vec!["a".into(), "b".into()], target_name: "t".into() };
    let p = Prepared::<f64>::new(&data, 0.2, 0.2, 1, Standardize::All).unwrap();
    let mut model = Sequential::<f64>::mlp(&[2, 3, 2], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
    assert_eq!(p.predict_original(&mut model, &p.test_x).unwrap().dim(), (4, 2));
    // A width that fits nothing is an error, not a panic.
    let mut wrong = Sequential::<f64>::mlp(&[2, 3, 3], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
    assert!(p.predict_original(&mut wrong, &p.test_x).is_err());
}
