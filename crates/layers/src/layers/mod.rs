//! The layers: each one file, with its forward and backward pass side by side.

pub(crate) mod activation;
pub(crate) mod dense;
