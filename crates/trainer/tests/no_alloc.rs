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
