//! [`fit`]: one model trained on a prepared split as a tabular program trains it — the loss the
//! task calls for, early stopping on the validation loss with the best weights restored — and
//! [`evaluate`], its metrics on the test rows. What `ndnet train`, its cross-validation and the
//! Python estimators do, in the library.
//!
//! ```
//! use ndnet_data::{PipelineConfig, Prepared, Table};
//! use ndnet_optim::OptimizerOptions;
//! use ndnet_trainer::{Architecture, FitSettings, evaluate, fit};
//! let rows: String = (0..60).map(|i| format!("{},{}\n", i % 7, 0.5 * (i % 7) as f64 + 0.01 * i as f64)).collect();
//! let table = Table::from_csv_bytes(format!("x,y\n{rows}").as_bytes(), "t.csv".as_ref()).unwrap();
//! let p = Prepared::<f32>::from_table(&table, &PipelineConfig::new("y"), 0.2, 0.2, 1).unwrap();
//! let spec = Architecture::mlp(p.pipeline.input_width(), &[8], p.pipeline.outputs()).spec();
//! let settings = FitSettings::new(OptimizerOptions::new("adam").spec::<f32>().unwrap()).with_epochs(50);
//! let mut fitted = fit(&p, &spec, &settings).unwrap();
//! let (scores, _) = evaluate(&p, &mut fitted.model).unwrap().unwrap();
//! println!("{scores}");
//! ```

use ndarray::Array2;
use ndnet_data::{Prepared, Task};
use ndnet_layers::{
    BceWithLogits, ClassWeighted, CrossEntropy, DenseSpec, LabelSmoothing, Loss, Model, ModelSpec, RegressionLoss,
    Sequential,
};
use ndnet_optim::{Optimizer, OptimizerSpec, Schedule};
use ndnet_tabular::{Combine, Members};

use crate::error::config;
use crate::{
    Batches, ClassMetrics, EarlyStopping, Evaluation, Metrics, PredictOriginal, Result, Trainer, TrainerConfig,
};

/// How classes are weighted in the loss.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeight {
    /// `n / (classes · count)` per class (scikit-learn's `balanced`).
    Balanced,
    /// One weight per label, in label order.
    Given(Vec<f64>),
}

impl std::fmt::Display for ClassWeight {
    /// As `--class-weight` takes it: `balanced`, or the weights joined by commas.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClassWeight::Balanced => f.write_str("balanced"),
            ClassWeight::Given(w) => f.write_str(&w.iter().map(f64::to_string).collect::<Vec<_>>().join(",")),
        }
    }
}

/// How [`fit`] trains: the optimizer, the loss, the epochs and batches, early stopping, the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// The regression loss (default MSE); classes always train cross-entropy.
    pub loss: Option<RegressionLoss>,
    /// Class weights in the cross-entropy (classes only).
    pub class_weight: Option<ClassWeight>,
    /// The most epochs.
    pub epochs: u64,
    /// Rows per batch.
    pub batch_size: usize,
    /// Stop after this many epochs without a lower validation loss and keep the best weights;
    /// `None`: train every epoch and keep the last.
    pub patience: Option<u64>,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
    /// The learning-rate schedule over the run's steps, by name (one of `ndnet_optim::SCHEDULES`).
    pub schedule: String,
    /// Label smoothing of a classification's targets, in [0, 1) (0: none).
    pub label_smoothing: f64,
    /// Print each epoch and a progress bar.
    pub verbose: bool,
}

impl FitSettings {
    /// `optimizer`, 500 epochs of batches of 32 with early stopping after 20 epochs without
    /// progress, seed 42, quiet.
    pub fn new(optimizer: OptimizerSpec) -> Self {
        FitSettings {
            optimizer,
            loss: None,
            class_weight: None,
            epochs: 500,
            batch_size: 32,
            patience: Some(20),
            seed: 42,
            schedule: "constant".into(),
            label_smoothing: 0.0,
            verbose: false,
        }
    }
    /// Sets the learning-rate schedule by name.
    pub fn with_schedule(mut self, schedule: &str) -> Self {
        self.schedule = schedule.to_string();
        self
    }
    /// Sets label smoothing for classes.
    pub fn with_label_smoothing(mut self, eps: f64) -> Self {
        self.label_smoothing = eps;
        self
    }
    /// Sets the most epochs.
    pub fn with_epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }
    /// Sets the batch size.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Sets the early-stopping patience (`None`: none).
    pub fn with_patience(mut self, patience: Option<u64>) -> Self {
        self.patience = patience;
        self
    }
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the regression loss.
    pub fn with_loss(mut self, loss: Option<RegressionLoss>) -> Self {
        self.loss = loss;
        self
    }
    /// Sets the class weights.
    pub fn with_class_weight(mut self, class_weight: Option<ClassWeight>) -> Self {
        self.class_weight = class_weight;
        self
    }
    /// Sets printing.
    pub fn with_verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
}

/// A trained model with its trainer (history, best epoch) and optimizer (for the checkpoint).
pub struct Fitted {
    /// The model, with the best weights when early stopping kept them.
    pub model: Sequential<f32>,
    /// The trainer that trained it.
    pub trainer: Trainer<f32>,
    /// The optimizer, as it ended.
    pub optimizer: Box<dyn Optimizer<f32>>,
}

/// The loss for the task: the settings' regression loss, or cross-entropy on logits for classes
/// (one logit and [`BceWithLogits`] for two), weighted when the settings say so.
///
/// Errors on class weights for a regression, or weights that do not fit the labels.
pub fn task_loss(p: &Prepared<f32>, settings: &FitSettings) -> Result<Box<dyn Loss<f32>>> {
    let labels = p.pipeline.labels();
    match (p.pipeline.task(), &settings.class_weight) {
        (Task::Regression, Some(w)) => Err(config("class-weight", w, "only with classes")),
        (Task::Regression, None) => Ok(Box::new(settings.loss.unwrap_or(RegressionLoss::Mse))),
        (Task::Classification, _) if let Some(loss) = settings.loss => {
            Err(config("loss", loss, "crossentropy for a classification (the default), or the regression task"))
        }
        (Task::Classification, None) if settings.label_smoothing > 0.0 => Ok(Box::new(
            LabelSmoothing::new(settings.label_smoothing)
                .map_err(|e| config("label-smoothing", settings.label_smoothing, e))?,
        )),
        (Task::Classification, None) if labels.len() == 2 => Ok(Box::new(BceWithLogits)),
        (Task::Classification, None) => Ok(Box::new(CrossEntropy)),
        (Task::Classification, Some(w)) if settings.label_smoothing > 0.0 => {
            Err(config("class-weight", w, "without label smoothing (one of the two)"))
        }
        (Task::Classification, Some(ClassWeight::Balanced)) => {
            let targets: Vec<usize> = p.split.train.y.iter().map(|&c| c as usize).collect();
            Ok(Box::new(ClassWeighted::balanced(&targets, labels.len())?))
        }
        (Task::Classification, Some(ClassWeight::Given(weights))) => {
            let text = settings.class_weight.as_ref().map(ToString::to_string).unwrap_or_default();
            let allowed =
                || format!("balanced, or {} weights > 0 in label order ({})", labels.len(), labels.join(", "));
            if weights.len() != labels.len() {
                return Err(config("class-weight", text, allowed()));
            }
            let loss = ClassWeighted::new(weights.clone()).map_err(|e| config("class-weight", &text, e))?;
            Ok(Box::new(loss))
        }
    }
}

/// The task's loss over an ensemble's `members` outputs ([`Members`]: each member's loss while
/// training, the combined prediction's when validating), or the loss itself for one network.
pub fn members_loss(loss: Box<dyn Loss<f32>>, members: usize, p: &Prepared<f32>) -> Box<dyn Loss<f32>> {
    if members <= 1 {
        return loss;
    }
    let combine = match p.pipeline.task() {
        Task::Regression => Combine::Mean,
        Task::Classification => Combine::Probabilities,
    };
    Box::new(Members::new(loss, members, p.pipeline.outputs()).with_combine(combine))
}

/// Optimizer steps early stopping waits at least, whatever the patience in epochs: on a small
/// table an epoch is one batch, and 8 epochs' patience ends a network after a few dozen steps
/// (17 on a 30-row table). docs/tabular.md has the figures.
const MIN_PATIENCE_STEPS: u64 = 32;

/// Trains the model `spec` describes on `p` as `settings` say: weights from the settings' seed,
/// early stopping on the validation loss with the best weights restored (unless turned off or
/// there are no validation rows; its patience is at least 32 optimizer steps),
/// validation accuracy recorded for classes.
pub fn fit(p: &Prepared<f32>, spec: &ModelSpec, settings: &FitSettings) -> Result<Fitted> {
    let mut model = spec.build::<f32>(&ndnet_tabular::registry(), settings.seed)?;
    let mut optimizer = settings.optimizer.build::<f32>()?;
    let loss = members_loss(task_loss(p, settings)?, model.members(), p);
    let steps = settings.epochs.saturating_mul(p.train_x.nrows().div_ceil(settings.batch_size.max(1)) as u64);
    let schedule = Schedule::named(&settings.schedule, steps)?;
    let mut config = TrainerConfig::new(settings.epochs)
        .with_seed(settings.seed)
        .with_verbose(settings.verbose)
        .with_progress(settings.verbose)
        .with_val_accuracy(p.pipeline.task() == Task::Classification)
        .with_step_schedule(schedule);
    let validation = (p.val_x.nrows() > 0).then_some((&p.val_x, &p.val_y));
    if let Some(patience) = settings.patience.filter(|_| validation.is_some()) {
        let per_epoch = (p.train_x.nrows().div_ceil(settings.batch_size.max(1)) as u64).max(1);
        let patience = patience.max(MIN_PATIENCE_STEPS.div_ceil(per_epoch));
        config = config.with_early_stopping(EarlyStopping::new(patience).with_restore_best(true));
    }
    let mut trainer = Trainer::new(config)?;
    let mut batches = Batches::of(p.train_x.view(), p.train_y.view(), settings.batch_size)?;
    trainer.fit(&mut model, loss.as_ref(), optimizer.as_mut(), &mut batches, validation)?;
    Ok(Fitted { model, trainer, optimizer })
}

/// The test metrics and predictions (values, or class probabilities), when there are test rows.
pub fn evaluate(p: &Prepared<f32>, model: &mut dyn Model<f32>) -> Result<Option<(Evaluation, Array2<f64>)>> {
    let rows = p.test_x.nrows();
    if rows == 0 {
        return Ok(None);
    }
    let predicted = p.predict_original(model, &p.test_x)?;
    let truth = &p.split.test.y;
    let evaluation = match p.pipeline.task() {
        Task::Regression => Evaluation::Regression { rows, metrics: Metrics::compute(&predicted, truth) },
        Task::Classification => {
            Evaluation::Classification { rows, metrics: ClassMetrics::multiclass(&predicted, truth) }
        }
    };
    Ok(Some((evaluation, predicted)))
}

/// The baseline of a model: its leading embedding layers (the same inputs) and one dense layer
/// to `outputs` — a linear or logistic model on the same split.
pub fn baseline_of(spec: &ModelSpec, outputs: usize) -> ModelSpec {
    let embeddings = spec.layers.iter().take_while(|l| l.kind == "embedding").cloned();
    let mut baseline = ModelSpec { inputs: spec.inputs, layers: embeddings.collect() };
    baseline = baseline.push(&DenseSpec::new(outputs));
    baseline
}

/// Optimizer steps a baseline takes (at least one epoch), and batches an epoch of it has at
/// least. A linear or logistic model is fitted to the end, as scikit-learn's are: early stopping
/// on a small validation set keeps an early, unfinished fit, and a small table's epochs of one
/// batch each never get far (trained like the network, a 200-row table's logistic baseline stops
/// at 0.28 accuracy; docs/reliability.md has the figures against scikit-learn).
const BASELINE_STEPS: u64 = 5_000;
const BASELINE_BATCHES: usize = 8;

/// Trains the baseline of `spec` ([`baseline_of`]) on `p`: `settings`' optimizer, loss and seed,
/// in batches small enough for 8 an epoch, for 5,000 steps (at least one epoch) without early
/// stopping, so that its score is the linear model's, not an unfinished one's.
pub fn fit_baseline(p: &Prepared<f32>, spec: &ModelSpec, settings: &FitSettings) -> Result<Fitted> {
    let rows = p.train_x.nrows().max(1);
    let batch_size = settings.batch_size.min(rows.div_ceil(BASELINE_BATCHES)).max(1);
    let per_epoch = rows.div_ceil(batch_size) as u64;
    let epochs = BASELINE_STEPS.div_ceil(per_epoch);
    let settings = settings.clone().with_batch_size(batch_size).with_epochs(epochs).with_patience(None);
    fit(p, &baseline_of(spec, p.pipeline.outputs()), &settings)
}

/// `linear` or `logistic`: the baseline's name for a task.
pub fn baseline_name(task: Task) -> &'static str {
    match task {
        Task::Regression => "linear",
        Task::Classification => "logistic",
    }
}
