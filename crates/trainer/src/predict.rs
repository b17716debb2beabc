//! Prediction on new rows: the saved [`Pipeline`] prepares them exactly as it prepared the
//! training rows, the model runs, and the target scaler maps the outputs back to the target's
//! units (or, for a classification, turns the logits into class probabilities). [`predict_csv`]
//! does it file to file.
//!
//! ```
//! use ndnet_layers::Sequential;
//! use ndnet_data::{Prepared, PipelineConfig, Table};
//! use ndnet_trainer::predict_table;
//! use rand::SeedableRng;
//! let csv = b"price,rooms,town\n100,3,A\n150,4,B\n120,4,A\n180,5,B\n90,2,A\n";
//! let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! let p = Prepared::<f64>::from_table(&table, &PipelineConfig::new("price"), 0.0, 0.2, 1).unwrap();
//! let mut model = Sequential::<f64>::mlp(&[3, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let new = Table::from_csv_bytes(b"town,rooms\nB,3\n", "new.csv".as_ref()).unwrap(); // no target, other order
//! assert_eq!(predict_table(&mut model, &p.pipeline, &new).unwrap().dim(), (1, 1));
//! ```

use std::path::Path;

use ndarray::{Array2, ArrayView1, Axis, NdFloat, Slice};
use ndnet_layers::Model;

use ndnet_data::{Pipeline, Prepared, Table, Task};
use ndnet_files::write_atomic_by;

use crate::{Calibration, Result, Uncertainty};

/// The model's predictions for prepared rows, in the target's original units: what every
/// evaluation of a [`Prepared`] split needs (a trait here, since the data crate knows no model).
pub trait PredictOriginal<F> {
    /// The model's predictions for `x` (already transformed), in the target's original units,
    /// in inference mode (the model is left in [`Mode::Eval`](ndnet_layers::Mode::Eval)). For a
    /// classification these are the class probabilities (rows × labels, see
    /// [`Pipeline::decode`]).
    fn predict_original(&self, model: &mut dyn Model<F>, x: &Array2<F>) -> Result<Array2<f64>>;
}

impl<F: NdFloat> PredictOriginal<F> for Prepared<F> {
    fn predict_original(&self, model: &mut dyn Model<F>, x: &Array2<F>) -> Result<Array2<f64>> {
        model.set_mode(ndnet_layers::Mode::Eval);
        let members = model.members();
        Ok(self.pipeline.decode_members(&model.infer(x.view())?, members)?)
    }
}

/// Predictions for every row of `table`: values in the target's units for a regression (one
/// column per model output), class probabilities (one column per label) for a classification
/// ([`Pipeline::decode`]). The target column may be absent; the feature columns are found by
/// name. The model runs in inference mode (and is left in [`Mode::Eval`](ndnet_layers::Mode::Eval)).
///
/// Errors as [`Pipeline::encode`] does (file, line and column), when an input or a prediction
/// is not finite (naming the line), or when the model does not take the pipeline's inputs or
/// give its outputs.
pub fn predict_table<F: NdFloat>(model: &mut dyn Model<F>, pipeline: &Pipeline, table: &Table) -> Result<Array2<f64>> {
    Ok(predict_with_uncertainty(model, pipeline, None, table)?.0)
}

/// Rows encoded and predicted at a time: what prediction holds beyond the table and the
/// predictions is one block's inputs, whatever the table's size. A row's bits do not depend on
/// its block (every step is row by row, and inference runs in fixed blocks of its own).
const PREDICT_ROWS: usize = 16_384;

/// [`predict_table`], with what `calibration` (when given) adds to each row: its interval in the
/// target's units, or its prediction set ([`Calibration::uncertainty`]).
pub fn predict_with_uncertainty<F: NdFloat>(
    model: &mut dyn Model<F>,
    pipeline: &Pipeline,
    calibration: Option<&Calibration>,
    table: &Table,
) -> Result<(Array2<f64>, Option<Uncertainty>)> {
    model.set_mode(ndnet_layers::Mode::Eval);
    let all: Vec<usize> = (0..table.len()).collect();
    let blocks: Vec<&[usize]> = if all.is_empty() { vec![&[]] } else { all.chunks(PREDICT_ROWS).collect() };
    let (mut predictions, mut uncertainty): (Option<Array2<f64>>, Option<Uncertainty>) = (None, None);
    for (b, rows) in blocks.into_iter().enumerate() {
        let (x, _) = pipeline.encode(table, rows)?;
        let input = pipeline.model_input::<F>(table, rows, &x)?;
        drop(x);
        let block = pipeline.decode_members(&model.infer(input.view())?, model.members())?;
        if let Some((i, row)) = block.rows().into_iter().enumerate().find(|(_, r)| r.iter().any(|v| !v.is_finite())) {
            let message = format!(
                "the prediction is not finite ({row}): the row's inputs are far outside what the model was trained on"
            );
            return Err(table.error(Some(table.line(rows[i])), &message).into());
        }
        // The spread reads the model's own inputs (in `F`), as training calibrated it.
        let extra =
            calibration.map(|c| c.uncertainty(pipeline, &block, input.mapv(|v| v.to_f64().unwrap_or(f64::NAN)).view()));
        uncertainty = match (uncertainty, extra) {
            (Some(so_far), Some(more)) => Some(so_far.append(more)),
            (so_far, more) => so_far.or(more),
        };
        let start = b * PREDICT_ROWS;
        let whole = predictions.get_or_insert_with(|| Array2::zeros((all.len(), block.ncols())));
        whole.slice_axis_mut(Axis(0), Slice::from(start..start + rows.len())).assign(&block);
    }
    Ok((predictions.unwrap_or_default(), uncertainty))
}

/// The class of each row of `probabilities`: the most probable one, the first on ties (so two
/// classes at exactly 0.5 each give the first, as scikit-learn's `predict`).
///
/// ```
/// let p = ndarray::array![[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]];
/// assert_eq!(ndnet_trainer::predicted_classes(&p), [1, 0, 1]);
/// ```
pub fn predicted_classes(probabilities: &Array2<f64>) -> Vec<usize> {
    let best = |row: ArrayView1<'_, f64>| row.iter().enumerate().fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
    probabilities.rows().into_iter().map(best).collect()
}

/// The names of the columns [`predict_csv`] adds for `pipeline`: `predicted_<target>` (with
/// `_<k>` per output of a multi-output regression), then `probability_<label>` per class; with an
/// interval `<target>_lower` and `<target>_upper`, with prediction sets `prediction_set`.
pub fn prediction_columns(pipeline: &Pipeline, outputs: usize, calibrated: bool) -> Vec<String> {
    let target = pipeline.target();
    let mut columns: Vec<String> = match pipeline.task() {
        Task::Regression if outputs == 1 => vec![format!("predicted_{target}")],
        Task::Regression => (0..outputs).map(|k| format!("predicted_{target}_{k}")).collect(),
        Task::Classification => std::iter::once(format!("predicted_{target}"))
            .chain(pipeline.labels().iter().map(|l| format!("probability_{l}")))
            .collect(),
    };
    match (calibrated, pipeline.task()) {
        (false, _) => {}
        (true, Task::Regression) => columns.extend([format!("{target}_lower"), format!("{target}_upper")]),
        (true, Task::Classification) => columns.push("prediction_set".into()),
    }
    columns
}

/// A prediction set as one cell: its labels joined by `|`.
pub fn set_text(pipeline: &Pipeline, set: &[usize]) -> String {
    set.iter().map(|&c| pipeline.labels()[c].as_str()).collect::<Vec<_>>().join("|")
}

/// Writes rows `rows` of `table` with their `predictions` (as [`predict_table`] gives them, a
/// row each) and their `uncertainty` to `output`, atomically, as [`predict_csv`] does: the rows'
/// cells as they were, then [`prediction_columns`]. Errors when the table already has one of those
/// columns or the file cannot be written.
pub fn write_predictions(
    table: &Table,
    rows: &[usize],
    pipeline: &Pipeline,
    predictions: &Array2<f64>,
    uncertainty: Option<&Uncertainty>,
    output: &Path,
) -> Result<()> {
    let outputs = if pipeline.task() == Task::Regression { predictions.ncols() } else { 1 };
    let columns = prediction_columns(pipeline, outputs, uncertainty.is_some());
    if let Some(c) = columns.iter().find(|c| table.header().contains(c)) {
        return Err(table.error(Some(1), &format!("already has a column `{c}`")).into());
    }
    let classes = (pipeline.task() == Task::Classification).then(|| predicted_classes(predictions));
    // Streamed to the file: a large table's predictions are never held whole as text.
    Ok(write_atomic_by(output, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = csv::ByteRecord::from(table.header().to_vec());
        columns.iter().for_each(|c| header.push_field(c.as_bytes()));
        csv.write_byte_record(&header)?;
        for (i, (&r, row)) in rows.iter().zip(predictions.rows()).enumerate() {
            let mut record = table.raw_row(r);
            if let Some(classes) = &classes {
                record.push_field(pipeline.labels()[classes[i]].as_bytes());
            }
            // The shortest text that reads back exactly.
            row.iter().for_each(|p| record.push_field(p.to_string().as_bytes()));
            match uncertainty {
                Some(Uncertainty::Interval { lower, upper }) => {
                    record.push_field(lower[i].to_string().as_bytes());
                    record.push_field(upper[i].to_string().as_bytes());
                }
                Some(Uncertainty::Sets(sets)) => record.push_field(set_text(pipeline, &sets[i]).as_bytes()),
                None => {}
            }
            csv.write_byte_record(&record)?;
        }
        csv.flush()
    })?)
}

/// Reads `input`, predicts every row, and writes `output` (atomically): the input's columns as
/// they were, then [`prediction_columns`] — the values, or the predicted label and each class's
/// probability, and what `calibration` adds — each number written so that it reads back to the
/// same bits. Returns the number of rows.
///
/// Errors as [`Table::from_csv`] and [`predict_table`] do, when the input already has one of
/// the prediction columns, or when `output` cannot be written.
pub fn predict_csv<F: NdFloat>(
    model: &mut dyn Model<F>,
    pipeline: &Pipeline,
    calibration: Option<&Calibration>,
    input: &Path,
    output: &Path,
) -> Result<usize> {
    let table = Table::from_csv(input)?;
    let (predictions, uncertainty) = predict_with_uncertainty(model, pipeline, calibration, &table)?;
    let rows: Vec<usize> = (0..table.len()).collect();
    write_predictions(&table, &rows, pipeline, &predictions, uncertainty.as_ref(), output)?;
    Ok(table.len())
}
