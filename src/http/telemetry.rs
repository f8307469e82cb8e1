//! `/v1/candidates/{id}/telemetry`: post a device and session report, list
//! a candidate's reports, read one back. Posting evaluates the report
//! against the live indicator set and the tenant's other candidates.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::assessments::assess_after_write;
use super::auth::Principal;
use super::candidates;
use super::errors::ApiError;
use super::pagination::{page_json, parse_page_query};
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::telemetry::Telemetry;
use crate::indicators::consistency::ClaimedPlace;
use crate::indicators::linkage::telemetry_keys;
use crate::risk::assess::Trigger;
use crate::risk::run::linkage_signals;
use crate::store::{format_micros, NewTelemetry, TelemetryRecord};

/// Telemetry bodies carry whole process lists; they get their own limit.
pub const TELEMETRY_BODY_LIMIT: usize = 10 * 1024 * 1024;

fn record_json(r: &TelemetryRecord) -> Value {
    let mut out = json!({
        "id": r.id,
        "candidate_id": r.candidate_id,
        "context": r.context,
        "collected_at": format_micros(r.collected_at),
        "received_at": format_micros(r.received_at),
        "signals": r.signals,
    });
    if let Some(body) = &r.body {
        out["report"] = body.clone();
    }
    out
}

pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let tenant = principal.tenant_id;
    let candidate = candidates::load(&state, tenant, candidates::parse_id(&id)?).await?;
    let candidate_id = candidate.id;
    let data = candidates::live_data(&candidate)?;
    let report = Telemetry::parse(&body).map_err(ApiError::Validation)?;
    let ctx = state.tenant(tenant).await?;
    let signals = state.indicators.current().evaluate(
        &ClaimedPlace::of(data),
        &ctx.allowed_software,
        &report,
    );
    let keys = telemetry_keys(&report);
    let device_signals = serde_json::to_value(&signals).unwrap_or_default();
    let mut record = state
        .store
        .insert_telemetry(
            tenant,
            NewTelemetry {
                candidate_id,
                context: report.context.as_str(),
                collected_at: report.collected_at.timestamp_micros(),
                body: &body,
                signals: &device_signals,
                keys: &keys,
            },
        )
        .await?;
    // Linkage is looked up once, for the response and the assessment.
    let linkage = linkage_signals(&state, tenant, candidate_id).await?;
    let mut all = signals;
    all.extend(linkage.iter().cloned());
    record.signals = serde_json::to_value(&all).unwrap_or_default();
    let mut out = record_json(&record);
    out["assessment"] = assess_after_write(
        &state,
        tenant,
        candidate_id,
        data,
        Trigger::Telemetry,
        Some(linkage),
    )
    .await;
    Ok(HttpResponse::build(StatusCode::CREATED).json(out))
}

pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesRead)?;
    let candidate_id = candidates::parse_id(&id)?;
    let (limit, before) = parse_page_query(&query, &[])?;
    candidates::load(&state, principal.tenant_id, candidate_id).await?;
    let page = state
        .store
        .list_telemetry(principal.tenant_id, candidate_id, before, limit)
        .await?;
    Ok(HttpResponse::Ok().json(page_json(&page, record_json)))
}

pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesRead)?;
    let candidate_id = candidates::parse_id(&path.0)?;
    let report_id = super::path_id(&path.1, "telemetry report")?;
    let record = state
        .store
        .get_telemetry(principal.tenant_id, candidate_id, report_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no telemetry report with this id".into()))?;
    Ok(HttpResponse::Ok().json(record_json(&record)))
}
