//! [`Cell`]: what one CSV cell holds — a missing value, a number, a yes/no word, or text — and
//! the markers that mean "missing". Whether a yes/no word is a truth value or one category among
//! others is the column's business: a column is Yes/No only when every cell is one of the words
//! (so `No` among `Av`, `Gd`, `Mn` is a category, not the number 0).
//!
//! ```
//! use ndnet_data::Cell;
//! assert_eq!(Cell::parse(b" n/a "), Ok(Cell::Missing));
//! assert_eq!(Cell::parse(b"Yes"), Ok(Cell::Bool(true, "Yes")));
//! assert_eq!(Cell::parse(b"2.5e3"), Ok(Cell::Number(2500.0)));
//! assert_eq!(Cell::parse(b"NEAR BAY"), Ok(Cell::Text("NEAR BAY")));
//! assert!(Cell::parse(b"\xff").is_err());
//! ```

/// Cells that mean "missing" — in a feature and in the target alike — compared after trimming and
/// ignoring case: the empty cell, `NA`, `N/A`, `#N/A` (spreadsheets), `NaN`, `-NaN`, `nan(ind)`
/// (C runtimes), `null`, `?` (the UCI repository) and `-`; and Python's `None` as written, with
/// its capital (a lower-case `none` is a word tables use as a category: no sewer, no fireplace).
/// `inf` is not among them: an infinite value is an error.
pub const MISSING_MARKERS: [&str; 10] = ["", "na", "n/a", "#n/a", "nan", "-nan", "nan(ind)", "null", "?", "-"];

/// Missing markers compared with their case: Python's `None`.
pub const CASED_MISSING_MARKERS: [&str; 1] = ["None"];

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Empty, or one of the [`MISSING_MARKERS`].
    Missing,
    /// A number (possibly infinite: the caller decides).
    Number(f64),
    /// `yes`/`no`/`true`/`false` in any case: the truth value and the word as written (trimmed).
    Bool(bool, &'a str),
    /// Anything else, trimmed.
    Text(&'a str),
}

impl<'a> Cell<'a> {
    /// Classifies a cell's bytes; errors (with a message for the caller to place) when they are
    /// not UTF-8 text.
    pub fn parse(bytes: &'a [u8]) -> Result<Cell<'a>, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "the cell is not valid UTF-8 text".to_string())?.trim();
        // Compared in place: this runs for every cell of a table, so it allocates nothing.
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        if MISSING_MARKERS.iter().any(|m| is(m)) || CASED_MISSING_MARKERS.contains(&text) {
            return Ok(Cell::Missing);
        }
        Ok(if is("yes") || is("true") {
            Cell::Bool(true, text)
        } else if is("no") || is("false") {
            Cell::Bool(false, text)
        } else {
            text.parse::<f64>().map_or(Cell::Text(text), Cell::Number)
        })
    }
}

/// `text` quoted with escapes and cut at 40 characters, so a stray quote's many lines stay one
/// message line.
pub(crate) fn shown(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    if short.len() < text.len() { format!("{short:?}…") } else { format!("{short:?}") }
}

/// Whether `text` is a number written with a decimal comma (`-1,5`) or with commas between
/// groups of three digits (`12,345`, `1,234,567.5`).
pub(crate) fn comma_number(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if let Some((whole, fraction)) = unsigned.split_once(',')
        && digits(whole)
        && digits(fraction)
    {
        return true; // a decimal comma
    }
    let whole = unsigned.split_once('.').map_or(unsigned, |(w, f)| if digits(f) { w } else { "" });
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    whole.contains(',') && digits(first) && first.len() <= 3 && groups.all(|g| g.len() == 3 && digits(g))
}

/// The error for `text`, one of `whose` text cells that are all [`comma_number`]s, and what else
/// the user can do (`instead`).
pub(crate) fn comma_number_message(text: &str, whose: &str, instead: &str) -> String {
    format!(
        "{} is a number written with a comma (a decimal comma or a thousands separator), as are all {whose} \
         text cells: ndnet reads numbers with `.` as the decimal mark and no separators; write them so \
         (or {instead})",
        shown(text)
    )
}
