//! Structure-aware fuzzing of the model files `ndnet predict` reads, against every check a whole
//! file gets. Three real files are the templates: a regression MLP with batch normalisation and a
//! normalised interval calibration, a TabM classification (two members, piecewise-linear
//! embeddings, an embedded text column, prediction sets), and the regression's checkpoint. A case
//! mutates one of them, chosen by its first byte:
//! - the metadata as a JSON tree (a leaf set to 0, −1, u64::MAX, 1e15, ±1e308, an array emptied,
//!   cut or grown, a node turned into another type) and the tensors' values (−1, NaN, ∞, 1e30…:
//!   a negative running variance, a weight out of range), written without a seal and without a
//!   format number, as a file from before the seal, so that the checks behind it are reached;
//! - a checkpoint the same way;
//! - a sealed file byte by byte (a byte XORed at each of up to two positions).
//!
//! It is then loaded with `load_model_bytes` and, when that succeeds, used to predict (with its
//! calibration), input-checked and exported to ONNX. The properties: every input gives `Ok` or
//! `Err`, never a panic or an abort; and a sealed file that loads after one or two of its bytes
//! were edited predicts exactly what the unedited file does (an edit the seal does not cover is
//! whitespace, or one that makes the file read as from before the seal without changing it).
//! Shared by the cargo-fuzz target (`fuzz/fuzz_targets/model_file.rs`) and the proptest
//! (`crates/export/tests/model_files.rs`).

use std::path::Path;
use std::sync::OnceLock;

use ndarray::Array2;
use ndnet_data::{PipelineConfig, Prepared, Table};
use ndnet_layers::Model;
use ndnet_trainer::{
    Architecture, Batches, Calibration, Ensemble, METADATA_KEY, NumericEmbedding, RunMetadata, Trainer, TrainerConfig,
    load_model_bytes, predict_with_uncertainty, safetensors_bytes,
};
use serde_json::Value;

const CSV: &[u8] = b"a,b,town,price\n1,2,x,10\n2,1,y,12\n3,5,x,15\n4,3,y,11\n5,8,x,20\n6,2,y,14\n7,7,x,22\n8,1,y,13\n";

/// One template file: the table it predicts, its tensors and metadata JSON (for the unsealed
/// mutations), its sealed bytes as ndnet wrote them, and what those predict.
pub struct Template {
    table: Table,
    tensors: Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)>,
    metadata: Value,
    sealed: Vec<u8>,
    predicted: Array2<f64>,
}

/// The templates: the regression's weights, the classification's weights, the regression's
/// checkpoint (JSON).
pub struct Templates {
    weights: [Template; 2],
    checkpoint: Value,
}

pub fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| {
        let (regression, checkpoint) = regression();
        Templates { weights: [regression, classification()], checkpoint }
    })
}

/// A template from a model and its metadata.
fn template(table: Table, model: &dyn Model<f32>, metadata: &RunMetadata) -> Template {
    let sealed = safetensors_bytes(model, metadata, Path::new("template.safetensors")).expect("template bytes");
    let file = safetensors::SafeTensors::deserialize(&sealed).expect("template safetensors");
    let tensors =
        file.tensors().into_iter().map(|(name, t)| (name, t.dtype(), t.shape().to_vec(), t.data().to_vec())).collect();
    let predicted = predicted(&sealed, "template.safetensors", &table).expect("the template loads and predicts");
    // The unsealed mutations start from the metadata as a file from before the seal has it (no
    // format number): ndnet refuses a numbered format without its seal.
    let mut metadata = serde_json::to_value(metadata).expect("json");
    metadata.as_object_mut().expect("an object").remove("format");
    Template { table, tensors, metadata, sealed, predicted }
}

/// A 1-epoch MLP with batch normalisation on a table with a text column, with a normalised
/// interval calibration, and its checkpoint.
fn regression() -> (Template, Value) {
    let table = Table::from_csv_bytes(CSV, Path::new("fuzz.csv")).expect("template table");
    let p = Prepared::<f32>::from_table(&table, &PipelineConfig::new("price"), 0.25, 0.0, 1).expect("prepared");
    let architecture = Architecture::mlp(p.pipeline.input_width(), &[3], 1).with_batch_norm(true);
    let mut model = architecture.build::<f32>(1).expect("model");
    let mut opt = ndnet_optim::Adam::new(ndnet_optim::AdamConfig::keras(0.01)).expect("adam");
    let width = p.pipeline.input_width();
    let spread = ndnet_trainer::Spread {
        weights: vec![0.1; width],
        squares: vec![0.01; width],
        bias: 0.0,
        log_range: [-1.0, 1.0],
    };
    let calibration = Calibration::Interval { level: 0.9, quantile: 0.5, rows: 8, spread: Some(spread) };
    let metadata = RunMetadata::default()
        .with_pipeline(p.pipeline.clone())
        .with_architecture(architecture)
        .with_calibration(Some(calibration));
    let mut trainer = Trainer::new(TrainerConfig::new(1).with_verbose(false).with_progress(false))
        .expect("trainer")
        .with_metadata(metadata.clone());
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 4).expect("batches");
    trainer.fit(&mut model, &ndnet_layers::Mse, &mut opt, &mut batches, None).expect("fit");
    let mut checkpoint = serde_json::to_value(trainer.checkpoint(&model, &opt)).expect("checkpoint json");
    checkpoint["metadata"].as_object_mut().expect("an object").remove("format");
    (template(table, &model, &metadata), checkpoint)
}

/// A TabM classification as the program's default recipe makes one, small: two members,
/// piecewise-linear embeddings of the numbers, an embedded text column, prediction sets.
fn classification() -> Template {
    let mut csv = String::from("a,b,town,kind\n");
    for i in 0..40 {
        let kind = ["No", "Yes", "Maybe"][i % 3];
        csv.push_str(&format!("{},{},t{},{kind}\n", i % 9, (i * 7) % 11, i % 6));
    }
    let table = Table::from_csv_bytes(csv.as_bytes(), Path::new("fuzz-classes.csv")).expect("classes table");
    let config = PipelineConfig::new("kind").with_embed_above(Some(2));
    let p = Prepared::<f32>::from_table(&table, &config, 0.25, 0.0, 1).expect("prepared");
    let categories = p.pipeline.embedded();
    let architecture = Architecture::mlp(p.pipeline.input_width(), &[4], p.pipeline.outputs())
        .with_members(2, Ensemble::Tabm)
        .with_numeric(NumericEmbedding::PiecewiseLinear { bins: 4, dim: 3, tree: false })
        .with_embeddings(categories, 2);
    let spec = architecture.spec_for(&p).expect("spec");
    let model = spec.build::<f32>(&ndnet_tabular::registry(), 1).expect("model");
    let calibration = Calibration::Sets { level: 0.9, threshold: 0.6, rows: 10 };
    let metadata =
        RunMetadata::default().with_pipeline(p.pipeline.clone()).with_model(spec).with_calibration(Some(calibration));
    template(table, &model, &metadata)
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

/// Sets values of the tensors, one per 3 bytes of `data` whose third byte asks for it (the JSON
/// mutations leave those alone): a tensor, an element, and one of the values a damaged or
/// edited file holds.
fn mutate_tensors(tensors: &mut [(String, safetensors::Dtype, Vec<usize>, Vec<u8>)], data: &[u8]) {
    const VALUES: [f32; 8] = [-1.0, f32::NAN, f32::INFINITY, 1e30, -0.0, 0.0, -1e-30, f32::MAX];
    for chunk in data.chunks_exact(3).filter(|c| c[2] % 16 == 15) {
        let (_, dtype, _, bytes) = &mut tensors[usize::from(chunk[0]) % tensors.len()];
        let value = VALUES[usize::from(chunk[2] >> 4) % VALUES.len()];
        let width = if *dtype == safetensors::Dtype::F32 { 4 } else { 8 };
        let Some(at) = (bytes.len() / width).checked_sub(1).map(|last| usize::from(chunk[1]).min(last) * width) else {
            continue;
        };
        let new = match *dtype {
            safetensors::Dtype::F32 => value.to_le_bytes().to_vec(),
            safetensors::Dtype::I64 => (value as i64).to_le_bytes().to_vec(),
            _ => f64::from(value).to_le_bytes().to_vec(),
        };
        bytes[at..at + width].copy_from_slice(&new);
    }
}

/// The bytes of a safetensors file of `tensors` with `metadata` stored unsealed.
fn unsealed_file(tensors: &[(String, safetensors::Dtype, Vec<usize>, Vec<u8>)], metadata: &Value) -> Vec<u8> {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            (name.clone(), safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes).expect("view"))
        })
        .collect();
    let json = serde_json::to_string(metadata).expect("json");
    let info = Some(std::collections::HashMap::from([(METADATA_KEY.to_string(), json)]));
    safetensors::serialize(views, info).expect("case bytes")
}

/// What the model file `bytes` (named `name`) predicts for `table`, after everything a loaded
/// model is used for (prediction with its calibration, the input check, ONNX export) ran
/// without a panic; `None` when the file is refused.
fn predicted(bytes: &[u8], name: &str, table: &Table) -> Option<Array2<f64>> {
    let (mut model, metadata) = load_model_bytes::<f32>(bytes, Path::new(name), &ndnet_tabular::registry()).ok()?;
    let pipeline = metadata.pipeline.clone().expect("load_model checks there is one");
    let predictions = predict_with_uncertainty(&mut model, &pipeline, metadata.calibration.as_ref(), table);
    let _ = pipeline.check_inputs(table);
    let _ = ndnet_export::export_onnx(&model, &metadata);
    let _ = model.num_params();
    Some(predictions.map(|p| p.0).unwrap_or_default())
}

/// One fuzz case: the first byte picks the file and the kind of edit, the rest edit it (see the
/// module); the edited file is loaded and, if it loads, used. Returns whether it loaded.
pub fn run_one(data: &[u8]) -> bool {
    let t = templates();
    let Some((&kind, edits)) = data.split_first() else { return false };
    match kind % 5 {
        k @ (0 | 1) => {
            let template = &t.weights[usize::from(k)];
            let mut metadata = template.metadata.clone();
            mutate(&mut metadata, edits);
            let mut tensors = template.tensors.clone();
            mutate_tensors(&mut tensors, edits);
            predicted(&unsealed_file(&tensors, &metadata), "case.safetensors", &template.table).is_some()
        }
        2 => {
            let mut checkpoint = t.checkpoint.clone();
            mutate(&mut checkpoint, edits);
            let bytes = serde_json::to_vec(&checkpoint).expect("json");
            predicted(&bytes, "case.json", &t.weights[0].table).is_some()
        }
        k => {
            let template = &t.weights[usize::from(k - 3)];
            let mut bytes = template.sealed.clone();
            // At most two changed bytes: what the seal guarantees to catch (with more, a file could
            // be edited into one from before the seal: its format number, its seal, its content).
            for chunk in edits.chunks_exact(3).take(2) {
                let at = usize::from(u16::from_le_bytes([chunk[0], chunk[1]])) * bytes.len() / 65536;
                bytes[at] ^= chunk[2];
            }
            let Some(predicted) = predicted(&bytes, "case.safetensors", &template.table) else { return false };
            let same = predicted.iter().zip(&template.predicted).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same && predicted.dim() == template.predicted.dim(),
                "an edited sealed file loaded and predicts otherwise"
            );
            true
        }
    }
}
