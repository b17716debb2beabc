//! One full epoch over a 20,640 × 10 synthetic table, batch 32: ndnet's Trainer with SGD and
//! RMSprop against the hand-fused loop (same batch order); and ndnet at 2,064 / 20,640 /
//! 206,400 rows to show the time is linear in rows. `cargo bench --bench epoch`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::layers::Mse;
use ndnet::optim::{Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};
use ndnet::rand::SeedableRng;
use ndnet::trainer::{Batches, Trainer, TrainerConfig};

#[path = "support/mod.rs"]
mod support;

fn epoch(c: &mut Criterion) {
    let mut g = c.benchmark_group("epoch");
    g.sample_size(20);
    for rows in [2_064usize, 20_640, 206_400] {
        let (x, y) = support::synthetic(rows, 2);
        g.throughput(Throughput::Elements(rows as u64));
        let optimizers: Vec<(&str, Box<dyn Optimizer<f32>>)> = if rows == 20_640 {
            vec![
                ("ndnet_rmsprop", Box::new(RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid"))),
                ("ndnet_sgd", Box::new(Sgd::new(SgdConfig::new(1e-2)).expect("valid"))),
            ]
        } else {
            vec![("ndnet_rmsprop", Box::new(RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid")))]
        };
        for (name, mut opt) in optimizers {
            let mut model = support::model(0, &[10, 10, 1]);
            let mut batches = Batches::new(x.clone(), y.clone(), 32).expect("valid");
            let mut trainer = Trainer::new(TrainerConfig::new(1).with_verbose(false)).expect("valid");
            let mut e = 0;
            g.bench_function(BenchmarkId::new(name, rows), |b| {
                b.iter(|| {
                    e += 1;
                    trainer.run_epoch(e, &mut model, &Mse, opt.as_mut(), &mut batches).expect("fits")
                })
            });
        }
        {
            // At every size: the growth per row is reported beside the hand-written loop's.
            let model = support::model(0, &[10, 10, 1]);
            let mut hand = support::HandFused::from_model(&model, 32, 1e-3);
            let (xs, ys) = (x.as_slice().expect("contiguous").to_vec(), y.as_slice().expect("contiguous").to_vec());
            // The Trainer's RNG: seed 0, one shuffle per epoch.
            let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(0);
            let mut scratch = support::Scratch::default();
            g.bench_function(BenchmarkId::new("hand_fused", rows), |b| {
                b.iter(|| hand.epoch(&xs, &ys, 32, &mut scratch, &mut rng))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, epoch);
criterion_main!(benches);
