//! A whole epoch after the first allocates nothing per batch (own binary: counting allocator).

mod common;

use ndnet_layers::Mse;
use ndnet_optim::{RmsProp, RmsPropConfig};
use ndnet_trainer::{Trainer, TrainerConfig};

#[path = "../../../tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, allocations};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn an_epoch_after_the_first_allocates_nothing() {
    let p = common::prepare(0);
    let mut model = common::model(0);
    let mut opt = RmsProp::new(RmsPropConfig::keras(0.001)).unwrap();
    let mut batches = common::batches(&p, 32); // 1,210 rows: 37 full batches and one of 26
    let mut trainer = Trainer::new(TrainerConfig::new(10).with_verbose(false)).unwrap();
    trainer.run_epoch(1, &mut model, &Mse, &mut opt, &mut batches).unwrap();
    let before = allocations();
    for epoch in 2..=4 {
        trainer.run_epoch(epoch, &mut model, &Mse, &mut opt, &mut batches).unwrap();
    }
    let n = allocations() - before;
    println!("allocations in 3 epochs of {} batches: {n}", batches.len());
    assert_eq!(n, 0);
}

/// The same for a TabM ensemble with piecewise-linear embeddings, dropout, the members' loss,
/// AdamW and a per-step schedule (the short last batch included).
#[test]
fn a_tabm_epoch_after_the_first_allocates_nothing() {
    let p = common::prepare(0);
    let arch = ndnet_trainer::Architecture::mlp(10, &[16, 16], 1)
        .with_dropout(0.1)
        .with_members(4, ndnet_trainer::Ensemble::Tabm)
        .with_numeric(ndnet_trainer::NumericEmbedding::PiecewiseLinear { bins: 8, dim: 4, tree: false });
    let mut model = arch.spec_for(&p).unwrap().build::<f32>(&ndnet_tabular::registry(), 0).unwrap();
    let loss = ndnet_tabular::Members::new(Mse, 4, 1);
    let mut opt = ndnet_optim::Adam::new(ndnet_optim::AdamConfig::pytorch_adamw(0.002)).unwrap();
    let mut batches = common::batches(&p, 32);
    let schedule = ndnet_optim::Schedule::named("flat-cosine", 4 * batches.len() as u64).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(10).with_verbose(false).with_step_schedule(schedule)).unwrap();
    trainer.run_epoch(1, &mut model, &loss, &mut opt, &mut batches).unwrap();
    let before = allocations();
    for epoch in 2..=4 {
        trainer.run_epoch(epoch, &mut model, &loss, &mut opt, &mut batches).unwrap();
    }
    let n = allocations() - before;
    println!("allocations in 3 TabM epochs of {} batches: {n}", batches.len());
    assert_eq!(n, 0);
}
