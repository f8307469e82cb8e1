//! The HTTP surface: the route table, JSON body rules and the handlers.
//! Handlers are thin: authenticate, parse into domain types, call the store
//! or engine, encode. The route table is also what the OpenAPI test checks
//! the spec against, so the two cannot drift apart unnoticed.

mod assessments;
pub mod auth;
mod candidates;
pub mod errors;
mod health;
mod idempotency;
mod indicators;
mod lists;
mod pagination;
mod screenings;
mod settings;
mod telemetry;
mod webhooks;

use actix_web::{mime, web, HttpResponse, Route};

pub use errors::ApiError;

/// An id from the path. Anything that is not a UUID names no resource, so
/// it is a 404 like an unknown id, not a 400.
fn path_id(raw: &str, what: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(format!("no {what} with this id")))
}

/// Every served (method, path, route) triple, paths in OpenAPI form.
fn api_routes() -> Vec<(&'static str, Vec<(&'static str, Route)>)> {
    vec![
        ("/healthz", vec![("get", web::get().to(health::healthz))]),
        ("/readyz", vec![("get", web::get().to(health::readyz))]),
        ("/metrics", vec![("get", web::get().to(health::metrics))]),
        (
            "/v1/candidates",
            vec![
                ("post", web::post().to(candidates::create)),
                ("get", web::get().to(candidates::list)),
            ],
        ),
        (
            "/v1/candidates/{id}",
            vec![
                ("get", web::get().to(candidates::get)),
                ("patch", web::patch().to(candidates::patch)),
                ("delete", web::delete().to(candidates::erase)),
            ],
        ),
        ("/v1/lists", vec![("get", web::get().to(lists::list))]),
        (
            "/v1/screenings",
            vec![("post", web::post().to(screenings::create))],
        ),
        (
            "/v1/lists/refresh",
            vec![("post", web::post().to(lists::refresh))],
        ),
        (
            "/v1/candidates/{id}/telemetry",
            vec![
                ("post", web::post().to(telemetry::create)),
                ("get", web::get().to(telemetry::list)),
            ],
        ),
        (
            "/v1/candidates/{id}/telemetry/{report_id}",
            vec![("get", web::get().to(telemetry::get))],
        ),
        (
            "/v1/indicators",
            vec![("get", web::get().to(indicators::list))],
        ),
        (
            "/v1/indicators/refresh",
            vec![("post", web::post().to(indicators::refresh))],
        ),
        (
            "/v1/candidates/{id}/assessments",
            vec![
                ("post", web::post().to(assessments::create)),
                ("get", web::get().to(assessments::list)),
            ],
        ),
        (
            "/v1/webhooks",
            vec![
                ("post", web::post().to(webhooks::create)),
                ("get", web::get().to(webhooks::list)),
            ],
        ),
        (
            "/v1/webhooks/{id}",
            vec![
                ("get", web::get().to(webhooks::get)),
                ("patch", web::patch().to(webhooks::patch)),
                ("delete", web::delete().to(webhooks::delete)),
            ],
        ),
        (
            "/v1/webhooks/{id}/rotate-secret",
            vec![("post", web::post().to(webhooks::rotate_secret))],
        ),
        (
            "/v1/webhooks/{id}/deliveries",
            vec![("get", web::get().to(webhooks::deliveries))],
        ),
        (
            "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            vec![("post", web::post().to(webhooks::redeliver))],
        ),
        (
            "/v1/settings",
            vec![
                ("get", web::get().to(settings::get)),
                ("put", web::put().to(settings::put)),
            ],
        ),
    ]
}

/// (method, path) of every route the app serves, for the spec check.
pub fn route_table() -> Vec<(String, String)> {
    api_routes()
        .into_iter()
        .flat_map(|(path, methods)| {
            methods
                .into_iter()
                .map(move |(method, _)| (method.to_string(), path.to_string()))
        })
        .collect()
}

/// Registers all routes plus JSON rules and problem+json fallbacks.
pub fn configure(cfg: &mut web::ServiceConfig, json_body_limit: usize) {
    cfg.app_data(json_config(json_body_limit))
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| ApiError::NotFound("no such resource".into()).into()),
        )
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::BadRequest {
                code: "bad_query",
                detail: err.to_string(),
            }
            .into()
        }));
    for (path, methods) in api_routes() {
        let mut resource = web::resource(path).default_service(web::to(method_not_allowed));
        if path.ends_with("/telemetry") {
            resource = resource.app_data(json_config(
                telemetry::TELEMETRY_BODY_LIMIT.max(json_body_limit),
            ));
        }
        for (_, route) in methods {
            resource = resource.route(route);
        }
        cfg.service(resource);
    }
    cfg.default_service(web::to(not_found));
}

/// JSON bodies: `application/json` or any `+json` type (merge-patch).
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| {
            mime.type_() == mime::APPLICATION
                && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        })
        .error_handler(|err, _| ApiError::from(err).into())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such resource".into()))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}
