//! [`Column`]: how a [`Table`](crate::Table) keeps one column's cells — compactly, and so that
//! every cell's text comes back exactly as the file has it.
//!
//! A column of numbers is kept as values: f32 while every number's text is the shortest text of
//! its f32 (what `%g`-style writers and most instruments give), f64 once one needs more digits
//! (what pandas and R write), a bit per row for an integral value written with `.0`, and the
//! column's missing cell as written (empty, or `NA`) once. A cell whose text is anything else
//! (another missing marker, `1e-5`, ` 7`, a stray word) is kept as written beside the values;
//! when such cells are many the column is kept as text instead. Text is kept
//! as codes into its distinct values while they are few (categories), else as one run of bytes.
//!
//! Since the text of a number is rebuilt from its value, a number is read the way its text is:
//! the f64 nearest the text, the same as parsing the file's bytes.
//!
//! ```
//! use ndnet_data::Table;
//! let t = Table::from_csv_bytes(b"x,town\n0.5,Troy\n3.0,Troy\n1e-5,Albany\n,Troy\n", "t.csv".as_ref()).unwrap();
//! let texts: Vec<String> = (0..4).map(|r| t.text(r, 0)).collect();
//! assert_eq!(texts, ["0.5", "3.0", "1e-5", ""]); // as written, whatever the storage
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;

use crate::Cell;

/// More cells written otherwise than as their value's shortest text than this share of a
/// number column's rows (past the first [`EARLY_ROWS`]) turn it into text.
const OTHER_SHARE: usize = 16;
/// Rows read before a column's share of other cells is judged.
const EARLY_ROWS: usize = 1024;
/// Distinct values a text column keeps as codes, at most (and at most a quarter of its rows,
/// past the first [`EARLY_ROWS`]); beyond, its cells are kept as one run of bytes.
const MAX_CODES: usize = 1 << 16;

/// One column's cells; see the module docs.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// Numbers kept as values.
    Numbers(Numbers),
    /// Text kept as codes into its distinct values.
    Codes(Codes),
    /// Text kept as one run of bytes.
    Text(Text),
}

/// Values of one precision.
#[derive(Debug, Clone)]
enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// A column of numbers: each row's value (NaN where the cell is `blank` or its text is kept in
/// `other`), the rows written with a trailing `.0`, and the cells written any other way.
#[derive(Debug, Clone)]
pub(crate) struct Numbers {
    values: Values,
    point_zero: Vec<u64>,
    other: Vec<(usize, Box<[u8]>)>,
    /// The column's missing cell as written, kept once: the first one (empty, or a marker such
    /// as R's `NA`); other missing cells are kept in `other`.
    blank: Option<Box<[u8]>>,
}

/// Text as codes into `values`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Codes {
    codes: Vec<u32>,
    values: Vec<Box<[u8]>>,
    index: HashMap<Box<[u8]>, u32>,
}

/// Text as one run of bytes and each cell's end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Text {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

/// The shortest text of a value, in a buffer on the stack.
struct Shortest {
    buf: [u8; 64],
    len: usize,
}

impl Write for Shortest {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let to = self.buf.get_mut(self.len..self.len + s.len()).ok_or(std::fmt::Error)?;
        to.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

impl Shortest {
    fn of(value: impl std::fmt::Display) -> Self {
        let mut s = Shortest { buf: [0; 64], len: 0 };
        // Every finite f32 and f64 fits in 64 bytes except f64s beyond 1e63 written out whole:
        // those are cut, never equal to a file's text, and so kept as written.
        let _ = write!(s, "{value}");
        s
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The f64 a number's shortest text reads as.
fn read(text: &[u8]) -> f64 {
    std::str::from_utf8(text).ok().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

/// How a number's text is its value: the shortest text, or that with `.0` for an integral one.
fn written_as(text: &[u8], shortest: &[u8]) -> Option<bool> {
    if text == shortest {
        return Some(false);
    }
    let plain = !shortest.iter().any(|b| matches!(b, b'.' | b'e' | b'E' | b'N' | b'i'));
    (plain && text.len() == shortest.len() + 2 && text.starts_with(shortest) && text.ends_with(b".0")).then_some(true)
}

impl Column {
    /// An empty column: numbers until a cell says otherwise.
    pub(crate) fn new() -> Self {
        Column::Numbers(Numbers {
            values: Values::F32(Vec::new()),
            point_zero: Vec::new(),
            other: Vec::new(),
            blank: None,
        })
    }

    /// Appends the next row's cell.
    pub(crate) fn push(&mut self, cell: &[u8]) {
        match self {
            Column::Numbers(n) => {
                n.push(cell);
                let rows = n.len();
                if rows > EARLY_ROWS && n.other.len() * OTHER_SHARE > rows {
                    *self = Column::Codes(Codes::from_cells((0..rows).map(|r| n.get(r))));
                }
            }
            Column::Codes(c) => {
                c.push(cell);
                let (rows, distinct) = (c.codes.len(), c.values.len());
                if distinct > MAX_CODES || (rows > EARLY_ROWS && distinct * 4 > rows) {
                    *self = Column::Text(Text::from_cells((0..rows).map(|r| Cow::Borrowed(c.get(r)))));
                }
            }
            Column::Text(t) => t.push(cell),
        }
    }

    /// Row `row`'s cell as the file has it.
    pub(crate) fn get(&self, row: usize) -> Cow<'_, [u8]> {
        match self {
            Column::Numbers(n) => n.get(row),
            Column::Codes(c) => Cow::Borrowed(c.get(row)),
            Column::Text(t) => Cow::Borrowed(t.get(row)),
        }
    }

    /// What row `row`'s cell holds; an error message when its bytes are not UTF-8 text. A
    /// number kept as a value is the f64 its text reads as, without the text being rebuilt.
    pub(crate) fn cell(&self, row: usize) -> Result<Cell<'_>, String> {
        match self {
            Column::Numbers(n) => match n.number(row) {
                Some(v) => Ok(Cell::Number(v)),
                None => Cell::parse(n.kept(row)),
            },
            Column::Codes(c) => Cell::parse(c.get(row)),
            Column::Text(t) => Cell::parse(t.get(row)),
        }
    }

    /// Frees what reading reserved beyond the cells.
    pub(crate) fn shrink(&mut self) {
        match self {
            Column::Numbers(n) => {
                match &mut n.values {
                    Values::F32(v) => v.shrink_to_fit(),
                    Values::F64(v) => v.shrink_to_fit(),
                }
                n.point_zero.shrink_to_fit();
                n.other.shrink_to_fit();
            }
            Column::Codes(c) => {
                c.codes.shrink_to_fit();
                c.index = HashMap::new(); // only reading looks values up
            }
            Column::Text(t) => {
                t.bytes.shrink_to_fit();
                t.ends.shrink_to_fit();
            }
        }
    }
}

impl Numbers {
    fn len(&self) -> usize {
        match &self.values {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    fn push(&mut self, cell: &[u8]) {
        let row = self.len();
        if row.is_multiple_of(64) {
            self.point_zero.push(0);
        }
        let value = self.value_of(cell, row);
        match &mut self.values {
            Values::F32(v) => v.push(value as f32),
            Values::F64(v) => v.push(value),
        }
    }

    /// The value to keep for `cell` (row `row`): NaN, with the text kept beside, when the text
    /// is not the value's shortest; the column turns f64 when a text needs more digits than an
    /// f32 has.
    fn value_of(&mut self, cell: &[u8], row: usize) -> f64 {
        let parsed = std::str::from_utf8(cell).ok().and_then(|s| s.parse::<f64>().ok()).filter(|v| v.is_finite());
        let Some(v64) = parsed else {
            if self.blank.is_none() && matches!(Cell::parse(cell), Ok(Cell::Missing)) {
                self.blank = Some(cell.into());
            }
            if self.blank.as_deref() != Some(cell) {
                self.other.push((row, cell.into()));
            }
            return f64::NAN;
        };
        if let Values::F32(_) = self.values {
            if let Some(point_zero) = written_as(cell, Shortest::of(v64 as f32).bytes()) {
                self.set_point_zero(row, point_zero);
                return v64;
            }
            if written_as(cell, Shortest::of(v64).bytes()).is_some() {
                self.widen();
            }
        }
        match written_as(cell, Shortest::of(v64).bytes()) {
            Some(point_zero) if matches!(self.values, Values::F64(_)) => {
                self.set_point_zero(row, point_zero);
                v64
            }
            _ => {
                self.other.push((row, cell.into()));
                f64::NAN
            }
        }
    }

    fn set_point_zero(&mut self, row: usize, on: bool) {
        if on {
            self.point_zero[row / 64] |= 1 << (row % 64);
        }
    }

    /// From f32 to f64 values: each f32's text read as an f64, the number the file's text reads
    /// as (kept as text, in the rare case that f64's shortest text is another).
    fn widen(&mut self) {
        let Values::F32(values) = &self.values else { return };
        let mut wide = Vec::with_capacity(values.len());
        for (row, &x) in values.iter().enumerate() {
            let text = Shortest::of(x);
            let v64 = if x.is_nan() { f64::NAN } else { read(text.bytes()) };
            if x.is_nan() || Shortest::of(v64).bytes() == text.bytes() {
                wide.push(v64);
                continue;
            }
            let mut written = text.bytes().to_vec();
            if self.point_zero[row / 64] & (1 << (row % 64)) != 0 {
                written.extend_from_slice(b".0");
            }
            self.other.push((row, written.into()));
            wide.push(f64::NAN);
        }
        self.other.sort_by_key(|o| o.0);
        self.values = Values::F64(wide);
    }

    /// Row `row`'s number, NaN when its text is kept instead: for an f32, the f64 its shortest
    /// text reads as (the file's text).
    fn value(&self, row: usize) -> f64 {
        match &self.values {
            Values::F32(v) if v[row].is_nan() => f64::NAN,
            Values::F32(v) => read(Shortest::of(v[row]).bytes()),
            Values::F64(v) => v[row],
        }
    }

    /// Whether row `row` holds a value (not text kept beside).
    fn is_value(&self, row: usize) -> bool {
        match &self.values {
            Values::F32(v) => !v[row].is_nan(),
            Values::F64(v) => !v[row].is_nan(),
        }
    }

    /// The text of a row that holds no value: kept beside the values, or the column's blank.
    fn kept(&self, row: usize) -> &[u8] {
        match self.other.binary_search_by_key(&row, |o| o.0) {
            Ok(i) => &self.other[i].1,
            Err(_) => self.blank.as_deref().unwrap_or_default(),
        }
    }

    fn get(&self, row: usize) -> Cow<'_, [u8]> {
        if !self.is_value(row) {
            return Cow::Borrowed(self.kept(row));
        }
        let mut text = match &self.values {
            Values::F32(v) => Shortest::of(v[row]).bytes().to_vec(),
            Values::F64(v) => Shortest::of(v[row]).bytes().to_vec(),
        };
        if self.point_zero[row / 64] & (1 << (row % 64)) != 0 {
            text.extend_from_slice(b".0");
        }
        Cow::Owned(text)
    }

    fn number(&self, row: usize) -> Option<f64> {
        self.is_value(row).then(|| self.value(row))
    }
}

impl Codes {
    fn from_cells<'a>(cells: impl Iterator<Item = Cow<'a, [u8]>>) -> Self {
        let mut c = Codes::default();
        cells.for_each(|cell| c.push(&cell));
        c
    }

    fn push(&mut self, cell: &[u8]) {
        let code = match self.index.get(cell) {
            Some(&code) => code,
            None => {
                let code = self.values.len() as u32;
                self.values.push(cell.into());
                self.index.insert(cell.into(), code);
                code
            }
        };
        self.codes.push(code);
    }

    fn get(&self, row: usize) -> &[u8] {
        &self.values[self.codes[row] as usize]
    }
}

impl Text {
    fn from_cells<'a>(cells: impl Iterator<Item = Cow<'a, [u8]>>) -> Self {
        let mut t = Text::default();
        cells.for_each(|cell| t.push(&cell));
        t
    }

    fn push(&mut self, cell: &[u8]) {
        self.bytes.extend_from_slice(cell);
        self.ends.push(self.bytes.len() as u64);
    }

    fn get(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] as usize };
        &self.bytes[start..self.ends[row] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells of every kind a number column meets, from a seeded generator.
    fn cells(n: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 11
        };
        (0..n)
            .map(|_| {
                let r = next();
                let x = (r % 2_000_001) as f64 / 1000.0 - 1000.0;
                let text = match next() % 16 {
                    0 => format!("{}", x as f32),
                    1 => format!("{x}"),
                    2 => format!("{:.1}", x.round()),
                    3 => format!("{:e}", x / 1e7),
                    4 => String::new(),
                    5 => "NA".into(),
                    6 => format!(" {x}"),
                    7 => format!("{}", f64::from_bits(r | 0x3ff0_0000_0000_0000)), // 17 digits
                    8 => "-0".into(),
                    9 => "16777217".into(),
                    10 => "1e400".into(),
                    11 => "0.1".into(),
                    12 => "yes".into(),
                    13 => format!("{}", r as f32 * 1e-40), // subnormal f32s
                    _ => format!("{}", (x as f32) * 1e30),
                };
                text.into_bytes()
            })
            .collect()
    }

    fn check_round_trip(column: &Column, cells: &[Vec<u8>]) {
        for (row, cell) in cells.iter().enumerate() {
            assert_eq!(&*column.get(row), &cell[..], "row {row}: the text as written");
            let (got, want) = (column.cell(row).unwrap(), Cell::parse(cell).unwrap());
            match (got, want) {
                (Cell::Number(a), Cell::Number(b)) => assert_eq!(a.to_bits(), b.to_bits(), "row {row}"),
                (a, b) => assert_eq!(a, b, "row {row}"),
            }
        }
    }

    #[test]
    fn every_cell_reads_back_as_written_and_as_its_number() {
        for seed in 0..4 {
            let cells = cells(3000, seed);
            let mut column = Column::new();
            cells.iter().for_each(|c| column.push(c));
            column.shrink();
            check_round_trip(&column, &cells);
        }
    }

    #[test]
    fn plain_numbers_stay_values_and_the_rest_turns_to_text() {
        let push_all = |cells: &[Vec<u8>]| {
            let mut column = Column::new();
            cells.iter().for_each(|c| column.push(c));
            check_round_trip(&column, cells);
            column
        };
        // Six digits (`%g`): f32 values, integral floats with `.0` too.
        let short: Vec<Vec<u8>> = (0..5000).map(|i| format!("{}", (i as f32) * 0.001 - 2.0).into_bytes()).collect();
        assert!(matches!(push_all(&short), Column::Numbers(Numbers { values: Values::F32(_), .. })));
        let pandas: Vec<Vec<u8>> = (0..5000).map(|i| format!("{:?}", (i as f64) * 0.1).into_bytes()).collect();
        let column = push_all(&pandas);
        assert!(
            matches!(column, Column::Numbers(Numbers { values: Values::F64(_), ref other, .. }) if other.is_empty())
        );
        // Categories as codes; many distinct words as one run of bytes.
        // R's `NA` in a third of the rows: still values, the marker kept once.
        let with_na: Vec<Vec<u8>> = (0..5000)
            .map(|i| if i % 3 == 0 { b"NA".to_vec() } else { format!("{}", i as f32 * 0.5).into_bytes() })
            .collect();
        assert!(matches!(push_all(&with_na), Column::Numbers(Numbers { ref other, .. }) if other.is_empty()));
        let towns: Vec<Vec<u8>> = (0..5000).map(|i| format!("town{}", i % 7).into_bytes()).collect();
        assert!(matches!(push_all(&towns), Column::Codes(_)));
        let ids: Vec<Vec<u8>> = (0..5000).map(|i| format!("id-{i}").into_bytes()).collect();
        assert!(matches!(push_all(&ids), Column::Text(_)));
    }
}
