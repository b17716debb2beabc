//! One training epoch of a TabM the size of the `tabm` recipe's (piecewise-linear embeddings of
//! 48 bins × 16 per number, hidden 128,128, dropout 0.1) with k = 8 and k = 32 members, over a
//! 20,000-row table of 8 numbers, batches of 256, AdamW and the members' loss: the work
//! `tools/bench/tabm_torch.py` times for the `tabm` package in PyTorch. `cargo bench --bench tabm_epoch`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::data::{PipelineConfig, Prepared, Table};
use ndnet::layers::Mse;
use ndnet::optim::{Adam, AdamConfig};
use ndnet::tabular::Members;
use ndnet::trainer::{Architecture, Batches, Ensemble, NumericEmbedding, Trainer, TrainerConfig};

/// A 20,000-row table of 8 numbers and a non-linear target, as CSV (the bench reads it as the
/// program reads a file; the same rows as tools/bench/tabm_torch.py's generator).
fn table(rows: usize) -> Table {
    let mut csv = String::from("x0,x1,x2,x3,x4,x5,x6,x7,y\n");
    let mut state = 12345u64;
    let mut next = || {
        // xorshift: deterministic, dependency-free numbers in [-2, 2)
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
    };
    for _ in 0..rows {
        let x: Vec<f64> = (0..8).map(|_| next()).collect();
        let y = x[0].sin() + x[1] * x[2] + x[3].abs();
        let cells: Vec<String> = x.iter().chain([y].iter()).map(|v| format!("{v:.6}")).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    Table::from_csv_bytes(csv.as_bytes(), "bench.csv".as_ref()).expect("a valid table")
}

fn tabm_epoch(c: &mut Criterion) {
    let rows = 20_000;
    let p = Prepared::<f32>::from_table(&table(rows), &PipelineConfig::new("y"), 0.0, 0.0, 1).expect("prepared");
    let mut g = c.benchmark_group("tabm_epoch");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows as u64));
    for members in [8usize, 32] {
        let arch = Architecture::mlp(p.pipeline.input_width(), &[128, 128], 1)
            .with_dropout(0.1)
            .with_members(members, Ensemble::Tabm)
            .with_numeric(NumericEmbedding::PiecewiseLinear { bins: 48, dim: 16, tree: false });
        let mut model = arch.spec_for(&p).expect("spec").build::<f32>(&ndnet::tabular::registry(), 0).expect("model");
        let loss = Members::new(Mse, members, 1);
        let mut opt = Adam::new(AdamConfig::pytorch_adamw(0.002)).expect("valid");
        let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 256).expect("valid");
        let mut trainer = Trainer::new(TrainerConfig::new(1).with_verbose(false)).expect("valid");
        let mut e = 0;
        g.bench_function(BenchmarkId::new("ndnet", members), |b| {
            b.iter(|| {
                e += 1;
                trainer.run_epoch(e, &mut model, &loss, &mut opt, &mut batches).expect("fits")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, tabm_epoch);
criterion_main!(benches);
