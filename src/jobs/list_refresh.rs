//! Keeping the sanctions lists current: fetch a source, parse it, pass the
//! sanity gates, store the snapshot with its diff against the live version,
//! and publish it in memory. A failed fetch or a rejected version is
//! recorded and never replaces a good live version. The same pipeline
//! serves the scheduler, `POST /v1/lists/refresh` and `hirevet lists import`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::fetch::{FetchOutcome, Fetcher};
use crate::config::{ListSource, ListsConfig};
use crate::screening::lists::{ListDiff, ListEntry, LiveList, LiveLists, ParseReport};
use crate::store::lists::{NewSnapshot, SnapshotRecord};
use crate::store::{format_micros, now_micros, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("no list source {0:?} is configured")]
    UnknownSource(String),
    #[error("source {0:?} has no locations to fetch from; use `hirevet lists import`")]
    NothingToFetch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one refresh or import did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// A new version went live.
    Updated {
        version: String,
        entries: usize,
        added: usize,
        removed: usize,
        changed: usize,
    },
    /// The source still has the live version's content.
    Unchanged { version: String },
    /// Parsed or fetched but refused; the live version stays.
    Rejected {
        reason: String,
        snapshot_id: Option<String>,
    },
    /// Could not be fetched; the live version stays.
    Failed { error: String },
}

/// A list's state as operators and screening need to know it.
#[derive(Debug, Clone, Serialize)]
pub struct ListStatus {
    pub id: String,
    pub format: &'static str,
    pub enabled: bool,
    /// `live`, `stale` (not confirmed current within max_list_age) or
    /// `never_loaded`.
    pub state: &'static str,
    pub version: Option<String>,
    pub source_version: Option<String>,
    pub loaded_at: Option<String>,
    /// Seconds since the live version was last confirmed current.
    pub age_seconds: Option<i64>,
    pub entries: Option<EntryCounts>,
    pub last_checked_at: Option<String>,
    pub last_error: Option<LastError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryCounts {
    pub total: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastError {
    pub message: String,
    pub at: String,
}

pub struct ListService {
    store: Store,
    live: Arc<LiveLists>,
    config: ListsConfig,
    fetcher: Fetcher,
    /// What `missing_lists` answered last, and when: every assessment asks.
    missing: std::sync::Mutex<Option<(std::time::Instant, Vec<String>)>>,
}

/// How long an answer of [`ListService::missing_lists`] is reused. Short
/// against `max_list_age` (hours); a list going live clears it at once.
const MISSING_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Content id of a set of files, independent of the order they came in.
fn content_sha256(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by_key(|a| a.0.to_ascii_lowercase());
    let mut hasher = Sha256::new();
    for (name, bytes) in sorted {
        hasher.update(name.to_ascii_lowercase().as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hex::encode(hasher.finalize())
}

fn report_json(report: &ParseReport, diff: Option<&ListDiff>) -> serde_json::Value {
    json!({
        "rows_read": report.rows_read,
        "rows_rejected": report.rows_rejected,
        "orphan_rows": report.orphan_rows,
        "warnings": report.warnings,
        "warnings_suppressed": report.warnings_suppressed,
        "diff": diff,
    })
}

impl ListService {
    pub fn new(store: Store, live: Arc<LiveLists>, config: ListsConfig) -> Result<Self, String> {
        let fetcher = Fetcher::new(config.fetch_timeout, config.max_download_bytes)
            .map_err(|e| e.to_string())?;
        Ok(ListService {
            store,
            live,
            config,
            fetcher,
            missing: std::sync::Mutex::new(None),
        })
    }

    pub fn live(&self) -> &Arc<LiveLists> {
        &self.live
    }

    pub fn config(&self) -> &ListsConfig {
        &self.config
    }

    fn source(&self, id: &str) -> Result<&ListSource, ListError> {
        self.config
            .source(id)
            .ok_or_else(|| ListError::UnknownSource(id.to_string()))
    }

    /// Loads into memory every live version the database has that memory
    /// does not (at start, and to pick up other replicas' refreshes).
    pub async fn load_live(&self) -> Result<usize, StoreError> {
        let mut fresh = Vec::new();
        for record in self.store.live_snapshots().await? {
            let current = self.live.get(&record.meta.list_id);
            if current.is_some_and(|c| c.meta.snapshot_id == record.meta.snapshot_id) {
                continue;
            }
            let entries = self
                .store
                .snapshot_entries(&record.meta.snapshot_id)
                .await?;
            fresh.push(LiveList::new(record.meta, entries));
        }
        let loaded = fresh.len();
        if loaded > 0 {
            self.publish(fresh).await?;
        }
        Ok(loaded)
    }

    /// Publishes new versions and rebuilds the index off the runtime.
    async fn publish(&self, lists: Vec<LiveList>) -> Result<(), StoreError> {
        let live = self.live.clone();
        let result = tokio::task::spawn_blocking(move || live.publish(lists))
            .await
            .map_err(|e| StoreError::Corrupt(format!("index build failed: {e}")));
        self.forget_missing();
        result
    }

    fn forget_missing(&self) {
        if let Ok(mut guard) = self.missing.lock() {
            *guard = None;
        }
    }

    /// The enabled lists that are not live (never loaded or stale), as
    /// `id (state)`; "no sanctions list is loaded" when none is configured
    /// and none loaded. An assessment is incomplete while this is not empty.
    pub async fn missing_lists(&self) -> Result<Vec<String>, StoreError> {
        if let Ok(guard) = self.missing.lock() {
            if let Some((at, missing)) = guard.as_ref() {
                if at.elapsed() < MISSING_TTL {
                    return Ok(missing.clone());
                }
            }
        }
        let mut missing: Vec<String> = self
            .status()
            .await?
            .iter()
            .filter(|s| s.enabled && s.state != "live")
            .map(|s| format!("{} ({})", s.id, s.state))
            .collect();
        if self.live.current().lists.is_empty() && missing.is_empty() {
            missing.push("no sanctions list is loaded".into());
        }
        if let Ok(mut guard) = self.missing.lock() {
            *guard = Some((std::time::Instant::now(), missing.clone()));
        }
        Ok(missing)
    }

    /// Fetches one source now and loads what it has.
    pub async fn refresh(&self, source_id: &str) -> Result<RefreshOutcome, ListError> {
        // Any outcome may change a list's state (a 304 confirms it current).
        self.forget_missing();
        let source = self.source(source_id)?.clone();
        if source.locations.is_empty() {
            return Err(ListError::NothingToFetch(source.id));
        }
        let state = self.store.source_state(&source.id).await?;
        let has_live = self.store.live_snapshot(&source.id).await?.is_some();
        // Validators only help when the version they describe is loaded.
        let cache = state.http_cache.as_ref().filter(|_| has_live);
        match self.fetcher.fetch(&source.locations, cache).await {
            Ok(FetchOutcome::NotModified) => {
                self.store.record_source_success(&source.id, None).await?;
                let version = self
                    .live
                    .get(&source.id)
                    .map(|l| l.meta.version.clone())
                    .unwrap_or_default();
                Ok(RefreshOutcome::Unchanged { version })
            }
            Ok(FetchOutcome::Downloaded(download)) => {
                self.load(&source, download.files, Some(download.http_cache), false)
                    .await
            }
            Err(e) => {
                let error = e.to_string();
                tracing::warn!(list = %source.id, %error, "list fetch failed; live version kept");
                self.store.record_source_error(&source.id, &error).await?;
                Ok(RefreshOutcome::Failed { error })
            }
        }
    }

    /// Loads files an operator supplies (`hirevet lists import`). `force`
    /// skips the sanity gates, for a deliberate large change.
    pub async fn import(
        &self,
        source_id: &str,
        files: Vec<(String, Vec<u8>)>,
        force: bool,
    ) -> Result<RefreshOutcome, ListError> {
        let source = self.source(source_id)?.clone();
        self.load(&source, files, None, force).await
    }

    async fn load(
        &self,
        source: &ListSource,
        files: Vec<(String, Vec<u8>)>,
        http_cache: Option<serde_json::Value>,
        force: bool,
    ) -> Result<RefreshOutcome, ListError> {
        let sha = content_sha256(&files);
        let live = self.store.live_snapshot(&source.id).await?;
        if let Some(live) = &live {
            if live.meta.sha256 == sha {
                self.store
                    .record_source_success(&source.id, http_cache.as_ref())
                    .await?;
                return Ok(RefreshOutcome::Unchanged {
                    version: live.meta.version.clone(),
                });
            }
        }
        if let Some(earlier) = self.store.find_snapshot_by_sha(&source.id, &sha).await? {
            return self
                .relive(source, live.as_ref(), earlier, http_cache)
                .await;
        }

        let format = source.format;
        let list_id = source.id.clone();
        let parsed = tokio::task::spawn_blocking(move || format.parse(&list_id, &files))
            .await
            .map_err(|e| StoreError::Corrupt(format!("parser panicked: {e}")))?;
        let report = match parsed {
            Ok(report) => report,
            Err(e) => {
                let reason = format!("the files could not be parsed as {}: {e}", format.as_str());
                return self
                    .reject(source, &sha, None, &ParseReport::new(&source.id), reason)
                    .await;
            }
        };
        let live_count = live.as_ref().map(|l| l.meta.entry_count);
        if !force {
            if let Err(reason) = self.config.gate.check(&report, live_count) {
                return self
                    .reject(source, &sha, Some(&report), &report, reason)
                    .await;
            }
        }

        let previous = match &live {
            Some(l) => self.live_entries(l).await?,
            None => Arc::new(Vec::new()),
        };
        let diff = ListDiff::between(&previous, &report.entries);
        let record = self
            .store
            .insert_snapshot(NewSnapshot {
                list_id: &source.id,
                sha256: &sha,
                source_version: report.source_version.as_deref(),
                report: report_json(&report, Some(&diff)),
                entries: &report.entries,
                reject_reason: None,
            })
            .await?;
        self.store
            .record_source_success(&source.id, http_cache.as_ref())
            .await?;
        let outcome = RefreshOutcome::Updated {
            version: record.meta.version.clone(),
            entries: report.entries.len(),
            added: diff.added.len(),
            removed: diff.removed.len(),
            changed: diff.changed.len(),
        };
        tracing::info!(list = %source.id, version = %record.meta.version,
            entries = report.entries.len(), added = diff.added.len(),
            removed = diff.removed.len(), changed = diff.changed.len(), "list version live");
        self.publish(vec![LiveList::new(record.meta, report.entries)])
            .await?;
        Ok(outcome)
    }

    async fn live_entries(&self, live: &SnapshotRecord) -> Result<Arc<Vec<ListEntry>>, StoreError> {
        match self.live.get(&live.meta.list_id) {
            Some(l) if l.meta.snapshot_id == live.meta.snapshot_id => Ok(l.entries.clone()),
            _ => Ok(Arc::new(
                self.store.snapshot_entries(&live.meta.snapshot_id).await?,
            )),
        }
    }

    async fn relive(
        &self,
        source: &ListSource,
        live: Option<&SnapshotRecord>,
        earlier: SnapshotRecord,
        http_cache: Option<serde_json::Value>,
    ) -> Result<RefreshOutcome, ListError> {
        let entries = self
            .store
            .snapshot_entries(&earlier.meta.snapshot_id)
            .await?;
        let previous = match live {
            Some(l) => self.live_entries(l).await?,
            None => Arc::new(Vec::new()),
        };
        let diff = ListDiff::between(&previous, &entries);
        self.store
            .relive_snapshot(&source.id, &earlier.meta.snapshot_id)
            .await?;
        self.store
            .record_source_success(&source.id, http_cache.as_ref())
            .await?;
        let outcome = RefreshOutcome::Updated {
            version: earlier.meta.version.clone(),
            entries: entries.len(),
            added: diff.added.len(),
            removed: diff.removed.len(),
            changed: diff.changed.len(),
        };
        self.publish(vec![LiveList::new(earlier.meta, entries)])
            .await?;
        Ok(outcome)
    }

    /// Keeps the refused version for inspection and reports why.
    async fn reject(
        &self,
        source: &ListSource,
        sha: &str,
        parsed: Option<&ParseReport>,
        report: &ParseReport,
        reason: String,
    ) -> Result<RefreshOutcome, ListError> {
        tracing::warn!(list = %source.id, %reason, "list version rejected; live version kept");
        let record = self
            .store
            .insert_snapshot(NewSnapshot {
                list_id: &source.id,
                sha256: sha,
                source_version: report.source_version.as_deref(),
                report: report_json(report, None),
                entries: parsed.map_or(&[], |r| r.entries.as_slice()),
                reject_reason: Some(reason.clone()),
            })
            .await?;
        self.store
            .record_source_error(&source.id, &format!("rejected: {reason}"))
            .await?;
        Ok(RefreshOutcome::Rejected {
            reason,
            snapshot_id: Some(record.meta.snapshot_id),
        })
    }

    /// Refreshes every enabled source with locations (all of them, or only
    /// those due), one replica at a time.
    pub async fn refresh_all(
        &self,
        only_due: bool,
    ) -> Result<Vec<(String, RefreshOutcome)>, ListError> {
        let Some(lock) = self.store.try_refresh_lock().await? else {
            return Ok(Vec::new());
        };
        let mut outcomes = Vec::new();
        for source in &self.config.sources {
            if !source.enabled || source.locations.is_empty() {
                continue;
            }
            if only_due && !self.is_due(source).await? {
                continue;
            }
            match self.refresh(&source.id).await {
                Ok(outcome) => outcomes.push((source.id.clone(), outcome)),
                Err(e) => {
                    lock.release().await;
                    return Err(e);
                }
            }
        }
        lock.release().await;
        Ok(outcomes)
    }

    async fn is_due(&self, source: &ListSource) -> Result<bool, StoreError> {
        let state = self.store.source_state(&source.id).await?;
        let now = now_micros();
        let since = |t: Option<i64>| t.map(|t| Duration::from_micros((now - t).max(0) as u64));
        let failed_last = match (state.last_error_at, state.last_success_at) {
            (Some(err), Some(ok)) => err > ok,
            (Some(_), None) => true,
            _ => false,
        };
        Ok(match since(state.last_attempt_at) {
            None => true,
            Some(_) if failed_last => {
                since(state.last_attempt_at).is_some_and(|d| d >= self.config.retry_after)
            }
            Some(_) => since(state.last_success_at).is_none_or(|d| d >= source.refresh_interval),
        })
    }

    /// Status of every configured list (and any other live one).
    pub async fn status(&self) -> Result<Vec<ListStatus>, StoreError> {
        let current = self.live.current();
        let live = &current.lists;
        let now = now_micros();
        let max_age = self.config.max_list_age.as_micros() as i64;
        let mut out = Vec::new();
        for source in &self.config.sources {
            let state = self.store.source_state(&source.id).await?;
            let list = live.get(&source.id);
            let confirmed = list.map(|l| {
                state
                    .last_success_at
                    .map_or(l.meta.loaded_at, |s| s.max(l.meta.loaded_at))
            });
            let age = confirmed.map(|c| (now - c) / 1_000_000);
            let state_name = match confirmed {
                None => "never_loaded",
                Some(c) if now - c > max_age => "stale",
                Some(_) => "live",
            };
            let failed_last = match (state.last_error_at, state.last_success_at) {
                (Some(err), Some(ok)) => err > ok,
                (Some(_), None) => true,
                _ => false,
            };
            out.push(ListStatus {
                id: source.id.clone(),
                format: source.format.as_str(),
                enabled: source.enabled,
                state: state_name,
                version: list.map(|l| l.meta.version.clone()),
                source_version: list.and_then(|l| l.meta.source_version.clone()),
                loaded_at: list.map(|l| format_micros(l.meta.loaded_at)),
                age_seconds: age,
                entries: list.map(|l| EntryCounts {
                    total: l.entries.len(),
                    by_kind: l.kind_counts.clone(),
                }),
                last_checked_at: state.last_attempt_at.map(format_micros),
                last_error: match (failed_last, state.last_error, state.last_error_at) {
                    (true, Some(message), Some(at)) => Some(LastError {
                        message,
                        at: format_micros(at),
                    }),
                    _ => None,
                },
            });
        }
        Ok(out)
    }

    /// Runs forever: picks up versions other replicas stored and, when
    /// enabled, refreshes due sources.
    pub async fn run_scheduler(self: Arc<Self>) {
        loop {
            if let Err(e) = self.load_live().await {
                tracing::warn!(error = %e, "loading live list versions failed");
            }
            if self.config.auto_refresh {
                if let Err(e) = self.refresh_all(true).await {
                    tracing::warn!(error = %e, "list refresh failed");
                }
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_id_ignores_file_order_and_name_case() {
        let a = vec![
            ("SDN.CSV".to_string(), b"1".to_vec()),
            ("alt.csv".to_string(), b"2".to_vec()),
        ];
        let b = vec![
            ("alt.csv".to_string(), b"2".to_vec()),
            ("sdn.csv".to_string(), b"1".to_vec()),
        ];
        assert_eq!(content_sha256(&a), content_sha256(&b));
        let c = vec![
            ("alt.csv".to_string(), b"3".to_vec()),
            ("sdn.csv".to_string(), b"1".to_vec()),
        ];
        assert_ne!(content_sha256(&a), content_sha256(&c));
    }
}
