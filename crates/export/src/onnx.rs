//! [`export_onnx`]: a trained model and its whole preprocessing as one ONNX graph (opset 17), so a
//! service in any language runs it with an ONNX runtime and no ndnet: one graph input per input
//! column, named as the column — a number column as `double [N, 1]` (NaN for a missing cell), a
//! text or yes/no column as `string [N, 1]` (the cell as written, trimmed) — then, in order:
//!
//! 1. missing numbers filled with the training rows' fill (`IsNaN`, `Where`); yes/no words read
//!    in any case and missing markers filled (`ai.onnx.ml`'s `LabelEncoder` over every spelling);
//! 2. text columns one-hot coded against the training categories (`ai.onnx.ml`'s `LabelEncoder`
//!    to the category's index, then `Equal`; an unknown or missing cell is all zeros, as ndnet's
//!    `ignore`); an embedded column is its category's index (−1 for none), which its embedding
//!    layer turns into the table's row (or zeros);
//! 3. the feature scaler in double precision, then the network in the model's float type, each
//!    layer as its kind writes itself (`Gemm`, `BatchNormalization` with the running statistics,
//!    the activation; dropout is the identity at inference);
//! 4. the outputs: a regression's `predicted_<target>` through the inverse target scaler and
//!    `exp` for a log target, with `<target>_lower`/`<target>_upper` when the model is calibrated;
//!    classes' `probabilities` (`Sigmoid` or `Softmax`, labels in the metadata prop `labels`),
//!    `predicted_<target>` as the label, and `prediction_set` (1 for each label in the set) when
//!    calibrated. Metadata props: `target`, `labels` (JSON), `level` and `set_threshold` (a label
//!    is in a set when 1 − its probability ≤ it).
//!
//! What ndnet would refuse (text in a number column, a missing cell a column was trained
//! without filling) cannot be refused inside a graph: check inputs before calling it, or use
//! `ndnet predict --strict`.
//!

use std::collections::HashMap;
use std::path::Path;

use ndarray::NdFloat;
use ndnet_data::{CASED_MISSING_MARKERS, ColumnEncoder, MISSING_MARKERS, NumberTransform, Pipeline, Task};
use ndnet_layers::onnx::{OnnxAttr, OnnxGraph, OnnxLayer};
use ndnet_layers::{LayerError, Model, Registry, StateValue};
use ndnet_trainer::{Calibration, RunMetadata};

use crate::protobuf::Message;
use crate::{ExportError, Result};

/// The ONNX operator set the graph uses.
pub const ONNX_OPSET: i64 = 17;
/// The `ai.onnx.ml` operator set (for `LabelEncoder`).
pub const ONNX_ML_OPSET: i64 = 2;
const IR_VERSION: i64 = 8;

// TensorProto.DataType
const FLOAT: i64 = 1;
const INT64: i64 = 7;
const STRING: i64 = 8;
const DOUBLE: i64 = 11;

/// An attribute of a node.
enum Attr<'a> {
    Int(&'a str, i64),
    Float(&'a str, f32),
    Ints(&'a str, &'a [i64]),
    Texts(&'a str, &'a [String]),
}

impl Attr<'_> {
    fn message(&self) -> Message {
        // AttributeProto: name 1, f 2, i 3, ints 8, strings 9, type 20 (FLOAT 1, INT 2, INTS 7,
        // STRINGS 8).
        let mut m = Message::default();
        match *self {
            Attr::Int(name, v) => m.string(1, name).int(3, v).int(20, 2),
            Attr::Float(name, v) => m.string(1, name).float(2, v).int(20, 1),
            Attr::Ints(name, v) => m.string(1, name).packed_ints(8, v).int(20, 7),
            Attr::Texts(name, v) => {
                m.string(1, name);
                v.iter().for_each(|s| {
                    m.bytes_field(9, s.as_bytes());
                });
                m.int(20, 8)
            }
        };
        m
    }
}

/// A graph being built: nodes in order, constants, inputs and outputs; the network's float type
/// and the model's tensors, which the layers' writers ask for ([`OnnxGraph`]).
#[derive(Default)]
struct Graph {
    nodes: Vec<Message>,
    initializers: Vec<Message>,
    inputs: Vec<Message>,
    outputs: Vec<Message>,
    count: usize,
    net: i64,
    tensors: Tensors,
}

/// A ValueInfoProto: a name, an element type and the shape `[N, width]` (N symbolic), or `[N]`.
fn value_info(name: &str, elem: i64, width: Option<usize>) -> Message {
    let mut shape = Message::default();
    shape.message(1, Message::default().string(2, "N"));
    if let Some(w) = width {
        shape.message(1, Message::default().int(1, w as i64));
    }
    let mut tensor = Message::default();
    tensor.int(1, elem).message(2, &shape);
    let mut ty = Message::default();
    ty.message(1, &tensor);
    let mut m = Message::default();
    m.string(1, name).message(2, &ty);
    m
}

impl Graph {
    /// A name of the graph's own (`ndnet/…`), apart from every column's.
    fn fresh(&mut self, base: &str) -> String {
        self.count += 1;
        format!("ndnet/{base}_{}", self.count)
    }

    /// Adds a node with one output and returns the output's name.
    fn op(&mut self, op: &str, inputs: &[&str], attrs: &[Attr<'_>]) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.op_into(op, inputs, attrs, &out);
        out
    }

    /// Adds a node whose output is named `out`.
    fn op_into(&mut self, op: &str, inputs: &[&str], attrs: &[Attr<'_>], out: &str) {
        self.op_in("", op, inputs, attrs, out);
    }

    /// Adds a node of operator set `domain` whose output is named `out`.
    fn op_in(&mut self, domain: &str, op: &str, inputs: &[&str], attrs: &[Attr<'_>], out: &str) {
        let mut m = Message::default();
        inputs.iter().for_each(|i| {
            m.string(1, i);
        });
        m.string(2, out).string(3, out).string(4, op);
        attrs.iter().for_each(|a| {
            m.message(5, &a.message());
        });
        if !domain.is_empty() {
            m.string(7, domain);
        }
        self.nodes.push(m);
    }

    /// `ai.onnx.ml`'s LabelEncoder: each string of `x` to the value of its key as an int64, or
    /// −1 (the standard `Equal` compares strings only from opset 19).
    fn label_encoder(&mut self, x: &str, keys: &[String], values: &[i64]) -> String {
        let out = self.fresh("code");
        let attrs =
            [Attr::Texts("keys_strings", keys), Attr::Ints("values_int64s", values), Attr::Int("default_int64", -1)];
        self.op_in("ai.onnx.ml", "LabelEncoder", &[x], &attrs, &out);
        out
    }

    fn tensor(&mut self, base: &str, elem: i64, dims: &[usize], fill: impl FnOnce(&mut Message)) -> String {
        let name = self.fresh(base);
        let mut t = Message::default();
        let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        t.packed_ints(1, &dims).int(2, elem).string(8, &name);
        fill(&mut t);
        self.initializers.push(t);
        name
    }

    /// A constant of doubles.
    fn doubles(&mut self, base: &str, dims: &[usize], values: &[f64]) -> String {
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensor(base, DOUBLE, dims, |t| {
            t.bytes_field(9, &raw);
        })
    }

    /// A constant in the network's float type (`double`: 8 bytes, else float).
    fn reals(&mut self, base: &str, dims: &[usize], values: &[f64], elem: i64) -> String {
        if elem == DOUBLE {
            return self.doubles(base, dims, values);
        }
        let raw: Vec<u8> = values.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
        self.tensor(base, FLOAT, dims, |t| {
            t.bytes_field(9, &raw);
        })
    }

    fn int64s(&mut self, base: &str, dims: &[usize], values: &[i64]) -> String {
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensor(base, INT64, dims, |t| {
            t.bytes_field(9, &raw);
        })
    }

    fn strings(&mut self, base: &str, values: &[String]) -> String {
        self.tensor(base, STRING, &[values.len()], |t| {
            values.iter().for_each(|v| {
                t.bytes_field(6, v.as_bytes());
            });
        })
    }

    /// A `[N, categories]` one-hot double: 1 where the string of `x` (`[N, 1]`) is that
    /// category, all zeros for any other string.
    /// A code (−1 for none) as `width` one-hot doubles.
    fn one_hot(&mut self, index: &str, width: usize) -> String {
        let range: Vec<i64> = (0..width as i64).collect();
        let range = self.int64s("range", &[width], &range);
        let eq = self.op("Equal", &[index, &range], &[]);
        self.op("Cast", &[&eq], &[Attr::Int("to", DOUBLE)])
    }
}

/// The model's parameters and state by name (`0.weight`, `1.running_mean`, …), in f64.
#[derive(Default)]
struct Tensors(HashMap<String, Vec<f64>>);

impl Tensors {
    fn of<F: NdFloat>(model: &dyn Model<F>) -> Self {
        let mut all = HashMap::new();
        let as_f64 = |v: &F| v.to_f64().unwrap_or(f64::NAN);
        model.visit_params(&mut |name, value| {
            all.insert(name.to_string(), value.iter().map(as_f64).collect());
        });
        model.visit_state(&mut |name, value, _| {
            if let StateValue::Tensor(t) = value {
                all.insert(name.to_string(), t.iter().map(as_f64).collect());
            }
        });
        Tensors(all)
    }
}

/// What a layer's writer sees of the graph.
impl OnnxGraph for Graph {
    fn node(&mut self, op: &str, inputs: &[&str], attrs: &[OnnxAttr<'_>]) -> String {
        let attrs: Vec<Attr<'_>> = attrs
            .iter()
            .map(|a| match *a {
                OnnxAttr::Int(n, v) => Attr::Int(n, v),
                OnnxAttr::Float(n, v) => Attr::Float(n, v),
                OnnxAttr::Ints(n, v) => Attr::Ints(n, v),
            })
            .collect();
        self.op(op, inputs, &attrs)
    }

    fn constant(&mut self, name: &str, dims: &[usize], values: &[f64]) -> String {
        self.reals(name, dims, values, self.net)
    }

    fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        Graph::int64s(self, name, dims, values)
    }

    fn tensor(&mut self, name: &str, dims: &[usize]) -> ndnet_layers::Result<String> {
        let len: usize = dims.iter().product();
        let values = match self.tensors.0.get(name) {
            Some(v) if v.len() == len => v.clone(),
            _ => {
                let (value, allowed) = (name.to_string(), format!("a tensor of {len} values in the model"));
                return Err(LayerError::Config { name: "exported tensor".into(), value, allowed });
            }
        };
        let base = name.replace('.', "_");
        Ok(self.reals(&base, dims, &values, self.net))
    }
}

/// The ONNX model (its bytes) of `model` with the pipeline, architecture and calibration in
/// `metadata` (see the module docs). Errors when the metadata lacks a pipeline or an
/// architecture, the model's tensors do not fit the architecture, or a column is named as one of
/// the graph's outputs (or its own `ndnet/…` values).
pub fn export_onnx<F: NdFloat>(model: &dyn Model<F>, metadata: &RunMetadata) -> Result<Vec<u8>> {
    export_onnx_with(model, metadata, &ndnet_tabular::registry())
}

/// [`export_onnx`] with the layer kinds of `registry` (each kind writes its own nodes).
pub fn export_onnx_with<F: NdFloat>(
    model: &dyn Model<F>,
    metadata: &RunMetadata,
    registry: &Registry,
) -> Result<Vec<u8>> {
    let pipeline = metadata.pipeline.as_ref().ok_or(ExportError::Missing("a preprocessing pipeline"))?;
    let spec = metadata.model_spec().ok_or(ExportError::Missing("a model description"))?;
    // Graph inputs are the columns and outputs have fixed names: they must not meet.
    let outputs = outputs_of(pipeline, metadata);
    if let Some(c) = pipeline
        .encoders()
        .iter()
        .map(|e| e.column())
        .find(|c| c.starts_with("ndnet/") || outputs.iter().any(|o| o == c))
    {
        return Err(ExportError::Column(c.to_string()));
    }
    let net = if std::mem::size_of::<F>() == 8 { DOUBLE } else { FLOAT };
    let mut g = Graph { net, tensors: Tensors::of(model), ..Graph::default() };
    let (plain, codes) = encode_columns(&mut g, pipeline);
    let (input, scaled) = model_input(&mut g, pipeline, &plain, &codes)?;
    let out = network(&mut g, &spec, registry, &input)?;
    let members = spec.resolve(registry)?.members();
    match pipeline.task() {
        Task::Regression => {
            let out = member_mean(&mut g, &out, pipeline.outputs(), members);
            regression_outputs(&mut g, pipeline, metadata.calibration.as_ref(), &out, &scaled)
        }
        Task::Classification => {
            let probabilities = class_probabilities(&mut g, &out, pipeline.outputs(), members);
            class_outputs(&mut g, pipeline, metadata.calibration.as_ref(), &probabilities)
        }
    }
    Ok(model_bytes(g, pipeline, metadata))
}

/// Each column as graph input and its encoding (1–2 of the module docs): the plain inputs'
/// values (double, `[N, width]` each, in encoder order), and each embedded column's code (its
/// category's index as a double, −1 for an unknown or missing cell, as ndnet encodes it).
fn encode_columns(g: &mut Graph, pipeline: &Pipeline) -> (Vec<String>, Vec<String>) {
    let (mut plain, mut coded) = (Vec::new(), Vec::new());
    for e in pipeline.encoders() {
        let column = e.column();
        match e {
            ColumnEncoder::Number { fill, .. } => {
                g.inputs.push(value_info(column, DOUBLE, Some(1)));
                plain.push(match fill {
                    Some(v) => {
                        let nan = g.op("IsNaN", &[column], &[]);
                        let fill = g.doubles("fill", &[], &[*v]);
                        g.op("Where", &[&nan, &fill, column], &[])
                    }
                    None => column.to_string(),
                });
            }
            ColumnEncoder::Date { fill, daily, .. } => {
                // A date enters as its day count since 1970-01-01 UTC (ONNX parses no dates).
                g.inputs.push(value_info(column, DOUBLE, Some(1)));
                let days = match fill {
                    Some(v) => {
                        let nan = g.op("IsNaN", &[column], &[]);
                        let fill = g.doubles("fill", &[], &[*v]);
                        g.op("Where", &[&nan, &fill, column], &[])
                    }
                    None => column.to_string(),
                };
                let mut parts = vec![days.clone()];
                let periods: &[f64] = if *daily { &[ndnet_data::YEAR, 7.0, 1.0] } else { &[ndnet_data::YEAR, 7.0] };
                for &period in periods {
                    let period = g.doubles("period", &[], &[period]);
                    let turns = g.op("Div", &[&days, &period], &[]);
                    let two_pi = g.doubles("two_pi", &[], &[2.0 * std::f64::consts::PI]);
                    let phase = g.op("Mul", &[&two_pi, &turns], &[]);
                    parts.push(g.op("Sin", &[&phase], &[]));
                    parts.push(g.op("Cos", &[&phase], &[]));
                }
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                plain.push(g.op("Concat", &parts, &[Attr::Int("axis", 1)]));
            }
            ColumnEncoder::YesNo { fill, .. } => {
                g.inputs.push(value_info(column, STRING, Some(1)));
                // Every spelling, as Cell::parse ignores ASCII case: 1 yes, 0 no, 2 missing.
                // (StringNormalizer would lower-case, but onnxruntime needs a system locale for it.)
                let (mut keys, mut codes) = (Vec::new(), Vec::new());
                for (words, code) in
                    [(&["yes", "true"][..], 1), (&["no", "false"][..], 0), (MISSING_MARKERS.as_slice(), 2)]
                {
                    for spelling in words.iter().flat_map(|w| case_variants(w)) {
                        keys.push(spelling);
                        codes.push(code);
                    }
                }
                for marker in CASED_MISSING_MARKERS {
                    keys.push(marker.to_string());
                    codes.push(2);
                }
                let code = g.label_encoder(column, &keys, &codes);
                let one = g.int64s("yes", &[], &[1]);
                let yes = g.op("Equal", &[&code, &one], &[]);
                let value = g.op("Cast", &[&yes], &[Attr::Int("to", DOUBLE)]);
                plain.push(match fill {
                    Some(v) => {
                        let two = g.int64s("missing", &[], &[2]);
                        let missing = g.op("Equal", &[&code, &two], &[]);
                        let fill = g.doubles("fill", &[], &[*v]);
                        g.op("Where", &[&missing, &fill, &value], &[])
                    }
                    None => value,
                });
            }
            ColumnEncoder::OneHot { categories, pooled, .. } | ColumnEncoder::Embed { categories, pooled, .. } => {
                g.inputs.push(value_info(column, STRING, Some(1)));
                // Each category to its code; the pooled rare ones all to the last.
                let keys: Vec<String> = categories.iter().chain(pooled).cloned().collect();
                let codes: Vec<i64> = (0..keys.len()).map(|k| k.min(categories.len()) as i64).collect();
                let code = g.label_encoder(column, &keys, &codes);
                match e {
                    ColumnEncoder::Embed { .. } => coded.push(g.op("Cast", &[&code], &[Attr::Int("to", DOUBLE)])),
                    _ => plain.push(g.one_hot(&code, e.codes())),
                }
            }
        }
    }
    (plain, coded)
}

/// The model's input (`[N, input width]`, the network's type): the plain inputs joined and
/// scaled in double, then the codes of the embedded columns, which are never scaled. Also returns
/// the scaled plain inputs in double (what a normalised interval's spread reads).
fn model_input(g: &mut Graph, pipeline: &Pipeline, plain: &[String], codes: &[String]) -> Result<(String, String)> {
    if plain.is_empty() {
        return Err(ExportError::Unsupported("a model whose every input is an embedded column".into()));
    }
    let concat = |g: &mut Graph, parts: &[String]| match parts {
        [one] => one.clone(),
        _ => g.op("Concat", &parts.iter().map(String::as_str).collect::<Vec<_>>(), &[Attr::Int("axis", 1)]),
    };
    let encoded = concat(g, plain);
    let width = pipeline.input_width() - codes.len();
    let scaler = pipeline.feature_scaler();
    let mean = g.doubles("feature_mean", &[width], &scaler.mean.to_vec()[..width]);
    let scale = g.doubles("feature_scale", &[width], &scaler.scale.to_vec()[..width]);
    let centred = g.op("Sub", &[&encoded, &mean], &[]);
    let mut scaled = g.op("Div", &[&centred, &scale], &[]);
    match pipeline.number_transform() {
        NumberTransform::None => {}
        NumberTransform::SmoothClip { limit, inputs } => {
            // x / √(1 + m·(x/limit)²), m 1 for a clipped input and 0 for the others (whose
            // values pass unchanged: x / √1).
            let mask: Vec<f64> = (0..width).map(|j| f64::from(u8::from(inputs.contains(&j)))).collect();
            let mask = g.doubles("clip_mask", &[width], &mask);
            let limit = g.doubles("clip_limit", &[], &[*limit]);
            let ratio = g.op("Div", &[&scaled, &limit], &[]);
            let square = g.op("Mul", &[&ratio, &ratio], &[]);
            let square = g.op("Mul", &[&square, &mask], &[]);
            let one = g.doubles("one", &[], &[1.0]);
            let sum = g.op("Add", &[&one, &square], &[]);
            let root = g.op("Sqrt", &[&sum], &[]);
            scaled = g.op("Div", &[&scaled, &root], &[]);
        }
        NumberTransform::Quantile { .. } => {
            return Err(ExportError::Unsupported(
                "quantile scaling of numbers (ONNX has no operator for the inverse normal CDF; train with --numbers standard or robust to export)".into(),
            ));
        }
    }
    let all: Vec<String> = std::iter::once(scaled.clone()).chain(codes.iter().cloned()).collect();
    let joined = concat(g, &all);
    let net = g.net;
    Ok((g.op("Cast", &[&joined], &[Attr::Int("to", net)]), scaled))
}

/// The network (3 of the module docs): each layer of the model description writes its own nodes
/// ([`LayerSpec::onnx`](ndnet_layers::LayerSpec::onnx)); the outputs are cast to double.
fn network(g: &mut Graph, spec: &ndnet_layers::ModelSpec, registry: &Registry, input: &str) -> Result<String> {
    let resolved = spec.resolve(registry)?;
    let mut x = input.to_string();
    for (index, (layer, &input_width)) in resolved.layers.iter().zip(&resolved.widths).enumerate() {
        let mut at = OnnxLayer { graph: &mut *g, input: x, input_width, index };
        x = layer.onnx(&mut at).map_err(|e| LayerError::Layer {
            index,
            kind: layer.kind().into(),
            source: Box::new(e),
        })?;
    }
    Ok(g.op("Cast", &[&x], &[Attr::Int("to", DOUBLE)]))
}

/// A regression's outputs (4 of the module docs): the prediction in the target's units and, when
/// calibrated, the interval's ends.
fn regression_outputs(g: &mut Graph, pipeline: &Pipeline, calibration: Option<&Calibration>, out: &str, input: &str) {
    let target = pipeline.target();
    let t = pipeline.target_scaler();
    let k = t.mean.len();
    let scale = g.doubles("target_scale", &[k], &t.scale.to_vec());
    let mean = g.doubles("target_mean", &[k], &t.mean.to_vec());
    let scaled = g.op("Mul", &[out, &scale], &[]);
    let z = g.op("Add", &[&scaled, &mean], &[]);
    let log = matches!(pipeline.target_encoder(), ndnet_data::TargetEncoder::Number { log: true });
    let inverse = |g: &mut Graph, z: &str, name: &str| match log {
        true => g.op_into("Exp", &[z], &[], name),
        false => g.op_into("Identity", &[z], &[], name),
    };
    let predicted = format!("predicted_{target}");
    inverse(g, &z, &predicted);
    g.outputs.push(value_info(&predicted, DOUBLE, Some(k.max(1))));
    let Some(Calibration::Interval { quantile, spread, .. }) = calibration else { return };
    let q = g.doubles("quantile", &[], &[*quantile]);
    let half = match spread {
        None => q,
        Some(s) => {
            let sigma = spread_of(g, s, input, pipeline.input_width() - pipeline.embedded().len());
            g.op("Mul", &[&sigma, &q], &[])
        }
    };
    for (end, op) in [("lower", "Sub"), ("upper", "Add")] {
        let z_end = g.op(op, &[&z, &half], &[]);
        let name = format!("{target}_{end}");
        inverse(g, &z_end, &name);
        g.outputs.push(value_info(&name, DOUBLE, Some(1)));
    }
}

/// `σ(x)` of a normalised interval on the plain scaled inputs (`width` of them; codes have no weight).
fn spread_of(g: &mut Graph, s: &ndnet_trainer::Spread, input: &str, width: usize) -> String {
    let x = g.op("Cast", &[input], &[Attr::Int("to", DOUBLE)]);
    let squared = g.op("Mul", &[&x, &x], &[]);
    let w = g.doubles("spread_weights", &[width, 1], &s.weights[..width]);
    let v = g.doubles("spread_squares", &[width, 1], &s.squares[..width]);
    let linear = g.op("MatMul", &[&x, &w], &[]);
    let quadratic = g.op("MatMul", &[&squared, &v], &[]);
    let bias = g.doubles("spread_bias", &[], &[s.bias]);
    let sum = g.op("Add", &[&linear, &quadratic], &[]);
    let sum = g.op("Add", &[&sum, &bias], &[]);
    let (lo, hi) = (g.doubles("log_min", &[], &[s.log_range[0]]), g.doubles("log_max", &[], &[s.log_range[1]]));
    let clamped = g.op("Max", &[&sum, &lo], &[]);
    let clamped = g.op("Min", &[&clamped, &hi], &[]);
    g.op("Exp", &[&clamped], &[])
}

/// An ensemble's `[N, outputs·k]` outputs (member-minor) as `[N, outputs, k]`.
fn by_member(g: &mut Graph, out: &str, outputs: usize, members: usize) -> String {
    let shape = g.int64s("member_shape", &[3], &[-1, outputs as i64, members as i64]);
    g.op("Reshape", &[out, &shape], &[])
}

/// The mean of an ensemble's members' outputs (a regression's), or the outputs of one network.
fn member_mean(g: &mut Graph, out: &str, outputs: usize, members: usize) -> String {
    if members <= 1 {
        return out.to_string();
    }
    let x = by_member(g, out, outputs, members);
    g.op("ReduceMean", &[&x], &[Attr::Ints("axes", &[2]), Attr::Int("keepdims", 0)])
}

/// The class probabilities `[N, labels]`: from the logits (`Sigmoid` of one, `Softmax` of
/// several), the mean over an ensemble's members of each member's.
fn class_probabilities(g: &mut Graph, out: &str, logits: usize, members: usize) -> String {
    let (x, axis) = match members {
        1 => (out.to_string(), 1),
        _ => (by_member(g, out, logits, members), 1),
    };
    let p = if logits == 1 {
        let p1 = g.op("Sigmoid", &[&x], &[]);
        let one = g.doubles("one", &[], &[1.0]);
        let p0 = g.op("Sub", &[&one, &p1], &[]);
        g.op("Concat", &[&p0, &p1], &[Attr::Int("axis", 1)])
    } else {
        g.op("Softmax", &[&x], &[Attr::Int("axis", axis)])
    };
    match members {
        1 => p,
        _ => g.op("ReduceMean", &[&p], &[Attr::Ints("axes", &[2]), Attr::Int("keepdims", 0)]),
    }
}

/// Classes' outputs (4 of the module docs): the probabilities, the label and, when calibrated,
/// the prediction set.
fn class_outputs(g: &mut Graph, pipeline: &Pipeline, calibration: Option<&Calibration>, p: &str) {
    let labels = pipeline.labels();
    let probabilities = "probabilities";
    g.op_into("Identity", &[p], &[], probabilities);
    g.outputs.push(value_info(probabilities, DOUBLE, Some(labels.len())));
    let best = g.op("ArgMax", &[probabilities], &[Attr::Int("axis", 1), Attr::Int("keepdims", 0)]);
    let names = g.strings("labels", labels);
    let predicted = format!("predicted_{}", pipeline.target());
    g.op_into("Gather", &[&names, &best], &[], &predicted);
    g.outputs.push(value_info(&predicted, STRING, None));
    let Some(Calibration::Sets { threshold, .. }) = calibration else { return };
    let one = g.doubles("one", &[], &[1.0]);
    let score = g.op("Sub", &[&one, probabilities], &[]);
    let threshold = g.doubles("threshold", &[], &[*threshold]);
    let inside = g.op("LessOrEqual", &[&score, &threshold], &[]);
    let inside = g.op("Cast", &[&inside], &[Attr::Int("to", DOUBLE)]);
    // An empty set gets the most probable label.
    let any = g.op("ReduceMax", &[&inside], &[Attr::Ints("axes", &[1]), Attr::Int("keepdims", 1)]);
    let none = g.op("Sub", &[&one, &any], &[]);
    let best = g.op("ArgMax", &[probabilities], &[Attr::Int("axis", 1), Attr::Int("keepdims", 1)]);
    let range: Vec<i64> = (0..labels.len() as i64).collect();
    let range = g.int64s("range", &[labels.len()], &range);
    let top = g.op("Equal", &[&best, &range], &[]);
    let top = g.op("Cast", &[&top], &[Attr::Int("to", DOUBLE)]);
    let top = g.op("Mul", &[&top, &none], &[]);
    g.op_into("Max", &[&inside, &top], &[], "prediction_set");
    g.outputs.push(value_info("prediction_set", DOUBLE, Some(labels.len())));
}

/// The names of the graph's outputs.
fn outputs_of(pipeline: &Pipeline, metadata: &RunMetadata) -> Vec<String> {
    let target = pipeline.target();
    let mut names = vec![format!("predicted_{target}")];
    match (pipeline.task(), &metadata.calibration) {
        (Task::Regression, Some(_)) => names.extend([format!("{target}_lower"), format!("{target}_upper")]),
        (Task::Classification, c) => {
            names.push("probabilities".into());
            if c.is_some() {
                names.push("prediction_set".into());
            }
        }
        _ => {}
    }
    names
}

/// The ModelProto around the graph, with the labels and the target as metadata props.
fn model_bytes(g: Graph, pipeline: &Pipeline, metadata: &RunMetadata) -> Vec<u8> {
    let mut graph = Message::default();
    g.nodes.iter().for_each(|n| {
        graph.message(1, n);
    });
    graph.string(2, "ndnet");
    g.initializers.iter().for_each(|t| {
        graph.message(5, t);
    });
    g.inputs.iter().for_each(|i| {
        graph.message(11, i);
    });
    g.outputs.iter().for_each(|o| {
        graph.message(12, o);
    });
    let mut model = Message::default();
    model.int(1, IR_VERSION);
    model.string(2, "ndnet").string(3, env!("CARGO_PKG_VERSION"));
    model.string(6, &format!("{} of `{}`, exported by ndnet", task_name(pipeline.task()), pipeline.target()));
    model.message(7, &graph);
    model.message(8, Message::default().int(2, ONNX_OPSET));
    model.message(8, Message::default().string(1, "ai.onnx.ml").int(2, ONNX_ML_OPSET));
    let labels = serde_json::to_string(pipeline.labels()).unwrap_or_default();
    let level = metadata.calibration.as_ref().map_or("none".to_string(), |c| c.level().to_string());
    let threshold = match &metadata.calibration {
        Some(Calibration::Sets { threshold, .. }) => threshold.to_string(),
        _ => "none".to_string(),
    };
    let props =
        [("target", pipeline.target().to_string()), ("labels", labels), ("level", level), ("set_threshold", threshold)];
    for (key, value) in props {
        model.message(14, Message::default().string(1, key).string(2, &value));
    }
    model.bytes().to_vec()
}

/// Every ASCII-case spelling of `word` (`no`: `no`, `nO`, `No`, `NO`).
fn case_variants(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in word.chars() {
        let spellings: Vec<char> =
            if c.is_ascii_alphabetic() { vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()] } else { vec![c] };
        out = out.iter().flat_map(|s| spellings.iter().map(move |&c| format!("{s}{c}"))).collect();
    }
    out
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Regression => "regression",
        Task::Classification => "classification",
    }
}

/// [`export_onnx`] written to `path` atomically.
pub fn write_onnx<F: NdFloat>(model: &dyn Model<F>, metadata: &RunMetadata, path: &Path) -> Result<()> {
    Ok(ndnet_files::write_atomic(path, &export_onnx(model, metadata)?)?)
}

#[cfg(test)]
mod tests {
    use crate::export_onnx;
    use ndnet_data::{PipelineConfig, Prepared, Table};
    use ndnet_trainer::{Architecture, RunMetadata};

    fn metadata(csv: &[u8]) -> (ndnet_layers::Sequential<f32>, RunMetadata) {
        let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
        let p = Prepared::<f32>::from_table(&table, &PipelineConfig::new("price"), 0.0, 0.0, 1).unwrap();
        let architecture = Architecture::mlp(p.pipeline.input_width(), &[2], 1);
        let model = architecture.build::<f32>(1).unwrap();
        (model, RunMetadata::default().with_pipeline(p.pipeline.clone()).with_architecture(architecture))
    }

    #[test]
    fn a_column_named_as_an_output_or_an_inner_value_is_refused() {
        // (A column named as an output, `predicted_price`, never reaches a pipeline: the table
        // reader refuses ndnet's own predictions as features.)
        let column = "ndnet/gemm_3";
        let csv = format!("price,{column}\n1,2\n2,4\n3,5\n");
        let (model, described) = metadata(csv.as_bytes());
        let err = export_onnx(&model, &described).unwrap_err().to_string();
        assert!(err.contains(column) && err.contains("apart from the graph's outputs"), "{err}");
        let (model, metadata) = metadata(b"price,rooms\n1,2\n2,4\n3,5\n");
        assert!(export_onnx(&model, &metadata).is_ok());
    }
}
