//! Device telemetry: realistic osquery payloads evaluated against the
//! curated indicators plus feeds loaded from fixture files, stored per
//! candidate, and linked across candidates.

use serde_json::{json, Value};

use crate::harness::{json_of, Backend, TestApp};
use crate::on_each_backend;
use hirevet::config::IndicatorFeed;
use hirevet::indicators::feeds::FeedKind;

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn payload(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("telemetry/{name}"))).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn feed(id: &str, kind: FeedKind, file: &str, country: Option<&str>) -> IndicatorFeed {
    IndicatorFeed {
        id: id.into(),
        kind,
        locations: vec![fixture(&format!("indicators/{file}"))],
        country: country.map(String::from),
        enabled: true,
    }
}

async fn app_with_feeds(backend: Backend, extra: Vec<IndicatorFeed>) -> Option<TestApp> {
    TestApp::spawn_with(backend, move |config| {
        config.indicators.auto_refresh = false;
        config.indicators.feeds = vec![
            feed(
                "country_us",
                FeedKind::IpCountry,
                "country_us.txt",
                Some("US"),
            ),
            feed(
                "country_cn",
                FeedKind::IpCountry,
                "country_cn.txt",
                Some("CN"),
            ),
            feed("vpn", FeedKind::IpVpn, "vpn.txt", None),
            feed("hosting", FeedKind::IpHostingRanges, "hosting.csv", None),
            feed("tor", FeedKind::IpTor, "tor.txt", None),
        ];
        config.indicators.feeds.extend(extra.clone());
    })
    .await
}

async fn candidate(app: &TestApp, key: &str, external_id: &str, extra: Value) -> String {
    let mut body = json!({
        "external_id": external_id,
        "full_name": "Jordan Miller",
        "claimed_location": {"country": "US", "city": "Dallas", "timezone": "America/Chicago"}
    });
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let (status, created) = json_of(app.post("/v1/candidates", key, &body).await).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_string()
}

async fn post_telemetry(app: &TestApp, key: &str, id: &str, body: &Value) -> Value {
    let (status, report) = json_of(
        app.post(&format!("/v1/candidates/{id}/telemetry"), key, body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{report}");
    report
}

fn by_category<'a>(signals: &'a Value, category: &str) -> Vec<&'a Value> {
    signals
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["category"] == category)
        .collect()
}

async fn laptop_farm_payload_raises_every_device_and_network_category(backend: Backend) {
    let Some(app) = app_with_feeds(backend, Vec::new()).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let id = candidate(&app, &key, "farm-1", json!({})).await;
    let report = post_telemetry(&app, &key, &id, &payload("windows_farm_laptop.json")).await;
    let signals = &report["signals"];

    let rmm = by_category(signals, "remote_access_software");
    let anydesk = rmm
        .iter()
        .find(|s| s["summary"].as_str().unwrap().contains("AnyDesk"))
        .unwrap_or_else(|| panic!("no AnyDesk signal: {signals}"));
    assert_eq!(anydesk["code"], "rmm_connected");
    assert_eq!(anydesk["severity"], "critical");
    assert!(anydesk["summary"]
        .as_str()
        .unwrap()
        .contains("185.229.191.39"));

    let vpn = by_category(signals, "vpn_or_proxy");
    assert!(
        vpn.iter()
            .any(|s| s["summary"].as_str().unwrap().contains("Astrill")),
        "Astrill client: {signals}"
    );
    assert!(
        vpn.iter().any(|s| s["code"] == "vpn_network"
            && s["summary"].as_str().unwrap().contains("104.243.20.7")),
        "VPN range from the feed: {signals}"
    );

    let kvm = by_category(signals, "ip_kvm");
    assert!(
        kvm.iter()
            .any(|s| s["code"] == "ipkvm_usb_device" && s["severity"] == "critical"),
        "{signals}"
    );
    assert!(
        kvm.iter().any(|s| s["code"] == "ipkvm_display"),
        "{signals}"
    );

    let country = by_category(signals, "high_risk_country");
    assert_eq!(country.len(), 1, "{signals}");
    assert!(country[0]["summary"]
        .as_str()
        .unwrap()
        .contains("CN (36.110.4.21)"));
    assert_eq!(
        country[0]["evidence"]["addresses"][0]["seen_in"][0],
        "browser.webrtc_ips"
    );

    let tz: Vec<&str> = by_category(signals, "timezone_mismatch")
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        tz,
        ["browser_timezone_mismatch", "system_timezone_mismatch"]
    );
    let lang = by_category(signals, "language_mismatch");
    assert_eq!(lang[0]["code"], "language_ko_kp");
    assert!(lang[0]["summary"].as_str().unwrap().contains("ko-KP"));
    // A US address on a US claim is not a mismatch.
    assert!(
        by_category(signals, "ip_location_mismatch").is_empty(),
        "{signals}"
    );

    // Stored, listed newest first, and readable with the report as posted
    // (the unknown table included).
    let (_, listed) = json_of(
        app.get(&format!("/v1/candidates/{id}/telemetry"), &key)
            .await,
    )
    .await;
    assert_eq!(listed["data"][0]["id"], report["id"]);
    assert_eq!(listed["data"][0]["context"], "onboarding");
    assert!(listed["data"][0].get("report").is_none());
    let (_, one) = json_of(
        app.get(
            &format!(
                "/v1/candidates/{id}/telemetry/{}",
                report["id"].as_str().unwrap()
            ),
            &key,
        )
        .await,
    )
    .await;
    assert_eq!(
        one["report"]["osquery"]["some_agent_extension_table"][0]["anything"]["nested"],
        true
    );
    assert_eq!(one["signals"], listed["data"][0]["signals"]);
    app.stop().await;
}

async fn network_categories_from_feeds(backend: Backend) {
    let Some(app) = app_with_feeds(backend, Vec::new()).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let id = candidate(&app, &key, "net-1", json!({})).await;
    let body = json!({
        "collected_at": "2026-07-01T14:00:00Z",
        "network": {"ip": "175.45.178.9", "forwarded_for": ["185.220.101.33", "45.76.10.10"]},
        "browser": {"utc_offset_minutes": 540, "webrtc_ips": ["8.8.8.8"]},
        "osquery": {"system_info": [{"hostname": "WIN-7K2", "hardware_vendor": "QEMU",
                                      "hardware_model": "Standard PC (Q35 + ICH9, 2009)"}]}
    });
    let report = post_telemetry(&app, &key, &id, &body).await;
    let signals = &report["signals"];
    let code_of = |cat: &str| -> Vec<String> {
        by_category(signals, cat)
            .iter()
            .map(|s| {
                format!(
                    "{}:{}",
                    s["code"].as_str().unwrap(),
                    s["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        code_of("dprk_network"),
        ["dprk_network:critical"],
        "{signals}"
    );
    assert_eq!(code_of("tor_exit"), ["tor_exit:high"]);
    assert_eq!(code_of("hosting_network"), ["hosting_network:medium"]);
    assert!(by_category(signals, "hosting_network")[0]["summary"]
        .as_str()
        .unwrap()
        .contains("Vultr Holdings"));
    assert_eq!(code_of("timezone_mismatch"), ["utc_offset_mismatch:high"]);
    assert_eq!(code_of("virtual_machine"), ["virtual_machine:medium"]);
    assert!(by_category(signals, "virtual_machine")[0]["summary"]
        .as_str()
        .unwrap()
        .contains("QEMU"));
    app.stop().await;

    // A claimed country the IP does not match, with no VPN to explain it.
    let Some(app) = app_with_feeds(backend, Vec::new()).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let de = candidate(
        &app,
        &key,
        "net-2",
        json!({"claimed_location": {"country": "DE"}}),
    )
    .await;
    let report = post_telemetry(
        &app,
        &key,
        &de,
        &json!({"collected_at": "2026-07-01T14:00:00Z", "network": {"ip": "8.8.8.8"}}),
    )
    .await;
    let mismatch = by_category(&report["signals"], "ip_location_mismatch");
    assert_eq!(mismatch.len(), 1, "{report}");
    assert_eq!(
        mismatch[0]["summary"],
        "The connection came from US (8.8.8.8) although the candidate claims to live in DE."
    );
    app.stop().await;
}

async fn developer_laptops_raise_nothing(backend: Backend) {
    let Some(app) = app_with_feeds(backend, Vec::new()).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write", "admin"])
        .await;
    // The office VPN is the tenant's own tool.
    let (status, settings) = json_of(
        app.client
            .put(app.url("/v1/settings"))
            .bearer_auth(&key)
            .json(&json!({"allowed_software": ["GlobalProtect", "OpenVPN"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    for (n, name) in ["macos_developer_clean.json", "linux_developer_clean.json"]
        .iter()
        .enumerate()
    {
        let id = candidate(&app, &key, &format!("dev-{n}"), json!({})).await;
        let report = post_telemetry(&app, &key, &id, &payload(name)).await;
        assert_eq!(report["signals"], json!([]), "{name}");
    }
    app.stop().await;
}

async fn malformed_rows_are_named_and_nothing_is_stored(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let id = candidate(&app, &key, "bad-1", json!({})).await;
    let (status, problem) = json_of(
        app.post(
            &format!("/v1/candidates/{id}/telemetry"),
            &key,
            &json!({
                "collected_at": "yesterday",
                "osquery": {
                    "processes": [{"pid": "1", "name": "init"}, {"pid": "two"}],
                    "usb_devices": "none",
                    "vendor_table": [1, 2]
                }
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "collected_at",
            "osquery.processes[1].pid",
            "osquery.usb_devices"
        ]
    );
    let (_, listed) = json_of(
        app.get(&format!("/v1/candidates/{id}/telemetry"), &key)
            .await,
    )
    .await;
    assert_eq!(listed["data"], json!([]));
    app.stop().await;
}

async fn large_process_lists_fit_the_telemetry_limit(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let id = candidate(&app, &key, "big-1", json!({})).await;
    // ~3 MiB: over the 1 MiB default body limit, under telemetry's 10 MiB.
    let processes: Vec<Value> = (0..12_000)
        .map(|pid| {
            json!({"pid": pid.to_string(), "name": format!("worker-{pid}"),
            "path": format!("/opt/app/bin/worker-{pid}"), "cmdline": "x".repeat(150)})
        })
        .collect();
    let body = json!({"collected_at": "2026-07-01T14:00:00Z", "osquery": {"processes": processes}});
    assert!(body.to_string().len() > 2 * 1024 * 1024);
    let report = post_telemetry(&app, &key, &id, &body).await;
    assert_eq!(report["signals"], json!([]));
    // Over 10 MiB is refused with 413.
    let huge =
        json!({"collected_at": "2026-07-01T14:00:00Z", "padding": "x".repeat(11 * 1024 * 1024)});
    let (status, _) = json_of(
        app.post(&format!("/v1/candidates/{id}/telemetry"), &key, &huge)
            .await,
    )
    .await;
    assert_eq!(status, 413);
    app.stop().await;
}

async fn three_candidates_on_one_device_and_phone_are_linked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let device = |n: u32| {
        json!({
            "collected_at": format!("2026-07-0{n}T14:00:00Z"),
            "osquery": {"system_info": [{"uuid": "4C4C4544-0042-3510-8052-B4C04F564433",
                                          "hardware_serial": "B5RV433"}]}
        })
    };
    let mut ids = Vec::new();
    for n in 1..=3 {
        let id = candidate(
            &app,
            &key,
            &format!("farm-{n}"),
            json!({"phones": ["+1 214 555 0199"], "full_name": format!("Person {n}")}),
        )
        .await;
        post_telemetry(&app, &key, &id, &device(n)).await;
        ids.push(id);
    }
    // A fourth candidate on other hardware is linked to nobody.
    let loner = candidate(&app, &key, "solo", json!({})).await;
    let report = post_telemetry(
        &app,
        &key,
        &loner,
        &json!({"collected_at": "2026-07-04T14:00:00Z",
                "osquery": {"system_info": [{"uuid": "11111111-2222-3333-4444-555555555555"}]}}),
    )
    .await;
    assert_eq!(report["signals"], json!([]));

    for (n, id) in ids.iter().enumerate() {
        let report = post_telemetry(&app, &key, id, &device(5)).await;
        let reuse = by_category(&report["signals"], "identity_reuse");
        let codes: Vec<&str> = reuse.iter().map(|s| s["code"].as_str().unwrap()).collect();
        assert_eq!(
            codes,
            ["shared_device_uuid", "shared_device_serial", "shared_phone"],
            "{report}"
        );
        let others: Vec<String> = (1..=3)
            .filter(|m| *m != n + 1)
            .map(|m| format!("farm-{m}"))
            .collect();
        for signal in reuse {
            let linked: Vec<&str> = signal["evidence"]["linked_candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["external_id"].as_str().unwrap())
                .collect();
            let mut linked = linked;
            linked.sort();
            assert_eq!(linked, others, "{signal}");
            assert!(signal["summary"]
                .as_str()
                .unwrap()
                .contains(&format!("{}, {}", others[0], others[1])));
        }
    }
    // Erasing one candidate removes it from the others' links.
    let (status, _) = json_of(
        app.client
            .delete(app.url(&format!("/v1/candidates/{}", ids[2])))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // Its reports and assessments went with it.
    for what in ["telemetry", "assessments"] {
        let (_, listed) = json_of(
            app.get(&format!("/v1/candidates/{}/{what}", ids[2]), &key)
                .await,
        )
        .await;
        assert_eq!(listed["data"], json!([]), "{what}");
    }
    let report = post_telemetry(&app, &key, &ids[0], &device(6)).await;
    let reuse = by_category(&report["signals"], "identity_reuse");
    assert!(
        reuse
            .iter()
            .all(|s| s["summary"].as_str().unwrap().ends_with(": farm-2.")),
        "{report}"
    );
    app.stop().await;
}

async fn lolrmm_feed_detects_a_tool_missing_from_the_curated_catalog(backend: Backend) {
    let path = format!(
        "{}/../shared/data/indicators/lolrmm/website/public/api/rmm_tools.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if !std::path::Path::new(&path).exists() {
        eprintln!("skipping: LOLRMM catalog not found at {path}");
        return;
    }
    let lolrmm = IndicatorFeed {
        id: "lolrmm".into(),
        kind: FeedKind::RmmLolrmmJson,
        locations: vec![path],
        country: None,
        enabled: true,
    };
    let Some(app) = app_with_feeds(backend, vec![lolrmm]).await else {
        return;
    };
    let (_, key) = app
        .tenant_with_key(&["candidates:read", "candidates:write"])
        .await;
    let (_, status) = json_of(app.get("/v1/indicators", &key).await).await;
    let feed = status["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "lolrmm")
        .unwrap();
    assert_eq!(feed["entries"], 319, "{status}");
    assert!(feed["version"].as_str().unwrap().starts_with("sha256:"));
    assert!(status["versions"]["lolrmm"].is_string());

    let id = candidate(&app, &key, "lol-1", json!({})).await;
    let body = json!({
        "collected_at": "2026-07-01T14:00:00Z",
        "osquery": {"processes": [{"pid": "900", "name": LOLRMM_ONLY_PROCESS,
                                   "path": LOLRMM_ONLY_PATH}]}
    });
    let report = post_telemetry(&app, &key, &id, &body).await;
    let rmm = by_category(&report["signals"], "remote_access_software");
    assert_eq!(rmm.len(), 1, "{report}");
    assert!(
        rmm[0]["summary"]
            .as_str()
            .unwrap()
            .contains(LOLRMM_ONLY_TOOL),
        "{report}"
    );
    app.stop().await;
}

// A tool LOLRMM lists and the curated catalog does not (checked by a unit
// test in `indicators::rmm`).
const LOLRMM_ONLY_TOOL: &str = "Action1";
const LOLRMM_ONLY_PROCESS: &str = "action1_agent.exe";
const LOLRMM_ONLY_PATH: &str = r"C:\Windows\Action1\action1_agent.exe";

on_each_backend!(
    laptop_farm_payload_raises_every_device_and_network_category,
    network_categories_from_feeds,
    developer_laptops_raise_nothing,
    malformed_rows_are_named_and_nothing_is_stored,
    large_process_lists_fit_the_telemetry_limit,
    three_candidates_on_one_device_and_phone_are_linked,
    lolrmm_feed_detects_a_tool_missing_from_the_curated_catalog,
);
