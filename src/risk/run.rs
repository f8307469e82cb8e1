//! Running an assessment for a candidate: gather its screening hits,
//! telemetry and linkage signals, weigh them with the tenant's policy, and
//! record the assessment, the case it opens or updates and the events for
//! webhooks and email in one transaction (for a new candidate, the same
//! transaction that creates it).

use std::sync::Arc;

use serde_json::{json, Value};
use uuid::Uuid;

use super::assess::{assess, identity_signals, subject_of, Inputs, Trigger};
use super::events::{
    alert_email, assessment_json, case_json, envelope, list_used_json, AlertSubject,
};
use super::policy::Decision;
use super::tenant::{TenantContext, TenantError};
use crate::app::AppState;
use crate::domain::CandidateData;
use crate::indicators::linkage::{candidate_keys, reuse_signals, IdentityKey};
use crate::indicators::Signal;
use crate::screening::screen::Hit;
use crate::store::outbox::{Channel, NewOutboxItem};
use crate::store::{
    AssessmentRecord, CandidateRecord, CaseChange, CaseRecord, CreateOutcome, StoreError, StoreTx,
};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<TenantError> for RunError {
    fn from(e: TenantError) -> Self {
        match e {
            TenantError::Store(e) => RunError::Store(e),
            TenantError::Settings(m) => RunError::Internal(m),
        }
    }
}

/// How many recent telemetry reports feed an assessment: findings from an
/// interview do not vanish because a later check looked clean.
const TELEMETRY_REPORTS: u32 = 20;

/// `identity_reuse` signals for a candidate, from the identity keys stored.
pub async fn linkage_signals(
    state: &AppState,
    tenant: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<Signal>, StoreError> {
    let window = state.indicators.config().ip_link_window.as_micros() as i64;
    let links = state
        .store
        .linked_candidates(tenant, candidate_id, window)
        .await?;
    Ok(reuse_signals(&links))
}

/// Everything an assessment needs that takes no database write: the
/// tenant's settings and policy, the screening hits and the list versions
/// they came from. Worked out before a write transaction begins, so the
/// transaction (on SQLite, the single writer) is held for SQL only.
/// Cloned when a create joins a batch, so it can run alone if the batch
/// fails.
#[derive(Clone)]
pub(super) struct Prepared {
    tenant: Arc<TenantContext>,
    hits: Vec<Hit>,
    lists_used: Vec<Value>,
    list_versions: serde_json::Map<String, Value>,
    missing_lists: Vec<String>,
}

async fn prepare(
    state: &AppState,
    tenant: Uuid,
    data: &CandidateData,
) -> Result<Prepared, RunError> {
    let tenant_ctx = state.tenant(tenant).await?;
    let live = state.lists.live().current();
    let missing_lists = state.lists.missing_lists().await?;
    let lists_used: Vec<Value> = live.lists.values().map(|l| list_used_json(l)).collect();
    let list_versions: serde_json::Map<String, Value> = live
        .lists
        .values()
        .map(|l| (l.meta.list_id.clone(), json!(l.meta.version)))
        .collect();

    let hits = live
        .screen(subject_of(data), None, state.screening)
        .await
        .map_err(|e| RunError::Internal(format!("screening task failed: {e}")))?;
    Ok(Prepared {
        tenant: tenant_ctx,
        hits,
        lists_used,
        list_versions,
        missing_lists,
    })
}

/// Assesses the candidate and records everything; returns the assessment.
/// `linkage` is the candidate's identity-reuse signals when the caller has
/// just looked them up; `None` looks them up here.
pub async fn assess_candidate(
    state: &AppState,
    tenant: Uuid,
    candidate_id: Uuid,
    data: &CandidateData,
    trigger: Trigger,
    linkage: Option<Vec<Signal>>,
) -> Result<AssessmentRecord, RunError> {
    let prepared = prepare(state, tenant, data).await?;
    let signals = device_signals(state, tenant, candidate_id, trigger, linkage).await?;
    let (assessment, tenant_ctx) = decide(state, prepared, candidate_id, data, trigger, signals);
    let mut tx = state.store.begin(tenant).await?;
    record_assessment(state, &mut tx, &tenant_ctx, data, &assessment, Vec::new()).await?;
    commit(state, tx).await?;
    Ok(assessment)
}

/// Assesses a candidate again after a sanctions list changed. It is
/// recorded, with `candidate.rescreened` for the endpoints that want it
/// (and the case events any assessment brings), only when the decision,
/// the score or the list entries hit differ from the candidate's latest
/// assessment: a list update touches every candidate, and most come out
/// as before. Returns the new assessment when one was recorded.
pub async fn rescreen_candidate(
    state: &AppState,
    tenant: Uuid,
    candidate_id: Uuid,
    data: &CandidateData,
) -> Result<Option<AssessmentRecord>, RunError> {
    let trigger = Trigger::ListsUpdated;
    let prepared = prepare(state, tenant, data).await?;
    let signals = device_signals(state, tenant, candidate_id, trigger, None).await?;
    let (assessment, tenant_ctx) = decide(state, prepared, candidate_id, data, trigger, signals);
    let previous = state.store.latest_assessment(tenant, candidate_id).await?;
    if previous
        .as_ref()
        .is_some_and(|p| same_outcome(p, &assessment))
    {
        return Ok(None);
    }
    let rescreened = rescreened_event(&tenant_ctx, data, &assessment, previous.as_ref());
    let mut tx = state.store.begin(tenant).await?;
    record_assessment(state, &mut tx, &tenant_ctx, data, &assessment, rescreened).await?;
    commit(state, tx).await?;
    Ok(Some(assessment))
}

/// Whether two assessments tell an HR platform the same: decision, score
/// and the list entries hit.
fn same_outcome(a: &AssessmentRecord, b: &AssessmentRecord) -> bool {
    let entries = |x: &AssessmentRecord| -> Vec<(String, String)> {
        let mut hits: Vec<(String, String)> = x.body["sanctions"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| (h["list"].to_string(), h["entry_id"].to_string()))
            .collect();
        hits.sort();
        hits.dedup();
        hits
    };
    a.decision == b.decision && a.risk_score == b.risk_score && entries(a) == entries(b)
}

/// `candidate.rescreened` for each endpoint that wants it: the candidate,
/// its new assessment and what the one before decided.
fn rescreened_event(
    tenant: &TenantContext,
    data: &CandidateData,
    assessment: &AssessmentRecord,
    previous: Option<&AssessmentRecord>,
) -> Vec<NewOutboxItem> {
    const EVENT: &str = "candidate.rescreened";
    let endpoints: Vec<_> = tenant.endpoints.iter().filter(|e| e.wants(EVENT)).collect();
    if endpoints.is_empty() {
        return Vec::new();
    }
    let event_id = Uuid::now_v7();
    let payload = envelope(
        event_id,
        EVENT,
        json!({
            "candidate": {"id": assessment.candidate_id, "external_id": data.external_id().as_str()},
            "assessment": assessment_json(assessment),
            "previous": previous.map(|p| json!({
                "assessment_id": p.id,
                "decision": p.decision,
                "risk_score": p.risk_score,
            })),
        }),
    );
    endpoints
        .into_iter()
        .map(|endpoint| NewOutboxItem {
            candidate_id: Some(assessment.candidate_id),
            event_id,
            event_type: EVENT.to_string(),
            channel: Channel::Webhook,
            endpoint_id: Some(endpoint.id),
            payload: payload.clone(),
        })
        .collect()
}

/// The device and linkage signals of a candidate already stored: those of
/// its recent telemetry reports and its identity-reuse links (`linkage`
/// when the caller has just looked them up).
async fn device_signals(
    state: &AppState,
    tenant: Uuid,
    candidate_id: Uuid,
    trigger: Trigger,
    linkage: Option<Vec<Signal>>,
) -> Result<Vec<Signal>, RunError> {
    let mut signals: Vec<Signal> = Vec::new();
    // A candidate created this instant has no telemetry yet.
    if trigger != Trigger::CandidateCreated {
        let reports = state
            .store
            .list_telemetry(tenant, candidate_id, None, TELEMETRY_REPORTS)
            .await?;
        for report in &reports.items {
            if let Ok(found) = serde_json::from_value::<Vec<Signal>>(report.signals.clone()) {
                signals.extend(found);
            }
        }
    }
    signals.extend(match linkage {
        Some(known) => known,
        None => linkage_signals(state, tenant, candidate_id).await?,
    });
    Ok(signals)
}

/// What [`create_and_assess`] did.
pub enum Created {
    /// The candidate is new. Its assessment is `None` when one could not be
    /// made (logged): the candidate is stored all the same.
    New {
        record: CandidateRecord,
        assessment: Option<AssessmentRecord>,
    },
    /// A live candidate with this external id already existed; nothing was
    /// written.
    Existing(CandidateRecord),
}

/// Creates a candidate and records its first assessment (with its case and
/// outbox rows) in one write transaction. Screening runs here, before the
/// write; the write itself is queued to the create writers
/// ([`super::batch`]), which commit the creates queued at the same moment
/// together. Links to other candidates are looked up inside the
/// transaction, after the new candidate's keys are written, so of two
/// candidates created at once with a shared contact the later sees the
/// earlier (in the same batch or not).
pub async fn create_and_assess(
    state: &AppState,
    tenant: Uuid,
    data: &CandidateData,
) -> Result<Created, RunError> {
    // Wasted when the candidate turns out to exist already, which only
    // retries do; worth it to keep screening out of the transaction.
    let prepared = match prepare(state, tenant, data).await {
        Ok(prepared) => Some(prepared),
        Err(e) => {
            tracing::error!(error = %e, trigger = Trigger::CandidateCreated.as_str(), "assessment failed");
            None
        }
    };
    state.creates.submit(tenant, data.clone(), prepared).await
}

/// One create in its own transaction: what a batch falls back to when it
/// fails, and what a job queued alone runs.
pub(super) async fn create_alone(
    state: &AppState,
    tenant: Uuid,
    data: &CandidateData,
    prepared: Option<Prepared>,
) -> Result<Created, RunError> {
    let mut tx = state.store.begin(tenant).await?;
    let created = write_created(state, &mut tx, vec![(data, prepared)])
        .await?
        .pop()
        .ok_or_else(|| RunError::Internal("a create without an outcome".into()))?;
    if let Created::Existing(_) = created {
        tx.rollback().await?;
        return Ok(created);
    }
    commit(state, tx).await?;
    Ok(created)
}

/// Commits `tx` and, when it added outbox rows, wakes the delivery worker.
/// Only then: a needless wake-up costs a claim (an UPDATE on the writer).
pub(super) async fn commit(state: &AppState, tx: StoreTx) -> Result<(), RunError> {
    let wake = tx.enqueued_any();
    tx.commit().await?;
    if wake {
        state.outbox_wakeup.notify_one();
    }
    Ok(())
}

/// Writes new candidates with their keys and first assessments into `tx`
/// (all for the tenant `tx` is set to), or finds the live candidate that
/// already has a create's external id, in which case nothing is written
/// for it. The outcome is as if the creates ran one after another: one
/// sees the candidates created before it (an external id it repeats, a
/// contact it shares), never those after it. Each kind of row is written
/// in one statement for all the creates, so a batch shares round trips.
pub(super) async fn write_created(
    state: &AppState,
    tx: &mut StoreTx,
    jobs: Vec<(&CandidateData, Option<Prepared>)>,
) -> Result<Vec<Created>, RunError> {
    let (datas, mut prepared): (Vec<&CandidateData>, Vec<Option<Prepared>>) =
        jobs.into_iter().unzip();
    let keys: Vec<Vec<IdentityKey>> = datas.iter().map(|data| candidate_keys(data)).collect();
    let items: Vec<(&CandidateData, &[IdentityKey])> = datas
        .iter()
        .zip(&keys)
        .map(|(d, k)| (*d, k.as_slice()))
        .collect();
    let outcomes = tx.create_candidates(&items).await?;
    let created: Vec<(usize, &CandidateRecord)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, outcome)| match outcome {
            CreateOutcome::Created(record) => Some((i, record)),
            CreateOutcome::Existing(_) => None,
        })
        .collect();
    let mut assessments: Vec<Option<AssessmentRecord>> = vec![None; datas.len()];
    if let Some(&(_, first)) = created.first() {
        let holders: Vec<(Uuid, &[IdentityKey])> = created
            .iter()
            .map(|&(i, record)| (record.id, keys[i].as_slice()))
            .collect();
        let links = tx.links_of_created(&holders, first.created_at).await?;
        let (mut records, mut cases, mut items) = (Vec::new(), Vec::new(), Vec::new());
        for (&(i, record), links) in created.iter().zip(links) {
            let Some(prepared) = prepared[i].take() else {
                continue;
            };
            let (assessment, tenant) = decide(
                state,
                prepared,
                record.id,
                datas[i],
                Trigger::CandidateCreated,
                reuse_signals(&links),
            );
            // A new candidate has no case yet.
            let case = CaseRecord::opened_for(&assessment);
            let change = case
                .clone()
                .map_or(CaseChange::Unchanged, CaseChange::Opened);
            items.extend(announcements(
                state,
                &tenant,
                datas[i],
                &assessment,
                &change,
            ));
            cases.extend(case);
            assessments[i] = Some(assessment.clone());
            records.push(assessment);
        }
        tx.insert_assessments(&records).await?;
        tx.insert_cases(&cases).await?;
        tx.enqueue(&items).await?;
    }
    Ok(outcomes
        .into_iter()
        .zip(assessments)
        .map(|(outcome, assessment)| match outcome {
            CreateOutcome::Created(record) => Created::New { record, assessment },
            CreateOutcome::Existing(existing) => Created::Existing(existing),
        })
        .collect())
}

/// Writes a decided assessment, the case it opens or updates and the
/// events announcing them (with `extra` outbox rows) into `tx`.
async fn record_assessment(
    state: &AppState,
    tx: &mut StoreTx,
    tenant: &TenantContext,
    data: &CandidateData,
    assessment: &AssessmentRecord,
    extra: Vec<NewOutboxItem>,
) -> Result<(), RunError> {
    tx.insert_assessments(std::slice::from_ref(assessment))
        .await?;
    let change = tx.open_or_update_case(assessment).await?;
    let mut items = announcements(state, tenant, data, assessment, &change);
    items.extend(extra);
    tx.enqueue(&items).await?;
    Ok(())
}

/// Weighs the signals with the tenant's policy: the assessment to store
/// (not stored yet), with the tenant it was weighed for.
fn decide(
    state: &AppState,
    prepared: Prepared,
    candidate_id: Uuid,
    data: &CandidateData,
    trigger: Trigger,
    device_signals: Vec<Signal>,
) -> (AssessmentRecord, Arc<TenantContext>) {
    let policy = &prepared.tenant.policy;
    let indicators = state.indicators.current();
    let outcome = assess(Inputs {
        policy,
        hits: prepared.hits,
        lists_used: prepared.lists_used,
        missing_lists: prepared.missing_lists,
        device_signals,
        identity_signals: identity_signals(data),
        versions: json!({
            "policy": policy.version(),
            "lists": prepared.list_versions,
            "indicators": indicators.versions,
        }),
    });
    let assessment = AssessmentRecord::new(
        candidate_id,
        trigger.as_str(),
        i64::from(outcome.risk_score),
        outcome.decision.as_str(),
        outcome.complete,
        outcome.body,
    );
    (assessment, prepared.tenant)
}

/// The outbox rows announcing an assessment and what it did to the case:
/// a webhook event per subscribed endpoint, and the alert email when the
/// decision reaches the tenant's alert level.
fn announcements(
    state: &AppState,
    tenant: &TenantContext,
    data: &CandidateData,
    assessment: &AssessmentRecord,
    case_change: &CaseChange,
) -> Vec<NewOutboxItem> {
    let settings = &tenant.settings;
    let endpoints = &tenant.endpoints;
    let candidate_id = assessment.candidate_id;
    let external_id = data.external_id().as_str();
    let decision = Decision::parse(&assessment.decision).unwrap_or(Decision::Clear);
    // Payloads are built only for events an endpoint subscribes to: the
    // assessment's JSON is the largest thing built on this path, and most
    // tenants subscribe to a few events or none.
    let wanted = |event_type: &str| endpoints.iter().any(|e| e.wants(event_type));
    let mut events = Vec::new();
    if wanted("assessment.completed") {
        events.push((
            "assessment.completed",
            json!({
                "candidate": {"id": candidate_id, "external_id": external_id},
                "assessment": assessment_json(assessment),
            }),
        ));
    }
    let mut alert = false;
    let min_alert = Decision::parse(&settings.alert_min_decision).unwrap_or(Decision::Block);
    match case_change {
        CaseChange::Opened(case) => {
            if wanted("case.opened") {
                events.push(("case.opened", json!({"case": case_json(case, external_id)})));
            }
            alert = decision >= min_alert;
        }
        CaseChange::Updated {
            case,
            previous_decision,
        } => {
            if wanted("case.updated") {
                events.push((
                    "case.updated",
                    json!({"case": case_json(case, external_id), "previous_decision": previous_decision}),
                ));
            }
            let before = Decision::parse(previous_decision).unwrap_or(Decision::Clear);
            alert = decision >= min_alert && decision > before;
        }
        CaseChange::Unchanged => {}
    }
    let mut items = Vec::new();
    for (event_type, data_json) in events {
        let event_id = Uuid::now_v7();
        let payload = envelope(event_id, event_type, data_json);
        for endpoint in endpoints.iter().filter(|e| e.wants(event_type)) {
            items.push(NewOutboxItem {
                candidate_id: Some(candidate_id),
                event_id,
                event_type: event_type.to_string(),
                channel: Channel::Webhook,
                endpoint_id: Some(endpoint.id),
                payload: payload.clone(),
            });
        }
    }
    if alert && !settings.alert_emails.is_empty() {
        let (subject, text) = alert_email(
            &AlertSubject {
                candidate_id,
                external_id,
                full_name: data.full_name().as_str(),
                console_base_url: &state.public_base_url,
            },
            assessment,
        );
        let to: Vec<&str> = settings.alert_emails.iter().map(|e| e.as_str()).collect();
        items.push(NewOutboxItem {
            candidate_id: Some(candidate_id),
            event_id: Uuid::now_v7(),
            event_type: "alert.email".into(),
            channel: Channel::Email,
            endpoint_id: None,
            payload: json!({"to": to, "subject": subject, "text": text}),
        });
    }
    items
}
