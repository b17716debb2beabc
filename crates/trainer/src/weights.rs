//! Model parameters as safetensors, named as the model names them (`0.weight`, `0.bias`, … for a
//! `Sequential`, as PyTorch names an `nn.Sequential`'s state dict), so
//! `safetensors.torch.load_file` reads them. The run's [`RunMetadata`] (preprocessing pipeline,
//! program settings) is stored as JSON in the file's metadata under `ndnet.metadata`, so the
//! weights file alone is enough to rebuild the model and predict on new rows.
//!
//! State that PyTorch keeps in its state dict is written too, under its names
//! (`1.running_mean`, `1.running_var`, `1.num_batches_tracked` as an int64 scalar for a
//! BatchNorm1d at position 1), so the equivalent `torch.nn.Sequential` takes the file with
//! `load_state_dict(strict=True)`; ndnet's own state (a dropout's mask stream) is left out.
//!
//! Note the layout: ndnet's Dense weight is inputs × outputs (`y = x·W`); `torch.nn.Linear`
//! keeps outputs × inputs, so load into PyTorch with `weight.T`.
//!
//! ```
//! use ndnet_layers::{Model, Sequential};
//! use ndnet_trainer::{RunMetadata, load_safetensors, save_safetensors};
//! use rand::SeedableRng;
//! let a = Sequential::<f32>::mlp(&[3, 2, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
//! let mut b = Sequential::<f32>::mlp(&[3, 2, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(2)).unwrap();
//! let path = std::env::temp_dir().join("ndnet-weights-doc.safetensors");
//! let meta = RunMetadata::default().with_settings(ndnet_trainer::Settings::default().with("widths", "3,2,1"));
//! save_safetensors(&a, &meta, &path).unwrap();
//! assert_eq!(load_safetensors(&mut b, &path).unwrap(), meta);
//! assert_eq!(a.snapshot(), b.snapshot());
//! ```

use std::collections::HashMap;
use std::path::Path;

use ndarray::{ArrayD, IxDyn, NdFloat};
use ndnet_layers::{Model, Saved, SavedState, StateValue};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::checkpoint::{bad, dtype_name};
use crate::error::io;
use crate::{MODEL_FORMAT, Result, RunMetadata};
use ndnet_files::write_atomic;

/// The safetensors metadata key the [`RunMetadata`] is stored under (as JSON).
pub const METADATA_KEY: &str = "ndnet.metadata";

/// The digest of a model file's contents: the metadata's JSON and every tensor (name, type,
/// shape, bytes, in name order), sealed into the metadata ([`ndnet_files::seal`]).
fn digest_of<'a>(json: &str, tensors: impl Iterator<Item = (&'a str, Dtype, &'a [usize], &'a [u8])>) -> String {
    let mut parts: Vec<_> = tensors.collect();
    parts.sort_by(|a, b| a.0.cmp(b.0));
    let mut fields: Vec<Vec<u8>> = vec![json.as_bytes().to_vec()];
    for (name, dtype, shape, data) in parts {
        fields.push(name.as_bytes().to_vec());
        fields.push(format!("{dtype:?}").into_bytes());
        fields.push(shape.iter().flat_map(|&d| (d as u64).to_le_bytes()).collect());
        fields.push(data.to_vec());
    }
    ndnet_files::sha256_hex(fields.iter().map(Vec::as_slice))
}

fn dtype<F>() -> Dtype {
    if dtype_name::<F>() == "f32" { Dtype::F32 } else { Dtype::F64 }
}

/// Little-endian bytes of `v` in the model's float type.
fn le_bytes<F: NdFloat>(v: F) -> Vec<u8> {
    match dtype::<F>() {
        Dtype::F32 => v.to_f32().unwrap_or(f32::NAN).to_le_bytes().to_vec(),
        _ => v.to_f64().unwrap_or(f64::NAN).to_le_bytes().to_vec(),
    }
}

/// A value of the model's float type from its little-endian bytes (4 or 8 of them).
fn from_le_bytes<F: NdFloat>(c: &[u8]) -> F {
    let v = match c.try_into() {
        Ok(b4) => f64::from(f32::from_le_bytes(b4)),
        Err(_) => c.try_into().map(f64::from_le_bytes).unwrap_or(f64::NAN),
    };
    ndnet_layers::cast(v)
}

/// Writes every parameter of `model`, and the state PyTorch's state dict has, to `path`
/// (atomically) in the model's float type (counts as int64), with `metadata` as JSON under
/// [`METADATA_KEY`].
pub fn save_safetensors<F: NdFloat>(model: &dyn Model<F>, metadata: &RunMetadata, path: &Path) -> Result<()> {
    Ok(write_atomic(path, &safetensors_bytes(model, metadata, path)?)?)
}

/// The bytes [`save_safetensors`] writes (`path` names the file in errors): what a caller that
/// keeps a model in memory — the Python package's estimators — holds and pickles.
pub fn safetensors_bytes<F: NdFloat>(model: &dyn Model<F>, metadata: &RunMetadata, path: &Path) -> Result<Vec<u8>> {
    let float = |t: &ArrayD<F>| t.iter().flat_map(|&v| le_bytes(v)).collect::<Vec<u8>>();
    let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> =
        model.snapshot().into_iter().map(|(name, t)| (name, dtype::<F>(), t.shape().to_vec(), float(&t))).collect();
    model.visit_state(&mut |name, value, saved| {
        if saved == Saved::Everywhere {
            tensors.push(match value {
                StateValue::Tensor(t) => (name.to_string(), dtype::<F>(), t.shape().to_vec(), float(&t.to_owned())),
                StateValue::Count(n) => (name.to_string(), Dtype::I64, Vec::new(), (n as i64).to_le_bytes().to_vec()),
            });
        }
    });
    let views = tensors
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            let view = TensorView::new(*dtype, shape.clone(), bytes).map_err(|e| bad(path, e.to_string()))?;
            Ok((name.clone(), view))
        })
        .collect::<Result<Vec<_>>>()?;
    let json = serde_json::to_string(metadata).map_err(|e| bad(path, format!("cannot encode the metadata: {e}")))?;
    let parts = views.iter().map(|(name, v)| (name.as_str(), v.dtype(), v.shape(), v.data()));
    let digest = digest_of(&json, parts);
    let metadata = Some(HashMap::from([(METADATA_KEY.to_string(), ndnet_files::seal(&json, &digest))]));
    safetensors::serialize(views, metadata).map_err(|e| bad(path, format!("cannot encode: {e}")))
}

/// Reads parameters, and the state PyTorch's state dict has, from `path` into `model`,
/// checking that every one is there with the model's shape and type (on error the model is
/// unchanged); returns the stored metadata (empty for a file written elsewhere).
pub fn load_safetensors<F: NdFloat>(model: &mut dyn Model<F>, path: &Path) -> Result<RunMetadata> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    load_safetensors_bytes(model, &bytes, path)
}

/// [`load_safetensors`] from a file's bytes in memory (`path` names it in errors).
pub fn load_safetensors_bytes<F: NdFloat>(model: &mut dyn Model<F>, bytes: &[u8], path: &Path) -> Result<RunMetadata> {
    let metadata = metadata_of(bytes, path)?; // the digest first: a damaged file says so
    let file = SafeTensors::deserialize(bytes).map_err(|e| bad(path, format!("not a safetensors file ({e})")))?;
    let mut params = Vec::new();
    for (name, value) in model.snapshot() {
        params.push((name.clone(), float_tensor(&file, &name, value.shape(), path)?));
    }
    let mut state = model.state_snapshot();
    let mut in_file = Vec::new();
    model.visit_state(&mut |_, _, saved| in_file.push(saved == Saved::Everywhere));
    for ((name, entry), in_file) in state.iter_mut().zip(in_file) {
        if !in_file {
            continue; // ndnet's own (a dropout's stream): kept as the model has it
        }
        *entry = match entry {
            SavedState::Tensor(t) => SavedState::Tensor(float_tensor(&file, name, t.shape(), path)?),
            SavedState::Count(_) => SavedState::Count(count(&file, name, path)?),
        };
    }
    let (before, before_state) = (model.snapshot(), model.state_snapshot());
    model.restore(&params).map_err(|e| bad(path, e.to_string()))?;
    if let Err(e) = model.restore_state(&state) {
        model.restore(&before)?;
        model.restore_state(&before_state)?;
        return Err(bad(path, e.to_string()));
    }
    Ok(metadata)
}

/// The file's tensor `name`, checked to be of the model's float type and of `shape`.
fn tensor<'a>(file: &'a SafeTensors<'a>, name: &str, path: &Path) -> Result<TensorView<'a>> {
    file.tensor(name).map_err(|_| {
        let mut names = file.names();
        names.sort();
        bad(path, format!("no tensor `{name}`; the file has: {}", names.join(", ")))
    })
}

fn float_tensor<F: NdFloat>(file: &SafeTensors<'_>, name: &str, shape: &[usize], path: &Path) -> Result<ArrayD<F>> {
    let t = tensor(file, name, path)?;
    if t.dtype() != dtype::<F>() {
        return Err(bad(path, format!("tensor `{name}` is {:?}, the model is {}", t.dtype(), dtype_name::<F>())));
    }
    if t.shape() != shape {
        let message = format!("tensor `{name}` has shape {:?}, the model has {:?}", t.shape(), shape);
        return Err(bad(path, message));
    }
    let data: Vec<F> = t.data().chunks_exact(std::mem::size_of::<F>()).map(from_le_bytes).collect();
    ArrayD::from_shape_vec(IxDyn(t.shape()), data).map_err(|e| bad(path, e.to_string()))
}

/// The file's int64 scalar `name` (PyTorch's `num_batches_tracked`), as a count.
fn count(file: &SafeTensors<'_>, name: &str, path: &Path) -> Result<u64> {
    let t = tensor(file, name, path)?;
    let value = match (t.dtype(), t.shape(), t.data().try_into()) {
        (Dtype::I64, [] | [1], Ok(bytes)) => i64::from_le_bytes(bytes),
        _ => {
            let message =
                format!("tensor `{name}` is {:?} of shape {:?}, the model has an int64 scalar", t.dtype(), t.shape());
            return Err(bad(path, message));
        }
    };
    u64::try_from(value).map_err(|_| bad(path, format!("tensor `{name}` is {value}, a count cannot be negative")))
}

/// The [`RunMetadata`] stored in the safetensors file `path`, without loading any tensor: what a
/// program reads first to rebuild the model the weights belong to.
pub fn read_safetensors_metadata(path: &Path) -> Result<RunMetadata> {
    metadata_of(&std::fs::read(path).map_err(io(path))?, path)
}

/// [`read_safetensors_metadata`] from a file's bytes in memory.
pub fn read_safetensors_metadata_bytes(bytes: &[u8], path: &Path) -> Result<RunMetadata> {
    metadata_of(bytes, path)
}

/// The `format` a metadata JSON text states (none in files from before formats were numbered).
fn metadata_format(json: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(json).ok()?.get("format")?.as_u64()
}

/// The file's metadata, after its digest (when it has one) is checked against its contents.
fn metadata_of(bytes: &[u8], path: &Path) -> Result<RunMetadata> {
    let (_, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(path, format!("not a safetensors file ({e})")))?;
    let json = meta.metadata().as_ref().and_then(|m| m.get(METADATA_KEY));
    if let Some((covered, Some(expected))) = json.map(|j| ndnet_files::unseal(j)) {
        let file = SafeTensors::deserialize(bytes).map_err(|e| bad(path, format!("not a safetensors file ({e})")))?;
        let tensors = file.tensors();
        let parts = tensors.iter().map(|(name, v)| (name.as_str(), v.dtype(), v.shape(), v.data()));
        if digest_of(&covered, parts) != expected {
            let message = "the file is damaged: its contents do not match the digest it was written with (a byte changed after ndnet wrote it)";
            return Err(bad(path, message.into()));
        }
    }
    let Some(json) = json else { return Ok(RunMetadata::default()) };
    crate::checkpoint::check_sealed(json, metadata_format(json), path)?;
    let newer = |format: u64| {
        let version = env!("CARGO_PKG_VERSION");
        format!(
            "written by a newer ndnet: model format {format}, and ndnet {version} reads formats up to {MODEL_FORMAT}"
        )
    };
    // The format first: a newer file's other fields may not parse, and that is not the story.
    let format = metadata_format(json);
    if let Some(format) = format.filter(|&f| f > u64::from(MODEL_FORMAT)) {
        return Err(bad(path, newer(format)));
    }
    serde_json::from_str(json)
        .map_err(|e| bad(path, format!("the stored `{METADATA_KEY}` is not ndnet run metadata: {e}")))
}
