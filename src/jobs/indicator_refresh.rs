//! Keeps the live indicator set current: fetches each configured feed (URL
//! or path), checks that it parses, and rebuilds the whole set from the
//! curated defaults plus every feed's last good content, off the request
//! path, swapping it in at once. A feed that fails keeps its previous
//! content and reports the error; the defaults are always there.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;

use super::fetch::{FetchOutcome, Fetcher};
use crate::config::{IndicatorFeed, IndicatorsConfig};
use crate::indicators::feeds::{FeedContent, SetBuilder};
use crate::indicators::set::IndicatorSet;
use crate::store::{format_micros, now_micros};

#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedStatus {
    pub id: String,
    pub kind: String,
    /// `sha256:…` of the content in use; `None` until it first loads.
    pub version: Option<String>,
    pub entries: usize,
    pub loaded_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOutcome {
    Updated,
    Unchanged,
    Failed,
}

pub struct IndicatorService {
    config: IndicatorsConfig,
    fetcher: Fetcher,
    current: RwLock<Arc<IndicatorSet>>,
    contents: Mutex<BTreeMap<String, FeedContent>>,
    status: Mutex<BTreeMap<String, FeedStatus>>,
}

impl IndicatorService {
    pub fn new(config: IndicatorsConfig) -> Result<IndicatorService, String> {
        let fetcher = Fetcher::new(config.fetch_timeout, config.max_download_bytes)
            .map_err(|e| e.to_string())?;
        let status = config
            .feeds
            .iter()
            .map(|f| {
                let status = FeedStatus {
                    id: f.id.clone(),
                    kind: f.kind.as_str().to_string(),
                    ..FeedStatus::default()
                };
                (f.id.clone(), status)
            })
            .collect();
        Ok(IndicatorService {
            config,
            fetcher,
            current: RwLock::new(Arc::new(IndicatorSet::builtin())),
            contents: Mutex::new(BTreeMap::new()),
            status: Mutex::new(status),
        })
    }

    pub fn config(&self) -> &IndicatorsConfig {
        &self.config
    }

    /// The set evaluations use now.
    pub fn current(&self) -> Arc<IndicatorSet> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn status(&self) -> Vec<FeedStatus> {
        lock(&self.status).values().cloned().collect()
    }

    /// Fetches every enabled feed (with `local_only`, only those read from
    /// files, which cannot stall start-up); rebuilds the set once if any
    /// changed.
    pub async fn refresh_all(&self, local_only: bool) -> BTreeMap<String, FeedOutcome> {
        let mut outcomes = BTreeMap::new();
        let is_remote = |f: &&IndicatorFeed| {
            f.locations
                .iter()
                .any(|l| l.starts_with("http://") || l.starts_with("https://"))
        };
        for feed in self
            .config
            .feeds
            .iter()
            .filter(|f| f.enabled && !(local_only && is_remote(f)))
        {
            outcomes.insert(feed.id.clone(), self.fetch_feed(feed).await);
        }
        if outcomes.values().any(|o| *o == FeedOutcome::Updated) {
            self.rebuild().await;
        }
        outcomes
    }

    async fn fetch_feed(&self, feed: &IndicatorFeed) -> FeedOutcome {
        let attempt = format_micros(now_micros());
        let result = match self.fetcher.fetch(&feed.locations, None).await {
            Ok(FetchOutcome::Downloaded(d)) => Ok(d.files),
            Ok(FetchOutcome::NotModified) => Err("answered 304 to an unconditional request".into()),
            Err(e) => Err(e.to_string()),
        };
        let content = result.and_then(|files| {
            let content = FeedContent {
                id: feed.id.clone(),
                kind: feed.kind,
                country: feed.country.clone(),
                files,
            };
            // Parse on its own first, so a broken download never replaces
            // the content in use.
            let checked = content.clone();
            let entries = SetBuilder::new().apply(&checked)?;
            Ok((content, entries))
        });
        let mut status = lock(&self.status);
        let entry = status.entry(feed.id.clone()).or_default();
        entry.last_attempt_at = Some(attempt.clone());
        match content {
            Err(message) => {
                tracing::warn!(feed = %feed.id, error = %message, "indicator feed failed");
                entry.last_error = Some(message);
                FeedOutcome::Failed
            }
            Ok((content, entries)) => {
                entry.last_error = None;
                let version = content.version();
                if entry.version.as_deref() == Some(version.as_str()) {
                    return FeedOutcome::Unchanged;
                }
                entry.version = Some(version);
                entry.entries = entries;
                entry.loaded_at = Some(attempt);
                lock(&self.contents).insert(feed.id.clone(), content);
                FeedOutcome::Updated
            }
        }
    }

    /// Builds a new set from the defaults and every feed's content in
    /// configuration order, on a blocking thread, and swaps it in.
    async fn rebuild(&self) {
        let order: Vec<String> = self.config.feeds.iter().map(|f| f.id.clone()).collect();
        let contents = lock(&self.contents).clone();
        let built = tokio::task::spawn_blocking(move || {
            let mut builder = SetBuilder::new();
            for id in order {
                if let Some(content) = contents.get(&id) {
                    if let Err(e) = builder.apply(content) {
                        tracing::warn!(feed = %id, error = %e, "indicator feed skipped");
                    }
                }
            }
            builder.build()
        })
        .await;
        match built {
            Ok(set) => {
                let set = Arc::new(set);
                match self.current.write() {
                    Ok(mut guard) => *guard = set,
                    Err(poisoned) => *poisoned.into_inner() = set,
                }
            }
            Err(e) => tracing::error!(error = %e, "indicator rebuild panicked"),
        }
    }

    /// Runs forever, refreshing the feeds on the configured interval.
    pub async fn run_scheduler(self: Arc<Self>) {
        loop {
            self.refresh_all(false).await;
            tokio::time::sleep(self.config.refresh_interval).await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
