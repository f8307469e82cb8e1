//! Liveness, readiness and Prometheus metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::errors::ApiError;
use crate::app::AppState;
use crate::observability::Metrics;

/// The process is up; says nothing about its dependencies.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready to serve: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.store.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({
            "status": "ready",
            "checks": {"database": "ok"}
        }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            Err(ApiError::Unavailable {
                code: "not_ready",
                detail: "the database is unreachable".into(),
            })
        }
    }
}

pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
