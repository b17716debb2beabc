//! The one error type of the export crate.

/// Why a model cannot be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The model file lacks what the graph is made from.
    #[error("the model has no {0} to export")]
    Missing(&'static str),
    /// A column whose name the graph's inputs and outputs cannot share.
    #[error(
        "column `{0}` cannot be a graph input: allowed column names apart from the graph's outputs and from names starting ndnet/"
    )]
    Column(String),
    /// Something ONNX export does not cover, with why.
    #[error("cannot export {0}")]
    Unsupported(String),
    /// A layer that cannot be written (its tensors do not fit the model description).
    #[error(transparent)]
    Layer(#[from] ndnet_layers::LayerError),
    /// The graph could not be written.
    #[error(transparent)]
    File(#[from] ndnet_files::FileError),
}

/// Result alias of the export crate.
pub type Result<T> = std::result::Result<T, ExportError>;
