//! Evaluation time of one telemetry report with a 2,000-process osquery
//! payload (plus 300 programs, 100 listening ports, 500 open sockets, USB
//! devices, displays and an ARP cache) against the indicator set: the
//! curated defaults merged with the full LOLRMM catalog (319 tools, when
//! `../shared/data` is present) and the fixture IP feeds.
//!
//! `cargo bench --bench telemetry`
//!
//! Two figures: parsing the JSON body into domain types, and evaluating the
//! parsed report (every detector: remote access, IP-KVM, IP, consistency).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};

use hirevet::domain::telemetry::Telemetry;
use hirevet::indicators::consistency::ClaimedPlace;
use hirevet::indicators::feeds::{FeedContent, FeedKind, SetBuilder};
use hirevet::indicators::rmm::SoftwareAllowList;
use hirevet::indicators::IndicatorSet;

const ORDINARY: &[(&str, &str)] = &[
    ("svchost.exe", "C:\\Windows\\System32\\svchost.exe"),
    (
        "chrome.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    ),
    (
        "Code.exe",
        "C:\\Users\\dev\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe",
    ),
    ("node.exe", "C:\\Program Files\\nodejs\\node.exe"),
    (
        "Slack.exe",
        "C:\\Users\\dev\\AppData\\Local\\slack\\app-4.41.97\\slack.exe",
    ),
    (
        "Zoom.exe",
        "C:\\Users\\dev\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe",
    ),
    (
        "RuntimeBroker.exe",
        "C:\\Windows\\System32\\RuntimeBroker.exe",
    ),
    ("conhost.exe", "C:\\Windows\\System32\\conhost.exe"),
];

/// A busy Windows developer machine with AnyDesk running and connected.
fn payload() -> Value {
    let mut processes = Vec::with_capacity(2000);
    for pid in 0..2000u32 {
        let (name, path) = ORDINARY[pid as usize % ORDINARY.len()];
        processes.push(json!({
            "pid": (1000 + pid).to_string(), "name": name, "path": path,
            "cmdline": format!("\"{path}\" --type=renderer --field-trial-handle={pid}"),
            "parent": "640"
        }));
    }
    processes.push(json!({"pid": "9999", "name": "AnyDesk.exe",
        "path": "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe", "cmdline": "AnyDesk.exe --service"}));
    let programs: Vec<Value> = (0..300)
        .map(|i| json!({"name": format!("Contoso Tool {i}"), "version": "1.0", "publisher": "Contoso Ltd"}))
        .collect();
    let ports: Vec<Value> = (0..100)
        .map(|i| json!({"pid": (1000 + i).to_string(), "port": (49000 + i).to_string(), "protocol": "6", "family": "2", "address": "127.0.0.1"}))
        .collect();
    let mut sockets: Vec<Value> = (0..500)
        .map(|i| json!({"pid": (1000 + i).to_string(), "remote_address": format!("20.190.{}.{}", i / 200, i % 200),
            "remote_port": "443", "local_port": (50000 + i).to_string(), "state": "ESTABLISHED"}))
        .collect();
    sockets.push(json!({"pid": "9999", "remote_address": "185.229.191.39", "remote_port": "443", "state": "ESTABLISHED"}));
    let usb: Vec<Value> = (0..50)
        .map(|i| json!({"vendor": "Logitech", "vendor_id": "046d", "model": format!("Receiver {i}"), "model_id": "c52b"}))
        .collect();
    let arp: Vec<Value> = (0..100)
        .map(|i| json!({"address": format!("192.168.1.{i}"), "mac": format!("f0:9f:c2:11:22:{i:02x}")}))
        .collect();
    json!({
        "collected_at": "2026-07-01T14:00:00Z",
        "network": {"ip": "8.8.8.8", "forwarded_for": ["104.243.20.7"]},
        "browser": {"timezone": "Asia/Shanghai", "languages": ["en-US", "ko-KP"], "webrtc_ips": ["36.110.4.21"]},
        "osquery": {
            "processes": processes, "programs": programs, "listening_ports": ports,
            "process_open_sockets": sockets, "usb_devices": usb, "arp_cache": arp,
            "connected_displays": [{"name": "DELL U2720Q", "manufacturer": "DEL"}],
            "system_info": [{"uuid": "4C4C4544-0042-3510-8052-B4C04F564433", "hardware_vendor": "Dell Inc."}],
            "time": [{"local_timezone": "China Standard Time"}]
        }
    })
}

fn indicator_set() -> IndicatorSet {
    let mut builder = SetBuilder::new();
    let root = env!("CARGO_MANIFEST_DIR");
    let lolrmm =
        format!("{root}/../shared/data/indicators/lolrmm/website/public/api/rmm_tools.json");
    match std::fs::read(&lolrmm) {
        Ok(bytes) => {
            let feed = FeedContent {
                id: "lolrmm".into(),
                kind: FeedKind::RmmLolrmmJson,
                country: None,
                files: vec![("rmm_tools.json".into(), bytes)],
            };
            builder.apply(&feed).expect("LOLRMM loads");
        }
        Err(_) => eprintln!("LOLRMM catalog absent ({lolrmm}): curated catalog only"),
    }
    for (kind, file, country) in [
        (FeedKind::IpCountry, "country_us.txt", Some("US")),
        (FeedKind::IpCountry, "country_cn.txt", Some("CN")),
        (FeedKind::IpVpn, "vpn.txt", None),
    ] {
        let bytes = std::fs::read(format!("{root}/tests/fixtures/indicators/{file}")).unwrap();
        builder
            .apply(&FeedContent {
                id: file.into(),
                kind,
                country: country.map(String::from),
                files: vec![(file.into(), bytes)],
            })
            .unwrap();
    }
    builder.build()
}

fn bench(c: &mut Criterion) {
    let body = payload();
    let set = indicator_set();
    let claim = ClaimedPlace {
        country: Some("US".into()),
        timezone: Some("America/Chicago".into()),
    };
    let allow = SoftwareAllowList::default();
    let report = Telemetry::parse(&body).expect("payload parses");
    let signals = set.evaluate(&claim, &allow, &report);
    let codes: Vec<&str> = signals.iter().map(|s| s.code.as_str()).collect();
    assert!(codes.contains(&"rmm_connected"), "{codes:?}");
    eprintln!(
        "tools in catalog: {}; signals raised: {codes:?}",
        set.rmm.len()
    );
    let mut group = c.benchmark_group("telemetry_2000_processes");
    group.bench_function("parse", |b| b.iter(|| Telemetry::parse(black_box(&body))));
    group.bench_function("evaluate", |b| {
        b.iter(|| set.evaluate(black_box(&claim), &allow, black_box(&report)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
