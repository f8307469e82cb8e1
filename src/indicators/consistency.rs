//! Does the device fit the place the candidate claims to live? Compares the
//! claimed country and time zone with the browser's and the system's clock,
//! the browser's languages and keyboard layouts, and looks for virtual
//! machines. The IP side of the same question lives in `ip_signals`.
//!
//! The rules are deliberately forgiving where honest people differ (a
//! neighbouring country's zone at the same offset, English plus a heritage
//! language): the queue must not fill with Korean-Americans and travellers.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{DateTime, Offset, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::signal::{Category, Severity, Signal};
use crate::domain::telemetry::Telemetry;
use crate::domain::CandidateData;

/// Countries whose clocks and languages DPRK workers most often show.
const WATCHED_COUNTRIES: &[&str] = &["KP", "CN", "RU"];

/// What the candidate says about where they live.
#[derive(Debug, Clone, Default)]
pub struct ClaimedPlace {
    pub country: Option<String>,
    pub timezone: Option<String>,
}

impl ClaimedPlace {
    /// The candidate's claimed country and time zone.
    pub fn of(data: &CandidateData) -> ClaimedPlace {
        let loc = data.claimed_location();
        ClaimedPlace {
            country: loc.map(|l| l.country.as_str().to_string()),
            timezone: loc
                .and_then(|l| l.timezone.as_ref())
                .map(|t| t.as_str().to_string()),
        }
    }
}

struct ZoneTable {
    country_of: HashMap<&'static str, &'static str>,
    zones_of: HashMap<&'static str, Vec<Tz>>,
}

fn zones() -> &'static ZoneTable {
    static TABLE: OnceLock<ZoneTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut country_of = HashMap::new();
        let mut zones_of: HashMap<&str, Vec<Tz>> = HashMap::new();
        for line in include_str!("../../indicators/zone_countries.tsv").lines() {
            let Some((zone, cc)) = line.split_once('\t') else {
                continue;
            };
            if line.starts_with('#') {
                continue;
            }
            country_of.insert(zone, cc);
            if let Ok(tz) = Tz::from_str(zone) {
                zones_of.entry(cc).or_default().push(tz);
            }
        }
        ZoneTable {
            country_of,
            zones_of,
        }
    })
}

/// The country an IANA zone belongs to, if it is a country's zone.
pub fn zone_country(zone: &str) -> Option<&'static str> {
    zones().country_of.get(zone).copied()
}

fn offset_minutes(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

/// UTC offsets (minutes) in use in `country` at `at`.
fn country_offsets(country: &str, at: DateTime<Utc>) -> Vec<i32> {
    let mut out: Vec<i32> = zones()
        .zones_of
        .get(country)
        .map(|zs| zs.iter().map(|tz| offset_minutes(*tz, at)).collect())
        .unwrap_or_default();
    out.sort_unstable();
    out.dedup();
    out
}

/// Windows time zone names and the unambiguous abbreviations osquery's
/// `time.local_timezone` reports, mapped to the countries that use them.
/// `CST` is left out on purpose: it is China and US Central alike.
fn system_zone_countries(name: &str) -> Option<&'static [&'static str]> {
    Some(match name.trim() {
        "North Korea Standard Time" => &["KP"],
        "Korea Standard Time" | "KST" => &["KR", "KP"],
        "China Standard Time" => &["CN"],
        "Russian Standard Time" | "MSK" => &["RU"],
        "Tokyo Standard Time" | "JST" => &["JP"],
        _ => return None,
    })
}

fn severity_for_foreign_country(country: &str) -> Severity {
    match country {
        "KP" => Severity::Critical,
        c if WATCHED_COUNTRIES.contains(&c) => Severity::High,
        _ => Severity::Medium,
    }
}

/// Time zone and UTC offset checks against the claimed place.
pub fn timezone_signals(claim: &ClaimedPlace, t: &Telemetry) -> Vec<Signal> {
    let mut out = Vec::new();
    let claimed_country = claim.country.clone().or_else(|| {
        claim
            .timezone
            .as_deref()
            .and_then(zone_country)
            .map(String::from)
    });
    let Some(claimed_country) = claimed_country else {
        return out;
    };
    let claimed_offsets = country_offsets(&claimed_country, t.collected_at);
    let browser = t.browser.as_ref();

    // The browser's IANA zone is the strongest clue: it names a place.
    if let Some(zone) = browser.and_then(|b| b.timezone.as_ref()) {
        let zone = zone.as_str();
        if let Some(zone_cc) = zone_country(zone).filter(|cc| *cc != claimed_country) {
            let tz_offset = Tz::from_str(zone)
                .map(|tz| offset_minutes(tz, t.collected_at))
                .ok();
            let same_offset = tz_offset.is_some_and(|o| claimed_offsets.contains(&o));
            // A neighbour's zone at the same offset is how many people set
            // their clock; only watched countries count then.
            if !same_offset || WATCHED_COUNTRIES.contains(&zone_cc) {
                out.push(Signal::new(
                    if zone_cc == "KP" {
                        "timezone_pyongyang"
                    } else {
                        "browser_timezone_mismatch"
                    },
                    Category::TimezoneMismatch,
                    severity_for_foreign_country(zone_cc),
                    format!(
                        "The browser's clock is set to {zone} ({zone_cc}) but the candidate claims to live in {claimed_country}."
                    ),
                    json!({"browser_timezone": zone, "timezone_country": zone_cc,
                           "claimed_country": claimed_country, "utc_offset_minutes": tz_offset}),
                ));
            }
        }
    } else if let Some(offset) = browser.and_then(|b| b.utc_offset_minutes) {
        if !claimed_offsets.is_empty() && !claimed_offsets.contains(&offset) {
            // +8:00 and +9:00 are China's and the Koreas' offsets.
            let severity = if offset == 480 || offset == 540 {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(Signal::new(
                "utc_offset_mismatch",
                Category::TimezoneMismatch,
                severity,
                format!(
                    "The browser's clock is at UTC{} but no time zone of {claimed_country} is.",
                    format_offset(offset)
                ),
                json!({"utc_offset_minutes": offset, "claimed_country": claimed_country,
                       "claimed_offsets": claimed_offsets}),
            ));
        }
    }

    for row in t.osquery.rows("time") {
        let Some(name) = row.get("local_timezone") else {
            continue;
        };
        let Some(countries) = system_zone_countries(name) else {
            continue;
        };
        if countries.contains(&claimed_country.as_str()) {
            continue;
        }
        let worst = countries
            .iter()
            .map(|c| severity_for_foreign_country(c))
            .max()
            .unwrap_or(Severity::Medium);
        out.push(Signal::new(
            "system_timezone_mismatch",
            Category::TimezoneMismatch,
            worst,
            format!(
                "The computer's clock is set to {name} ({}) but the candidate claims to live in {claimed_country}.",
                countries.join(" or ")
            ),
            json!({"time": row.to_json(), "claimed_country": claimed_country}),
        ));
    }
    out
}

fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Which watched language a tag or keyboard layout belongs to.
fn language_family(tag: &str) -> Option<&'static str> {
    let lower = tag.to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or("");
    match primary {
        "ko" => return Some("ko"),
        "zh" => return Some("zh"),
        "ru" => return Some("ru"),
        _ => {}
    }
    // Windows keyboard layout ids (KLID) and macOS input source names.
    match lower.as_str() {
        "00000412" | "e0010412" | "e0200412" => Some("ko"),
        "00000804" | "00000404" | "e0040804" | "00011009" => Some("zh"),
        "00000419" => Some("ru"),
        _ if lower.contains("korean") || lower.ends_with(".2setkorean") => Some("ko"),
        _ if lower.contains("inputmethod.scim") || lower.contains("pinyin") => Some("zh"),
        _ if lower.contains("keylayout.russian") => Some("ru"),
        _ => None,
    }
}

/// Where each watched language is the everyday one.
fn language_countries(family: &str) -> &'static [&'static str] {
    match family {
        "ko" => &["KR", "KP"],
        "zh" => &["CN", "TW", "HK", "MO", "SG"],
        "ru" => &["RU", "BY", "KZ", "KG", "UA"],
        _ => &[],
    }
}

/// Browser languages and keyboard layouts against the claimed country.
pub fn language_signals(claim: &ClaimedPlace, t: &Telemetry) -> Vec<Signal> {
    let Some(browser) = &t.browser else {
        return Vec::new();
    };
    let claimed = claim.country.as_deref();
    let foreign = |family: &str| claimed.is_none_or(|c| !language_countries(family).contains(&c));
    let mut evidence = Vec::new();
    let mut severity = None::<Severity>;
    let mut raise = |s: Severity| severity = Some(severity.map_or(s, |cur| cur.max(s)));

    for (i, tag) in browser.languages.iter().enumerate() {
        // ko-KP is the North Korean locale: nobody else selects it.
        if tag.eq_ignore_ascii_case("ko-KP") && claimed != Some("KP") {
            raise(Severity::High);
            evidence.push(json!({"language": tag, "position": i}));
        } else if let Some(family) = language_family(tag).filter(|f| foreign(f)) {
            // Only the preferred language counts: a heritage language
            // behind English is common among honest candidates.
            if i == 0 {
                raise(Severity::Medium);
                evidence.push(json!({"language": tag, "family": family, "position": i}));
            }
        }
    }
    // Keyboard layouts only support a language finding; alone they say as
    // little as a secondary language.
    if severity.is_some() {
        for layout in &browser.keyboard_layouts {
            if let Some(family) = language_family(layout).filter(|f| foreign(f)) {
                evidence.push(json!({"keyboard_layout": layout, "family": family}));
            }
        }
    }
    let Some(severity) = severity else {
        return Vec::new();
    };
    let claimed_text = claimed.unwrap_or("an undisclosed country");
    let what: Vec<String> = evidence
        .iter()
        .filter_map(|e| {
            e.get("language")
                .or_else(|| e.get("keyboard_layout"))
                .and_then(|v| v.as_str())
                .map(String::from)
        })
        .collect();
    vec![Signal::new(
        if severity >= Severity::High {
            "language_ko_kp"
        } else {
            "language_mismatch"
        },
        Category::LanguageMismatch,
        severity,
        format!(
            "The browser uses {} although the candidate claims to live in {claimed_text}.",
            what.join(", ")
        ),
        json!({"claimed_country": claimed, "matches": evidence}),
    )]
}

/// Hypervisor vendors as `system_info` reports them.
const VM_MARKERS: &[(&str, &str)] = &[
    ("vmware", "VMware"),
    ("virtualbox", "VirtualBox"),
    ("innotek", "VirtualBox"),
    ("qemu", "QEMU"),
    ("kvm", "KVM"),
    ("parallels", "Parallels"),
    ("xen", "Xen"),
    ("bochs", "Bochs"),
    ("amazon ec2", "Amazon EC2"),
    ("google compute engine", "Google Compute Engine"),
    ("virtual machine", "Hyper-V"),
];

/// A company laptop should be a laptop: a hypervisor's hardware strings
/// mean the session runs in a virtual machine, often a remote one.
pub fn virtual_machine_signals(t: &Telemetry) -> Vec<Signal> {
    let mut out = Vec::new();
    for row in t.osquery.rows("system_info") {
        let haystack = [
            "hardware_vendor",
            "hardware_model",
            "board_vendor",
            "board_model",
        ]
        .iter()
        .filter_map(|c| row.get(c))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        let found = VM_MARKERS.iter().find(|(marker, _)| {
            haystack
                .split(|c: char| !c.is_ascii_alphanumeric())
                .collect::<Vec<_>>()
                .windows(marker.split(' ').count())
                .any(|w| w.join(" ") == *marker)
        });
        if let Some((_, product)) = found {
            out.push(Signal::new(
                "virtual_machine",
                Category::VirtualMachine,
                Severity::Medium,
                format!("The computer is a {product} virtual machine, not physical hardware."),
                json!({"system_info": row.to_json(), "hypervisor": product}),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::osquery::OsqueryRow;
    use serde_json::json;

    fn telemetry(body: serde_json::Value) -> Telemetry {
        let mut body = body;
        body["collected_at"] = json!("2026-07-01T15:00:00Z");
        Telemetry::parse(&body).unwrap()
    }

    fn us() -> ClaimedPlace {
        ClaimedPlace {
            country: Some("US".into()),
            timezone: Some("America/Chicago".into()),
        }
    }

    #[test]
    fn shanghai_clock_on_a_us_claim_is_high() {
        let s = timezone_signals(
            &us(),
            &telemetry(json!({"browser": {"timezone": "Asia/Shanghai"}})),
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].code, "browser_timezone_mismatch");
        assert_eq!(s[0].severity, Severity::High);
        assert!(
            s[0].summary.contains("Asia/Shanghai (CN)"),
            "{}",
            s[0].summary
        );
    }

    #[test]
    fn pyongyang_clock_is_critical_with_its_own_code() {
        let s = timezone_signals(
            &us(),
            &telemetry(json!({"browser": {"timezone": "Asia/Pyongyang"}})),
        );
        assert_eq!(
            (s[0].code.as_str(), s[0].severity),
            ("timezone_pyongyang", Severity::Critical)
        );
    }

    #[test]
    fn home_or_neighbouring_zone_at_the_same_offset_is_fine() {
        for zone in ["America/New_York", "America/Los_Angeles", "America/Toronto"] {
            let s = timezone_signals(&us(), &telemetry(json!({"browser": {"timezone": zone}})));
            assert!(s.is_empty(), "{zone}: {s:?}");
        }
        // Berlin on a US claim is a real mismatch, but not a watched one.
        let s = timezone_signals(
            &us(),
            &telemetry(json!({"browser": {"timezone": "Europe/Berlin"}})),
        );
        assert_eq!(s[0].severity, Severity::Medium);
    }

    #[test]
    fn bare_offsets_are_checked_against_the_country_offsets_at_that_date() {
        // July: US zones are -4..-10 hours; -5 h (CDT) fits, +9 h does not.
        let ok = timezone_signals(
            &us(),
            &telemetry(json!({"browser": {"utc_offset_minutes": -300}})),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let s = timezone_signals(
            &us(),
            &telemetry(json!({"browser": {"utc_offset_minutes": 540}})),
        );
        assert_eq!(
            (s[0].code.as_str(), s[0].severity),
            ("utc_offset_mismatch", Severity::High)
        );
        assert!(s[0].summary.contains("UTC+09:00"));
    }

    #[test]
    fn windows_system_zone_names_are_read() {
        let mut t = telemetry(json!({}));
        t.osquery.insert(
            "time",
            vec![OsqueryRow::from_pairs([(
                "local_timezone",
                "China Standard Time",
            )])],
        );
        let s = timezone_signals(&us(), &t);
        assert_eq!(s[0].code, "system_timezone_mismatch");
        assert!(s[0].summary.contains("China Standard Time (CN)"));
        // CST alone is ambiguous and raises nothing.
        t.osquery.insert(
            "time",
            vec![OsqueryRow::from_pairs([("local_timezone", "CST")])],
        );
        assert!(timezone_signals(&us(), &t).is_empty());
    }

    #[test]
    fn ko_kp_language_is_high_and_heritage_language_behind_english_is_nothing() {
        let s = language_signals(
            &us(),
            &telemetry(json!({"browser": {"languages": ["en-US", "ko-KP"]}})),
        );
        assert_eq!(
            (s[0].code.as_str(), s[0].severity),
            ("language_ko_kp", Severity::High)
        );
        let s = language_signals(
            &us(),
            &telemetry(
                json!({"browser": {"languages": ["en-US", "ko-KR"], "keyboard_layouts": ["00000412"]}}),
            ),
        );
        assert!(s.is_empty(), "{s:?}");
        let s = language_signals(
            &us(),
            &telemetry(
                json!({"browser": {"languages": ["zh-CN"], "keyboard_layouts": ["00000804"]}}),
            ),
        );
        assert_eq!(s[0].severity, Severity::Medium);
        assert!(s[0].summary.contains("zh-CN, 00000804"), "{}", s[0].summary);
        let kr = ClaimedPlace {
            country: Some("KR".into()),
            timezone: None,
        };
        assert!(language_signals(
            &kr,
            &telemetry(
                json!({"browser": {"languages": ["ko-KR"], "keyboard_layouts": ["00000412"]}})
            )
        )
        .is_empty());
    }

    #[test]
    fn hypervisor_hardware_is_a_virtual_machine_and_a_dell_is_not() {
        let mut t = telemetry(json!({}));
        t.osquery.insert(
            "system_info",
            vec![OsqueryRow::from_pairs([
                ("hardware_vendor", "innotek GmbH"),
                ("hardware_model", "VirtualBox"),
            ])],
        );
        let s = virtual_machine_signals(&t);
        assert!(s[0].summary.contains("VirtualBox"));
        t.osquery.insert(
            "system_info",
            vec![OsqueryRow::from_pairs([
                ("hardware_vendor", "Dell Inc."),
                ("hardware_model", "Latitude 7440"),
            ])],
        );
        assert!(virtual_machine_signals(&t).is_empty());
    }
}
