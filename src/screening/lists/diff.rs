//! What changed between two versions of a list, by the source's entry id:
//! added, removed, and changed (same id, different content). Re-screening
//! uses the changed and added ids to look only at what is new.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::entry::ListEntry;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ListDiff {
    pub fn between(old: &[ListEntry], new: &[ListEntry]) -> ListDiff {
        let old_by_id: HashMap<&str, &ListEntry> =
            old.iter().map(|e| (e.entry_id.as_str(), e)).collect();
        let new_by_id: HashMap<&str, &ListEntry> =
            new.iter().map(|e| (e.entry_id.as_str(), e)).collect();
        let mut diff = ListDiff::default();
        for entry in new {
            match old_by_id.get(entry.entry_id.as_str()) {
                None => diff.added.push(entry.entry_id.clone()),
                Some(before) if *before != entry => diff.changed.push(entry.entry_id.clone()),
                Some(_) => {}
            }
        }
        for entry in old {
            if !new_by_id.contains_key(entry.entry_id.as_str()) {
                diff.removed.push(entry.entry_id.clone());
            }
        }
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::lists::EntryKind;

    #[test]
    fn added_removed_and_changed_by_entry_id() {
        let a = ListEntry::new("l", "1", EntryKind::Person, "KIM, Il");
        let b = ListEntry::new("l", "2", EntryKind::Person, "RI, Chol");
        let mut b2 = b.clone();
        b2.remarks = "DOB 1970".into();
        let c = ListEntry::new("l", "3", EntryKind::Organization, "KOREA TRADING");
        let diff = ListDiff::between(&[a.clone(), b], &[b2, c]);
        assert_eq!(diff.added, ["3"]);
        assert_eq!(diff.removed, ["1"]);
        assert_eq!(diff.changed, ["2"]);
        assert!(ListDiff::between(std::slice::from_ref(&a), std::slice::from_ref(&a)).is_empty());
    }
}
