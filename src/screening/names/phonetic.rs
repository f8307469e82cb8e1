//! A phonetic key for Latin-script tokens that are not Korean syllables:
//! spellings that sound alike and differ in transliteration habits
//! (`Mohammed`/`Muhammad`/`Mohamed`, `Johnson`/`Jonson`, a consonant-only
//! transliteration from Arabic) share a key. It keeps a leading vowel and
//! the consonant frame, which is what transliterations agree on.

/// The key of a folded (lower-case ASCII) token. Digits are kept as they
/// are, so `2004` only ever meets `2004`.
pub fn key(token: &str) -> String {
    if token.bytes().any(|b| b.is_ascii_digit()) {
        return token.to_string();
    }
    let b = token.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let (code, step): (Option<u8>, usize) = match (c, next) {
            (b's', Some(b'c')) if b.get(i + 2) == Some(&b'h') => (Some(b's'), 3),
            (b'p', Some(b'h')) => (Some(b'f'), 2),
            (b's' | b'z', Some(b'h')) => (Some(b's'), 2),
            (b'c', Some(b'h')) | (b't', Some(b'c')) | (b't', Some(b's')) => (Some(b'c'), 2),
            (b'k' | b'g' | b't' | b'd' | b'b', Some(b'h')) => (Some(c), 2),
            (b'c', Some(b'k')) => (Some(b'k'), 2),
            (b'd', Some(b'j')) => (Some(b'j'), 2),
            (b'c' | b'q', _) => (Some(b'k'), 1),
            (b'x', _) => (Some(b'k'), 1),
            (b'z', _) => (Some(b's'), 1),
            (b'w', _) => (Some(b'v'), 1),
            (b'h', _) if i > 0 => (None, 1),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y', _) => {
                if i == 0 {
                    (Some(b'a'), 1)
                } else {
                    (None, 1)
                }
            }
            _ => (Some(c), 1),
        };
        if let Some(code) = code {
            if out.last() != Some(&code) {
                out.push(code);
            }
        }
        i += step;
    }
    if out.is_empty() {
        return token.to_string();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Edit similarity in 0..=1, a swap of two neighbours counting as one
/// edit (`Marcon`/`Macron`), as typing errors go.
pub fn similarity(a: &str, b: &str) -> f64 {
    let max = char_count(a).max(char_count(b));
    if max == 0 {
        return 1.0;
    }
    1.0 - osa_distance(a, b) as f64 / max as f64
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// `similarity(a, b)` when it is at least `least`; `None` means it is
/// below. (The distance is computed in full: by bit vectors that costs
/// less than the band of the table an early stop would save.)
pub fn similarity_at_least(a: &str, b: &str, least: f64) -> Option<f64> {
    let sim = similarity(a, b);
    (sim >= least).then_some(sim)
}

/// The OSA distance of two ASCII strings, the shorter of at most 64
/// bytes, computed a column of the table at a time in the bits of one
/// word (Hyyrö's extension of Myers's bit-vector algorithm with
/// transpositions): each letter of the longer string costs a dozen word
/// operations, where a row of the table costs a step per letter of the
/// other. This is the scorer's inner loop (whole names compared as
/// joined strings).
fn osa_bits(a: &[u8], b: &[u8]) -> usize {
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    debug_assert!(pattern.len() <= 64 && pattern.is_ascii() && text.is_ascii());
    if pattern.is_empty() {
        return text.len();
    }
    // Per letter, the positions of the pattern holding it.
    let mut positions = [0u64; 128];
    for (i, &c) in pattern.iter().enumerate() {
        positions[usize::from(c & 0x7f)] |= 1 << i;
    }
    let last = 1u64 << (pattern.len() - 1);
    // The vertical differences of the current column: +1 (`up`) and
    // -1 (`down`) bits; the distance at the pattern's last row.
    let (mut up, mut down) = (!0u64, 0u64);
    let mut distance = pattern.len();
    let (mut diagonal, mut previous) = (0u64, 0u64);
    for &c in text {
        let here = positions[usize::from(c & 0x7f)];
        // A swap of neighbours: this letter matches the pattern's letter
        // one row up and the previous letter this row, where the previous
        // column had no zero-cost diagonal step.
        let swap = ((!diagonal & here) << 1) & previous;
        diagonal = (((here & up).wrapping_add(up)) ^ up) | here | down | swap;
        let h_up = down | !(diagonal | up);
        let h_down = diagonal & up;
        distance += usize::from(h_up & last != 0);
        distance -= usize::from(h_down & last != 0);
        let h_up = (h_up << 1) | 1;
        let h_down = h_down << 1;
        up = h_down | !(diagonal | h_up);
        down = h_up & diagonal;
        previous = here;
    }
    distance
}

/// Optimal string alignment distance, as `strsim::osa_distance` computes
/// it; names are ASCII once folded, and go through [`osa_bits`] rather
/// than a table of `char`s on the heap.
fn osa_distance(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() && a.len().min(b.len()) <= 64 {
        osa_bits(a.as_bytes(), b.as_bytes())
    } else {
        strsim::osa_distance(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliteration_variants_share_a_key() {
        assert_eq!(key("mohammed"), key("muhammad"));
        assert_eq!(key("mohamed"), key("mhmd"));
        assert_eq!(key("johnson"), key("jonson"));
        assert_eq!(key("philip"), key("filip"));
        assert_eq!(key("scholz"), key("scholze"));
        assert_ne!(key("putin"), key("patin").replace('p', "b"));
        assert_ne!(key("ivanov"), key("lavrov"));
        assert_eq!(key("2004"), "2004");
    }

    #[test]
    fn similarity_is_a_ratio() {
        assert_eq!(similarity("abc", "abc"), 1.0);
        assert!((similarity("netanyahu", "netanyhu") - 8.0 / 9.0).abs() < 1e-9);
    }

    /// Pairs of these cover equal, transposed, one-edit and unrelated
    /// words, long and short, ASCII and not.
    const WORDS: &[&str] = &[
        "",
        "a",
        "ab",
        "ba",
        "abc",
        "acb",
        "ca",
        "marcon",
        "macron",
        "netanyahu",
        "netanyhu",
        "mohammed",
        "muhammad",
        "kitten",
        "sitting",
        "ahmadalubaidi",
        "ahmedhasan",
        "koreakumsantradingcorporation",
        "koreakumsantraingcorporation",
        "koreakumsantradingcompany",
        "jöng",
        "jong",
    ];

    #[test]
    fn osa_distance_agrees_with_strsim() {
        let words = WORDS;
        for a in words {
            for b in words {
                assert_eq!(osa_distance(a, b), strsim::osa_distance(a, b), "{a} / {b}");
            }
        }
        let long = "x".repeat(70);
        assert_eq!(osa_distance(&long, "xx"), 68);
    }

    /// Random strings over small alphabets (so that swaps, repeats and
    /// near-misses are common), of every length up to past a word's bits.
    #[test]
    fn bit_parallel_distance_agrees_with_the_table() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..20_000 {
            let alphabet = [b"ab".as_slice(), b"abc", b"abcdefghij"][round % 3];
            let mut word = |max: u64| -> String {
                let len = next(max + 1) as usize;
                (0..len)
                    .map(|_| alphabet[next(alphabet.len() as u64) as usize] as char)
                    .collect()
            };
            let a = word(if round % 10 == 0 { 90 } else { 30 });
            // Often the other is an edit or two of the first.
            let b = if round % 2 == 0 {
                let mut b = a.clone().into_bytes();
                for _ in 0..=next(2) {
                    let at = next(b.len() as u64 + 1) as usize;
                    match next(4) {
                        0 if at + 1 < b.len() => b.swap(at, at + 1),
                        1 if at < b.len() => {
                            b.remove(at);
                        }
                        2 => b.insert(at, alphabet[next(alphabet.len() as u64) as usize]),
                        _ if at < b.len() => b[at] = alphabet[0],
                        _ => {}
                    }
                }
                String::from_utf8(b).unwrap()
            } else {
                word(30)
            };
            assert_eq!(
                osa_distance(&a, &b),
                strsim::osa_distance(&a, &b),
                "{a} / {b}"
            );
        }
    }

    /// Strings whose shorter side is at the edge of a word's 64 bits, with
    /// edits at both ends of the word.
    #[test]
    fn bit_parallel_distance_at_the_word_edge() {
        let base: String = "abcdefghij".repeat(7);
        for len in [63, 64, 65] {
            let a = &base[..len];
            let mut swapped = a.as_bytes().to_vec();
            swapped.swap(0, 1);
            swapped.swap(len - 2, len - 1);
            let swapped = String::from_utf8(swapped).unwrap();
            let shorter = &a[1..len - 1];
            for b in [a, swapped.as_str(), shorter, "", &base[..len + 5]] {
                assert_eq!(osa_distance(a, b), strsim::osa_distance(a, b), "{len}: {b}");
            }
        }
    }

    #[test]
    fn bounded_similarity_is_similarity_at_or_above_the_floor() {
        let words = WORDS;
        for a in words {
            for b in words {
                for least in [0.0, 0.5, 0.7, 0.75, 0.9, 1.0] {
                    let full = similarity(a, b);
                    let expected = (full >= least).then_some(full);
                    assert_eq!(
                        similarity_at_least(a, b, least),
                        expected,
                        "{a} / {b} / {least}"
                    );
                }
            }
        }
    }
}
