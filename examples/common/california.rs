//! A synthetic table shaped like the 1990 California census table of Géron's book: eight numeric
//! columns, `total_bedrooms` with about 1 % of its cells missing (empty, a few `NA`), the text
//! column `ocean_proximity` with its five categories (`ISLAND` very rare), and the target
//! `median_house_value`, which depends on income, location class and rooms per household.
//! Seeded, so every run writes the same bytes.

use std::fmt::Write;

use ndnet::rand::{Rng, SeedableRng};
use ndnet::rand_chacha::ChaCha8Rng;

/// The categories of `ocean_proximity`, their share of rows and what they add to the value.
const PROXIMITY: [(&str, f64, f64); 5] = [
    ("<1H OCEAN", 0.4426, 20_000.0),
    ("INLAND", 0.3172, -60_000.0),
    ("NEAR OCEAN", 0.1288, 30_000.0),
    ("NEAR BAY", 0.1110, 40_000.0),
    ("ISLAND", 0.0004, 150_000.0),
];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: enough for test data, and no extra dependency.
    let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The table as CSV text: a header and `rows` rows from `seed`.
pub fn csv(rows: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = String::from(
        "longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,ocean_proximity,median_house_value\n",
    );
    for _ in 0..rows {
        let longitude = rng.random_range(-124.3..-114.3_f64);
        let latitude = rng.random_range(32.5..42.0_f64);
        let age = rng.random_range(1..=52_u32);
        let households = (400.0 * (0.6 * normal(&mut rng)).exp()).round().max(2.0);
        let rooms_per = (5.4 + 1.2 * normal(&mut rng)).max(1.5);
        let rooms = (households * rooms_per).round();
        let bedrooms = (rooms * (0.2 + 0.03 * normal(&mut rng)).max(0.08)).round();
        let population = (households * (2.9 + 0.8 * normal(&mut rng)).max(1.0)).round();
        let income = (3.9 * (0.45 * normal(&mut rng)).exp()).clamp(0.5, 15.0);
        let pick: f64 = rng.random();
        let mut acc = 0.0;
        let (category, bonus) = PROXIMITY
            .iter()
            .find(|(_, share, _)| {
                acc += share;
                pick < acc
            })
            .map_or(("<1H OCEAN", 20_000.0), |&(c, _, b)| (c, b));
        let value = (40_000.0 * income + bonus + 12_000.0 * (rooms_per - 5.4)
            - 25_000.0 * (bedrooms / rooms - 0.2) * 10.0
            + 30_000.0 * normal(&mut rng))
        .clamp(14_999.0, 500_001.0)
        .round();
        let missing: f64 = rng.random();
        let bedrooms = match missing {
            m if m < 0.0085 => String::new(),
            m if m < 0.0100 => "NA".to_string(),
            _ => format!("{bedrooms}"),
        };
        let _ = writeln!(
            out,
            "{longitude:.2},{latitude:.2},{age},{rooms},{bedrooms},{population},{households},{income:.4},{category},{value}"
        );
    }
    out
}
