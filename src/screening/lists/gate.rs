//! Sanity gates a new list version must pass before it goes live: a parse
//! that rejected too many rows, or a list that shrank sharply, is far more
//! likely a broken download than a real change, and screening against it
//! would silently miss people.

use serde::{Deserialize, Serialize};

use super::entry::ParseReport;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GatePolicy {
    /// A new version needs at least this share of the live version's entries.
    pub min_entry_ratio: f64,
    /// Largest share of rows a parse may reject.
    pub max_reject_rate: f64,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            min_entry_ratio: 0.8,
            max_reject_rate: 0.01,
        }
    }
}

impl GatePolicy {
    /// `Err(reason)` when `report` must not replace a live version holding
    /// `live_entries` entries.
    pub fn check(&self, report: &ParseReport, live_entries: Option<usize>) -> Result<(), String> {
        let count = report.entries.len();
        if count == 0 {
            return Err("the new version has no entries".into());
        }
        let rate = report.reject_rate();
        if rate > self.max_reject_rate {
            return Err(format!(
                "{} of {} rows ({:.1}%) could not be parsed; at most {:.1}% may be",
                report.rows_rejected,
                report.rows_read,
                rate * 100.0,
                self.max_reject_rate * 100.0
            ));
        }
        if let Some(live) = live_entries {
            let floor = (live as f64 * self.min_entry_ratio).ceil() as usize;
            if count < floor {
                return Err(format!(
                    "the new version has {count} entries, below {:.0}% of the live version's {live}",
                    self.min_entry_ratio * 100.0
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::lists::{EntryKind, ListEntry};

    fn report(entries: usize, rows_read: usize, rows_rejected: usize) -> ParseReport {
        let mut r = ParseReport::new("l");
        r.entries = (0..entries)
            .map(|i| ListEntry::new("l", &i.to_string(), EntryKind::Person, "X"))
            .collect();
        r.rows_read = rows_read;
        r.rows_rejected = rows_rejected;
        r
    }

    #[test]
    fn shrinking_empty_and_unparseable_versions_are_refused() {
        let gate = GatePolicy::default();
        assert!(gate.check(&report(100, 100, 0), Some(110)).is_ok());
        let shrunk = gate.check(&report(10, 10, 0), Some(100)).unwrap_err();
        assert!(shrunk.contains("below 80%"), "{shrunk}");
        assert!(gate
            .check(&report(0, 0, 0), None)
            .unwrap_err()
            .contains("no entries"));
        let broken = gate.check(&report(90, 100, 10), None).unwrap_err();
        assert!(broken.contains("10 of 100 rows"), "{broken}");
    }
}
