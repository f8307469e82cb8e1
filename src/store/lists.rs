//! Sanctions-list snapshots and per-source fetch state. Lists are shared
//! reference data, not tenant data, so these queries take no tenant.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::{now_micros, Store, StoreError, StoreResult};
use crate::screening::lists::{ListEntry, SnapshotMeta};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotStatus {
    Live,
    Superseded,
    Rejected,
}

impl SnapshotStatus {
    fn as_str(self) -> &'static str {
        match self {
            SnapshotStatus::Live => "live",
            SnapshotStatus::Superseded => "superseded",
            SnapshotStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "live" => Ok(SnapshotStatus::Live),
            "superseded" => Ok(SnapshotStatus::Superseded),
            "rejected" => Ok(SnapshotStatus::Rejected),
            other => Err(StoreError::Corrupt(format!("snapshot status {other:?}"))),
        }
    }
}

/// A stored snapshot without its entries.
#[derive(Debug, Clone)]
pub struct SnapshotRecord {
    pub meta: SnapshotMeta,
    pub status: SnapshotStatus,
    /// Parse counts, warnings and the diff against the previous version.
    pub report: serde_json::Value,
    pub reject_reason: Option<String>,
}

/// A snapshot to store.
pub struct NewSnapshot<'a> {
    pub list_id: &'a str,
    pub sha256: &'a str,
    pub source_version: Option<&'a str>,
    pub report: serde_json::Value,
    pub entries: &'a [ListEntry],
    /// `None` for a version going live, the reason for a rejected one.
    pub reject_reason: Option<String>,
}

/// Fetch bookkeeping for one source.
#[derive(Debug, Clone, Default)]
pub struct SourceState {
    pub http_cache: Option<serde_json::Value>,
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

const SUMMARY: &str =
    "id, list_id, status, sha256, source_version, fetched_at, entry_count, report, reject_reason";

fn summary_from_row(row: &AnyRow) -> StoreResult<SnapshotRecord> {
    let sha256: String = row.try_get("sha256")?;
    let report: String = row.try_get("report")?;
    let count: i64 = row.try_get("entry_count")?;
    Ok(SnapshotRecord {
        meta: SnapshotMeta {
            snapshot_id: row.try_get("id")?,
            list_id: row.try_get("list_id")?,
            version: sha256.chars().take(12).collect(),
            sha256,
            source_version: row.try_get("source_version")?,
            loaded_at: row.try_get("fetched_at")?,
            entry_count: usize::try_from(count).unwrap_or(0),
        },
        status: SnapshotStatus::parse(&row.try_get::<String, _>("status")?)?,
        report: serde_json::from_str(&report)
            .map_err(|e| StoreError::Corrupt(format!("snapshot report: {e}")))?,
        reject_reason: row.try_get("reject_reason")?,
    })
}

impl Store {
    /// Stores a snapshot. A live one replaces the list's previous live one in
    /// the same transaction, so there is never zero or two live versions.
    pub async fn insert_snapshot(&self, new: NewSnapshot<'_>) -> StoreResult<SnapshotRecord> {
        let id = Uuid::now_v7().to_string();
        let now = now_micros();
        let status = if new.reject_reason.is_some() {
            SnapshotStatus::Rejected
        } else {
            SnapshotStatus::Live
        };
        let entries = serde_json::to_string(new.entries)
            .map_err(|e| StoreError::Corrupt(format!("entries: {e}")))?;
        let mut tx = self.writer.begin().await?;
        if status == SnapshotStatus::Live {
            sqlx::query(
                "UPDATE list_snapshots SET status = 'superseded' WHERE list_id = $1 AND status = 'live'",
            )
            .bind(new.list_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO list_snapshots (id, list_id, status, sha256, source_version, fetched_at, \
             entry_count, report, reject_reason, entries) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(new.list_id)
        .bind(status.as_str())
        .bind(new.sha256)
        .bind(new.source_version)
        .bind(now)
        .bind(new.entries.len() as i64)
        .bind(new.report.to_string())
        .bind(new.reject_reason.as_deref())
        .bind(entries)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get_snapshot(&id)
            .await?
            .ok_or(StoreError::NotFound("snapshot"))
    }

    /// Makes an earlier, identical snapshot live again instead of storing
    /// the same content twice.
    pub async fn relive_snapshot(&self, list_id: &str, snapshot_id: &str) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE list_snapshots SET status = 'superseded' WHERE list_id = $1 AND status = 'live'",
        )
        .bind(list_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE list_snapshots SET status = 'live' WHERE list_id = $1 AND id = $2")
            .bind(list_id)
            .bind(snapshot_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_snapshot(&self, id: &str) -> StoreResult<Option<SnapshotRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY} FROM list_snapshots WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// The live snapshot of every list.
    pub async fn live_snapshots(&self) -> StoreResult<Vec<SnapshotRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY} FROM list_snapshots WHERE status = 'live' ORDER BY list_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    pub async fn live_snapshot(&self, list_id: &str) -> StoreResult<Option<SnapshotRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY} FROM list_snapshots WHERE list_id = $1 AND status = 'live'"
        ))
        .bind(list_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// A non-rejected snapshot of `list_id` with exactly this content.
    pub async fn find_snapshot_by_sha(
        &self,
        list_id: &str,
        sha256: &str,
    ) -> StoreResult<Option<SnapshotRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY} FROM list_snapshots \
             WHERE list_id = $1 AND sha256 = $2 AND status <> 'rejected' \
             ORDER BY fetched_at DESC LIMIT 1"
        ))
        .bind(list_id)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// Snapshots of a list, newest first, rejected ones included.
    pub async fn snapshot_history(
        &self,
        list_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<SnapshotRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY} FROM list_snapshots WHERE list_id = $1 \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(list_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    pub async fn snapshot_entries(&self, id: &str) -> StoreResult<Vec<ListEntry>> {
        let row = sqlx::query("SELECT entries FROM list_snapshots WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("snapshot"))?;
        let text: String = row.try_get("entries")?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("entries: {e}")))
    }

    pub async fn source_state(&self, list_id: &str) -> StoreResult<SourceState> {
        let row = sqlx::query(
            "SELECT http_cache, last_success_at, last_attempt_at, last_error, last_error_at \
             FROM list_sources WHERE list_id = $1",
        )
        .bind(list_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(SourceState::default());
        };
        let cache: Option<String> = row.try_get("http_cache")?;
        Ok(SourceState {
            http_cache: cache.and_then(|c| serde_json::from_str(&c).ok()),
            last_success_at: row.try_get("last_success_at")?,
            last_attempt_at: row.try_get("last_attempt_at")?,
            last_error: row.try_get("last_error")?,
            last_error_at: row.try_get("last_error_at")?,
        })
    }

    /// Records a fetch that ended with the list confirmed current.
    pub async fn record_source_success(
        &self,
        list_id: &str,
        http_cache: Option<&serde_json::Value>,
    ) -> StoreResult<()> {
        let now = now_micros();
        sqlx::query(
            "INSERT INTO list_sources (list_id, http_cache, last_success_at, last_attempt_at) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (list_id) DO UPDATE SET \
               http_cache = COALESCE(EXCLUDED.http_cache, list_sources.http_cache), \
               last_success_at = EXCLUDED.last_success_at, \
               last_attempt_at = EXCLUDED.last_attempt_at",
        )
        .bind(list_id)
        .bind(http_cache.map(|c| c.to_string()))
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Records a failed or rejected fetch; the live snapshot is untouched.
    pub async fn record_source_error(&self, list_id: &str, error: &str) -> StoreResult<()> {
        let now = now_micros();
        sqlx::query(
            "INSERT INTO list_sources (list_id, last_attempt_at, last_error, last_error_at) \
             VALUES ($1, $2, $3, $2) \
             ON CONFLICT (list_id) DO UPDATE SET \
               last_attempt_at = EXCLUDED.last_attempt_at, \
               last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at",
        )
        .bind(list_id)
        .bind(now)
        .bind(error)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

/// Held while one replica refreshes lists; others skip their turn.
pub struct RefreshLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
}

/// Arbitrary but fixed: the advisory-lock key for list refresh.
const LIST_REFRESH_LOCK: i64 = 0x6869_7665_7401;

impl Store {
    /// On PostgreSQL a session advisory lock, so only one replica fetches
    /// at a time; SQLite has a single process and needs none.
    pub async fn try_refresh_lock(&self) -> StoreResult<Option<RefreshLock>> {
        if self.backend == super::Backend::Sqlite {
            return Ok(Some(RefreshLock { conn: None }));
        }
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS locked")
            .bind(LIST_REFRESH_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        let locked: bool = row.try_get("locked")?;
        Ok(locked.then_some(RefreshLock { conn: Some(conn) }))
    }
}

impl RefreshLock {
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LIST_REFRESH_LOCK)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // Closing the session releases the lock for certain.
                let _ = conn.detach();
            }
        }
    }
}
