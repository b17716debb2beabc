//! Coverage is a claim, so it is measured: on a 3,000-row table (1,950 training, 450 calibration,
//! 600 test rows), over five seeds, the share of test rows inside their conformal interval (or
//! whose prediction set holds the true label) is within ±0.03 of the level, for the absolute and
//! the normalised score, at 80, 90 and 95 %; and the normalised intervals are narrower where the
//! noise is small.

use ndnet_data::{PipelineConfig, Prepared, Table};
use ndnet_layers::{BceWithLogits, CrossEntropy, Loss, Mse, Sequential};
use ndnet_optim::{Adam, AdamConfig};
use ndnet_trainer::PredictOriginal;
use ndnet_trainer::{
    Batches, Calibration, IntervalScore, Trainer, TrainerConfig, Uncertainty, predict_with_uncertainty,
};
use rand::{Rng, SeedableRng};

const ROWS: usize = 3000;
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
const LEVELS: [f64; 3] = [0.8, 0.9, 0.95];

/// `x1,x2,town,y`: y = 3 sin(x1) + x2 + the town's effect + noise whose size grows with |x2|
/// (so a row's difficulty depends on its inputs); `class` instead of `y` for the classes table.
fn table(seed: u64, classes: bool) -> Table {
    Table::from_csv_bytes(csv(seed, classes, ROWS).as_bytes(), "coverage.csv".as_ref()).unwrap()
}

/// The CSV text of [`table`]'s rows, `rows` of them.
fn csv(seed: u64, classes: bool, rows: usize) -> String {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1000 + seed);
    let mut csv = String::from(if classes { "x1,x2,town,class\n" } else { "x1,x2,town,y\n" });
    for _ in 0..rows {
        let (x1, x2): (f64, f64) = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
        let town = ["Albany", "Troy", "Utica"][rng.random_range(0..3)];
        let effect = match town {
            "Albany" => 0.0,
            "Troy" => 1.0,
            _ => -1.0,
        };
        // Box–Muller: a standard normal.
        let (u, v): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random_range(0.0..1.0));
        let noise = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        let y = 3.0 * x1.sin() + x2 + effect + noise * (0.2 + x2.abs());
        let target = match classes {
            false => format!("{y}"),
            true if y < -1.0 => "low".to_string(),
            true if y < 1.5 => "mid".to_string(),
            true => "high".to_string(),
        };
        csv.push_str(&format!("{x1},{x2},{town},{target}\n"));
    }
    csv
}

/// A small network trained on `p` for a few epochs: conformal coverage holds for any model, so
/// the test need not wait for a good one.
fn trained(p: &Prepared<f32>, seed: u64) -> Sequential<f32> {
    let outputs = p.pipeline.outputs();
    let architecture = ndnet_trainer::Architecture::mlp(p.pipeline.input_width(), &[16], outputs);
    let mut model = architecture.build::<f32>(seed).unwrap();
    let loss: Box<dyn Loss<f32>> = match (p.pipeline.labels().len(), outputs) {
        (0, _) => Box::new(Mse),
        (2, _) => Box::new(BceWithLogits),
        _ => Box::new(CrossEntropy),
    };
    let mut optimizer = Adam::new(AdamConfig::keras(0.01)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(15).with_seed(seed).with_verbose(false)).unwrap();
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 64).unwrap();
    trainer.fit(&mut model, loss.as_ref(), &mut optimizer, &mut batches, None).unwrap();
    model
}

/// For each level, the test coverage of each seed (and, for intervals, the mean widths of the
/// rows with small and large |x2|).
fn coverages(classes: bool, score: IntervalScore) -> Vec<(f64, Vec<f64>, f64)> {
    let mut by_level = vec![Vec::new(); LEVELS.len()];
    let mut width_ratio = vec![Vec::new(); LEVELS.len()];
    for seed in SEEDS {
        let t = table(seed, classes);
        let target = if classes { "class" } else { "y" };
        let p = Prepared::<f32>::from_table(&t, &PipelineConfig::new(target), 0.15, 0.2, seed).unwrap();
        assert_eq!((p.val_x.nrows(), p.test_x.nrows()), (450, 600));
        let mut model = trained(&p, seed);
        let predicted = p.predict_original(&mut model, &p.test_x).unwrap();
        for (k, &level) in LEVELS.iter().enumerate() {
            let calibration = Calibration::calibrate(&p, &mut model, level, score).unwrap();
            let (uncertainty, (coverage, _)) = calibration.test_coverage(&p, &predicted);
            by_level[k].push(coverage);
            if let Uncertainty::Interval { lower, upper } = uncertainty {
                let x2 = p.split.test.x.column(1);
                let mean = |keep: &dyn Fn(f64) -> bool| {
                    let w: Vec<f64> =
                        (0..lower.len()).filter(|&i| keep(x2[i].abs())).map(|i| upper[i] - lower[i]).collect();
                    w.iter().sum::<f64>() / w.len() as f64
                };
                width_ratio[k].push(mean(&|a| a > 1.5) / mean(&|a| a < 0.5));
            }
        }
    }
    // NaN for prediction sets, which have no width.
    let ratio = |k: usize| width_ratio[k].iter().sum::<f64>() / width_ratio[k].len() as f64;
    LEVELS.iter().enumerate().map(|(k, &l)| (l, by_level[k].clone(), ratio(k))).collect()
}

fn assert_covered(what: &str, results: &[(f64, Vec<f64>, f64)]) {
    for (level, per_seed, ratio) in results {
        let mean = per_seed.iter().sum::<f64>() / per_seed.len() as f64;
        let ratio = if ratio.is_nan() { String::new() } else { format!("; wide/narrow rows' width ratio {ratio:.2}") };
        println!("{what} at {level}: coverage {mean:.4} over seeds {per_seed:.4?}{ratio}");
        assert!((mean - level).abs() <= 0.03, "{what} at {level}: mean coverage {mean} over {per_seed:?}");
        for c in per_seed {
            assert!((c - level).abs() <= 0.06, "{what} at {level}: one seed's coverage {c} of {per_seed:?}");
        }
    }
}

#[test]
fn absolute_intervals_cover_their_level() {
    let results = coverages(false, IntervalScore::Absolute);
    assert_covered("absolute interval", &results);
    // One width for every row: the ratio of the mean widths is 1.
    assert!(results.iter().all(|r| (r.2 - 1.0).abs() < 1e-9), "{results:?}");
}

#[test]
fn normalized_intervals_cover_their_level_and_follow_the_noise() {
    let results = coverages(false, IntervalScore::Normalized);
    assert_covered("normalized interval", &results);
    // The noise is 0.2 + |x2|: rows with |x2| > 1.5 are about 4 times noisier than |x2| < 0.5.
    assert!(results.iter().all(|r| r.2 > 2.0), "the widths should follow the noise: {results:?}");
}

#[test]
fn prediction_sets_cover_their_level() {
    assert_covered("prediction set", &coverages(true, IntervalScore::Absolute));
}

#[test]
fn too_few_calibration_rows_for_the_level_are_an_error() {
    let t = table(1, false);
    let rows: Vec<usize> = (0..60).collect();
    let config = PipelineConfig::new("y");
    let (_, target, _) = Prepared::<f32>::target_of(&t, &config).unwrap();
    let split = ndnet_data::SplitRows { train: rows[..50].to_vec(), validation: rows[50..].to_vec(), test: vec![] };
    let p = Prepared::<f32>::from_rows(&t, &config, target, split, 0).unwrap();
    let mut model = trained(&p, 1);
    assert!(Calibration::calibrate(&p, &mut model, 0.9, IntervalScore::Absolute).is_ok(), "10 rows: k = ⌈11·0.9⌉ = 10");
    let err = Calibration::calibrate(&p, &mut model, 0.95, IntervalScore::Absolute).unwrap_err().to_string();
    assert!(err.contains("at least 19 calibration (validation) rows for this level: there are 10"), "{err}");
}

#[test]
fn the_quantile_loss_fits_its_quantile() {
    use ndnet_layers::Quantile;
    let t = table(1, false);
    let p = Prepared::<f32>::from_table(&t, &PipelineConfig::new("y"), 0.0, 0.2, 1).unwrap();
    let architecture = ndnet_trainer::Architecture::mlp(p.pipeline.input_width(), &[16], 1);
    for tau in [0.1, 0.9] {
        let mut model = architecture.build::<f32>(1).unwrap();
        let mut optimizer = Adam::new(AdamConfig::keras(0.01)).unwrap();
        let mut trainer = Trainer::new(TrainerConfig::new(30).with_seed(1).with_verbose(false)).unwrap();
        let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 64).unwrap();
        let loss = Quantile::new(tau).unwrap();
        trainer.fit(&mut model, &loss, &mut optimizer, &mut batches, None).unwrap();
        let predicted = p.predict_original(&mut model, &p.test_x).unwrap();
        let actual = p.split.test.y.column(0);
        let below = actual.iter().zip(predicted.column(0)).filter(|(a, q)| a <= q).count() as f64 / actual.len() as f64;
        println!("quantile {tau}: {below:.4} of the {} test rows at or below the prediction", actual.len());
        assert!((below - tau).abs() < 0.05, "quantile {tau}: {below}");
    }
}

/// A calibration or a training profile read from a file is untrusted: one that does not fit the
/// model, or holds impossible values, is refused by name before anything is predicted.
#[test]
fn a_tampered_calibration_or_profile_is_refused() {
    use ndnet_trainer::{RunMetadata, Spread, load_model, save_safetensors};
    let t = table(1, false);
    let p = Prepared::<f32>::from_table(&t, &PipelineConfig::new("y"), 0.2, 0.0, 1).unwrap();
    let architecture = ndnet_trainer::Architecture::mlp(p.pipeline.input_width(), &[4], 1);
    let model = architecture.build::<f32>(1).unwrap();
    let width = p.pipeline.input_width();
    let spread = |weights: usize, log_range: [f64; 2]| Spread {
        weights: vec![0.1; weights],
        squares: vec![0.0; weights],
        bias: 0.0,
        log_range,
    };
    let interval =
        |level: f64, quantile: f64, spread: Option<Spread>| Calibration::Interval { level, quantile, rows: 10, spread };
    let path = std::env::temp_dir().join(format!("ndnet-tampered-{}.safetensors", std::process::id()));
    let load = |metadata: &RunMetadata| {
        save_safetensors(&model, metadata, &path).unwrap();
        load_model::<f32>(&path).map(|_| ()).map_err(|e| e.to_string())
    };
    let base = RunMetadata::default().with_pipeline(p.pipeline.clone()).with_architecture(architecture.clone());
    assert_eq!(
        load(&base.clone().with_calibration(Some(interval(0.9, 0.4, Some(spread(width, [-1.0, 1.0])))))),
        Ok(())
    );
    for bad in [
        interval(1.5, 0.4, None),
        interval(0.9, -1.0, None),
        interval(0.9, 0.4, Some(spread(width - 1, [-1.0, 1.0]))),
        interval(0.9, 0.4, Some(spread(width, [1.0, -1.0]))),
        interval(0.9, 0.4, Some(spread(width, [-1.0, 1e6]))),
        Calibration::Sets { level: 0.9, threshold: 0.5, rows: 10 }, // sets on a regression
    ] {
        let err = load(&base.clone().with_calibration(Some(bad.clone()))).unwrap_err();
        assert!(
            err.contains("the stored calibration does not fit the model (or holds impossible values)"),
            "{bad:?}: {err}"
        );
    }
    let mut pipeline = serde_json::to_value(&p.pipeline).unwrap();
    pipeline["profile"][0]["range"] = serde_json::json!([5.0, 1.0]);
    let tampered = RunMetadata { pipeline: Some(serde_json::from_value(pipeline).unwrap()), ..base.clone() };
    let err = load(&tampered).unwrap_err();
    assert!(err.contains("a training profile that does not match the inputs (or holds an impossible range)"), "{err}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_long_tables_predictions_and_uncertainty_are_each_rows_own_bits() {
    // Prediction goes in blocks of rows: rows on either side of a block's edge, and the last,
    // predicted as a table of their own give the same bits, intervals and sets included.
    for (classes, score) in [(false, IntervalScore::Normalized), (true, IntervalScore::Absolute)] {
        let target = if classes { "class" } else { "y" };
        let p = Prepared::<f32>::from_table(&table(1, classes), &PipelineConfig::new(target), 0.15, 0.2, 1).unwrap();
        let mut model = trained(&p, 1);
        let calibration = Calibration::calibrate(&p, &mut model, 0.9, score).unwrap();
        let text = csv(2, classes, 20_000);
        let long = Table::from_csv_bytes(text.as_bytes(), "long.csv".as_ref()).unwrap();
        let (all, extra) = predict_with_uncertainty(&mut model, &p.pipeline, Some(&calibration), &long).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let picked: Vec<usize> = [0, 16_383, 16_384, 16_385, 19_999].into();
        let part: String =
            std::iter::once(lines[0]).chain(picked.iter().map(|&r| lines[r + 1])).collect::<Vec<_>>().join("\n");
        let alone = Table::from_csv_bytes(part.as_bytes(), "part.csv".as_ref()).unwrap();
        let (some, some_extra) = predict_with_uncertainty(&mut model, &p.pipeline, Some(&calibration), &alone).unwrap();
        for (i, &r) in picked.iter().enumerate() {
            let bits =
                |a: &ndarray::Array2<f64>, row: usize| a.row(row).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&all, r), bits(&some, i), "{target}: row {r}");
            match (extra.as_ref().unwrap(), some_extra.as_ref().unwrap()) {
                (Uncertainty::Interval { lower, upper }, Uncertainty::Interval { lower: l, upper: u }) => {
                    assert_eq!((lower[r].to_bits(), upper[r].to_bits()), (l[i].to_bits(), u[i].to_bits()), "row {r}");
                }
                (Uncertainty::Sets(sets), Uncertainty::Sets(s)) => assert_eq!(sets[r], s[i], "row {r}"),
                _ => panic!("{target}: the uncertainty's kind changed"),
            }
        }
        assert_eq!(all.nrows(), 20_000);
    }
}
