//! Who is calling: an integration's API key (`hv_…`) or an analyst's JWT,
//! resolved by the [`Principal`] extractor into a tenant and a set of scopes.
//! Missing or bad credentials are 401, a missing scope 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::ApiError;
use crate::app::AppState;
use crate::config::{JwtConfig, JwtKey};
use crate::domain::access::{Role, Scope};
use crate::store::keys::KEY_PREFIX;

#[derive(Debug, Clone)]
pub enum Subject {
    ApiKey(Uuid),
    User { sub: String, role: Role },
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant_id: Uuid,
    pub subject: Subject,
    scopes: Vec<Scope>,
}

impl Principal {
    /// `admin` holds every scope.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this credential lacks the scope {scope}"
            )))
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    tenant: Uuid,
    role: Role,
}

/// Checks analyst tokens: signature, `exp`, `iss` and `aud`.
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl JwtVerifier {
    pub fn new(config: &JwtConfig) -> Result<JwtVerifier, jsonwebtoken::errors::Error> {
        let (key, algorithm) = match &config.key {
            JwtKey::Hs256(secret) => (
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            ),
            JwtKey::Rs256PublicPem(pem) => (DecodingKey::from_rsa_pem(pem)?, Algorithm::RS256),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(JwtVerifier { key, validation })
    }

    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::Unauthorized(format!("the token was refused: {e}")))
    }
}

async fn authenticate(
    state: web::Data<AppState>,
    header: Option<String>,
) -> Result<Principal, ApiError> {
    let header = header.ok_or_else(|| {
        ApiError::Unauthorized("send Authorization: Bearer <API key or token>".into())
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized("the Authorization scheme must be Bearer".into()))?;
    if token.starts_with(KEY_PREFIX) {
        let key = state
            .store
            .find_active_api_key(token)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))?;
        return Ok(Principal {
            tenant_id: key.tenant_id,
            subject: Subject::ApiKey(key.id),
            scopes: key.scopes.iter().filter_map(|s| s.parse().ok()).collect(),
        });
    }
    let verifier = state
        .jwt
        .as_ref()
        .ok_or_else(|| ApiError::Unauthorized("analyst tokens are not enabled here".into()))?;
    let claims = verifier.verify(token)?;
    if !state.store.tenant_exists(claims.tenant).await? {
        return Err(ApiError::Unauthorized(
            "the token names an unknown tenant".into(),
        ));
    }
    Ok(Principal {
        tenant_id: claims.tenant,
        scopes: claims.role.scopes(),
        subject: Subject::User {
            sub: claims.sub,
            role: claims.role,
        },
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("app state missing".into()))?;
            authenticate(state, header).await
        })
    }
}
