//! The ten features the housing example uses from the shipped `data/housing.csv` (target
//! `price`); `centralAir` is Yes/No, read as 1/0 (see data/README.md). One list, included by the
//! examples and by the tests that replay the headline run.

/// The housing example's feature columns.
pub const HOUSING_FEATURES: [&str; 10] = [
    "lotSize",
    "age",
    "landValue",
    "livingArea",
    "pctCollege",
    "bedrooms",
    "fireplaces",
    "bathrooms",
    "rooms",
    "centralAir",
];
