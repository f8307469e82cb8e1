//! The in-memory index over every name and alias of the live lists.
//! Retrieval goes through token keys (Korean syllable keys, surname groups,
//! phonetic keys) and their one-deletion variants, which catch a typo per
//! token; each retrieved name gets a cheap upper bound of its score, and
//! only those whose bound reaches the minimum are scored exactly. Key
//! frequencies double as the rarity weights of the scorer. Built off the
//! request path and swapped whole when a list version changes.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::lists::{AliasQuality, EntryKind, ListEntry, LiveList};
use super::names::normalize::{Origin, TokenClass};
use super::names::AnalyzedName;
use super::names::{given_names, phonetic};
use super::score::{
    class_weight, compare_prepared, consonant_frame, joined_frame, may_reach, Doubt, NameScore,
    Prepared, Rarity, Scratch, Summary, TokenStats,
};
use crate::screening::names::NameToken;

/// One list name or alias.
#[derive(Debug)]
pub struct IndexedName {
    /// Position of the entry in [`NameIndex::entries`].
    pub entry: u32,
    /// As the list writes it.
    pub name: String,
    pub weak: bool,
    pub analyzed: AnalyzedName,
    /// Token weights and shapes, fixed when the index is built.
    pub prepared: Prepared,
}

/// A retrieved and scored name.
#[derive(Debug)]
pub struct Candidate<'a> {
    pub name: &'a IndexedName,
    pub score: NameScore,
}

pub struct NameIndex {
    entries: Vec<(Arc<LiveList>, usize)>,
    names: Vec<IndexedName>,
    /// Per name, where its tokens' stats start in `bound_tokens`, how many
    /// there are, and the rest [`may_reach`] needs: kept apart from
    /// `names` and contiguous so that bounding thousands of retrieved
    /// names reads memory in order.
    bound_names: Vec<(u32, u32, Summary)>,
    bound_tokens: Vec<TokenStats>,
    /// Per name, its [`NameClass`] bits.
    classes: Vec<u8>,
    /// Token keys → their position in `postings`.
    /// (Fx-hashed: a query looks up dozens of short keys, and SipHash's
    /// flooding resistance buys nothing for keys the lists chose.)
    keys: FxHashMap<String, u32>,
    /// Per key, the names carrying it, in ascending order.
    postings: Vec<Vec<u32>>,
    /// One-deletion variants of keys of four or more characters.
    deletions: FxHashMap<String, Vec<u32>>,
    /// Normalised identifier and wallet values → entries.
    identifiers: FxHashMap<String, Vec<u32>>,
    /// ln of (names + 1), the idf scale.
    log_total: f64,
    /// Keys on more names than this retrieve by their own postings only
    /// when a query has rarer keys: their neighbours would add thousands.
    common_df: usize,
}

/// What about a list name, besides the name, moves a hit's score once the
/// name is scored: the entry's kind, whether it lists birth dates and
/// nationalities, and whether the list calls the alias weak. A bit each,
/// so that a query can say per class how high a name must score
/// ([`Floors`]).
pub struct NameClass;

impl NameClass {
    pub const PERSON: u8 = 1;
    pub const BIRTH_DATES: u8 = 2;
    pub const NATIONALITIES: u8 = 4;
    pub const WEAK: u8 = 8;
    /// How many classes there are.
    pub const COUNT: usize = 16;

    fn of(entry: &ListEntry, weak: bool) -> u8 {
        let mut class = 0;
        if entry.kind == EntryKind::Person {
            class |= Self::PERSON;
        }
        if !entry.birth_dates.is_empty() {
            class |= Self::BIRTH_DATES;
        }
        if !entry.nationalities.is_empty() || !entry.citizenships.is_empty() {
            class |= Self::NATIONALITIES;
        }
        if weak {
            class |= Self::WEAK;
        }
        class
    }
}

/// Per [`NameClass`], the least name score a query wants: names of a
/// class whose floor is above 1 are not looked at.
#[derive(Debug, Clone, Copy)]
pub struct Floors(pub [f64; NameClass::COUNT]);

impl Floors {
    pub fn uniform(min_score: f64) -> Floors {
        Floors([min_score; NameClass::COUNT])
    }
}

/// How many retrieved names are read ahead of bounding them (see
/// `NameIndex::warm`): enough to keep memory busy, few enough to stay in
/// the first-level cache.
const WARM_CHUNK: usize = 32;

/// The most names a typo neighbour of a query key may bring: the 2% of
/// names that make a key common is 800 on the official lists but 20,000
/// on a list of a million, where a one-letter neighbour shared by that
/// many names is a common key all the same.
const NEIGHBOUR_DF: usize = 2_000;

/// Share of the query's weight a name's keys must account for to be
/// scored at all.
const PRUNE_SHARE: f64 = 0.25;

/// Share a name found only through common keys must account for: below
/// half the query's weight, the score (0.6 × the better-covered side +
/// 0.4 × the other) stays under the review threshold of 0.8 unless the
/// query's rarer tokens match by spelling alone.
const COMMON_ONLY_SHARE: f64 = 0.5;

/// The key under which names carrying `key` `n` times (n ≥ 2) are posted.
fn repeat_key(key: &str, n: usize) -> String {
    format!("{key}*{n}")
}

fn deletions(key: &str) -> Vec<String> {
    if key.len() < 4 || !key.is_ascii() {
        return Vec::new();
    }
    (0..key.len())
        .map(|i| format!("{}{}", &key[..i], &key[i + 1..]))
        .collect()
}

/// Upper-case alphanumerics: passport `AB 123-456` = `ab123456`.
pub fn normalize_identifier(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn push_unique(list: &mut Vec<u32>, id: u32) {
    if list.last() != Some(&id) {
        list.push(id);
    }
}

impl NameIndex {
    pub fn build(lists: &BTreeMap<String, Arc<LiveList>>) -> NameIndex {
        let mut index = NameIndex {
            entries: Vec::new(),
            names: Vec::new(),
            bound_names: Vec::new(),
            bound_tokens: Vec::new(),
            classes: Vec::new(),
            keys: FxHashMap::default(),
            postings: Vec::new(),
            deletions: FxHashMap::default(),
            identifiers: FxHashMap::default(),
            log_total: 0.0,
            common_df: 0,
        };
        for list in lists.values() {
            for (i, entry) in list.entries.iter().enumerate() {
                let entry_id = index.entries.len() as u32;
                index.entries.push((list.clone(), i));
                index.add_entry(entry_id, entry);
            }
        }
        index.log_total = ((index.names.len() + 1) as f64).ln();
        index.common_df = (index.names.len() / 50).max(200);
        // Weights depend on the key frequencies, known only now; computing
        // them here keeps map look-ups off the request path.
        let prepared: Vec<Prepared> = index
            .names
            .iter()
            .map(|n| Prepared::new(&n.analyzed, &index))
            .collect();
        // Tokens alike in all the scorer reads share a number, under which
        // a query remembers how it compares with them.
        let mut numbers: FxHashMap<(&str, &str, TokenClass, Origin, u64), u32> =
            FxHashMap::default();
        for (name, prepared) in index.names.iter_mut().zip(prepared) {
            let start = index.bound_tokens.len() as u32;
            for (token, stats) in name.analyzed.tokens.iter().zip(prepared.tokens()) {
                let next = numbers.len() as u32;
                let mut stats = *stats;
                stats.id = *numbers
                    .entry((
                        &token.text,
                        &token.key,
                        token.class,
                        token.origin,
                        stats.given(),
                    ))
                    .or_insert(next);
                index.bound_tokens.push(stats);
            }
            let len = prepared.tokens().len() as u32;
            index.bound_names.push((start, len, prepared.summary()));
            name.prepared = prepared;
        }
        index
    }

    fn add_entry(&mut self, entry_id: u32, entry: &ListEntry) {
        let organization = entry.kind != EntryKind::Person;
        let mut names: Vec<(&str, bool)> = vec![(entry.name.as_str(), false)];
        names.extend(
            entry
                .aliases
                .iter()
                .map(|a| (a.name.as_str(), a.quality == AliasQuality::Weak)),
        );
        names.extend(
            entry
                .original_script_names
                .iter()
                .map(|n| (n.as_str(), false)),
        );
        let mut seen = HashSet::new();
        for (name, weak) in names {
            let analyzed = AnalyzedName::new(name, organization);
            if analyzed.tokens.is_empty() || !seen.insert(name.to_string()) {
                continue;
            }
            let name_id = self.names.len() as u32;
            // Every reading's tokens: a name is found by any way of reading it.
            let tokens = analyzed
                .all_readings()
                .flat_map(|r| r.tokens.iter().chain(r.alternate.iter().flatten()));
            for token in tokens {
                self.post(token.key.clone(), name_id);
                for d in deletions(&token.key) {
                    push_unique(self.deletions.entry(d).or_default(), name_id);
                }
            }
            for key in analyzed.all_readings().flat_map(cross_reading_keys) {
                self.post(key, name_id);
            }
            // A word the name carries twice (`Dragon Dragon …`) is also
            // posted as its second occurrence, and so on.
            for reading in analyzed.all_readings() {
                for words in std::iter::once(&reading.tokens).chain(&reading.alternate) {
                    let mut count: FxHashMap<&str, usize> = FxHashMap::default();
                    for token in words {
                        let n = count.entry(token.key.as_str()).or_insert(0);
                        *n += 1;
                        if *n > 1 {
                            self.post(repeat_key(&token.key, *n), name_id);
                        }
                    }
                }
            }
            self.classes.push(NameClass::of(entry, weak));
            self.names.push(IndexedName {
                entry: entry_id,
                name: name.to_string(),
                weak,
                prepared: Prepared::new(&analyzed, &super::score::DefaultRarity),
                analyzed,
            });
        }
        for id in &entry.identifiers {
            let value = normalize_identifier(&id.value);
            if value.len() >= 5 {
                push_unique(self.identifiers.entry(value).or_default(), entry_id);
            }
        }
        for wallet in &entry.crypto_addresses {
            let value = normalize_identifier(&wallet.address);
            if value.len() >= 5 {
                push_unique(self.identifiers.entry(value).or_default(), entry_id);
            }
        }
    }

    fn post(&mut self, key: String, name_id: u32) {
        let next = self.postings.len() as u32;
        let at = *self.keys.entry(key).or_insert(next);
        if at == next {
            self.postings.push(Vec::new());
        }
        push_unique(&mut self.postings[at as usize], name_id);
    }

    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Whether a query is cheap enough to run on an async worker (see
    /// `LiveSet::screen`): the official lists hold about 41,000 names, and
    /// a query over them takes well under a millisecond.
    pub fn screens_inline(&self) -> bool {
        self.names.len() <= 200_000
    }

    pub fn entry(&self, id: u32) -> &ListEntry {
        let (list, i) = &self.entries[id as usize];
        &list.entries[*i]
    }

    /// Entries carrying this identifier or wallet address.
    pub fn entries_with_identifier(&self, value: &str) -> &[u32] {
        self.identifiers
            .get(&normalize_identifier(value))
            .map_or(&[], Vec::as_slice)
    }

    fn posting(&self, key: &str) -> Option<&Vec<u32>> {
        self.keys.get(key).map(|&k| &self.postings[k as usize])
    }

    fn df(&self, key: &str) -> usize {
        self.posting(key).map_or(0, Vec::len)
    }

    /// Reads the bound data of a chunk of names before they are bounded.
    /// The names are scattered over the whole index, and bounding one at a
    /// time waited on memory for each (most of the bound's cost on a large
    /// index); these reads do not depend on each other, so the processor
    /// has many of them in flight at once.
    fn warm(&self, ids: &[u32]) {
        let mut seen = 0u64;
        for &id in ids {
            let (start, len, _) = self.bound_names[id as usize];
            for stats in &self.bound_tokens[start as usize..(start + len) as usize] {
                seen ^= stats.id as u64;
            }
        }
        std::hint::black_box(seen);
    }

    /// Names scoring at least `min_score` against `query`.
    pub fn search<'a>(&'a self, query: &AnalyzedName, min_score: f64) -> Vec<Candidate<'a>> {
        self.search_above(query, &Floors::uniform(min_score))
    }

    /// Names scoring at least their class's floor against `query`.
    pub fn search_above<'a>(&'a self, query: &AnalyzedName, floors: &Floors) -> Vec<Candidate<'a>> {
        let keys: Vec<(&NameToken, usize)> = query
            .retrieval_tokens()
            .map(|t| (t, self.df(&t.key)))
            .collect();
        let has_rare = keys.iter().any(|&(_, df)| df <= self.common_df);
        let df_max = keys.iter().map(|&(_, df)| df).max().unwrap_or(0);
        // The n-th time a common word comes in a query read one way only,
        // it is credited to names that carry it n times: credited to every
        // name with the word once, `Dragon Dragon …` lifted all the names
        // with one Dragon over the bar below.
        let one_reading = query.all_readings().nth(1).is_none() && query.alternate.is_none();
        let mut occurrences: FxHashMap<&str, usize> = FxHashMap::default();
        EVIDENCE.with_borrow_mut(|ev| {
            ev.reset(self.names.len());
            // Crowded neighbours: (names, share, the token they stand for).
            let mut crowded: Vec<(&Vec<u32>, f64, u32)> = Vec::new();
            // Common keys' postings, credited once the rarer keys have
            // found their names (below), the same way.
            let mut common: Vec<(&Vec<u32>, f64, u32)> = Vec::new();
            // Per candidate, the query weight its keys account for: an exact
            // key counts in full, a one-deletion neighbour as a likely typo.
            for (token, df) in keys {
                let weight = self.weight(token);
                ev.next_token();
                // A common key's neighbours would retrieve thousands more:
                // only its own postings count, and a name found through
                // such keys alone must carry half the query (below).
                if has_rare && df > self.common_df {
                    let n = occurrences.entry(token.key.as_str()).or_insert(0);
                    *n += 1;
                    let posting = if one_reading && *n > 1 {
                        self.posting(&repeat_key(&token.key, *n))
                    } else {
                        self.posting(&token.key)
                    };
                    common.extend(posting.map(|p| (p, weight, ev.token)));
                    continue;
                }
                // Exact postings first: a name found there has its best
                // share and is not counted again through a neighbour.
                ev.add(self.posting(&token.key), weight, true);
                // A neighbour that is itself a common key (`abd` next to
                // `abdl`) would bring thousands of names for one letter; one
                // shared by more than NEIGHBOUR_DF names only adds to names
                // other keys find, once all of them have been looked up.
                let mut neighbour = |ev: &mut Evidence, list: Option<&'a Vec<u32>>| {
                    let share = 0.7 * weight;
                    match list {
                        Some(l) if l.len() <= self.common_df.min(NEIGHBOUR_DF) => {
                            ev.add(Some(l), share, true)
                        }
                        Some(l) if l.len() <= self.common_df => {
                            crowded.push((l, share, ev.token));
                        }
                        _ => {}
                    }
                };
                neighbour(ev, self.deletions.get(&token.key));
                // A four-letter key's deletions are three-letter keys shared
                // by names of every length (`abd` from `abdl`): a typo there
                // is still found through the list side's deletions above.
                let own = if token.key.len() >= 5 {
                    deletions(&token.key)
                } else {
                    Vec::new()
                };
                for d in own {
                    neighbour(ev, self.posting(&d));
                    neighbour(ev, self.deletions.get(&d));
                }
            }
            // What the scorer matches across readings: an abjad name's
            // consonants, a list initial, a Korean-read word's spelling.
            // Keys that find names go first; the others add to names found,
            // after the common keys.
            let (finders, adders): (Vec<_>, Vec<_>) = query
                .all_readings()
                .flat_map(query_cross_keys)
                .filter_map(|(token, key, share, finds)| {
                    let list = self.posting(&key)?;
                    (list.len() <= self.common_df)
                        .then(|| (list, share * self.weight(token), finds))
                })
                .partition(|&(_, _, finds)| finds);
            for &(list, share, _) in &finders {
                ev.next_token();
                ev.add(Some(list), share, true);
            }
            // A whole-name typo: one end of the joined name is intact. Such
            // a name shares some token key with the query (a common one, or
            // it would be found already); this lifts it over the bar.
            let whole: f64 = query.significant().map(|t| self.weight(t)).sum();
            let joined = joined_name(query);
            let halves: [Vec<&Vec<u32>>; 2] = [true, false].map(|front| {
                joined.as_ref().map_or(Vec::new(), |joined| {
                    comparable_lengths(joined.len())
                        .filter_map(|len| half_key(joined, len, front))
                        .filter_map(|key| self.posting(&key))
                        .collect()
                })
            });
            // A name whose keys account for little of the query cannot reach
            // the threshold: the rest would have to match by spelling alone.
            // The recall-parity check (scripts/dprk_eval.py --parity) measures
            // what this costs against scoring every name. With several
            // readings, the lightest one sets what a name must account for
            // (its keys are credited together with the other readings').
            let total: f64 = query
                .all_readings()
                .map(|r| r.significant().map(|t| self.weight(t)).sum::<f64>())
                .fold(f64::INFINITY, f64::min);
            let needed_common = COMMON_ONLY_SHARE * total;
            // A name only common keys find is kept when they carry it over
            // that bar, or a key still to add lists it (and may).
            let later: Vec<&Vec<u32>> = adders
                .iter()
                .map(|&(list, _, _)| list)
                .chain(crowded.iter().map(|&(list, _, _)| list))
                .chain(halves.iter().flatten().copied())
                .collect();
            ev.add_common(&common, needed_common, &later);
            for &(list, share, _) in &adders {
                ev.next_token();
                ev.add_to_found(Some(list), share);
            }
            for (list, share, token) in crowded {
                ev.add_to_found_as(token, list, share);
            }
            for lists in &halves {
                ev.next_token();
                for list in lists {
                    ev.add_to_found(Some(list), whole);
                }
            }
            // When every key is common and some would bring more names than
            // a crowded neighbour (on a large index; on the official lists
            // only a few keys such as Muhammad's have that many), every name
            // is found through common keys and must carry half the query
            // like any other such name.
            let crowded_query = !has_rare && df_max > NEIGHBOUR_DF;
            let needed = if crowded_query {
                COMMON_ONLY_SHARE
            } else {
                PRUNE_SHARE
            } * total;
            let ids = ev.touched.iter().copied().filter(|&id| {
                let i = id as usize;
                let needed = if ev.rare[i] { needed } else { needed_common };
                ev.weight[i] >= needed && floors.0[usize::from(self.classes[i])] <= 1.0
            });
            self.score_all(query, ids, floors, true)
        })
    }

    /// Every name scored: the reference the index's recall is checked
    /// against.
    pub fn search_exhaustive(&self, query: &AnalyzedName, min_score: f64) -> Vec<Candidate<'_>> {
        self.score_all(
            query,
            0..self.names.len() as u32,
            &Floors::uniform(min_score),
            false,
        )
    }

    fn score_all(
        &self,
        query: &AnalyzedName,
        ids: impl Iterator<Item = u32>,
        floors: &Floors,
        bounded: bool,
    ) -> Vec<Candidate<'_>> {
        let prepared = Prepared::new(query, self);
        let readings: Vec<(&AnalyzedName, &Prepared)> =
            query.all_readings().zip(prepared.all()).collect();
        let mut scratch = Scratch::default();
        let mut memo = FxHashMap::default();
        let mut out: Vec<(u32, Candidate<'_>)> = Vec::new();
        // An index of the official lists' size stays in the processor's
        // caches; reading ahead only pays on a large one.
        let warm = bounded && !self.screens_inline();
        let mut ids = ids.fuse();
        let mut buffer = [0u32; WARM_CHUNK];
        loop {
            let mut taken = 0;
            for (slot, id) in buffer.iter_mut().zip(ids.by_ref()) {
                *slot = id;
                taken += 1;
            }
            if taken == 0 {
                break;
            }
            let chunk = &buffer[..taken];
            if warm {
                self.warm(chunk);
            }
            for &id in chunk {
                let name = &self.names[id as usize];
                let min_score = floors.0[usize::from(self.classes[id as usize])];
                // The bound is cheap and provably not below the score: most
                // retrieved names share only a common token and stop here.
                // The exhaustive reference scores without it.
                if bounded {
                    let (start, len, summary) = &self.bound_names[id as usize];
                    let tokens = &self.bound_tokens[*start as usize..(start + len) as usize];
                    // Addresses only: the name is read when a doubt is.
                    let mut doubt = Doubt {
                        readings: &readings,
                        candidate: &name.analyzed,
                        prepared: &name.prepared,
                        stats: tokens,
                        memo: &mut memo,
                    };
                    if !may_reach(&prepared, tokens, summary, min_score, &mut doubt) {
                        continue;
                    }
                }
                if let Some(score) = compare_prepared(
                    query,
                    &prepared,
                    &name.analyzed,
                    &name.prepared,
                    min_score,
                    &mut scratch,
                ) {
                    out.push((id, Candidate { name, score }));
                }
            }
        }
        // Equal scores in list order: which of an entry's equally good
        // aliases explains a hit must not depend on retrieval order.
        out.sort_by(|(ia, a), (ib, b)| {
            b.score
                .score
                .total_cmp(&a.score.score)
                .then_with(|| ia.cmp(ib))
        });
        out.into_iter().map(|(_, c)| c).collect()
    }
}

/// Keys under which a list name is found by queries read another way
/// than it was: the scorer compares a Korean-read name with one that is not
/// by spelling, an abjad word with a Latin one by consonants (`%`), an
/// abjad name of several words with one Latin word by the joined frame
/// (`%%`), and a list initial with any word starting with it (`#`).
fn cross_reading_keys(name: &AnalyzedName) -> Vec<String> {
    let mut keys = Vec::new();
    if name.korean {
        keys.extend(name.tokens.iter().map(|t| phonetic::key(&t.text)));
    }
    if name.organization {
        return keys;
    }
    let abjad = |t: &&NameToken| t.origin == Origin::Abjad;
    keys.extend(
        name.tokens
            .iter()
            .filter(abjad)
            .map(|t| consonant_frame(&t.key))
            .filter(|frame| frame.len() >= 2)
            .map(|frame| format!("%{frame}")),
    );
    if name.tokens.len() > 1 && name.tokens.iter().any(|t| t.origin == Origin::Abjad) {
        keys.push(format!("%%{}", joined_frame(&name.tokens)));
    }
    keys.extend(
        name.tokens
            .iter()
            .filter(|t| t.class == TokenClass::Initial)
            .map(|t| format!("#{}", t.text)),
    );
    for token in &name.tokens {
        keys.extend(
            given_names::groups(&token.text)
                .iter()
                .map(|g| format!("&{g}")),
        );
    }
    if let Some(joined) = joined_name(name) {
        let len = joined.len();
        keys.extend(half_key(&joined, len, true));
        keys.extend(half_key(&joined, len, false));
    }
    keys
}

/// A person's words joined without particles (`ahmadirahim` for AHMADI,
/// Rahim), when long enough for the scorer's whole-name typo check (Ahmad
/// Ibrahim ~ AHMADI, Rahim), which it is retrieved by through
/// [`half_key`]s.
fn joined_name(name: &AnalyzedName) -> Option<String> {
    if name.organization || name.significant().count() < 2 {
        return None;
    }
    let joined: String = name.significant().map(|t| t.text.as_str()).collect();
    (joined.len() >= 10 && joined.is_ascii()).then_some(joined)
}

/// The key under which a joined name of `len` letters is found by the
/// joined string `joined` (of that length or another the scorer compares
/// with it): its `front` half, the first `len / 2` letters (`<ahmad11`) or its last
/// `len - len / 2` (`>irahim11`), with the length. One typo (a letter
/// changed, added or dropped) leaves one of the two halves whole, so a
/// joined name one typo from the query's shares one such key with it;
/// a longer half than a fixed few letters keeps a common surname from
/// finding every name that starts with it, and the length every name too
/// long or too short to compare.
fn half_key(joined: &str, len: usize, front: bool) -> Option<String> {
    if front {
        joined.get(..len / 2).map(|half| format!("<{half}{len}"))
    } else {
        let back = len - len / 2;
        joined
            .len()
            .checked_sub(back)
            .and_then(|start| joined.get(start..))
            .map(|half| format!(">{half}{len}"))
    }
}

/// The joined lengths the scorer's whole-name check compares with `len`
/// (the shorter at least nine tenths of the longer, as in
/// `score::compare_reading`).
fn comparable_lengths(len: usize) -> impl Iterator<Item = usize> {
    (len * 9 / 10..=len * 10 / 9 + 1).filter(move |&other| {
        let (short, long) = (len.min(other), len.max(other));
        short as f64 >= 0.9 * long as f64
    })
}

/// The query's side of [`cross_reading_keys`]: each key with the query
/// token it stands for, the share of that token's weight it credits, and
/// whether it finds names on its own. A nickname or an initial only adds
/// to a name found through another token (the family name), since alone it
/// cannot lift a name to the threshold: that keeps `#a` from retrieving
/// every name with an initial A.
fn query_cross_keys(query: &AnalyzedName) -> Vec<(&NameToken, String, f64, bool)> {
    let mut keys = Vec::new();
    for token in query.significant() {
        if query.korean {
            keys.push((token, phonetic::key(&token.text), 1.0, true));
        }
        if query.organization {
            continue;
        }
        let frame = consonant_frame(&token.key);
        if frame.len() >= 2 {
            keys.push((token, format!("%{frame}"), 0.9, true));
        }
        for g in given_names::groups(&token.text) {
            keys.push((token, format!("&{g}"), 0.9, false));
        }
        if token.class == TokenClass::Normal {
            if let Some(first) = token.text.chars().next() {
                keys.push((token, format!("#{first}"), 0.7, false));
            }
        }
    }
    if let [only] = query.tokens.as_slice() {
        keys.push((
            only,
            format!("%%{}", joined_frame(&query.tokens)),
            0.9,
            true,
        ));
    }
    keys
}

/// Per-query retrieval state, kept per thread so that a query does not
/// allocate and clear an array the size of the index.
#[derive(Default)]
struct Evidence {
    /// Per name, the query weight its keys account for so far.
    weight: Vec<f64>,
    /// Per name, whether a key that is not common credited it.
    rare: Vec<bool>,
    /// Per name, the last query token that credited it.
    credited_by: Vec<u32>,
    /// A bit per name, set only inside [`Evidence::add_common`].
    marks: Vec<u64>,
    token: u32,
    /// Names with any evidence, in the order first found.
    touched: Vec<u32>,
}

thread_local! {
    static EVIDENCE: RefCell<Evidence> = RefCell::new(Evidence::default());
}

impl Evidence {
    fn reset(&mut self, names: usize) {
        for &id in &self.touched {
            self.weight[id as usize] = 0.0;
            self.rare[id as usize] = false;
        }
        self.touched.clear();
        if self.weight.len() < names {
            self.weight.resize(names, 0.0);
            self.rare.resize(names, false);
            self.credited_by.resize(names, 0);
            self.marks.resize(names.div_ceil(64), 0);
        }
    }

    fn next_token(&mut self) {
        self.token = self.token.wrapping_add(1);
        if self.token == 0 {
            self.credited_by.fill(0);
            self.token = 1;
        }
    }

    /// Credits the listed names that some key already found, each once.
    /// A long list (an initial's, a common name start's) is searched for
    /// the names found instead of read through.
    fn add_to_found(&mut self, list: Option<&Vec<u32>>, share: f64) {
        let Some(list) = list else { return };
        let credit = |ev: &mut Evidence, id: u32| {
            let i = id as usize;
            if ev.weight[i] > 0.0 && ev.credited_by[i] != ev.token {
                ev.credited_by[i] = ev.token;
                ev.weight[i] += share;
            }
        };
        if list.len() > 8 * self.touched.len() {
            for k in 0..self.touched.len() {
                let id = self.touched[k];
                if list.binary_search(&id).is_ok() {
                    credit(self, id);
                }
            }
        } else {
            for &id in list {
                credit(self, id);
            }
        }
    }

    /// Credits the common keys' postings (names, share, token): each name
    /// found already, and each other name whose shares reach `least` or
    /// that a `later` list holds. The postings are read in order side by
    /// side with the names found, rather than looked up name by name: on a
    /// large index a common key lists tens of thousands of names, most of
    /// which nothing else finds and which common keys alone cannot carry
    /// over the bar. Every name the old name-by-name crediting let through
    /// the filter still passes it (a few more may: a name is marked as
    /// credited by a common token, so a crowded neighbour of a rarer token
    /// may add to it again).
    fn add_common(&mut self, common: &[(&Vec<u32>, f64, u32)], least: f64, later: &[&Vec<u32>]) {
        if common.is_empty() {
            return;
        }
        let mut found = self.touched.clone();
        found.sort_unstable();
        self.set_marks(later, true);
        let mut at_found = 0;
        let mut cursors = vec![0usize; common.len()];
        // The least name not yet read from any posting, in turn.
        while let Some(id) = common
            .iter()
            .zip(&cursors)
            .filter_map(|((list, _, _), &at)| list.get(at).copied())
            .min()
        {
            let (mut sum, mut last) = (0.0, 0);
            for ((list, share, token), at) in common.iter().zip(cursors.iter_mut()) {
                if list.get(*at) == Some(&id) {
                    sum += share;
                    last = *token;
                    *at += 1;
                }
            }
            while found.get(at_found).is_some_and(|&f| f < id) {
                at_found += 1;
            }
            let is_found = found.get(at_found) == Some(&id);
            let i = id as usize;
            if is_found || sum >= least || self.marks[i / 64] & 1 << (i % 64) != 0 {
                if !is_found {
                    self.touched.push(id);
                }
                self.weight[i] += sum;
                self.credited_by[i] = last;
            }
        }
        self.set_marks(later, false);
    }

    /// Marks (or unmarks) every name the lists hold, a bit each.
    fn set_marks(&mut self, lists: &[&Vec<u32>], on: bool) {
        for &id in lists.iter().copied().flatten() {
            let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
            if on {
                self.marks[word] |= bit;
            } else {
                self.marks[word] &= !bit;
            }
        }
    }

    /// [`Evidence::add_to_found`] for an earlier token (`token` as it was
    /// then): a crowded neighbour is looked at after every other key.
    fn add_to_found_as(&mut self, token: u32, list: &Vec<u32>, share: f64) {
        let now = std::mem::replace(&mut self.token, token);
        self.add_to_found(Some(list), share);
        self.token = now;
    }

    /// Credits each listed name with `share` unless this token already did.
    fn add(&mut self, list: Option<&Vec<u32>>, share: f64, rare: bool) {
        for &id in list.into_iter().flatten() {
            let i = id as usize;
            if self.credited_by[i] == self.token {
                continue;
            }
            self.credited_by[i] = self.token;
            if self.weight[i] == 0.0 {
                self.touched.push(id);
            }
            self.weight[i] += share;
            self.rare[i] |= rare;
        }
    }
}

impl Rarity for NameIndex {
    fn weight(&self, token: &NameToken) -> f64 {
        if let Some(w) = class_weight(token) {
            return w;
        }
        let df = self.df(&token.key) as f64;
        let idf = (self.log_total - (df + 1.0).ln()) / self.log_total.max(1.0);
        (0.15 + 0.85 * idf).clamp(0.15, 1.0)
    }
}

#[cfg(test)]
impl NameIndex {
    /// An index over one list, `test`, of these entries.
    pub(crate) fn of_test_list(entries: Vec<ListEntry>) -> NameIndex {
        let meta = super::lists::SnapshotMeta {
            snapshot_id: "test".into(),
            list_id: "test".into(),
            version: "test".into(),
            sha256: String::new(),
            source_version: None,
            loaded_at: 0,
            entry_count: entries.len(),
        };
        let mut lists = BTreeMap::new();
        lists.insert("test".to_string(), Arc::new(LiveList::new(meta, entries)));
        NameIndex::build(&lists)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_name_one_typo_away_shares_a_half_key() {
        let keys = |joined: &str| -> Vec<String> {
            [true, false]
                .iter()
                .filter_map(|&front| half_key(joined, joined.len(), front))
                .collect()
        };
        let probes = |joined: &str| -> Vec<String> {
            comparable_lengths(joined.len())
                .flat_map(|len| [true, false].map(|front| half_key(joined, len, front)))
                .flatten()
                .collect()
        };
        for query in [
            "ahmadibrahim",
            "jensensarapelsendarko",
            "kimjongun",
            "songhwajeong",
        ] {
            let found = probes(query);
            let bytes = query.as_bytes();
            let mut variants = Vec::new();
            for i in 0..=bytes.len() {
                for letter in [b'a', b'x'] {
                    let mut inserted = bytes.to_vec();
                    inserted.insert(i, letter);
                    variants.push(inserted);
                    if i < bytes.len() {
                        let mut changed = bytes.to_vec();
                        changed[i] = letter;
                        variants.push(changed);
                    }
                }
                if i < bytes.len() {
                    let mut dropped = bytes.to_vec();
                    dropped.remove(i);
                    variants.push(dropped);
                }
            }
            for variant in variants {
                let variant = String::from_utf8(variant).unwrap();
                if variant.len() < 10 {
                    continue;
                }
                assert!(
                    keys(&variant).iter().any(|k| found.contains(k)),
                    "{query} does not find {variant}"
                );
            }
        }
        // A name of another length's halves are not looked for.
        assert!(!probes("jensensarapelsendarko").contains(&"<jensensarapelsend17".to_string()));
    }

    #[test]
    fn joined_lengths_looked_up_are_those_the_scorer_compares() {
        for len in 10..80 {
            let looked_up: Vec<usize> = comparable_lengths(len).collect();
            let compared: Vec<usize> = (0..200)
                .filter(|&other| {
                    let (short, long) = (len.min(other), len.max(other));
                    short >= 6 && short as f64 >= 0.9 * long as f64
                })
                .collect();
            assert_eq!(looked_up, compared, "length {len}");
        }
    }
    fn index(names: &[(&str, &[&str])]) -> NameIndex {
        let entries: Vec<ListEntry> = names
            .iter()
            .enumerate()
            .map(|(i, (name, original))| {
                let mut entry = ListEntry::new("test", &i.to_string(), EntryKind::Person, name);
                entry.original_script_names = original.iter().map(|s| s.to_string()).collect();
                entry
            })
            .collect();
        NameIndex::of_test_list(entries)
    }

    fn found(index: &NameIndex, query: &str) -> Vec<String> {
        let query = AnalyzedName::new(query, false);
        let mut hits: Vec<String> = index
            .search(&query, 0.8)
            .into_iter()
            .map(|c| index.entry(c.name.entry).name.clone())
            .collect();
        let mut all: Vec<String> = index
            .search_exhaustive(&query, 0.8)
            .into_iter()
            .map(|c| index.entry(c.name.entry).name.clone())
            .collect();
        hits.sort();
        hits.dedup();
        all.sort();
        all.dedup();
        assert_eq!(hits, all, "the index misses what scoring every name finds");
        hits
    }

    #[test]
    fn other_readings_are_retrieved_from_both_sides() {
        let filler = [
            "KIM Jong Chol",
            "KIM Min Chol",
            "PAK Ji Song",
            "RI Myong Su",
            "YAMAMOTO Taro",
            "Alexei Navalny",
            "Wang Wei",
            "Li Wei",
            "Jin Zheng",
        ];
        let mut names: Vec<(&str, &[&str])> = vec![
            ("KIM Jong Un", &[]),
            ("YAMADA Taro", &[]),
            ("PARK Ji Sung", &[]),
            ("Alexander Papadopoulos", &[]),
            ("KIM Chol Sam", &["金铁三"]),
            ("Tanaka Hanako", &["田中花子"]),
        ];
        names.extend(filler.iter().map(|n| (*n, &[] as &[&str])));
        let index = index(&names);
        // Query side: the other reading finds the list's Latin name.
        assert!(found(&index, "金正恩").contains(&"KIM Jong Un".to_string()));
        assert!(found(&index, "山田太郎").contains(&"YAMADA Taro".to_string()));
        assert!(found(&index, "박지성").contains(&"PARK Ji Sung".to_string()));
        assert!(found(&index, "Αλέξανδρος Παπαδόπουλος")
            .contains(&"Alexander Papadopoulos".to_string()));
        // List side: a list name in Han characters is found by its readings.
        assert!(found(&index, "Kim Chol Sam").contains(&"KIM Chol Sam".to_string()));
        assert!(found(&index, "Gim Cheol-sam").contains(&"KIM Chol Sam".to_string()));
        assert!(found(&index, "Hanako Tanaka").contains(&"Tanaka Hanako".to_string()));
        // And what should not meet does not.
        assert!(!found(&index, "박지송").contains(&"PARK Ji Sung".to_string()));
        assert!(found(&index, "Kim Min-jeon").is_empty());
    }
}
