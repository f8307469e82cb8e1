//! Downloads a source's files: `https://`/`http://` with timeouts, a size
//! limit and conditional requests (ETag / Last-Modified), or `file://` URLs
//! and plain paths for air-gapped installations.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{location}: {message}")]
    Failed { location: String, message: String },
    #[error("{location}: larger than the {limit}-byte download limit")]
    TooLarge { location: String, limit: u64 },
}

fn failed(location: &str, message: impl std::fmt::Display) -> FetchError {
    FetchError::Failed {
        location: location.to_string(),
        message: message.to_string(),
    }
}

/// A source's files as downloaded, with the validators to send next time.
#[derive(Debug)]
pub struct Downloaded {
    /// (file name, bytes) in the order of the configured locations.
    pub files: Vec<(String, Vec<u8>)>,
    /// `{location: {etag, last_modified}}` for HTTP locations.
    pub http_cache: Value,
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// Every location answered 304: the live version is still current.
    NotModified,
    Downloaded(Downloaded),
}

pub struct Fetcher {
    client: reqwest::Client,
    max_bytes: u64,
}

enum One {
    NotModified,
    Body { bytes: Vec<u8>, validators: Value },
}

impl Fetcher {
    pub fn new(timeout: Duration, max_bytes: u64) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("hirevet/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| failed("http client", e))?;
        Ok(Fetcher { client, max_bytes })
    }

    /// Fetches every location. With `cache` from the last success, HTTP
    /// locations are asked conditionally; when all are unchanged the result
    /// is `NotModified`, and when only some are, those are fetched again in
    /// full because a version is parsed from the whole set.
    pub async fn fetch(
        &self,
        locations: &[String],
        cache: Option<&Value>,
    ) -> Result<FetchOutcome, FetchError> {
        let mut results = Vec::with_capacity(locations.len());
        for location in locations {
            let validators = cache.and_then(|c| c.get(location));
            results.push(self.fetch_one(location, validators).await?);
        }
        if results.iter().all(|r| matches!(r, One::NotModified)) && !results.is_empty() {
            return Ok(FetchOutcome::NotModified);
        }
        let mut files = Vec::with_capacity(locations.len());
        let mut http_cache = Map::new();
        for (location, result) in locations.iter().zip(results) {
            let (bytes, validators) = match result {
                One::Body { bytes, validators } => (bytes, validators),
                One::NotModified => match self.fetch_one(location, None).await? {
                    One::Body { bytes, validators } => (bytes, validators),
                    One::NotModified => {
                        return Err(failed(location, "answered 304 to an unconditional request"))
                    }
                },
            };
            if !validators.is_null() {
                http_cache.insert(location.clone(), validators);
            }
            files.push((file_name(location), bytes));
        }
        Ok(FetchOutcome::Downloaded(Downloaded {
            files,
            http_cache: Value::Object(http_cache),
        }))
    }

    async fn fetch_one(
        &self,
        location: &str,
        validators: Option<&Value>,
    ) -> Result<One, FetchError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            self.fetch_http(location, validators).await
        } else {
            let bytes = self.read_file(location).await?;
            Ok(One::Body {
                bytes,
                validators: Value::Null,
            })
        }
    }

    async fn fetch_http(
        &self,
        location: &str,
        validators: Option<&Value>,
    ) -> Result<One, FetchError> {
        let mut request = self.client.get(location);
        if let Some(v) = validators {
            if let Some(etag) = v.get("etag").and_then(Value::as_str) {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(modified) = v.get("last_modified").and_then(Value::as_str) {
                request = request.header(IF_MODIFIED_SINCE, modified);
            }
        }
        let mut response = request.send().await.map_err(|e| failed(location, e))?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(One::NotModified);
        }
        if !response.status().is_success() {
            return Err(failed(
                location,
                format!("HTTP status {}", response.status()),
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes)
        {
            return Err(FetchError::TooLarge {
                location: location.to_string(),
                limit: self.max_bytes,
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = match (header(ETAG), header(LAST_MODIFIED)) {
            (None, None) => Value::Null,
            (etag, last_modified) => json!({"etag": etag, "last_modified": last_modified}),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(location, e))? {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(FetchError::TooLarge {
                    location: location.to_string(),
                    limit: self.max_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(One::Body { bytes, validators })
    }

    async fn read_file(&self, location: &str) -> Result<Vec<u8>, FetchError> {
        let path = match location.strip_prefix("file://") {
            Some(rest) => PathBuf::from(rest),
            None => PathBuf::from(location),
        };
        let size = tokio::fs::metadata(&path)
            .await
            .map_err(|e| failed(location, e))?
            .len();
        if size > self.max_bytes {
            return Err(FetchError::TooLarge {
                location: location.to_string(),
                limit: self.max_bytes,
            });
        }
        tokio::fs::read(&path)
            .await
            .map_err(|e| failed(location, e))
    }
}

/// The last path segment, which is how multi-file formats tell files apart.
pub fn file_name(location: &str) -> String {
    let path = location.split(['?', '#']).next().unwrap_or(location);
    path.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(path)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_last_segment() {
        assert_eq!(
            file_name("https://example.org/api/exports/SDN_COMMENTS.CSV"),
            "SDN_COMMENTS.CSV"
        );
        assert_eq!(
            file_name("file:///data/un/consolidated.xml"),
            "consolidated.xml"
        );
        assert_eq!(file_name("lists/alt.csv?x=1"), "alt.csv");
    }
}
