//! Names as the matcher sees them: folded, transliterated, tokenised, with
//! Korean names recognised and their given names split into syllables so
//! `Jong-un`, `Jong Un` and `Jongun` agree, and a key per token under which
//! spellings from different romanization systems meet.

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
}

impl AnalyzedName {
    pub fn new(name: &str, organization: bool) -> AnalyzedName {
        let words = normalize::merge_initials(normalize::numbers_to_digits(normalize::words(name)));
        let korean = !organization && looks_korean(&words);
        let mut tokens = Vec::with_capacity(words.len() + 2);
        for word in words {
            if korean {
                let surname = korean::surname_group(&word.text);
                let pieces = match surname {
                    Some(_) => vec![word.text.clone()],
                    None => korean::split_syllables(&word.text)
                        .filter(|p| p.len() > 1)
                        .unwrap_or_else(|| vec![word.text.clone()]),
                };
                for piece in pieces {
                    let key = match korean::surname_group(&piece) {
                        Some(group) => format!("~{group}"),
                        None => korean::syllable_key(&piece),
                    };
                    tokens.push(NameToken {
                        class: normalize::token_class(&piece, false),
                        text: piece,
                        key,
                        origin: word.origin,
                    });
                }
            } else {
                tokens.push(NameToken {
                    key: phonetic::key(&word.text),
                    class: normalize::token_class(&word.text, organization),
                    text: word.text,
                    origin: word.origin,
                });
            }
        }
        AnalyzedName {
            tokens,
            organization,
            korean,
        }
    }

    /// Tokens that identify, i.e. not honorifics, particles or legal forms.
    pub fn significant(&self) -> impl Iterator<Item = &NameToken> {
        self.tokens
            .iter()
            .filter(|t| t.class != TokenClass::Stopword)
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
        assert!(AnalyzedName::new("Ri Chol", false).korean);
        assert!(!AnalyzedName::new("Vladimir Putin", false).korean);
    }
}
