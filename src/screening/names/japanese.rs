//! Japanese names: kana romanized by rule in Hepburn (the passport
//! system), and kanji names read through a table of common surnames and
//! given names, split surname + given name by the longest surname in the
//! table. A general transliteration reads kanji as Mandarin (山田太郎 →
//! shan tian tai lang), which no résumé writes; this reading is what a
//! Japanese name is written as in Latin script (Yamada Taro).
//!
//! Long vowels are written single (Tarou, Taroo and Tarō are all Taro),
//! as Japanese passports and most lists do.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::hanja::is_han;
use super::normalize::{Origin, Word};

/// Hepburn spelling of each hiragana (katakana are mapped onto these).
const KANA: &[(char, &str)] = &[
    ('あ', "a"),
    ('い', "i"),
    ('う', "u"),
    ('え', "e"),
    ('お', "o"),
    ('か', "ka"),
    ('き', "ki"),
    ('く', "ku"),
    ('け', "ke"),
    ('こ', "ko"),
    ('が', "ga"),
    ('ぎ', "gi"),
    ('ぐ', "gu"),
    ('げ', "ge"),
    ('ご', "go"),
    ('さ', "sa"),
    ('し', "shi"),
    ('す', "su"),
    ('せ', "se"),
    ('そ', "so"),
    ('ざ', "za"),
    ('じ', "ji"),
    ('ず', "zu"),
    ('ぜ', "ze"),
    ('ぞ', "zo"),
    ('た', "ta"),
    ('ち', "chi"),
    ('つ', "tsu"),
    ('て', "te"),
    ('と', "to"),
    ('だ', "da"),
    ('ぢ', "ji"),
    ('づ', "zu"),
    ('で', "de"),
    ('ど', "do"),
    ('な', "na"),
    ('に', "ni"),
    ('ぬ', "nu"),
    ('ね', "ne"),
    ('の', "no"),
    ('は', "ha"),
    ('ひ', "hi"),
    ('ふ', "fu"),
    ('へ', "he"),
    ('ほ', "ho"),
    ('ば', "ba"),
    ('び', "bi"),
    ('ぶ', "bu"),
    ('べ', "be"),
    ('ぼ', "bo"),
    ('ぱ', "pa"),
    ('ぴ', "pi"),
    ('ぷ', "pu"),
    ('ぺ', "pe"),
    ('ぽ', "po"),
    ('ま', "ma"),
    ('み', "mi"),
    ('む', "mu"),
    ('め', "me"),
    ('も', "mo"),
    ('や', "ya"),
    ('ゆ', "yu"),
    ('よ', "yo"),
    ('ら', "ra"),
    ('り', "ri"),
    ('る', "ru"),
    ('れ', "re"),
    ('ろ', "ro"),
    ('わ', "wa"),
    ('ゐ', "i"),
    ('ゑ', "e"),
    ('を', "o"),
    ('ん', "n"),
    ('ゔ', "vu"),
];

fn kana_table() -> &'static HashMap<char, &'static str> {
    static TABLE: OnceLock<HashMap<char, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| KANA.iter().copied().collect())
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FF}').contains(&c)
}

pub fn is_kana(c: char) -> bool {
    is_hiragana(c) || is_katakana(c)
}

/// Katakana to the hiragana of the same sound; other characters as they are.
fn to_hiragana(c: char) -> char {
    if ('\u{30A1}'..='\u{30F6}').contains(&c) {
        char::from_u32(c as u32 - 0x60).unwrap_or(c)
    } else {
        c
    }
}

/// Hepburn romanization of a run of kana, long vowels written single;
/// None if anything else is in it. "たろう" → "taro", "キョウコ" →
/// "kyoko", "ファン" → "fan", "いのうえ" → "inoue" (the ou of Inoue is two
/// syllables, not a long vowel, because a vowel follows).
pub fn romanize_kana(s: &str) -> Option<String> {
    let table = kana_table();
    let mut out = String::new();
    // The romaji of the last kana, which a small kana after it rewrites.
    let mut last = String::new();
    let mut geminate = false;
    for c in s.chars().map(to_hiragana) {
        let small = match c {
            'ゃ' => Some(('y', "a")),
            'ゅ' => Some(('y', "u")),
            'ょ' => Some(('y', "o")),
            'ぁ' => Some(('v', "a")),
            'ぃ' => Some(('v', "i")),
            'ぅ' => Some(('v', "u")),
            'ぇ' => Some(('v', "e")),
            'ぉ' => Some(('v', "o")),
            _ => None,
        };
        if let Some((kind, vowel)) = small {
            let Some(stem) = last.strip_suffix(['a', 'i', 'u', 'e', 'o']) else {
                out.push_str(vowel);
                continue;
            };
            let stem = stem.to_string();
            out.truncate(out.len() - last.len());
            // きゃ kya, but しゃ sha, ちゃ cha, じゃ ja; ファ fa, ティ ti, ウィ wi.
            let syllable = match (kind, stem.as_str()) {
                ('y', "sh" | "ch" | "j") => format!("{stem}{vowel}"),
                ('y', _) if last.ends_with('i') => format!("{stem}y{vowel}"),
                ('y', _) => format!("{last}y{vowel}"),
                (_, "") => format!("w{vowel}"),
                _ => format!("{stem}{vowel}"),
            };
            out.push_str(&syllable);
            last = syllable;
            continue;
        }
        match c {
            'っ' => geminate = true,
            // The long-vowel mark: long vowels are written single.
            'ー' | '〜' => {}
            _ => {
                let romaji = *table.get(&c)?;
                if geminate {
                    if romaji.starts_with("ch") {
                        out.push('t');
                    } else if let Some(first) =
                        romaji.chars().next().filter(|f| !"aiueon".contains(*f))
                    {
                        out.push(first);
                    }
                    geminate = false;
                }
                out.push_str(romaji);
                last = romaji.to_string();
            }
        }
    }
    Some(fold_long_vowels(&out))
}

/// ou, oo → o and uu → u unless a vowel follows (Inoue keeps its ou).
pub fn fold_long_vowels(s: &str) -> String {
    let b = s.as_bytes();
    let vowel = |c: u8| matches!(c, b'a' | b'i' | b'u' | b'e' | b'o');
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        out.push(b[i] as char);
        let long = matches!(
            (b[i], b.get(i + 1)),
            (b'o', Some(b'u' | b'o')) | (b'u', Some(b'u'))
        );
        if long && !b.get(i + 2).is_some_and(|c| vowel(*c)) {
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

struct Names {
    surnames: HashMap<&'static str, &'static str>,
    given: HashMap<&'static str, &'static str>,
    /// The most characters a surname in the table has.
    longest_surname: usize,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Names {
            surnames: HashMap::new(),
            given: HashMap::new(),
            longest_surname: 0,
        };
        let mut given = false;
        for line in include_str!("japanese_names.txt").lines() {
            match line.trim() {
                "" => {}
                l if l.starts_with('#') => {}
                "@surnames" => given = false,
                "@given" => given = true,
                l => {
                    let Some((kanji, romaji)) = l.split_once(' ') else {
                        continue;
                    };
                    if given {
                        names.given.insert(kanji, romaji.trim());
                    } else {
                        names.surnames.insert(kanji, romaji.trim());
                        names.longest_surname = names.longest_surname.max(kanji.chars().count());
                    }
                }
            }
        }
        names
    })
}

/// Kanji (with the repetition mark of 佐々木) or kana.
fn is_japanese(c: char) -> bool {
    is_han(c) || is_kana(c) || c == '々'
}

/// One part of a name read from the table, or by rule when it is kana.
fn read_part(part: &str, table: &HashMap<&'static str, &'static str>) -> Option<String> {
    if let Some(romaji) = table.get(part) {
        return Some(romaji.to_string());
    }
    if part.chars().all(is_kana) {
        return romanize_kana(part);
    }
    None
}

/// The Japanese reading of a name written in kanji and/or kana, as Latin
/// words: "山田太郎" → yamada taro, "田中 花子" → tanaka hanako, "やまだ
/// たろう" → yamada taro, "ウラジーミル・プーチン" → urajimiru puchin.
/// None when the name has neither kana nor a known surname and given name,
/// or mixes in another script.
pub fn reading(name: &str) -> Option<Vec<Word>> {
    let parts: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || matches!(c, '・' | '·' | '=' | '＝' | ','))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || !parts.iter().all(|p| p.chars().all(is_japanese)) {
        return None;
    }
    let names = names();
    let texts: Vec<String> = if !name.chars().any(|c| is_han(c) || c == '々') {
        parts
            .iter()
            .map(|p| romanize_kana(p))
            .collect::<Option<_>>()?
    } else {
        match parts[..] {
            [surname, given] => vec![
                read_part(surname, &names.surnames)?,
                read_part(given, &names.given)?,
            ],
            [whole] => split(whole)?,
            _ => return None,
        }
    };
    Some(
        texts
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(|text| Word {
                text,
                origin: Origin::Other,
            })
            .collect(),
    )
}

/// A name written without a space: the longest table surname it begins
/// with, then a table given name or kana; a table surname alone is read
/// alone.
fn split(whole: &str) -> Option<Vec<String>> {
    let names = names();
    let chars: Vec<char> = whole.chars().collect();
    let longest = names.longest_surname.min(chars.len());
    for len in (1..=longest).rev() {
        let surname: String = chars[..len].iter().collect();
        let Some(romaji) = names.surnames.get(surname.as_str()) else {
            continue;
        };
        if len == chars.len() {
            return Some(vec![romaji.to_string()]);
        }
        let given: String = chars[len..].iter().collect();
        if let Some(given) = read_part(&given, &names.given) {
            return Some(vec![romaji.to_string(), given]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str) -> Option<Vec<String>> {
        reading(name).map(|w| w.into_iter().map(|w| w.text).collect())
    }

    #[test]
    fn kana_romanize_in_hepburn() {
        assert_eq!(romanize_kana("たろう").as_deref(), Some("taro"));
        assert_eq!(romanize_kana("タロウ").as_deref(), Some("taro"));
        assert_eq!(romanize_kana("きょうこ").as_deref(), Some("kyoko"));
        assert_eq!(romanize_kana("しゅんすけ").as_deref(), Some("shunsuke"));
        assert_eq!(romanize_kana("ちゃ").as_deref(), Some("cha"));
        assert_eq!(romanize_kana("いのうえ").as_deref(), Some("inoue"));
        assert_eq!(romanize_kana("さとう").as_deref(), Some("sato"));
        assert_eq!(romanize_kana("おおの").as_deref(), Some("ono"));
        assert_eq!(romanize_kana("ゆうき").as_deref(), Some("yuki"));
        assert_eq!(romanize_kana("はっとり").as_deref(), Some("hattori"));
        assert_eq!(romanize_kana("まっちゃ").as_deref(), Some("matcha"));
        assert_eq!(romanize_kana("ファン").as_deref(), Some("fan"));
        assert_eq!(romanize_kana("ティム").as_deref(), Some("timu"));
        assert_eq!(romanize_kana("ウィリアム").as_deref(), Some("wiriamu"));
        assert_eq!(romanize_kana("プーチン").as_deref(), Some("puchin"));
        assert_eq!(romanize_kana("やまだa"), None);
    }

    #[test]
    fn kanji_names_split_into_table_surname_and_given_name() {
        assert_eq!(read("山田太郎"), Some(vec!["yamada".into(), "taro".into()]));
        assert_eq!(
            read("田中花子"),
            Some(vec!["tanaka".into(), "hanako".into()])
        );
        assert_eq!(
            read("田中 花子"),
            Some(vec!["tanaka".into(), "hanako".into()])
        );
        assert_eq!(read("佐々木健"), Some(vec!["sasaki".into(), "ken".into()]));
        assert_eq!(
            read("長谷川翔太"),
            Some(vec!["hasegawa".into(), "shota".into()])
        );
        assert_eq!(
            read("山田たろう"),
            Some(vec!["yamada".into(), "taro".into()])
        );
        assert_eq!(
            read("やまだ たろう"),
            Some(vec!["yamada".into(), "taro".into()])
        );
        assert_eq!(read("鈴木"), Some(vec!["suzuki".into()]));
    }

    #[test]
    fn other_names_get_no_japanese_reading() {
        assert_eq!(read("金正恩"), None);
        assert_eq!(read("习近平"), None);
        assert_eq!(read("Yamada Taro"), None);
        assert_eq!(read("山田 Taro"), None);
        assert_eq!(read("김정은"), None);
    }
}
