//! From a name as written to comparable tokens: Unicode compatibility
//! forms, case, diacritics and McCune-Reischauer breves and apostrophes
//! folded away; other scripts brought to Latin (Hangul through the Korean
//! romanizer, the rest through a general transliteration); punctuation
//! turned into token breaks; honorifics and legal forms marked so they
//! count for little.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::korean;

/// Where a token came from, which decides how it may be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Latin,
    /// Romanized from Hangul by our own romanizer.
    Hangul,
    /// Transliterated from a script that writes few or no vowels (Arabic,
    /// Hebrew): only its consonants can be trusted.
    Abjad,
    /// Transliterated from another script (Cyrillic, Greek, Han, Thai…).
    Other,
}

/// One word of a name after folding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub origin: Origin,
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}' | '\u{02B9}'
    )
}

fn is_hangul(c: char) -> bool {
    korean::is_hangul_syllable(c) || ('\u{1100}'..='\u{11FF}').contains(&c)
}

fn is_abjad(c: char) -> bool {
    ('\u{0590}'..='\u{06FF}').contains(&c) || ('\u{0750}'..='\u{077F}').contains(&c)
}

/// Lower-case ASCII letters and digits of one Latin-script word, with
/// diacritics, breves and apostrophes dropped (`CH'OE` → `choe`,
/// `Chŏng` → `chong`).
fn fold_latin_word(word: &str, out: &mut String) {
    for c in word.nfkd() {
        if is_combining_mark(c) || is_apostrophe(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            // Letters NFKD leaves alone: ß, ø, ł, æ, đ…
            for t in deunicode::deunicode_char(c).unwrap_or("").chars() {
                if t.is_ascii_alphanumeric() {
                    out.push(t.to_ascii_lowercase());
                }
            }
        }
    }
}

/// Splits a name into folded words. `&` becomes `and`; other punctuation,
/// hyphens included, separates words.
pub fn words(name: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let name = join_broken_apostrophes(name);
    let spaced: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || is_apostrophe(c) || is_combining_mark(c) {
                c
            } else if c == '&' {
                '&'
            } else {
                ' '
            }
        })
        .collect();
    for raw in spaced.split(' ').flat_map(|w| split_ampersand(w)) {
        if raw.is_empty() {
            continue;
        }
        if raw == "&" {
            out.push(Word {
                text: "and".into(),
                origin: Origin::Latin,
            });
            continue;
        }
        if raw.chars().any(is_hangul) {
            if let Some(tokens) = korean::romanize_hangul_name(raw) {
                out.extend(tokens.into_iter().map(|text| Word {
                    text,
                    origin: Origin::Hangul,
                }));
                continue;
            }
        }
        let latin = raw
            .chars()
            .all(|c| c.is_ascii() || is_combining_mark(c) || is_apostrophe(c) || is_latin(c));
        if latin {
            let mut text = String::new();
            fold_latin_word(raw, &mut text);
            if !text.is_empty() {
                out.push(Word {
                    text,
                    origin: Origin::Latin,
                });
            }
            continue;
        }
        let origin = if raw.chars().any(is_abjad) {
            Origin::Abjad
        } else {
            Origin::Other
        };
        // Transliteration may yield several words (Han: one per character).
        // The soft and hard signs come out as apostrophes inside a word
        // (`otvetstvennost'iu`): drop them rather than split the word.
        let latin = deunicode::deunicode(raw).replace('\'', "");
        for part in latin.split(|c: char| !c.is_ascii_alphanumeric()) {
            let text = part.to_ascii_lowercase();
            if !text.is_empty() {
                out.push(Word { text, origin });
            }
        }
    }
    out
}

/// Runs of single letters are one acronym: `A.B.C.` = `ABC`, `N.N.` is
/// not two initials of a long name.
pub fn merge_initials(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut run: Vec<Word> = Vec::new();
    let single = |w: &Word| w.text.len() == 1 && w.origin == Origin::Latin;
    for word in words.into_iter().chain(std::iter::once(Word {
        text: String::new(),
        origin: Origin::Latin,
    })) {
        if single(&word) && word.text.bytes().all(|b| b.is_ascii_alphabetic()) {
            run.push(word);
            continue;
        }
        if run.len() >= 2 {
            out.push(Word {
                text: run.iter().map(|w| w.text.as_str()).collect(),
                origin: Origin::Latin,
            });
            run.clear();
        } else {
            out.append(&mut run);
        }
        if !word.text.is_empty() {
            out.push(word);
        }
    }
    out
}

const UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const ORDINALS: [&str; 10] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

fn number_value(text: &str) -> Option<u32> {
    if let Some(i) = UNITS.iter().position(|u| *u == text) {
        return Some(i as u32);
    }
    // "Fourty" is a common misspelling of forty.
    let text = if text == "fourty" { "forty" } else { text };
    if let Some(i) = TENS.iter().position(|t| *t == text) {
        return Some(20 + 10 * i as u32);
    }
    if let Some(i) = ORDINALS.iter().position(|o| *o == text) {
        return Some(i as u32 + 1);
    }
    // "1st", "2nd", "23rd", "4th"
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &text[digits.len()..];
    if !digits.is_empty() && matches!(suffix, "st" | "nd" | "rd" | "th") {
        return digits.parse().ok();
    }
    None
}

/// Numbers written out or as ordinals become digits, so `First` meets
/// `1st` and `Forty-Four` meets `44`.
pub fn numbers_to_digits(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        match (word.origin, number_value(&word.text)) {
            (Origin::Latin, Some(n)) => {
                let mut value = n;
                // A ten followed by a unit ("forty four") is one number.
                if (20..100).contains(&n) && n % 10 == 0 {
                    let next = words.get(i + 1).and_then(|w| number_value(&w.text));
                    if let Some(unit @ 1..=9) = next {
                        value += unit;
                        i += 1;
                    }
                }
                out.push(Word {
                    text: value.to_string(),
                    origin: Origin::Latin,
                });
            }
            _ => out.push(word.clone()),
        }
        i += 1;
    }
    out
}

/// Lists sometimes break a McCune-Reischauer word after its apostrophe
/// (`Myo' ng-ch'o' l`): a space between an apostrophe and a lower-case
/// letter is dropped.
fn join_broken_apostrophes(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let broken = c == ' '
            && i > 0
            && is_apostrophe(chars[i - 1])
            && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        if !broken {
            out.push(c);
        }
    }
    out
}

fn split_ampersand(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('&') {
        parts.push(&rest[..i]);
        parts.push("&");
        rest = &rest[i + 1..];
    }
    parts.push(rest);
    parts
}

fn is_latin(c: char) -> bool {
    // Latin-1 Supplement through Latin Extended Additional.
    ('\u{00C0}'..='\u{024F}').contains(&c) || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

/// A person's vowelless word of two or three letters (`JC`, `JFK`) is
/// initials: one token per letter.
pub fn split_initials(words: Vec<Word>) -> Vec<Word> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        let b = word.text.as_bytes();
        let initials = word.origin == Origin::Latin
            && (2..=3).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphabetic() && !b"aeiouy".contains(c));
        if initials {
            out.extend(b.iter().map(|&c| Word {
                text: (c as char).to_string(),
                origin: Origin::Latin,
            }));
        } else {
            out.push(word);
        }
    }
    out
}

/// Digits written for letters inside a person's name (`Ig0r Sech1n`):
/// a digit with a letter on each side is read as the letter it imitates.
/// Organisations keep theirs (`AHL1`, `3M`).
pub fn unleet(words: Vec<Word>) -> Vec<Word> {
    words
        .into_iter()
        .map(|mut word| {
            let b = word.text.as_bytes();
            let inside = |i: usize| {
                i > 0
                    && i + 1 < b.len()
                    && b[i - 1].is_ascii_alphabetic()
                    && b[i + 1].is_ascii_alphabetic()
            };
            if (0..b.len()).any(|i| b[i].is_ascii_digit() && inside(i)) {
                word.text = b
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| match (c, inside(i)) {
                        (b'0', true) => 'o',
                        (b'1', true) => 'i',
                        (b'3', true) => 'e',
                        (b'4', true) => 'a',
                        (b'5', true) => 's',
                        (b'7', true) => 't',
                        (b'8', true) => 'b',
                        (b'9', true) => 'g',
                        _ => c as char,
                    })
                    .collect();
            }
            word
        })
        .collect()
}

/// Legal forms written out, as folded words (a trailing `*` matches any
/// ending), and the abbreviation each becomes, so `Limited Liability Company` meets `LLC` and `Societatea cu
/// Răspundere Limitată` meets `SRL`. Longest phrases first.
const LEGAL_FORM_PHRASES: &[(&[&str], &str)] = &[
    (&["gesellschaft", "mit", "beschrankter", "haftung"], "gmbh"),
    (&["societatea", "cu", "raspundere", "limitata"], "srl"),
    (&["societa", "a", "responsabilita", "limitata"], "srl"),
    (&["societe", "a", "responsabilite", "limitee"], "sarl"),
    // Russian forms by their stems: transliterations end them in -oi,
    // -oy, -o, -iu, -yu, -ju.
    (
        &["obshchestv*", "s", "ogranichenn*", "otvetstvennost*"],
        "ooo",
    ),
    (&["publichno*", "aktsionerno*", "obshchestv*"], "pao"),
    (&["otkryto*", "aktsionerno*", "obshchestv*"], "oao"),
    (&["zakryto*", "aktsionerno*", "obshchestv*"], "zao"),
    (&["public", "joint", "stock", "company"], "pjsc"),
    (&["open", "joint", "stock", "company"], "ojsc"),
    (&["closed", "joint", "stock", "company"], "cjsc"),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["public", "limited", "company"], "plc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["aktsionerno*", "obshchestv*"], "ao"),
    (&["limited", "partnership"], "lp"),
    (&["societe", "anonyme"], "sa"),
    (&["sociedad", "anonima"], "sa"),
    (&["sp", "zoo"], "spzoo"),
    (&["aktiengesellschaft"], "ag"),
    (&["limited"], "ltd"),
    (&["incorporated"], "inc"),
    (&["corporation"], "corp"),
    (&["company"], "co"),
];

/// An organisation's written-out legal forms replaced by their
/// abbreviations (see [`LEGAL_FORM_PHRASES`]).
pub fn abbreviate_legal_forms(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for (phrase, abbreviation) in LEGAL_FORM_PHRASES {
            let end = i + phrase.len();
            let fits = |w: &Word, p: &&str| match p.strip_suffix('*') {
                Some(stem) => w.text.starts_with(stem),
                None => w.text == *p,
            };
            if end <= words.len() && words[i..end].iter().zip(*phrase).all(|(w, p)| fits(w, p)) {
                out.push(Word {
                    text: (*abbreviation).to_string(),
                    origin: words[i].origin,
                });
                i = end;
                continue 'words;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out
}

/// Kinds of legal entity that cannot be one another: a stock corporation
/// (AG, SA, JSC) is not a limited-liability company (GmbH, LLC, OOO) nor a
/// partnership. `Inc`, `Corp` and `Co` name no kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalKind {
    Stock,
    LimitedLiability,
    Partnership,
    NonProfit,
}

pub fn legal_kind(token: &str) -> Option<LegalKind> {
    Some(match token {
        "ag" | "sa" | "jsc" | "ojsc" | "cjsc" | "pjsc" | "oao" | "zao" | "pao" | "ao" | "plc"
        | "nv" | "asa" | "spa" | "kk" | "sas" | "ab" | "as" | "oyj" => LegalKind::Stock,
        "gmbh" | "llc" | "ltd" | "ooo" | "tov" | "sro" | "srl" | "sarl" | "bv" | "spzoo"
        | "pty" | "pte" | "pvt" | "doo" | "kft" | "ltda" => LegalKind::LimitedLiability,
        "lp" | "llp" | "kg" => LegalKind::Partnership,
        "ano" => LegalKind::NonProfit,
        _ => return None,
    })
}

/// How much a token says about identity, before corpus rarity is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClass {
    Normal,
    /// Honorifics, particles and legal forms: "mr", "al", "ltd", "company".
    Stopword,
    /// One letter: an initial.
    Initial,
}

const PERSON_STOPWORDS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "sheikh", "shaykh", "haji",
    "hajji", "mullah", "maulana", "general", "colonel", "col", "gen", "capt", "captain", "jr",
    "sr", "ii", "iii", "al", "el", "ul", "bin", "ibn", "bint", "binti", "abu", "umm", "de", "da",
    "di", "del", "der", "den", "van", "von", "la", "le", "du", "dos", "das", "y",
];

const ORG_STOPWORDS: &[&str] = &[
    "co",
    "company",
    "companies",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "pllc",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "ag",
    "gmbh",
    "kg",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "asa",
    "pte",
    "pty",
    "pvt",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "ooo",
    "zao",
    "oao",
    "pao",
    "tov",
    "kft",
    "sro",
    "doo",
    "spzoo",
    "ao",
    "ano",
    "ad",
    "sal",
    "fze",
    "fzc",
    "fzco",
    "fzllc",
    "est",
    "establishment",
    "group",
    "holding",
    "holdings",
    "the",
    "of",
    "and",
    "for",
    "joint",
    "stock",
    "public",
    "private",
    "open",
    "closed",
    "aktiengesellschaft",
    "gesellschaft",
    "mit",
    "beschrankter",
    "haftung",
    "societe",
    "anonyme",
    "sociedad",
    "anonima",
    "ltda",
    "cia",
    "compania",
    "kabushiki",
    "kaisha",
    "kk",
    "trading",
    "international",
    "intl",
    "enterprise",
    "enterprises",
    "general",
    "industrial",
    "industries",
    "industry",
    "bank",
    "trust",
    "services",
    "service",
];

/// Classifies a folded token for a person or an organisation name.
pub fn token_class(token: &str, organization: bool) -> TokenClass {
    if token.len() == 1 && token.chars().all(|c| c.is_ascii_alphabetic()) {
        return TokenClass::Initial;
    }
    let list = if organization {
        ORG_STOPWORDS
    } else {
        PERSON_STOPWORDS
    };
    if list.contains(&token) {
        TokenClass::Stopword
    } else {
        TokenClass::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str) -> Vec<String> {
        words(name).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn mccune_reischauer_marks_and_punctuation_fold_away() {
        assert_eq!(texts("CH'OE Ch'un-po'm"), ["choe", "chun", "pom"]);
        assert_eq!(texts("KIM, Se-u'n"), ["kim", "se", "un"]);
        assert_eq!(texts("CHANG, Myo' ng-ch'o' l"), ["chang", "myong", "chol"]);
        assert_eq!(texts("Chŏng Sŏng-hwa"), ["chong", "song", "hwa"]);
        assert_eq!(texts("François  Hollande"), ["francois", "hollande"]);
        assert_eq!(texts("AT&T Inc."), ["at", "and", "t", "inc"]);
        assert_eq!(texts("Straße"), ["strasse"]);
    }

    #[test]
    fn other_scripts_become_latin_with_their_origin() {
        let putin = words("Владимир Путин");
        assert_eq!(putin[0].text, "vladimir");
        assert_eq!(putin[1].text, "putin");
        assert_eq!(putin[0].origin, Origin::Other);
        let arabic = words("محمد علي");
        assert!(arabic.iter().all(|w| w.origin == Origin::Abjad));
        let hangul = words("김정은");
        assert!(hangul.iter().all(|w| w.origin == Origin::Hangul));
        assert_eq!(hangul[0].text, "kim");
    }

    #[test]
    fn acronyms_and_numbers_are_brought_to_one_form() {
        let t = |n: &str| -> Vec<String> {
            merge_initials(numbers_to_digits(words(n)))
                .into_iter()
                .map(|w| w.text)
                .collect()
        };
        assert_eq!(t("A.B.C. Company"), ["abc", "company"]);
        assert_eq!(t("William G. Frost"), ["william", "g", "frost"]);
        assert_eq!(t("Brigade Forty-Four"), ["brigade", "44"]);
        assert_eq!(t("1st International Bank"), ["1", "international", "bank"]);
        assert_eq!(
            t("First International Bank"),
            ["1", "international", "bank"]
        );
        assert_eq!(t("Three Percenters"), ["3", "percenters"]);
    }

    #[test]
    fn legal_forms_become_abbreviations() {
        let t = |n: &str| -> Vec<String> {
            abbreviate_legal_forms(words(n))
                .into_iter()
                .map(|w| w.text)
                .collect()
        };
        assert_eq!(t("Stripe Limited Liability Company"), ["stripe", "llc"]);
        assert_eq!(
            t("OBSHCHESTVO S OGRANICHENNO OTVETSTVENNOSTYU FERTOING"),
            ["ooo", "fertoing"]
        );
        assert_eq!(
            t("ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"БАЙКАЛ\""),
            ["ooo", "baikal"]
        );
        assert_eq!(t("Aktsionernoye Obshchestvo Almaz"), ["ao", "almaz"]);
        assert_eq!(legal_kind("gmbh"), Some(LegalKind::LimitedLiability));
        assert_eq!(legal_kind("inc"), None);
    }

    #[test]
    fn stopwords_depend_on_the_kind_of_name() {
        assert_eq!(token_class("ltd", true), TokenClass::Stopword);
        assert_eq!(token_class("ltd", false), TokenClass::Normal);
        assert_eq!(token_class("al", false), TokenClass::Stopword);
        assert_eq!(token_class("j", false), TokenClass::Initial);
        assert_eq!(token_class("chinyong", true), TokenClass::Normal);
    }
}
