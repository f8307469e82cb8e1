//! `/v1/settings`: the tenant's own settings (allow-listed tools, alert
//! recipients). Admin only.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::auth::Principal;
use super::errors::ApiError;
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::domain::settings::TenantSettings;
use crate::risk::Policy;

pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let ctx = state.tenant(principal.tenant_id).await?;
    Ok(HttpResponse::Ok().json(ctx.settings.to_value()))
}

pub async fn put(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let settings = TenantSettings::parse(&body).map_err(ApiError::Validation)?;
    if let Some(text) = &settings.policy {
        if let Err(e) = Policy::from_toml(text) {
            return Err(ApiError::validation("policy", &e.to_string()));
        }
    }
    state
        .store
        .put_tenant_settings(principal.tenant_id, &settings.to_value())
        .await?;
    state.tenants.forget(principal.tenant_id);
    Ok(HttpResponse::Ok().json(settings.to_value()))
}
