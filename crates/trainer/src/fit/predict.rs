//! Prediction on new rows: the saved [`Pipeline`] prepares them exactly as it prepared the
//! training rows, the model runs, and the target scaler maps the outputs back to the target's
//! units. [`predict_csv`] does it file to file.
//!
//! ```
//! use ndnet_layers::Sequential;
//! use ndnet_trainer::{Prepared, PipelineConfig, Table, predict_table};
//! use rand::SeedableRng;
//! let csv = b"price,rooms,town\n100,3,A\n150,4,B\n120,4,A\n180,5,B\n90,2,A\n";
//! let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! let p = Prepared::<f64>::from_table(&table, &PipelineConfig::new("price"), 0.0, 0.2, 1).unwrap();
//! let mut model = Sequential::<f64>::mlp(&[3, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let new = Table::from_csv_bytes(b"town,rooms\nB,3\n", "new.csv".as_ref()).unwrap(); // no target, other order
//! assert_eq!(predict_table(&mut model, &p.pipeline, &new).unwrap().dim(), (1, 1));
//! ```

use std::path::Path;

use ndarray::{Array2, NdFloat};
use ndnet_layers::Model;

use crate::atomic::write_atomic;
use crate::{Pipeline, Result, Table};

/// Predictions for every row of `table`, in the target's units (one column). The target column
/// may be absent; the feature columns are found by name. The model runs in inference mode (and
/// is left in [`Mode::Eval`](ndnet_layers::Mode::Eval)).
///
/// Errors as [`Pipeline::encode`] does (file, line and column), or when the model does not take
/// the pipeline's inputs.
pub fn predict_table<F: NdFloat>(model: &mut dyn Model<F>, pipeline: &Pipeline, table: &Table) -> Result<Array2<f64>> {
    let rows: Vec<usize> = (0..table.len()).collect();
    let (x, _) = pipeline.encode(table, &rows)?;
    model.set_mode(ndnet_layers::Mode::Eval);
    let out = model.predict(pipeline.transform_x::<F>(&x).view())?;
    Ok(pipeline.inverse_y(&out))
}

/// Reads `input`, predicts every row, and writes `output` (atomically): the input's columns as
/// they were, then `predicted_<target>`, each value written so that it reads back to the same
/// bits. Returns the number of rows.
///
/// Errors as [`Table::from_csv`] and [`predict_table`] do, when the input already has the
/// prediction column, or when `output` cannot be written.
pub fn predict_csv<F: NdFloat>(
    model: &mut dyn Model<F>,
    pipeline: &Pipeline,
    input: &Path,
    output: &Path,
) -> Result<usize> {
    let table = Table::from_csv(input)?;
    let column = format!("predicted_{}", pipeline.target());
    if table.header().contains(&column) {
        return Err(table.error(Some(1), &format!("already has a column `{column}`")));
    }
    let predictions = predict_table(model, pipeline, &table)?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| table.error(None, &format!("cannot write the predictions: {e}"));
    let mut header = csv::ByteRecord::from(table.header().to_vec());
    header.push_field(column.as_bytes());
    csv.write_byte_record(&header).map_err(io)?;
    for (r, p) in predictions.column(0).iter().enumerate() {
        let mut record = table.raw_row(r).clone();
        record.push_field(p.to_string().as_bytes()); // shortest text that reads back exactly
        csv.write_byte_record(&record).map_err(io)?;
    }
    let bytes = csv.into_inner().map_err(|e| table.error(None, &format!("cannot write the predictions: {e}")))?;
    write_atomic(output, &bytes)?;
    Ok(table.len())
}
