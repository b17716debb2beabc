//! [`load_model`]: a trained model back from the file alone — a checkpoint (`.json`) or
//! safetensors weights — rebuilt from the [`ModelSpec`](ndnet_layers::ModelSpec) and
//! [`Pipeline`](ndnet_data::Pipeline) stored in it, each checked against the other before anything is
//! built (the file is untrusted input).
//!
//! ```
//! use ndnet_layers::Model;
//! use ndnet_data::{Pipeline, Standardize};
//! use ndnet_trainer::{Architecture, RunMetadata, load_model, save_safetensors};
//! let data = ndnet_data::Dataset {
//!     x: ndarray::array![[1.0, 2.0], [3.0, 5.0], [4.0, 1.0]], y: ndarray::array![[1.0], [2.0], [3.0]],
//!     feature_names: vec!["a".into(), "b".into()], target_name: "t".into(),
//! };
//! let architecture = Architecture::mlp(2, &[4], 1);
//! let model = architecture.build::<f32>(7).unwrap();
//! let metadata = RunMetadata::default().with_pipeline(Pipeline::fit(&data, Standardize::All)).with_architecture(architecture);
//! let path = std::env::temp_dir().join(format!("ndnet-load-model-doc-{}.safetensors", std::process::id()));
//! save_safetensors(&model, &metadata, &path).unwrap();
//! let (loaded, stored) = load_model::<f32>(&path).unwrap();
//! assert_eq!(loaded.snapshot(), model.snapshot());
//! assert_eq!(stored.pipeline.unwrap().target(), "t");
//! # std::fs::remove_file(&path).unwrap();
//! ```

use std::path::Path;

use ndnet_layers::{Model, Real, Registry, Sequential};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::checkpoint::bad;
use crate::{Checkpoint, Result, RunMetadata, load_safetensors_bytes, read_safetensors_metadata_bytes};

/// The model stored in `path` (a checkpoint when the name ends in `.json`, else safetensors) and
/// the file's metadata, its layers read with ndnet's kinds (`ndnet_tabular::registry`). The file
/// must hold a model description and a pipeline whose widths agree and finite parameters; errors
/// name the file and what does not fit.
pub fn load_model<F: Real + Serialize + DeserializeOwned>(path: &Path) -> Result<(Sequential<F>, RunMetadata)> {
    load_model_with(path, &ndnet_tabular::registry())
}

/// [`load_model`] with the layer kinds of `registry` (a research crate's own kinds too).
pub fn load_model_with<F: Real + Serialize + DeserializeOwned>(
    path: &Path,
    registry: &Registry,
) -> Result<(Sequential<F>, RunMetadata)> {
    let bytes = std::fs::read(path).map_err(crate::error::io(path))?;
    load_model_bytes(&bytes, path, registry)
}

/// [`load_model_with`] from a file's bytes in memory; `path` names it in errors (a checkpoint
/// when its name ends in `.json`).
pub fn load_model_bytes<F: Real + Serialize + DeserializeOwned>(
    bytes: &[u8],
    path: &Path,
    registry: &Registry,
) -> Result<(Sequential<F>, RunMetadata)> {
    let is_checkpoint = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (metadata, checkpoint) = if is_checkpoint {
        let ckpt = Checkpoint::<F>::from_bytes(bytes, path)?;
        (ckpt.metadata().clone(), Some(ckpt))
    } else {
        (read_safetensors_metadata_bytes(bytes, path)?, None)
    };
    let fail = |message: String| bad(path, message);
    let pipeline = metadata.pipeline.as_ref().ok_or_else(|| fail("stores no preprocessing pipeline".into()))?;
    pipeline.validate().map_err(|m| fail(format!("the stored pipeline is inconsistent: {m}")))?;
    let spec = metadata.model_spec().ok_or_else(|| fail("stores no model description".into()))?;
    let resolved = spec.resolve(registry).map_err(|e| fail(format!("the stored model: {e}")))?;
    let outputs = pipeline.outputs() * resolved.members();
    if spec.inputs != pipeline.input_width() || resolved.output_width() != outputs {
        return Err(fail(format!(
            "the stored model ({} inputs, {} outputs) does not fit the stored pipeline ({} inputs, {} outputs)",
            spec.inputs,
            resolved.output_width(),
            pipeline.input_width(),
            outputs
        )));
    }
    check_embeddings(&spec, pipeline).map_err(fail)?;
    if let Some(calibration) = &metadata.calibration {
        calibration.validate(pipeline).map_err(fail)?;
    }
    // Every parameter takes at least a byte in either format: a file cannot ask for more memory
    // than it could hold.
    let size = bytes.len() as u64;
    let params = spec.param_count(registry)?;
    if params > u128::from(size) {
        let message = format!("the stored model has {params} parameters, more than a file of {size} bytes holds");
        return Err(fail(message));
    }
    let mut model = spec.build::<F>(registry, 0).map_err(|e| fail(e.to_string()))?;
    match &checkpoint {
        Some(ckpt) => {
            let restored = model.restore(ckpt.params()).and_then(|()| model.restore_state(ckpt.state()));
            restored.map_err(|e| fail(e.to_string()))?;
        }
        None => {
            load_safetensors_bytes(&mut model, bytes, path)?;
        }
    }
    if let Some(tensor) = crate::trainer::non_finite_param(&model) {
        return Err(fail(format!("parameter `{tensor}` holds NaN or an infinity")));
    }
    check_state(&model).map_err(fail)?;
    Ok((model, metadata))
}

/// Each embedding layer's table has as many rows as its column has categories in the pipeline
/// (a table cut short would give known categories the zero vector, silently).
fn check_embeddings(
    spec: &ndnet_layers::ModelSpec,
    pipeline: &ndnet_data::Pipeline,
) -> std::result::Result<(), String> {
    let tables: Vec<u64> = spec
        .layers
        .iter()
        .filter(|l| l.kind == "embedding")
        .map(|l| l.settings.get("categories").and_then(serde_json::Value::as_u64).unwrap_or(0))
        .collect();
    let codes: Vec<u64> = pipeline.embedded().iter().map(|&c| c as u64).collect();
    if tables.is_empty() || tables == codes {
        return Ok(());
    }
    Err(format!(
        "the stored model's embedding tables have {tables:?} rows, the stored pipeline's embedded columns {codes:?} categories"
    ))
}

/// Running statistics and counters as a trained model has them: finite, and a variance ≥ 0.
fn check_state<F: Real>(model: &Sequential<F>) -> std::result::Result<(), String> {
    let mut bad = None;
    model.visit_state(&mut |name, value, _| {
        if let (None, ndnet_layers::StateValue::Tensor(t)) = (&bad, value) {
            let variance = name.name.ends_with("running_var");
            if t.iter().any(|v| !v.is_finite() || (variance && *v < F::zero())) {
                bad = Some(name.to_string());
            }
        }
    });
    match bad {
        Some(name) => {
            Err(format!("state `{name}` holds a value no training gives (NaN, an infinity, or a negative variance)"))
        }
        None => Ok(()),
    }
}
