//! `/v1/candidates/{id}/assessments`: run an assessment on demand and read
//! a candidate's assessment history, newest first. Also the shared step
//! that assesses after an update or a telemetry post (a create assesses in
//! the transaction that creates the candidate, which it may share with
//! other creates: `risk::run::create_and_assess`, `risk::batch`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Value;
use uuid::Uuid;

use super::auth::Principal;
use super::candidates;
use super::errors::ApiError;
use super::pagination::{page_json, parse_page_query};
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::CandidateData;
use crate::indicators::Signal;
use crate::risk::assess::Trigger;
use crate::risk::events::assessment_json;
use crate::risk::run::{assess_candidate, RunError};
use crate::risk::tenant::TenantError;

impl From<TenantError> for ApiError {
    fn from(err: TenantError) -> Self {
        RunError::from(err).into()
    }
}

impl From<RunError> for ApiError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::Store(e) => e.into(),
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
    linkage: Option<Vec<Signal>>,
) -> Value {
    match assess_candidate(state, tenant, candidate_id, data, trigger, linkage).await {
        Ok(record) => assessment_json(&record),
        Err(e) => {
            tracing::error!(error = %e, trigger = trigger.as_str(), "assessment failed");
            Value::Null
        }
    }
}

pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let tenant = principal.tenant_id;
    let candidate = candidates::load(&state, tenant, candidates::parse_id(&id)?).await?;
    let data = candidates::live_data(&candidate)?;
    let record =
        assess_candidate(&state, tenant, candidate.id, data, Trigger::OnDemand, None).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(assessment_json(&record)))
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
        .list_assessments(principal.tenant_id, candidate_id, before, limit)
        .await?;
    Ok(HttpResponse::Ok().json(page_json(&page, assessment_json)))
}
