//! Telemetry reports and the identity keys that link candidates. A report
//! and the keys it yields are written in one transaction; erasing a
//! candidate removes both (see `candidates.rs`).

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use uuid::Uuid;

use super::{now_micros, parse_uuid, value_rows, Page, Store, StoreError, StoreResult, StoreTx};
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
    insert_keys(tx, tenant_id, source, seen_at, &[(candidate_id, keys)]).await
}

/// Inserts each candidate's `keys`, all seen at `seen_at`, in one
/// multi-row statement: under load every statement on the writer counts.
pub(super) async fn insert_keys(
    tx: &mut Transaction<'_, Any>,
    tenant_id: Uuid,
    source: KeySource,
    seen_at: i64,
    keys: &[(Uuid, &[IdentityKey])],
) -> StoreResult<()> {
    let count: usize = keys.iter().map(|(_, k)| k.len()).sum();
    if count == 0 {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO identity_keys (tenant_id, kind, digest, candidate_id, source, seen_at) VALUES {}",
        value_rows(count, "($1, ?, ?, ?, $2, $3)", 4)
    );
    let mut query = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(source.as_str())
        .bind(seen_at);
    for (candidate_id, keys) in keys {
        for key in *keys {
            query = query
                .bind(key.kind.as_str())
                .bind(&key.digest)
                .bind(candidate_id.to_string());
        }
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
        let mut conn = self.pool.acquire().await?;
        linked_candidates(&mut conn, tenant_id, candidate_id, ip_window_micros).await
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
    /// The links of candidates just created in this transaction, each
    /// with the keys it was created with (seen at `seen_at`), in the order
    /// created: each sees the candidates created before it, here or
    /// committed, and not those after it, as if created one by one.
    pub async fn links_of_created(
        &mut self,
        created: &[(Uuid, &[IdentityKey])],
        seen_at: i64,
    ) -> StoreResult<Vec<BTreeMap<LinkKind, Vec<LinkedCandidate>>>> {
        let holders: Vec<KeyHolder> = created
            .iter()
            .map(|(id, keys)| KeyHolder {
                candidate: id.to_string(),
                keys: keys
                    .iter()
                    .map(|k| (k.kind.as_str().to_string(), k.digest.clone(), seen_at))
                    .collect(),
            })
            .collect();
        let tenant_id = self.tenant_id;
        // No IP keys on a new candidate: the window never applies.
        links_of(&mut self.tx, tenant_id, &holders, 0).await
    }
}

/// The advisory lock id of a tenant's key.
pub(super) fn key_lock_id(tenant_id: Uuid, key: &IdentityKey) -> i64 {
    let tenant_bits = tenant_id.as_u64_pair().0;
    // The digest is already a SHA-256: its first 64 bits are as good a
    // lock id as any. A collision, with another key or the list-refresh
    // lock (`store/lists.rs`), only costs a wait.
    let bits = u64::from_str_radix(key.digest.get(..16).unwrap_or("0"), 16).unwrap_or(0);
    (bits ^ tenant_bits) as i64
}

/// A candidate whose links are looked for, with its keys: (kind, digest,
/// when seen).
struct KeyHolder {
    candidate: String,
    keys: Vec<(String, String, i64)>,
}

async fn linked_candidates(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    candidate_id: Uuid,
    ip_window_micros: i64,
) -> StoreResult<BTreeMap<LinkKind, Vec<LinkedCandidate>>> {
    let keys: Vec<(String, String, i64)> = sqlx::query(
        "SELECT kind, digest, seen_at FROM identity_keys WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant_id.to_string())
    .bind(candidate_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("kind")?, row.try_get("digest")?, row.try_get("seen_at")?)))
    .collect::<StoreResult<_>>()?;
    let holder = KeyHolder {
        candidate: candidate_id.to_string(),
        keys,
    };
    let mut links = links_of(conn, tenant_id, &[holder], ip_window_micros).await?;
    Ok(links.pop().unwrap_or_default())
}

/// For each holder, the live candidates sharing a key with it, apart from
/// the holders after it. IP keys only link when both were seen within
/// `ip_window_micros`.
///
/// Statements on one table each, so each has one obvious index whatever
/// the statistics. As one self-join with the candidates, PostgreSQL
/// without statistics (a table never analysed, as with autovacuum off)
/// took the tenant's candidates for a handful and drove the join from
/// them: every create read every candidate of its tenant, and
/// create-and-assess slowed as the table grew. Here the keys are probed
/// one by one, and the candidates behind them, when there are any, fetched
/// by primary key.
async fn links_of(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    holders: &[KeyHolder],
    ip_window_micros: i64,
) -> StoreResult<Vec<BTreeMap<LinkKind, Vec<LinkedCandidate>>>> {
    let mut links: Vec<BTreeMap<LinkKind, Vec<LinkedCandidate>>> =
        holders.iter().map(|_| BTreeMap::new()).collect();
    // A key held more than once (an IP in several reports, a phone shared
    // within a batch) is probed once.
    let mut probes: Vec<(&str, &str)> = holders
        .iter()
        .flat_map(|h| h.keys.iter().map(|(k, d, _)| (k.as_str(), d.as_str())))
        .collect();
    probes.sort_unstable();
    probes.dedup();
    if probes.is_empty() {
        return Ok(links);
    }
    let tenant = tenant_id.to_string();
    let sql = (0..probes.len())
        .map(|i| {
            format!(
                "SELECT kind, digest, seen_at, candidate_id FROM identity_keys \
                 WHERE tenant_id = $1 AND kind = ${} AND digest = ${}",
                2 * i + 2,
                2 * i + 3
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut query = sqlx::query(&sql).bind(&tenant);
    for (kind, digest) in probes {
        query = query.bind(kind).bind(digest);
    }
    let mut holders_of: HashMap<(String, String), Vec<(String, i64)>> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        holders_of
            .entry((row.try_get("kind")?, row.try_get("digest")?))
            .or_default()
            .push((row.try_get("candidate_id")?, row.try_get("seen_at")?));
    }
    // Per holder, (kind, other candidate) for each sharing that counts.
    let mut shared: Vec<Vec<(LinkKind, &str)>> = Vec::with_capacity(holders.len());
    for (i, holder) in holders.iter().enumerate() {
        let later = |id: &str| holders[i + 1..].iter().any(|h| h.candidate == id);
        let mut mine = Vec::new();
        for (kind, digest, seen) in &holder.keys {
            let Some(link) = LinkKind::parse(kind) else {
                return Err(StoreError::Corrupt(format!("identity key kind {kind:?}")));
            };
            let others = holders_of.get(&(kind.clone(), digest.clone()));
            for (other, theirs) in others.into_iter().flatten() {
                if *other == holder.candidate || later(other) {
                    continue;
                }
                if link == LinkKind::Ip && (seen - theirs).abs() > ip_window_micros {
                    continue;
                }
                mine.push((link, other.as_str()));
            }
        }
        shared.push(mine);
    }
    let mut others: Vec<&str> = shared.iter().flatten().map(|(_, id)| *id).collect();
    others.sort_unstable();
    others.dedup();
    if others.is_empty() {
        return Ok(links);
    }
    let placeholders: Vec<String> = (0..others.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT id, external_id FROM candidates \
         WHERE tenant_id = $1 AND erased_at IS NULL AND id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(&tenant);
    for id in &others {
        query = query.bind(*id);
    }
    // Erased candidates are not found, and link nothing.
    let mut live: HashMap<String, String> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        live.insert(row.try_get("id")?, row.try_get("external_id")?);
    }
    for (mine, found) in links.iter_mut().zip(shared) {
        for (link, id) in found {
            if let Some(external_id) = live.get(id) {
                mine.entry(link).or_default().push(LinkedCandidate {
                    candidate_id: parse_uuid(id.to_string())?,
                    external_id: external_id.clone(),
                });
            }
        }
        for others in mine.values_mut() {
            others.sort();
            others.dedup();
        }
    }
    Ok(links)
}
