//! `/v1/lists`: which sanctions-list versions are live, how old they are and
//! what went wrong last; and an on-demand refresh for admins.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::Principal;
use super::errors::ApiError;
use crate::app::AppState;
use crate::domain::access::Scope;
use crate::jobs::list_refresh::ListError;

impl From<ListError> for ApiError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::UnknownSource(_) => ApiError::NotFound(err.to_string()),
            ListError::NothingToFetch(_) => ApiError::validation("source", &err.to_string()),
            ListError::Store(e) => e.into(),
        }
    }
}

/// Any authenticated caller may see list versions: they are not tenant data.
pub async fn list(
    state: web::Data<AppState>,
    _principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let statuses = state.lists.status().await?;
    Ok(HttpResponse::Ok().json(json!({ "data": statuses })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshQuery {
    source: Option<String>,
}

pub async fn refresh(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<RefreshQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Admin)?;
    let results = match &query.source {
        Some(id) => vec![(id.clone(), state.lists.refresh(id).await?)],
        None => state.lists.refresh_all(false).await?,
    };
    let results: Vec<_> = results
        .into_iter()
        .map(|(id, outcome)| {
            let mut value = serde_json::to_value(outcome).unwrap_or_default();
            value["id"] = json!(id);
            value
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "results": results })))
}
