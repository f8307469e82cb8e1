//! One assessment, assembled without IO: the candidate becomes a screening
//! subject, screening hits become sanctions signals, the candidate's own
//! data is checked for inconsistencies, and the policy weighs everything.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::policy::{Decision, Policy};
use crate::domain::candidate::AddressKind;
use crate::domain::CandidateData;
use crate::indicators::{Category, Severity, Signal};
use crate::screening::screen::{Band, Hit, Subject, SubjectDate, SubjectIdentifier, SubjectKind};

/// Why an assessment ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    CandidateCreated,
    CandidateUpdated,
    Telemetry,
    OnDemand,
    /// A sanctions list changed.
    ListsUpdated,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::CandidateCreated => "candidate_created",
            Trigger::CandidateUpdated => "candidate_updated",
            Trigger::Telemetry => "telemetry",
            Trigger::OnDemand => "on_demand",
            Trigger::ListsUpdated => "lists_updated",
        }
    }
}

/// The candidate as the screening engine sees it: every name and alias,
/// birth date, nationalities, identifiers and wallets.
pub fn subject_of(data: &CandidateData) -> Subject {
    let mut names = vec![data.full_name().as_str().to_string()];
    names.extend(data.aliases().iter().map(|a| a.as_str().to_string()));
    Subject {
        kind: SubjectKind::Person,
        names,
        date_of_birth: data.date_of_birth().map(|d| SubjectDate {
            year: d.year(),
            month: d.month(),
            day: d.day(),
        }),
        nationalities: data.nationalities().iter().map(|c| c.to_string()).collect(),
        identifiers: data
            .identifiers()
            .iter()
            .map(|i| SubjectIdentifier {
                kind: serde_json::to_value(i.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_else(|| "other".into()),
                value: i.value.clone(),
                country: i.country.map(|c| c.to_string()),
            })
            .collect(),
        crypto_addresses: data
            .payment()
            .map(|p| p.crypto_addresses.clone())
            .unwrap_or_default(),
    }
}

/// One signal per hit: exact identifiers and wallets first, then names.
pub fn sanctions_signals(hits: &[Hit]) -> Vec<Signal> {
    hits.iter()
        .map(|hit| {
            let (code, category, severity, what) = if hit.identifier_match {
                (
                    "sanctions_identifier_match",
                    Category::SanctionsIdentifierMatch,
                    Severity::Critical,
                    "An identifier or wallet of the candidate",
                )
            } else if hit.band == Band::Strong {
                (
                    "sanctions_strong_match",
                    Category::SanctionsMatch,
                    Severity::Critical,
                    "The candidate's name",
                )
            } else {
                (
                    "sanctions_potential_match",
                    Category::SanctionsMatch,
                    Severity::High,
                    "The candidate's name",
                )
            };
            Signal::new(
                code,
                category,
                severity,
                format!(
                    "{what} matches {} \"{}\" (entry {}, score {:.2}).",
                    list_name(&hit.list),
                    hit.name,
                    hit.entry_id,
                    hit.score
                ),
                serde_json::to_value(hit).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn list_name(id: &str) -> &str {
    match id {
        "us_ofac_sdn" => "the OFAC SDN list entry",
        "us_ofac_cons" => "the OFAC consolidated list entry",
        "un_sc" => "the UN Security Council list entry",
        "eu_fsf" => "the EU financial sanctions list entry",
        "uk_sanctions" => "the UK sanctions list entry",
        _ => "the sanctions list entry",
    }
}

/// The screening decision in the words of `POST /v1/screenings`.
pub fn screening_decision(hits: &[Hit]) -> &'static str {
    match hits.iter().map(|h| h.band).max() {
        Some(Band::Strong) => "strong_match",
        Some(Band::Review) => "potential_match",
        None => "no_match",
    }
}

/// What the candidate's own data contradicts: a phone or bank account in
/// another country than the one claimed, a DPRK nationality.
pub fn identity_signals(data: &CandidateData) -> Vec<Signal> {
    let mut out = Vec::new();
    if data.nationalities().iter().any(|c| c.as_str() == "KP") {
        out.push(Signal::new(
            "nationality_kp",
            Category::HighRiskCountry,
            Severity::Critical,
            "The candidate states North Korean nationality.",
            json!({"nationalities": data.nationalities()}),
        ));
    }
    let Some(claimed) = data.claimed_location().map(|l| l.country) else {
        return out;
    };
    let foreign_phones: Vec<(&str, String)> = data
        .phones()
        .iter()
        .filter_map(|p| {
            let region = phone_region(p.as_str())?;
            (region != claimed.as_str()).then(|| (p.as_str(), region))
        })
        .collect();
    if !foreign_phones.is_empty() {
        let regions: Vec<&str> = foreign_phones.iter().map(|(_, r)| r.as_str()).collect();
        let watched = regions.iter().any(|r| matches!(*r, "KP" | "CN" | "RU"));
        out.push(Signal::new(
            "phone_country_mismatch",
            Category::IdentityInconsistency,
            if watched { Severity::High } else { Severity::Low },
            format!(
                "The candidate's phone number is registered in {} although they claim to live in {claimed}.",
                regions.join(", ")
            ),
            json!({"phone_countries": regions, "claimed_country": claimed}),
        ));
    }
    if let Some(bank) = data.payment().and_then(|p| p.bank_account_country) {
        if bank != claimed {
            out.push(Signal::new(
                "bank_country_mismatch",
                Category::IdentityInconsistency,
                Severity::Medium,
                format!(
                    "Wages would be paid into a bank account in {bank} although the candidate claims to live in {claimed}."
                ),
                json!({"bank_account_country": bank, "claimed_country": claimed}),
            ));
        }
    }
    let shipping_abroad: Vec<String> = data
        .addresses()
        .iter()
        .filter(|a| a.kind == AddressKind::Shipping && a.country != claimed)
        .map(|a| a.country.to_string())
        .collect();
    if !shipping_abroad.is_empty() {
        out.push(Signal::new(
            "shipping_country_mismatch",
            Category::IdentityInconsistency,
            Severity::Low,
            format!(
                "The laptop would be shipped to {} although the candidate claims to live in {claimed}.",
                shipping_abroad.join(", ")
            ),
            json!({"shipping_countries": shipping_abroad, "claimed_country": claimed}),
        ));
    }
    out
}

fn phone_region(e164: &str) -> Option<String> {
    let number = phonenumber::parse(None, e164).ok()?;
    let id = number.country().id()?;
    Some(format!("{id:?}"))
}

/// Keeps one signal per (code, summary): the same finding reported by
/// several telemetry reports counts once.
pub fn dedup_signals(signals: Vec<Signal>) -> Vec<Signal> {
    let mut seen: BTreeMap<(String, String), Signal> = BTreeMap::new();
    for s in signals {
        let key = (s.code.clone(), s.summary.clone());
        match seen.get(&key) {
            Some(existing) if existing.severity >= s.severity => {}
            _ => {
                seen.insert(key, s);
            }
        }
    }
    seen.into_values().collect()
}

/// Everything an assessment is computed from.
pub struct Inputs<'a> {
    pub policy: &'a Policy,
    pub hits: Vec<Hit>,
    pub lists_used: Vec<Value>,
    pub missing_lists: Vec<String>,
    pub device_signals: Vec<Signal>,
    pub identity_signals: Vec<Signal>,
    pub versions: Value,
}

/// The assessment body (without ids and timestamps, which the store adds).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub risk_score: u8,
    pub decision: Decision,
    pub complete: bool,
    pub body: Value,
}

pub fn assess(inputs: Inputs<'_>) -> Outcome {
    let complete = inputs.missing_lists.is_empty();
    let mut signals = sanctions_signals(&inputs.hits);
    signals.extend(inputs.identity_signals);
    signals.extend(dedup_signals(inputs.device_signals));
    let result = inputs.policy.assess(signals, complete);
    let body = json!({
        "risk_score": result.risk_score,
        "decision": result.decision,
        "complete": complete,
        "signals": result.signals,
        "reasons": result.reasons,
        "sanctions": {
            "decision": screening_decision(&inputs.hits),
            "hits": inputs.hits,
            "lists": inputs.lists_used,
            "missing_lists": inputs.missing_lists,
        },
        "versions": inputs.versions,
    });
    Outcome {
        risk_score: result.risk_score,
        decision: result.decision,
        complete,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_data_contradictions_are_signals() {
        let data = CandidateData::parse(&json!({
            "external_id": "x", "full_name": "A B",
            "nationalities": ["KP"],
            "claimed_location": {"country": "US"},
            "phones": ["+86 139 1234 5678"],
            "payment": {"bank_account_country": "CN"},
            "addresses": [{"kind": "shipping", "line1": "1 Main St", "country": "US"}]
        }))
        .unwrap();
        let codes: Vec<(String, Severity)> = identity_signals(&data)
            .into_iter()
            .map(|s| (s.code, s.severity))
            .collect();
        assert_eq!(
            codes,
            [
                ("nationality_kp".to_string(), Severity::Critical),
                ("phone_country_mismatch".to_string(), Severity::High),
                ("bank_country_mismatch".to_string(), Severity::Medium),
            ]
        );
    }

    #[test]
    fn repeated_findings_count_once_at_their_worst() {
        let s = |sev| Signal::new("x", Category::VpnOrProxy, sev, "same", json!({}));
        let out = dedup_signals(vec![
            s(Severity::Low),
            s(Severity::High),
            s(Severity::Medium),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::High);
    }
}
