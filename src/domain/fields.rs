//! Field-level validation errors and a small reader over JSON objects that
//! collects every problem in a body instead of stopping at the first, so a
//! 422 can list all bad fields at once.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path with indexes, e.g. `emails[1]` or `claimed_location.country`.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// Records `result`'s error under `field` and passes the value through.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.push(field, message);
                None
            }
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// A JSON object being read at `path`, reporting into shared errors.
pub struct ObjectReader<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> ObjectReader<'a> {
    /// Reads `value` as an object; reports and returns `None` otherwise.
    pub fn new(value: &'a Value, path: &str, errors: &mut FieldErrors) -> Option<Self> {
        match value {
            Value::Object(map) => Some(ObjectReader {
                map,
                path: path.to_string(),
            }),
            _ => {
                errors.push(display_path(path), "must be an object");
                None
            }
        }
    }

    pub fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Unknown keys are refused: a typo such as `fullname` must not be
    /// silently dropped from a screening.
    pub fn deny_unknown(&self, allowed: &[&str], errors: &mut FieldErrors) {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                errors.push(self.path(key), "is not a known field");
            }
        }
    }

    /// The raw value, treating JSON `null` as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn str_opt(&self, key: &str, errors: &mut FieldErrors) -> Option<&'a str> {
        match self.get(key)? {
            Value::String(s) => Some(s.as_str()),
            _ => {
                errors.push(self.path(key), "must be a string");
                None
            }
        }
    }

    pub fn str_req(&self, key: &str, errors: &mut FieldErrors) -> Option<&'a str> {
        if self.get(key).is_none() {
            errors.push(self.path(key), "is required");
            return None;
        }
        self.str_opt(key, errors)
    }

    pub fn bool_opt(&self, key: &str, errors: &mut FieldErrors) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                errors.push(self.path(key), "must be true or false");
                None
            }
        }
    }

    pub fn object_opt(&self, key: &str, errors: &mut FieldErrors) -> Option<ObjectReader<'a>> {
        let value = self.get(key)?;
        ObjectReader::new(value, &self.path(key), errors)
    }

    /// Array items with their paths (`key[i]`); at most `max` items.
    pub fn array_opt(
        &self,
        key: &str,
        max: usize,
        errors: &mut FieldErrors,
    ) -> Vec<(String, &'a Value)> {
        match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) if items.len() > max => {
                errors.push(self.path(key), format!("must have at most {max} items"));
                Vec::new()
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", self.path(key)), v))
                .collect(),
            Some(_) => {
                errors.push(self.path(key), "must be an array");
                Vec::new()
            }
        }
    }

    /// Array of strings, each passed through `parse`.
    pub fn parsed_strings<T>(
        &self,
        key: &str,
        max: usize,
        errors: &mut FieldErrors,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for (path, item) in self.array_opt(key, max, errors) {
            match item.as_str() {
                Some(s) => {
                    if let Some(v) = errors.check(&path, parse(s)) {
                        out.push(v);
                    }
                }
                None => errors.push(path, "must be a string"),
            }
        }
        out
    }

    /// An optional string field passed through `parse`.
    pub fn parsed_opt<T>(
        &self,
        key: &str,
        errors: &mut FieldErrors,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.str_opt(key, errors)?;
        errors.check(&self.path(key), parse(s))
    }

    /// A required string field passed through `parse`.
    pub fn parsed_req<T>(
        &self,
        key: &str,
        errors: &mut FieldErrors,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.str_req(key, errors)?;
        errors.check(&self.path(key), parse(s))
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "body".to_string()
    } else {
        path.to_string()
    }
}
