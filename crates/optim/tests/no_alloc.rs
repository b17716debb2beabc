//! Updates allocate nothing after the first step (its own binary: a counting global allocator).

use ndarray::{Array1, Array2};
use ndnet_optim::{Adam, AdamConfig, Clip, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};

#[path = "../../../tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, allocations};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steps_after_the_first_allocate_nothing() {
    let mut opts: Vec<Box<dyn Optimizer<f32>>> = vec![
        Box::new(Sgd::new(SgdConfig::new(0.01).with_momentum(0.9).with_clip(Some(Clip::GlobalNorm(1.0)))).unwrap()),
        Box::new(RmsProp::new(RmsPropConfig::pytorch(0.01).with_centered(true).with_momentum(0.9)).unwrap()),
        Box::new(RmsProp::new(RmsPropConfig::keras(0.01).with_clip(Some(Clip::Norm(1.0)))).unwrap()),
        Box::new(Adam::new(AdamConfig::pytorch(0.01).with_amsgrad(true)).unwrap()),
        Box::new(Adam::new(AdamConfig::keras_adamw(0.01)).unwrap()),
        Box::new(Adam::new(AdamConfig::optax_adamw(0.01)).unwrap()),
    ];
    let mut w = Array2::<f32>::ones((10, 10));
    let mut b = Array1::<f32>::ones(10);
    let mut gw = Array2::<f32>::from_elem((10, 10), 0.5);
    let mut gb = Array1::<f32>::from_elem(10, -0.5);
    for opt in &mut opts {
        opt.step(&mut [
            (w.view_mut().into_dyn(), gw.view_mut().into_dyn()),
            (b.view_mut().into_dyn(), gb.view_mut().into_dyn()),
        ])
        .unwrap();
        let before = allocations();
        for _ in 0..100 {
            opt.step(&mut [
                (w.view_mut().into_dyn(), gw.view_mut().into_dyn()),
                (b.view_mut().into_dyn(), gb.view_mut().into_dyn()),
            ])
            .unwrap();
        }
        let n = allocations() - before;
        println!("{}: {n} allocations in 100 steps", opt.kind());
        assert_eq!(n, 0, "{}", opt.kind());
    }
}
