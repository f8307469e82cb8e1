//! Names as the matcher sees them: folded, transliterated, tokenised, with
//! Korean names recognised and their given names split into syllables so
//! `Jong-un`, `Jong Un` and `Jongun` agree, and a key per token under which
//! spellings from different romanization systems meet.

pub mod given_names;
pub mod korean;
pub mod normalize;
pub mod phonetic;

use normalize::{Origin, TokenClass};

/// One comparable token of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameToken {
    /// Folded Latin text: `jong`, `putin`.
    pub text: String,
    /// The key retrieval and cheap equality use: a Korean syllable key for
    /// Korean names (surnames by surname group), else a phonetic key.
    pub key: String,
    pub class: TokenClass,
    pub origin: Origin,
}

/// A name ready for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedName {
    pub tokens: Vec<NameToken>,
    pub organization: bool,
    /// Read as a Korean personal name (surname plus syllables).
    pub korean: bool,
    /// For a Korean name whose first and last words could both be the
    /// surname ("Song Chol Jang"): the tokens read the other way round.
    pub alternate: Option<Vec<NameToken>>,
    /// Where the name as spoken starts among `tokens`: "LADEN, Usama bin
    /// Muhammad" starts at its second token. Order checks read from here.
    pub spoken_start: usize,
}

impl AnalyzedName {
    pub fn new(name: &str, organization: bool) -> AnalyzedName {
        let prepare = |s: &str| {
            let words = normalize::numbers_to_digits(normalize::words(s));
            if organization {
                normalize::abbreviate_legal_forms(normalize::merge_initials(words))
            } else {
                // A person's `J.-C.` or `JC` is two initials, not an acronym.
                normalize::split_initials(normalize::unleet(words))
            }
        };
        let words = prepare(name);
        // "SURNAME, Given": the part before the comma is spoken last.
        let spoken_start = match name.split_once(',') {
            Some((before, after)) if !organization && !after.contains(',') => {
                prepare(before).len().min(words.len())
            }
            _ => 0,
        };
        let korean = !organization && looks_korean(&words);
        let mut alternate = None;
        let tokens = if korean {
            let (first, second) = surname_positions(name, &words);
            alternate = second.map(|at| korean_tokens(&words, at));
            korean_tokens(&words, first)
        } else {
            words
                .into_iter()
                .map(|word| NameToken {
                    key: phonetic::key(&word.text),
                    class: normalize::token_class(&word.text, organization),
                    text: word.text,
                    origin: word.origin,
                })
                .collect()
        };
        AnalyzedName {
            tokens,
            organization,
            korean,
            alternate,
            spoken_start: if korean { 0 } else { spoken_start },
        }
    }

    /// Tokens that identify, i.e. not honorifics, particles or legal forms.
    pub fn significant(&self) -> impl Iterator<Item = &NameToken> {
        self.tokens
            .iter()
            .filter(|t| t.class != TokenClass::Stopword)
    }
}

/// The most frequent Korean surname groups: when both ends of a name could
/// be a surname, the frequent one is taken.
const COMMON_SURNAMES: &[&str] = &[
    "kim", "ri", "pak", "choe", "jong", "kang", "cho", "yun", "jang", "rim", "han", "o", "so",
    "sin", "kwon", "hwang", "an", "song", "ryu", "jon", "hong", "ko", "mun", "yang", "son",
];

/// A Korean name is a surname and one given name. The given name becomes a
/// single token keyed by all its syllables, so `Jong-un`, `Jong Un` and
/// `Jongun` are one token, and `Min-jun` never half-matches `Min Chol`: a
/// different given name is a different person however many syllables it
/// shares.
fn korean_tokens(words: &[normalize::Word], surname_at: usize) -> Vec<NameToken> {
    let group = |w: &normalize::Word| korean::surname_group(&w.text);
    let surname = &words[surname_at];
    let mut tokens = vec![NameToken {
        key: format!("~{}", group(surname).unwrap_or(surname.text.as_str())),
        class: TokenClass::Normal,
        text: surname.text.clone(),
        origin: surname.origin,
    }];
    let given: Vec<&normalize::Word> = words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != surname_at)
        .map(|(_, w)| w)
        .collect();
    if given.is_empty() {
        return tokens;
    }
    let spaced: Vec<&str> = given.iter().map(|w| w.text.as_str()).collect();
    match korean::given_name_key(&spaced.join(" ")) {
        Some(key) => tokens.push(NameToken {
            key: format!("={}", key.replace('-', "")),
            class: TokenClass::Normal,
            text: spaced.concat(),
            origin: given[0].origin,
        }),
        None => tokens.extend(given.iter().map(|w| NameToken {
            key: korean::syllable_key(&w.text),
            class: normalize::token_class(&w.text, false),
            text: w.text.clone(),
            origin: w.origin,
        })),
    }
    tokens
}

/// Where the surname is: first for Hangul and for "SURNAME, Given"; else
/// the end that is a common surname; when both ends are, the first, with
/// the last as the alternate reading.
fn surname_positions(raw: &str, words: &[normalize::Word]) -> (usize, Option<usize>) {
    let last = words.len() - 1;
    if words[0].origin == Origin::Hangul || raw.contains(',') {
        return (0, None);
    }
    let exact = |w: &normalize::Word| korean::surname_group_exact(&w.text);
    let common = |w: &normalize::Word| exact(w).is_some_and(|g| COMMON_SURNAMES.contains(&g));
    match (common(&words[0]), common(&words[last])) {
        (true, false) => (0, None),
        (false, true) => (last, None),
        (true, true) => (0, Some(last)),
        (false, false) => match (exact(&words[0]).is_some(), exact(&words[last]).is_some()) {
            (true, true) => (0, Some(last)),
            (false, true) => (last, None),
            _ => (0, None),
        },
    }
}

/// A Korean personal name: romanized from Hangul, or a known Korean surname
/// first or last with every other word readable as Korean syllables.
fn looks_korean(words: &[normalize::Word]) -> bool {
    if words.iter().any(|w| w.origin == Origin::Hangul) {
        return true;
    }
    if words.len() < 2 || words.len() > 5 {
        return false;
    }
    let first = korean::surname_group(&words[0].text).is_some();
    let last = korean::surname_group(&words[words.len() - 1].text).is_some();
    (first || last)
        && words.iter().all(|w| {
            korean::surname_group(&w.text).is_some()
                || korean::is_syllable(&w.text)
                || korean::split_syllables(&w.text).is_some()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(name: &str) -> Vec<String> {
        let mut k: Vec<String> = AnalyzedName::new(name, false)
            .tokens
            .into_iter()
            .map(|t| t.key)
            .collect();
        k.sort();
        k
    }

    #[test]
    fn korean_spellings_meet_under_one_key_set() {
        let kim = keys("KIM, Jong Un");
        assert_eq!(keys("Kim Jong-un"), kim);
        assert_eq!(keys("Kim Jongun"), kim);
        assert_eq!(keys("김정은"), kim);
        assert_eq!(keys("Jeong Seong-hwa"), keys("JONG, Song Hwa"));
        assert_ne!(keys("Kim Min-jun"), keys("KIM Min Chol"));
        assert_eq!(keys("Kim Yeong-cheol"), keys("KIM, Yong Chol"));
        assert_eq!(keys("Yong Chol Kim"), keys("KIM, Yong Chol"));
        assert_eq!(keys("Kim Kinam"), keys("KIM Ki Nam"));
        assert_ne!(keys("Min-jun Kang"), keys("KANG, Min"));
        let swapped = AnalyzedName::new("Song Chol Jang", false);
        let mut alt: Vec<String> = swapped
            .alternate
            .unwrap()
            .into_iter()
            .map(|t| t.key)
            .collect();
        alt.sort();
        assert_eq!(alt, keys("JANG, Song Chol"));
        assert!(AnalyzedName::new("Ri Chol", false).korean);
        assert!(!AnalyzedName::new("Vladimir Putin", false).korean);
    }
}
