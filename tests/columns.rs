//! How columns are read: dates and date-times, identifier columns, categories without a limit
//! (one error naming every column over a limit that is set, rare ones pooled), and the ways
//! numbers are scaled — each fitted on training rows. (`crates/cli/tests/columns.rs` runs the
//! program on the same kind of table; the ONNX tests export them.)

use ndnet::data::{ColumnEncoder, NumberScaling, PipelineConfig, Table, normal_quantile};
use ndnet::prelude::*;

fn table(csv: &str) -> Table {
    Table::from_csv_bytes(csv.as_bytes(), "t.csv".as_ref()).unwrap()
}

/// Sales with a date-time, a row number, a unique code, a year counting up, a town with rare
/// names and a skewed size.
fn sales(rows: usize) -> String {
    let mut s = String::from("id,code,year,sold,town,size,price\n");
    for i in 0..rows {
        let (month, day, hour) = (1 + i % 12, 1 + (i * 7) % 28, (i * 5) % 24);
        let town = match i % 10 {
            0..=6 => "Albany".to_string(),
            7 | 8 => "Troy".to_string(),
            _ => format!("Hamlet {i}"),
        };
        let size = if i % 50 == 0 { 1e6 } else { 50.0 + (i % 37) as f64 };
        let price = 100.0 + 10.0 * (month as f64 * std::f64::consts::PI / 6.0).sin() + size.min(100.0) + hour as f64;
        s.push_str(&format!(
            "{},K{:05},{},2021-{month:02}-{day:02}T{hour:02}:30:00Z,{town},{size},{price}\n",
            i + 1,
            (i * 7919) % 100_000,
            1900 + i
        ));
    }
    s
}

#[test]
fn dates_become_day_counts_and_cycles_and_identifiers_are_left_out() {
    let t = table(&sales(300));
    let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new("price"), 0.15, 0.15, 3).unwrap();
    let names = p.pipeline.feature_names();
    // `id` numbers the rows and `code` is unique text: left out; `year` counts up but is no row
    // number and not named as an identifier: kept.
    assert_eq!(p.pipeline.identifiers(), ["id", "code"]);
    assert!(names.contains(&"year".to_string()), "{names:?}");
    let summary = p.summary.to_string();
    assert!(summary.contains("Identifiers left out: `id`, `code`"), "{summary}");
    assert!(summary.contains("Dates: `sold` read as days since 1970-01-01, with its yearly, weekly and daily cycles"));
    let at = names.iter().position(|n| n == "sold (days)").unwrap();
    assert_eq!(
        &names[at..at + 7],
        [
            "sold (days)",
            "sold (year sin)",
            "sold (year cos)",
            "sold (week sin)",
            "sold (week cos)",
            "sold (day sin)",
            "sold (day cos)"
        ]
    );
    // Row 0 was sold 2021-01-01 at 00:30: 18628 days and 30 minutes after 1970-01-01.
    let row0 = p.rows.train.iter().chain(&p.rows.validation).chain(&p.rows.test).position(|&r| r == 0).unwrap();
    let x = [&p.split.train.x, &p.split.validation.x, &p.split.test.x];
    let (part, i) = match row0 {
        r if r < p.rows.train.len() => (0, p.rows.train.iter().position(|&v| v == 0).unwrap()),
        _ if p.rows.validation.contains(&0) => (1, p.rows.validation.iter().position(|&v| v == 0).unwrap()),
        _ => (2, p.rows.test.iter().position(|&v| v == 0).unwrap()),
    };
    assert_eq!(x[part][(i, at)], 18628.0 + 30.0 / 1440.0);
    let keep = PipelineConfig::new("price").with_keep_identifiers(true);
    let kept = Prepared::<f64>::from_table(&t, &keep, 0.15, 0.15, 3).unwrap();
    assert!(kept.pipeline.identifiers().is_empty() && kept.pipeline.feature_names().contains(&"code=K00000".into()));
}

#[test]
fn a_date_that_does_not_parse_at_predict_time_names_its_line() {
    let t = table(&sales(120));
    let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new("price"), 0.0, 0.2, 1).unwrap();
    let new = table("sold,town,size,year\n2021-02-02,Troy,60,1950\n02/03/2021,Troy,60,1951\n");
    let err = p.pipeline.encode(&new, &[0, 1]).unwrap_err().to_string();
    assert_eq!(
        err,
        "t.csv: line 3, column `sold`: \"02/03/2021\" is not an ISO date such as 2016-07-01 or 2016-07-01 14:30 (the column held dates in training)"
    );
    // A date outside the training rows' days is reported by the input check.
    let later = table("sold,town,size,year\n2031-02-02,Troy,60,1950\n");
    let report = p.pipeline.check_inputs(&later).unwrap();
    let sold = report.columns.iter().find(|c| c.column == "sold").unwrap();
    assert_eq!(sold.out_of_range.count, 1);
}

#[test]
fn categories_have_no_limit_unless_one_is_set_and_rare_ones_pool() {
    let t = table(&sales(400));
    let p = Prepared::<f64>::from_table(&t, &PipelineConfig::new("price"), 0.0, 0.2, 1).unwrap();
    let town = p.pipeline.encoders().iter().find(|e| e.column() == "town").unwrap();
    assert!(matches!(town, ColumnEncoder::OneHot { categories, .. } if categories.len() > 30));
    // Pooled: the hamlets (one row each) share one input.
    let pooled = PipelineConfig::new("price").with_min_frequency(5);
    let p = Prepared::<f64>::from_table(&t, &pooled, 0.0, 0.2, 1).unwrap();
    let town = p.pipeline.encoders().iter().find(|e| e.column() == "town").unwrap();
    let ColumnEncoder::OneHot { categories, pooled, .. } = town else { panic!("{town:?}") };
    assert_eq!(categories, &["Albany", "Troy"]);
    assert!(pooled.len() > 20 && pooled.iter().all(|t| t.starts_with("Hamlet ")), "{pooled:?}");
    assert_eq!(town.code_of("Hamlet 9").or(town.code_of(&pooled[0])), Some(2));
    assert_eq!(town.code_of("Nowhere"), None);
    assert!(p.pipeline.feature_names().contains(&"town=(rare)".to_string()));
    assert!(p.summary.to_string().contains("rare ones pooled into one; one-hot (Albany, Troy)"), "{}", p.summary);
    // A limit that two columns pass: one error naming both, about the header.
    let csv = "a,b,c,y\n".to_string()
        + &(0..60).map(|i| format!("a{},b{},c{},{i}\n", i % 7, i % 9, i % 2)).collect::<String>();
    let limited = PipelineConfig::new("y").with_max_categories(Some(5)).with_keep_identifiers(true);
    let err = Prepared::<f64>::from_table(&table(&csv), &limited, 0.0, 0.0, 1).unwrap_err().to_string();
    assert!(err.starts_with("t.csv: header: columns `a` (7), `b` (9) have more categories"), "{err}");
}

#[test]
fn robust_scaling_clips_smoothly_and_quantile_scaling_is_normal() {
    let t = table(&sales(400));
    let robust = PipelineConfig::new("price").with_numbers(NumberScaling::Robust);
    let p = Prepared::<f64>::from_table(&t, &robust, 0.0, 0.0, 1).unwrap();
    let size = p.pipeline.feature_names().iter().position(|n| n == "size").unwrap();
    let column = p.train_x.column(size);
    // The 1e6 outliers end just under 3; the bulk keeps its spread.
    assert!(column.iter().all(|v| v.abs() < 3.0), "{column}");
    assert!(column.iter().any(|&v| v > 2.99));
    let median = p.pipeline.feature_scaler().mean[size];
    assert!((67.0..=69.0).contains(&median), "{median}");
    let quantile = PipelineConfig::new("price").with_numbers(NumberScaling::Quantile);
    let p = Prepared::<f64>::from_table(&t, &quantile, 0.0, 0.0, 1).unwrap();
    let column = p.train_x.column(size);
    let max = column.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(max, normal_quantile(1.0 - 1e-7), "the largest training value maps to the bound");
    let mean = column.mean().unwrap();
    assert!(mean.abs() < 0.3, "{mean}");
}
