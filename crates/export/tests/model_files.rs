//! A model file is untrusted input: structure-aware mutations of real weights files (metadata and
//! tensors, unsealed), of a real checkpoint, and byte edits of sealed files (the same harness as
//! the cargo-fuzz target `model_file`) load as `Ok` or `Err` and predict, never panic or abort; an
//! edited sealed file that loads predicts what the unedited one does. A few hundred cases here; the million-case
//! run is `cargo +nightly fuzz run model_file -- -runs=1000000` (see docs/reliability.md).

#[path = "../../../fuzz/common/model_files.rs"]
mod model_files;

use proptest::prelude::*;

#[test]
fn the_unmutated_templates_load() {
    assert!(model_files::run_one(&[0]), "the regression's weights, unsealed");
    assert!(model_files::run_one(&[1]), "the classification's weights, unsealed");
    assert!(model_files::run_one(&[2]), "the checkpoint");
    assert!(model_files::run_one(&[3]) && model_files::run_one(&[4]), "the sealed files");
    // A flipped bit in a weight of a sealed file is refused (the digest), not a prediction.
    assert!(!model_files::run_one(&[3, 0xf0, 0xff, 0x40]), "the last bytes of the file are a weight's");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn mutated_model_files_never_panic(data in proptest::collection::vec(any::<u8>(), 1..40)) {
        model_files::run_one(&data);
    }
}
