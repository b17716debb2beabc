//! Modes and state through the Trainer, on the shipped house-price table: a model with Dropout
//! and BatchNorm trains in training mode and validates in inference mode; a run interrupted and
//! resumed from its checkpoint is bit-identical to one never interrupted (parameters, running
//! statistics, dropout streams, losses); a user callback gets its state back; safetensors carry
//! the running statistics under PyTorch's names.
use ndnet_layers::{Mode, Model, Mse, SavedState, Sequential};
use ndnet_optim::{Adam, AdamConfig};
use ndnet_trainer::{
    Architecture, Callback, Checkpoint, Context, EarlyStopping, Result, RunMetadata, Trainer, TrainerConfig,
    load_safetensors, load_state, save_state,
};
use serde::{Deserialize, Serialize};

mod common;
use common::*;

fn architecture() -> Architecture {
    Architecture::mlp(10, &[16, 8], 1).with_dropout(0.2).with_batch_norm(true)
}

fn net(seed: u64) -> Sequential<f32> {
    architecture().build(seed).unwrap()
}

fn opt() -> Adam<f32> {
    Adam::new(AdamConfig::pytorch(0.003)).unwrap()
}

fn config(epochs: u64) -> TrainerConfig {
    TrainerConfig::new(epochs).with_seed(5).with_verbose(false).with_early_stopping(EarlyStopping::new(100))
}

/// Every parameter and state entry, as bits.
fn model_bits(m: &Sequential<f32>) -> (Vec<u32>, Vec<(String, Vec<u64>)>) {
    let params = m.snapshot().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect();
    let state = m
        .state_snapshot()
        .into_iter()
        .map(|(name, s)| match s {
            SavedState::Tensor(t) => (name, t.iter().map(|v| u64::from(v.to_bits())).collect()),
            SavedState::Count(n) => (name, vec![n]),
        })
        .collect();
    (params, state)
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Seen {
    epochs: u64,
    /// The sum of the validation losses seen, as bits of an f64: proves order and values.
    val_sum: f64,
}

/// A user's callback with typed state.
#[derive(Default)]
struct Counter(Seen);

impl Callback<f32> for Counter {
    fn name(&self) -> &'static str {
        "Counter"
    }
    fn on_epoch_end(&mut self, ctx: &mut Context<'_, f32>) -> Result<()> {
        self.0.epochs += 1;
        self.0.val_sum += ctx.monitored_loss();
        Ok(())
    }
    fn state(&self) -> serde_json::Value {
        save_state(&self.0)
    }
    fn load_state(&mut self, state: serde_json::Value) -> Result<()> {
        self.0 = load_state("Counter", state)?;
        Ok(())
    }
}

#[test]
fn dropout_and_batch_norm_resume_bit_identically_with_a_users_callback() {
    let p = prepare(3);
    let val = Some((&p.val_x, &p.val_y));
    let (mut m1, mut o1) = (net(8), opt());
    let mut t1 = Trainer::new(config(10)).unwrap().with_callback(Counter::default());
    t1.fit(&mut m1, &Mse, &mut o1, &mut batches(&p, 32), val).unwrap();

    let path = tmp_dir("modes-resume").join("ckpt.json");
    let (mut m2, mut o2) = (net(8), opt());
    let mut t2 = Trainer::new(config(4).with_checkpoint(&path, 1)).unwrap().with_callback(Counter::default());
    t2.fit(&mut m2, &Mse, &mut o2, &mut batches(&p, 32), val).unwrap();
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    assert_eq!(ckpt.callback_states()["Counter"]["epochs"], 4);
    let names: Vec<_> = ckpt.state().iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"1.running_mean") && names.contains(&"3.calls"), "{names:?}");

    // A new process: other initial weights and fresh running statistics, until the resume.
    let (mut m3, mut o3) = (net(99), opt());
    let t3 = Trainer::resume(config(10), ckpt, &path, &mut m3, &mut o3).unwrap();
    let mut t3 = t3.with_callback(Counter::default());
    assert_eq!(t3.callback::<Counter>().unwrap().0.epochs, 4, "the user's callback got its state back");
    t3.fit(&mut m3, &Mse, &mut o3, &mut batches(&p, 32), val).unwrap();

    assert_eq!(model_bits(&m1), model_bits(&m3), "parameters and state match bit for bit");
    let losses = |t: &Trainer<f32>| {
        t.history().epochs.iter().map(|e| (e.train_loss.to_bits(), e.val_loss.map(f64::to_bits))).collect::<Vec<_>>()
    };
    assert_eq!(losses(&t1), losses(&t3));
    let (a, b) = (&t1.callback::<Counter>().unwrap().0, &t3.callback::<Counter>().unwrap().0);
    assert_eq!((a.epochs, a.val_sum.to_bits()), (b.epochs, b.val_sum.to_bits()));
    assert_eq!(a.epochs, 10);
    let best = t1.best().expect("the early-stopping best is readable after fit");
    assert!(best.epoch >= 1 && best.epoch <= 10 && best.loss.is_finite());
}

#[test]
fn a_checkpointed_callback_that_the_resumed_run_lacks_is_an_error() {
    let p = prepare(3);
    let path = tmp_dir("modes-missing-callback").join("ckpt.json");
    let (mut m, mut o) = (net(1), opt());
    let mut t = Trainer::new(config(2).with_checkpoint(&path, 1)).unwrap().with_callback(Counter::default());
    t.fit(&mut m, &Mse, &mut o, &mut batches(&p, 32), None).unwrap();
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    let mut t = Trainer::resume(config(4), ckpt, &path, &mut m, &mut o).unwrap();
    let err = t.fit(&mut m, &Mse, &mut o, &mut batches(&p, 32), None).unwrap_err().to_string();
    assert!(err.contains("callback `Counter`") && err.contains("with_callback"), "{err}");
    assert!(err.contains("ckpt.json"), "{err}");
}

#[test]
fn validation_runs_in_inference_mode() {
    let p = prepare(3);
    let (mut m, mut o) = (net(2), opt());
    let mut t = Trainer::new(config(3)).unwrap();
    t.fit(&mut m, &Mse, &mut o, &mut batches(&p, 32), Some((&p.val_x, &p.val_y))).unwrap();
    assert_eq!(m.mode(), Mode::Eval, "fit leaves the model ready to predict");
    let recorded = t.history().epochs.last().unwrap().val_loss.unwrap();
    let eval = val_loss(&mut m, &p);
    assert_eq!(recorded.to_bits(), eval.to_bits(), "the recorded validation loss is the inference-mode loss");
    m.set_mode(Mode::Train);
    let train_mode = val_loss(&mut m, &p);
    assert_ne!(train_mode, eval, "in training mode dropout and batch statistics change the loss");
}

fn val_loss(m: &mut Sequential<f32>, p: &Prepared) -> f64 {
    use ndnet_layers::Loss;
    let out = m.forward(p.val_x.view()).unwrap();
    f64::from(Mse.loss(out, p.val_y.view()).unwrap())
}

#[test]
fn safetensors_carry_the_running_statistics_under_pytorchs_names() {
    let p = prepare(3);
    let (mut m, mut o) = (net(2), opt());
    Trainer::new(config(2)).unwrap().fit(&mut m, &Mse, &mut o, &mut batches(&p, 32), None).unwrap();
    let path = tmp_dir("modes-safetensors").join("w.safetensors");
    let meta = RunMetadata::default().with_architecture(architecture());
    ndnet_trainer::save_safetensors(&m, &meta, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert_eq!(
        names,
        [
            "0.bias",
            "0.weight",
            "1.bias",
            "1.num_batches_tracked",
            "1.running_mean",
            "1.running_var",
            "1.weight",
            "4.bias",
            "4.weight",
            "5.bias",
            "5.num_batches_tracked",
            "5.running_mean",
            "5.running_var",
            "5.weight",
            "8.bias",
            "8.weight"
        ],
        "no dropout state: PyTorch keeps none"
    );
    let tracked = file.tensor("1.num_batches_tracked").unwrap();
    assert_eq!((tracked.dtype(), tracked.shape()), (safetensors::Dtype::I64, &[][..]));
    let batches_per_epoch = p.train_x.nrows().div_ceil(32) as i64;
    assert_eq!(i64::from_le_bytes(tracked.data().try_into().unwrap()), 2 * batches_per_epoch);

    let mut back = net(77);
    assert_eq!(load_safetensors(&mut back, &path).unwrap(), meta);
    let (mut a, mut b) = (model_bits(&m), model_bits(&back));
    // Dropout's seed and call count are not in the file: compare what is.
    a.1.retain(|(n, _)| !n.ends_with("calls") && !n.ends_with("seed"));
    b.1.retain(|(n, _)| !n.ends_with("calls") && !n.ends_with("seed"));
    assert_eq!(a, b);
    back.set_mode(Mode::Eval);
    m.set_mode(Mode::Eval);
    assert_eq!(back.predict(p.test_x.view()).unwrap(), m.predict(p.test_x.view()).unwrap());
}

/// The housing rows as a three-class table: the price's tercile (a classification table with
/// the same real features).
fn terciles() -> Prepared {
    let mut data = ndnet_data::Dataset::from_csv(housing_path(), "price", Some(&HOUSING_FEATURES)).unwrap();
    let mut sorted: Vec<f64> = data.y.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let (a, b) = (sorted[sorted.len() / 3], sorted[2 * sorted.len() / 3]);
    data.y.mapv_inplace(|v| {
        if v < a {
            0.0
        } else if v < b {
            1.0
        } else {
            2.0
        }
    });
    Prepared::new(&data, 0.15, 0.15, 9, ndnet_data::Standardize::Features).unwrap()
}

#[test]
fn a_classifier_with_dropout_and_batch_norm_resumes_bit_identically() {
    use ndnet_layers::CrossEntropy;
    let p = terciles();
    let val = Some((&p.val_x, &p.val_y));
    let arch = Architecture::mlp(10, &[12], 3).with_dropout(0.3).with_batch_norm(true);
    let (mut m1, mut o1) = (arch.build(4).unwrap(), opt());
    let mut t1 = Trainer::new(config(8)).unwrap();
    t1.fit(&mut m1, &CrossEntropy, &mut o1, &mut batches(&p, 32), val).unwrap();

    let path = tmp_dir("modes-classifier").join("ckpt.json");
    let (mut m2, mut o2) = (arch.build(4).unwrap(), opt());
    Trainer::new(config(3).with_checkpoint(&path, 1))
        .unwrap()
        .fit(&mut m2, &CrossEntropy, &mut o2, &mut batches(&p, 32), val)
        .unwrap();
    let (mut m3, mut o3) = (arch.build(50).unwrap(), opt());
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    let mut t3 = Trainer::resume(config(8), ckpt, &path, &mut m3, &mut o3).unwrap();
    t3.fit(&mut m3, &CrossEntropy, &mut o3, &mut batches(&p, 32), val).unwrap();
    assert_eq!(model_bits(&m1), model_bits(&m3));

    // And it learned: accuracy on the test rows well above a third.
    let scores = m3.predict(p.test_x.view()).unwrap();
    let correct = scores
        .rows()
        .into_iter()
        .zip(&p.split.test.y)
        .filter(|(row, class)| {
            let best = (0..3).max_by(|&i, &j| row[i].total_cmp(&row[j])).unwrap();
            best as f64 == **class
        })
        .count();
    let accuracy = correct as f64 / p.split.test.y.len() as f64;
    println!("tercile accuracy on {} test rows: {accuracy:.3}", p.split.test.y.len());
    assert!(accuracy > 0.55, "{accuracy}");
}

/// A TabM ensemble: piecewise-linear embeddings of the ten inputs, the members' view, two
/// BatchEnsemble blocks with dropout, one head per member.
fn tabm(seed: u64, p: &ndnet_data::Prepared<f32>) -> Sequential<f32> {
    let arch = Architecture::mlp(10, &[16, 16], 1)
        .with_dropout(0.1)
        .with_members(4, ndnet_trainer::Ensemble::Tabm)
        .with_numeric(ndnet_trainer::NumericEmbedding::PiecewiseLinear { bins: 8, dim: 4, tree: false });
    arch.spec_for(p).unwrap().build(&ndnet_tabular::registry(), seed).unwrap()
}

#[test]
fn a_tabm_ensemble_with_a_step_schedule_resumes_bit_identically() {
    let p = prepare(3);
    let val = Some((&p.val_x, &p.val_y));
    let loss = ndnet_tabular::Members::new(Mse, 4, 1);
    let opt = || Adam::new(AdamConfig::pytorch_adamw(0.003)).unwrap();
    let steps = 10 * p.train_x.nrows().div_ceil(32) as u64;
    let schedule = ndnet_optim::Schedule::named("coslog4", steps).unwrap();
    let config = |epochs| config(epochs).with_step_schedule(schedule);
    let (mut m1, mut o1) = (tabm(8, &p), opt());
    assert_eq!(m1.members(), 4);
    let mut t1 = Trainer::new(config(10)).unwrap();
    t1.fit(&mut m1, &loss, &mut o1, &mut batches(&p, 32), val).unwrap();

    let path = tmp_dir("tabm-resume").join("ckpt.json");
    let (mut m2, mut o2) = (tabm(8, &p), opt());
    let mut t2 = Trainer::new(config(4).with_checkpoint(&path, 1)).unwrap();
    t2.fit(&mut m2, &loss, &mut o2, &mut batches(&p, 32), val).unwrap();
    let ckpt = Checkpoint::<f32>::load(&path).unwrap();
    let (mut m3, mut o3) = (tabm(99, &p), opt());
    let mut t3 = Trainer::resume(config(10), ckpt, &path, &mut m3, &mut o3).unwrap();
    t3.fit(&mut m3, &loss, &mut o3, &mut batches(&p, 32), val).unwrap();

    assert_eq!(model_bits(&m1), model_bits(&m3), "parameters and state match bit for bit");
    let history = |t: &Trainer<f32>| {
        let e = &t.history().epochs;
        e.iter()
            .map(|e| (e.train_loss.to_bits(), e.val_loss.map(f64::to_bits), e.learning_rate.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(history(&t1), history(&t3));
    let rates: Vec<f64> = t1.history().epochs.iter().map(|e| e.learning_rate).collect();
    assert!(rates.windows(2).any(|w| w[0] != w[1]), "the schedule moved the rate: {rates:?}");
}
