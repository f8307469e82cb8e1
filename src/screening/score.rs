//! Scoring one name against another, with the explanation: tokens are
//! aligned one-to-one regardless of order (greedy on weighted similarity),
//! each pair says how it matched, and the score is the rarity-weighted
//! share of both names that found a partner. A match on "Kim" or "Trading"
//! weighs little; a match on a rare given name weighs a lot.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::names::normalize::{legal_kind, LegalKind, Origin, TokenClass};
use super::names::{given_names, phonetic};
use super::names::{AnalyzedName, NameToken};

/// How much a token identifies: 0 (nothing) to 1 (rare).
pub trait Rarity {
    fn weight(&self, token: &NameToken) -> f64;
}

/// Tokens so common in names that they identify little on their own, used
/// when no corpus statistics are at hand (pairwise checks).
const COMMON: &[&str] = &[
    "kim",
    "ri",
    "lee",
    "yi",
    "pak",
    "park",
    "choe",
    "choi",
    "jong",
    "jung",
    "kang",
    "han",
    "cho",
    "jang",
    "yun",
    "song",
    "hwang",
    "an",
    "ryu",
    "mohammed",
    "muhammad",
    "mohammad",
    "mohamed",
    "ahmed",
    "ahmad",
    "ali",
    "hassan",
    "hussein",
    "husain",
    "abdul",
    "abd",
    "abdullah",
    "abdallah",
    "ibrahim",
    "khan",
    "ivan",
    "sergey",
    "sergei",
    "alexander",
    "aleksandr",
    "vladimir",
    "john",
    "james",
    "david",
    "michael",
    "maria",
    "li",
    "wang",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "nguyen",
    "tran",
];

/// Class-based weights plus a built-in list of common name tokens.
pub struct DefaultRarity;

pub fn class_weight(token: &NameToken) -> Option<f64> {
    match token.class {
        TokenClass::Stopword => Some(0.1),
        TokenClass::Initial => Some(0.3),
        TokenClass::Normal if token.text.bytes().all(|b| b.is_ascii_digit()) => Some(0.8),
        TokenClass::Normal => None,
    }
}

impl Rarity for DefaultRarity {
    fn weight(&self, token: &NameToken) -> f64 {
        if let Some(w) = class_weight(token) {
            return w;
        }
        if token.key.starts_with('~') || COMMON.contains(&token.text.as_str()) {
            0.4
        } else {
            1.0
        }
    }
}

/// How two tokens were found to agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Exact,
    /// The same Korean surname in another spelling (Lee/Ri/Yi).
    SurnameVariant,
    /// The same Korean syllable in another romanization (Jeong/Jong).
    Romanization,
    /// Alike in sound or transliteration (Mohammed/Muhammad).
    Phonetic,
    /// A nickname or the same given name in another language (Bibi and
    /// Benjamin, Juan and John).
    Nickname,
    /// A spelling difference (typo, dropped letter).
    Fuzzy,
    /// An initial against a name starting with it.
    Initial,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenMatch {
    pub query: String,
    pub candidate: String,
    pub kind: MatchKind,
    pub similarity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameScore {
    pub score: f64,
    pub matches: Vec<TokenMatch>,
    pub unmatched_query: Vec<String>,
    pub unmatched_candidate: Vec<String>,
    /// Set when both names are written in Hangul and differ letter by
    /// letter: the score is held to their letters' similarity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

/// Facts about one token that every comparison needs, computed once: its
/// weight, and its lengths and letter sets, which bound the edit distance
/// so that most hopeless pairs never reach it.
#[derive(Debug, Clone, Copy)]
pub struct TokenStats {
    pub weight: f64,
    text: Shape,
    key: Shape,
    /// Hashes of the text and the key: unequal hashes, unequal strings.
    text_hash: u64,
    key_hash: u64,
    /// Length of the text in bytes, as the fuzzy length rule counts.
    len: usize,
    first: u8,
    class: TokenClass,
    abjad: bool,
    /// The given-name groups of a person's token (see [`given_names`]).
    given: u64,
    /// The index's number for tokens alike in everything
    /// [`token_similarity`] reads, so that a query scores each distinct
    /// list token once ([`UNNUMBERED`] outside an index).
    pub id: u32,
}

impl TokenStats {
    /// The given-name groups the token belongs to (a bit each).
    pub fn given(&self) -> u64 {
        self.given
    }
}

/// [`TokenStats::id`] of a token no index numbered.
pub const UNNUMBERED: u32 = u32::MAX;

/// A string's length in characters and the set of its characters (hashed
/// into 64 bits): two strings are at least as many edits apart as either
/// has characters the other lacks, and as their lengths differ.
#[derive(Debug, Clone, Copy)]
struct Shape {
    chars: usize,
    set: u64,
}

impl Shape {
    fn of(s: &str) -> Shape {
        let mut set = 0u64;
        let mut chars = 0;
        for c in s.chars() {
            set |= 1 << (c as u32 % 64);
            chars += 1;
        }
        Shape { chars, set }
    }

    /// The most similarity (`1 - distance / longest`) the two strings can
    /// have; exactly the formula of [`similarity`] at the least distance.
    fn similarity_bound(self, other: Shape) -> f64 {
        let max = self.chars.max(other.chars);
        if max == 0 {
            return 1.0;
        }
        let least = (self.set & !other.set)
            .count_ones()
            .max((other.set & !self.set).count_ones()) as usize;
        let least = least.max(self.chars.abs_diff(other.chars));
        1.0 - least as f64 / max as f64
    }
}

/// The set of a string's adjacent letter pairs, hashed into 64 bits. An
/// edit (substitution, insertion, deletion or transposition) takes at most
/// three pairs away and brings at most three, and a hashed set cannot
/// differ by more than the set: two strings are at least a third of either
/// hashed set's surplus apart. Sharper than the letter set for whole names
/// compared as joined strings, whose letters are much alike.
#[derive(Debug, Clone, Copy)]
struct Pairs(u64);

impl Pairs {
    fn of(s: &str) -> Pairs {
        let mut set = 0u64;
        let mut chars = s.chars();
        if let Some(mut before) = chars.next() {
            for c in chars {
                let pair = (before as u32).wrapping_mul(31).wrapping_add(c as u32);
                set |= 1 << (pair.wrapping_mul(0x9E37_79B9) >> 26);
                before = c;
            }
        }
        Pairs(set)
    }

    /// The most similarity (`1 - distance / longest`) two strings with
    /// these pairs and shapes can have.
    fn similarity_bound(self, other: Pairs, a: Shape, b: Shape) -> f64 {
        let max = a.chars.max(b.chars);
        if max == 0 {
            return 1.0;
        }
        let surplus = (self.0 & !other.0)
            .count_ones()
            .max((other.0 & !self.0).count_ones()) as usize;
        1.0 - surplus.div_ceil(3) as f64 / max as f64
    }
}

/// A name's tokens' stats (and its alternate reading's), plus the joined
/// strings the word-joining check compares: everything about a name the
/// scorer needs besides its tokens, computed once per list name at index
/// build and once per query.
#[derive(Debug, Clone)]
pub struct Prepared {
    tokens: Vec<TokenStats>,
    alternate: Option<Vec<TokenStats>>,
    /// Texts joined without stopwords, then with them.
    joined: [(String, Shape); 2],
    summary: Summary,
    /// The name's other readings, prepared alike.
    readings: Vec<Prepared>,
}

/// What [`score_bound`] needs of a name besides its tokens' stats.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    korean: bool,
    /// The sum of the token weights.
    total: f64,
    /// Byte length, shape and letter pairs of each joined string.
    joined: [(usize, Shape, Pairs); 2],
    /// Whether the name has other readings (the bound does not cover
    /// them).
    readings: bool,
}

impl Prepared {
    pub fn new(name: &AnalyzedName, rarity: &dyn Rarity) -> Prepared {
        let stats = |tokens: &[NameToken]| -> Vec<TokenStats> {
            tokens
                .iter()
                .map(|t| TokenStats {
                    weight: rarity.weight(t),
                    text: Shape::of(&t.text),
                    key: Shape::of(&t.key),
                    text_hash: fnv(&t.text),
                    key_hash: fnv(&t.key),
                    len: t.text.len(),
                    first: t.text.as_bytes().first().copied().unwrap_or(0),
                    class: t.class,
                    abjad: t.origin == Origin::Abjad,
                    given: if name.organization {
                        0
                    } else {
                        given_names::group_mask(&t.text)
                    },
                    id: UNNUMBERED,
                })
                .collect()
        };
        let joined = |all: bool| -> (String, Shape) {
            let s: String = name
                .tokens
                .iter()
                .filter(|t| all || t.class != TokenClass::Stopword)
                .map(|t| t.text.as_str())
                .collect();
            let shape = Shape::of(&s);
            (s, shape)
        };
        let tokens = stats(&name.tokens);
        let joined = [joined(false), joined(true)];
        let summary = Summary {
            korean: name.korean,
            total: tokens.iter().map(|t| t.weight).sum(),
            joined: [
                (joined[0].0.len(), joined[0].1, Pairs::of(&joined[0].0)),
                (joined[1].0.len(), joined[1].1, Pairs::of(&joined[1].0)),
            ],
            readings: !name.readings.is_empty(),
        };
        Prepared {
            tokens,
            alternate: name.alternate.as_deref().map(stats),
            joined,
            summary,
            readings: name
                .readings
                .iter()
                .map(|r| Prepared::new(r, rarity))
                .collect(),
        }
    }

    /// The name's own preparation, then its readings', in the order of
    /// [`AnalyzedName::all_readings`].
    pub fn all(&self) -> impl Iterator<Item = &Prepared> {
        std::iter::once(self).chain(&self.readings)
    }

    /// The stats of the name's own tokens.
    pub fn tokens(&self) -> &[TokenStats] {
        &self.tokens
    }

    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// The weights of the name's own tokens, in order.
    pub fn weights(&self) -> impl Iterator<Item = f64> + '_ {
        self.tokens.iter().map(|t| t.weight)
    }

    fn reading(&self, alternate: bool) -> &[TokenStats] {
        match (alternate, &self.alternate) {
            (true, Some(a)) => a,
            _ => &self.tokens,
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether [`compare_prepared`] can give the two names `min_score` or
/// more. Decided from the prepared stats first ([`reading_bound`], cheap);
/// a name that passes is bounded again with the token pairs and joined
/// strings the stats left in doubt compared exactly through `doubt`,
/// which (when it remembers pairs by [`TokenStats::id`]) costs one edit
/// distance per distinct list token rather than one per name. A candidate
/// with other readings (few list names have them) always may.
pub fn may_reach(
    pq: &Prepared,
    c: &[TokenStats],
    cs: &Summary,
    min_score: f64,
    doubt: &mut Doubt,
) -> bool {
    if cs.readings {
        return true;
    }
    pq.all().enumerate().any(|(r, p)| {
        reading_bound(p, c, cs, min_score, None) >= min_score
            && reading_bound(p, c, cs, min_score, Some((r, &mut *doubt))) >= min_score
    })
}

/// At least the score [`compare_reading`] gives two names that are not
/// both Korean (those are cheap to score exactly and return 1): each token
/// pair is credited with the most similarity its hashes, classes, lengths
/// and letters allow (or, with `doubt`, the pair's exact similarity), each
/// token with its best pair, and the word-joining checks with what the
/// joined strings' lengths and letters allow (or their exact similarity).
/// Lets the index skip the alignment of most retrieved names.
///
/// The joined strings are looked at only while the bound is below
/// `min_score`: above it, what they could add changes nothing.
fn reading_bound(
    pq: &Prepared,
    c: &[TokenStats],
    cs: &Summary,
    min_score: f64,
    mut doubt: Option<(usize, &mut Doubt)>,
) -> f64 {
    let qs = &pq.summary;
    if qs.korean && cs.korean {
        return 1.0;
    }
    let q = &pq.tokens;
    let (mut matched_q, mut matched_c) = (0.0, 0.0);
    let mut best_c = [0.0f64; 32];
    if c.len() > best_c.len() {
        return 1.0;
    }
    for (i, a) in q.iter().enumerate() {
        let mut best = 0.0f64;
        for (j, b) in c.iter().enumerate() {
            let mut ub = pair_bound(a, b);
            if ub > 0.0 && a.text_hash != b.text_hash {
                if let Some((r, doubt)) = doubt.as_mut() {
                    ub = doubt.pair(*r, i, j);
                }
            }
            best = best.max(ub);
            best_c[j] = best_c[j].max(ub);
        }
        matched_q += best * a.weight;
    }
    for (b, best) in c.iter().zip(&best_c) {
        matched_c += best * b.weight;
    }
    let mut bound = if qs.total > 0.0 && cs.total > 0.0 {
        let cover_q = (matched_q / qs.total).min(1.0);
        let cover_c = (matched_c / cs.total).min(1.0);
        0.6 * cover_q.max(cover_c) + 0.4 * cover_q.min(cover_c)
    } else {
        0.0
    };
    if (q.len() == 1) != (c.len() == 1) && q.iter().chain(c).any(|t| t.abjad) {
        bound = bound.max(0.9);
    }
    for (k, ((a, sa, pa), (b, sb, pb))) in qs.joined.iter().zip(&cs.joined).enumerate() {
        if bound >= min_score {
            break;
        }
        let (short, long) = ((*a).min(*b), (*a).max(*b));
        if short >= 6 && short as f64 >= 0.9 * long as f64 {
            let ub = sa
                .similarity_bound(*sb)
                .min(pa.similarity_bound(*pb, *sa, *sb));
            if ub >= 0.9 {
                let similarity = match doubt.as_mut() {
                    Some((r, doubt)) => doubt.joined(*r, k, 0.9).unwrap_or(0.0),
                    None => ub,
                };
                bound = bound.max(similarity * 0.97);
            }
        }
    }
    // Room for rounding: the alignment sums the same terms in another order.
    bound.min(1.0) + 1e-9
}

/// Exact answers to what a name's stats leave in doubt, for one query
/// against one candidate, asked by [`may_reach`] only for names the stats
/// alone would let through. Token pairs are remembered in `memo` by query
/// reading, query token and list token number, so a memo kept for the
/// whole query scores each distinct list token once.
pub struct Doubt<'a> {
    /// Each reading of the query (the name itself first), prepared.
    pub readings: &'a [(&'a AnalyzedName, &'a Prepared)],
    pub candidate: &'a AnalyzedName,
    pub prepared: &'a Prepared,
    /// The candidate's token stats, as bounded.
    pub stats: &'a [TokenStats],
    pub memo: &'a mut FxHashMap<u64, f64>,
}

impl Doubt<'_> {
    /// [`token_similarity`] of token `i` of the query's reading `reading`
    /// (0 is the name itself) and token `j` of the candidate, 0 when they
    /// do not match (the names are not both Korean).
    fn pair(&mut self, reading: usize, i: usize, j: usize) -> f64 {
        let sb = &self.stats[j];
        let key = (reading as u64) << 48 | (i as u64) << 32 | u64::from(sb.id);
        let numbered = sb.id != UNNUMBERED && i < 1 << 16;
        if let Some(&known) = self.memo.get(&key).filter(|_| numbered) {
            return known;
        }
        let (query, pq) = self.readings[reading];
        let b = &self.candidate.tokens[j];
        let similarity = token_similarity(&query.tokens[i], &pq.tokens[i], b, sb, false)
            .map_or(0.0, |(sim, _)| sim);
        if numbered {
            self.memo.insert(key, similarity);
        }
        similarity
    }

    /// The similarity of the query reading's and the candidate's joined
    /// strings (`k` as in [`Prepared::joined`]) when it is at least `floor`.
    fn joined(&self, reading: usize, k: usize, floor: f64) -> Option<f64> {
        let ((a, sa), (b, sb)) = (
            &self.readings[reading].1.joined[k],
            &self.prepared.joined[k],
        );
        similarity_at_least(a, *sa, b, *sb, floor)
    }
}

/// The most similarity [`token_similarity`] can give two tokens of names
/// that are not both Korean.
fn pair_bound(a: &TokenStats, b: &TokenStats) -> f64 {
    if a.text_hash == b.text_hash
        || a.key_hash == b.key_hash
        || a.abjad
        || b.abjad
        || a.given & b.given != 0
    {
        return 1.0;
    }
    if a.class == TokenClass::Initial || b.class == TokenClass::Initial {
        return if a.first == b.first { 0.7 } else { 0.0 };
    }
    let (shortest, longest) = (a.len.min(b.len), a.len.max(b.len));
    if shortest < 4 || (shortest as f64) < 0.7 * longest as f64 {
        return 0.0;
    }
    let floor = if shortest >= 7 { 0.7 } else { 0.75 };
    let text = a.text.similarity_bound(b.text);
    // The key's similarity counts at 0.92 at most: no need when the text's
    // bound is above that.
    let sim = if text >= 0.92 {
        text
    } else {
        text.max(a.key.similarity_bound(b.key) * 0.92)
    };
    if sim < floor {
        0.0
    } else {
        sim
    }
}

/// `similarity(a, b)` when it can reach `floor`, else `None` without
/// computing the edit distance whenever lengths and letters rule it out.
fn similarity_at_least(a: &str, sa: Shape, b: &str, sb: Shape, floor: f64) -> Option<f64> {
    if sa.similarity_bound(sb) < floor {
        return None;
    }
    phonetic::similarity_at_least(a, b, floor)
}

fn token_similarity(
    a: &NameToken,
    sa: &TokenStats,
    b: &NameToken,
    sb: &TokenStats,
    korean: bool,
) -> Option<(f64, MatchKind)> {
    // Unequal hashes settle most comparisons without reading the strings.
    if sa.text_hash == sb.text_hash && a.text == b.text {
        return Some((1.0, MatchKind::Exact));
    }
    // A particle or honorific is not a name: `al` is not `Ali`.
    if (a.class == TokenClass::Stopword) != (b.class == TokenClass::Stopword) {
        return None;
    }
    if sa.key_hash == sb.key_hash && a.key == b.key {
        return Some(if a.key.starts_with('~') {
            (0.95, MatchKind::SurnameVariant)
        } else if korean {
            (0.95, MatchKind::Romanization)
        } else {
            (0.9, MatchKind::Phonetic)
        });
    }
    if !korean && sa.given & sb.given != 0 && given_names::same_name(&a.text, &b.text) {
        return Some((0.9, MatchKind::Nickname));
    }
    let abjad = a.origin == Origin::Abjad || b.origin == Origin::Abjad;
    // Arabic and Hebrew transliterations drop vowels, a leading one too
    // (`ly` for Ali), and write h and w where Latin has vowels or nothing:
    // compare consonant frames.
    if abjad {
        let (fa, fb) = (consonant_frame(&a.key), consonant_frame(&b.key));
        if !fa.is_empty() && fa == fb {
            return Some((0.9, MatchKind::Phonetic));
        }
    }
    if a.class == TokenClass::Initial || b.class == TokenClass::Initial {
        return (a.text.as_bytes()[0] == b.text.as_bytes()[0]).then_some((0.7, MatchKind::Initial));
    }
    // Korean syllables are short and differ by one letter between distinct
    // names (jong/jung, min/mun): only their keys may make them equal.
    if korean {
        return None;
    }
    let shortest = a.text.len().min(b.text.len());
    let longest = a.text.len().max(b.text.len());
    // Lengths alone rule out the similarity floor: skip the edit distance.
    if shortest < 4 || (shortest as f64) < 0.7 * longest as f64 {
        return None;
    }
    let floor = if shortest >= 7 { 0.7 } else { 0.75 };
    // The similarity is the better of the texts' and the keys' (the latter
    // discounted unless abjad); each only counts at or above the floor, so
    // one whose bound is below it is not computed.
    let factor = if abjad { 1.0 } else { 0.92 };
    let text = similarity_at_least(&a.text, sa.text, &b.text, sb.text, floor);
    let key = if sa.key.similarity_bound(sb.key) * factor < floor {
        None
    } else {
        // Only a key similarity of at least floor / factor can qualify
        // (asked a hair lower, against rounding); the exact test follows.
        phonetic::similarity_at_least(&a.key, &b.key, floor / factor - 1e-9)
            .map(|k| k * factor)
            .filter(|&k| k >= floor)
    };
    let sim = match (text, key) {
        (Some(t), Some(k)) => t.max(k),
        (Some(s), None) | (None, Some(s)) => s,
        (None, None) => return None,
    };
    // A spelling difference is weaker evidence than a known variant: a
    // different name one letter away is common (Sancho/Sanchez).
    Some((sim.powf(1.5), MatchKind::Fuzzy))
}

/// Scores `candidate` as a possible writing of `query`; a Korean name that
/// can be read with the surname at either end is scored both ways.
pub fn compare(query: &AnalyzedName, candidate: &AnalyzedName, rarity: &dyn Rarity) -> NameScore {
    let pq = Prepared::new(query, rarity);
    let pc = Prepared::new(candidate, rarity);
    let mut scratch = Scratch::default();
    compare_prepared(query, &pq, candidate, &pc, f64::NEG_INFINITY, &mut scratch)
        .expect("every score reaches minus infinity")
}

/// Buffers one alignment needs, kept across the candidates of a query so
/// that scoring one does not allocate.
#[derive(Default)]
pub struct Scratch {
    pairs: Vec<(f64, f64, MatchKind, usize, usize)>,
    used_q: Vec<bool>,
    used_c: Vec<bool>,
    matches: Vec<(usize, usize, MatchKind, f64)>,
}

/// [`compare`] with both names' stats computed beforehand; `None` when the
/// score is below `min_score` (the explanation is then never built). Each
/// reading of one name is scored against each reading of the other that
/// it may be compared with, and the best counts.
pub fn compare_prepared(
    query: &AnalyzedName,
    pq: &Prepared,
    candidate: &AnalyzedName,
    pc: &Prepared,
    min_score: f64,
    scratch: &mut Scratch,
) -> Option<NameScore> {
    // Two Hangul writings that differ are different names, however alike
    // their romanizations: the score is held to their letters' similarity.
    let script_cap = match (&query.hangul, &candidate.hangul) {
        (Some(a), Some(b)) if a != b => phonetic::similarity_at_least(a, b, -1.0),
        _ => None,
    };
    if script_cap.is_some_and(|cap| cap < min_score) {
        return None;
    }
    let mut best: Option<NameScore> = None;
    for (q, pq) in query.all_readings().zip(pq.all()) {
        for (c, pc) in candidate.all_readings().zip(pc.all()) {
            if !q.comparable(c) {
                continue;
            }
            let floor = best.as_ref().map_or(min_score, |b| b.score.max(min_score));
            if let Some(score) = compare_reading(q, pq, c, pc, floor, scratch) {
                if best.as_ref().is_none_or(|b| score.score > b.score) {
                    best = Some(score);
                }
            }
        }
    }
    if let (Some(cap), Some(best)) = (script_cap, best.as_mut()) {
        if best.score > cap {
            best.score = cap;
            best.script = Some(format!(
                "both written in Hangul, {} and {} differ letter by letter ({cap:.2})",
                query.hangul.as_deref().unwrap_or_default(),
                candidate.hangul.as_deref().unwrap_or_default()
            ));
        }
    }
    best
}

/// [`compare_prepared`] for one reading of each name.
fn compare_reading(
    query: &AnalyzedName,
    pq: &Prepared,
    candidate: &AnalyzedName,
    pc: &Prepared,
    min_score: f64,
    scratch: &mut Scratch,
) -> Option<NameScore> {
    let korean = query.korean && candidate.korean;
    let mut best = (false, false);
    let mut best_score = align(query, pq, false, candidate, pc, false, scratch);
    if korean {
        for q_alt in [false, true] {
            if q_alt && query.alternate.is_none() {
                continue;
            }
            for c_alt in [false, true] {
                if (c_alt && candidate.alternate.is_none()) || (!q_alt && !c_alt) {
                    continue;
                }
                let other = align(query, pq, q_alt, candidate, pc, c_alt, scratch);
                if other > best_score {
                    best_score = other;
                    best = (q_alt, c_alt);
                }
            }
        }
    }
    if best_score < min_score {
        return None;
    }
    // Align the best reading again: the scratch holds the last one tried.
    let score = align(query, pq, best.0, candidate, pc, best.1, scratch);
    let (q, c) = (reading(query, best.0), reading(candidate, best.1));
    let matches = scratch
        .matches
        .iter()
        .map(|&(i, j, kind, similarity)| TokenMatch {
            query: q[i].text.clone(),
            candidate: c[j].text.clone(),
            kind,
            similarity,
        })
        .collect();
    Some(NameScore {
        score,
        script: None,
        matches,
        unmatched_query: unmatched(q, &scratch.used_q),
        unmatched_candidate: unmatched(c, &scratch.used_c),
    })
}

/// A name's tokens, or its alternate reading's when asked and present.
fn reading(name: &AnalyzedName, alternate: bool) -> &[NameToken] {
    match (alternate, &name.alternate) {
        (true, Some(a)) => a,
        _ => &name.tokens,
    }
}

/// The aligned score of one reading of each name; the pairs taken are left
/// in `scratch`.
fn align(
    query: &AnalyzedName,
    pq: &Prepared,
    q_alt: bool,
    candidate: &AnalyzedName,
    pc: &Prepared,
    c_alt: bool,
    scratch: &mut Scratch,
) -> f64 {
    let korean = query.korean && candidate.korean;
    let (q, c) = (reading(query, q_alt), reading(candidate, c_alt));
    let (sq, sc) = (pq.reading(q_alt), pc.reading(c_alt));
    let pairs = &mut scratch.pairs;
    pairs.clear();
    for (i, a) in q.iter().enumerate() {
        for (j, b) in c.iter().enumerate() {
            if let Some((sim, kind)) = token_similarity(a, &sq[i], b, &sc[j], korean) {
                pairs.push((sim * (sq[i].weight + sc[j].weight), sim, kind, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
    let (used_q, used_c) = (&mut scratch.used_q, &mut scratch.used_c);
    used_q.clear();
    used_q.resize(q.len(), false);
    used_c.clear();
    used_c.resize(c.len(), false);
    scratch.matches.clear();
    // Each side's covered weight counts in that side's own weights, so a
    // name of stopwords and initials cannot look fully covered by a rare
    // token of the other.
    let (mut matched_q, mut matched_c) = (0.0, 0.0);
    for &(_, sim, kind, i, j) in pairs.iter() {
        if used_q[i] || used_c[j] {
            continue;
        }
        used_q[i] = true;
        used_c[j] = true;
        matched_q += sim * sq[i].weight;
        matched_c += sim * sc[j].weight;
        scratch.matches.push((i, j, kind, sim));
    }
    let total_q: f64 = sq.iter().map(|t| t.weight).sum();
    let total_c: f64 = sc.iter().map(|t| t.weight).sum();
    let mut score = if total_q > 0.0 && total_c > 0.0 {
        let cover_q = matched_q / total_q;
        let cover_c = matched_c / total_c;
        // The shorter name must be covered, the longer one mostly.
        0.6 * cover_q.max(cover_c) + 0.4 * cover_q.min(cover_c)
    } else {
        0.0
    };
    if !korean && !query.organization && !candidate.organization {
        score -= person_conflicts(query, q, used_q, candidate, c, used_c, &scratch.matches);
    }
    // Word joining and splitting ("Deutschebank", "Abdul Rahman"): compare
    // the names as strings too.
    if !korean && (has_abjad(q) || has_abjad(c)) {
        // "عبد الله" is two words where Latin writes one (Abdullah).
        // Only for one word against several: two-word names meeting this
        // loosely would be a false alarm factory.
        let one_vs_many = (q.len() == 1) != (c.len() == 1);
        if one_vs_many {
            let (a, b) = (joined_frame(q), joined_frame(c));
            if a.len() >= 3 && a == b {
                score = score.max(0.9);
            }
        }
    }
    // Between person names of as many words, the joined strings may only
    // forgive one typo (Putin/Pudin): more would re-admit the substituted
    // tokens the alignment just weighed (AL-MOSULI/AL-QADULI).
    let significant =
        |t: &[NameToken]| t.iter().filter(|t| t.class != TokenClass::Stopword).count();
    let one_typo = !query.organization
        && !candidate.organization
        && q.len() == c.len()
        && significant(q) == significant(c);
    if !korean {
        for (a, b) in pq.joined.iter().zip(&pc.joined) {
            let ((a, sa), (b, sb)) = (a, b);
            // Only near-identical strings: otherwise this would re-admit
            // every one-token difference the alignment already weighed.
            let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
            if short >= 6 && short as f64 >= 0.9 * long as f64 {
                let floor = if one_typo {
                    0.9f64.max(1.0 - 1.0 / long as f64)
                } else {
                    0.9
                };
                if let Some(joined_similarity) = similarity_at_least(a, *sa, b, *sb, floor) {
                    score = score.max(joined_similarity * 0.97);
                }
            }
        }
    }
    if query.organization && candidate.organization && legal_kinds_differ(q, c) {
        score -= LEGAL_KIND_PENALTY;
    }
    score.clamp(0.0, 1.0)
}

/// What it costs two organisation names to carry legal forms of different
/// kinds: `Deutsche Bank AG` and `Deutsche Bank GmbH` are two companies.
const LEGAL_KIND_PENALTY: f64 = 0.2;

fn legal_kinds_differ(q: &[NameToken], c: &[NameToken]) -> bool {
    let kinds = |tokens: &[NameToken]| -> Vec<LegalKind> {
        tokens.iter().filter_map(|t| legal_kind(&t.text)).collect()
    };
    let (kq, kc) = (kinds(q), kinds(c));
    !kq.is_empty() && !kc.is_empty() && !kq.iter().any(|k| kc.contains(k))
}

/// What a one-token difference costs two person names: a token on each
/// side that found no partner is a different given name, father's name or
/// family name (`TARIQ ANWAR EL SAYED MOHAMED` is not `… AHMED`), which the
/// coverage of long names barely feels, however common the token.
const SUBSTITUTION_PENALTY: f64 = 0.12;

/// What it costs when a name chain joined by `bin`/`ibn`/`ben` is read in
/// another order: `SALMAN BIN MUHAMMAD` is Muhammad's son Salman, `MUHAMMAD
/// BIN SALMAN` his father or his brother's son.
const CHAIN_ORDER_PENALTY: f64 = 0.25;

/// Person-name evidence against a match that coverage misses: substituted
/// tokens, and a patronymic chain read out of order.
fn person_conflicts(
    query: &AnalyzedName,
    q: &[NameToken],
    used_q: &[bool],
    candidate: &AnalyzedName,
    c: &[NameToken],
    used_c: &[bool],
    matches: &[(usize, usize, MatchKind, f64)],
) -> f64 {
    let unpartnered = |tokens: &[NameToken], used: &[bool]| {
        tokens
            .iter()
            .zip(used)
            .filter(|(t, u)| !**u && t.class != TokenClass::Stopword)
            .count()
    };
    let substituted = unpartnered(q, used_q).min(unpartnered(c, used_c)).min(2);
    let mut penalty = SUBSTITUTION_PENALTY * substituted as f64;
    if chain_read_out_of_order(query, q, candidate, c, matches) {
        penalty += CHAIN_ORDER_PENALTY;
    }
    penalty
}

fn is_chain_link(token: &NameToken) -> bool {
    matches!(
        token.text.as_str(),
        "bin" | "ibn" | "ben" | "bint" | "binti" | "ould" | "walad"
    )
}

/// Whether two matched tokens on either side of a `bin` in one name stand
/// the other way round in the other, reading both as spoken (after the
/// comma of "SURNAME, Given" first).
fn chain_read_out_of_order(
    query: &AnalyzedName,
    q: &[NameToken],
    candidate: &AnalyzedName,
    c: &[NameToken],
    matches: &[(usize, usize, MatchKind, f64)],
) -> bool {
    let spoken = |i: usize, start: usize, len: usize| (i + len - start.min(len)) % len;
    // Links in spoken order; a leading "Ben" is a given name.
    let links = |name: &AnalyzedName, tokens: &[NameToken]| -> Vec<usize> {
        (0..tokens.len())
            .map(|i| spoken(i, name.spoken_start, tokens.len()))
            .filter(|&p| p > 0)
            .filter(|&p| {
                let i = (p + name.spoken_start) % tokens.len();
                is_chain_link(&tokens[i])
            })
            .collect()
    };
    let (links_q, links_c) = (links(query, q), links(candidate, c));
    if links_q.is_empty() || links_c.is_empty() {
        return false;
    }
    let at = |&(i, j, _, _): &(usize, usize, MatchKind, f64)| {
        (
            spoken(i, query.spoken_start, q.len()),
            spoken(j, candidate.spoken_start, c.len()),
        )
    };
    for a in matches {
        for b in matches {
            let ((qa, ca), (qb, cb)) = (at(a), at(b));
            if qa < qb && ca > cb && links_q.iter().any(|&l| qa < l && l < qb) {
                return true;
            }
        }
    }
    false
}

/// A name's words joined, as a phonetic key without its leading vowel:
/// how one Latin word meets an abjad name written in several.
pub fn joined_frame(tokens: &[NameToken]) -> String {
    let joined: String = tokens.iter().map(|t| t.text.as_str()).collect();
    phonetic::key(&joined).trim_start_matches('a').to_string()
}

/// A phonetic key without the letters abjad transliterations disagree on.
pub fn consonant_frame(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars().filter(|c| !matches!(c, 'a' | 'h' | 'v')) {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

fn has_abjad(tokens: &[NameToken]) -> bool {
    tokens.iter().any(|t| t.origin == Origin::Abjad)
}

fn unmatched(tokens: &[NameToken], used: &[bool]) -> Vec<String> {
    tokens
        .iter()
        .zip(used)
        .filter(|(_, u)| !**u)
        .map(|(t, _)| t.text.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(a: &str, b: &str, organization: bool) -> f64 {
        compare(
            &AnalyzedName::new(a, organization),
            &AnalyzedName::new(b, organization),
            &DefaultRarity,
        )
        .score
    }

    fn score(a: &str, b: &str) -> f64 {
        scored(a, b, false)
    }

    #[test]
    fn korean_spellings_score_high_and_other_kims_low() {
        assert!(score("Jeong Seong-hwa", "JONG, Song Hwa") > 0.9);
        assert!(score("Kim Jongun", "KIM, Jong Un") > 0.9);
        assert!(score("김정은", "KIM Jong Un") > 0.9);
        assert!(score("Kim Min-jun", "KIM Min Chol") < 0.7);
        assert!(score("Kim Min-jun", "KIM Jong Un") < 0.5);
    }

    #[test]
    fn consonant_only_transliterations_meet_latin_spellings() {
        assert!(score("محمد علي", "Mohamed Ali") >= 0.9);
        assert!(score("أحمد حسن", "Ahmed Hassan") >= 0.9);
        assert!(score("عبد الله", "Abdullah") >= 0.9);
        assert!(score("محمد علي", "Ahmed Hassan") < 0.5);
        assert!(score("Владимир Путин", "Vladimir Putin") >= 0.95);
    }

    #[test]
    fn letter_pairs_never_bound_below_the_similarity() {
        let words = [
            "kimjongun",
            "jongunkim",
            "abdulrahmanalqadiri",
            "aaaaaaaab",
            "ababababab",
            "nuvikkokosenpel",
            "ivanovmariavikrakosen",
            "müllerjosé",
        ];
        let mut strings: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        // Every single edit of each word, and a second edit of some.
        for w in words {
            let chars: Vec<char> = w.chars().collect();
            for i in 0..chars.len() {
                let mut deleted = chars.clone();
                deleted.remove(i);
                let mut substituted = chars.clone();
                substituted[i] = 'x';
                let mut inserted = chars.clone();
                inserted.insert(i, 'a');
                strings.extend([deleted, substituted.clone(), inserted].map(String::from_iter));
                if i + 1 < chars.len() {
                    let mut swapped = chars.clone();
                    swapped.swap(i, i + 1);
                    strings.push(swapped.iter().collect());
                    substituted.swap(i, i + 1);
                    strings.push(substituted.iter().collect());
                }
            }
        }
        let mut below = 0;
        for a in &strings {
            for b in &strings {
                let (sa, sb) = (Shape::of(a), Shape::of(b));
                let bound = Pairs::of(a).similarity_bound(Pairs::of(b), sa, sb);
                let exact = phonetic::similarity(a, b);
                assert!(bound + 1e-12 >= exact, "{a} / {b}: bound {bound} < {exact}");
                below += usize::from(bound < sa.similarity_bound(sb));
            }
        }
        // Sharper than the letter set for many pairs.
        assert!(below > 1000, "sharper for only {below} pairs");
    }

    #[test]
    fn the_bound_is_never_below_the_score() {
        let names = [
            "Jeong Seong-hwa",
            "JONG, Song Hwa",
            "Kim Min-jun",
            "KIM Min Chol",
            "Olaf Scholz",
            "Olaf Scholze",
            "O. Scholz",
            "Benjamin Netanyahu",
            "Binyamin Netanyhu",
            "Mohammed Ali",
            "محمد علي",
            "عبد الله",
            "Abdullah",
            "Abd Allah",
            "Ahmad Bin Hasan Al-Ubaidi",
            "Ahmad Hasan",
            "Deutsche Bank AG",
            "Deutschebank",
            "Marcon Emmanuel",
            "Emmanuel Macron",
            "Vladimir Putin",
            "Владимир Путин",
            "J. Smith",
            "John Smith",
            "Sancho Panza",
            "Sanchez Panza",
            "Bibi Netanyahu",
            "Ted Doe",
            "Theodore Doe",
            "JC Juncker",
            "Jean-Claude Juncker",
            "Ig0r Sech1n",
            "Igor Sechin",
            "SALMAN BIN MUHAMMAD AL-RAWI",
            "MUHAMMAD BIN SALMAN AL-RAWI",
            "LADIN, Usama bin Muhammad",
            "Stripe LLC",
            "Stripe Limited Liability Company",
            "Deutsche Bank GmbH",
            "金正恩",
            "Kim Jong Un",
            "金铁三",
            "KIM Chol Sam",
            "李明",
            "Li Ming",
            "山田太郎",
            "Yamada Taro",
            "田中花子",
            "Tanaka Hanako",
            "박지성",
            "Park Ji Sung",
            "Αλέξανδρος",
            "Alexander",
            "Alexandros Papadopoulos",
        ];
        let mut checked = 0;
        for a in names {
            for b in names {
                for org in [false, true] {
                    let (qa, qb) = (AnalyzedName::new(a, org), AnalyzedName::new(b, org));
                    let (pa, pb) = (
                        Prepared::new(&qa, &DefaultRarity),
                        Prepared::new(&qb, &DefaultRarity),
                    );
                    let exact = compare(&qa, &qb, &DefaultRarity).score;
                    let readings: Vec<(&AnalyzedName, &Prepared)> =
                        qa.all_readings().zip(pa.all()).collect();
                    let mut memo = FxHashMap::default();
                    let mut doubt = Doubt {
                        readings: &readings,
                        candidate: &qb,
                        prepared: &pb,
                        stats: pb.tokens(),
                        memo: &mut memo,
                    };
                    let (tokens, summary) = (pb.tokens(), &pb.summary());
                    assert!(
                        may_reach(&pa, tokens, summary, exact, &mut doubt),
                        "{a} / {b}: bounded below its score {exact}"
                    );
                    checked += usize::from(!may_reach(&pa, tokens, summary, 1.0, &mut doubt));
                }
            }
        }
        // The bound must also be informative, not 1 everywhere.
        assert!(checked > 500, "only {checked} pairs bounded below 1");
    }

    fn org_score(a: &str, b: &str) -> f64 {
        scored(a, b, true)
    }

    #[test]
    fn two_hangul_writings_are_compared_letter_by_letter() {
        // One syllable apart: another name, however alike romanized.
        let s = compare(
            &AnalyzedName::new("김종은", false),
            &AnalyzedName::new("김정은", false),
            &DefaultRarity,
        );
        assert!(s.score < 0.8, "{s:?}");
        assert!(s.script.as_deref().is_some_and(|n| n.contains("김종은")));
        // North and South writings of one name still meet.
        assert!(score("리용호", "이용호") > 0.9);
        assert!(score("김정은", "김 정은") > 0.9);
        assert!(score("김정은", "Kim Jong Un") > 0.9);
    }

    #[test]
    fn a_substituted_name_is_another_person() {
        // One different father's or family name in a long chain.
        let t = score("TARIQ ANWAR EL SAYED MOHAMED", "TARIQ ANWAR EL SAYED AHMED");
        assert!(t < 0.8, "{t}");
        let t = score(
            "YASIR SABAWI IBRAHIM AL-MOSULI",
            "YASIR SABAWI IBRAHIM AL-QADULI",
        );
        assert!(t < 0.8, "{t}");
        // A missing middle name is not a substitution.
        assert!(score("Usama bin Ladin", "Usama bin Muhammad bin Ladin") > 0.8);
        // One typo in a whole name is still forgiven.
        assert!(score("Vladimir Pudin", "Vladimir Putin") > 0.8);
    }

    #[test]
    fn a_patronymic_chain_read_backwards_is_another_person() {
        let swapped = score("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI");
        assert!(swapped < 0.8, "{swapped}");
        // "SURNAME, Given" is read from the given name.
        let comma = score("LADIN, Usama bin Muhammad", "Usama bin Muhammad bin Ladin");
        assert!(comma > 0.9, "{comma}");
        assert!(score("Hans Friedrich", "Friedrich, Hans") > 0.9);
    }

    #[test]
    fn legal_forms_meet_their_abbreviations_and_kinds_must_agree() {
        assert!(org_score("Stripe LLC", "Stripe Limited Liability Company") > 0.95);
        assert!(
            org_score(
                "SRL PRO TRAFFIC",
                "Societatea cu Răspundere Limitată PRO TRAFFIC"
            ) > 0.95
        );
        assert!(org_score("Gazprom Neft JSC", "Gazprom Neft OAO") > 0.9);
        let kinds = org_score("Deutsche Bank AG", "Deutsche Bank GmbH");
        assert!(kinds < 0.8, "{kinds}");
    }

    #[test]
    fn nicknames_leetspeak_and_initials_are_read_through() {
        let s = compare(
            &AnalyzedName::new("Bibi Netanyahu", false),
            &AnalyzedName::new("Benjamin Netanyahu", false),
            &DefaultRarity,
        );
        assert!(s.score > 0.9, "{s:?}");
        assert!(s.matches.iter().any(|m| m.kind == MatchKind::Nickname));
        assert!(score("Ig0r Sech1n", "Igor Sechin") > 0.95);
        assert!(score("J.-C. Juncker", "Jean-Claude Juncker") > 0.8);
        assert!(score("JC Juncker", "Jean-Claude Juncker") > 0.8);
        assert!(score("A. Nazarbayev", "Nursultan Nazarbayev") < 0.8);
    }

    #[test]
    fn explanation_names_each_token_pair() {
        let s = compare(
            &AnalyzedName::new("Ri Song Chol", false),
            &AnalyzedName::new("LEE, Song-chol", false),
            &DefaultRarity,
        );
        let kinds: Vec<MatchKind> = s.matches.iter().map(|m| m.kind).collect();
        assert!(kinds.contains(&MatchKind::SurnameVariant), "{s:?}");
        assert!(s.unmatched_query.is_empty() && s.unmatched_candidate.is_empty());
    }
}
