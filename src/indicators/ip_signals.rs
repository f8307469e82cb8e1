//! What the candidate's IP addresses say: DPRK ranges, Tor, VPN and hosting
//! networks, watched countries, and an IP country that differs from the
//! claimed one. Each address is looked up in the live [`IpIntel`]; the
//! observed IP, the forwarded-for chain and WebRTC addresses all count,
//! because WebRTC often shows the real address behind a VPN.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::{json, Value};

use super::consistency::ClaimedPlace;
use super::network::{is_public, IpFacts, IpIntel};
use super::signal::{Category, Severity, Signal};
use crate::domain::telemetry::Telemetry;

/// Where an address appeared in the report.
fn sources(t: &Telemetry, ip: IpAddr) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(net) = &t.network {
        if net.ip == Some(ip) {
            out.push("network.ip");
        }
        if net.forwarded_for.contains(&ip) {
            out.push("network.forwarded_for");
        }
    }
    if t.browser
        .as_ref()
        .is_some_and(|b| b.webrtc_ips.contains(&ip))
    {
        out.push("browser.webrtc_ips");
    }
    out
}

fn watched_country_severity(cc: &str) -> Option<Severity> {
    match cc {
        "KP" => Some(Severity::Critical),
        "CN" | "RU" => Some(Severity::High),
        _ => None,
    }
}

struct Finding {
    category: Category,
    severity: Severity,
    evidence: Vec<Value>,
    addresses: Vec<String>,
    detail: String,
}

/// One signal per code, each naming every address behind it.
pub fn ip_signals(intel: &IpIntel, claim: &ClaimedPlace, t: &Telemetry) -> Vec<Signal> {
    let mut found: BTreeMap<&'static str, Finding> = BTreeMap::new();
    let mut add = |code: &'static str,
                   category: Category,
                   severity: Severity,
                   ip: IpAddr,
                   facts: &IpFacts,
                   detail: String| {
        let f = found.entry(code).or_insert_with(|| Finding {
            category,
            severity,
            evidence: Vec::new(),
            addresses: Vec::new(),
            detail,
        });
        f.severity = f.severity.max(severity);
        f.addresses.push(ip.to_string());
        f.evidence.push(json!({
            "ip": ip.to_string(), "seen_in": sources(t, ip), "country": facts.country,
            "vpn": facts.vpn, "hosting": facts.hosting, "tor": facts.tor,
            "provider": facts.provider, "dprk": facts.dprk,
        }));
    };
    for ip in t.ips() {
        if !is_public(ip) {
            continue;
        }
        let facts = intel.lookup(ip);
        let country = facts.country.map(|c| c.as_str().to_string());
        if let Some(note) = facts.dprk {
            let severity = if country.as_deref() == Some("KP") {
                Severity::Critical
            } else {
                Severity::High
            };
            add(
                "dprk_network",
                Category::DprkNetwork,
                severity,
                ip,
                &facts,
                note.to_string(),
            );
        }
        if facts.tor {
            add(
                "tor_exit",
                Category::TorExit,
                Severity::High,
                ip,
                &facts,
                String::new(),
            );
        }
        if facts.vpn {
            add(
                "vpn_network",
                Category::VpnOrProxy,
                Severity::Medium,
                ip,
                &facts,
                String::new(),
            );
        }
        if facts.hosting {
            let provider = facts.provider.unwrap_or("a hosting provider").to_string();
            add(
                "hosting_network",
                Category::HostingNetwork,
                Severity::Medium,
                ip,
                &facts,
                provider,
            );
        }
        let Some(cc) = country else {
            continue;
        };
        if let Some(severity) = watched_country_severity(&cc) {
            if claim.country.as_deref() != Some(cc.as_str()) {
                add(
                    "high_risk_country",
                    Category::HighRiskCountry,
                    severity,
                    ip,
                    &facts,
                    cc,
                );
            }
        } else if claim
            .country
            .as_deref()
            .is_some_and(|claimed| claimed != cc)
            && !facts.is_flagged()
        {
            // VPN and hosting addresses have their own signal; their
            // country says where the server is, not the person.
            add(
                "ip_country_mismatch",
                Category::IpLocationMismatch,
                Severity::Medium,
                ip,
                &facts,
                cc,
            );
        }
    }
    let claimed = claim.country.as_deref().unwrap_or("an undisclosed country");
    found
        .into_iter()
        .map(|(code, f)| {
            let ips = f.addresses.join(", ");
            let summary = match code {
                "dprk_network" => format!(
                    "The connection came from {ips}, a network used by North Korea ({}).",
                    f.detail
                ),
                "tor_exit" => format!("The connection came through the Tor network ({ips})."),
                "vpn_network" => format!("The connection came through a known VPN ({ips})."),
                "hosting_network" => format!(
                    "The connection came from a server of {} ({ips}), not a home or office network.",
                    f.detail
                ),
                "high_risk_country" => format!(
                    "The connection came from {} ({ips}) although the candidate claims to live in {claimed}.",
                    f.detail
                ),
                _ => format!(
                    "The connection came from {} ({ips}) although the candidate claims to live in {claimed}.",
                    f.detail
                ),
            };
            Signal::new(code, f.category, f.severity, summary, json!({"addresses": f.evidence}))
        })
        .collect()
}
