//! Cursor pagination: `?limit=1..200&cursor=…`. Cursors are opaque
//! (base64url of the last id seen) so their form can change later.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use std::collections::HashMap;

use serde_json::{json, Value};

use super::errors::ApiError;
use crate::domain::FieldErrors;
use crate::store::Page;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

pub fn parse_limit(raw: Option<&str>, errs: &mut FieldErrors) -> u32 {
    match raw {
        None => DEFAULT_LIMIT,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errs.push("limit", format!("must be an integer from 1 to {MAX_LIMIT}"));
                DEFAULT_LIMIT
            }
        },
    }
}

pub fn parse_cursor(raw: Option<&str>, errs: &mut FieldErrors) -> Option<Uuid> {
    let raw = raw?;
    let decoded = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| Uuid::parse_str(&s).ok());
    if decoded.is_none() {
        errs.push("cursor", "is not a cursor this API returned");
    }
    decoded
}

/// `limit` and `cursor` of a list request; any parameter other than those
/// and `extra` is refused, every problem reported at once.
pub fn parse_page_query(
    query: &HashMap<String, String>,
    extra: &[&str],
) -> Result<(u32, Option<Uuid>), ApiError> {
    let mut errs = FieldErrors::default();
    for key in query.keys() {
        if !["limit", "cursor"].contains(&key.as_str()) && !extra.contains(&key.as_str()) {
            errs.push(key.as_str(), "is not a known query parameter");
        }
    }
    let limit = parse_limit(query.get("limit").map(String::as_str), &mut errs);
    let cursor = parse_cursor(query.get("cursor").map(String::as_str), &mut errs);
    if errs.is_empty() {
        Ok((limit, cursor))
    } else {
        Err(ApiError::Validation(errs))
    }
}

/// A list response: `{data, next_cursor}`.
pub fn page_json<T>(page: &Page<T>, item: impl Fn(&T) -> Value) -> Value {
    json!({
        "data": page.items.iter().map(item).collect::<Vec<_>>(),
        "next_cursor": page.next_after.map(encode_cursor),
    })
}

pub fn encode_cursor(after: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(after.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_reported() {
        let id = Uuid::now_v7();
        let mut errs = FieldErrors::default();
        assert_eq!(parse_cursor(Some(&encode_cursor(id)), &mut errs), Some(id));
        assert!(errs.is_empty());
        assert_eq!(parse_cursor(Some("!!"), &mut errs), None);
        assert_eq!(parse_limit(Some("500"), &mut errs), DEFAULT_LIMIT);
        let fields: Vec<_> = errs.as_slice().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["cursor", "limit"]);
    }
}
