//! `/v1/indicators`: the indicator feeds in use (versions, sizes, last
//! errors) and an on-demand refresh for admins.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::Principal;
use super::errors::ApiError;
use crate::app::AppState;
use crate::domain::access::Scope;

/// Like lists, feeds are reference data: any authenticated caller may look.
pub async fn list(
    state: web::Data<AppState>,
    _principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let set = state.indicators.current();
    Ok(HttpResponse::Ok().json(json!({
        "versions": set.versions,
        "remote_access_tools": set.rmm.len(),
        "ip": set.ip.counts(),
        "feeds": state.indicators.status(),
    })))
}

pub async fn refresh(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let outcomes = state.indicators.refresh_all(false).await;
    Ok(HttpResponse::Ok().json(json!({
        "results": outcomes,
        "versions": state.indicators.current().versions,
    })))
}
