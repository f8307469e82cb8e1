//! `POST /v1/screenings` against lists loaded through the real pipeline.

use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{json_of, Backend, TestApp};
use hirevet::config::ListSource;
use hirevet::screening::lists::ListFormat;

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/lists/{path}", env!("CARGO_MANIFEST_DIR"))
}

async fn app_with_un_fixture(backend: Backend) -> Option<(TestApp, String)> {
    let app = TestApp::spawn_with(backend, |config| {
        // The fixture holds one deliberately broken record.
        config.lists.gate.max_reject_rate = 0.5;
        config.lists.sources = vec![ListSource {
            id: "un_sc".into(),
            format: ListFormat::UnXml,
            locations: vec![format!("file://{}", fixture("un/consolidated.xml"))],
            refresh_interval: std::time::Duration::from_secs(3600),
            enabled: true,
        }];
    })
    .await?;
    let (_, admin) = app.tenant_with_key(&["admin"]).await;
    let (_, refreshed) = json_of(app.post_empty("/v1/lists/refresh", &admin).await).await;
    assert_eq!(refreshed["results"][0]["outcome"], "updated", "{refreshed}");
    Some((app, admin))
}

async fn screen(app: &TestApp, key: &str, subject: Value) -> Value {
    let (status, body) = json_of(
        app.post("/v1/screenings", key, &json!({ "subject": subject }))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn korean_spellings_hit_and_ordinary_names_do_not(backend: Backend) {
    let Some((app, key)) = app_with_un_fixture(backend).await else {
        return;
    };
    for name in [
        "Kim Jong-sik",
        "KIM, Jong Sik",
        "Chŏng-sik Kim",
        "김정식",
        "Kim Jongsik",
    ] {
        let result = screen(&app, &key, json!({"kind": "person", "name": name})).await;
        assert_eq!(result["decision"], "strong_match", "{name}: {result}");
        let hit = &result["hits"][0];
        assert_eq!(hit["list"], "un_sc");
        assert_eq!(hit["entry_id"], "KPi.066", "{name}");
        assert_eq!(hit["band"], "strong");
        assert_eq!(hit["features"][0]["feature"], "name");
        assert!(
            hit["features"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("kim=kim"),
            "{hit}"
        );
        assert_eq!(result["lists"][0]["id"], "un_sc");
        assert!(result["lists"][0]["version"].as_str().unwrap().len() == 12);
    }
    for name in ["Kim Min-jun", "Park Ji-sung", "Lee Seo-yeon", "Jane Doe"] {
        let result = screen(&app, &key, json!({"kind": "person", "name": name})).await;
        assert_eq!(result["decision"], "no_match", "{name}: {result}");
        assert_eq!(result["hits"], json!([]));
    }
    // A birth date that conflicts with the listed range lowers the score.
    let conflict = screen(
        &app,
        &key,
        json!({"kind": "person", "name": "Kim Jong Sik", "date_of_birth": "1995-03-02"}),
    )
    .await;
    let plain = screen(
        &app,
        &key,
        json!({"kind": "person", "name": "Kim Jong Sik"}),
    )
    .await;
    let dob = conflict["hits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["features"].as_array().unwrap().iter())
        .find(|f| f["feature"] == "date_of_birth");
    if let Some(dob) = dob {
        assert!(dob["effect"].as_f64().unwrap() < 0.0, "{dob}");
    }
    let conflict_score = conflict["hits"]
        .get(0)
        .map_or(0.0, |h| h["score"].as_f64().unwrap());
    assert!(conflict_score < plain["hits"][0]["score"].as_f64().unwrap());

    // A listed passport is a hit whatever the name.
    let by_passport = screen(
        &app,
        &key,
        json!({"kind": "person", "name": "John Smith",
        "identifiers": [{"type": "passport", "value": "836 420 186"}]}),
    )
    .await;
    assert_eq!(by_passport["decision"], "strong_match", "{by_passport}");
    assert_eq!(by_passport["hits"][0]["entry_id"], "KPi.066");
    assert_eq!(
        by_passport["hits"][0]["features"][0]["feature"],
        "identifier"
    );
    app.stop().await;
}

both_backends! {
    async fn screening_needs_lists_scope_and_valid_subjects(app) {
        let (_, key) = app.tenant_with_key(&["screenings"]).await;
        let body = json!({"subject": {"kind": "person", "name": "Kim Jong Un"}});
        let (status, problem) = json_of(app.post("/v1/screenings", &key, &body).await).await;
        assert_eq!(status, 503);
        assert_eq!(problem["code"], "lists_unavailable");

        let (_, reader) = app.tenant_with_key(&["candidates:read"]).await;
        assert_eq!(json_of(app.post("/v1/screenings", &reader, &body).await).await.0, 403);

        let bad = json!({"subject": {"name": "", "kind": "robot", "date_of_birth": "1990-13"}, "lists": [7]});
        let (status, problem) = json_of(app.post("/v1/screenings", &key, &bad).await).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        for f in ["subject.kind", "subject.name", "subject.date_of_birth", "lists[0]"] {
            assert!(fields.contains(&f), "{f} missing: {fields:?}");
        }
        let (status, problem) = json_of(app.post("/v1/screenings", &key, &json!({"lists": []})).await).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "subject");
    }
}

crate::on_each_backend!(korean_spellings_hit_and_ordinary_names_do_not);
