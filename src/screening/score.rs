//! Scoring one name against another, with the explanation: tokens are
//! aligned one-to-one regardless of order (greedy on weighted similarity),
//! each pair says how it matched, and the score is the rarity-weighted
//! share of both names that found a partner. A match on "Kim" or "Trading"
//! weighs little; a match on a rare given name weighs a lot.

use serde::Serialize;

use super::names::normalize::{Origin, TokenClass};
use super::names::phonetic::similarity;
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
}

fn token_similarity(a: &NameToken, b: &NameToken, korean: bool) -> Option<(f64, MatchKind)> {
    if a.text == b.text {
        return Some((1.0, MatchKind::Exact));
    }
    if a.key == b.key {
        return Some(if a.key.starts_with('~') {
            (0.95, MatchKind::SurnameVariant)
        } else if korean {
            (0.95, MatchKind::Romanization)
        } else {
            (0.9, MatchKind::Phonetic)
        });
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
    let text = similarity(&a.text, &b.text);
    let key = similarity(&a.key, &b.key) * if abjad { 1.0 } else { 0.92 };
    let sim = text.max(key);
    let floor = if shortest >= 7 { 0.7 } else { 0.75 };
    // A spelling difference is weaker evidence than a known variant: a
    // different name one letter away is common (Sancho/Sanchez).
    (sim >= floor).then_some((sim.powf(1.5), MatchKind::Fuzzy))
}

/// Scores `candidate` as a possible writing of `query`; a Korean name that
/// can be read with the surname at either end is scored both ways.
pub fn compare(query: &AnalyzedName, candidate: &AnalyzedName, rarity: &dyn Rarity) -> NameScore {
    let korean = query.korean && candidate.korean;
    let mut best = compare_tokens(query, &query.tokens, candidate, &candidate.tokens, rarity);
    if korean {
        let q_readings = std::iter::once(&query.tokens).chain(query.alternate.as_ref());
        for q in q_readings {
            let c_readings = std::iter::once(&candidate.tokens).chain(candidate.alternate.as_ref());
            for c in c_readings {
                if std::ptr::eq(q, &query.tokens) && std::ptr::eq(c, &candidate.tokens) {
                    continue;
                }
                let other = compare_tokens(query, q, candidate, c, rarity);
                if other.score > best.score {
                    best = other;
                }
            }
        }
    }
    best
}

fn compare_tokens(
    query: &AnalyzedName,
    q: &[NameToken],
    candidate: &AnalyzedName,
    c: &[NameToken],
    rarity: &dyn Rarity,
) -> NameScore {
    let korean = query.korean && candidate.korean;
    let wq: Vec<f64> = q.iter().map(|t| rarity.weight(t)).collect();
    let wc: Vec<f64> = c.iter().map(|t| rarity.weight(t)).collect();
    let mut pairs = Vec::new();
    for (i, a) in q.iter().enumerate() {
        for (j, b) in c.iter().enumerate() {
            if let Some((sim, kind)) = token_similarity(a, b, korean) {
                pairs.push((sim * (wq[i] + wc[j]), sim, kind, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut used_q = vec![false; q.len()];
    let mut used_c = vec![false; c.len()];
    // Each side's covered weight counts in that side's own weights, so a
    // name of stopwords and initials cannot look fully covered by a rare
    // token of the other.
    let (mut matched_q, mut matched_c) = (0.0, 0.0);
    let mut matches = Vec::new();
    for (_, sim, kind, i, j) in pairs {
        if used_q[i] || used_c[j] {
            continue;
        }
        used_q[i] = true;
        used_c[j] = true;
        matched_q += sim * wq[i];
        matched_c += sim * wc[j];
        matches.push(TokenMatch {
            query: q[i].text.clone(),
            candidate: c[j].text.clone(),
            kind,
            similarity: sim,
        });
    }
    let total_q: f64 = wq.iter().sum();
    let total_c: f64 = wc.iter().sum();
    let mut score = if total_q > 0.0 && total_c > 0.0 {
        let cover_q = matched_q / total_q;
        let cover_c = matched_c / total_c;
        // The shorter name must be covered, the longer one mostly.
        0.6 * cover_q.max(cover_c) + 0.4 * cover_q.min(cover_c)
    } else {
        0.0
    };
    // Word joining and splitting ("Deutschebank", "Abdul Rahman"): compare
    // the names as strings too.
    if !korean && (has_abjad(q) || has_abjad(c)) {
        // "عبد الله" is two words where Latin writes one (Abdullah).
        let frame = |tokens: &[NameToken]| -> String {
            let joined: String = tokens.iter().map(|t| t.text.as_str()).collect();
            super::names::phonetic::key(&joined)
                .trim_start_matches('a')
                .to_string()
        };
        // Only for one word against several: two-word names meeting this
        // loosely would be a false alarm factory.
        let one_vs_many = (q.len() == 1) != (c.len() == 1);
        let (a, b) = (frame(q), frame(c));
        if one_vs_many && a.len() >= 3 && a == b {
            score = score.max(0.9);
        }
    }
    if !korean {
        let joined = |name: &AnalyzedName, all: bool| -> String {
            name.tokens
                .iter()
                .filter(|t| all || t.class != TokenClass::Stopword)
                .map(|t| t.text.as_str())
                .collect()
        };
        for all in [false, true] {
            let (a, b) = (joined(query, all), joined(candidate, all));
            // Only near-identical strings: otherwise this would re-admit
            // every one-token difference the alignment already weighed.
            let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
            if short >= 6 && short as f64 >= 0.9 * long as f64 {
                let joined_similarity = similarity(&a, &b);
                if joined_similarity >= 0.9 {
                    score = score.max(joined_similarity * 0.97);
                }
            }
        }
    }
    NameScore {
        score: score.clamp(0.0, 1.0),
        matches,
        unmatched_query: unmatched(q, &used_q),
        unmatched_candidate: unmatched(c, &used_c),
    }
}

/// A phonetic key without the letters abjad transliterations disagree on.
fn consonant_frame(key: &str) -> String {
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

    fn score(a: &str, b: &str) -> f64 {
        compare(
            &AnalyzedName::new(a, false),
            &AnalyzedName::new(b, false),
            &DefaultRarity,
        )
        .score
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
