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
/// below. Only distances that could qualify are computed (a band of the
/// table around its diagonal, stopped once every path is too long), which
/// matters for whole names compared as joined strings.
pub fn similarity_at_least(a: &str, b: &str, least: f64) -> Option<f64> {
    let max = char_count(a).max(char_count(b));
    if max == 0 {
        return (1.0 >= least).then_some(1.0);
    }
    // One more than the most edits `least` allows, against rounding.
    let k = ((1.0 - least).max(0.0) * max as f64).ceil() as usize + 1;
    let short = |s: &str| s.is_ascii() && s.len() < OSA_STACK;
    let d = if short(a) && short(b) {
        osa_within(a.as_bytes(), b.as_bytes(), k)?
    } else {
        osa_distance(a, b)
    };
    let sim = 1.0 - d as f64 / max as f64;
    (sim >= least).then_some(sim)
}

/// Rows on the stack: longer strings go to `strsim`. Cells are bytes (no
/// distance here exceeds 64), and the three rows rotate by reference: this
/// is the scorer's inner loop.
const OSA_STACK: usize = 64;

/// The OSA distance of two ASCII strings shorter than [`OSA_STACK`] if it
/// is at most `k`, else `None`. Cells further than `k` from the diagonal,
/// and values above `k`, are capped at `k + 1`: a path of at most `k`
/// edits never uses them.
fn osa_within(a: &[u8], b: &[u8], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    // No distance here exceeds the longer length, below OSA_STACK.
    let cap = (k + 1).min(OSA_STACK + 1) as u8;
    let n = b.len();
    let (mut r0, mut r1, mut r2) = ([cap; OSA_STACK], [cap; OSA_STACK], [cap; OSA_STACK]);
    let (mut two_back, mut prev, mut curr) = (&mut r0, &mut r1, &mut r2);
    for (j, cell) in prev.iter_mut().enumerate().take(n + 1) {
        *cell = (j as u8).min(cap);
    }
    // The least cell of the row before: 0, at its start.
    let mut prev_min = 0;
    for i in 0..a.len() {
        curr[..=n].fill(cap);
        curr[0] = ((i + 1).min(cap as usize)) as u8;
        let lo = i.saturating_sub(k);
        let hi = (i + k + 1).min(n);
        let mut row_min = curr[0];
        for j in lo..hi {
            let cost = u8::from(a[i] != b[j]);
            let mut d = (curr[j] + 1).min(prev[j + 1] + 1).min(prev[j] + cost);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] && a[i] != b[j] {
                d = d.min(two_back[j - 1] + 1);
            }
            let d = d.min(cap);
            curr[j + 1] = d;
            row_min = row_min.min(d);
        }
        // Every later cell comes from this row or the one before at no
        // less cost: once both exceed k, so does the distance.
        if usize::from(row_min) > k && usize::from(prev_min) > k {
            return None;
        }
        prev_min = row_min;
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut curr);
    }
    let d = usize::from(prev[n]);
    (d <= k).then_some(d)
}

/// Optimal string alignment distance, as `strsim::osa_distance` computes
/// it; tokens are short ASCII, so those are done on bytes in stack rows
/// rather than on `char` vectors on the heap.
fn osa_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || b.len() >= OSA_STACK || a.len() >= OSA_STACK {
        return strsim::osa_distance(
            std::str::from_utf8(a).unwrap_or_default(),
            std::str::from_utf8(b).unwrap_or_default(),
        );
    }
    let n = b.len();
    let (mut r0, mut r1, mut r2) = ([0u8; OSA_STACK], [0u8; OSA_STACK], [0u8; OSA_STACK]);
    let (mut two_back, mut prev, mut curr) = (&mut r0, &mut r1, &mut r2);
    for (j, cell) in prev.iter_mut().enumerate().take(n + 1) {
        *cell = j as u8;
    }
    for i in 0..a.len() {
        curr[0] = (i + 1) as u8;
        for j in 0..n {
            let cost = u8::from(a[i] != b[j]);
            let mut d = (curr[j] + 1).min(prev[j + 1] + 1).min(prev[j] + cost);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] && a[i] != b[j] {
                d = d.min(two_back[j - 1] + 1);
            }
            curr[j + 1] = d;
        }
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut curr);
    }
    usize::from(prev[n])
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
