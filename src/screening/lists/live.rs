//! The list versions screening uses right now and the name index built
//! over them, held in memory and replaced together as a whole (an `Arc`
//! swap), so a reader never sees half of an update or an index that does
//! not match its lists.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;

use super::entry::ListEntry;
use crate::screening::index::NameIndex;
use crate::screening::screen::{screen, Hit, Subject, Thresholds};

/// Which version of a list is live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotMeta {
    pub snapshot_id: String,
    pub list_id: String,
    /// A content id: the first 12 hex digits of the source files' SHA-256.
    pub version: String,
    pub sha256: String,
    pub source_version: Option<String>,
    /// When this content was first loaded (microseconds).
    pub loaded_at: i64,
    pub entry_count: usize,
}

#[derive(Debug)]
pub struct LiveList {
    pub meta: SnapshotMeta,
    /// Shared so a diff against the live version needs no copy.
    pub entries: Arc<Vec<ListEntry>>,
    /// Entries per kind, counted once here rather than on every status or
    /// readiness request.
    pub kind_counts: BTreeMap<&'static str, usize>,
}

impl LiveList {
    pub fn new(meta: SnapshotMeta, entries: Vec<ListEntry>) -> LiveList {
        let mut kind_counts = BTreeMap::new();
        for entry in &entries {
            *kind_counts.entry(entry.kind.as_str()).or_insert(0) += 1;
        }
        LiveList {
            meta,
            entries: Arc::new(entries),
            kind_counts,
        }
    }
}

/// All live lists and their index, as of one instant.
pub struct LiveSet {
    pub lists: BTreeMap<String, Arc<LiveList>>,
    pub index: NameIndex,
}

impl LiveSet {
    /// Which version of each list is live, as one string
    /// (`un_sc=083bb9eb522d;us_ofac_sdn=28b70bc549ba`): equal strings, the
    /// same lists.
    pub fn versions(&self) -> String {
        self.lists
            .iter()
            .map(|(id, list)| format!("{id}={}", list.meta.version))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Screens `subject` over these lists (or only `lists`). Over an index
    /// small enough that a query takes well under a millisecond (the
    /// official lists) it runs on the calling task: handing it to the
    /// blocking pool and back would cost more. Over a larger one it goes to
    /// the blocking pool, so a slow query cannot hold up an async worker's
    /// other connections.
    pub async fn screen(
        self: Arc<Self>,
        subject: Subject,
        lists: Option<Vec<String>>,
        thresholds: Thresholds,
    ) -> Result<Vec<Hit>, tokio::task::JoinError> {
        if self.index.screens_inline() {
            return Ok(screen(&self.index, &subject, lists.as_deref(), thresholds));
        }
        tokio::task::spawn_blocking(move || {
            screen(&self.index, &subject, lists.as_deref(), thresholds)
        })
        .await
    }
}

pub struct LiveLists {
    current: RwLock<Arc<LiveSet>>,
    /// Counts publications, so that work depending on the lists (the
    /// re-screening of candidates) learns of each new version.
    published: tokio::sync::watch::Sender<u64>,
}

impl Default for LiveLists {
    fn default() -> Self {
        let lists = BTreeMap::new();
        let index = NameIndex::build(&lists);
        LiveLists {
            current: RwLock::new(Arc::new(LiveSet { lists, index })),
            published: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl LiveLists {
    /// A consistent view of all live lists and their index.
    pub fn current(&self) -> Arc<LiveSet> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn get(&self, list_id: &str) -> Option<Arc<LiveList>> {
        self.current().lists.get(list_id).cloned()
    }

    /// Makes these versions live and rebuilds the index. CPU-bound (about
    /// a second for the official lists): call it off the async runtime.
    pub fn publish(&self, lists: Vec<LiveList>) {
        let mut next = BTreeMap::clone(&self.current().lists);
        for list in lists {
            next.insert(list.meta.list_id.clone(), Arc::new(list));
        }
        let index = NameIndex::build(&next);
        let set = Arc::new(LiveSet { lists: next, index });
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = set;
        self.published.send_modify(|n| *n += 1);
    }

    /// Changes with every publication after this call.
    pub fn publications(&self) -> tokio::sync::watch::Receiver<u64> {
        self.published.subscribe()
    }
}
