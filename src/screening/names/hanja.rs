//! Korean names written in Han characters (Hanja): 金正恩 is Kim Jong Un,
//! while a general transliteration reads it as Mandarin (jin zheng en).
//! A name that begins with a Korean surname and whose other characters
//! all have a Sino-Korean reading in our table gets that reading as
//! Hangul, which the Hangul path then romanizes so that RR, MR and DPRK
//! spellings all meet it. The table (`hanja.txt`) holds a few hundred
//! characters common in Korean names, not a dictionary: a name outside it
//! keeps its pinyin reading only.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::korean;

struct Table {
    reading: HashMap<char, char>,
    surnames: HashSet<char>,
    surname_reading: HashMap<char, char>,
    /// Two-character surnames → their Hangul.
    double: HashMap<(char, char), &'static str>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table {
            reading: HashMap::new(),
            surnames: HashSet::new(),
            surname_reading: HashMap::new(),
            double: HashMap::new(),
        };
        for line in include_str!("hanja.txt").lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(head), Some(first)) = (fields.next(), fields.next()) else {
                continue;
            };
            match head {
                "@surnames" => table.surnames.extend(first.chars()),
                "@surname-reading" => {
                    let hangul = first.chars().next().unwrap_or_default();
                    for c in fields.flat_map(str::chars) {
                        table.surname_reading.insert(c, hangul);
                    }
                }
                "@double" => {
                    for pair in fields {
                        let chars: Vec<char> = pair.chars().collect();
                        if let [a, b] = chars[..] {
                            table.double.insert((a, b), first);
                        }
                    }
                }
                _ => {
                    let Some(hangul) = head.chars().next() else {
                        continue;
                    };
                    for c in first.chars().chain(fields.flat_map(str::chars)) {
                        table.reading.entry(c).or_insert(hangul);
                    }
                }
            }
        }
        table
    })
}

/// CJK unified ideographs (with extension A and the compatibility block).
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || ('\u{3400}'..='\u{4DBF}').contains(&c)
        || ('\u{F900}'..='\u{FAFF}').contains(&c)
}

/// The Korean readings of a name written in Han characters, as Hangul:
/// "金正恩" → ["김정은"]; "李龍浩" → ["리룡호", "리용호"] (the dictionary
/// form North Korea writes, then the South's, where the initial-sound law
/// changes the first syllable of the given name). Empty unless the name is
/// Han characters only (spaces and dots allowed), begins with a Korean
/// surname and has one to three more characters, all in the table.
pub fn korean_readings(name: &str) -> Vec<String> {
    let mut chars = Vec::new();
    for c in name.chars() {
        if is_han(c) {
            chars.push(c);
        } else if !(c.is_whitespace() || matches!(c, '·' | '・' | '.' | ',' | '-')) {
            return Vec::new();
        }
    }
    let table = table();
    let (surname, given): (String, &[char]) = match chars[..] {
        [a, b, ref rest @ ..] if table.double.contains_key(&(a, b)) && !rest.is_empty() => {
            (table.double[&(a, b)].to_string(), rest)
        }
        [a, ref rest @ ..] if table.surnames.contains(&a) => {
            let reading = table
                .surname_reading
                .get(&a)
                .or_else(|| table.reading.get(&a));
            match reading {
                Some(r) => (r.to_string(), rest),
                None => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    if !(1..=3).contains(&given.len()) {
        return Vec::new();
    }
    let Some(given): Option<Vec<char>> = given
        .iter()
        .map(|c| table.reading.get(c).copied())
        .collect()
    else {
        return Vec::new();
    };
    let mut out = vec![format!("{surname}{}", given.iter().collect::<String>())];
    if let Some(first) = korean::initial_sound_law(given[0]) {
        let rest: String = given[1..].iter().collect();
        out.push(format!("{surname}{first}{rest}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_names_in_han_characters_read_as_hangul() {
        assert_eq!(korean_readings("金正恩"), ["김정은"]);
        assert_eq!(korean_readings("金日成"), ["김일성"]);
        assert_eq!(korean_readings("金铁三"), ["김철삼"]);
        assert_eq!(korean_readings("朴 智星"), ["박지성"]);
        assert_eq!(korean_readings("李明"), ["리명"]);
        assert_eq!(korean_readings("李龍浩"), ["리룡호", "리용호"]);
        assert_eq!(korean_readings("南宮民"), ["남궁민"]);
        assert_eq!(korean_readings("鮮于英"), ["선우영"]);
        assert_eq!(korean_readings("金金"), ["김금"]);
    }

    #[test]
    fn other_han_names_get_no_korean_reading() {
        // 习 is no Korean surname; 近 and 平's neighbours are not all known.
        assert!(korean_readings("习近平").is_empty());
        // A surname alone, or too long a name, is not read.
        assert!(korean_readings("金").is_empty());
        assert!(korean_readings("金正恩正恩").is_empty());
        // Mixed scripts are left to the other readings.
        assert!(korean_readings("金 Jong Un").is_empty());
        assert!(korean_readings("山田太郎").is_empty());
    }

    #[test]
    fn the_table_reads_each_character_once() {
        let mut seen: HashMap<char, char> = HashMap::new();
        for line in include_str!("hanja.txt").lines() {
            if line.starts_with('#') || line.starts_with('@') || line.trim().is_empty() {
                continue;
            }
            let mut fields = line.split_whitespace();
            let hangul = fields.next().and_then(|h| h.chars().next()).unwrap();
            assert!(korean::is_hangul_syllable(hangul), "{line}");
            for c in fields.flat_map(str::chars) {
                assert!(is_han(c), "{c} in {line}");
                if let Some(other) = seen.insert(c, hangul) {
                    panic!("{c} read both {other} and {hangul}");
                }
            }
        }
        assert!(seen.len() >= 300, "{}", seen.len());
        for c in &table().surnames {
            assert!(
                table().reading.contains_key(c) || table().surname_reading.contains_key(c),
                "surname {c} has no reading"
            );
        }
    }
}
