//! The events an assessment produces, in the form receivers get them:
//! webhook envelopes (`assessment.completed`, `case.opened`,
//! `case.updated`) and the security team's alert email, which carries who,
//! the score, the top reasons and the console link, and nothing more.

use serde_json::{json, Value};
use uuid::Uuid;

use super::policy::Decision;
use crate::screening::lists::LiveList;
use crate::store::{format_micros, now_micros, AssessmentRecord, CaseRecord};

/// The webhook body: `{id, type, created_at, data}`.
pub fn envelope(event_id: Uuid, event_type: &str, data: Value) -> Value {
    json!({
        "id": event_id,
        "type": event_type,
        "created_at": format_micros(now_micros()),
        "data": data,
    })
}

/// A list version as screenings and assessments report having used it.
pub fn list_used_json(list: &LiveList) -> Value {
    json!({
        "id": list.meta.list_id,
        "version": list.meta.version,
        "loaded_at": format_micros(list.meta.loaded_at),
        "entries": list.entries.len(),
    })
}

pub fn assessment_json(a: &AssessmentRecord) -> Value {
    let mut body = a.body.clone();
    if let Value::Object(map) = &mut body {
        map.insert("id".into(), json!(a.id));
        map.insert("candidate_id".into(), json!(a.candidate_id));
        map.insert("trigger".into(), json!(a.trigger));
        map.insert("created_at".into(), json!(format_micros(a.created_at)));
    }
    body
}

pub fn case_json(c: &CaseRecord, external_id: &str) -> Value {
    json!({
        "id": c.id,
        "candidate_id": c.candidate_id,
        "external_id": external_id,
        "status": c.status,
        "decision": c.decision,
        "risk_score": c.risk_score,
        "assessment_id": c.assessment_id,
        "opened_at": format_micros(c.opened_at),
        "updated_at": format_micros(c.updated_at),
    })
}

/// What the alert email says about the candidate.
pub struct AlertSubject<'a> {
    pub candidate_id: Uuid,
    pub external_id: &'a str,
    pub full_name: &'a str,
    pub console_base_url: &'a str,
}

/// Subject and text of the security team's alert.
pub fn alert_email(who: &AlertSubject<'_>, assessment: &AssessmentRecord) -> (String, String) {
    let decision = Decision::parse(&assessment.decision).unwrap_or(Decision::Review);
    let subject = format!(
        "[hirevet] {}: candidate {} (risk {}/100)",
        decision.as_str().to_uppercase(),
        who.external_id,
        assessment.risk_score
    );
    let reasons: Vec<String> = assessment.body["signals"]
        .as_array()
        .map(|signals| {
            signals
                .iter()
                .filter_map(|s| s["summary"].as_str())
                .take(3)
                .map(|s| format!("  - {s}"))
                .collect()
        })
        .unwrap_or_default();
    let incomplete = if assessment.complete {
        ""
    } else {
        "\nNote: a sanctions list was missing or stale; the assessment is incomplete.\n"
    };
    let text = format!(
        "hirevet flagged a candidate for the security team.\n\n\
         Candidate: {} (external id {})\n\
         Decision: {} (hold for human review; hirevet never rejects anyone on its own)\n\
         Risk score: {}/100\n\n\
         Top reasons:\n{}\n{incomplete}\n\
         Review it in the console: {}/console/candidates/{}\n",
        who.full_name,
        who.external_id,
        decision.as_str(),
        assessment.risk_score,
        if reasons.is_empty() {
            "  - (no individual signal; see the assessment)".to_string()
        } else {
            reasons.join("\n")
        },
        who.console_base_url.trim_end_matches('/'),
        who.candidate_id,
    );
    (subject, text)
}
