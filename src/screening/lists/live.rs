//! The list versions screening uses right now, held in memory and replaced
//! as a whole (an `Arc` swap) so a reader never sees half of an update.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;

use super::entry::ListEntry;

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
}

/// Every live list by id.
#[derive(Default)]
pub struct LiveLists {
    lists: RwLock<Arc<BTreeMap<String, Arc<LiveList>>>>,
}

impl LiveLists {
    /// A consistent view of all live lists at this instant.
    pub fn current(&self) -> Arc<BTreeMap<String, Arc<LiveList>>> {
        self.lists.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn get(&self, list_id: &str) -> Option<Arc<LiveList>> {
        self.current().get(list_id).cloned()
    }

    /// Makes `list` the live version of its list id.
    pub fn publish(&self, list: LiveList) {
        let mut guard = self.lists.write().unwrap_or_else(|e| e.into_inner());
        let mut next = BTreeMap::clone(&guard);
        next.insert(list.meta.list_id.clone(), Arc::new(list));
        *guard = Arc::new(next);
    }
}
