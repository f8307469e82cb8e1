//! `/v1/candidates/{id}/assessments`: run an assessment on demand and read
//! a candidate's assessment history, newest first. Also the shared step
//! that assesses after a create, update or telemetry post.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use uuid::Uuid;

use super::auth::Principal;
use super::errors::ApiError;
use super::pagination::{encode_cursor, parse_page_query};
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::CandidateData;
use crate::risk::assess::Trigger;
use crate::risk::events::assessment_json;
use crate::risk::run::{assess_candidate, RunError};

impl From<RunError> for ApiError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::Store(e) => e.into(),
            RunError::Erased => ApiError::Gone("this candidate has been erased".into()),
            RunError::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// Assesses a candidate whose data was just stored. The data is already
/// safe, so a failure here is logged and reported as a missing assessment
/// rather than failing the request that stored it.
pub async fn assess_after_write(
    state: &AppState,
    tenant: Uuid,
    candidate_id: Uuid,
    data: &CandidateData,
    trigger: Trigger,
) -> Value {
    match assess_candidate(state, tenant, candidate_id, data, trigger).await {
        Ok(record) => assessment_json(&record),
        Err(e) => {
            tracing::error!(error = %e, trigger = trigger.as_str(), "assessment failed");
            Value::Null
        }
    }
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound("no candidate with this id".into()))
}

pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let tenant = principal.tenant_id;
    let candidate_id = parse_id(&id)?;
    let candidate = state
        .store
        .get_candidate(tenant, candidate_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no candidate with this id".into()))?;
    let data = candidate.data.ok_or(RunError::Erased)?;
    let record = assess_candidate(&state, tenant, candidate_id, &data, Trigger::OnDemand).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(assessment_json(&record)))
}

pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesRead)?;
    let candidate_id = parse_id(&id)?;
    let (limit, before) = parse_page_query(&query, &[])?;
    state
        .store
        .get_candidate(principal.tenant_id, candidate_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no candidate with this id".into()))?;
    let page = state
        .store
        .list_assessments(principal.tenant_id, candidate_id, before, limit)
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "data": page.items.iter().map(assessment_json).collect::<Vec<_>>(),
        "next_cursor": page.next_after.map(encode_cursor),
    })))
}
