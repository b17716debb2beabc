//! Bad CSV input is a typed error naming file, line and column; odd but valid input loads.

use std::path::PathBuf;

fn tmp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ndnet-data-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[path = "../../../examples/common/housing_features.rs"]
mod housing_features;

fn housing_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/housing.csv")
}

use ndnet_data::Dataset;

fn load(name: &str, contents: &[u8], features: Option<&[&str]>) -> Result<Dataset, String> {
    let dir = tmp_dir("csv");
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    Dataset::from_csv(&path, "y", features).map_err(|e| e.to_string())
}

fn err(name: &str, contents: &str) -> String {
    load(name, contents.as_bytes(), None).unwrap_err()
}

#[test]
fn each_bad_input_names_where() {
    let cases = [
        ("text.csv", "y,a\n1,2\n2,abc\n", "text.csv: line 3, column `a`: \"abc\" is not a number"),
        ("crlf.csv", "y,a\r\n1,2\r\n2,abc\r\n", "crlf.csv: line 3, column `a`"),
        ("empty_cell.csv", "y,a\n1,2\n2,\n", "line 3, column `a`: the cell is empty"),
        ("nan.csv", "y,a\n1,NaN\n2,3\n", "line 2, column `a`: missing value \"NaN\""),
        ("inf.csv", "y,a\n1,2\n2,inf\n", "line 3, column `a`: \"inf\" is not a finite number"),
        ("huge.csv", "y,a\n1,2\n2,1e400\n", "line 3, column `a`: \"1e400\" is not a finite number"),
        ("ragged.csv", "y,a\n1,2\n2,3,4\n", "ragged.csv: line 3: has 3 fields, the header has 2"),
        ("header_only.csv", "y,a\n", "header_only.csv: the table has a header but no rows"),
        ("constant.csv", "y,a\n5,1\n5,2\n", "the target `y` is constant (5)"),
        ("dup.csv", "y,a,a\n1,2,3\n", "line 1: duplicate column name `a`"),
        ("empty.csv", "", "no header"),
        ("no_target.csv", "price,a\n1,2\n", "no column `y`; the columns are: price, a"),
        ("semicolons.csv", "y;a\n1,5;2\n", "semicolons.csv: line 1: the header is one column holding `;`"),
        ("tabs.csv", "y\ta\n1\t2\n", "tabs.csv: line 1: the header is one column holding tabs"),
    ];
    for (name, contents, want) in cases {
        let got = err(name, contents);
        assert!(got.contains(want), "{name}: {got:?} should contain {want:?}");
    }
    let got = load("unknown.csv", b"y,a\n1,2\n2,3\n", Some(&["b"])).unwrap_err();
    assert!(got.contains("no column `b`"), "{got}");
    let got = Dataset::from_csv("/nonexistent/x.csv", "y", None).unwrap_err().to_string();
    assert!(got.starts_with("/nonexistent/x.csv: "), "{got}");
    let got = Dataset::from_csv(tmp_dir("csv-dir"), "y", None).unwrap_err().to_string();
    assert!(got.contains("is a directory"), "{got}");
}

#[test]
fn bom_crlf_yes_no_and_unchosen_non_utf8_text_load() {
    let mut bytes = b"\xEF\xBB\xBFy,a,flag,notes\r\n1,2,Yes,caf\xE9\r\n3,4,no,x\r\n".to_vec();
    let d = load("odd.csv", &bytes, Some(&["a", "flag"])).unwrap();
    assert_eq!(d.x, ndarray::array![[2.0, 1.0], [4.0, 0.0]]);
    assert_eq!(d.y, ndarray::array![[1.0], [3.0]]);
    bytes.extend_from_slice(b"5,6,TRUE,z\r\n");
    assert_eq!(load("odd2.csv", &bytes, Some(&["a", "flag"])).unwrap().len(), 3);
    // A chosen column with non-UTF-8 bytes is an error, not a panic.
    let got = load("bad_utf8.csv", &bytes, Some(&["notes"])).unwrap_err();
    assert!(got.contains("line 2, column `notes`: the cell is not valid UTF-8"), "{got}");
    // One data row is fine (a target can vary only across rows, so two here).
    assert_eq!(load("single.csv", b"y,a\n1,2\n2,3\n", None).unwrap().len(), 2);
}

#[test]
fn the_shipped_table_loads_with_the_ten_features() {
    let d = Dataset::from_csv(housing_path(), "price", Some(&housing_features::HOUSING_FEATURES)).unwrap();
    assert_eq!((d.len(), d.x.ncols()), (1728, 10));
    assert!(d.x.column(9).iter().all(|&v| v == 0.0 || v == 1.0), "centralAir is Yes/No");
    let err = Dataset::from_csv(housing_path(), "price", None).unwrap_err().to_string();
    assert!(err.contains("column `heating`"), "{err}");
}

/// A table far longer than the head read ahead (64 KiB), with every kind of line end and a quoted
/// cell spanning lines: read from the file in one streaming pass, the same rows and the same line
/// numbers as from the bytes in memory, and an error row deep in the file named by its line.
#[test]
fn a_long_file_streams_with_its_line_numbers() {
    use ndnet_data::Table;
    for end in ["\n", "\r\n", "\r"] {
        let mut text = format!("y,a,note{end}");
        for i in 0..20_000 {
            let note = if i == 7 { format!("\"two{end}lines\"") } else { format!("n{i}") };
            text.push_str(&format!("{i},{},{note}{end}", i % 7));
            if i % 5000 == 0 {
                text.push_str(end); // a blank line: skipped, still counted
            }
        }
        text.push_str(&format!("1,x,n{end}"));
        let path = tmp_dir("stream").join("long.csv");
        std::fs::write(&path, &text).unwrap();
        let file = Table::from_csv(&path).unwrap();
        let bytes = Table::from_csv_bytes(text.as_bytes(), &path).unwrap();
        assert_eq!(file.len(), 20_001);
        // Line 1 the header; row i on line i + 2, after the blank lines and the spanned line.
        let line = |i: u64| i + 2 + u64::from(i > 7) + (i.min(19_999) / 5000 + 1) - u64::from(i == 0);
        for t in [&file, &bytes] {
            for row in [0usize, 6, 7, 8, 9999, 15_001, 20_000] {
                assert_eq!(t.line(row), line(row as u64), "{end:?} row {row}");
                assert_eq!(t.raw_row(row), file.raw_row(row));
            }
        }
        // CR-only line ends are read as LF, inside quotes too.
        assert_eq!(file.text(7, 2), format!("two{}lines", if end == "\r" { "\n" } else { end }));
        let err = Dataset::from_csv(&path, "y", Some(&["a"])).unwrap_err().to_string();
        let want = format!("long.csv: line {}, column `a`: \"x\" is not a number", line(20_000));
        assert!(err.contains(&want), "{end:?}: {err}");
    }
}

#[test]
fn numbers_written_with_commas_are_named_not_made_categories() {
    use ndnet_data::{Pipeline, PipelineConfig, Table};
    let fit = |column: &[&str]| {
        let rows: String = column.iter().enumerate().map(|(i, c)| format!("{i},\"{c}\",{}\n", i % 3)).collect();
        let table = Table::from_csv_bytes(format!("a,b,y\n{rows}").as_bytes(), "t.csv".as_ref()).unwrap();
        let train: Vec<usize> = (0..table.len()).collect();
        Pipeline::fit_table(&table, &train, &PipelineConfig::new("y")).map(|_| ()).map_err(|e| e.to_string())
    };
    for column in [&["1,5", "-2,25", "3,0", "", "0,125"][..], &["12,345", "1,234,567.5", "1,000", "7,000"]] {
        let got = fit(column).unwrap_err();
        assert!(got.contains("t.csv: line 2, column `b`: "), "{column:?}: {got}");
        assert!(got.contains("is a number written with a comma"), "{column:?}: {got}");
    }
    // A target too: as text it was a classification of as many classes.
    let table = Table::from_csv_bytes(b"a,y\n1,\"1,5\"\n2,\"2,5\"\n3,4\n4,\"1,5\"\n", "t.csv".as_ref()).unwrap();
    let got =
        Pipeline::fit_table(&table, &[0, 1, 2, 3], &PipelineConfig::new("y")).map(|_| ()).unwrap_err().to_string();
    assert!(got.contains("t.csv: line 2, column `y`: \"1,5\" is a number written with a comma"), "{got}");
    let asked = PipelineConfig::new("y").with_task(Some(ndnet_data::Task::Classification));
    assert!(Pipeline::fit_table(&table, &[0, 1, 2, 3], &asked).is_ok(), "labels when asked for");
    // Text that only holds commas stays text: lists, words, groups not of three digits.
    for column in [
        &["1,2,3", "2,3,4", "5,6,7"][..],
        &["red, 2", "blue, 3", "red, 2"],
        &["1,23,456", "12,3", "x"],
        &["4,6", "14,15", "5", "20,22"], // references, beside a plain number
    ] {
        assert!(fit(column).is_ok(), "{column:?}: {:?}", fit(column));
    }
}
