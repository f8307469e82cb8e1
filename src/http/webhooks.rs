//! `/v1/webhooks`: a tenant's endpoints (scope `webhooks:manage`). Secrets
//! are shown once, when created or rotated; a rotation keeps the previous
//! secret signing until it expires. Also the delivery log and manual
//! redelivery.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use uuid::Uuid;

use super::auth::Principal;
use super::errors::ApiError;
use super::pagination::{page_json, parse_page_query};
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::fields::{FieldErrors, ObjectReader};
use crate::domain::values::clean_text;
use crate::notify::webhook::{check_target_literal, check_url, new_secret};
use crate::store::outbox::DeliveryRecord;
use crate::store::webhooks::{WebhookEndpoint, WebhookSecret};
use crate::store::{format_micros, now_micros};

/// The events an endpoint may subscribe to (DESIGN.md), or `*`.
const EVENTS: &[&str] = &[
    "assessment.completed",
    "case.opened",
    "case.updated",
    "case.decided",
    "candidate.rescreened",
];

fn endpoint_json(e: &WebhookEndpoint) -> Value {
    let now = now_micros();
    json!({
        "id": e.id,
        "url": e.url,
        "description": e.description,
        "events": e.events,
        "enabled": e.enabled,
        "secrets": e.secrets.iter().map(|s| json!({
            "id": s.id,
            "created_at": format_micros(s.created_at),
            "expires_at": s.expires_at.map(format_micros),
            "active": s.expires_at.is_none_or(|at| at > now),
        })).collect::<Vec<_>>(),
        "created_at": format_micros(e.created_at),
        "updated_at": format_micros(e.updated_at),
    })
}

fn delivery_json(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id,
        "delivery_id": d.outbox_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "attempt": d.attempt,
        "attempted_at": format_micros(d.attempted_at),
        "succeeded": d.succeeded,
        "status_code": d.status_code,
        "error": d.error,
        "duration_ms": d.duration_ms,
    })
}

fn secret(now: i64) -> WebhookSecret {
    WebhookSecret {
        id: Uuid::now_v7().to_string(),
        secret: new_secret(),
        created_at: now,
        expires_at: None,
    }
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    super::path_id(raw, "webhook endpoint")
}

async fn load(state: &AppState, tenant: Uuid, raw: &str) -> Result<WebhookEndpoint, ApiError> {
    state
        .store
        .get_webhook(tenant, parse_id(raw)?)
        .await?
        .ok_or_else(|| ApiError::NotFound("no webhook endpoint with this id".into()))
}

/// The fields of a create or patch body; `None` where absent.
struct EndpointFields {
    url: Option<String>,
    description: Option<Option<String>>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

fn parse_fields(
    state: &AppState,
    body: &Value,
    creating: bool,
) -> Result<EndpointFields, ApiError> {
    let mut errs = FieldErrors::default();
    let Some(obj) = ObjectReader::new(body, "", &mut errs) else {
        return Err(ApiError::Validation(errs));
    };
    obj.deny_unknown(&["url", "description", "events", "enabled"], &mut errs);
    let url_field = if creating {
        obj.str_req("url", &mut errs)
    } else {
        obj.str_opt("url", &mut errs)
    };
    let url = url_field.and_then(|raw| {
        let checked = check_url(raw)
            .and_then(|u| check_target_literal(&u, state.allow_private_targets).map(|_| u));
        errs.check("url", checked).map(|u| u.to_string())
    });
    let description = if obj.get("description").is_some() || body.get("description").is_some() {
        Some(obj.parsed_opt("description", &mut errs, |s| clean_text(s, 1, 200)))
    } else {
        None
    };
    let events = obj.get("events").map(|_| {
        obj.parsed_strings("events", 10, &mut errs, |s| {
            if s == "*" || EVENTS.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(format!("must be * or one of {}", EVENTS.join(", ")))
            }
        })
    });
    if events.as_ref().is_some_and(Vec::is_empty) {
        errs.push("events", "must name at least one event type or *");
    }
    let enabled = obj.bool_opt("enabled", &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    Ok(EndpointFields {
        url,
        description,
        events,
        enabled,
    })
}

pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let fields = parse_fields(&state, &body, true)?;
    let first = secret(now_micros());
    let shown = first.secret.clone();
    let endpoint = state
        .store
        .create_webhook(
            principal.tenant_id,
            fields.url.as_deref().unwrap_or_default(),
            fields.description.flatten().as_deref(),
            &fields.events.unwrap_or_else(|| vec!["*".to_string()]),
            first,
        )
        .await?;
    state.tenants.forget(principal.tenant_id);
    let mut out = endpoint_json(&endpoint);
    out["secret"] = json!(shown);
    Ok(HttpResponse::build(StatusCode::CREATED).json(out))
}

pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let endpoints = state.store.list_webhooks(principal.tenant_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "data": endpoints.iter().map(endpoint_json).collect::<Vec<_>>(),
        "next_cursor": null,
    })))
}

pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let endpoint = load(&state, principal.tenant_id, &id).await?;
    Ok(HttpResponse::Ok().json(endpoint_json(&endpoint)))
}

pub async fn patch(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let mut endpoint = load(&state, principal.tenant_id, &id).await?;
    let fields = parse_fields(&state, &body, false)?;
    if let Some(url) = fields.url {
        endpoint.url = url;
    }
    if let Some(description) = fields.description {
        endpoint.description = description;
    }
    if let Some(events) = fields.events {
        endpoint.events = events;
    }
    if let Some(enabled) = fields.enabled {
        endpoint.enabled = enabled;
    }
    state.store.update_webhook(&endpoint).await?;
    state.tenants.forget(principal.tenant_id);
    let endpoint = load(&state, principal.tenant_id, &id).await?;
    Ok(HttpResponse::Ok().json(endpoint_json(&endpoint)))
}

pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    if !state
        .store
        .delete_webhook(principal.tenant_id, parse_id(&id)?)
        .await?
    {
        return Err(ApiError::NotFound(
            "no webhook endpoint with this id".into(),
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Issues a new secret; the ones in use keep signing for
/// `previous_secret_valid_hours` (default 24, 0 ends them now).
pub async fn rotate_secret(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: Option<web::Json<Value>>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let mut endpoint = load(&state, principal.tenant_id, &id).await?;
    let body = body.map(|b| b.into_inner()).unwrap_or_else(|| json!({}));
    let mut errs = FieldErrors::default();
    let hours = match ObjectReader::new(&body, "", &mut errs) {
        Some(obj) => {
            obj.deny_unknown(&["previous_secret_valid_hours"], &mut errs);
            match obj.get("previous_secret_valid_hours") {
                None => 24,
                Some(v) => match v.as_u64() {
                    Some(h) if h <= 24 * 7 => h,
                    _ => {
                        errs.push(
                            "previous_secret_valid_hours",
                            "must be an integer from 0 to 168",
                        );
                        0
                    }
                },
            }
        }
        None => 0,
    };
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let now = now_micros();
    let expires = now + (hours as i64) * 3_600_000_000;
    for s in &mut endpoint.secrets {
        if s.expires_at.is_none_or(|at| at > expires) {
            s.expires_at = Some(expires);
        }
    }
    // Expired secrets are of no further use to anyone.
    endpoint
        .secrets
        .retain(|s| s.expires_at.is_none_or(|at| at > now));
    let fresh = secret(now);
    let shown = fresh.secret.clone();
    endpoint.secrets.push(fresh);
    state.store.update_webhook(&endpoint).await?;
    state.tenants.forget(principal.tenant_id);
    let endpoint = load(&state, principal.tenant_id, &id).await?;
    let mut out = endpoint_json(&endpoint);
    out["secret"] = json!(shown);
    Ok(HttpResponse::Ok().json(out))
}

pub async fn deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let endpoint = load(&state, principal.tenant_id, &id).await?;
    let (limit, before) = parse_page_query(&query, &[])?;
    let page = state
        .store
        .list_deliveries(principal.tenant_id, endpoint.id, before, limit)
        .await?;
    Ok(HttpResponse::Ok().json(page_json(&page, delivery_json)))
}

pub async fn redeliver(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::WebhooksManage)?;
    let endpoint = load(&state, principal.tenant_id, &path.0).await?;
    let delivery = super::path_id(&path.1, "delivery")?;
    let item = state
        .store
        .redeliver(principal.tenant_id, endpoint.id, delivery)
        .await?
        .ok_or_else(|| ApiError::NotFound("no delivery with this id".into()))?;
    state.outbox_wakeup.notify_one();
    Ok(HttpResponse::Accepted().json(json!({
        "delivery_id": item.id,
        "event_id": item.event_id,
        "status": item.status,
    })))
}
