//! Assessments and the HR loop end to end: decisions from real lists and
//! telemetry, signed webhooks to a real receiver on 127.0.0.1 (verified
//! with its own HMAC code), retries, durability across a restart, alert
//! email through a real SMTP server, and policies refused by line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::harness::{json_of, Backend, TestApp};
use crate::on_each_backend;
use crate::smtp_sink::{ensure_python_with_aiosmtpd, SmtpSink};
use hirevet::config::{Config, ListSource};
use hirevet::notify::email::{SmtpConfig, SmtpSecurity};
use hirevet::screening::lists::ListFormat;

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The files of the DPRK fixture list (OFAC's CSV set).
const DPRK_LIST_FILES: [&str; 4] = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"];

/// The DPRK fixture list's files in `dir` as the live OFAC SDN source.
fn dprk_list_in(config: &mut Config, dir: &std::path::Path) {
    config.lists.sources = vec![ListSource {
        id: "us_ofac_sdn".into(),
        format: ListFormat::OfacCsv,
        locations: DPRK_LIST_FILES
            .iter()
            .map(|f| dir.join(f).to_string_lossy().into_owned())
            .collect(),
        refresh_interval: Duration::from_secs(3600),
        enabled: true,
    }];
}

/// The DPRK fixture list as the live OFAC SDN source.
fn with_dprk_list(config: &mut Config) {
    dprk_list_in(config, std::path::Path::new(&fixture("lists/ofac_dprk")));
}

async fn load_lists(app: &TestApp) {
    let (_, admin) = app.tenant_with_key(&["admin"]).await;
    let (_, refreshed) = json_of(app.post_empty("/v1/lists/refresh", &admin).await).await;
    assert_eq!(refreshed["results"][0]["outcome"], "updated", "{refreshed}");
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, created) = json_of(app.post("/v1/candidates", key, &body).await).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The triggers of a candidate's assessments, newest first.
async fn history_triggers(app: &TestApp, key: &str, candidate_id: &str) -> Vec<String> {
    let path = format!("/v1/candidates/{candidate_id}/assessments");
    let (status, history) = json_of(app.get(&path, key).await).await;
    assert_eq!(status, 200, "{history}");
    history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["trigger"].as_str().unwrap().to_string())
        .collect()
}

fn us_candidate(external_id: &str, name: &str) -> Value {
    json!({
        "external_id": external_id,
        "full_name": name,
        "emails": [format!("{external_id}@mail.example")],
        "claimed_location": {"country": "US", "city": "Austin", "timezone": "America/Chicago"}
    })
}

async fn clean_is_clear_anydesk_in_shanghai_is_review_sdn_is_block(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, with_dprk_list).await else {
        return;
    };
    load_lists(&app).await;
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;

    let clean = create(&app, &key, us_candidate("c-clean", "Jordan Miller")).await;
    let a = &clean["assessment"];
    assert_eq!(a["decision"], "clear", "{a}");
    assert_eq!(a["risk_score"], 0);
    assert_eq!(a["complete"], true);
    assert_eq!(a["sanctions"]["decision"], "no_match");
    assert_eq!(
        a["versions"]["lists"]["us_ofac_sdn"]
            .as_str()
            .map(|v| !v.is_empty()),
        Some(true)
    );
    assert!(a["versions"]["policy"].is_string());
    assert!(a["versions"]["indicators"]["builtin"].is_string());
    // Clean telemetry keeps it clear.
    let id = clean["id"].as_str().unwrap();
    let text = std::fs::read_to_string(fixture("telemetry/macos_developer_clean.json")).unwrap();
    let mut laptop: Value = serde_json::from_str(&text).unwrap();
    // The office VPN is not allow-listed for this tenant: drop it.
    laptop["osquery"]["processes"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["name"] != "GlobalProtect");
    laptop["osquery"]["apps"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["name"] != "GlobalProtect.app");
    let (status, report) = json_of(
        app.post(&format!("/v1/candidates/{id}/telemetry"), &key, &laptop)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["assessment"]["decision"], "clear", "{report}");

    let remote = create(&app, &key, us_candidate("c-remote", "Avery Johnson")).await;
    let id = remote["id"].as_str().unwrap();
    let telemetry = json!({
        "collected_at": "2026-07-01T14:00:00Z",
        "context": "interview",
        "browser": {"timezone": "Asia/Shanghai", "languages": ["en-US"]},
        "osquery": {
            "processes": [{"pid": "6244", "name": "AnyDesk.exe",
                           "path": "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"}],
            "process_open_sockets": [{"pid": "6244", "remote_address": "185.229.191.39",
                                      "remote_port": "443", "state": "ESTABLISHED"}]
        }
    });
    let (_, report) = json_of(
        app.post(&format!("/v1/candidates/{id}/telemetry"), &key, &telemetry)
            .await,
    )
    .await;
    let a = &report["assessment"];
    assert_eq!(a["decision"], "review", "{a}");
    let codes: Vec<&str> = a["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"rmm_connected"), "{codes:?}");
    assert!(codes.contains(&"browser_timezone_mismatch"), "{codes:?}");
    assert!(a["signals"][0]["weight"].as_f64().unwrap() > 0.0);

    // McCune-Reischauer spelling of an SDN entry listed as "JONG, Song Hwa".
    let sdn = create(&app, &key, us_candidate("c-sdn", "Chŏng Sŏng-hwa")).await;
    let a = &sdn["assessment"];
    assert_eq!(a["decision"], "block", "{a}");
    assert_eq!(a["sanctions"]["decision"], "strong_match");
    let hit = &a["sanctions"]["hits"][0];
    assert_eq!(hit["entry_id"], "8101");
    assert_eq!(hit["list"], "us_ofac_sdn");
    assert_eq!(hit["name"], "JONG, Song Hwa");
    assert_eq!(a["signals"][0]["code"], "sanctions_strong_match");

    // History, newest first; the candidate carries the latest; on demand adds one.
    let id = sdn["id"].as_str().unwrap();
    let (status, again) = json_of(
        app.post_empty(&format!("/v1/candidates/{id}/assessments"), &key)
            .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(again["trigger"], "on_demand");
    assert_eq!(
        history_triggers(&app, &key, id).await,
        ["on_demand", "candidate_created"]
    );
    let (_, candidate) = json_of(app.get(&format!("/v1/candidates/{id}"), &key).await).await;
    assert_eq!(candidate["assessment"]["id"], again["id"]);
    app.stop().await;
}

async fn missing_lists_are_never_clear(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, with_dprk_list).await else {
        return;
    };
    // The source is configured but never fetched.
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let created = create(&app, &key, us_candidate("c-1", "Jordan Miller")).await;
    let a = &created["assessment"];
    assert_eq!(a["complete"], false);
    assert_eq!(a["decision"], "review", "{a}");
    assert_eq!(
        a["sanctions"]["missing_lists"][0],
        "us_ofac_sdn (never_loaded)"
    );
    app.stop().await;
}

/// A webhook receiver on 127.0.0.1 that verifies signatures with its own
/// HMAC code and answers 500 to the first `fail_first` tries of every
/// delivery.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    tries: Arc<Mutex<HashMap<String, usize>>>,
    secrets: Arc<Mutex<Vec<String>>>,
    fail_first: usize,
}

#[derive(Debug, Clone)]
struct Received {
    delivery_id: String,
    event_id: String,
    event_type: String,
    body: Value,
    /// Which of the receiver's secrets had a matching `v1`.
    verified_with: Vec<usize>,
    answered: u16,
}

fn verify(header: &str, body: &[u8], secret: &str) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => return false,
        }
    }
    let Some(t) = t else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    sigs.contains(&expected)
}

async fn receive(req: HttpRequest, body: web::Bytes, r: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let delivery_id = header("hirevet-delivery-id");
    let signature = header("hirevet-signature");
    let secrets = r.secrets.lock().unwrap().clone();
    let verified_with: Vec<usize> = secrets
        .iter()
        .enumerate()
        .filter(|(_, s)| verify(&signature, &body, s))
        .map(|(i, _)| i)
        .collect();
    let tries = {
        let mut tries = r.tries.lock().unwrap();
        let n = tries.entry(delivery_id.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let answered = if verified_with.is_empty() {
        401
    } else if tries <= r.fail_first {
        500
    } else {
        200
    };
    r.received.lock().unwrap().push(Received {
        delivery_id,
        event_id: header("hirevet-event-id"),
        event_type: header("hirevet-event-type"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified_with,
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

impl Receiver {
    async fn start(fail_first: usize) -> (Receiver, String, actix_web::dev::ServerHandle) {
        let receiver = Receiver {
            fail_first,
            ..Receiver::default()
        };
        let data = web::Data::new(receiver.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hooks/hirevet", web::post().to(receive))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/hooks/hirevet", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        (receiver, url, handle)
    }

    fn accepted(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.answered == 200)
            .cloned()
            .collect()
    }

    async fn wait_accepted(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let accepted = self.accepted();
            if accepted.len() >= n {
                return accepted;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("receiver accepted {:?}", self.received.lock().unwrap());
    }
}

/// Registers the receiver at `url` for `events`; returns the endpoint as
/// created (with its secret, shown this once), which the receiver then
/// verifies signatures with.
async fn subscribe(
    app: &TestApp,
    key: &str,
    receiver: &Receiver,
    url: &str,
    events: Value,
) -> Value {
    let (status, endpoint) = json_of(
        app.post("/v1/webhooks", key, &json!({"url": url, "events": events}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap().to_string();
    receiver.secrets.lock().unwrap().push(secret);
    endpoint
}

async fn webhooks_are_signed_retried_and_survive_a_restart(backend: Backend) {
    let (receiver, url, receiver_handle) = Receiver::start(2).await;
    // The first server commits the change but never delivers it.
    let Some(app) = TestApp::spawn_with(backend, |c| {
        with_dprk_list(c);
        c.notify.deliver = false;
    })
    .await
    else {
        return;
    };
    load_lists(&app).await;
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write", "webhooks:manage"])
        .await;
    let endpoint = subscribe(&app, &key, &receiver, &url, json!(["*"])).await;
    assert!(endpoint["secret"].as_str().unwrap().starts_with("whsec_"));
    let endpoint_id = endpoint["id"].as_str().unwrap().to_string();
    let (_, listed) = json_of(app.get("/v1/webhooks", &key).await).await;
    assert!(
        listed["data"][0].get("secret").is_none(),
        "secrets are shown once"
    );

    let flagged = create(&app, &key, us_candidate("c-sdn", "Jeong Seong-hwa")).await;
    assert_eq!(flagged["assessment"]["decision"], "block");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received.lock().unwrap().is_empty());

    // Restart with the delivery worker on: nothing was lost.
    let app2 = TestApp::restart_with(&app, with_dprk_list).await;
    let accepted = receiver.wait_accepted(2).await;
    let mut types: Vec<&str> = accepted.iter().map(|r| r.event_type.as_str()).collect();
    types.sort();
    assert_eq!(types, ["assessment.completed", "case.opened"]);
    for r in &accepted {
        assert_eq!(r.body["id"], r.event_id.as_str());
        assert_eq!(r.body["type"], r.event_type.as_str());
        assert_eq!(r.verified_with, [0]);
    }
    let completed = accepted
        .iter()
        .find(|r| r.event_type == "assessment.completed")
        .unwrap();
    assert_eq!(completed.body["data"]["candidate"]["external_id"], "c-sdn");
    assert_eq!(completed.body["data"]["assessment"]["decision"], "block");
    assert_eq!(
        completed.body["data"]["assessment"]["sanctions"]["hits"][0]["entry_id"],
        "8101"
    );
    let opened = accepted
        .iter()
        .find(|r| r.event_type == "case.opened")
        .unwrap();
    assert_eq!(opened.body["data"]["case"]["decision"], "block");

    // Exactly once per delivery id, on the third try after two 500s.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let all = receiver.received.lock().unwrap().clone();
    for r in &accepted {
        let tries: Vec<u16> = all
            .iter()
            .filter(|x| x.delivery_id == r.delivery_id)
            .map(|x| x.answered)
            .collect();
        assert_eq!(tries, [500, 500, 200], "{}", r.event_type);
    }
    let (_, log) = json_of(
        app2.get(&format!("/v1/webhooks/{endpoint_id}/deliveries"), &key)
            .await,
    )
    .await;
    let log = log["data"].as_array().unwrap().clone();
    assert_eq!(log.len(), 6);
    let last = log
        .iter()
        .find(|d| d["succeeded"] == true && d["event_type"] == "case.opened")
        .unwrap();
    assert_eq!(last["attempt"], 3);
    assert_eq!(last["status_code"], 200);
    assert!(log
        .iter()
        .any(|d| d["status_code"] == 500 && d["error"].as_str().unwrap().contains("500")));

    // Manual redelivery sends the same event again under the same ids.
    let delivery_id = last["delivery_id"].as_str().unwrap();
    let (status, redelivered) = json_of(
        app2.post_empty(
            &format!("/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"),
            &key,
        )
        .await,
    )
    .await;
    assert_eq!(status, 202, "{redelivered}");
    let accepted = receiver.wait_accepted(3).await;
    assert_eq!(accepted[2].delivery_id, delivery_id);
    assert_eq!(accepted[2].event_type, "case.opened");

    // Rotation: the next delivery is signed with the old and new secrets.
    let (status, rotated) = json_of(
        app2.post_empty(&format!("/v1/webhooks/{endpoint_id}/rotate-secret"), &key)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let active: Vec<&Value> = rotated["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["active"] == true)
        .collect();
    assert_eq!(active.len(), 2);
    receiver
        .secrets
        .lock()
        .unwrap()
        .push(rotated["secret"].as_str().unwrap().to_string());
    let id = flagged["id"].as_str().unwrap();
    app2.post_empty(&format!("/v1/candidates/{id}/assessments"), &key)
        .await;
    let accepted = receiver.wait_accepted(4).await;
    assert_eq!(accepted[3].event_type, "assessment.completed");
    assert_eq!(accepted[3].verified_with, [0, 1]);
    app2.stop().await;
    receiver_handle.stop(true).await;
}

async fn private_targets_are_refused_unless_configured(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.notify.allow_private_targets = false).await
    else {
        return;
    };
    let (_, key) = app.tenant_with_key(&["webhooks:manage"]).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.7/hook",
        "http://localhost/x",
    ] {
        let (status, problem) =
            json_of(app.post("/v1/webhooks", &key, &json!({"url": url})).await).await;
        assert_eq!(status, 422, "{url}");
        assert_eq!(problem["errors"][0]["field"], "url");
    }
    let (status, problem) = json_of(
        app.post(
            "/v1/webhooks",
            &key,
            &json!({"url": "https://hooks.example.com/x", "events": ["case.exploded"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "events[0]");
    app.stop().await;
}

async fn alert_email_waits_for_smtp_and_arrives(backend: Backend) {
    let python = ensure_python_with_aiosmtpd();
    let mut sink = SmtpSink::start(&python);
    let port = sink.port();
    let Some(app) = TestApp::spawn_with(backend, move |c| {
        with_dprk_list(c);
        c.notify.public_base_url = "https://hirevet.example.com".into();
        c.notify.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: "hirevet <alerts@hirevet.example.com>".into(),
            timeout: Duration::from_secs(5),
        });
    })
    .await
    else {
        return;
    };
    load_lists(&app).await;
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write", "admin"])
        .await;
    let (status, _) = json_of(
        app.client
            .put(app.url("/v1/settings"))
            .bearer_auth(&key)
            .json(&json!({"alert_emails": ["secops@corp.example"], "alert_min_decision": "block"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);

    // A review does not alert at min decision "block".
    create(&app, &key, json!({"external_id": "c-ok", "full_name": "Jordan Miller",
        "claimed_location": {"country": "US"}, "nationalities": ["CN"], "phones": ["+86 139 1234 5678"]}))
    .await;
    let mut body = us_candidate("c-sdn", "Chŏng Sŏng-hwa");
    body["phones"] = json!(["+1 512 555 0142"]);
    let created = create(&app, &key, body).await;
    let mail = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, ["secops@corp.example"]);
    assert!(mail[0].subject.contains("BLOCK"), "{}", mail[0].subject);
    assert!(mail[0].subject.contains("c-sdn"));
    let text = &mail[0].body_text;
    let score = created["assessment"]["risk_score"].as_i64().unwrap();
    assert!(text.contains(&format!("Risk score: {score}/100")), "{text}");
    assert!(text.contains("JONG, Song Hwa"), "{text}");
    assert!(text.contains(&format!(
        "https://hirevet.example.com/console/candidates/{}",
        created["id"].as_str().unwrap()
    )));
    // Who, score, reasons and link: no contact details.
    assert!(
        !text.contains("555") && !text.contains("mail.example"),
        "{text}"
    );

    // SMTP down: the alert waits in the outbox, then arrives.
    sink.stop();
    create(&app, &key, us_candidate("c-sdn-2", "Jong Song Hwa")).await;
    let tenant_pending = || async {
        let tenants = app.store.list_tenants().await.unwrap();
        let mut pending = Vec::new();
        for t in tenants {
            pending.extend(app.store.pending_outbox(t.id).await.unwrap());
        }
        pending
    };
    let mut waited = Vec::new();
    for _ in 0..100 {
        waited = tenant_pending()
            .await
            .into_iter()
            .filter(|i| i.channel == "email" && i.attempts > 0)
            .collect();
        if !waited.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waited.len(), 1, "the alert waits in the outbox");
    assert!(
        waited[0].last_error.as_deref().unwrap().contains("SMTP"),
        "{:?}",
        waited[0].last_error
    );
    sink.restart();
    let mail = sink.wait_for(2, Duration::from_secs(30)).await;
    assert!(mail[1].subject.contains("c-sdn-2"));
    app.stop().await;
}

async fn bad_policies_are_refused_naming_the_line(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, key) = app.tenant_with_key(&["admin"]).await;
    let (status, problem) = json_of(
        app.client
            .put(app.url("/v1/settings"))
            .bearer_auth(&key)
            .json(&json!({"policy": "version = \"t1\"\n\n[bands]\nreview = 40\nblock = 30\n"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "policy");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line"),
        "{problem}"
    );
    app.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "version = \"t2\"\nweights = [\n").unwrap();
    let db = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let mut config = crate::harness::test_config(&db);
    config.policy_path = Some(path.display().to_string());
    let err = match hirevet::app::Application::build(config).await {
        Ok(_) => panic!("a broken policy file must stop start-up"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("policy.toml") && err.contains("line"), "{err}");
}

/// The DPRK fixture list copied into `dir`, as the live OFAC SDN source
/// (so the test can publish a new version by editing the copy).
fn with_list_copy(config: &mut Config, dir: &std::path::Path) {
    for f in DPRK_LIST_FILES {
        std::fs::copy(fixture(&format!("lists/ofac_dprk/{f}")), dir.join(f)).unwrap();
    }
    with_list_in(config, dir);
}

/// The list copy in `dir` as the live source; other versions in the
/// database reach the app only at start or by a refresh the test asks for.
fn with_list_in(config: &mut Config, dir: &std::path::Path) {
    dprk_list_in(config, dir);
    config.lists.poll_interval = Duration::from_secs(3600);
}

/// Appends an entry to the copied SDN file.
fn append_to_sdn(dir: &std::path::Path, line: &str) {
    use std::io::Write;
    let mut sdn = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("sdn.csv"))
        .unwrap();
    writeln!(sdn, "{line}").unwrap();
}

/// Appends an entry to the copied SDN file and refreshes the list.
async fn list_and_refresh(app: &TestApp, dir: &std::path::Path, line: &str) {
    append_to_sdn(dir, line);
    load_lists(app).await;
}

/// An SDN line listing a North Korean individual.
fn sdn_person(entry_id: u32, name: &str) -> String {
    format!(
        r#"{entry_id},"{name}","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"nationality Korea, North.""#
    )
}

/// The SDN entry that lists the candidate `Pak Myong-ho` of the
/// re-screening tests.
fn pak_myong_ho() -> String {
    sdn_person(8104, "PAK, Myong Ho")
}

/// An SDN entry that lists the candidate `Song Il-gwang`.
fn song_il_gwang() -> String {
    sdn_person(8105, "SONG, Il Gwang")
}

/// What the re-screening tests start from: a webhook receiver subscribed to
/// `candidate.rescreened`, an app on a copy of the DPRK list (in `dir`),
/// and a tenant whose candidate `Pak Myong-ho` (no list has him yet) is
/// clear.
struct RescreenSetup {
    receiver: Receiver,
    receiver_handle: actix_web::dev::ServerHandle,
    dir: tempfile::TempDir,
    app: TestApp,
    tenant: uuid::Uuid,
    key: String,
    later: Value,
}

async fn rescreen_setup(backend: Backend) -> Option<RescreenSetup> {
    let (receiver, url, receiver_handle) = Receiver::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let app = TestApp::spawn_with(backend, move |c| with_list_copy(c, &path)).await?;
    load_lists(&app).await;
    let (tenant, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write", "webhooks:manage"])
        .await;
    subscribe(&app, &key, &receiver, &url, json!(["candidate.rescreened"])).await;
    let later = create(&app, &key, us_candidate("c-later", "Pak Myong-ho")).await;
    assert_eq!(later["assessment"]["decision"], "clear", "{later}");
    Some(RescreenSetup {
        receiver,
        receiver_handle,
        dir,
        app,
        tenant,
        key,
        later,
    })
}

async fn a_candidate_listed_after_applying_is_rescreened(backend: Backend) {
    let Some(RescreenSetup {
        receiver,
        receiver_handle,
        dir,
        app,
        key,
        later,
        ..
    }) = rescreen_setup(backend).await
    else {
        return;
    };
    let unaffected = create(&app, &key, us_candidate("c-other", "Avery Johnson")).await;
    assert_eq!(unaffected["assessment"]["decision"], "clear");

    // OFAC lists him: his next assessment is made at once, and sent.
    list_and_refresh(&app, dir.path(), &pak_myong_ho()).await;
    let accepted = receiver.wait_accepted(1).await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let event = &accepted[0];
    assert_eq!(event.event_type, "candidate.rescreened");
    assert_eq!(event.verified_with, [0]);
    let data = &event.body["data"];
    assert_eq!(data["candidate"]["external_id"], "c-later", "{data}");
    assert_eq!(data["previous"]["decision"], "clear", "{data}");
    assert_ne!(data["assessment"]["decision"], "clear", "{data}");
    assert_eq!(
        data["assessment"]["sanctions"]["hits"][0]["entry_id"], "8104",
        "{data}"
    );
    assert_eq!(
        history_triggers(&app, &key, later["id"].as_str().unwrap()).await,
        ["lists_updated", "candidate_created"]
    );
    // The other candidate came out as before: nothing recorded or sent.
    assert_eq!(
        history_triggers(&app, &key, unaffected["id"].as_str().unwrap()).await,
        ["candidate_created"]
    );

    // A list change that changes nothing for either sends nothing more.
    list_and_refresh(&app, dir.path(), &song_il_gwang()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.accepted().len(), 1);
    app.stop().await;
    receiver_handle.stop(true).await;
}

/// Appends `line` to the copied SDN file and imports it with the command
/// line, as an operator would while no server runs; the new version.
fn import_with_cli(app: &TestApp, dir: &std::path::Path, line: &str) -> String {
    append_to_sdn(dir, line);
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_hirevet"));
    import.args([
        "--database-url",
        app.database_url(),
        "lists",
        "import",
        "--source",
        "us_ofac_sdn",
    ]);
    for f in DPRK_LIST_FILES {
        import.arg("--path").arg(dir.join(f));
    }
    let import = import
        .env_remove("HIREVET_DATABASE_URL")
        .output()
        .expect("run hirevet lists import");
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    String::from_utf8(import.stdout).unwrap().trim().to_string()
}

/// A list version imported by the command line while no server ran goes
/// live when the next one starts, and the tenant's candidates are
/// re-screened then; a tenant recorded as covered by the live versions is
/// not.
async fn lists_imported_while_no_server_ran_rescreen_at_start(backend: Backend) {
    let Some(RescreenSetup {
        receiver,
        receiver_handle,
        dir,
        app,
        tenant,
        key,
        later,
    }) = rescreen_setup(backend).await
    else {
        return;
    };
    let id = later["id"].as_str().unwrap().to_string();
    let other = create(&app, &key, us_candidate("c-song", "Song Il-gwang")).await;
    assert_eq!(other["assessment"]["decision"], "clear", "{other}");
    let other_id = other["id"].as_str().unwrap().to_string();

    app.pause().await;
    let imported = import_with_cli(&app, dir.path(), &pak_myong_ho());
    let path = dir.path().to_path_buf();
    let app2 = TestApp::restart_with(&app, move |c| with_list_in(c, &path)).await;
    let accepted = receiver.wait_accepted(1).await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let data = &accepted[0].body["data"];
    assert_eq!(accepted[0].event_type, "candidate.rescreened");
    assert_eq!(data["candidate"]["external_id"], "c-later", "{data}");
    assert_eq!(
        data["assessment"]["sanctions"]["hits"][0]["entry_id"], "8104",
        "{data}"
    );
    assert_eq!(
        history_triggers(&app2, &key, &id).await,
        ["lists_updated", "candidate_created"]
    );
    // The tenant is recorded as covered by the imported version.
    let covered = format!("us_ofac_sdn={imported}");
    let mut recorded = None;
    for _ in 0..50 {
        recorded = app2.store.rescreened_lists(tenant).await.unwrap();
        if recorded.as_deref() == Some(covered.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recorded.as_deref(), Some(covered.as_str()));

    // A tenant recorded as covered is skipped at start: with the record
    // planted for a version that would flag the other candidate, nothing
    // is re-screened or sent.
    app2.pause().await;
    let imported = import_with_cli(&app2, dir.path(), &song_il_gwang());
    app2.store
        .record_rescreened(tenant, &format!("us_ofac_sdn={imported}"))
        .await
        .unwrap();
    let path = dir.path().to_path_buf();
    let app3 = TestApp::restart_with(&app2, move |c| with_list_in(c, &path)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.accepted().len(), 1);
    assert_eq!(
        history_triggers(&app3, &key, &other_id).await,
        ["candidate_created"]
    );
    app3.stop().await;
    app2.stop().await;
    app.stop().await;
    receiver_handle.stop(true).await;
}

on_each_backend!(
    clean_is_clear_anydesk_in_shanghai_is_review_sdn_is_block,
    missing_lists_are_never_clear,
    webhooks_are_signed_retried_and_survive_a_restart,
    private_targets_are_refused_unless_configured,
    alert_email_waits_for_smtp_and_arrives,
    bad_policies_are_refused_naming_the_line,
    a_candidate_listed_after_applying_is_rescreened,
    lists_imported_while_no_server_ran_rescreen_at_start,
);
