//! Recomputing per-column statistics from a data file as it streams past.
//!
//! Each cell of a tracked column is read as a number, or counted as missing (an empty cell, a
//! Table Schema missing value, JSON null), NaN, or non-numeric, with the first position of
//! each kind. Missing and NaN cells are skipped, never read as zero; a second accumulator
//! that does read them as zero exists only to diagnose a scaler fitted that way.

use serde::{Deserialize, Serialize};

use super::moments::{Accumulator, Moments};
use super::params::Split;
use super::sample::Reservoir;
use crate::data::cast;
use crate::data::csv::Pos;
use crate::data::table::{CellValue, Header, Row, TableVisitor};
use crate::data::table_schema::TableSchema;

/// A cell of a data file, for "first missing cell at ..." reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellPlace {
    pub path: String,
    pub line: u64,
    pub column: u64,
    /// The cell's text, for non-numeric cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The statistics of one column, mergeable across files and shards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub name: String,
    /// Statistics of the rows the scaler is fitted on (the split, or every row).
    pub moments: Moments,
    /// Statistics of every row, kept when a split is declared.
    pub whole: Option<Moments>,
    /// Statistics with missing and NaN cells read as 0.
    pub with_zeros: Moments,
    pub missing: u64,
    pub nan: u64,
    pub non_numeric: u64,
    pub first_missing: Option<CellPlace>,
    pub first_nan: Option<CellPlace>,
    pub first_non_numeric: Option<CellPlace>,
    /// False when the Table Schema gives the column a non-numeric type.
    pub numeric_type: bool,
    /// The header cell of the column in the first file.
    pub header: Option<CellPlace>,
}

impl Tally {
    fn new(name: &str) -> Tally {
        Tally {
            name: name.to_string(),
            moments: Moments::default(),
            whole: None,
            with_zeros: Moments::default(),
            missing: 0,
            nan: 0,
            non_numeric: 0,
            first_missing: None,
            first_nan: None,
            first_non_numeric: None,
            numeric_type: true,
            header: None,
        }
    }

    /// Merges the tally of the same column from another file or shard.
    pub fn merge(&mut self, other: &Tally) {
        self.moments.merge(&other.moments);
        match (&mut self.whole, &other.whole) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(theirs)) => self.whole = Some(*theirs),
            _ => {}
        }
        self.with_zeros.merge(&other.with_zeros);
        self.missing += other.missing;
        self.nan += other.nan;
        self.non_numeric += other.non_numeric;
        self.first_missing = self.first_missing.take().or_else(|| other.first_missing.clone());
        self.first_nan = self.first_nan.take().or_else(|| other.first_nan.clone());
        self.first_non_numeric = self.first_non_numeric.take().or_else(|| other.first_non_numeric.clone());
        self.numeric_type &= other.numeric_type;
        self.header = self.header.take().or_else(|| other.header.clone());
    }
}

/// How a cell reads as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    Number(f64),
    Missing,
    NaN,
    NonNumeric,
}

/// Reads a cell as a number: through the Table Schema field when there is one, else as a
/// plain decimal (`1`, `-2.5`, `1e-13`) with `NaN` in any case counted as NaN.
pub fn read_number(value: &CellValue<'_>, schema: Option<&TableSchema>, name: &str) -> Reading {
    let field = schema.and_then(|schema| schema.field(name));
    let markers: &[String] = match (schema, field) {
        (Some(schema), Some(field)) => schema.missing_values_of(field),
        (Some(schema), None) => &schema.missing_values,
        (None, _) => &[],
    };
    let text = match value {
        CellValue::Absent | CellValue::Null => return Reading::Missing,
        CellValue::Bool(_) | CellValue::Nested => return Reading::NonNumeric,
        CellValue::Number(literal) => {
            return literal.parse().map_or(Reading::NonNumeric, Reading::Number);
        }
        CellValue::Text(text) => *text,
    };
    if markers.iter().any(|marker| marker == text) || (schema.is_none() && text.is_empty()) {
        return Reading::Missing;
    }
    if let Some(field) = field.filter(|field| field.field_type.is_numeric()) {
        return match cast::parse_number(field, text) {
            Some(number) if number.is_nan() => Reading::NaN,
            Some(number) if number.is_finite() => Reading::Number(number),
            _ => Reading::NonNumeric,
        };
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Reading::Missing;
    }
    if trimmed.eq_ignore_ascii_case("nan") {
        return Reading::NaN;
    }
    match fast_float2::parse::<f64, _>(trimmed) {
        Ok(number) if number.is_finite() && cast::is_decimal_literal(trimmed) => Reading::Number(number),
        _ => Reading::NonNumeric,
    }
}

struct Column {
    tally: Tally,
    fitted: Accumulator,
    whole: Option<Accumulator>,
    with_zeros: Accumulator,
}

/// Collects the statistics of the tracked columns of one file.
pub struct StatsCollector<'a> {
    path: String,
    schema: Option<&'a TableSchema>,
    /// Columns to track; `None` tracks every column.
    wanted: Option<Vec<String>>,
    split: Option<Split>,
    header: Vec<String>,
    /// For each header column, its index in `columns`.
    tracked: Vec<Option<usize>>,
    columns: Vec<Column>,
    split_column: Option<usize>,
    rows: u64,
    fitted_rows: u64,
    reservoir: Option<Reservoir>,
}

/// What reading a file gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    /// Data rows read.
    pub rows: u64,
    /// Rows of the split (every row without one).
    pub fitted_rows: u64,
    pub columns: Vec<Tally>,
    /// The sample size when the statistics come from a sample.
    pub sampled: Option<u64>,
}

impl<'a> StatsCollector<'a> {
    pub fn new(
        path: &str,
        schema: Option<&'a TableSchema>,
        wanted: Option<Vec<String>>,
        split: Option<Split>,
        reservoir: Option<Reservoir>,
    ) -> StatsCollector<'a> {
        StatsCollector {
            path: path.to_string(),
            schema,
            wanted,
            split,
            header: Vec::new(),
            tracked: Vec::new(),
            columns: Vec::new(),
            split_column: None,
            rows: 0,
            fitted_rows: 0,
            reservoir,
        }
    }

    fn add_column(&mut self, name: &str, at: Pos) {
        let index = self.header.len();
        self.header.push(name.to_string());
        let wanted = self.wanted.as_ref().is_none_or(|wanted| wanted.iter().any(|column| column == name));
        let already = self.columns.iter().any(|column| column.tally.name == name);
        if !wanted || already {
            self.tracked.push(None);
        } else {
            let mut tally = Tally::new(name);
            tally.header = Some(CellPlace { path: self.path.clone(), line: at.line, column: at.column, value: None });
            if let Some(field) = self.schema.and_then(|schema| schema.field(name)) {
                use crate::data::table_schema::FieldType;
                tally.numeric_type = field.field_type.is_numeric() || field.field_type == FieldType::Any;
            }
            self.tracked.push(Some(self.columns.len()));
            self.columns.push(Column {
                tally,
                fitted: Accumulator::default(),
                whole: self.split.as_ref().map(|_| Accumulator::default()),
                with_zeros: Accumulator::default(),
            });
        }
        if let Some(Split::Column { column, .. }) = &self.split {
            if column == name {
                self.split_column = Some(index);
            }
        }
    }

    fn in_split(&self, row: &Row<'_>) -> bool {
        match &self.split {
            None => true,
            Some(Split::Rows { start, end }) => (start..end).contains(&&(row.number - 1)),
            Some(Split::Column { value, .. }) => self
                .split_column
                .and_then(|column| row.cells.get(column))
                .is_some_and(|cell| cast::physical(&cell.value).trim() == value),
        }
    }

    /// The statistics, once every row was visited.
    pub fn finish(mut self) -> FileStats {
        let sampled = self.reservoir.as_ref().map(|reservoir| reservoir.len() as u64);
        if let Some(reservoir) = self.reservoir.take() {
            for row in reservoir.into_rows() {
                for (column, reading) in self.columns.iter_mut().zip(row) {
                    if let Reading::Number(value) = reading {
                        column.fitted.push(value);
                    }
                }
            }
        }
        let columns = self
            .columns
            .into_iter()
            .map(|column| {
                let mut tally = column.tally;
                tally.moments = column.fitted.moments();
                tally.whole = column.whole.map(|whole| whole.moments());
                tally.with_zeros = column.with_zeros.moments();
                tally
            })
            .collect();
        FileStats { rows: self.rows, fitted_rows: self.fitted_rows, columns, sampled }
    }
}

impl TableVisitor for StatsCollector<'_> {
    fn header(&mut self, header: &Header) {
        for (name, at) in header.names.iter().zip(&header.positions) {
            self.add_column(name, *at);
        }
    }

    fn new_column(&mut self, name: &str, at: Pos) {
        self.add_column(name, at);
    }

    fn row(&mut self, row: &Row<'_>) {
        if row.blank && row.json.is_none() {
            return;
        }
        self.rows += 1;
        let fitted = self.in_split(row);
        if fitted {
            self.fitted_rows += 1;
        }
        let mut sampled_row = self.reservoir.as_ref().map(|_| Vec::with_capacity(self.columns.len()));
        for (header_index, tracked) in self.tracked.iter().enumerate() {
            let Some(index) = *tracked else {
                continue;
            };
            let cell = row.cells.get(header_index);
            let value = cell.map_or(CellValue::Absent, |cell| cell.value);
            let at = cell.map_or(row.end, |cell| cell.start);
            let name = &self.header[header_index];
            let reading = read_number(&value, self.schema, name);
            let place =
                |value: Option<String>| CellPlace { path: self.path.clone(), line: at.line, column: at.column, value };
            let column = &mut self.columns[index];
            match reading {
                Reading::Number(number) => {
                    if fitted && sampled_row.is_none() {
                        column.fitted.push(number);
                    }
                    if let Some(whole) = &mut column.whole {
                        whole.push(number);
                    }
                    if fitted {
                        column.with_zeros.push(number);
                    }
                }
                Reading::Missing | Reading::NaN => {
                    let first = if reading == Reading::Missing {
                        column.tally.missing += 1;
                        &mut column.tally.first_missing
                    } else {
                        column.tally.nan += 1;
                        &mut column.tally.first_nan
                    };
                    if first.is_none() {
                        *first = Some(place(None));
                    }
                    if fitted {
                        column.with_zeros.push(0.0);
                    }
                }
                Reading::NonNumeric => {
                    column.tally.non_numeric += 1;
                    if column.tally.first_non_numeric.is_none() {
                        column.tally.first_non_numeric = Some(place(Some(cast::physical(&value))));
                    }
                }
            }
            if let Some(sampled) = &mut sampled_row {
                sampled.push(reading);
            }
        }
        if let (Some(reservoir), Some(sampled)) = (&mut self.reservoir, sampled_row) {
            if fitted {
                reservoir.offer(sampled);
            }
        }
    }
}
