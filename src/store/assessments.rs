//! Assessments and cases. An assessment, the case it opens or updates and
//! the outbox rows announcing both are written in one [`StoreTx`], so a
//! crash can never leave a decision without its webhook or the reverse.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

use super::{now_micros, parse_uuid, value_rows, Backend, Page, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub trigger: String,
    pub risk_score: i64,
    pub decision: String,
    pub complete: bool,
    /// The whole assessment as the API shows it (signals, sanctions,
    /// versions, reasons).
    pub body: serde_json::Value,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub status: String,
    pub decision: String,
    pub risk_score: i64,
    pub assessment_id: Uuid,
    pub opened_at: i64,
    pub updated_at: i64,
}

impl AssessmentRecord {
    /// A new assessment, not yet stored: it gets its id and time here.
    pub fn new(
        candidate_id: Uuid,
        trigger: &str,
        risk_score: i64,
        decision: &str,
        complete: bool,
        body: serde_json::Value,
    ) -> AssessmentRecord {
        AssessmentRecord {
            id: Uuid::now_v7(),
            candidate_id,
            trigger: trigger.to_string(),
            risk_score,
            decision: decision.to_string(),
            complete,
            body,
            created_at: now_micros(),
        }
    }
}

impl CaseRecord {
    /// The case a flagged assessment opens for a candidate without an open
    /// one; `None` for a clear assessment.
    pub fn opened_for(assessment: &AssessmentRecord) -> Option<CaseRecord> {
        (assessment.decision != "clear").then(|| CaseRecord {
            id: Uuid::now_v7(),
            candidate_id: assessment.candidate_id,
            status: "open".into(),
            decision: assessment.decision.clone(),
            risk_score: assessment.risk_score,
            assessment_id: assessment.id,
            opened_at: assessment.created_at,
            updated_at: assessment.created_at,
        })
    }
}

/// What happened to the candidate's case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseChange {
    Opened(CaseRecord),
    /// The open case's decision or score changed.
    Updated {
        case: CaseRecord,
        previous_decision: String,
    },
    Unchanged,
}

const ASSESSMENT_COLUMNS: &str =
    "id, candidate_id, trigger_kind, risk_score, decision, complete, body, created_at";

fn assessment_from_row(row: &AnyRow) -> StoreResult<AssessmentRecord> {
    let body: String = row.try_get("body")?;
    Ok(AssessmentRecord {
        id: parse_uuid(row.try_get("id")?)?,
        candidate_id: parse_uuid(row.try_get("candidate_id")?)?,
        trigger: row.try_get("trigger_kind")?,
        risk_score: row.try_get("risk_score")?,
        decision: row.try_get("decision")?,
        complete: row.try_get::<i64, _>("complete")? != 0,
        body: serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("assessment body: {e}")))?,
        created_at: row.try_get("created_at")?,
    })
}

fn case_from_row(row: &AnyRow) -> StoreResult<CaseRecord> {
    Ok(CaseRecord {
        id: parse_uuid(row.try_get("id")?)?,
        candidate_id: parse_uuid(row.try_get("candidate_id")?)?,
        status: row.try_get("status")?,
        decision: row.try_get("decision")?,
        risk_score: row.try_get("risk_score")?,
        assessment_id: parse_uuid(row.try_get("assessment_id")?)?,
        opened_at: row.try_get("opened_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A write transaction spanning several areas of the store.
pub struct StoreTx {
    pub(super) tx: Transaction<'static, Any>,
    pub(super) tenant_id: Uuid,
    pub(super) backend: Backend,
    /// Outbox items added so far (see `enqueued_any`).
    pub(super) enqueued: usize,
}

impl Store {
    pub async fn begin(&self, tenant_id: Uuid) -> StoreResult<StoreTx> {
        Ok(StoreTx {
            tx: self.writer.begin().await?,
            tenant_id,
            backend: self.backend,
            enqueued: 0,
        })
    }

    /// A candidate's assessments, newest first.
    pub async fn list_assessments(
        &self,
        tenant_id: Uuid,
        candidate_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Page<AssessmentRecord>> {
        self.newest_first(
            &format!(
                "SELECT {ASSESSMENT_COLUMNS} FROM assessments \
                 WHERE tenant_id = $1 AND candidate_id = $2"
            ),
            (tenant_id, candidate_id),
            (before, limit),
            assessment_from_row,
            |x| x.id,
        )
        .await
    }

    pub async fn latest_assessment(
        &self,
        tenant_id: Uuid,
        candidate_id: Uuid,
    ) -> StoreResult<Option<AssessmentRecord>> {
        Ok(self
            .list_assessments(tenant_id, candidate_id, None, 1)
            .await?
            .items
            .into_iter()
            .next())
    }
}

impl StoreTx {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Makes the statements that follow act for `tenant_id`. One
    /// transaction may write for several tenants (a group commit of
    /// creates, `risk::batch`); every statement still filters and stamps on
    /// the tenant set here.
    pub fn set_tenant(&mut self, tenant_id: Uuid) {
        self.tenant_id = tenant_id;
    }

    /// Inserts the assessments (of this transaction's tenant) in one
    /// statement.
    pub async fn insert_assessments(&mut self, records: &[AssessmentRecord]) -> StoreResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO assessments \
             (id, tenant_id, candidate_id, trigger_kind, risk_score, decision, complete, body, created_at) \
             VALUES {}",
            value_rows(records.len(), "(?, $1, ?, ?, ?, ?, ?, ?, ?)", 2)
        );
        let mut query = sqlx::query(&sql).bind(self.tenant_id.to_string());
        for r in records {
            query = query
                .bind(r.id.to_string())
                .bind(r.candidate_id.to_string())
                .bind(r.trigger.as_str())
                .bind(r.risk_score)
                .bind(r.decision.as_str())
                .bind(i64::from(r.complete))
                .bind(r.body.to_string())
                .bind(r.created_at);
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Inserts newly opened cases (of this transaction's tenant) in one
    /// statement.
    pub async fn insert_cases(&mut self, cases: &[CaseRecord]) -> StoreResult<()> {
        if cases.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO cases (id, tenant_id, candidate_id, status, decision, risk_score, \
             assessment_id, opened_at, updated_at) VALUES {}",
            value_rows(cases.len(), "(?, $1, ?, 'open', ?, ?, ?, ?, ?)", 2)
        );
        let mut query = sqlx::query(&sql).bind(self.tenant_id.to_string());
        for c in cases {
            query = query
                .bind(c.id.to_string())
                .bind(c.candidate_id.to_string())
                .bind(c.decision.as_str())
                .bind(c.risk_score)
                .bind(c.assessment_id.to_string())
                .bind(c.opened_at)
                .bind(c.updated_at);
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Opens a case for a flagged assessment, or brings the open one up to
    /// date. A clear assessment leaves an open case alone: only an analyst
    /// closes it.
    pub async fn open_or_update_case(
        &mut self,
        assessment: &AssessmentRecord,
    ) -> StoreResult<CaseChange> {
        let existing = sqlx::query(
            "SELECT * FROM cases WHERE tenant_id = $1 AND candidate_id = $2 AND status = 'open'",
        )
        .bind(self.tenant_id.to_string())
        .bind(assessment.candidate_id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        let existing = existing.as_ref().map(case_from_row).transpose()?;
        let now = now_micros();
        match existing {
            None => match CaseRecord::opened_for(assessment) {
                Some(case) => {
                    self.insert_cases(std::slice::from_ref(&case)).await?;
                    Ok(CaseChange::Opened(case))
                }
                None => Ok(CaseChange::Unchanged),
            },
            Some(_) if assessment.decision == "clear" => Ok(CaseChange::Unchanged),
            Some(case)
                if case.decision == assessment.decision
                    && case.risk_score == assessment.risk_score =>
            {
                Ok(CaseChange::Unchanged)
            }
            Some(case) => {
                sqlx::query(
                    "UPDATE cases SET decision = $1, risk_score = $2, assessment_id = $3, \
                     updated_at = $4 WHERE tenant_id = $5 AND id = $6",
                )
                .bind(&assessment.decision)
                .bind(assessment.risk_score)
                .bind(assessment.id.to_string())
                .bind(now)
                .bind(self.tenant_id.to_string())
                .bind(case.id.to_string())
                .execute(&mut *self.tx)
                .await?;
                let previous_decision = case.decision.clone();
                Ok(CaseChange::Updated {
                    case: CaseRecord {
                        decision: assessment.decision.clone(),
                        risk_score: assessment.risk_score,
                        assessment_id: assessment.id,
                        updated_at: now,
                        ..case
                    },
                    previous_decision,
                })
            }
        }
    }
}
