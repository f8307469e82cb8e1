//! The lookup structure: every input prefix/range of one address family is
//! flattened by a sweep into sorted, non-overlapping intervals that tile the
//! whole address space, each carrying an 8-byte [`Cell`]. A lookup is a
//! bucket jump on the top 16 address bits followed by a binary search inside
//! the bucket, so it touches a handful of cache lines and never allocates.

use std::cmp::Reverse;
use std::collections::BTreeSet;

pub(crate) const FLAG_VPN: u8 = 1;
pub(crate) const FLAG_HOSTING: u8 = 2;
pub(crate) const FLAG_TOR: u8 = 4;
pub(crate) const FLAG_DPRK: u8 = 8;
const FLAG_BITS: usize = 4;

/// What is known about every address of one interval. Name ids index the
/// owning table's interned names; 0 means "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Cell {
    pub cc: [u8; 2],
    pub flags: u8,
    pub provider: u16,
    pub note: u16,
}

/// What one input entry says about its range.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Claim {
    Country([u8; 2]),
    Flag { flag: u8, provider: u16, note: u16 },
}

/// One input entry, `start..=end` in the family's integer space.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub start: u128,
    pub end: u128,
    pub claim: Claim,
}

/// Sweeps the entries of one family (whose largest address is `max`) into
/// `(start, cell)` boundaries, the first starting at 0.
///
/// Resolution rules: country, provider and note come from the most specific
/// (smallest) covering entry, ties going to the entry added last, so a
/// curated /24 overrides a feed's /16 and a later feed overrides an earlier
/// identical prefix; flags are the union of all covering entries.
pub(crate) fn sweep(entries: &[Entry], max: u128) -> Vec<(u128, Cell)> {
    // (position, entry index, is_add); removals sit at end + 1.
    let mut events: Vec<(u128, u32, bool)> = Vec::with_capacity(entries.len() * 2);
    for (i, e) in entries.iter().enumerate() {
        let Ok(i) = u32::try_from(i) else { break };
        events.push((e.start, i, true));
        if e.end < max {
            events.push((e.end + 1, i, false));
        }
    }
    events.sort_unstable_by_key(|ev| ev.0);

    // Keyed (size, Reverse(index)): the first element is the most specific,
    // latest-added active entry.
    let mut country: BTreeSet<(u128, Reverse<u32>)> = BTreeSet::new();
    let mut provider: BTreeSet<(u128, Reverse<u32>)> = BTreeSet::new();
    let mut note: BTreeSet<(u128, Reverse<u32>)> = BTreeSet::new();
    let mut flag_count = [0u32; FLAG_BITS];

    let mut out: Vec<(u128, Cell)> = vec![(0, Cell::default())];
    let mut k = 0;
    while k < events.len() {
        let pos = events[k].0;
        while let Some(&(p, idx, add)) = events.get(k) {
            if p != pos {
                break;
            }
            k += 1;
            let Some(e) = entries.get(idx as usize) else {
                continue;
            };
            let key = (e.end - e.start, Reverse(idx));
            match e.claim {
                Claim::Country(_) => toggle(&mut country, key, add),
                Claim::Flag {
                    flag,
                    provider: p_id,
                    note: n_id,
                } => {
                    for (bit, count) in flag_count.iter_mut().enumerate() {
                        if flag & (1 << bit) != 0 {
                            *count = if add {
                                count.saturating_add(1)
                            } else {
                                count.saturating_sub(1)
                            };
                        }
                    }
                    if p_id != 0 {
                        toggle(&mut provider, key, add);
                    }
                    if n_id != 0 {
                        toggle(&mut note, key, add);
                    }
                }
            }
        }

        let claim_of = |set: &BTreeSet<(u128, Reverse<u32>)>| {
            set.first()
                .and_then(|&(_, Reverse(i))| entries.get(i as usize))
                .map(|e| e.claim)
        };
        let mut cell = Cell::default();
        if let Some(Claim::Country(cc)) = claim_of(&country) {
            cell.cc = cc;
        }
        if let Some(Claim::Flag { provider: p, .. }) = claim_of(&provider) {
            cell.provider = p;
        }
        if let Some(Claim::Flag { note: n, .. }) = claim_of(&note) {
            cell.note = n;
        }
        for (bit, &count) in flag_count.iter().enumerate() {
            if count > 0 {
                cell.flags |= 1 << bit;
            }
        }

        push_coalesced(&mut out, pos, cell);
    }
    out
}

fn toggle(set: &mut BTreeSet<(u128, Reverse<u32>)>, key: (u128, Reverse<u32>), add: bool) {
    if add {
        set.insert(key);
    } else {
        set.remove(&key);
    }
}

fn push_coalesced(out: &mut Vec<(u128, Cell)>, pos: u128, cell: Cell) {
    let n = out.len();
    if let Some(last) = out.last_mut() {
        if last.0 == pos {
            last.1 = cell;
            if n >= 2 && out[n - 2].1 == cell {
                out.pop();
            }
            return;
        }
        if last.1 == cell {
            return;
        }
    }
    out.push((pos, cell));
}

/// An address key: `u32` for IPv4, `u128` for IPv6.
pub(crate) trait Key: Copy + Ord {
    /// The part of the key binary-searched first. For IPv6 it is the top 64
    /// bits: half the bytes per probe, and almost every feed prefix is /64
    /// or shorter, so ties needing the full key are rare (Tor /128s).
    type Hi: Copy + Ord;
    /// `hi()` is the whole key, so no tie-breaking pass is needed.
    const EXACT_HI: bool;
    fn from_u128(v: u128) -> Self;
    fn hi(self) -> Self::Hi;
    /// Top 16 bits, the first-level index.
    fn bucket(self) -> usize;
}

impl Key for u32 {
    type Hi = u32;
    const EXACT_HI: bool = true;
    fn from_u128(v: u128) -> Self {
        v as u32
    }
    fn hi(self) -> u32 {
        self
    }
    fn bucket(self) -> usize {
        (self >> 16) as usize
    }
}

impl Key for u128 {
    type Hi = u64;
    const EXACT_HI: bool = false;
    fn from_u128(v: u128) -> Self {
        v
    }
    fn hi(self) -> u64 {
        (self >> 64) as u64
    }
    fn bucket(self) -> usize {
        (self >> 112) as usize
    }
}

const BUCKETS: usize = 1 << 16;

/// Sorted interval starts (the first is 0) with their cells, plus
/// `index[b]` = first interval whose start lies in bucket `b` or later.
/// `hi` holds the searched part of each start; `full` the whole start, kept
/// only when `hi` is not the whole key.
pub(crate) struct Table<K: Key> {
    hi: Vec<K::Hi>,
    full: Vec<K>,
    cells: Vec<Cell>,
    index: Vec<u32>,
}

impl<K: Key> Table<K> {
    pub(crate) fn from_boundaries(bounds: &[(u128, Cell)]) -> Self {
        let zero = [(0u128, Cell::default())];
        let bounds = if bounds.is_empty() { &zero[..] } else { bounds };
        let starts: Vec<K> = bounds.iter().map(|&(s, _)| K::from_u128(s)).collect();
        let cells = bounds.iter().map(|&(_, c)| c).collect();
        let mut index = Vec::with_capacity(BUCKETS + 1);
        let mut i = 0usize;
        for b in 0..=BUCKETS {
            while i < starts.len() && starts[i].bucket() < b {
                i += 1;
            }
            index.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let hi = starts.iter().map(|s| s.hi()).collect();
        let full = if K::EXACT_HI { Vec::new() } else { starts };
        Self {
            hi,
            full,
            cells,
            index,
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: K) -> Cell {
        let b = key.bucket();
        let lo = self.index.get(b).copied().unwrap_or(0) as usize;
        let hi = self.index.get(b + 1).copied().unwrap_or(0) as usize;
        let khi = key.hi();
        let n = self
            .hi
            .get(lo..hi)
            .map_or(0, |s| s.partition_point(|&x| x <= khi));
        // The first start is 0 <= key, so lo + n >= 1: an interval matches.
        let mut i = (lo + n).wrapping_sub(1);
        if !K::EXACT_HI && self.full.get(i).is_some_and(|&s| s > key) {
            i = self.resolve_tie(i, key);
        }
        self.cells.get(i).copied().unwrap_or_default()
    }

    /// Starts `first..=i` share `key`'s top half and `start[i] > key`:
    /// finish the search on full keys within that run.
    #[cold]
    fn resolve_tie(&self, i: usize, key: K) -> usize {
        let khi = key.hi();
        let first = self
            .hi
            .get(..i)
            .map_or(0, |s| s.partition_point(|&x| x < khi));
        let m = self
            .full
            .get(first..i)
            .map_or(0, |s| s.partition_point(|&x| x <= key));
        (first + m).wrapping_sub(1)
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    pub(crate) fn approx_bytes(&self) -> usize {
        self.hi.len() * std::mem::size_of::<K::Hi>()
            + self.full.len() * std::mem::size_of::<K>()
            + self.cells.len() * std::mem::size_of::<Cell>()
            + self.index.len() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(start: u128, end: u128, cc: &[u8; 2]) -> Entry {
        Entry {
            start,
            end,
            claim: Claim::Country(*cc),
        }
    }

    fn flag(start: u128, end: u128, flag: u8, provider: u16) -> Entry {
        Entry {
            start,
            end,
            claim: Claim::Flag {
                flag,
                provider,
                note: 0,
            },
        }
    }

    fn table(entries: &[Entry]) -> Table<u32> {
        Table::from_boundaries(&sweep(entries, u128::from(u32::MAX)))
    }

    #[test]
    fn cell_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<Cell>(), 8);
    }

    #[test]
    fn more_specific_country_wins_and_boundaries_hold() {
        let t = table(&[
            country(0x0A00_0000, 0x0A00_FFFF, b"AA"),
            country(0x0A00_1000, 0x0A00_10FF, b"BB"),
        ]);
        assert_eq!(t.get(0x09FF_FFFF).cc, [0, 0]);
        assert_eq!(t.get(0x0A00_0000).cc, *b"AA");
        assert_eq!(t.get(0x0A00_0FFF).cc, *b"AA");
        assert_eq!(t.get(0x0A00_1000).cc, *b"BB");
        assert_eq!(t.get(0x0A00_10FF).cc, *b"BB");
        assert_eq!(t.get(0x0A00_1100).cc, *b"AA");
        assert_eq!(t.get(0x0A00_FFFF).cc, *b"AA");
        assert_eq!(t.get(0x0A01_0000).cc, [0, 0]);
        // gap, AA, BB, AA, gap.
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn identical_prefixes_last_added_wins() {
        let t = table(&[country(100, 200, b"AA"), country(100, 200, b"BB")]);
        assert_eq!(t.get(150).cc, *b"BB");
    }

    #[test]
    fn flags_union_and_provider_most_specific() {
        let t = table(&[
            country(0, 999, b"US"),
            flag(100, 499, FLAG_HOSTING, 1),
            flag(200, 299, FLAG_VPN, 2),
            flag(250, 250, FLAG_TOR, 0),
        ]);
        let c = t.get(250);
        assert_eq!(c.cc, *b"US");
        assert_eq!(c.flags, FLAG_HOSTING | FLAG_VPN | FLAG_TOR);
        assert_eq!(c.provider, 2);
        let c = t.get(300);
        assert_eq!(c.flags, FLAG_HOSTING);
        assert_eq!(c.provider, 1);
        assert_eq!(t.get(99).flags, 0);
        assert_eq!(t.get(500).flags, 0);
        assert_eq!(t.get(500).cc, *b"US");
    }

    #[test]
    fn ranges_touching_the_top_of_the_space() {
        let t = table(&[
            country(0xFFFF_FF00, 0xFFFF_FFFF, b"ZZ"),
            country(0, 0, b"AA"),
        ]);
        assert_eq!(t.get(u32::MAX).cc, *b"ZZ");
        assert_eq!(t.get(0xFFFF_FEFF).cc, [0, 0]);
        assert_eq!(t.get(0).cc, *b"AA");
        assert_eq!(t.get(1).cc, [0, 0]);
        let t6: Table<u128> = Table::from_boundaries(&sweep(
            &[country(u128::MAX - 5, u128::MAX, b"ZZ")],
            u128::MAX,
        ));
        assert_eq!(t6.get(u128::MAX).cc, *b"ZZ");
        assert_eq!(t6.get(u128::MAX - 6).cc, [0, 0]);
    }

    #[test]
    fn ipv6_hosts_sharing_a_64_resolve_on_the_full_key() {
        let base = 0x2001_0db8_0000_0001_u128 << 64;
        let entries = [
            country(base, base | u128::from(u64::MAX), b"AA"),
            flag(base + 5, base + 5, FLAG_TOR, 0),
            flag(base + 9, base + 9, FLAG_TOR, 0),
            flag(base + 200, base + 300, FLAG_VPN, 0),
        ];
        let t: Table<u128> = Table::from_boundaries(&sweep(&entries, u128::MAX));
        assert_eq!(t.get(base).flags, 0);
        assert_eq!(t.get(base).cc, *b"AA");
        assert_eq!(t.get(base + 4).flags, 0);
        assert_eq!(t.get(base + 5).flags, FLAG_TOR);
        assert_eq!(t.get(base + 6).flags, 0);
        assert_eq!(t.get(base + 8).flags, 0);
        assert_eq!(t.get(base + 9).flags, FLAG_TOR);
        assert_eq!(t.get(base + 10).flags, 0);
        assert_eq!(t.get(base + 199).flags, 0);
        assert_eq!(t.get(base + 250).flags, FLAG_VPN);
        assert_eq!(t.get(base + 301).flags, 0);
        assert_eq!(t.get(base + 301).cc, *b"AA");
        assert_eq!(t.get(base - 1).cc, [0, 0]);
        assert_eq!(t.get(base | u128::from(u64::MAX)).cc, *b"AA");
        assert_eq!(t.get((base | u128::from(u64::MAX)) + 1).cc, [0, 0]);
    }

    #[test]
    fn empty_table_answers_nothing() {
        let t = table(&[]);
        assert_eq!(t.get(12345), Cell::default());
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn adjacent_equal_intervals_coalesce() {
        let t = table(&[country(0, 99, b"AA"), country(100, 199, b"AA")]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(199).cc, *b"AA");
        assert_eq!(t.get(200).cc, [0, 0]);
    }
}
