//! The benches' hand-fused reference computes what ndnet computes: same step, same batches in
//! the same order, same optimizer, to the last bit. Without this, its timings would compare
//! unlike work.
use ndnet::layers::{Model, Mse};
use ndnet::optim::{Optimizer, RmsProp, RmsPropConfig};
use ndnet::rand::SeedableRng;
use ndnet::trainer::{Batches, ModelParams, Trainer, TrainerConfig};

#[path = "../benches/support/mod.rs"]
mod support;

/// Bits, not values: `==` on floats would let −0.0 pass for 0.0.
fn ndnet_params(model: &ndnet::layers::Sequential<f32>) -> Vec<u32> {
    model.snapshot().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}

fn bits(params: Vec<f32>) -> Vec<u32> {
    params.into_iter().map(f32::to_bits).collect()
}

#[test]
fn hand_fused_steps_match_ndnet_bit_for_bit() {
    let (x, y) = support::synthetic(32, 1);
    let mut model = support::model(0, &[10, 10, 1]);
    let mut hand = support::HandFused::from_model(&model, 32, 1e-3);
    let mut opt = RmsProp::new(RmsPropConfig::keras(1e-3)).unwrap();
    let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
    for step in 0..5 {
        let loss = model.forward_backward(x.view(), y.view(), &Mse).unwrap();
        opt.step(&mut ModelParams(&mut model)).unwrap();
        assert_eq!(hand.step(xs, ys).to_bits(), loss.to_bits(), "loss at step {step}");
        assert_eq!(bits(hand.params()), ndnet_params(&model), "parameters after step {step}");
    }
}

#[test]
fn hand_fused_epochs_match_the_trainer_bit_for_bit() {
    // 2,064 rows: 64 full batches and a partial one of 16.
    let (x, y) = support::synthetic(2_064, 2);
    let mut model = support::model(0, &[10, 10, 1]);
    let mut hand = support::HandFused::from_model(&model, 32, 1e-3);
    let mut opt = RmsProp::new(RmsPropConfig::keras(1e-3)).unwrap();
    let mut batches = Batches::new(x.clone(), y.clone(), 32).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(2).with_verbose(false)).unwrap();
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut scratch = support::Scratch::default();
    for epoch in 1..=2 {
        let loss = trainer.run_epoch(epoch, &mut model, &Mse, &mut opt, &mut batches).unwrap();
        let hand_loss = hand.epoch(x.as_slice().unwrap(), y.as_slice().unwrap(), 32, &mut scratch, &mut rng);
        assert_eq!(bits(hand.params()), ndnet_params(&model), "parameters after epoch {epoch}");
        assert_eq!(hand_loss.to_bits(), loss.to_bits(), "epoch {epoch}: {hand_loss} vs {loss}");
    }
}
