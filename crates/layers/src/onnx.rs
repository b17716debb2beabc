//! What a layer kind needs to write itself into an ONNX graph: [`OnnxGraph`], the few calls an
//! exporter answers (add a node, add a constant, look up one of the model's tensors), and
//! [`OnnxLayer`], one layer's view of it. The exporter (`ndnet-export`) implements the graph and
//! its protobuf; a kind's [`LayerSpec::onnx`](crate::LayerSpec::onnx) only names operators.
//!
//! ```
//! use ndnet_layers::onnx::{OnnxAttr, OnnxGraph};
//! /// A graph that records the operators it is given.
//! #[derive(Default)]
//! struct Ops(Vec<String>);
//! impl OnnxGraph for Ops {
//!     fn node(&mut self, op: &str, _: &[&str], _: &[OnnxAttr<'_>]) -> String { self.0.push(op.into()); format!("v{}", self.0.len()) }
//!     fn constant(&mut self, _: &str, _: &[usize], _: &[f64]) -> String { "c".into() }
//!     fn int64s(&mut self, _: &str, _: &[usize], _: &[i64]) -> String { "i".into() }
//!     fn tensor(&mut self, name: &str, _: &[usize]) -> ndnet_layers::Result<String> { Ok(name.into()) }
//! }
//! let mut ops = Ops::default();
//! let mut layer = ndnet_layers::onnx::OnnxLayer { graph: &mut ops, input: "x".into(), input_width: 3, index: 0 };
//! ndnet_layers::LayerSpec::onnx(&ndnet_layers::DenseSpec::new(2), &mut layer).unwrap();
//! assert_eq!(ops.0, ["Gemm"]);
//! ```

use crate::Result;

/// An attribute of an ONNX node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnnxAttr<'a> {
    /// An integer attribute.
    Int(&'a str, i64),
    /// A float attribute.
    Float(&'a str, f32),
    /// A list of integers.
    Ints(&'a str, &'a [i64]),
}

/// An ONNX graph being written, as a layer sees it. Values are named by strings; the network's
/// values are in its float type (`float` for an `f32` model).
pub trait OnnxGraph {
    /// Adds a node of the default operator set (opset 17) with one output; returns the output's
    /// name.
    fn node(&mut self, op: &str, inputs: &[&str], attrs: &[OnnxAttr<'_>]) -> String;

    /// Adds a constant in the network's float type, of shape `dims`; returns its name.
    fn constant(&mut self, name: &str, dims: &[usize], values: &[f64]) -> String;

    /// Adds an `int64` constant of shape `dims` (indices, shapes); returns its name.
    fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String;

    /// The model's parameter or state tensor `name` (`"0.weight"`, `"1.running_var"`) as a
    /// constant of shape `dims`; an error when the model has no such tensor of that size.
    fn tensor(&mut self, name: &str, dims: &[usize]) -> Result<String>;
}

/// One layer being written: the graph, the layer's input value and width, and its position
/// (its tensors are named `"{index}.{name}"`, as the model names them).
pub struct OnnxLayer<'a> {
    /// The graph.
    pub graph: &'a mut dyn OnnxGraph,
    /// The input value's name (`[N, input_width]`).
    pub input: String,
    /// The input width.
    pub input_width: usize,
    /// The layer's position in the model.
    pub index: usize,
}

impl OnnxLayer<'_> {
    /// The layer's own tensor `name` (`"weight"`) as a constant of shape `dims`.
    pub fn param(&mut self, name: &str, dims: &[usize]) -> Result<String> {
        self.graph.tensor(&format!("{}.{name}", self.index), dims)
    }

    /// One node of `op` on the layer's input with `attrs`: what an element-wise activation is.
    pub fn unary(&mut self, op: &str, attrs: &[OnnxAttr<'_>]) -> String {
        let input = self.input.clone();
        self.graph.node(op, &[&input], attrs)
    }
}
