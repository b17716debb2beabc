//! Encoding each part block by block straight into f32 (`original_inputs(false)`, what the
//! program does) gives the model inputs, targets and summary that encoding the whole part in f64
//! gives, bit for bit, on a table of several blocks with text, missing cells and a stray huge
//! value; only the inputs in original units are left out.
use ndnet_data::{Missing, PipelineConfig, Prepared, Table};

fn table(rows: usize) -> Table {
    let mut csv = String::from("y,a,b,town\n");
    for i in 0..rows {
        let a = if i % 97 == 0 { String::new() } else { format!("{}", (i as f64 * 0.37).sin() * 1e3) };
        let b = if i == 5000 { "1e30".to_string() } else { format!("{:.3}", (i % 13) as f64 / 7.0) };
        csv.push_str(&format!("{},{a},{b},t{}\n", (i as f64 * 0.11).cos(), i % 9));
    }
    Table::from_csv_bytes(csv.as_bytes(), "blocks.csv".as_ref()).unwrap()
}

#[test]
fn block_encoding_is_whole_encoding_bit_for_bit() {
    let t = table(10_000);
    let config = PipelineConfig::new("y").with_missing(Missing::Median);
    let whole = Prepared::<f32>::from_table(&t, &config, 0.2, 0.2, 3).unwrap();
    let blocks = Prepared::<f32>::from_table(&t, &config.clone().with_original_inputs(false), 0.2, 0.2, 3).unwrap();
    let bits = |a: &ndarray::Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for (a, b) in [(&whole.train_x, &blocks.train_x), (&whole.val_x, &blocks.val_x), (&whole.test_x, &blocks.test_x)] {
        assert_eq!(a.dim(), b.dim());
        assert_eq!(bits(a), bits(b));
    }
    assert_eq!(bits(&whole.train_y), bits(&blocks.train_y));
    assert_eq!(whole.split.test.y, blocks.split.test.y);
    assert_eq!(whole.summary.to_string(), blocks.summary.to_string());
    assert_eq!((blocks.split.train.x.ncols(), blocks.split.train.x.nrows()), (0, whole.train_x.nrows()));
}
