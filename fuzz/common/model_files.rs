//! Structure-aware fuzzing of the model files `ndnet predict` reads: a real weights file's
//! metadata and a real checkpoint, as JSON trees, mutated by the fuzzer's bytes (a leaf set to
//! 0, −1, u64::MAX, 1e15, ±1e308, an array emptied, cut or grown, a node turned into another
//! type), then loaded with `load_model` and, when that succeeds, used to predict. The property:
//! every input gives `Ok` or `Err`, never a panic or an abort. Shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/model_file.rs`) and the proptest (`crates/trainer/tests/model_files.rs`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ndnet_data::{PipelineConfig, Prepared, Table};
use ndnet_layers::Model;
use ndnet_trainer::{
    Architecture, Batches, METADATA_KEY, RunMetadata, Trainer, TrainerConfig, load_model, predict_table,
    save_safetensors,
};
use serde_json::Value;

const CSV: &[u8] = b"a,b,town,price\n1,2,x,10\n2,1,y,12\n3,5,x,15\n4,3,y,11\n5,8,x,20\n6,2,y,14\n7,7,x,22\n8,1,y,13\n";

/// The real files every mutation starts from: the weights' tensors and metadata JSON, and a
/// checkpoint's JSON, of a 1-epoch model on a small table with a text column.
pub struct Templates {
    table: Table,
    tensors: Vec<(String, Vec<usize>, Vec<u8>)>,
    metadata: Value,
    checkpoint: Value,
    dir: PathBuf,
}

pub fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| {
        let table = Table::from_csv_bytes(CSV, Path::new("fuzz.csv")).expect("template table");
        let p = Prepared::<f32>::from_table(&table, &PipelineConfig::new("price"), 0.25, 0.0, 1).expect("prepared");
        let architecture = Architecture::mlp(p.pipeline.input_width(), &[3], 1).with_batch_norm(true);
        let mut model = architecture.build::<f32>(1).expect("model");
        let mut opt = ndnet_optim::Adam::new(ndnet_optim::AdamConfig::keras(0.01)).expect("adam");
        // A normalised interval too, so the calibration's checks are fuzzed with the rest.
        let width = p.pipeline.input_width();
        let spread = ndnet_trainer::Spread {
            weights: vec![0.1; width],
            squares: vec![0.01; width],
            bias: 0.0,
            log_range: [-1.0, 1.0],
        };
        let calibration =
            ndnet_trainer::Calibration::Interval { level: 0.9, quantile: 0.5, rows: 8, spread: Some(spread) };
        let metadata = RunMetadata::default()
            .with_pipeline(p.pipeline.clone())
            .with_architecture(architecture)
            .with_calibration(Some(calibration));
        let mut trainer = Trainer::new(TrainerConfig::new(1).with_verbose(false).with_progress(false))
            .expect("trainer")
            .with_metadata(metadata.clone());
        let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 4).expect("batches");
        trainer.fit(&mut model, &ndnet_layers::Mse, &mut opt, &mut batches, None).expect("fit");
        let dir = std::env::temp_dir().join(format!("ndnet-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fuzz dir");
        let weights = dir.join("template.safetensors");
        save_safetensors(&model, &metadata, &weights).expect("weights");
        let bytes = std::fs::read(&weights).expect("read weights");
        let file = safetensors::SafeTensors::deserialize(&bytes).expect("template safetensors");
        let tensors =
            file.tensors().into_iter().map(|(name, t)| (name, t.shape().to_vec(), t.data().to_vec())).collect();
        let checkpoint = serde_json::to_value(trainer.checkpoint(&model, &opt)).expect("checkpoint json");
        Templates { table, tensors, metadata: serde_json::to_value(&metadata).expect("json"), checkpoint, dir }
    })
}

/// Every node of `v` as a JSON pointer, in pre-order.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        Value::Object(map) => map.iter().for_each(|(k, x)| {
            let key = k.replace('~', "~0").replace('/', "~1");
            pointers(x, format!("{at}/{key}"), out)
        }),
        _ => {}
    }
    out.push(at);
}

/// Applies one mutation per 3 bytes of `data` to `v`.
pub fn mutate(v: &mut Value, data: &[u8]) {
    for chunk in data.chunks_exact(3) {
        let mut all = Vec::new();
        pointers(v, String::new(), &mut all);
        let at = &all[usize::from(u16::from_le_bytes([chunk[0], chunk[1]])) % all.len()];
        let Some(node) = v.pointer_mut(at) else { continue };
        *node = match (chunk[2] % 16, node.take()) {
            (0, _) => Value::from(0),
            (1, _) => Value::from(-1),
            (2, _) => Value::from(u64::MAX),
            (3, _) => Value::from(1e15),
            (4, _) => Value::from(1e308),
            (5, _) => Value::from(-1e308),
            (6, _) => Value::from(0.5),
            (7, _) => Value::from(""),
            (8, _) => Value::Array(Vec::new()),
            (9, _) => Value::Null,
            (10, Value::Array(mut a)) => {
                a.truncate(a.len() / 2);
                Value::Array(a)
            }
            (11, Value::Array(mut a)) => {
                let first = a.first().cloned().unwrap_or(Value::from(1));
                a.extend(std::iter::repeat_n(first, 3));
                Value::Array(a)
            }
            (12, Value::String(s)) => Value::from(format!("{s}x")),
            (13, _) => Value::from(true),
            (14, _) => Value::Object(Default::default()),
            (_, old) => old,
        };
    }
}

/// One fuzz case: the first byte picks the file kind, the rest mutate its JSON; the mutated file
/// is loaded and, if it loads, predicts the template table. Returns whether it loaded.
pub fn run_one(data: &[u8]) -> bool {
    let t = templates();
    let Some((&kind, edits)) = data.split_first() else { return false };
    let thread = format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_alphanumeric(), "");
    let path = if kind % 2 == 0 {
        let mut metadata = t.metadata.clone();
        mutate(&mut metadata, edits);
        let json = serde_json::to_string(&metadata).expect("json");
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = t
            .tensors
            .iter()
            .map(|(name, shape, bytes)| {
                let dtype = if name.ends_with("num_batches_tracked") {
                    safetensors::Dtype::I64
                } else {
                    safetensors::Dtype::F32
                };
                (name.clone(), safetensors::tensor::TensorView::new(dtype, shape.clone(), bytes).expect("view"))
            })
            .collect();
        let info = Some(std::collections::HashMap::from([(METADATA_KEY.to_string(), json)]));
        let path = t.dir.join(format!("case-{thread}.safetensors"));
        safetensors::serialize_to_file(views, info, &path).expect("write case");
        path
    } else {
        let mut checkpoint = t.checkpoint.clone();
        mutate(&mut checkpoint, edits);
        let path = t.dir.join(format!("case-{thread}.json"));
        std::fs::write(&path, serde_json::to_vec(&checkpoint).expect("json")).expect("write case");
        path
    };
    match load_model::<f32>(&path) {
        Ok((mut model, metadata)) => {
            let pipeline = metadata.pipeline.clone().expect("load_model checks there is one");
            let _ = predict_table(&mut model, &pipeline, &t.table);
            let _ =
                ndnet_trainer::predict_with_uncertainty(&mut model, &pipeline, metadata.calibration.as_ref(), &t.table);
            let _ = pipeline.check_inputs(&t.table);
            let _ = ndnet_export::export_onnx(
                &model,
                &RunMetadata { pipeline: Some(pipeline.clone()), ..metadata.clone() },
            );
            let _ = model.num_params();
            true
        }
        Err(_) => false,
    }
}
