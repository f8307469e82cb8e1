//! Candidates. The validated data is kept as its canonical JSON; erasure
//! drops it (and any replayable response that contains it) and leaves a
//! tombstone with the ids and timestamps.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::telemetry::{key_lock_ids, write_keys, KeySource};
use super::{
    is_unique_violation, now_micros, parse_uuid, Backend, Store, StoreError, StoreResult, StoreTx,
};
use crate::domain::CandidateData;
use crate::indicators::linkage::candidate_keys;

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub external_id: String,
    /// `None` once the candidate has been erased.
    pub data: Option<CandidateData>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub erased_at: Option<i64>,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created(CandidateRecord),
    /// A live candidate with the same external id already exists.
    Existing(CandidateRecord),
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The last id of this page when another page follows.
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// A page from `limit + 1` fetched rows: the extra row only says that
    /// another page follows.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Page<T> {
        let next_after = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(id)
        } else {
            None
        };
        Page { items, next_after }
    }
}

impl Store {
    /// One page of `limit` rows, newest first, of the rows `select` picks
    /// for a tenant and one owner (it ends `WHERE tenant_id = $1 AND
    /// <owner> = $2`), older than the id `before`: the shape of every
    /// per-candidate and per-endpoint history.
    pub(super) async fn newest_first<T>(
        &self,
        select: &str,
        (tenant_id, owner_id): (Uuid, Uuid),
        (before, limit): (Option<Uuid>, u32),
        from_row: impl Fn(&AnyRow) -> StoreResult<T>,
        id: impl Fn(&T) -> Uuid,
    ) -> StoreResult<Page<T>> {
        let rows = sqlx::query(&format!(
            "{select} AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(tenant_id.to_string())
        .bind(owner_id.to_string())
        .bind(before.map(|b| b.to_string()).unwrap_or_default())
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, id))
    }
}

const COLUMNS: &str =
    "id, tenant_id, external_id, data, revision, created_at, updated_at, erased_at";

fn from_row(row: &AnyRow) -> StoreResult<CandidateRecord> {
    let data: Option<String> = row.try_get("data")?;
    let data = data
        .map(|text| {
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("candidate data: {e}")))?;
            CandidateData::parse(&value)
                .map_err(|e| StoreError::Corrupt(format!("candidate data: {e}")))
        })
        .transpose()?;
    Ok(CandidateRecord {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id")?)?,
        external_id: row.try_get("external_id")?,
        data,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        erased_at: row.try_get("erased_at")?,
    })
}

fn data_json(data: &CandidateData) -> String {
    data.to_value().to_string()
}

fn external_id_taken(err: sqlx::Error) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::Conflict("another candidate has this external_id".into())
    } else {
        err.into()
    }
}

impl StoreTx {
    /// On PostgreSQL, takes at once (sorted) the identity-key locks of
    /// every candidate about to be created in this transaction, each
    /// `(tenant, data)`. `create_candidate` takes each candidate's own locks
    /// again (a no-op once held), but one after another: two batches whose
    /// candidates share keys in crossing order would then wait on each
    /// other in a cycle until PostgreSQL's deadlock check (a second) broke
    /// it. Taken in one sorted set, they queue instead. Nothing on SQLite.
    pub async fn lock_identity_keys<'a>(
        &mut self,
        candidates: impl IntoIterator<Item = (Uuid, &'a CandidateData)>,
    ) -> StoreResult<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut ids: Vec<i64> = candidates
            .into_iter()
            .flat_map(|(tenant, data)| key_lock_ids(tenant, &candidate_keys(data)))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let calls: Vec<String> = (1..=ids.len())
            .map(|i| format!("pg_advisory_xact_lock(${i})"))
            .collect();
        // pg_advisory_xact_lock returns void, which the Any driver cannot
        // decode: select a plain value from it instead.
        let sql = format!(
            "SELECT 1 AS locked FROM (SELECT {}) AS locks",
            calls.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id);
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Creates the candidate with its identity keys unless a live one with
    /// its external id exists, in which case that one is returned untouched
    /// (and the caller should roll back). Part of a larger transaction, so
    /// the candidate's first assessment commits with it.
    pub async fn create_candidate(&mut self, data: &CandidateData) -> StoreResult<CreateOutcome> {
        let tenant_id = self.tenant_id;
        let now = now_micros();
        let id = Uuid::now_v7();
        let keys = candidate_keys(data);
        let locks = self.identity_key_locks(&keys);
        // The key locks (PostgreSQL, see `identity_key_locks`) are taken by
        // this same statement, saving a round trip on the busiest write.
        let sql = if locks.is_empty() {
            "INSERT INTO candidates \
             (id, tenant_id, external_id, status, data, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, 'active', $4, 1, $5, $5) \
             ON CONFLICT (tenant_id, external_id) WHERE erased_at IS NULL DO NOTHING"
                .to_string()
        } else {
            let calls: Vec<String> = (0..locks.len())
                .map(|i| format!("pg_advisory_xact_lock(${})", i + 6))
                .collect();
            format!(
                "INSERT INTO candidates \
                 (id, tenant_id, external_id, status, data, revision, created_at, updated_at) \
                 SELECT $1, $2, $3, 'active', $4, 1, $5, $5 FROM (SELECT {}) AS locks \
                 ON CONFLICT (tenant_id, external_id) WHERE erased_at IS NULL DO NOTHING",
                calls.join(", ")
            )
        };
        let mut query = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(tenant_id.to_string())
            .bind(data.external_id().as_str())
            .bind(data_json(data))
            .bind(now);
        for lock in locks {
            query = query.bind(lock);
        }
        let inserted = query.execute(&mut *self.tx).await?;
        if inserted.rows_affected() == 0 {
            // The conflicting row is committed (PostgreSQL waited for it),
            // so this statement sees it.
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM candidates \
                 WHERE tenant_id = $1 AND external_id = $2 AND erased_at IS NULL"
            ))
            .bind(tenant_id.to_string())
            .bind(data.external_id().as_str())
            .fetch_optional(&mut *self.tx)
            .await?;
            let existing = row
                .as_ref()
                .map(from_row)
                .transpose()?
                // Erased between our insert and this read: report it plainly.
                .ok_or_else(|| StoreError::Conflict("candidate changed concurrently".into()))?;
            return Ok(CreateOutcome::Existing(existing));
        }
        // A new id has no keys yet: nothing to replace.
        write_keys(
            &mut self.tx,
            tenant_id,
            id,
            KeySource::Candidate,
            &keys,
            now,
            false,
        )
        .await?;
        Ok(CreateOutcome::Created(CandidateRecord {
            id,
            tenant_id,
            external_id: data.external_id().as_str().to_string(),
            data: Some(data.clone()),
            revision: 1,
            created_at: now,
            updated_at: now,
            erased_at: None,
        }))
    }
}

impl Store {
    /// Live or erased (a tombstone has `data: None`).
    pub async fn get_candidate(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<CandidateRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM candidates WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Live candidates in id (creation) order, `limit` per page, after the
    /// id `after`.
    pub async fn list_candidates(
        &self,
        tenant_id: Uuid,
        external_id: Option<&str>,
        after: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Page<CandidateRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM candidates \
             WHERE tenant_id = $1 AND erased_at IS NULL \
               AND ($2 IS NULL OR external_id = $2) AND id > $3 \
             ORDER BY id LIMIT $4"
        ))
        .bind(tenant_id.to_string())
        .bind(external_id)
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |x| x.id))
    }

    /// Replaces the data of a live candidate if it is still at `revision`.
    pub async fn update_candidate(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        revision: i64,
        data: &CandidateData,
    ) -> StoreResult<CandidateRecord> {
        let now = now_micros();
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE candidates SET external_id = $1, data = $2, revision = revision + 1, \
             updated_at = $3 \
             WHERE tenant_id = $4 AND id = $5 AND revision = $6 AND erased_at IS NULL",
        )
        .bind(data.external_id().as_str())
        .bind(data_json(data))
        .bind(now)
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .bind(revision)
        .execute(&mut *tx)
        .await
        .map_err(external_id_taken)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the candidate was changed or erased concurrently; fetch it and retry".into(),
            ));
        }
        let keys = candidate_keys(data);
        write_keys(
            &mut tx,
            tenant_id,
            id,
            KeySource::Candidate,
            &keys,
            now,
            true,
        )
        .await?;
        tx.commit().await?;
        self.get_candidate(tenant_id, id)
            .await?
            .ok_or(StoreError::NotFound("candidate"))
    }

    /// Erases personal data; returns the tombstone, or `None` if there is
    /// no such candidate. Erasing twice returns the same tombstone.
    pub async fn erase_candidate(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<CandidateRecord>> {
        let now = now_micros();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE candidates SET status = 'erased', data = NULL, erased_at = $1, \
             updated_at = $1, revision = revision + 1 \
             WHERE tenant_id = $2 AND id = $3 AND erased_at IS NULL",
        )
        .bind(now)
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        // Stored responses for replay, telemetry, identity keys, assessments
        // (names, addresses in evidence) and their events hold
        // personal data too. Cases keep only ids, decisions and scores.
        for sql in [
            "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND resource_id = $2",
            "DELETE FROM telemetry_reports WHERE tenant_id = $1 AND candidate_id = $2",
            "DELETE FROM identity_keys WHERE tenant_id = $1 AND candidate_id = $2",
            "DELETE FROM assessments WHERE tenant_id = $1 AND candidate_id = $2",
            "DELETE FROM outbox WHERE tenant_id = $1 AND candidate_id = $2",
        ] {
            sqlx::query(sql)
                .bind(tenant_id.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.get_candidate(tenant_id, id).await
    }
}
