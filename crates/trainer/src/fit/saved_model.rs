//! [`load_model`]: a trained model back from the file alone — a checkpoint (`.json`) or
//! safetensors weights — rebuilt from the [`Architecture`](crate::Architecture) and
//! [`Pipeline`](crate::Pipeline) stored in it, each checked against the other before anything is
//! built (the file is untrusted input).
//!
//! ```
//! use ndnet_layers::Model;
//! use ndnet_trainer::{Architecture, Pipeline, RunMetadata, Standardize, load_model, save_safetensors};
//! let data = ndnet_trainer::Dataset {
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

use ndarray::NdFloat;
use ndnet_layers::{Model, Sequential};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::checkpoint::bad;
use crate::{Checkpoint, Result, RunMetadata, load_safetensors, read_safetensors_metadata};

/// The model stored in `path` (a checkpoint when the name ends in `.json`, else safetensors) and
/// the file's metadata. The file must hold an architecture and a pipeline whose widths agree and
/// finite parameters; errors name the file and what does not fit.
pub fn load_model<F: NdFloat + Serialize + DeserializeOwned + Send + 'static>(
    path: &Path,
) -> Result<(Sequential<F>, RunMetadata)> {
    let is_checkpoint = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (metadata, checkpoint) = if is_checkpoint {
        let ckpt = Checkpoint::<F>::load(path)?;
        (ckpt.metadata().clone(), Some(ckpt))
    } else {
        (read_safetensors_metadata(path)?, None)
    };
    let fail = |message: String| bad(path, message);
    let pipeline = metadata.pipeline.as_ref().ok_or_else(|| fail("stores no preprocessing pipeline".into()))?;
    pipeline.validate().map_err(|m| fail(format!("the stored pipeline is inconsistent: {m}")))?;
    let architecture = metadata.architecture.as_ref().ok_or_else(|| fail("stores no model architecture".into()))?;
    if architecture.inputs != pipeline.input_width() || architecture.outputs != pipeline.outputs() {
        return Err(fail(format!(
            "the stored architecture ({} inputs, {} outputs) does not fit the stored pipeline ({} inputs, {} outputs)",
            architecture.inputs,
            architecture.outputs,
            pipeline.input_width(),
            pipeline.outputs()
        )));
    }
    architecture.validate().map_err(|e| fail(format!("the stored architecture: {e}")))?;
    if let Some(calibration) = &metadata.calibration {
        calibration.validate(pipeline).map_err(fail)?;
    }
    // Every parameter takes at least a byte in either format: a file cannot ask for more memory
    // than it could hold.
    let bytes = std::fs::metadata(path).map_err(crate::error::io(path))?.len();
    if architecture.param_count() > u128::from(bytes) {
        let message = format!(
            "the stored architecture has {} parameters, more than a file of {bytes} bytes holds",
            architecture.param_count()
        );
        return Err(fail(message));
    }
    let mut model = architecture.build::<F>(0).map_err(|e| fail(e.to_string()))?;
    match &checkpoint {
        Some(ckpt) => {
            let restored = model.restore(ckpt.params()).and_then(|()| model.restore_state(ckpt.state()));
            restored.map_err(|e| fail(e.to_string()))?;
        }
        None => {
            load_safetensors(&mut model, path)?;
        }
    }
    if let Some(tensor) = crate::fit::trainer::non_finite_param(&model) {
        return Err(fail(format!("parameter `{tensor}` holds NaN or an infinity")));
    }
    Ok((model, metadata))
}
