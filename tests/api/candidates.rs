//! Candidates: create, read, list, patch, erase, idempotency, validation.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::{AnyConnection, Connection, Executor};

use crate::both_backends;
use crate::harness::{json_of, Backend, TestApp};

fn jane(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "full_name": "Jane Doe",
        "aliases": ["Jane Q. Doe"],
        "date_of_birth": "1990-04",
        "nationalities": ["US"],
        "claimed_location": {"country": "US", "region": "TX", "city": "Austin", "timezone": "America/Chicago"},
        "emails": ["jane@example.com"],
        "phones": ["+1 512 555 0143"],
        "addresses": [{"kind": "shipping", "line1": "1 Congress Ave", "city": "Austin", "country": "US"}],
        "identifiers": [{"type": "passport", "value": "X1234567", "country": "US"}],
        "payment": {"bank_account_country": "US", "bank_account_hash": "sha256:00aa11bb22cc33dd"},
        "profiles": [{"kind": "github", "url": "https://github.com/janedoe"}],
        "position": {"title": "Backend engineer"},
        "metadata": {"ats": "greenhouse"}
    })
}

const RW: &[&str] = &["candidates:read", "candidates:write"];

/// The external ids a create response's first assessment links the
/// candidate to through a shared phone.
fn phone_links(created: &Value) -> Vec<String> {
    let signals = created["assessment"]["signals"]
        .as_array()
        .expect("signals");
    let mut linked: Vec<String> = signals
        .iter()
        .filter(|s| s["code"] == "shared_phone")
        .flat_map(|s| {
            s["evidence"]["linked_candidates"]
                .as_array()
                .unwrap()
                .clone()
        })
        .map(|c| c["external_id"].as_str().unwrap().to_string())
        .collect();
    linked.sort();
    linked
}

fn with_phone(external_id: &str, phone: &str) -> Value {
    json!({"external_id": external_id, "full_name": "Choi Min-ho", "phones": [phone]})
}

/// Posts a create in its own task, so the test can go on while it waits.
fn spawn_create(app: &TestApp, key: &str, body: Value) -> tokio::task::JoinHandle<(u16, Value)> {
    let request = app
        .client
        .post(app.url("/v1/candidates"))
        .bearer_auth(key)
        .json(&body);
    tokio::spawn(async move { json_of(request.send().await.unwrap()).await })
}

/// A transaction of the test's own that keeps the app's writers from
/// inserting candidates until it ends: creates queued meanwhile are then
/// taken by a writer together, as one batch (`risk::batch`).
async fn hold_candidate_writes(app: &TestApp) -> AnyConnection {
    let mut conn = AnyConnection::connect(app.database_url()).await.unwrap();
    match app.backend {
        // The write lock: the writer's INSERT waits in its busy handler.
        Backend::Sqlite => conn.execute("BEGIN IMMEDIATE").await.unwrap(),
        Backend::Postgres => {
            conn.execute("BEGIN").await.unwrap();
            conn.execute("LOCK TABLE candidates IN SHARE ROW EXCLUSIVE MODE")
                .await
                .unwrap()
        }
    };
    conn
}

/// Makes the insert of a candidate with the external id `poison` fail, as
/// a statement can fail for reasons of its own.
async fn plant_poison(app: &TestApp) {
    let mut conn = AnyConnection::connect(app.database_url()).await.unwrap();
    let statements: &[&str] = match app.backend {
        Backend::Sqlite => &["CREATE TRIGGER poison BEFORE INSERT ON candidates \
             WHEN NEW.external_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.external_id = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER poison BEFORE INSERT ON candidates \
             FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
    };
    for sql in statements {
        conn.execute(*sql).await.unwrap();
    }
    conn.close().await.unwrap();
}

/// The first create goes to a writer and waits behind the held lock; the
/// `queued` ones are sent next and wait in the queue; then the lock goes
/// and the writer takes all of them as one batch. Answers in `queued`'s
/// order.
async fn create_as_one_batch(app: &TestApp, key: &str, queued: Vec<Value>) -> Vec<(u16, Value)> {
    let lock = hold_candidate_writes(app).await;
    let first = spawn_create(app, key, with_phone("batch-opener", "+1 512 555 0900"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rest: Vec<_> = queued
        .into_iter()
        .map(|b| spawn_create(app, key, b))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    lock.close().await.unwrap(); // ends (rolls back) the holding transaction
    let (status, opener) = first.await.unwrap();
    assert_eq!(status, 201, "{opener}");
    let mut answers = Vec::new();
    for task in rest {
        answers.push(task.await.unwrap());
    }
    answers
}

both_backends! {
    async fn a_failing_create_in_a_batch_does_not_fail_the_others(app) {
        // The poisoned insert fails the batch's transaction; the batch is
        // rolled back and each create reruns alone, so only it fails and
        // every other one is stored once.
        let (_, key) = app.tenant_with_key(RW).await;
        plant_poison(app).await;
        let mut bodies: Vec<Value> = (0..8)
            .map(|i| with_phone(&format!("ok-{i}"), &format!("+1 512 555 {:04}", 3000 + i)))
            .collect();
        bodies.insert(4, with_phone("poison", "+1 512 555 3999"));
        let answers = create_as_one_batch(app, &key, bodies).await;
        for (i, (status, body)) in answers.iter().enumerate() {
            if i == 4 {
                assert_eq!(*status, 500, "the poisoned create: {body}");
            } else {
                assert_eq!(*status, 201, "create {i}: {body}");
                assert!(body["assessment"].is_object(), "{body}");
            }
        }
        let (_, listed) = json_of(app.get("/v1/candidates?limit=100", &key).await).await;
        let mut ids: Vec<&str> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["external_id"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, ["batch-opener", "ok-0", "ok-1", "ok-2", "ok-3", "ok-4", "ok-5", "ok-6", "ok-7"]);
    }

    async fn creates_in_one_batch_behave_as_if_made_one_after_another(app) {
        // The same external id twice: one is created, the other finds it.
        // A shared phone: whichever comes second links to the first.
        let (_, key) = app.tenant_with_key(RW).await;
        let answers = create_as_one_batch(app, &key, vec![
            with_phone("twice", "+1 512 555 4000"),
            with_phone("twice", "+1 512 555 4000"),
            with_phone("shares-a", "+1 512 555 4100"),
            with_phone("shares-b", "+1 512 555 4100"),
        ]).await;
        let mut statuses = [answers[0].0, answers[1].0];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "{answers:?}");
        assert_eq!(answers[0].1["id"], answers[1].1["id"]);
        let (links_a, links_b) = (phone_links(&answers[2].1), phone_links(&answers[3].1));
        assert!(
            (links_a.is_empty() && links_b == ["shares-a"])
                || (links_b.is_empty() && links_a == ["shares-b"]),
            "{links_a:?} {links_b:?}"
        );
    }

    async fn a_new_candidate_sharing_a_phone_is_linked_in_its_first_assessment(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let (status, first) =
            json_of(app.post("/v1/candidates", &key, &with_phone("link-a", "+1 512 555 0100")).await).await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(phone_links(&first), Vec::<String>::new());
        let (status, second) =
            json_of(app.post("/v1/candidates", &key, &with_phone("link-b", "+1 (512) 555-0100")).await).await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(phone_links(&second), ["link-a"]);
        let (_, third) =
            json_of(app.post("/v1/candidates", &key, &with_phone("link-c", "+1 512 555 0199")).await).await;
        assert_eq!(phone_links(&third), Vec::<String>::new());
        // The stored history holds the same assessment as the response.
        let path = format!("/v1/candidates/{}/assessments", second["id"].as_str().unwrap());
        let (_, history) = json_of(app.get(&path, &key).await).await;
        assert_eq!(history["data"].as_array().unwrap().len(), 1);
        assert_eq!(history["data"][0], second["assessment"]);
    }

    async fn candidates_created_at_once_with_a_shared_phone_are_linked(app) {
        // Each pair is created concurrently: whichever commits second must
        // see the first (on PostgreSQL the key locks make sure of it).
        let (_, key) = app.tenant_with_key(RW).await;
        for pair in 0..15 {
            let phone = format!("+1 512 555 {:04}", 2000 + pair);
            let (a, b) = (format!("race-{pair}-a"), format!("race-{pair}-b"));
            let (body_a, body_b) = (with_phone(&a, &phone), with_phone(&b, &phone));
            let (first, second) = tokio::join!(
                app.post("/v1/candidates", &key, &body_a),
                app.post("/v1/candidates", &key, &body_b),
            );
            let (first, second) = (json_of(first).await.1, json_of(second).await.1);
            let (links_a, links_b) = (phone_links(&first), phone_links(&second));
            assert!(
                links_a == [b.clone()] || links_b == [a.clone()],
                "pair {pair}: neither saw the other: {links_a:?} {links_b:?}"
            );
        }
    }

    async fn candidate_lifecycle_create_get_patch_erase(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let response = app.post("/v1/candidates", &key, &jane("ext-1")).await;
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let (status, created) = json_of(response).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(location, format!("/v1/candidates/{id}"));
        assert_eq!(created["status"], "active");
        assert_eq!(created["phones"], json!(["+15125550143"]));
        assert_eq!(created["claimed_location"]["timezone"], "America/Chicago");
        assert_eq!(created["revision"], 1);

        let (status, fetched) = json_of(app.get(&location, &key).await).await;
        assert_eq!(status, 200);
        assert_eq!(fetched, created);

        let patch = json!({"emails": ["jane.doe@example.org"], "aliases": null,
                           "claimed_location": {"city": "Dallas"}});
        let response = app.client.patch(app.url(&location)).bearer_auth(&key)
            .header("content-type", "application/merge-patch+json")
            .body(patch.to_string()).send().await.unwrap();
        let (status, patched) = json_of(response).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["emails"], json!(["jane.doe@example.org"]));
        assert!(patched.get("aliases").is_none());
        assert_eq!(patched["claimed_location"]["city"], "Dallas");
        assert_eq!(patched["claimed_location"]["region"], "TX");
        assert_eq!(patched["revision"], 2);

        let response = app.client.delete(app.url(&location)).bearer_auth(&key).send().await.unwrap();
        let (status, tombstone) = json_of(response).await;
        assert_eq!(status, 200);
        assert_eq!(tombstone["status"], "erased");
        assert_eq!(tombstone["id"], id.as_str());
        assert_eq!(tombstone["external_id"], "ext-1");
        assert!(tombstone["erased_at"].is_string());
        for personal in ["full_name", "emails", "phones", "addresses", "date_of_birth", "identifiers"] {
            assert!(tombstone.get(personal).is_none(), "{personal} survived erasure");
        }
        let (_, after) = json_of(app.get(&location, &key).await).await;
        assert_eq!(after, tombstone);
        let (_, listed) = json_of(app.get("/v1/candidates", &key).await).await;
        assert_eq!(listed["data"], json!([]));

        let response = app.client.patch(app.url(&location)).bearer_auth(&key)
            .json(&json!({"full_name": "X"})).send().await.unwrap();
        assert_eq!(json_of(response).await.0, 410);
        // The external id is free again for a new application.
        assert_eq!(json_of(app.post("/v1/candidates", &key, &jane("ext-1")).await).await.0, 201);
    }

    async fn erasure_removes_personal_data_from_storage(app) {
        let (tenant, key) = app.tenant_with_key(RW).await;
        let response = app.client.post(app.url("/v1/candidates")).bearer_auth(&key)
            .header("Idempotency-Key", "erase-me").json(&jane("ext-9")).send().await.unwrap();
        let (_, created) = json_of(response).await;
        let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
        app.client.delete(app.url(&format!("/v1/candidates/{id}"))).bearer_auth(&key)
            .send().await.unwrap();
        let stored = app.store.get_candidate(tenant, id).await.unwrap().unwrap();
        assert!(stored.data.is_none());
        assert!(stored.erased_at.is_some());
        assert!(app.store.find_idempotency_record(tenant, "erase-me").await.unwrap().is_none(),
            "the stored replay response still holds personal data");
    }

    async fn list_paginates_across_pages_in_creation_order(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let mut created = Vec::new();
        for i in 0..5 {
            let (status, body) = json_of(app.post("/v1/candidates", &key, &jane(&format!("p-{i}"))).await).await;
            assert_eq!(status, 201);
            created.push(body["id"].as_str().unwrap().to_string());
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/candidates?limit=2&cursor={c}"),
                None => "/v1/candidates?limit=2".to_string(),
            };
            let (status, page) = json_of(app.get(&path, &key).await).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= 2);
            seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, created);

        let (_, filtered) = json_of(app.get("/v1/candidates?external_id=p-3", &key).await).await;
        assert_eq!(filtered["data"].as_array().unwrap().len(), 1);
        assert_eq!(filtered["data"][0]["id"], created[3].as_str());

        let (status, problem) = json_of(app.get("/v1/candidates?limit=0&cursor=zzz&sort=x", &key).await).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"limit") && fields.contains(&"cursor") && fields.contains(&"sort"), "{problem}");
    }

    async fn idempotency_key_replays_and_refuses_other_bodies(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let send = |body: Value| {
            app.client.post(app.url("/v1/candidates")).bearer_auth(&key)
                .header("Idempotency-Key", "req-123").json(&body).send()
        };
        let first = send(jane("idem-1")).await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let replay = send(jane("idem-1")).await.unwrap();
        assert_eq!(replay.status(), 201);
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let replay: Value = replay.json().await.unwrap();
        assert_eq!(replay, first);

        let (status, problem) = json_of(send(jane("idem-2")).await.unwrap()).await;
        assert_eq!(status, 409);
        assert_eq!(problem["code"], "idempotency_key_reused");
        let (_, listed) = json_of(app.get("/v1/candidates", &key).await).await;
        assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    }

    async fn same_external_id_returns_existing_or_conflicts(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let (status, first) = json_of(app.post("/v1/candidates", &key, &jane("dup")).await).await;
        assert_eq!(status, 201);
        let (status, again) = json_of(app.post("/v1/candidates", &key, &jane("dup")).await).await;
        assert_eq!(status, 200);
        assert_eq!(again["id"], first["id"]);

        let mut other = jane("dup");
        other["full_name"] = json!("John Roe");
        let (status, problem) = json_of(app.post("/v1/candidates", &key, &other).await).await;
        assert_eq!(status, 409);
        assert_eq!(problem["code"], "candidate_exists");
        assert!(problem["detail"].as_str().unwrap().contains(first["id"].as_str().unwrap()));
        let (_, stored) = json_of(app.get(&format!("/v1/candidates/{}", first["id"].as_str().unwrap()), &key).await).await;
        assert_eq!(stored["full_name"], "Jane Doe");
    }

    async fn invalid_candidate_lists_every_bad_field(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let body = json!({
            "full_name": "   ",
            "date_of_birth": "1990-02-31",
            "nationalities": ["XX", "KP"],
            "claimed_location": {"country": "US", "timezone": "America/Gotham"},
            "emails": ["not-an-email"],
            "phones": ["12"],
            "addresses": [{"kind": "office", "line1": "x", "country": "US"}],
            "identifiers": [{"type": "passport"}],
            "colour": "blue"
        });
        let (status, problem) = json_of(app.post("/v1/candidates", &key, &body).await).await;
        assert_eq!(status, 422);
        assert_eq!(problem["code"], "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        for expected in ["external_id", "full_name", "date_of_birth", "nationalities[0]",
                         "claimed_location.timezone", "emails[0]", "phones[0]",
                         "addresses[0].kind", "identifiers[0].value", "colour"] {
            assert!(fields.contains(&expected), "{expected} not reported: {fields:?}");
        }
        assert!(!fields.contains(&"nationalities[1]"));
        let (_, listed) = json_of(app.get("/v1/candidates", &key).await).await;
        assert_eq!(listed["data"], json!([]));
    }

    async fn bad_patch_is_refused_and_keeps_stored_data(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let (_, created) = json_of(app.post("/v1/candidates", &key, &jane("keep")).await).await;
        let path = format!("/v1/candidates/{}", created["id"].as_str().unwrap());
        let response = app.client.patch(app.url(&path)).bearer_auth(&key)
            .json(&json!({"nationalities": ["ZZ"], "emails": ["bad"]})).send().await.unwrap();
        let (status, problem) = json_of(response).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
        let (_, stored) = json_of(app.get(&path, &key).await).await;
        assert_eq!(stored, created);
    }

    async fn malformed_oversize_and_mistyped_bodies_get_problems(app) {
        let (_, key) = app.tenant_with_key(RW).await;
        let response = app.client.post(app.url("/v1/candidates")).bearer_auth(&key)
            .header("content-type", "application/json").body("{\"full_name\": ").send().await.unwrap();
        let (status, problem) = json_of(response).await;
        assert_eq!(status, 400);
        assert_eq!(problem["code"], "malformed_json");

        let response = app.client.post(app.url("/v1/candidates")).bearer_auth(&key)
            .header("content-type", "text/plain").body("{}").send().await.unwrap();
        assert_eq!(json_of(response).await.0, 415);

        let mut huge = jane("huge");
        huge["metadata"] = json!({"blob": "x".repeat(1024 * 1024 + 10)});
        let (status, problem) = json_of(app.post("/v1/candidates", &key, &huge).await).await;
        assert_eq!(status, 413);
        assert!(problem["detail"].as_str().unwrap().contains("1048576"), "{problem}");

        let (status, problem) = json_of(app.post("/v1/candidates", &key, &json!(["not", "an", "object"])).await).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "body");
    }
}
