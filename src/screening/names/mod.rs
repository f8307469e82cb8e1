//! Names as the matcher sees them: folded, transliterated, tokenised, with
//! Korean names recognised and their given names split into syllables so
//! `Jong-un`, `Jong Un` and `Jongun` agree, and a key per token under which
//! spellings from different romanization systems meet. A name written in a
//! script that can be read more than one way (Han characters, kana, Greek,
//! Hangul with its popular spellings) also carries its other readings.

pub mod given_names;
pub mod greek;
pub mod hanja;
pub mod japanese;
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
    /// Other ways to read the same writing, each scored in its own right:
    /// 金正恩 as Korean (김정은) besides its pinyin, 山田太郎 as Japanese, a
    /// Greek name without its case ending, a Hangul name in the popular
    /// spelling of ㅓ/ㅕ. Readings have no readings of their own.
    pub readings: Vec<AnalyzedName>,
    /// A popular respelling of a Hangul name (성 as "Sung"): it is only
    /// compared with names not written in Hangul, where the spelling is
    /// what is in doubt; two Hangul writings differ by their letters.
    pub respelled: bool,
    /// Where the name as spoken starts among `tokens`: "LADEN, Usama bin
    /// Muhammad" starts at its second token. Order checks read from here.
    pub spoken_start: usize,
    /// The name as written, when it is wholly Hangul (see
    /// [`korean::hangul_folded`]): two such names are compared letter by
    /// letter too.
    pub hangul: Option<String>,
}

/// At most this many other readings per name: each costs an alignment.
const MAX_READINGS: usize = 8;

impl AnalyzedName {
    pub fn new(name: &str, organization: bool) -> AnalyzedName {
        let mut analyzed = AnalyzedName::plain(name, organization);
        if !organization {
            analyzed.readings = other_readings(name, &analyzed);
        }
        analyzed
    }

    /// The name read the usual way only, without other readings.
    fn plain(name: &str, organization: bool) -> AnalyzedName {
        let words = normalize::words(name);
        let layout = Layout::of(name);
        let mut analyzed = AnalyzedName::from_words(words, layout, organization);
        if !organization {
            analyzed.hangul = korean::hangul_folded(name);
        }
        // "SURNAME, Given": the part before the comma is spoken last.
        if let Some((before, after)) = name.split_once(',') {
            if !organization && !analyzed.korean && !after.contains(',') {
                let before = prepare_words(normalize::words(before), organization).len();
                analyzed.spoken_start = before.min(analyzed.tokens.len());
            }
        }
        analyzed
    }

    /// A name from its folded words; `layout` says how it was written
    /// ("SURNAME, Given", hyphenated first or last word).
    fn from_words(words: Vec<normalize::Word>, layout: Layout, organization: bool) -> AnalyzedName {
        let words = prepare_words(words, organization);
        let korean = !organization && looks_korean(&words);
        let mut alternate = None;
        let tokens = if korean {
            let (first, second) = surname_positions(layout, &words);
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
            readings: Vec::new(),
            respelled: false,
            spoken_start: 0,
            hangul: None,
        }
    }

    /// Whether any token was romanized from Hangul.
    pub fn from_hangul(&self) -> bool {
        self.tokens.iter().any(|t| t.origin == Origin::Hangul)
    }

    /// The name itself, then each other reading.
    pub fn all_readings(&self) -> impl Iterator<Item = &AnalyzedName> {
        std::iter::once(self).chain(&self.readings)
    }

    /// Whether one reading of a name may be scored against one of
    /// another: not a popular respelling against a Hangul writing.
    pub fn comparable(&self, other: &AnalyzedName) -> bool {
        !(self.respelled && other.from_hangul() || other.respelled && self.from_hangul())
    }

    /// Every token retrieval should look up: the significant tokens and
    /// the alternate order of each reading.
    pub fn retrieval_tokens(&self) -> impl Iterator<Item = &NameToken> {
        self.all_readings()
            .flat_map(|r| r.significant().chain(r.alternate.iter().flatten()))
    }

    /// Tokens that identify, i.e. not honorifics, particles or legal forms.
    pub fn significant(&self) -> impl Iterator<Item = &NameToken> {
        self.tokens
            .iter()
            .filter(|t| t.class != TokenClass::Stopword)
    }
}

/// Folded words brought to one form: numbers as digits; an
/// organisation's acronyms joined and legal forms abbreviated; a person's
/// digits-for-letters read and vowelless initials (`JC`) split.
fn prepare_words(words: Vec<normalize::Word>, organization: bool) -> Vec<normalize::Word> {
    let words = normalize::numbers_to_digits(words);
    if organization {
        normalize::abbreviate_legal_forms(normalize::merge_initials(words))
    } else {
        normalize::split_initials(normalize::unleet(words))
    }
}

/// The other readings of a person's name, by the scripts it is written in;
/// a reading that tokenises like the name or an earlier reading is dropped.
fn other_readings(name: &str, primary: &AnalyzedName) -> Vec<AnalyzedName> {
    let mut out: Vec<AnalyzedName> = Vec::new();
    // Han characters of a Korean name: the Sino-Korean reading first, as the
    // one that matters for the lists, with its own popular respellings.
    for hangul in hanja::korean_readings(name) {
        let mut reading = AnalyzedName::new(&hangul, false);
        let respellings = std::mem::take(&mut reading.readings);
        out.push(reading);
        out.extend(respellings);
    }
    if let Some(words) = japanese::reading(name) {
        out.push(AnalyzedName::from_words(words, Layout::default(), false));
    }
    for words in greek::stem_readings(name) {
        out.push(AnalyzedName::from_words(words, Layout::default(), false));
    }
    for respelling in korean::popular_respellings(name) {
        let mut reading = AnalyzedName::plain(&respelling, false);
        reading.respelled = true;
        out.push(reading);
    }
    if out.is_empty() {
        return out;
    }
    let mut seen = vec![token_keys(primary)];
    out.retain(|reading| {
        let keys = token_keys(reading);
        let new = !reading.tokens.is_empty() && !seen.contains(&keys);
        seen.push(keys);
        new
    });
    out.truncate(MAX_READINGS);
    out
}

fn token_keys(name: &AnalyzedName) -> Vec<(String, String)> {
    name.tokens
        .iter()
        .map(|t| (t.text.clone(), t.key.clone()))
        .collect()
}

/// How a name was written around its words: "SURNAME, Given", and
/// whether its first or last word is hyphenated to the next.
#[derive(Debug, Clone, Copy, Default)]
struct Layout {
    comma: bool,
    first_hyphenated: bool,
    last_hyphenated: bool,
}

impl Layout {
    fn of(name: &str) -> Layout {
        let hyphenated =
            |chunk: Option<&str>| chunk.is_some_and(|c| c.trim_matches('-').contains('-'));
        Layout {
            comma: name.contains(','),
            first_hyphenated: hyphenated(name.split_whitespace().next()),
            last_hyphenated: hyphenated(name.split_whitespace().last()),
        }
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
fn surname_positions(layout: Layout, words: &[normalize::Word]) -> (usize, Option<usize>) {
    let last = words.len() - 1;
    if words[0].origin == Origin::Hangul || layout.comma {
        return (0, None);
    }
    // A word hyphenated to its neighbour is a syllable of the given name
    // (`Min-jun`), not the surname: `Kim Min-jun` is never Mr Jun.
    let (first_free, last_free) = (!layout.first_hyphenated, !layout.last_hyphenated);
    let exact = |w: &normalize::Word| korean::surname_group_exact(&w.text);
    let common = |w: &normalize::Word| exact(w).is_some_and(|g| COMMON_SURNAMES.contains(&g));
    match (
        first_free && common(&words[0]),
        last_free && common(&words[last]),
    ) {
        (true, false) => (0, None),
        (false, true) => (last, None),
        (true, true) => (0, Some(last)),
        (false, false) => match (
            first_free && exact(&words[0]).is_some(),
            last_free && exact(&words[last]).is_some(),
        ) {
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
        // A hyphenated given name keeps its last syllable out of the surname.
        assert!(AnalyzedName::new("Kim Min-jun", false).alternate.is_none());
        assert!(!AnalyzedName::new("Vladimir Putin", false).korean);
    }

    fn texts(name: &AnalyzedName) -> Vec<&str> {
        name.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    fn score(a: &str, b: &str) -> f64 {
        use crate::screening::score::{compare, DefaultRarity};
        compare(
            &AnalyzedName::new(a, false),
            &AnalyzedName::new(b, false),
            &DefaultRarity,
        )
        .score
    }

    #[test]
    fn han_korean_names_read_as_korean_too() {
        let kim = AnalyzedName::new("金正恩", false);
        // The pinyin reading stays first; the Korean one is another.
        assert_eq!(texts(&kim), ["jin", "zheng", "en"]);
        let korean = &kim.readings[0];
        assert!(korean.korean && !korean.respelled);
        assert_eq!(keys_of(korean), keys("김정은"));
        assert!(score("金正恩", "KIM Jong Un") >= 0.9);
        assert!(score("金正恩", "Kim Jong-un") >= 0.9);
        assert!(score("金正恩", "Gim Jeong-eun") >= 0.9);
        // Chinese readings still count.
        assert!(score("李明", "Li Ming") >= 0.9);
        assert!(score("李明", "Ri Myong") >= 0.9);
        assert!(score("王伟", "Wang Wei") >= 0.9);
        assert!(score("金铁三", "KIM Chol Sam") >= 0.9);
        // A different given name stays different.
        assert!(score("金正恩", "KIM Jong Chol") < 0.8);
        // No reading for a name that is not Korean-shaped.
        assert!(AnalyzedName::new("习近平", false).readings.is_empty());
        assert!(AnalyzedName::new("金正恩", true).readings.is_empty());
    }

    fn keys_of(name: &AnalyzedName) -> Vec<String> {
        let mut k: Vec<String> = name.tokens.iter().map(|t| t.key.clone()).collect();
        k.sort();
        k
    }

    #[test]
    fn japanese_names_read_in_hepburn() {
        let yamada = AnalyzedName::new("山田太郎", false);
        assert!(yamada
            .readings
            .iter()
            .any(|r| texts(r) == ["yamada", "taro"]));
        assert!(score("山田太郎", "Yamada Taro") >= 0.9);
        assert!(score("山田太郎", "Taro Yamada") >= 0.9);
        assert!(score("田中花子", "Tanaka Hanako") >= 0.9);
        assert!(score("やまだ たろう", "Yamada Taro") >= 0.9);
        assert!(score("山田太郎", "Tanaka Taro") < 0.8);
    }

    #[test]
    fn greek_names_meet_their_latin_forms() {
        assert!(score("Αλέξανδρος", "Alexander") >= 0.8);
        assert!(score("Νικόλαος", "Nikolaos") >= 0.9);
        assert!(score("Αλέξανδρος Παπαδόπουλος", "Alexander Papadopoulos") >= 0.8);
        assert!(score("Αλέξανδρος", "Anders") < 0.8);
    }

    #[test]
    fn hangul_names_meet_popular_spellings_of_their_vowels() {
        let park = AnalyzedName::new("박지성", false);
        assert!(park.readings.iter().all(|r| r.respelled));
        assert!(park
            .readings
            .iter()
            .any(|r| keys_of(r) == keys("Park Ji Sung")));
        assert!(score("박지성", "Park Ji Sung") >= 0.9);
        assert!(score("박지성", "Park Ji-seong") >= 0.9);
        assert!(score("정현철", "Jung Hyun Chul") >= 0.9);
        assert!(score("정현철", "Jeong Hyeon-cheol") >= 0.9);
        // Only a Latin writing is in doubt: two Hangul writings differ.
        assert!(score("박지성", "박지숭") < 0.8);
        // Names in Latin letters are as far apart as before, and a Hangul
        // ㅜ is not read as ㅓ.
        assert!(score("Kim Sung-hwa", "Kim Song-hwa") < 0.8);
        assert!(score("Kim Hyun-chol", "Kim Hyon-chol") < 0.8);
        assert!(score("김민준", "Kim Min-jeon") < 0.8);
        assert!(score("김숭화", "Kim Song-hwa") < 0.8);
        assert!(AnalyzedName::new("Park Ji Sung", false).readings.is_empty());
    }
}
