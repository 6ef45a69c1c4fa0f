//! Table validation: the header, the shape of each row, and each cell against its Table
//! Schema field.
//!
//! Codes are stable and follow the Frictionless error names: `blank-header`,
//! `duplicate-header`, `missing-label`, `extra-label`, `incorrect-label`, `missing-cell`,
//! `extra-cell`, `blank-row`, `type-error`, `constraint-error`, `unique-error`, and for the
//! file itself `encoding-error`, `unclosed-quote` and `stray-quote`.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::cast::{self, Cast};
use super::csv::Pos;
use super::findings::{column_pointer, shown, DataFindings};
use super::table::{CellValue, Header, ReadProblem, Row, TableVisitor};
use super::table_schema::{FieldDef, FieldsMatch, TableSchema};
use crate::report::Severity;

/// Distinct values remembered per `unique` constraint. Past this, later rows are not checked
/// for that constraint, and an info finding reports it.
pub const MAX_UNIQUE_TRACKED: usize = 2_000_000;

/// A uniqueness constraint: one field (`unique`) or several (`primaryKey`, `uniqueKeys`).
struct UniqueSet {
    columns: Vec<usize>,
    label: String,
    primary: bool,
    /// Hash of the key's values → the row position where it first occurred.
    seen: HashMap<u64, Pos>,
    full: bool,
}

/// Validates a table as its rows stream past.
pub struct TableValidator<'a> {
    schema: Option<&'a TableSchema>,
    pub findings: DataFindings,
    header: Header,
    /// The schema field of each column.
    fields: Vec<Option<usize>>,
    unique: Vec<UniqueSet>,
    json: bool,
}

impl<'a> TableValidator<'a> {
    pub fn new(path: &str, schema: Option<&'a TableSchema>, json: bool) -> TableValidator<'a> {
        TableValidator {
            schema,
            findings: DataFindings::new(path),
            header: Header::default(),
            fields: Vec::new(),
            unique: Vec::new(),
            json,
        }
    }

    /// Returns the position of column `name` in the header.
    pub fn header_position(&self, name: &str) -> Option<Pos> {
        let column = self.header.names.iter().position(|header_name| header_name == name)?;
        self.header.positions.get(column).copied()
    }

    fn field(&self, column: usize) -> Option<&'a FieldDef> {
        let schema = self.schema?;
        self.fields.get(column).copied().flatten().map(|index| &schema.fields[index])
    }

    fn check_labels(&mut self, header: &Header) {
        let Some(schema) = self.schema else {
            return;
        };
        let names = &header.names;
        let schema_names: Vec<&str> = schema.fields.iter().map(|field| field.name.as_str()).collect();
        let header_end = header.positions.last().copied().unwrap_or(Pos::START);
        let exact = schema.fields_match == FieldsMatch::Exact;
        let must_have_all =
            matches!(schema.fields_match, FieldsMatch::Exact | FieldsMatch::Equal | FieldsMatch::Subset);
        let must_be_known =
            matches!(schema.fields_match, FieldsMatch::Exact | FieldsMatch::Equal | FieldsMatch::Superset);

        if exact {
            for (i, name) in names.iter().enumerate() {
                if let Some(expected) = schema_names.get(i) {
                    if name != expected && schema_names.contains(&name.as_str()) {
                        let at = header.positions[i];
                        if let Some(finding) = self.findings.push(
                            "incorrect-label",
                            Severity::Error,
                            format!(
                                "header \"{name}\" is in column {}, but the schema has \"{expected}\" there",
                                i + 1
                            ),
                            at,
                            at,
                            &column_pointer(name),
                        ) {
                            finding.help = Some(
                                "reorder the columns or the schema's fields, or set `fieldsMatch` to \"equal\""
                                    .to_string(),
                            );
                        }
                    }
                }
            }
        }
        if must_be_known && header.from_file {
            for (i, name) in names.iter().enumerate() {
                if !schema_names.contains(&name.as_str()) {
                    let at = header.positions[i];
                    if let Some(finding) = self.findings.push(
                        "extra-label",
                        Severity::Error,
                        format!("header \"{name}\" is not a field of the Table Schema"),
                        at,
                        at,
                        &column_pointer(name),
                    ) {
                        finding.help = Some("add the field to the schema, or remove the column".to_string());
                    }
                }
            }
        }
        if must_have_all && header.from_file {
            let first = header.positions.first().copied().unwrap_or(Pos::START);
            for name in &schema_names {
                if !names.iter().any(|header_name| header_name == name) {
                    if let Some(finding) = self.findings.push(
                        "missing-label",
                        Severity::Error,
                        format!("the Table Schema field \"{name}\" has no column in the header"),
                        first,
                        header_end,
                        &column_pointer(name),
                    ) {
                        finding.help = Some("add the column, or remove the field from the schema".to_string());
                    }
                }
            }
        }
    }

    fn map_fields(&mut self) {
        let Some(schema) = self.schema else {
            return;
        };
        self.fields = self
            .header
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if self.header.from_file || self.json {
                    schema.fields.iter().position(|field| &field.name == name)
                } else {
                    (i < schema.fields.len()).then_some(i)
                }
            })
            .collect();
    }

    fn build_unique_sets(&mut self) {
        let Some(schema) = self.schema else {
            return;
        };
        self.unique.clear();
        let column_of = |name: &str, fields: &[Option<usize>]| -> Option<usize> {
            let index = schema.fields.iter().position(|field| field.name == name)?;
            fields.iter().position(|field| *field == Some(index))
        };
        for (index, field) in schema.fields.iter().enumerate() {
            if field.constraints.unique {
                if let Some(column) = self.fields.iter().position(|mapped| *mapped == Some(index)) {
                    self.unique.push(UniqueSet {
                        columns: vec![column],
                        label: format!("\"{}\"", field.name),
                        primary: false,
                        seen: HashMap::new(),
                        full: false,
                    });
                }
            }
        }
        let mut keys: Vec<(Vec<String>, bool)> = Vec::new();
        if !schema.primary_key.is_empty() {
            keys.push((schema.primary_key.clone(), true));
        }
        keys.extend(schema.unique_keys.iter().map(|key| (key.clone(), false)));
        for (names, primary) in keys {
            let columns: Option<Vec<usize>> = names.iter().map(|name| column_of(name, &self.fields)).collect();
            if let Some(columns) = columns {
                let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
                self.unique.push(UniqueSet {
                    columns,
                    label: quoted.join(", "),
                    primary,
                    seen: HashMap::new(),
                    full: false,
                });
            }
        }
    }

    fn check_row_shape(&mut self, row: &Row<'_>) {
        if row.json.is_some() {
            return;
        }
        let expected = self.header.names.len();
        if row.width < expected {
            let missing: Vec<String> =
                self.header.names[row.width..].iter().map(|name| format!("\"{name}\"")).collect();
            let pointer = column_pointer(&self.header.names[row.width]);
            if let Some(finding) = self.findings.push(
                "missing-cell",
                Severity::Error,
                format!(
                    "data row {} has {}, the header has {expected}: no value for {}",
                    row.number,
                    fields(row.width),
                    missing.join(", ")
                ),
                row.end,
                row.end,
                &pointer,
            ) {
                finding.help = Some("add the missing fields, even if empty (a trailing delimiter)".to_string());
            }
        }
        if let Some(first) = row.extra.first() {
            let value = match first.value {
                CellValue::Text(text) => shown(text),
                _ => String::new(),
            };
            if let Some(finding) = self.findings.push(
                "extra-cell",
                Severity::Error,
                format!(
                    "unexpected field \"{value}\": data row {} has {}, the header has {expected}",
                    row.number,
                    fields(row.width)
                ),
                first.start,
                first.end,
                &format!("/{}", expected),
            ) {
                finding.help =
                    Some("quote a field that contains the delimiter, or add the column to the header".to_string());
            }
        }
    }

    fn check_cells(&mut self, row: &Row<'_>) {
        let Some(schema) = self.schema else {
            return;
        };
        for (column, cell) in row.cells.iter().enumerate() {
            let Some(field) = self.field(column) else {
                continue;
            };
            if matches!(cell.value, CellValue::Absent) && row.json.is_none() {
                // Already reported as a missing cell.
                continue;
            }
            let pointer = column_pointer(&field.name);
            let text = cast::physical(&cell.value);
            let display = shown(&text);
            let required = field.constraints.required || schema.primary_key.iter().any(|key| key == &field.name);
            match cast::cast(field, schema.missing_values_of(field), &cell.value) {
                Cast::Missing => {
                    if required {
                        if let Some(finding) = self.findings.push(
                            "constraint-error",
                            Severity::Error,
                            format!("\"{}\" is required, but row {} has no value for it", field.name, row.number),
                            cell.start,
                            cell.end,
                            &pointer,
                        ) {
                            finding.help = Some("fill in the value; the field's `required` constraint (or the primary key) does not allow a missing one".to_string());
                        }
                    }
                }
                Cast::Invalid(expected) => {
                    if let Some(finding) = self.findings.push(
                        "type-error",
                        Severity::Error,
                        format!(
                            "\"{display}\" is not {expected} (field \"{}\" is of type {})",
                            field.name,
                            field.field_type.name()
                        ),
                        cell.start,
                        cell.end,
                        &pointer,
                    ) {
                        let markers: Vec<String> =
                            schema.missing_values_of(field).iter().map(|marker| format!("\"{marker}\"")).collect();
                        finding.help = Some(format!(
                            "correct the value, or add it to `missingValues` if it marks a missing value (now: [{}])",
                            markers.join(", ")
                        ));
                    }
                }
                Cast::Value(value) => {
                    if let Some(message) = cast::check_constraints(field, &value, &text, &display) {
                        if let Some(finding) = self.findings.push(
                            "constraint-error",
                            Severity::Error,
                            format!("{message} (field \"{}\")", field.name),
                            cell.start,
                            cell.end,
                            &pointer,
                        ) {
                            finding.help = Some("correct the value, or the field's constraints".to_string());
                        }
                    }
                }
            }
        }
        self.check_unique(row);
    }

    fn check_unique(&mut self, row: &Row<'_>) {
        for set in &mut self.unique {
            if set.full {
                continue;
            }
            let mut hasher = DefaultHasher::new();
            let mut all_missing = true;
            for &column in &set.columns {
                let text = row.cells.get(column).map(|cell| cast::physical(&cell.value)).unwrap_or_default();
                if !text.is_empty() {
                    all_missing = false;
                }
                text.hash(&mut hasher);
                0xFFu8.hash(&mut hasher);
            }
            // Missing values are not compared for uniqueness, as in SQL.
            if all_missing {
                continue;
            }
            let key = hasher.finish();
            let at = row.cells.get(set.columns[0]).map_or(row.start, |cell| cell.start);
            if let Some(first) = set.seen.get(&key).copied() {
                let values: Vec<String> = set
                    .columns
                    .iter()
                    .map(|&column| {
                        format!("\"{}\"", row.cells.get(column).map(|c| cast::physical(&c.value)).unwrap_or_default())
                    })
                    .collect();
                let what = if set.primary { "primary key" } else { "unique key" };
                let pointer = column_pointer(&self.header.names[set.columns[0]]);
                let path = self.findings.path().to_string();
                if let Some(finding) = self.findings.push(
                    "unique-error",
                    Severity::Error,
                    format!("{} repeats a value of the {what} {} (row {})", values.join(", "), set.label, row.number),
                    at,
                    row.cells.get(set.columns[0]).map_or(at, |cell| cell.end),
                    &pointer,
                ) {
                    DataFindings::related(finding, &path, "first occurrence", first, &pointer);
                    finding.help = Some("make the value unique, or remove the duplicated row".to_string());
                }
            } else if set.seen.len() >= MAX_UNIQUE_TRACKED {
                set.full = true;
                if let Some(finding) = self.findings.push(
                    "unique-not-checked",
                    Severity::Info,
                    format!(
                        "uniqueness of {} is checked for the first {MAX_UNIQUE_TRACKED} distinct values only",
                        set.label
                    ),
                    at,
                    at,
                    "",
                ) {
                    finding.note =
                        Some("remembering every value of a larger table would not fit in constant memory".to_string());
                }
            } else {
                set.seen.insert(key, at);
            }
        }
    }
}

impl TableVisitor for TableValidator<'_> {
    fn header(&mut self, header: &Header) {
        self.header = header.clone();
        if header.from_file {
            let mut first_seen: HashMap<&str, usize> = HashMap::new();
            for (i, name) in header.names.iter().enumerate() {
                let at = header.positions[i];
                if name.trim().is_empty() {
                    if let Some(finding) = self.findings.push(
                        "blank-header",
                        Severity::Error,
                        format!("column {} has no name in the header", i + 1),
                        at,
                        at,
                        &format!("/{i}"),
                    ) {
                        finding.help =
                            Some("name the column; an unnamed first column is often a dumped index".to_string());
                    }
                    continue;
                }
                if let Some(&first) = first_seen.get(name.as_str()) {
                    let path = self.findings.path().to_string();
                    let first_at = header.positions[first];
                    if let Some(finding) = self.findings.push(
                        "duplicate-header",
                        Severity::Error,
                        format!("header \"{name}\" appears twice (columns {} and {})", first + 1, i + 1),
                        at,
                        at,
                        &column_pointer(name),
                    ) {
                        DataFindings::related(finding, &path, "first defined", first_at, &column_pointer(name));
                        finding.help = Some("give every column a distinct name".to_string());
                    }
                } else {
                    first_seen.insert(name, i);
                }
            }
            self.check_labels(header);
        }
        self.map_fields();
        self.build_unique_sets();
    }

    fn new_column(&mut self, name: &str, at: crate::data::csv::Pos) {
        self.header.names.push(name.to_string());
        self.header.positions.push(at);
        self.map_fields();
        if let Some(schema) = self.schema {
            let known = schema.field(name).is_some();
            let closed = matches!(schema.fields_match, FieldsMatch::Exact | FieldsMatch::Equal | FieldsMatch::Superset);
            if !known && closed {
                if let Some(finding) = self.findings.push(
                    "extra-label",
                    Severity::Error,
                    format!("key \"{name}\" is not a field of the Table Schema"),
                    at,
                    at,
                    &column_pointer(name),
                ) {
                    finding.help = Some("add the field to the schema, or remove the key".to_string());
                }
            }
        }
        self.build_unique_sets();
    }

    fn row(&mut self, row: &Row<'_>) {
        if row.blank && row.json.is_none() {
            if let Some(finding) = self.findings.push(
                "blank-row",
                Severity::Error,
                format!("row {} is blank", row.number),
                row.start,
                row.end,
                "",
            ) {
                finding.help = Some("remove the blank row".to_string());
            }
            return;
        }
        self.check_row_shape(row);
        self.check_cells(row);
    }

    fn problem(&mut self, problem: &ReadProblem) {
        let severity = match problem.code {
            "stray-quote" | "field-too-long" | "duplicate-key" => Severity::Warning,
            _ => Severity::Error,
        };
        if let Some(finding) =
            self.findings.push(problem.code, severity, problem.message.clone(), problem.at, problem.at, "")
        {
            finding.help = problem.help.clone();
        }
    }
}

/// Counts fields in words: "1 field", "4 fields".
fn fields(count: usize) -> String {
    if count == 1 {
        "1 field".to_string()
    } else {
        format!("{count} fields")
    }
}
