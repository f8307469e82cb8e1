//! Health, readiness, metrics, request ids, restarts and the OpenAPI spec.

use std::collections::BTreeSet;

use serde_json::json;

use crate::both_backends;
use crate::harness::json_of;

both_backends! {
    async fn health_readiness_and_metrics_answer(app) {
        let (status, health) = json_of(app.client.get(app.url("/healthz")).send().await.unwrap()).await;
        assert_eq!((status, health), (200, json!({"status": "ok"})));
        let (status, ready) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(ready["checks"]["database"], "ok");

        let response = app.client.get(app.url("/healthz")).header("x-request-id", "trace-abc-123")
            .send().await.unwrap();
        assert_eq!(response.headers()["x-request-id"], "trace-abc-123");
        let made = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(made.headers()["x-request-id"].len(), 36);

        let (_, key) = app.tenant_with_key(&["candidates:read"]).await;
        app.get("/v1/candidates", &key).await;
        let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(text.contains(
            "hirevet_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3"), "{text}");
        assert!(text.contains(
            "hirevet_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/candidates\",status=\"200\"} 1"), "{text}");
    }

    async fn unknown_routes_and_methods_are_problems(app) {
        let (status, problem) = json_of(app.client.get(app.url("/v2/nothing")).send().await.unwrap()).await;
        assert_eq!(status, 404);
        assert_eq!(problem["code"], "not_found");
        let (status, _) = json_of(app.client.put(app.url("/v1/candidates")).send().await.unwrap()).await;
        assert_eq!(status, 405);
    }

    async fn candidates_survive_a_restart(app) {
        let (_, key) = app.tenant_with_key(&["candidates:read", "candidates:write"]).await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let body = json!({"external_id": format!("r-{i}"), "full_name": format!("Park Ji-sung {i}")});
            let (status, created) = json_of(app.post("/v1/candidates", &key, &body).await).await;
            assert_eq!(status, 201);
            ids.push(created["id"].as_str().unwrap().to_string());
        }
        let restarted = crate::harness::TestApp::restart_same(app).await;
        for (i, id) in ids.iter().enumerate() {
            let (status, fetched) = json_of(restarted.get(&format!("/v1/candidates/{id}"), &key).await).await;
            assert_eq!(status, 200);
            assert_eq!(fetched["full_name"], format!("Park Ji-sung {i}"));
        }
        restarted.stop().await;
    }
}

#[test]
fn openapi_spec_and_served_routes_agree() {
    let spec: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../openapi.yaml")).expect("openapi.yaml parses");
    assert_eq!(spec["openapi"].as_str().unwrap_or(""), "3.1.0");
    let methods = ["get", "post", "put", "patch", "delete"];
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths").iter() {
        for method in methods {
            if item.get(method).is_some() {
                documented.insert((method.to_string(), path.as_str().unwrap().to_string()));
            }
        }
    }
    let served: BTreeSet<_> = hirevet::http::route_table().into_iter().collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in openapi.yaml: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "in openapi.yaml but not served: {unserved:?}"
    );
}
