//! Model descriptions: the MLP spec is `Sequential::mlp` to the bit, every built-in kind round-trips
//! through its stored form, and bad descriptions are refused naming the layer.

use ndnet_layers::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_mlp_spec_is_sequential_mlp_bit_for_bit() {
    let spec = ModelSpec::new(10).push(&DenseSpec::new(10)).push(&Relu).push(&DenseSpec::new(1));
    let built = spec.build::<f32>(&Registry::builtin(), 42).unwrap();
    let mlp = Sequential::<f32>::mlp(&[10, 10, 1], &mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    assert_eq!(built.snapshot(), mlp.snapshot());
}

#[test]
fn every_builtin_kind_round_trips_through_its_stored_form() {
    let spec = ModelSpec::new(5)
        .push(&EmbeddingSpec { column: 4, categories: 3, dim: 2 })
        .push(&DenseSpec::new(8))
        .push(&BatchNormSpec::default())
        .push(&LeakyRelu { slope: 0.2 })
        .push(&DropoutSpec::new(0.25))
        .push(&DenseSpec::new(6))
        .push(&LayerNormSpec::default())
        .push(&Tanh)
        .push(&Sigmoid)
        .push(&Relu)
        .push(&DenseSpec::new(1));
    let registry = Registry::builtin();
    let resolved = spec.resolve(&registry).unwrap();
    let again: Vec<LayerDesc> = resolved.layers.iter().map(|l| l.desc()).collect();
    assert_eq!(again, spec.layers);
    assert_eq!(resolved.widths, [5, 6, 8, 8, 8, 8, 6, 6, 6, 6, 6, 1]);
    let text = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<ModelSpec>(&text).unwrap(), spec);
    let model = spec.build::<f64>(&registry, 1).unwrap();
    assert_eq!(model.num_params() as u128, spec.param_count(&registry).unwrap());
}

#[test]
fn bad_descriptions_are_refused_naming_the_layer() {
    let registry = Registry::builtin();
    let unknown = ModelSpec::new(3).push_desc(LayerDesc { kind: "swish".into(), settings: Default::default() });
    let err = unknown.resolve(&registry).unwrap_err().to_string();
    assert!(err.starts_with("layer 0 (swish): invalid layer kind = swish: allowed one of dense, relu"), "{err}");
    let mut typo = LayerDesc::of(&DenseSpec::new(4));
    typo.settings.insert("output".into(), 4.into());
    let err = ModelSpec::new(3).push_desc(typo).resolve(&registry).unwrap_err().to_string();
    assert!(err.contains("unknown field `output`"), "{err}");
    let wide = ModelSpec::new(3).push(&DenseSpec::new(MAX_WIDTH + 1));
    let err = wide.resolve(&registry).unwrap_err().to_string();
    assert!(err.contains("dense outputs = 65537: allowed 1 to 65536"), "{err}");
    let huge = ModelSpec::new(60_000).push(&DenseSpec::new(60_000));
    assert!(huge.resolve(&registry).unwrap_err().to_string().contains("invalid parameters"));
    let column = ModelSpec::new(3).push(&EmbeddingSpec { column: 3, categories: 2, dim: 2 });
    assert!(column.resolve(&registry).unwrap_err().to_string().contains("embedding column = 3"));
    assert_eq!(ModelSpec::new(3).resolve(&registry).unwrap_err(), LayerError::EmptyModel);
}
