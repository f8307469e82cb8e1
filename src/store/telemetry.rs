//! Telemetry reports and the identity keys that link candidates. A report
//! and the keys it yields are written in one transaction; erasing a
//! candidate removes both (see `candidates.rs`).

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

use super::{now_micros, parse_uuid, Backend, Page, Store, StoreError, StoreResult, StoreTx};
use crate::indicators::linkage::{IdentityKey, LinkKind, LinkedCandidate};

/// Where an identity key came from: candidate keys are replaced on every
/// update, telemetry keys accumulate with the time they were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Candidate,
    Telemetry,
}

impl KeySource {
    fn as_str(self) -> &'static str {
        match self {
            KeySource::Candidate => "candidate",
            KeySource::Telemetry => "telemetry",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryRecord {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub context: String,
    pub collected_at: i64,
    pub received_at: i64,
    /// The report as posted; only loaded when asked for.
    pub body: Option<serde_json::Value>,
    pub signals: serde_json::Value,
}

pub struct NewTelemetry<'a> {
    pub candidate_id: Uuid,
    pub context: &'a str,
    pub collected_at: i64,
    pub body: &'a serde_json::Value,
    pub signals: &'a serde_json::Value,
    pub keys: &'a [IdentityKey],
}

fn parse_json(text: &str, what: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn from_row(row: &AnyRow, with_body: bool) -> StoreResult<TelemetryRecord> {
    let body = if with_body {
        let text: String = row.try_get("body")?;
        Some(parse_json(&text, "telemetry body")?)
    } else {
        None
    };
    let signals: String = row.try_get("signals")?;
    Ok(TelemetryRecord {
        id: parse_uuid(row.try_get("id")?)?,
        candidate_id: parse_uuid(row.try_get("candidate_id")?)?,
        context: row.try_get("context")?,
        collected_at: row.try_get("collected_at")?,
        received_at: row.try_get("received_at")?,
        body,
        signals: parse_json(&signals, "telemetry signals")?,
    })
}

/// Adds keys; with `replace`, first drops the candidate's keys of `source`.
pub(super) async fn write_keys(
    tx: &mut Transaction<'_, Any>,
    tenant_id: Uuid,
    candidate_id: Uuid,
    source: KeySource,
    keys: &[IdentityKey],
    seen_at: i64,
    replace: bool,
) -> StoreResult<()> {
    if replace {
        sqlx::query(
            "DELETE FROM identity_keys WHERE tenant_id = $1 AND candidate_id = $2 AND source = $3",
        )
        .bind(tenant_id.to_string())
        .bind(candidate_id.to_string())
        .bind(source.as_str())
        .execute(&mut **tx)
        .await?;
    }
    if keys.is_empty() {
        return Ok(());
    }
    // One multi-row INSERT: under load every statement on the single
    // SQLite writer counts.
    let rows: Vec<String> = (0..keys.len())
        .map(|i| {
            let b = i * 6;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO identity_keys (tenant_id, kind, digest, candidate_id, source, seen_at) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for key in keys {
        query = query
            .bind(tenant_id.to_string())
            .bind(key.kind.as_str())
            .bind(&key.digest)
            .bind(candidate_id.to_string())
            .bind(source.as_str())
            .bind(seen_at);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

impl Store {
    pub async fn insert_telemetry(
        &self,
        tenant_id: Uuid,
        report: NewTelemetry<'_>,
    ) -> StoreResult<TelemetryRecord> {
        let id = Uuid::now_v7();
        let now = now_micros();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO telemetry_reports \
             (id, tenant_id, candidate_id, context, collected_at, received_at, body, signals) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(tenant_id.to_string())
        .bind(report.candidate_id.to_string())
        .bind(report.context)
        .bind(report.collected_at)
        .bind(now)
        .bind(report.body.to_string())
        .bind(report.signals.to_string())
        .execute(&mut *tx)
        .await?;
        write_keys(
            &mut tx,
            tenant_id,
            report.candidate_id,
            KeySource::Telemetry,
            report.keys,
            report.collected_at,
            false,
        )
        .await?;
        tx.commit().await?;
        Ok(TelemetryRecord {
            id,
            candidate_id: report.candidate_id,
            context: report.context.to_string(),
            collected_at: report.collected_at,
            received_at: now,
            body: None,
            signals: report.signals.clone(),
        })
    }

    /// A candidate's reports, newest first, without their bodies.
    pub async fn list_telemetry(
        &self,
        tenant_id: Uuid,
        candidate_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Page<TelemetryRecord>> {
        self.newest_first(
            "SELECT id, candidate_id, context, collected_at, received_at, signals \
             FROM telemetry_reports WHERE tenant_id = $1 AND candidate_id = $2",
            (tenant_id, candidate_id),
            (before, limit),
            |r| from_row(r, false),
            |x| x.id,
        )
        .await
    }

    pub async fn get_telemetry(
        &self,
        tenant_id: Uuid,
        candidate_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<TelemetryRecord>> {
        let row = sqlx::query(
            "SELECT id, candidate_id, context, collected_at, received_at, body, signals \
             FROM telemetry_reports WHERE tenant_id = $1 AND candidate_id = $2 AND id = $3",
        )
        .bind(tenant_id.to_string())
        .bind(candidate_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|r| from_row(r, true)).transpose()
    }

    /// The live candidates sharing an identity key with `candidate_id`. IP
    /// keys only link when both were seen within `ip_window_micros`.
    pub async fn linked_candidates(
        &self,
        tenant_id: Uuid,
        candidate_id: Uuid,
        ip_window_micros: i64,
    ) -> StoreResult<BTreeMap<LinkKind, Vec<LinkedCandidate>>> {
        linked_candidates(&self.pool, tenant_id, candidate_id, ip_window_micros).await
    }

    /// The tenant's settings document (`{}` until one is saved).
    pub async fn tenant_settings(&self, tenant_id: Uuid) -> StoreResult<serde_json::Value> {
        let row = sqlx::query("SELECT data FROM tenant_settings WHERE tenant_id = $1")
            .bind(tenant_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => parse_json(&row.try_get::<String, _>("data")?, "tenant settings"),
            None => Ok(serde_json::json!({})),
        }
    }

    pub async fn put_tenant_settings(
        &self,
        tenant_id: Uuid,
        data: &serde_json::Value,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenant_settings (tenant_id, data, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(tenant_id.to_string())
        .bind(data.to_string())
        .bind(now_micros())
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

impl StoreTx {
    /// [`Store::linked_candidates`] inside this transaction: it sees the
    /// keys this transaction wrote.
    pub async fn linked_candidates(
        &mut self,
        candidate_id: Uuid,
        ip_window_micros: i64,
    ) -> StoreResult<BTreeMap<LinkKind, Vec<LinkedCandidate>>> {
        let tenant_id = self.tenant_id;
        linked_candidates(&mut *self.tx, tenant_id, candidate_id, ip_window_micros).await
    }

    /// On PostgreSQL, the ids of the transaction advisory locks to take on
    /// `keys` (of this tenant) before they are written, held until commit.
    /// Two candidates created at once with a shared key then go one after
    /// the other, and the second sees the first's keys when it looks for
    /// links: without the locks, under READ COMMITTED each could miss the
    /// other's uncommitted keys. Sorted, so every transaction takes them in
    /// one order and no two can wait on each other in a cycle. Empty on
    /// SQLite, whose writes already go one transaction at a time.
    pub(super) fn identity_key_locks(&self, keys: &[IdentityKey]) -> Vec<i64> {
        if self.backend != Backend::Postgres {
            return Vec::new();
        }
        let mut ids = key_lock_ids(self.tenant_id, keys);
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The advisory lock ids of a tenant's `keys` (unsorted, with repeats).
pub(super) fn key_lock_ids(tenant_id: Uuid, keys: &[IdentityKey]) -> Vec<i64> {
    let tenant_bits = tenant_id.as_u64_pair().0;
    keys.iter()
        .map(|k| {
            // The digest is already a SHA-256: its first 64 bits are as
            // good a lock id as any. A collision, with another key or
            // the list-refresh lock (`store/lists.rs`), only costs a wait.
            let bits = u64::from_str_radix(k.digest.get(..16).unwrap_or("0"), 16).unwrap_or(0);
            (bits ^ tenant_bits) as i64
        })
        .collect()
}

async fn linked_candidates<'e, E>(
    executor: E,
    tenant_id: Uuid,
    candidate_id: Uuid,
    ip_window_micros: i64,
) -> StoreResult<BTreeMap<LinkKind, Vec<LinkedCandidate>>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT mine.kind AS kind, mine.seen_at AS my_seen, theirs.seen_at AS their_seen, \
                c.id AS other_id, c.external_id AS other_external_id \
         FROM identity_keys mine \
         JOIN identity_keys theirs \
           ON theirs.tenant_id = mine.tenant_id AND theirs.kind = mine.kind \
          AND theirs.digest = mine.digest AND theirs.candidate_id <> mine.candidate_id \
         JOIN candidates c \
           ON c.tenant_id = theirs.tenant_id AND c.id = theirs.candidate_id \
          AND c.erased_at IS NULL \
         WHERE mine.tenant_id = $1 AND mine.candidate_id = $2",
    )
    .bind(tenant_id.to_string())
    .bind(candidate_id.to_string())
    .fetch_all(executor)
    .await?;
    let mut links: BTreeMap<LinkKind, Vec<LinkedCandidate>> = BTreeMap::new();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let Some(kind) = LinkKind::parse(&kind) else {
            return Err(StoreError::Corrupt(format!("identity key kind {kind:?}")));
        };
        let (mine, theirs): (i64, i64) = (row.try_get("my_seen")?, row.try_get("their_seen")?);
        if kind == LinkKind::Ip && (mine - theirs).abs() > ip_window_micros {
            continue;
        }
        links.entry(kind).or_default().push(LinkedCandidate {
            candidate_id: parse_uuid(row.try_get("other_id")?)?,
            external_id: row.try_get("other_external_id")?,
        });
    }
    for others in links.values_mut() {
        others.sort();
        others.dedup();
    }
    Ok(links)
}
