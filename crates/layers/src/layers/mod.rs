//! The layers: each one file, with its forward and backward pass side by side.

pub(crate) mod activation;
pub(crate) mod batch_norm;
pub(crate) mod dense;
pub(crate) mod dropout;
pub(crate) mod embedding;
pub(crate) mod layer_norm;
