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

/// Ready to serve: the database answers. Lists never loaded or older than
/// `max_list_age` are reported (status `degraded`: assessments would be
/// incomplete) and fail readiness only when configured to.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return Err(ApiError::Unavailable {
            code: "not_ready",
            detail: "the database is unreachable".into(),
        });
    }
    let lists = state.lists.status().await?;
    let lists: serde_json::Map<String, serde_json::Value> = lists
        .into_iter()
        .filter(|l| l.enabled)
        .map(|l| (l.id, json!(l.state)))
        .collect();
    let all_live = lists.values().all(|s| s == "live");
    if !all_live && state.lists.config().readiness_requires_lists {
        return Err(ApiError::Unavailable {
            code: "lists_not_ready",
            detail: format!("sanctions lists not live: {}", json!(lists)),
        });
    }
    Ok(HttpResponse::Ok().json(json!({
        "status": if all_live { "ready" } else { "degraded" },
        "checks": {"database": "ok", "lists": lists}
    })))
}

pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
