//! Data-quality measures computed while the table streams past: completeness per column,
//! duplicate rows, constant columns, and the class balance of a label column.
//!
//! Rows are compared through a 64-bit hash of their normalised cells: surrounding spaces are
//! trimmed, numbers compare by value (`1.0` equals `1`), and missing cells are equal to each
//! other. Duplicates are counted exactly while the distinct rows fit in
//! [`MAX_EXACT_ROWS`] hashes. Past that the count is a HyperLogLog estimate, and the report
//! marks it as one.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::csv::Pos;
use super::table::{CellValue, Header, Row, TableVisitor};
use super::table_schema::TableSchema;

/// Distinct row hashes kept for exact duplicate counts and train/test overlap: about 40 MiB
/// of hash set at the limit.
pub const MAX_EXACT_ROWS: usize = 2_000_000;

/// Distinct values of a label column beyond which it is not reported as a label.
pub const MAX_CLASSES: usize = 1_000;

/// Column names taken as the label column when none is named.
pub const LABEL_NAMES: [&str; 4] = ["label", "labels", "target", "class"];

/// The measures of one column.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnMeasures {
    pub name: String,
    /// Cells that are missing: empty, a missing-value marker, JSON null, or absent.
    pub missing: u64,
    pub missing_ratio: f64,
    /// 1 − `missing_ratio`.
    pub completeness: f64,
    /// Every present value is the same, and at least two are present.
    pub constant: bool,
}

/// One class of a label column.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassCount {
    pub value: String,
    pub count: u64,
    pub ratio: f64,
}

/// The class balance of the label column.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelBalance {
    pub column: String,
    /// Classes by decreasing count.
    pub classes: Vec<ClassCount>,
    /// The smallest class count divided by the largest: 1 when balanced.
    pub minority_ratio: f64,
}

/// Rows of one file that also occur in another.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overlap {
    /// The other file.
    pub with: String,
    /// Distinct rows of this file whose normalised content occurs in the other file.
    pub rows: u64,
    pub ratio: f64,
}

/// The measures of one data file, as the JSON report's `data` list gives them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataMeasures {
    pub path: String,
    pub format: &'static str,
    /// The path (and pointer) of the Table Schema used, if any.
    pub table_schema: Option<String>,
    /// Data rows read, header excluded.
    pub rows: u64,
    pub columns: Vec<ColumnMeasures>,
    pub duplicate_rows: u64,
    pub duplicate_row_ratio: f64,
    /// False when the duplicate count is an estimate (more distinct rows than
    /// `MAX_EXACT_ROWS`).
    pub duplicates_exact: bool,
    pub constant_columns: Vec<String>,
    pub label: Option<LabelBalance>,
    pub overlap: Vec<Overlap>,
    /// Each column's name and header cell (for JSON records, where the key was first seen),
    /// so that findings about a column can point at it. Not part of the report.
    #[serde(skip)]
    pub header_cells: Vec<(String, Pos)>,
}

#[derive(Default)]
struct ColumnState {
    missing: u64,
    present: u64,
    first: Option<u64>,
    varies: bool,
}

/// Collects the measures of one table.
pub struct QualityCollector<'a> {
    schema: Option<&'a TableSchema>,
    label_name: Option<String>,
    header: Header,
    columns: Vec<ColumnState>,
    rows: u64,
    exact: Option<HashSet<u64>>,
    duplicates: u64,
    sketch: HyperLogLog,
    label_column: Option<usize>,
    classes: HashMap<String, u64>,
    too_many_classes: bool,
}

impl<'a> QualityCollector<'a> {
    pub fn new(schema: Option<&'a TableSchema>, label_name: Option<&str>) -> QualityCollector<'a> {
        QualityCollector {
            schema,
            label_name: label_name.map(str::to_string),
            header: Header::default(),
            columns: Vec::new(),
            rows: 0,
            exact: Some(HashSet::new()),
            duplicates: 0,
            sketch: HyperLogLog::new(),
            label_column: None,
            classes: HashMap::new(),
            too_many_classes: false,
        }
    }

    fn missing_markers(&self, column: usize) -> Option<&[String]> {
        let schema = self.schema?;
        let name = self.header.names.get(column)?;
        Some(match schema.field(name) {
            Some(field) => schema.missing_values_of(field),
            None => &schema.missing_values,
        })
    }

    fn is_missing(&self, column: usize, value: &CellValue<'_>) -> bool {
        match value {
            CellValue::Absent | CellValue::Null => true,
            CellValue::Text(text) => match self.missing_markers(column) {
                Some(markers) => markers.iter().any(|marker| marker == text),
                None => text.is_empty(),
            },
            _ => false,
        }
    }

    fn choose_label(&mut self) {
        let wanted = self.label_name.clone();
        self.label_column = match wanted {
            Some(name) => self.header.names.iter().position(|column| *column == name),
            None => self
                .header
                .names
                .iter()
                .position(|column| LABEL_NAMES.iter().any(|candidate| column.eq_ignore_ascii_case(candidate))),
        };
    }

    /// Returns the row hashes when every distinct row was kept (for train/test overlap).
    pub fn row_hashes(&self) -> Option<&HashSet<u64>> {
        self.exact.as_ref()
    }

    pub fn take_row_hashes(&mut self) -> Option<HashSet<u64>> {
        self.exact.take()
    }

    /// Returns the measures of a file at `path` in `format`.
    pub fn measures(&self, path: &str, format: &'static str, table_schema: Option<String>) -> DataMeasures {
        let rows = self.rows;
        let ratio = |count: u64| if rows == 0 { 0.0 } else { count as f64 / rows as f64 };
        let columns: Vec<ColumnMeasures> = self
            .header
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let state = self.columns.get(i);
                let missing = state.map_or(0, |state| state.missing);
                ColumnMeasures {
                    name: name.clone(),
                    missing,
                    missing_ratio: ratio(missing),
                    completeness: 1.0 - ratio(missing),
                    constant: state.is_some_and(|state| state.present >= 2 && !state.varies),
                }
            })
            .collect();
        let (duplicates, exact) = match &self.exact {
            Some(_) => (self.duplicates, true),
            None => {
                let distinct = self.sketch.estimate().round().min(rows as f64) as u64;
                (rows - distinct, false)
            }
        };
        let label = self.label_column.filter(|_| !self.too_many_classes && !self.classes.is_empty()).map(|column| {
            let total: u64 = self.classes.values().sum();
            let mut classes: Vec<ClassCount> = self
                .classes
                .iter()
                .map(|(value, count)| ClassCount {
                    value: value.clone(),
                    count: *count,
                    ratio: *count as f64 / total as f64,
                })
                .collect();
            classes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            let largest = classes.first().map_or(0, |class| class.count);
            let smallest = classes.last().map_or(0, |class| class.count);
            LabelBalance {
                column: self.header.names[column].clone(),
                minority_ratio: if largest == 0 { 0.0 } else { smallest as f64 / largest as f64 },
                classes,
            }
        });
        DataMeasures {
            path: path.to_string(),
            format,
            table_schema,
            rows,
            constant_columns: columns
                .iter()
                .filter(|column| column.constant)
                .map(|column| column.name.clone())
                .collect(),
            columns,
            duplicate_rows: duplicates,
            duplicate_row_ratio: ratio(duplicates),
            duplicates_exact: exact,
            label,
            overlap: Vec::new(),
            header_cells: self.header.names.iter().cloned().zip(self.header.positions.iter().copied()).collect(),
        }
    }
}

/// Hashes one cell's normalised value into `hasher`.
fn hash_cell(value: &CellValue<'_>, missing: bool, hasher: &mut DefaultHasher) {
    if missing {
        0u8.hash(hasher);
        return;
    }
    let hash_text = |text: &str, hasher: &mut DefaultHasher| {
        let trimmed = text.trim();
        match trimmed.parse::<f64>() {
            Ok(number) if number.is_finite() && super::cast::is_decimal_literal(trimmed) => {
                1u8.hash(hasher);
                // +0.0 and -0.0 are the same value.
                (number + 0.0).to_bits().hash(hasher);
            }
            _ => {
                2u8.hash(hasher);
                trimmed.hash(hasher);
            }
        }
    };
    match value {
        CellValue::Text(text) | CellValue::Number(text) => hash_text(text, hasher),
        CellValue::Bool(flag) => {
            3u8.hash(hasher);
            flag.hash(hasher);
        }
        CellValue::Null | CellValue::Absent => 0u8.hash(hasher),
        CellValue::Nested => 4u8.hash(hasher),
    }
}

/// Returns the normalised hash of a row, as used for duplicates and overlap.
pub fn row_hash(row: &Row<'_>, is_missing: impl Fn(usize, &CellValue<'_>) -> bool) -> u64 {
    let mut hasher = DefaultHasher::new();
    if let Some(record) = &row.json {
        // Nested values take part through the record's canonical text.
        if row.cells.iter().any(|cell| cell.value == CellValue::Nested) {
            5u8.hash(&mut hasher);
            record.json.to_string().hash(&mut hasher);
            return hasher.finish();
        }
    }
    for (column, cell) in row.cells.iter().enumerate() {
        hash_cell(&cell.value, is_missing(column, &cell.value), &mut hasher);
        0xFFu8.hash(&mut hasher);
    }
    for cell in row.extra {
        hash_cell(&cell.value, false, &mut hasher);
    }
    hasher.finish()
}

impl TableVisitor for QualityCollector<'_> {
    fn header(&mut self, header: &Header) {
        self.header = header.clone();
        self.columns.resize_with(header.names.len(), ColumnState::default);
        self.choose_label();
    }

    fn new_column(&mut self, name: &str, at: Pos) {
        self.header.names.push(name.to_string());
        self.header.positions.push(at);
        // Earlier records lacked this key: their cells count as missing.
        self.columns.push(ColumnState { missing: self.rows, present: 0, first: None, varies: false });
        if self.label_column.is_none() {
            self.choose_label();
        }
    }

    fn row(&mut self, row: &Row<'_>) {
        self.rows += 1;
        let hash = row_hash(row, |column, value| self.is_missing(column, value));
        self.sketch.add(hash);
        if let Some(exact) = &mut self.exact {
            if !exact.insert(hash) {
                self.duplicates += 1;
            } else if exact.len() > MAX_EXACT_ROWS {
                self.exact = None;
            }
        }

        for column in 0..self.columns.len() {
            let value = row.cells.get(column).map_or(CellValue::Absent, |cell| cell.value);
            if self.is_missing(column, &value) {
                self.columns[column].missing += 1;
                continue;
            }
            let state = &mut self.columns[column];
            state.present += 1;
            if value == CellValue::Nested {
                // Nested values are not compared, so such a column is never called constant.
                state.varies = true;
                continue;
            }
            let mut hasher = DefaultHasher::new();
            hash_cell(&value, false, &mut hasher);
            let hash = hasher.finish();
            match state.first {
                None => state.first = Some(hash),
                Some(first) if first != hash => state.varies = true,
                Some(_) => {}
            }
        }

        if let Some(column) = self.label_column {
            if !self.too_many_classes {
                if let Some(cell) = row.cells.get(column) {
                    if !self.is_missing(column, &cell.value) {
                        let value = super::cast::physical(&cell.value).trim().to_string();
                        if let Some(count) = self.classes.get_mut(&value) {
                            *count += 1;
                        } else if self.classes.len() >= MAX_CLASSES {
                            self.too_many_classes = true;
                            self.classes.clear();
                        } else {
                            self.classes.insert(value, 1);
                        }
                    }
                }
            }
        }
    }
}

/// A HyperLogLog distinct-count sketch with 2^14 registers (standard error about 0.8%).
struct HyperLogLog {
    registers: Vec<u8>,
}

const HLL_BITS: u32 = 14;

impl HyperLogLog {
    fn new() -> HyperLogLog {
        HyperLogLog { registers: vec![0; 1 << HLL_BITS] }
    }

    fn add(&mut self, hash: u64) {
        // SipHash output is well mixed, so the top bits pick the register.
        let index = (hash >> (64 - HLL_BITS)) as usize;
        let rest = (hash << HLL_BITS) | (1 << (HLL_BITS - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.registers[index] {
            self.registers[index] = rank;
        }
    }

    fn estimate(&self) -> f64 {
        let m = self.registers.len() as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.registers.iter().map(|&rank| 2f64.powi(-i32::from(rank))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&rank| rank == 0).count();
        // Linear counting is more accurate while many registers are still empty.
        if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperloglog_estimates_within_three_percent() {
        let mut sketch = HyperLogLog::new();
        for i in 0u64..200_000 {
            let mut hasher = DefaultHasher::new();
            i.hash(&mut hasher);
            sketch.add(hasher.finish());
        }
        let estimate = sketch.estimate();
        assert!((estimate - 200_000.0).abs() / 200_000.0 < 0.03, "estimate {estimate}");
    }
}
