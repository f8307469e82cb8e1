//! The API's error type and its one mapping onto RFC 9457 problem+json.
//! Internal causes are logged (without personal data) and never sent out.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::domain::FieldErrors;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("the request has invalid fields: {0}")]
    Validation(FieldErrors),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    #[error("{detail}")]
    Unavailable { code: &'static str, detail: String },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: &str, message: &str) -> ApiError {
        let mut errs = FieldErrors::default();
        errs.push(field, message);
        ApiError::Validation(errs)
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Gone(_) => "gone",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Conflict { code, .. }
            | ApiError::BadRequest { code, .. }
            | ApiError::Unavailable { code, .. } => code,
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "Authentication required",
            ApiError::Forbidden(_) => "Not allowed",
            ApiError::NotFound(_) => "Not found",
            ApiError::Gone(_) => "Gone",
            ApiError::Validation(_) => "Invalid request fields",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::BadRequest { .. } => "Bad request",
            ApiError::PayloadTooLarge(_) => "Payload too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::Unavailable { .. } => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                "an internal error occurred; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let mut body = json!({
            "type": format!("urn:hirevet:problem:{}", self.code()),
            "title": self.title(),
            "status": status.as_u16(),
            "detail": detail,
            "code": self.code(),
        });
        if let ApiError::Validation(errs) = self {
            body["errors"] = json!(errs.as_slice());
        }
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(body.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(detail) => ApiError::Conflict {
                code: "conflict",
                detail,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::JsonPayloadError> for ApiError {
    fn from(err: actix_web::error::JsonPayloadError) -> Self {
        use actix_web::error::JsonPayloadError as E;
        match err {
            E::OverflowKnownLength { length, limit } => ApiError::PayloadTooLarge(format!(
                "the body is {length} bytes; the limit is {limit} bytes"
            )),
            E::Overflow { limit } => {
                ApiError::PayloadTooLarge(format!("the body exceeds the limit of {limit} bytes"))
            }
            E::ContentType => {
                ApiError::UnsupportedMediaType("send the body as application/json".to_string())
            }
            E::Deserialize(e) => ApiError::BadRequest {
                code: "malformed_json",
                detail: format!("the body is not valid JSON: {e}"),
            },
            other => ApiError::BadRequest {
                code: "unreadable_body",
                detail: format!("the body could not be read: {other}"),
            },
        }
    }
}
