//! Candidates. The validated data is kept as its canonical JSON; erasure
//! drops it (and any replayable response that contains it) and leaves a
//! tombstone with the ids and timestamps.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::telemetry::{insert_keys, key_lock_id, write_keys, KeySource};
use super::{
    is_unique_violation, now_micros, parse_uuid, value_rows, Backend, Store, StoreError,
    StoreResult, StoreTx,
};
use crate::domain::CandidateData;
use crate::indicators::linkage::{candidate_keys, IdentityKey};

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
    /// Creates the candidates (all of this transaction's tenant), in order,
    /// each with its identity keys (`candidate_keys` of its data, worked
    /// out once by the caller, who looks links up by them too), unless a live one with its external id
    /// exists (committed, or earlier in `items`): that one is then its
    /// outcome, untouched. A few statements for all of them, whatever
    /// their number, so a batch of creates shares its round trips. Part of
    /// a larger transaction, so the first assessments commit with them.
    pub async fn create_candidates(
        &mut self,
        items: &[(&CandidateData, &[IdentityKey])],
    ) -> StoreResult<Vec<CreateOutcome>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let tenant_id = self.tenant_id;
        let now = now_micros();
        self.lock_identity_keys(items.iter().flat_map(|(_, keys)| *keys))
            .await?;
        // A repeated external id finds the first of its kind.
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut fresh: Vec<(usize, Uuid)> = Vec::new();
        let mut repeat_of: Vec<Option<usize>> = vec![None; items.len()];
        for (i, (data, _)) in items.iter().enumerate() {
            match first_of.entry(data.external_id().as_str()) {
                Entry::Occupied(first) => repeat_of[i] = Some(*first.get()),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    fresh.push((i, Uuid::now_v7()));
                }
            }
        }
        let sql = format!(
            "INSERT INTO candidates \
             (id, tenant_id, external_id, status, data, revision, created_at, updated_at) \
             VALUES {} \
             ON CONFLICT (tenant_id, external_id) WHERE erased_at IS NULL DO NOTHING \
             RETURNING id",
            value_rows(fresh.len(), "(?, $1, ?, 'active', ?, 1, $2, $2)", 3)
        );
        let mut query = sqlx::query(&sql).bind(tenant_id.to_string()).bind(now);
        for &(i, id) in &fresh {
            query = query
                .bind(id.to_string())
                .bind(items[i].0.external_id().as_str())
                .bind(data_json(items[i].0));
        }
        let inserted: HashSet<String> = query
            .fetch_all(&mut *self.tx)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        let mut outcomes: Vec<Option<CreateOutcome>> = (0..items.len()).map(|_| None).collect();
        let mut new_keys: Vec<(Uuid, &[IdentityKey])> = Vec::new();
        for (i, id) in fresh {
            let (data, keys) = items[i];
            outcomes[i] = Some(if inserted.contains(&id.to_string()) {
                new_keys.push((id, keys));
                CreateOutcome::Created(CandidateRecord {
                    id,
                    tenant_id,
                    external_id: data.external_id().as_str().to_string(),
                    data: Some(data.clone()),
                    revision: 1,
                    created_at: now,
                    updated_at: now,
                    erased_at: None,
                })
            } else {
                CreateOutcome::Existing(self.live_with_external_id(data).await?)
            });
        }
        insert_keys(
            &mut self.tx,
            tenant_id,
            KeySource::Candidate,
            now,
            &new_keys,
        )
        .await?;
        for (i, first) in repeat_of.iter().enumerate() {
            if let Some(first) = *first {
                let (CreateOutcome::Created(record) | CreateOutcome::Existing(record)) = outcomes
                    [first]
                    .as_ref()
                    .expect("a first occurrence has its outcome");
                outcomes[i] = Some(CreateOutcome::Existing(record.clone()));
            }
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// The live candidate whose external id kept `data` from being created.
    async fn live_with_external_id(
        &mut self,
        data: &CandidateData,
    ) -> StoreResult<CandidateRecord> {
        // The conflicting row is committed (PostgreSQL waited for it), so
        // this statement sees it.
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM candidates \
             WHERE tenant_id = $1 AND external_id = $2 AND erased_at IS NULL"
        ))
        .bind(self.tenant_id.to_string())
        .bind(data.external_id().as_str())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref()
            .map(from_row)
            .transpose()?
            // Erased between our insert and this read: report it plainly.
            .ok_or_else(|| StoreError::Conflict("candidate changed concurrently".into()))
    }

    /// On PostgreSQL, the transaction advisory locks of `keys` (of this
    /// tenant), taken before they are written and held until commit. Two
    /// transactions creating candidates with a shared key then go one
    /// after the other, and the second sees the first's keys when it
    /// looks for links: without the locks, under READ COMMITTED each could
    /// miss the other's uncommitted keys. Taken in one statement, sorted,
    /// so every transaction takes them in one order and none waits on
    /// another in a cycle. Nothing on SQLite, whose writes already go one
    /// transaction at a time.
    async fn lock_identity_keys<'a>(
        &mut self,
        keys: impl Iterator<Item = &'a IdentityKey>,
    ) -> StoreResult<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut ids: Vec<i64> = keys.map(|k| key_lock_id(self.tenant_id, k)).collect();
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
