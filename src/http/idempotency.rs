//! `Idempotency-Key` handling for POSTs that create things: the same key
//! with the same request replays the stored response; with another request
//! it is a 409.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::errors::ApiError;
use crate::store::{IdempotencyRecord, Store};

pub struct Idempotency {
    key: String,
    request_hash: String,
}

impl Idempotency {
    /// Reads the header; `None` when the caller sent none.
    pub fn from_request(req: &HttpRequest, body: &Value) -> Result<Option<Idempotency>, ApiError> {
        let Some(raw) = req.headers().get("idempotency-key") else {
            return Ok(None);
        };
        let key = raw
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()))
            .ok_or_else(|| {
                ApiError::validation(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })?;
        // serde_json sorts object keys, so this hash ignores key order and
        // whitespace: the same JSON sent twice is the same request.
        let mut hasher = Sha256::new();
        hasher.update(req.method().as_str());
        hasher.update(b" ");
        hasher.update(req.path());
        hasher.update(b"\n");
        hasher.update(body.to_string());
        Ok(Some(Idempotency {
            key: key.to_string(),
            request_hash: hex::encode(hasher.finalize()),
        }))
    }

    /// The stored response if this key was used before for this request.
    pub async fn replay(
        &self,
        store: &Store,
        tenant: Uuid,
    ) -> Result<Option<HttpResponse>, ApiError> {
        let Some(record) = store.find_idempotency_record(tenant, &self.key).await? else {
            return Ok(None);
        };
        if record.request_hash != self.request_hash {
            return Err(ApiError::Conflict {
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was used with a different request".into(),
            });
        }
        let status = StatusCode::from_u16(record.status_code).unwrap_or(StatusCode::OK);
        Ok(Some(
            HttpResponse::build(status)
                .content_type("application/json")
                .insert_header(("Idempotent-Replayed", "true"))
                .body(record.response_body),
        ))
    }

    pub async fn remember(
        &self,
        store: &Store,
        tenant: Uuid,
        status: StatusCode,
        body: &Value,
        resource: Option<Uuid>,
    ) -> Result<(), ApiError> {
        let record = IdempotencyRecord {
            request_hash: self.request_hash.clone(),
            status_code: status.as_u16(),
            response_body: body.to_string(),
        };
        store
            .save_idempotency_record(tenant, &self.key, &record, resource)
            .await?;
        Ok(())
    }
}
