//! osquery results as a telemetry body carries them: rows keyed by osquery
//! table name, with osquery's own column names, so `osqueryi --json` output
//! can be posted as is. Values arrive as strings (as osquery emits them) or
//! numbers; both are kept as text. Tables hirevet does not read are kept in
//! the stored body and otherwise ignored; rows of the tables it does read are
//! checked, and a bad one is reported by table, row and column.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::FieldErrors;

/// The tables detectors read, with the columns that must be integers.
pub const KNOWN_TABLES: &[(&str, &[&str])] = &[
    ("processes", &["pid", "parent", "uid", "on_disk"]),
    ("programs", &[]),
    ("apps", &[]),
    ("deb_packages", &[]),
    ("rpm_packages", &[]),
    ("usb_devices", &["usb_address", "usb_port"]),
    ("drivers", &[]),
    ("listening_ports", &["pid", "port", "protocol", "family"]),
    (
        "process_open_sockets",
        &["pid", "local_port", "remote_port", "protocol", "family"],
    ),
    ("system_info", &["cpu_physical_cores", "cpu_logical_cores"]),
    ("os_version", &["major", "minor"]),
    ("time", &["unix_time"]),
    ("interface_addresses", &[]),
    ("interface_details", &[]),
    ("arp_cache", &[]),
    ("connected_displays", &[]),
    ("chrome_extensions", &[]),
    ("etc_hosts", &[]),
];

/// Rows per table are capped well above a busy machine's process list.
pub const MAX_ROWS_PER_TABLE: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OsqueryRow {
    cols: BTreeMap<String, String>,
}

impl OsqueryRow {
    /// A column's value; empty strings count as absent (osquery writes `""`
    /// for unknown values).
    pub fn get(&self, col: &str) -> Option<&str> {
        self.cols
            .get(col)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }

    pub fn get_i64(&self, col: &str) -> Option<i64> {
        self.get(col)?.trim().parse().ok()
    }

    pub fn columns(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cols.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The row as JSON, for a signal's evidence.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.cols
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }

    /// Builds a row from pairs; for tests and benchmarks.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> OsqueryRow {
        OsqueryRow {
            cols: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OsqueryTables {
    tables: BTreeMap<String, Vec<OsqueryRow>>,
}

impl OsqueryTables {
    /// The rows of `table`, empty when the payload did not include it.
    pub fn rows(&self, table: &str) -> &[OsqueryRow] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn is_empty(&self) -> bool {
        self.tables.values().all(Vec::is_empty)
    }

    /// Adds rows; for tests and benchmarks.
    pub fn insert(&mut self, table: &str, rows: Vec<OsqueryRow>) {
        self.tables.insert(table.to_string(), rows);
    }

    /// Reads the `osquery` object at `path`. Known tables must be arrays of
    /// flat objects; their integer columns must hold integers. Unknown tables
    /// are not read at all.
    pub fn parse(value: &Value, path: &str, errors: &mut FieldErrors) -> OsqueryTables {
        let mut out = OsqueryTables::default();
        let Value::Object(map) = value else {
            errors.push(path, "must be an object keyed by osquery table name");
            return out;
        };
        for (table, numeric) in KNOWN_TABLES {
            let Some(rows) = map.get(*table).filter(|v| !v.is_null()) else {
                continue;
            };
            let table_path = format!("{path}.{table}");
            let Value::Array(rows) = rows else {
                errors.push(table_path, "must be an array of rows");
                continue;
            };
            if rows.len() > MAX_ROWS_PER_TABLE {
                errors.push(
                    table_path,
                    format!("must have at most {MAX_ROWS_PER_TABLE} rows"),
                );
                continue;
            }
            let mut parsed = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let row_path = format!("{table_path}[{i}]");
                match row {
                    Value::Object(cols) => {
                        if let Some(row) = parse_row(cols, numeric, &row_path, errors) {
                            parsed.push(row);
                        }
                    }
                    _ => errors.push(row_path, "must be an object of column values"),
                }
            }
            out.tables.insert(table.to_string(), parsed);
        }
        out
    }
}

fn parse_row(
    cols: &Map<String, Value>,
    numeric: &[&str],
    row_path: &str,
    errors: &mut FieldErrors,
) -> Option<OsqueryRow> {
    let mut row = BTreeMap::new();
    let mut ok = true;
    for (col, value) in cols {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Null => continue,
            _ => {
                errors.push(format!("{row_path}.{col}"), "must be a string or a number");
                ok = false;
                continue;
            }
        };
        if numeric.contains(&col.as_str())
            && !text.is_empty()
            && text.trim().parse::<i64>().is_err()
        {
            errors.push(format!("{row_path}.{col}"), "must be an integer");
            ok = false;
            continue;
        }
        row.insert(col.clone(), text);
    }
    ok.then_some(OsqueryRow { cols: row })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_keep_strings_and_numbers_as_text_and_ignore_unknown_tables() {
        let mut errors = FieldErrors::default();
        let t = OsqueryTables::parse(
            &json!({
                "processes": [{"pid": "42", "name": "AnyDesk.exe", "parent": 1, "path": ""}],
                "some_future_table": [[1, 2, 3]]
            }),
            "osquery",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors}");
        let row = &t.rows("processes")[0];
        assert_eq!(row.get("name"), Some("AnyDesk.exe"));
        assert_eq!(row.get_i64("parent"), Some(1));
        assert_eq!(row.get("path"), None);
        assert!(t.rows("some_future_table").is_empty());
    }

    #[test]
    fn bad_rows_are_named_by_table_row_and_column() {
        let mut errors = FieldErrors::default();
        OsqueryTables::parse(
            &json!({
                "processes": [{"pid": "1"}, {"pid": "x"}, "nope"],
                "listening_ports": {"port": 1},
                "usb_devices": [{"vendor": {"a": 1}}]
            }),
            "osquery",
            &mut errors,
        );
        let fields: Vec<&str> = errors.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "osquery.processes[1].pid",
                "osquery.processes[2]",
                "osquery.usb_devices[0].vendor",
                "osquery.listening_ports"
            ]
        );
    }
}
