//! Dates and date-times as numbers: an ISO 8601 cell (`2016-07-01`, `2016-07-01 14:30`,
//! `2016-07-01T14:30:05.250Z`, `2016-07-01T14:30+02:00`) is the days since 1970-01-01 UTC, a
//! fraction for the time of day; a date column gives the model that count and the cycles it
//! has — the year (`2π·days / 365.2425`), the week (`2π·days / 7`) and, when the times vary, the
//! day (`2π·days`) — each as a sine and a cosine, so December sits next to January and Sunday
//! next to Monday. Every part is a function of the day count alone, so an exported graph takes a
//! date as that number.
//!
//! ```
//! use ndnet_data::days_since_epoch;
//! assert_eq!(days_since_epoch("1970-01-02"), Some(1.0));
//! assert_eq!(days_since_epoch("2000-03-01T12:00:00Z"), Some(11017.5));
//! assert_eq!(days_since_epoch("2000-03-01T14:00+02:00"), Some(11017.5)); // the same instant
//! assert_eq!(days_since_epoch("2001-02-29"), None); // not a day
//! assert_eq!(days_since_epoch("1 March 2000"), None); // not ISO
//! ```

use std::f64::consts::PI;

/// The mean tropical year in days (the Gregorian calendar's): the yearly cycle's period.
pub const YEAR: f64 = 365.2425;

/// The days since 1970-01-01 00:00 UTC of an ISO 8601 date or date-time, or `None` when the
/// text is not one (or names a day that does not exist).
pub fn days_since_epoch(text: &str) -> Option<f64> {
    let t = text.trim().as_bytes();
    let number = |s: &[u8]| -> Option<i64> {
        (!s.is_empty() && s.iter().all(u8::is_ascii_digit))
            .then(|| s.iter().fold(0, |n, &d| n * 10 + i64::from(d - b'0')))
    };
    if t.len() < 10 || t[4] != b'-' || t[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(&t[0..4])?, number(&t[5..7])?, number(&t[8..10])?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut days = days_from_civil(year, month, day) as f64;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(days);
    }
    if !(rest[0] == b'T' || rest[0] == b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let (hour, minute) = (number(&rest[1..3])?, number(&rest[4..6])?);
    let mut at = 6;
    let mut seconds = 0.0;
    if rest.get(at) == Some(&b':') {
        let whole = number(rest.get(at + 1..at + 3)?)?;
        at += 3;
        let mut fraction = 0.0;
        if rest.get(at) == Some(&b'.') {
            let digits = rest[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let text = std::str::from_utf8(&rest[at..at + 1 + digits]).ok()?;
            fraction = text.parse::<f64>().ok().filter(|_| digits > 0)?;
            at += 1 + digits;
        }
        if whole > 60 {
            return None;
        }
        seconds = whole as f64 + fraction;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    let offset_minutes = match &rest[at..] {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let (h, m) = (number(&[*h1, *h2])?, number(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    days += ((hour * 60 + minute - offset_minutes) as f64 * 60.0 + seconds) / 86_400.0;
    Some(days)
}

/// The inputs a date column gives for `days`: the count itself, then the sine and cosine of the
/// yearly and weekly cycles and, with `daily`, of the day.
pub fn date_inputs(days: f64, daily: bool, out: &mut [f64]) {
    out[0] = days;
    let mut at = 1;
    let periods: &[f64] = if daily { &[YEAR, 7.0, 1.0] } else { &[YEAR, 7.0] };
    for &period in periods {
        let phase = 2.0 * PI * (days / period);
        (out[at], out[at + 1]) = (phase.sin(), phase.cos());
        at += 2;
    }
}

/// How many inputs a date column gives: its day count and two per cycle.
pub fn date_width(daily: bool) -> usize {
    if daily { 7 } else { 5 }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_as_the_calendar_does() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0.0));
        assert_eq!(days_since_epoch("1969-12-31"), Some(-1.0));
        assert_eq!(days_since_epoch("2000-02-29"), Some(11016.0));
        assert_eq!(days_since_epoch("2024-12-31"), Some(20088.0));
        assert_eq!(days_since_epoch("2013-01-01 06:00:00"), Some(15706.25));
        assert_eq!(days_since_epoch("2013-01-01 06:00:30.5"), Some(15706.25 + 30.5 / 86400.0));
        for bad in [
            "2013-13-01",
            "2013-00-10",
            "2013-04-31",
            "2013-01-01 24:00",
            "2013-01-01T10",
            "2013-1-01",
            "x013-01-01",
            "2013-01-01 10:00:00.",
            "2013-01-01 10:00 UTC",
        ] {
            assert_eq!(days_since_epoch(bad), None, "{bad}");
        }
    }

    #[test]
    fn cycles_are_sines_and_cosines_of_the_day_count() {
        let mut out = [0.0; 7];
        date_inputs(7.0, true, &mut out);
        assert_eq!(out[0], 7.0);
        assert!((out[3] - 0.0).abs() < 1e-12 && (out[4] - 1.0).abs() < 1e-12); // a whole week
        assert!(out[5].abs() < 1e-12 && (out[6] - 1.0).abs() < 1e-12); // midnight
    }
}
