//! Sanctions lists: import and refresh through the real pipeline, snapshots
//! and diffs in both databases, sanity gates, and the lists API.

use std::collections::{BTreeMap, BTreeSet};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hirevet::config::ListSource;
use hirevet::jobs::list_refresh::{ListService, RefreshOutcome};
use hirevet::screening::lists::{ListFormat, LiveLists};
use serde_json::Value;

use crate::both_backends;
use crate::harness::{json_of, Backend, TestApp};

/// A UN consolidated XML with `n` individuals, in the publisher's layout.
fn un_xml(n: usize) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <CONSOLIDATED_LIST dateGenerated=\"2026-11-01T00:00:00Z\">\n<INDIVIDUALS>\n",
    );
    for i in 0..n {
        xml.push_str(&format!(
            "<INDIVIDUAL><DATAID>{i}</DATAID><FIRST_NAME>RI</FIRST_NAME>\
             <SECOND_NAME>CHOL {i}</SECOND_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>\
             <REFERENCE_NUMBER>KPi.{i:03}</REFERENCE_NUMBER><LISTED_ON>2017-12-22</LISTED_ON>\
             <NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>\
             <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>\
             <DATE>1970-01-{:02}</DATE></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>\n",
            i % 28 + 1
        ));
    }
    xml.push_str("</INDIVIDUALS>\n<ENTITIES/>\n</CONSOLIDATED_LIST>\n");
    xml.into_bytes()
}

/// A real HTTP publisher on 127.0.0.1: serves one file with an ETag and
/// answers 304 to a matching If-None-Match.
struct Publisher {
    body: Arc<Mutex<Vec<u8>>>,
    conditional_hits: Arc<Mutex<usize>>,
    url: String,
    handle: actix_web::dev::ServerHandle,
}

async fn publish(
    req: HttpRequest,
    body: web::Data<Arc<Mutex<Vec<u8>>>>,
    hits: web::Data<Arc<Mutex<usize>>>,
) -> HttpResponse {
    let bytes = body.lock().unwrap().clone();
    let etag = format!(
        "\"{:x}\"",
        bytes.len() * 31 + bytes.iter().map(|b| *b as usize).sum::<usize>()
    );
    if req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        *hits.lock().unwrap() += 1;
        return HttpResponse::NotModified().finish();
    }
    HttpResponse::Ok()
        .insert_header(("ETag", etag))
        .content_type("application/xml")
        .body(bytes)
}

impl Publisher {
    async fn start(initial: Vec<u8>) -> Publisher {
        let body = Arc::new(Mutex::new(initial));
        let hits = Arc::new(Mutex::new(0));
        let (b, h) = (body.clone(), hits.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(b.clone()))
                .app_data(web::Data::new(h.clone()))
                .route("/consolidated.xml", web::get().to(publish))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/consolidated.xml", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Publisher {
            body,
            conditional_hits: hits,
            url,
            handle,
        }
    }

    fn set(&self, bytes: Vec<u8>) {
        *self.body.lock().unwrap() = bytes;
    }
}

fn un_source(location: &str) -> ListSource {
    ListSource {
        id: "un_sc".into(),
        format: ListFormat::UnXml,
        locations: vec![location.to_string()],
        refresh_interval: std::time::Duration::from_secs(3600),
        enabled: true,
    }
}

async fn un_status(app: &TestApp, key: &str) -> Value {
    let (status, lists) = json_of(app.get("/v1/lists", key).await).await;
    assert_eq!(status, 200, "{lists}");
    lists["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "un_sc")
        .cloned()
        .expect("un_sc listed")
}

async fn refresh_un(app: &TestApp, key: &str) -> Value {
    let (status, body) = json_of(app.post_empty("/v1/lists/refresh?source=un_sc", key).await).await;
    assert_eq!(status, 200, "{body}");
    body["results"][0].clone()
}

async fn with_un_source(backend: Backend, publisher: &Publisher) -> Option<TestApp> {
    let url = publisher.url.clone();
    TestApp::spawn_with(backend, move |config| {
        config.lists.sources = vec![un_source(&url)];
    })
    .await
}

async fn bad_versions_are_rejected_and_the_live_one_stays(backend: Backend) {
    let publisher = Publisher::start(un_xml(50)).await;
    let Some(app) = with_un_source(backend, &publisher).await else {
        return;
    };
    let (_, admin) = app.tenant_with_key(&["admin"]).await;

    let (_, ready) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["checks"]["lists"]["un_sc"], "never_loaded");
    assert_eq!(un_status(&app, &admin).await["state"], "never_loaded");

    let first = refresh_un(&app, &admin).await;
    assert_eq!(first["outcome"], "updated", "{first}");
    assert_eq!(first["entries"], 50);
    assert_eq!(first["added"], 50);
    let live = un_status(&app, &admin).await;
    assert_eq!(live["state"], "live");
    assert_eq!(live["version"], first["version"]);
    assert_eq!(live["entries"]["total"], 50);
    assert_eq!(live["entries"]["by_kind"]["person"], 50);
    assert_eq!(live["source_version"], "2026-11-01T00:00:00Z");
    let (_, ready) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(ready["status"], "ready");

    // Unchanged upstream: a conditional request, a 304, nothing stored.
    let again = refresh_un(&app, &admin).await;
    assert_eq!(again["outcome"], "unchanged", "{again}");
    assert_eq!(*publisher.conditional_hits.lock().unwrap(), 1);

    let good = un_xml(50);
    let mut corrupted = good.clone();
    let middle = corrupted.len() / 2;
    corrupted.splice(
        middle..middle + 40,
        b"<<\x00\xff garbage </WRONG>>".iter().copied(),
    );
    let truncated = good[..good.len() * 6 / 10].to_vec();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("corrupted", corrupted, "could not be parsed"),
        ("truncated", truncated, "truncated"),
        ("empty", Vec::new(), "empty"),
        ("ten times smaller", un_xml(5), "below 80%"),
    ];
    for (what, bytes, reason) in cases {
        publisher.set(bytes);
        let outcome = refresh_un(&app, &admin).await;
        assert_eq!(outcome["outcome"], "rejected", "{what}: {outcome}");
        assert!(
            outcome["reason"].as_str().unwrap().contains(reason),
            "{what}: {outcome}"
        );
        let status = un_status(&app, &admin).await;
        assert_eq!(
            status["version"], first["version"],
            "{what} replaced the live version"
        );
        assert_eq!(status["entries"]["total"], 50);
        assert!(
            status["last_error"]["message"]
                .as_str()
                .unwrap()
                .contains(reason),
            "{status}"
        );
        // The refused version is kept for inspection.
        let id = outcome["snapshot_id"].as_str().unwrap();
        let kept = app.store.get_snapshot(id).await.unwrap().unwrap();
        assert!(kept.reject_reason.unwrap().contains(reason));
    }
    // A real new version goes live again and clears the error.
    publisher.set(un_xml(52));
    let next = refresh_un(&app, &admin).await;
    assert_eq!(next["outcome"], "updated", "{next}");
    assert_eq!(
        (next["added"].as_u64(), next["removed"].as_u64()),
        (Some(2), Some(0))
    );
    let status = un_status(&app, &admin).await;
    assert!(status["last_error"].is_null(), "{status}");
    publisher.handle.stop(false).await;
    app.stop().await;
}

fn sanctions_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/sanctions")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn read_set(dir: &Path, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect()
}

/// The content of each entry across sdn/add/alt, read as plain CSV records
/// (the publisher changed its quoting between years, so raw lines differ
/// where the data does not), without any of our parser's interpretation.
/// An alias counts by its name alone: a row repeating the primary name or
/// another alias adds nothing to the entry.
fn rows_by_entity(files: &[(String, Vec<u8>)]) -> BTreeMap<String, Vec<String>> {
    let records = |bytes: &[u8]| -> Vec<Vec<String>> {
        let bytes = bytes.strip_suffix(b"\x1a").unwrap_or(bytes);
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .byte_records()
            .filter_map(Result::ok)
            .map(|r| {
                r.iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_string())
                    .collect()
            })
            .collect()
    };
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, bytes) in files {
        for record in records(bytes) {
            let Some(id) = record.first().filter(|id| id.parse::<u64>().is_ok()) else {
                continue;
            };
            by_id
                .entry(id.clone())
                .or_default()
                .push(format!("{name}:{}", record.join("|")));
        }
    }
    let primary_names: BTreeMap<String, String> = by_id
        .iter()
        .filter_map(|(id, rows)| {
            let row = rows.iter().find(|r| r.starts_with("sdn.csv:"))?;
            Some((id.clone(), row.split('|').nth(1)?.to_string()))
        })
        .collect();
    by_id.retain(|id, _| primary_names.contains_key(id));
    for (id, rows) in by_id.iter_mut() {
        let primary = &primary_names[id];
        let mut content: BTreeSet<String> = BTreeSet::new();
        for row in rows.iter() {
            if row.starts_with("alt.csv:") {
                let name = row.split('|').nth(3).unwrap_or_default();
                if name != primary {
                    content.insert(format!("alias:{name}"));
                }
            } else {
                content.insert(row.clone());
            }
        }
        *rows = content.into_iter().collect();
    }
    by_id
}

async fn ofac_diff_matches_an_independent_count(backend: Backend) {
    let (Some(old_dir), Some(new_dir)) = (
        sanctions_dir("ofac_sdn_2021-07"),
        sanctions_dir("ofac_sdn_2022-01"),
    ) else {
        return;
    };
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut config = crate::harness::test_config("sqlite://unused.db");
    config.lists.sources = vec![ListSource {
        id: "us_ofac_sdn".into(),
        format: ListFormat::OfacCsv,
        locations: Vec::new(),
        refresh_interval: std::time::Duration::from_secs(3600),
        enabled: true,
    }];
    let service = ListService::new(
        app.store.clone(),
        Arc::new(LiveLists::default()),
        config.lists,
    )
    .unwrap();
    // The same three files from both years, so both sides compare alike.
    let names = ["sdn.csv", "add.csv", "alt.csv"];
    let old = read_set(&old_dir, &names);
    let new = read_set(&new_dir, &names);
    let first = service
        .import("us_ofac_sdn", old.clone(), false)
        .await
        .unwrap();
    assert!(
        matches!(first, RefreshOutcome::Updated { entries: 8976, .. }),
        "{first:?}"
    );
    let second = service
        .import("us_ofac_sdn", new.clone(), false)
        .await
        .unwrap();
    let RefreshOutcome::Updated {
        added,
        removed,
        changed,
        entries,
        ..
    } = second
    else {
        panic!("2022-01 not loaded: {second:?}");
    };

    let before = rows_by_entity(&old);
    let after = rows_by_entity(&new);
    let expect_added = after.keys().filter(|id| !before.contains_key(*id)).count();
    let expect_removed = before.keys().filter(|id| !after.contains_key(*id)).count();
    let expect_changed = after
        .iter()
        .filter(|(id, rows)| before.get(*id).is_some_and(|old| old != *rows))
        .count();
    assert_eq!(entries, after.len());
    assert_eq!(added, expect_added);
    assert_eq!(removed, expect_removed);
    assert_eq!(changed, expect_changed);

    // The diff is stored with the snapshot for the re-screening job.
    let live = app
        .store
        .live_snapshot("us_ofac_sdn")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        live.report["diff"]["added"].as_array().unwrap().len(),
        expect_added
    );
    // Loading the same content again stores nothing new.
    let again = service.import("us_ofac_sdn", new, false).await.unwrap();
    assert!(
        matches!(again, RefreshOutcome::Unchanged { .. }),
        "{again:?}"
    );
    assert_eq!(
        app.store
            .snapshot_history("us_ofac_sdn", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    // Going back to the first content re-uses its stored snapshot.
    let back = service.import("us_ofac_sdn", old, true).await.unwrap();
    assert!(matches!(back, RefreshOutcome::Updated { .. }), "{back:?}");
    assert_eq!(
        app.store
            .snapshot_history("us_ofac_sdn", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    app.stop().await;
}

both_backends! {
    async fn lists_api_needs_credentials_and_refresh_needs_admin(app) {
        let response = app.client.get(app.url("/v1/lists")).send().await.unwrap();
        assert_eq!(json_of(response).await.0, 401);
        let (_, reader) = app.tenant_with_key(&["candidates:read"]).await;
        let (status, lists) = json_of(app.get("/v1/lists", &reader).await).await;
        assert_eq!(status, 200);
        assert_eq!(lists["data"], serde_json::json!([]));
        assert_eq!(json_of(app.post_empty("/v1/lists/refresh", &reader).await).await.0, 403);
        let (_, admin) = app.tenant_with_key(&["admin"]).await;
        let (status, problem) = json_of(app.post_empty("/v1/lists/refresh?source=nope", &admin).await).await;
        assert_eq!(status, 404);
        assert!(problem["detail"].as_str().unwrap().contains("nope"));
        let (status, done) = json_of(app.post_empty("/v1/lists/refresh", &admin).await).await;
        assert_eq!((status, done["results"].clone()), (200, serde_json::json!([])));
    }
}

async fn scheduler_loads_due_sources_and_readiness_follows(backend: Backend) {
    let publisher = Publisher::start(un_xml(20)).await;
    let url = publisher.url.clone();
    let Some(app) = TestApp::spawn_with(backend, move |config| {
        config.lists.sources = vec![un_source(&url)];
        config.lists.auto_refresh = true;
        config.lists.poll_interval = std::time::Duration::from_millis(100);
        config.lists.readiness_requires_lists = true;
    })
    .await
    else {
        return;
    };
    let (_, key) = app.tenant_with_key(&["candidates:read"]).await;
    let mut state = Value::Null;
    for _ in 0..100 {
        state = un_status(&app, &key).await;
        if state["state"] == "live" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        state["state"], "live",
        "the scheduler never loaded the list: {state}"
    );
    assert_eq!(state["entries"]["total"], 20);
    let (status, ready) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!((status, ready["status"].as_str()), (200, Some("ready")));
    publisher.handle.stop(false).await;
    app.stop().await;
}

async fn stale_and_missing_lists_fail_readiness_when_required(backend: Backend) {
    let publisher = Publisher::start(un_xml(20)).await;
    let url = publisher.url.clone();
    let Some(app) = TestApp::spawn_with(backend, move |config| {
        config.lists.sources = vec![un_source(&url)];
        config.lists.readiness_requires_lists = true;
        config.lists.max_list_age = std::time::Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    let (_, admin) = app.tenant_with_key(&["admin"]).await;
    let (status, problem) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(problem["code"], "lists_not_ready");
    assert!(
        problem["detail"].as_str().unwrap().contains("never_loaded"),
        "{problem}"
    );
    assert_eq!(refresh_un(&app, &admin).await["outcome"], "updated");
    assert_eq!(
        json_of(app.client.get(app.url("/readyz")).send().await.unwrap())
            .await
            .0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(un_status(&app, &admin).await["state"], "stale");
    let (status, problem) = json_of(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert!(
        problem["detail"].as_str().unwrap().contains("stale"),
        "{problem}"
    );
    // Confirming the list is still current (a 304) makes it fresh again.
    assert_eq!(refresh_un(&app, &admin).await["outcome"], "unchanged");
    assert_eq!(un_status(&app, &admin).await["state"], "live");
    publisher.handle.stop(false).await;
    app.stop().await;
}

crate::on_each_backend!(
    bad_versions_are_rejected_and_the_live_one_stays,
    ofac_diff_matches_an_independent_count,
    scheduler_loads_due_sources_and_readiness_follows,
    stale_and_missing_lists_fail_readiness_when_required
);
