//! The native module of the `ndnet` Python package (`ndnet._ndnet`): the program's own training
//! (`ndnet train`'s flags, parsed by the same code) and prediction (the model file's pipeline),
//! over tables handed in as CSV bytes and models held as the bytes of the weights file the
//! program writes. The scikit-learn estimators (`py/ndnet/sklearn.py`) are written on these four
//! functions; nothing of the pipeline or the training is written twice.
//!
//! Every call releases the Python thread lock while Rust works, reads the `bytes` it is given in
//! place (no copy of the table), and every error is a `ValueError` holding the one line the
//! program would print.
#![allow(unsafe_code)] // PyO3's macros expand to `unsafe` blocks; this crate writes none itself.

use std::path::Path;

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use ndnet_cli::train::{parse_args, train_table};
use ndnet_data::Table;
use ndnet_trainer::{Uncertainty, load_model_bytes, predict_with_uncertainty, safetensors_bytes};

/// The name errors give a table handed in from Python (its line 1 is the header, so row `i` of
/// a data frame is line `i + 2`).
const TABLE: &str = "data";
/// The name errors give a model held in memory.
const MODEL: &str = "model.safetensors";

type Outcome<T> = Result<T, String>;

fn value_error(message: String) -> PyErr {
    PyValueError::new_err(message)
}

/// Trains as `ndnet train <args>` would on the CSV table `csv` (header first), printing nothing
/// and writing nothing; returns the weights file's bytes.
#[pyfunction]
fn train(py: Python<'_>, csv: PyBackedBytes, args: Vec<String>) -> PyResult<Py<PyBytes>> {
    let bytes = py.detach(move || -> Outcome<Vec<u8>> {
        let head = ["ndnet train", "--data", TABLE, "--quiet"].map(String::from);
        let all = head.into_iter().chain(args);
        let args = parse_args(all.map(std::ffi::OsString::from)).map_err(|e| ndnet_cli::program::parser_error(&e))?;
        let table = Table::from_csv_bytes(&csv, Path::new(TABLE)).map_err(|e| e.to_string())?;
        let (model, metadata) = train_table(&args, &table).map_err(|e| e.to_string())?;
        safetensors_bytes(&model, &metadata, Path::new(MODEL)).map_err(|e| e.to_string())
    });
    Ok(PyBytes::new(py, &bytes.map_err(value_error)?).unbind())
}

/// The predictions of the model in `model` (a weights file's bytes) for the CSV table `csv`: the
/// values in the target's units (one column) or the class probabilities (one column per label),
/// and with `uncertainty` what the model's calibration adds — each row's interval `[lower,
/// upper]`, or its prediction set as 0/1 per label (`None` for a model without one).
#[pyfunction]
fn predict<'py>(
    py: Python<'py>,
    model: PyBackedBytes,
    csv: PyBackedBytes,
    uncertainty: bool,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Option<Bound<'py, PyArray2<f64>>>)> {
    let out = py.detach(move || -> Outcome<(Array2<f64>, Option<Array2<f64>>)> {
        let registry = ndnet_tabular::registry();
        let (mut net, metadata) =
            load_model_bytes::<f32>(&model, Path::new(MODEL), &registry).map_err(|e| e.to_string())?;
        let pipeline = metadata.pipeline.as_ref().ok_or("the model holds no pipeline")?;
        let table = Table::from_csv_bytes(&csv, Path::new(TABLE)).map_err(|e| e.to_string())?;
        let calibration = metadata.calibration.as_ref().filter(|_| uncertainty);
        let (values, extra) =
            predict_with_uncertainty(&mut net, pipeline, calibration, &table).map_err(|e| e.to_string())?;
        let extra = extra.map(|u| match u {
            Uncertainty::Interval { lower, upper } => {
                Array2::from_shape_fn((lower.len(), 2), |(i, j)| if j == 0 { lower[i] } else { upper[i] })
            }
            Uncertainty::Sets(sets) => {
                let labels = pipeline.labels().len();
                Array2::from_shape_fn((sets.len(), labels), |(i, k)| f64::from(u8::from(sets[i].contains(&k))))
            }
        });
        Ok((values, extra))
    });
    let (values, extra) = out.map_err(value_error)?;
    Ok((values.into_pyarray(py), extra.map(|e| e.into_pyarray(py))))
}

/// What a model file holds, as JSON: the task, target, labels, input columns, the calibration's
/// level, the ensemble's members, and the ndnet version that reads it.
#[pyfunction]
fn describe(py: Python<'_>, model: PyBackedBytes) -> PyResult<String> {
    let text = py.detach(move || -> Outcome<String> {
        let registry = ndnet_tabular::registry();
        let (net, metadata) =
            load_model_bytes::<f32>(&model, Path::new(MODEL), &registry).map_err(|e| e.to_string())?;
        let pipeline = metadata.pipeline.as_ref().ok_or("the model holds no pipeline")?;
        let columns: Vec<&str> = pipeline.encoders().iter().map(|e| e.column()).collect();
        let level = metadata.calibration.as_ref().map(|c| c.level());
        let described = serde_json::json!({
            "task": pipeline.task().to_string(),
            "target": pipeline.target(),
            "labels": pipeline.labels(),
            "columns": columns,
            "identifiers": pipeline.identifiers(),
            "level": level,
            "members": ndnet_layers::Model::members(&net),
            "version": env!("CARGO_PKG_VERSION"),
        });
        Ok(described.to_string())
    });
    text.map_err(value_error)
}

/// The module.
#[pymodule]
fn _ndnet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A library in a notebook prints nothing: the estimators' attributes say what the program
    // would have printed.
    ndnet_cli::program::silence();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(predict, m)?)?;
    m.add_function(wrap_pyfunction!(describe, m)?)?;
    Ok(())
}
