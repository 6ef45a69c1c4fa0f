//! JSON Schema validation of each record: JSON Lines and JSON records as they are, and rows of
//! a delimited file as objects whose cells are read as the types the schema declares.
//!
//! A CSV cell is text, so `1` only satisfies `"type": "integer"` once it is read as a number.
//! Each cell is read as the first of the property's declared types that fits it: null for an
//! empty cell, then boolean, integer, number and string. A cell that fits none stays a
//! string, so the schema reports it. An empty cell of a property that does not allow
//! strings is left out of the object, so `required` reports it.

use serde_json::{Map, Number, Value as Json};

use super::csv::Pos;
use super::findings::DataFindings;
use super::table::{Cell, CellValue, Header, Row, TableVisitor};
use crate::report::Severity;
use crate::schema::{self, Compiled};
use crate::source::{Entry, Node, Span, Value};

/// Spans of the synthetic row tree: the row is 0, cell `i` is `i + 1`, and the header cell of
/// column `i` is `KEY_BASE + i`. They map findings back to physical positions.
const KEY_BASE: usize = 1 << 40;

/// Validates each record against one JSON Schema.
pub struct RowSchemaValidator<'a> {
    compiled: &'a Compiled,
    schema_name: String,
    pub findings: DataFindings,
    header: Header,
}

impl<'a> RowSchemaValidator<'a> {
    pub fn new(path: &str, compiled: &'a Compiled, schema_name: &str) -> RowSchemaValidator<'a> {
        RowSchemaValidator {
            compiled,
            schema_name: schema_name.to_string(),
            findings: DataFindings::new(path),
            header: Header::default(),
        }
    }

    fn declared_types(&self, name: &str) -> Vec<String> {
        let property = self.compiled.schema.get("properties").and_then(|properties| properties.get(name));
        match property.and_then(|property| property.get("type")) {
            Some(Json::String(single)) => vec![single.clone()],
            Some(Json::Array(many)) => many.iter().filter_map(Json::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }

    fn validate_delimited(&mut self, row: &Row<'_>) {
        let mut object = Map::new();
        let mut entries = Vec::new();
        for (i, cell) in row.cells.iter().enumerate() {
            let Some(name) = self.header.names.get(i) else {
                continue;
            };
            let CellValue::Text(text) = cell.value else {
                continue;
            };
            let Some((json, value)) = coerce(text, &self.declared_types(name)) else {
                continue;
            };
            object.insert(name.clone(), json);
            entries.push(Entry {
                key: name.clone(),
                key_span: Span::at(KEY_BASE + i),
                value: Node::new(value, Span::at(i + 1)),
            });
        }
        let root = Node::new(Value::Mapping(entries), Span::at(0));
        let instance = Json::Object(object);
        let positions = |span: Span| -> (Pos, Pos) {
            match span.start {
                0 => (row.start, row.start),
                start if start >= KEY_BASE => {
                    let at = self.header.positions.get(start - KEY_BASE).copied().unwrap_or(row.start);
                    (at, at)
                }
                start => {
                    row.cells.get(start - 1).map_or((row.start, row.start), |cell: &Cell<'_>| (cell.start, cell.end))
                }
            }
        };
        let found: Vec<_> = schema::findings_for(self.compiled, &root, &instance, &[])
            .into_iter()
            .map(|finding| {
                let (start, end) = positions(finding.span);
                (finding, start, end)
            })
            .collect();
        for (finding, start, end) in found {
            self.push(finding, start, end);
        }
    }

    fn validate_json(&mut self, row: &Row<'_>) {
        let Some(record) = &row.json else {
            return;
        };
        for finding in schema::findings_for(self.compiled, record.node, record.json, &[]) {
            let start = record.locate(finding.span.start);
            let end = record.locate(finding.span.end);
            self.push(finding, start, end);
        }
    }

    fn push(&mut self, found: schema::SchemaFinding, start: Pos, end: Pos) {
        let schema_name = self.schema_name.clone();
        if let Some(finding) =
            self.findings.push(&found.code, Severity::Error, found.message, start, end, &found.pointer)
        {
            finding.help = found.help;
            finding.schema = Some(schema_name);
            finding.keyword_location = Some(found.keyword_location);
        }
    }
}

impl TableVisitor for RowSchemaValidator<'_> {
    fn header(&mut self, header: &Header) {
        self.header = header.clone();
    }

    fn new_column(&mut self, name: &str, at: Pos) {
        self.header.names.push(name.to_string());
        self.header.positions.push(at);
    }

    fn row(&mut self, row: &Row<'_>) {
        if row.blank && row.json.is_none() {
            return;
        }
        if row.json.is_some() {
            self.validate_json(row);
        } else {
            self.validate_delimited(row);
        }
    }
}

/// Reads a cell as the first of `types` that fits. `None` leaves the property out.
fn coerce(text: &str, types: &[String]) -> Option<(Json, Value)> {
    let allows = |name: &str| types.is_empty() || types.iter().any(|declared| declared == name);
    if text.is_empty() {
        if types.iter().any(|declared| declared == "string") || types.is_empty() {
            return Some((Json::String(String::new()), Value::String(String::new())));
        }
        if allows("null") {
            return Some((Json::Null, Value::Null));
        }
        return None;
    }
    if !types.is_empty() {
        if allows("boolean") && (text == "true" || text == "false") {
            let flag = text == "true";
            return Some((Json::Bool(flag), Value::Bool(flag)));
        }
        let integer = text.parse::<i64>().ok();
        if allows("integer") {
            if let Some(number) = integer {
                return Some((Json::Number(number.into()), Value::Number(text.to_string())));
            }
        }
        if (allows("number") || allows("integer")) && super::cast::is_decimal_literal(text) {
            if let Ok(number) = serde_json::from_str::<Number>(text.trim_start_matches('+')) {
                return Some((Json::Number(number), Value::Number(text.to_string())));
            }
        }
    }
    Some((Json::String(text.to_string()), Value::String(text.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn coerce_follows_declared_types() {
        assert_eq!(coerce("1", &types(&["integer"])).unwrap().0, serde_json::json!(1));
        assert_eq!(coerce("0.91", &types(&["number"])).unwrap().0, serde_json::json!(0.91));
        assert_eq!(coerce("1", &types(&["string"])).unwrap().0, serde_json::json!("1"));
        assert_eq!(coerce("abc", &types(&["integer"])).unwrap().0, serde_json::json!("abc"));
        assert_eq!(coerce("true", &types(&["boolean"])).unwrap().0, serde_json::json!(true));
        assert!(coerce("", &types(&["number"])).is_none());
        assert_eq!(coerce("", &types(&["number", "null"])).unwrap().0, Json::Null);
        assert_eq!(coerce("", &[]).unwrap().0, serde_json::json!(""));
    }
}
