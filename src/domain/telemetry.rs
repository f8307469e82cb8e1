//! One telemetry report about a candidate's device and session, as an HR
//! platform or an onboarding check posts it: the network the request came
//! from, what the browser says about itself, and osquery tables from the
//! device. `Telemetry::parse` is the only way in and reports every bad field.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::fields::{FieldErrors, ObjectReader};
use super::osquery::OsqueryTables;
use super::values::{clean_text, TimeZone};

const FIELDS: &[&str] = &["collected_at", "context", "network", "browser", "osquery"];
const MAX_IPS: usize = 32;
const MAX_TAGS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TelemetryContext {
    Interview,
    Onboarding,
    DeviceCheck,
    Other,
}

impl TelemetryContext {
    pub fn as_str(self) -> &'static str {
        match self {
            TelemetryContext::Interview => "interview",
            TelemetryContext::Onboarding => "onboarding",
            TelemetryContext::DeviceCheck => "device_check",
            TelemetryContext::Other => "other",
        }
    }

    fn parse(raw: &str) -> Result<TelemetryContext, String> {
        Ok(match raw {
            "interview" => TelemetryContext::Interview,
            "onboarding" => TelemetryContext::Onboarding,
            "device_check" => TelemetryContext::DeviceCheck,
            "other" => TelemetryContext::Other,
            _ => return Err("must be one of interview, onboarding, device_check, other".into()),
        })
    }
}

/// Where the request came from, as the HR platform saw it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkPart {
    pub ip: Option<IpAddr>,
    /// The `X-Forwarded-For` chain, client first.
    pub forwarded_for: Vec<IpAddr>,
}

/// What the candidate's browser reported about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowserPart {
    pub timezone: Option<TimeZone>,
    /// Minutes east of UTC (`-new Date().getTimezoneOffset()`).
    pub utc_offset_minutes: Option<i32>,
    /// BCP 47 tags, most preferred first, e.g. `ko-KP`.
    pub languages: Vec<String>,
    /// Layout names as the browser or OS reports them (`ko-KR`, `00000412`,
    /// `com.apple.keylayout.2SetKorean`…).
    pub keyboard_layouts: Vec<String>,
    pub user_agent: Option<String>,
    pub webrtc_ips: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Telemetry {
    pub collected_at: DateTime<Utc>,
    pub context: TelemetryContext,
    pub network: Option<NetworkPart>,
    pub browser: Option<BrowserPart>,
    pub osquery: OsqueryTables,
}

impl Telemetry {
    pub fn parse(body: &Value) -> Result<Telemetry, FieldErrors> {
        let mut errs = FieldErrors::default();
        let Some(obj) = ObjectReader::new(body, "", &mut errs) else {
            return Err(errs);
        };
        obj.deny_unknown(FIELDS, &mut errs);
        let collected_at = obj.parsed_req("collected_at", &mut errs, parse_timestamp);
        let context = obj.parsed_opt("context", &mut errs, TelemetryContext::parse);
        let network = obj
            .object_opt("network", &mut errs)
            .map(|o| parse_network(&o, &mut errs));
        let browser = obj
            .object_opt("browser", &mut errs)
            .map(|o| parse_browser(&o, &mut errs));
        let osquery = obj
            .get("osquery")
            .map(|v| OsqueryTables::parse(v, "osquery", &mut errs))
            .unwrap_or_default();
        match collected_at {
            Some(collected_at) if errs.is_empty() => Ok(Telemetry {
                collected_at,
                context: context.unwrap_or(TelemetryContext::Other),
                network,
                browser,
                osquery,
            }),
            _ => Err(errs),
        }
    }

    /// Every IP address the report names, the observed one first.
    pub fn ips(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        if let Some(net) = &self.network {
            out.extend(net.ip);
            out.extend(&net.forwarded_for);
        }
        if let Some(browser) = &self.browser {
            out.extend(&browser.webrtc_ips);
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|ip| seen.insert(*ip));
        out
    }
}

fn parse_timestamp(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "must be an RFC 3339 timestamp such as 2026-11-29T10:00:00Z".into())
}

fn parse_ip(raw: &str) -> Result<IpAddr, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("must be an IPv4 or IPv6 address (got {raw:?})"))
}

fn parse_network(obj: &ObjectReader, errs: &mut FieldErrors) -> NetworkPart {
    obj.deny_unknown(&["ip", "forwarded_for"], errs);
    NetworkPart {
        ip: obj.parsed_opt("ip", errs, parse_ip),
        forwarded_for: obj.parsed_strings("forwarded_for", MAX_IPS, errs, parse_ip),
    }
}

fn parse_browser(obj: &ObjectReader, errs: &mut FieldErrors) -> BrowserPart {
    obj.deny_unknown(
        &[
            "timezone",
            "utc_offset_minutes",
            "languages",
            "keyboard_layouts",
            "user_agent",
            "webrtc_ips",
        ],
        errs,
    );
    let utc_offset_minutes = match obj.get("utc_offset_minutes") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(m) if (-14 * 60..=14 * 60).contains(&m) => Some(m as i32),
            _ => {
                errs.push(
                    obj.path("utc_offset_minutes"),
                    "must be an integer between -840 and 840",
                );
                None
            }
        },
    };
    BrowserPart {
        timezone: obj.parsed_opt("timezone", errs, TimeZone::parse),
        utc_offset_minutes,
        languages: obj.parsed_strings("languages", MAX_TAGS, errs, parse_language),
        keyboard_layouts: obj.parsed_strings("keyboard_layouts", MAX_TAGS, errs, |s| {
            clean_text(s, 1, 100)
        }),
        user_agent: obj.parsed_opt("user_agent", errs, |s| clean_text(s, 1, 1000)),
        webrtc_ips: obj.parsed_strings("webrtc_ips", MAX_IPS, errs, parse_ip),
    }
}

/// A BCP 47 language tag, loosely: letters, digits and hyphens, with a
/// 2-8 letter primary subtag. Browsers send `*` and `q=` weights only in
/// headers, never in `navigator.languages`.
fn parse_language(raw: &str) -> Result<String, String> {
    let tag = raw.trim();
    let mut parts = tag.split(['-', '_']);
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(tag.replace('_', "-"))
    } else {
        Err(format!(
            "must be a BCP 47 language tag such as en-US (got {raw:?})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_report_parses_into_parts() {
        let t = Telemetry::parse(&json!({
            "collected_at": "2026-11-29T10:00:00+01:00",
            "context": "interview",
            "network": {"ip": "203.0.113.9", "forwarded_for": ["198.51.100.1"]},
            "browser": {
                "timezone": "Asia/Shanghai", "utc_offset_minutes": 480,
                "languages": ["zh_CN", "en-US"], "keyboard_layouts": ["00000804"],
                "webrtc_ips": ["203.0.113.9", "10.0.0.2"]
            },
            "osquery": {"processes": [{"pid": 4, "name": "System"}]}
        }))
        .unwrap();
        assert_eq!(t.collected_at.to_rfc3339(), "2026-11-29T09:00:00+00:00");
        assert_eq!(t.context, TelemetryContext::Interview);
        let b = t.browser.as_ref().unwrap();
        assert_eq!(b.languages, ["zh-CN", "en-US"]);
        assert_eq!(b.utc_offset_minutes, Some(480));
        let ips: Vec<String> = t.ips().iter().map(|i| i.to_string()).collect();
        assert_eq!(ips, ["203.0.113.9", "198.51.100.1", "10.0.0.2"]);
        assert_eq!(t.osquery.rows("processes")[0].get("name"), Some("System"));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errs = Telemetry::parse(&json!({
            "context": "lunch",
            "network": {"ip": "300.1.1.1"},
            "browser": {"timezone": "Mars/Base", "utc_offset_minutes": 2000, "languages": ["!!"]},
            "osquery": {"processes": [{"pid": "abc"}]},
            "extra": 1
        }))
        .unwrap_err();
        let fields: Vec<&str> = errs.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "extra",
                "collected_at",
                "context",
                "network.ip",
                "browser.utc_offset_minutes",
                "browser.timezone",
                "browser.languages[0]",
                "osquery.processes[0].pid"
            ]
        );
    }
}
