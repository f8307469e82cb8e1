//! `/v1/candidates`: create (idempotent, unique per external id), read,
//! list, patch (JSON merge patch) and erase.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::assessments::assess_after_write;
use super::auth::Principal;
use super::errors::ApiError;
use super::idempotency::Idempotency;
use super::pagination::{page_json, parse_page_query};
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::CandidateData;
use crate::risk::assess::Trigger;
use crate::risk::events::assessment_json;
use crate::risk::run::{create_and_assess, Created};
use crate::store::{format_micros, CandidateRecord};

/// The API form of a candidate: ids and timestamps around its data, or a
/// tombstone once erased.
fn candidate_json(record: &CandidateRecord) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(record.id));
    out.insert("external_id".into(), json!(record.external_id));
    match &record.data {
        Some(data) => {
            out.insert("status".into(), json!("active"));
            if let Value::Object(fields) = data.to_value() {
                out.extend(fields);
            }
        }
        None => {
            out.insert("status".into(), json!("erased"));
            out.insert(
                "erased_at".into(),
                json!(record.erased_at.map(format_micros)),
            );
        }
    }
    out.insert("revision".into(), json!(record.revision));
    out.insert("created_at".into(), json!(format_micros(record.created_at)));
    out.insert("updated_at".into(), json!(format_micros(record.updated_at)));
    Value::Object(out)
}

/// A candidate id from the path (404 when it is not one).
pub(super) fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    super::path_id(raw, "candidate")
}

fn not_found() -> ApiError {
    ApiError::NotFound("no candidate with this id".into())
}

/// The tenant's candidate, live or erased; 404 when there is none.
pub(super) async fn load(
    state: &AppState,
    tenant: Uuid,
    id: Uuid,
) -> Result<CandidateRecord, ApiError> {
    state
        .store
        .get_candidate(tenant, id)
        .await?
        .ok_or_else(not_found)
}

/// A candidate's data, or 410 once it has been erased.
pub(super) fn live_data(record: &CandidateRecord) -> Result<&CandidateData, ApiError> {
    record
        .data
        .as_ref()
        .ok_or_else(|| ApiError::Gone("this candidate has been erased".into()))
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let tenant = principal.tenant_id;
    let idempotency = Idempotency::from_request(&req, &body)?;
    if let Some(idem) = &idempotency {
        if let Some(replay) = idem.replay(&state.store, tenant).await? {
            return Ok(replay);
        }
    }
    let data = CandidateData::parse(&body).map_err(ApiError::Validation)?;
    let (status, record, assessment) = match create_and_assess(&state, tenant, &data).await? {
        Created::New { record, assessment } => (
            StatusCode::CREATED,
            record,
            assessment
                .as_ref()
                .map(assessment_json)
                .unwrap_or(Value::Null),
        ),
        Created::Existing(existing) if existing.data.as_ref() == Some(&data) => {
            let latest = latest_assessment(&state, tenant, existing.id).await?;
            (StatusCode::OK, existing, latest)
        }
        Created::Existing(existing) => {
            return Err(ApiError::Conflict {
                code: "candidate_exists",
                detail: format!(
                    "candidate {} already has this external_id with different data; \
                     change it with PATCH /v1/candidates/{}",
                    existing.id, existing.id
                ),
            })
        }
    };
    let mut response = candidate_json(&record);
    response["assessment"] = assessment;
    if let Some(idem) = &idempotency {
        idem.remember(&state.store, tenant, status, &response, Some(record.id))
            .await?;
    }
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/v1/candidates/{}", record.id)))
        .json(response))
}

pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesRead)?;
    let record = load(&state, principal.tenant_id, parse_id(&id)?).await?;
    let mut out = candidate_json(&record);
    if record.data.is_some() {
        out["assessment"] = latest_assessment(&state, principal.tenant_id, record.id).await?;
    }
    Ok(HttpResponse::Ok().json(out))
}

/// The latest assessment as the API shows it, or `null`.
async fn latest_assessment(
    state: &AppState,
    tenant: Uuid,
    candidate: Uuid,
) -> Result<Value, ApiError> {
    Ok(state
        .store
        .latest_assessment(tenant, candidate)
        .await?
        .map(|a| assessment_json(&a))
        .unwrap_or(Value::Null))
}

pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesRead)?;
    let (limit, after) = parse_page_query(&query, &["external_id"])?;
    let page = state
        .store
        .list_candidates(
            principal.tenant_id,
            query.get("external_id").map(String::as_str),
            after,
            limit,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page_json(&page, candidate_json)))
}

/// RFC 7396: objects merge recursively, `null` removes, anything else
/// replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

pub async fn patch(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let id = parse_id(&id)?;
    if !body.is_object() {
        return Err(ApiError::validation(
            "body",
            "must be a JSON object (a merge patch)",
        ));
    }
    let current = load(&state, principal.tenant_id, id).await?;
    let data = live_data(&current)?;
    let mut merged = data.to_value();
    merge_patch(&mut merged, &body);
    let updated = CandidateData::parse(&merged).map_err(ApiError::Validation)?;
    let (record, assessment) = if &updated == data {
        let latest = latest_assessment(&state, principal.tenant_id, id).await?;
        (current, latest)
    } else {
        let record = state
            .store
            .update_candidate(principal.tenant_id, id, current.revision, &updated)
            .await?;
        let assessment = assess_after_write(
            &state,
            principal.tenant_id,
            id,
            &updated,
            Trigger::CandidateUpdated,
            None,
        )
        .await;
        (record, assessment)
    };
    let mut out = candidate_json(&record);
    out["assessment"] = assessment;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn erase(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::CandidatesWrite)?;
    let id = parse_id(&id)?;
    let tombstone = state
        .store
        .erase_candidate(principal.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(candidate_json(&tombstone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(&mut doc, &json!({"a": null, "b": {"c": 5}, "e": [2, 3]}));
        assert_eq!(doc, json!({"b": {"c": 5, "d": 3}, "e": [2, 3]}));
    }
}
