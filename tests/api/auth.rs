//! Authentication and authorisation: API keys, analyst JWTs, scopes, roles
//! and tenant isolation.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use crate::both_backends;
use crate::harness::{json_of, JWT_SECRET};

fn token(tenant: &str, role: &str, exp_offset: i64, audience: &str) -> String {
    let claims = json!({
        "sub": "analyst-7",
        "tenant": tenant,
        "role": role,
        "iss": "hirevet-tests",
        "aud": audience,
        "exp": chrono::Utc::now().timestamp() + exp_offset,
    });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn body(external_id: &str) -> serde_json::Value {
    json!({"external_id": external_id, "full_name": "Lee Min-ho"})
}

both_backends! {
    async fn missing_bad_and_revoked_keys_are_401(app) {
        let (tenant, key) = app.tenant_with_key(&["candidates:read"]).await;
        let response = app.client.get(app.url("/v1/candidates")).send().await.unwrap();
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(json_of(response).await.0, 401);
        let bogus = "hv_0000000000000000000000000000000000000000";
        assert_eq!(json_of(app.get("/v1/candidates", bogus).await).await.0, 401);
        let response = app.client.get(app.url("/v1/candidates"))
            .header("authorization", format!("Basic {key}")).send().await.unwrap();
        assert_eq!(json_of(response).await.0, 401);

        // The first use caches the key; a revocation in the app's own
        // process must still take effect on the very next request.
        assert_eq!(json_of(app.get("/v1/candidates", &key).await).await.0, 200);
        assert_eq!(json_of(app.get("/v1/candidates", &key).await).await.0, 200);
        let keys = app.store.list_api_keys(tenant).await.unwrap();
        app.app_store.revoke_api_key(tenant, keys[0].id).await.unwrap();
        let (status, problem) = json_of(app.get("/v1/candidates", &key).await).await;
        assert_eq!(status, 401);
        assert!(problem["detail"].as_str().unwrap().contains("revoked"));
    }

    async fn a_key_revoked_by_another_process_stops_working_within_the_cache_ttl(app) {
        let (tenant, key) = app.tenant_with_key(&["candidates:read"]).await;
        let (_, other_key) = app.tenant_with_key(&["candidates:read"]).await;
        assert_eq!(json_of(app.get("/v1/candidates", &key).await).await.0, 200);
        assert_eq!(json_of(app.get("/v1/candidates", &other_key).await).await.0, 200);
        let keys = app.store.list_api_keys(tenant).await.unwrap();
        // `app.store` is not the app's: the app learns of this revocation
        // only from the database, once its cached entry expires.
        app.store.revoke_api_key(tenant, keys[0].id).await.unwrap();
        tokio::time::sleep(hirevet::store::keys::KEY_CACHE_TTL + std::time::Duration::from_millis(200)).await;
        let (status, problem) = json_of(app.get("/v1/candidates", &key).await).await;
        assert_eq!(status, 401);
        assert!(problem["detail"].as_str().unwrap().contains("revoked"));
        // The other tenant's key, cached alongside, still works.
        assert_eq!(json_of(app.get("/v1/candidates", &other_key).await).await.0, 200);
    }

    async fn a_key_without_the_scope_is_403(app) {
        let (_, reader) = app.tenant_with_key(&["candidates:read"]).await;
        let (status, problem) = json_of(app.post("/v1/candidates", &reader, &body("s-1")).await).await;
        assert_eq!(status, 403);
        assert!(problem["detail"].as_str().unwrap().contains("candidates:write"));
        let (_, writer) = app.tenant_with_key(&["candidates:write"]).await;
        assert_eq!(json_of(app.get("/v1/candidates", &writer).await).await.0, 403);
        let (_, admin) = app.tenant_with_key(&["admin"]).await;
        assert_eq!(json_of(app.post("/v1/candidates", &admin, &body("s-2")).await).await.0, 201);
    }

    async fn another_tenants_candidate_is_404(app) {
        let (_, key_a) = app.tenant_with_key(&["candidates:read", "candidates:write"]).await;
        let (_, key_b) = app.tenant_with_key(&["candidates:read", "candidates:write"]).await;
        let (_, created) = json_of(app.post("/v1/candidates", &key_a, &body("t-1")).await).await;
        let path = format!("/v1/candidates/{}", created["id"].as_str().unwrap());
        assert_eq!(json_of(app.get(&path, &key_b).await).await.0, 404);
        let response = app.client.delete(app.url(&path)).bearer_auth(&key_b).send().await.unwrap();
        assert_eq!(json_of(response).await.0, 404);
        let (_, listed) = json_of(app.get("/v1/candidates", &key_b).await).await;
        assert_eq!(listed["data"], json!([]));
        // Same external id in another tenant is another candidate.
        assert_eq!(json_of(app.post("/v1/candidates", &key_b, &body("t-1")).await).await.0, 201);
        let (status, still) = json_of(app.get(&path, &key_a).await).await;
        assert_eq!(status, 200);
        assert_eq!(still["full_name"], "Lee Min-ho");
        assert_eq!(json_of(app.get("/v1/candidates/not-a-uuid", &key_a).await).await.0, 404);
    }

    async fn analyst_jwts_are_checked_and_roles_limit_them(app) {
        let (tenant, _) = app.tenant_with_key(&[]).await;
        let tenant = tenant.to_string();
        let analyst = token(&tenant, "analyst", 600, "hirevet");
        let (status, created) = json_of(app.post("/v1/candidates", &analyst, &body("j-1")).await).await;
        assert_eq!(status, 201, "{created}");
        let viewer = token(&tenant, "viewer", 600, "hirevet");
        assert_eq!(json_of(app.get("/v1/candidates", &viewer).await).await.0, 200);
        assert_eq!(json_of(app.post("/v1/candidates", &viewer, &body("j-2")).await).await.0, 403);

        let expired = token(&tenant, "admin", -3600, "hirevet");
        assert_eq!(json_of(app.get("/v1/candidates", &expired).await).await.0, 401);
        let wrong_audience = token(&tenant, "admin", 600, "someone-else");
        assert_eq!(json_of(app.get("/v1/candidates", &wrong_audience).await).await.0, 401);
        let unknown_tenant = token(&uuid::Uuid::now_v7().to_string(), "admin", 600, "hirevet");
        assert_eq!(json_of(app.get("/v1/candidates", &unknown_tenant).await).await.0, 401);
        let forged = encode(&Header::default(),
            &json!({"sub": "x", "tenant": tenant, "role": "admin", "iss": "hirevet-tests",
                    "aud": "hirevet", "exp": chrono::Utc::now().timestamp() + 600}),
            &EncodingKey::from_secret(b"another-secret-another-secret-0000")).unwrap();
        assert_eq!(json_of(app.get("/v1/candidates", &forged).await).await.0, 401);
    }
}
