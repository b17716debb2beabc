//! Training on the real house-price table, resuming, weights interop.
use ndnet_layers::Model;

mod common;

use common::*;
use ndnet_layers::Mse;
use ndnet_optim::{RmsProp, RmsPropConfig};
use ndnet_trainer::PredictOriginal;
use ndnet_trainer::{Checkpoint, EarlyStopping, Metrics, Trainer, TrainerConfig, load_safetensors, save_safetensors};

#[test]
fn housing_regressor_reaches_r2_above_0_55() {
    let p = prepare(42);
    let mut model = model(42);
    let mut opt = RmsProp::new(RmsPropConfig::keras(0.001)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(100).with_seed(42).with_verbose(false)).unwrap();
    trainer.fit(&mut model, &Mse, &mut opt, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();
    let pred = p.predict_original(&mut model, &p.test_x).unwrap();
    let m = Metrics::compute(&pred, &p.split.test.y);
    println!("test: {m}");
    assert!(m.r2 >= 0.55, "{m}");
    let h = &trainer.history().epochs;
    assert_eq!(h.len(), 100);
    assert!(h[99].train_loss < h[0].train_loss, "training loss should fall");
    assert!(h.iter().all(|e| e.val_loss.is_some() && e.learning_rate == 0.001));
}

#[test]
fn resuming_from_a_checkpoint_is_bit_identical() {
    let dir = tmp_dir("resume");
    let p = prepare(7);
    let config = || TrainerConfig::new(12).with_seed(3).with_verbose(false).with_early_stopping(EarlyStopping::new(50));
    let opt = || RmsProp::new(RmsPropConfig::pytorch(0.003).with_momentum(0.5)).unwrap();

    let (mut straight, mut o1) = (model(1), opt());
    let mut t1 = Trainer::new(config()).unwrap();
    t1.fit(&mut straight, &Mse, &mut o1, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();

    let path = dir.join("ckpt.json");
    let (mut first, mut o2) = (model(1), opt());
    let mut t2 = Trainer::new(TrainerConfig { epochs: 5, ..config() }.with_checkpoint(&path, 1)).unwrap();
    t2.fit(&mut first, &Mse, &mut o2, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();

    // A new process would start from fresh objects: a different init, a fresh optimizer.
    let (mut resumed, mut o3) = (model(99), opt());
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    assert_eq!(ckpt.epoch(), 5);
    let mut t3 = Trainer::resume(config(), ckpt, &path, &mut resumed, &mut o3).unwrap();
    t3.fit(&mut resumed, &Mse, &mut o3, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();

    let bits = |m: &ndnet_layers::Sequential<f32>| {
        m.snapshot().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    assert_eq!(bits(&straight), bits(&resumed));
    assert_eq!(t1.history().epochs.len(), t3.history().epochs.len());
    for (a, b) in t1.history().epochs.iter().zip(&t3.history().epochs) {
        assert_eq!(
            (a.train_loss.to_bits(), a.val_loss.map(f64::to_bits)),
            (b.train_loss.to_bits(), b.val_loss.map(f64::to_bits))
        );
    }
}

#[test]
fn divergence_stops_with_epoch_batch_and_advice() {
    let p = prepare(1);
    let mut model = model(1);
    let mut opt = ndnet_optim::Sgd::new(ndnet_optim::SgdConfig::new(50.0)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(20).with_verbose(false)).unwrap();
    let err = trainer.fit(&mut model, &Mse, &mut opt, &mut batches(&p, 32), None).unwrap_err().to_string();
    assert!(err.starts_with("training diverged: the loss became"), "{err}");
    assert!(err.contains("at epoch 1, batch") && err.contains("try a smaller learning rate (now 50)"), "{err}");
}

#[test]
fn safetensors_round_trip_and_checks() {
    let dir = tmp_dir("weights");
    let path = dir.join("w.safetensors");
    let a = model(5);
    save_safetensors(&a, &Default::default(), &path).unwrap();
    let mut b = model(6);
    load_safetensors(&mut b, &path).unwrap();
    assert_eq!(a.snapshot(), b.snapshot());

    // A model of another shape, and a file of another dtype, are clear errors.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let mut wide =
        ndnet_layers::Sequential::<f32>::new().push(ndnet_layers::DenseConfig::new(10, 12).init(&mut rng).unwrap());
    let err = load_safetensors(&mut wide, &path).unwrap_err().to_string();
    assert!(err.contains("tensor `0.weight` has shape [10, 10], the model has [10, 12]"), "{err}");
    let mut f64_model =
        ndnet_layers::Sequential::<f64>::new().push(ndnet_layers::DenseConfig::new(10, 10).init(&mut rng).unwrap());
    let err = load_safetensors(&mut f64_model, &path).unwrap_err().to_string();
    assert!(err.contains("is F32, the model is f64"), "{err}");
    std::fs::write(&path, b"not safetensors").unwrap();
    assert!(load_safetensors(&mut b, &path).unwrap_err().to_string().contains("not a safetensors file"));
}

#[test]
fn history_csv_and_curves_are_written() {
    let dir = tmp_dir("history");
    let p = prepare(3);
    let mut model = model(3);
    let mut opt = RmsProp::new(RmsPropConfig::keras(0.001)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(3).with_verbose(false)).unwrap();
    trainer.fit(&mut model, &Mse, &mut opt, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();
    trainer.history().write_csv(&dir.join("history.csv")).unwrap();
    let csv = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    let (train, validation) = trainer.history().curves();
    assert_eq!((train.len(), validation.len()), (3, 3));
    assert_eq!(train[2].0, 3);
}

#[test]
fn divergence_keeps_the_last_good_checkpoint() {
    let dir = tmp_dir("diverge");
    let path = dir.join("ckpt.json");
    let p = prepare(2);
    let mut model = model(2);
    let mut opt = ndnet_optim::Sgd::new(ndnet_optim::SgdConfig::new(0.01)).unwrap();
    // A cosine "decay" towards a floor far above the start: 0.01 in epoch 1, 12.5 in epoch 2.
    let schedule = ndnet_optim::Schedule::Cosine { t_max: 3, eta_min: 50.0 };
    let config = TrainerConfig::new(10).with_verbose(false).with_schedule(schedule).with_checkpoint(&path, 1);
    let mut trainer = Trainer::new(config).unwrap();
    let err = trainer.fit(&mut model, &Mse, &mut opt, &mut batches(&p, 32), None).unwrap_err().to_string();
    assert!(err.contains("at epoch 2, batch") && err.contains("try a smaller learning rate (now 12.5"), "{err}");
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    assert_eq!(ckpt.epoch(), 1, "the checkpoint after the last good epoch is kept");
    assert!(ckpt.params().iter().all(|(_, t)| t.iter().all(|v| v.is_finite())));
}

/// Runs `config` for `epochs` straight, and again as `split` epochs + a resume from the
/// checkpoint; returns both trainers and models.
fn straight_and_resumed(
    name: &str,
    config: impl Fn(u64) -> TrainerConfig,
    epochs: u64,
    split: u64,
    opt: impl Fn() -> RmsProp<f32>,
) -> ((Trainer<f32>, ndnet_layers::Sequential<f32>), (Trainer<f32>, ndnet_layers::Sequential<f32>)) {
    let p = prepare(11);
    let val = Some((&p.val_x, &p.val_y));
    let (mut m1, mut o1) = (model(4), opt());
    let mut t1 = Trainer::new(config(epochs)).unwrap();
    t1.fit(&mut m1, &Mse, &mut o1, &mut batches(&p, 32), val).unwrap();

    let path = tmp_dir(name).join("ckpt.json");
    let (mut m2, mut o2) = (model(4), opt());
    let mut t2 = Trainer::new(config(split).with_checkpoint(&path, 1)).unwrap();
    t2.fit(&mut m2, &Mse, &mut o2, &mut batches(&p, 32), val).unwrap();
    let (mut m3, mut o3) = (model(99), opt());
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    let mut t3 = Trainer::resume(config(epochs), ckpt, &path, &mut m3, &mut o3).unwrap();
    t3.fit(&mut m3, &Mse, &mut o3, &mut batches(&p, 32), val).unwrap();
    ((t1, m1), (t3, m3))
}

fn param_bits(m: &ndnet_layers::Sequential<f32>) -> Vec<u32> {
    m.snapshot().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}

fn history_bits(t: &Trainer<f32>) -> Vec<(u64, u64, Option<u64>, u64)> {
    let h = &t.history().epochs;
    h.iter()
        .map(|e| (e.epoch, e.train_loss.to_bits(), e.val_loss.map(f64::to_bits), e.learning_rate.to_bits()))
        .collect()
}

#[test]
fn reduce_on_plateau_cuts_the_rate_and_resumes_bit_identically() {
    // A large rate plateaus at once, so the rule halves it several times in 14 epochs.
    let plateau = ndnet_optim::ReduceOnPlateau::new(0.5, 1).unwrap();
    let config = |epochs| TrainerConfig::new(epochs).with_seed(5).with_verbose(false).with_reduce_on_plateau(plateau);
    let opt = || RmsProp::new(RmsPropConfig::keras(0.05)).unwrap();
    let ((t1, m1), (t3, m3)) = straight_and_resumed("plateau", config, 14, 6, opt);
    let rates: Vec<f64> = t1.history().epochs.iter().map(|e| e.learning_rate).collect();
    assert_eq!(rates[0], 0.05);
    assert!(rates.windows(2).filter(|w| w[1] < w[0]).count() >= 2, "the rate is cut at least twice: {rates:?}");
    // Cuts after the resume point prove the rule's counters came back from the checkpoint.
    assert!(rates[6] > *rates.last().unwrap(), "{rates:?}");
    assert_eq!(history_bits(&t1), history_bits(&t3));
    assert_eq!(param_bits(&m1), param_bits(&m3));
}

#[test]
fn a_schedule_and_reduce_on_plateau_together_are_a_config_error() {
    let config = TrainerConfig::new(3)
        .with_schedule(ndnet_optim::Schedule::Exponential { gamma: 0.9 })
        .with_reduce_on_plateau(ndnet_optim::ReduceOnPlateau::new(0.5, 1).unwrap());
    let err = Trainer::<f32>::new(config).err().unwrap().to_string();
    assert_eq!(err, "invalid schedule = a schedule and reduce-on-plateau: allowed one of the two");
}

#[test]
fn early_stopping_stops_restores_the_best_and_resumes_bit_identically() {
    // min_delta 0.02 (standardised MSE) is more than late epochs gain: the run stops early.
    let es = EarlyStopping::new(3).with_min_delta(0.02).with_restore_best(true);
    let config = |epochs| TrainerConfig::new(epochs).with_seed(2).with_verbose(false).with_early_stopping(es.clone());
    let opt = || RmsProp::new(RmsPropConfig::keras(0.003)).unwrap();
    let ((t1, mut m1), (t3, m3)) = straight_and_resumed("early", config, 60, 4, opt);
    let h = &t1.history().epochs;
    assert!(h.len() < 60, "stopped early, after {} epochs", h.len());
    // The best epoch improved on every earlier best by more than min_delta, and the 3 after it did not.
    let vals: Vec<f64> = h.iter().map(|e| e.val_loss.unwrap()).collect();
    let mut best = (vals[0], 0);
    for (i, &v) in vals.iter().enumerate().skip(1) {
        if v < best.0 - 0.02 {
            best = (v, i);
        }
    }
    assert_eq!(best.1 + 1 + 3, h.len(), "stops 3 epochs after the best: {vals:?}");
    // restore_best: the model's validation loss is the best epoch's, to the bit.
    let p = prepare(11);
    let restored = ndnet_layers::Loss::loss(&Mse, m1.forward(p.val_x.view()).unwrap(), p.val_y.view()).unwrap();
    assert_eq!(f64::from(restored).to_bits(), best.0.to_bits());
    // Across a resume at epoch 4: the same stop, the same restored weights.
    assert_eq!(history_bits(&t1), history_bits(&t3));
    assert_eq!(param_bits(&m1), param_bits(&m3));
}

#[test]
fn early_stopping_with_patience_zero_stops_at_the_first_epoch_without_improvement() {
    let p = prepare(3);
    let mut m = model(3);
    let mut o = RmsProp::new(RmsPropConfig::keras(0.001)).unwrap();
    let es = EarlyStopping::new(0).with_min_delta(10.0); // nothing improves by 10
    let mut t = Trainer::new(TrainerConfig::new(20).with_verbose(false).with_early_stopping(es)).unwrap();
    t.fit(&mut m, &Mse, &mut o, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();
    assert_eq!(t.epoch(), 2, "epoch 1 sets the best, epoch 2 does not improve: stop (Keras' patience=0)");
}

#[test]
fn the_split_is_disjoint_and_the_scalers_come_from_training_rows_only() {
    let data = ndnet_data::Dataset::from_csv(housing_path(), "price", Some(&HOUSING_FEATURES)).unwrap();
    let p = ndnet_data::Prepared::<f32>::new(&data, 0.15, 0.15, 5, ndnet_data::Standardize::All).unwrap();
    let mut all: Vec<usize> =
        [&p.rows.train, &p.rows.validation, &p.rows.test].into_iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..data.len()).collect::<Vec<_>>(), "every row in exactly one part");
    assert_eq!((p.rows.validation.len(), p.rows.test.len()), (259, 259));
    let train_x = data.select(&p.rows.train);
    assert_eq!(p.split.train, train_x, "the parts are those rows");
    assert_eq!(p.pipeline.feature_scaler(), &ndnet_data::Standardizer::fit(&train_x.x));
    assert_eq!(p.pipeline.target_scaler(), &ndnet_data::Standardizer::fit(&train_x.y));
    // Wild values in every validation and test row move nothing that is fitted.
    let mut wild = data.clone();
    for &r in p.rows.validation.iter().chain(&p.rows.test) {
        wild.x.row_mut(r).fill(1e9);
        wild.y[(r, 0)] = -1e9;
    }
    let q = ndnet_data::Prepared::<f32>::new(&wild, 0.15, 0.15, 5, ndnet_data::Standardize::All).unwrap();
    assert_eq!((q.rows.train.clone(), &q.pipeline), (p.rows.train.clone(), &p.pipeline));
}
