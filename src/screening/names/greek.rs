//! Greek names carry case endings that their Latin and English forms drop
//! or change: Αλέξανδρος (Alexandros) is Alexander, Πέτρος (Petros) Peter,
//! Γεώργιος (Georgios) George, and a woman's surname is often in the
//! genitive (Παπαδοπούλου). A name written in Greek letters also gets a
//! reading with each such ending taken off, so that the stem is compared
//! with the Latin form instead of the ending weighing against it.

use super::normalize::{self, Origin, Word};

/// Endings of the Greek nominative (-ος, -ας, -ης, -ες) and genitive (-ου)
/// as the transliteration writes them.
const ENDINGS: &[&str] = &["os", "as", "is", "es", "ou"];

/// At most this many words are stemmed (2^n - 1 readings).
const MAX_STEMMED: usize = 3;

/// The least a stem keeps: shorter, it would match too much.
const MIN_STEM: usize = 4;

fn is_greek(c: char) -> bool {
    ('\u{0370}'..='\u{03FF}').contains(&c) || ('\u{1F00}'..='\u{1FFF}').contains(&c)
}

/// The word without its Greek ending, if it has one and enough is left.
fn stem(word: &str) -> Option<&str> {
    ENDINGS
        .iter()
        .find_map(|e| word.strip_suffix(e))
        .filter(|s| s.len() >= MIN_STEM)
}

/// Readings of a name written in Greek letters, each with a different
/// choice of words stemmed: "Αλέξανδρος" → [alexandr]; "Γεώργιος
/// Παπαδόπουλος" → [georgi papadopoulos], [georgios papadopoul], [georgi
/// papadopoul]. Empty for names in other scripts or without endings.
pub fn stem_readings(name: &str) -> Vec<Vec<Word>> {
    if !name.chars().any(is_greek) {
        return Vec::new();
    }
    let words = normalize::words(name);
    let stemmable: Vec<usize> = words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.origin == Origin::Other && stem(&w.text).is_some())
        .map(|(i, _)| i)
        .take(MAX_STEMMED)
        .collect();
    (1u32..1 << stemmable.len())
        .map(|mask| {
            let mut reading = words.clone();
            for (bit, &at) in stemmable.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    if let Some(s) = stem(&reading[at].text) {
                        reading[at].text = s.to_string();
                    }
                }
            }
            reading
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(name: &str) -> Vec<String> {
        stem_readings(name)
            .into_iter()
            .map(|r| r.into_iter().map(|w| w.text).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn greek_endings_come_off_in_every_combination() {
        assert_eq!(readings("Αλέξανδρος"), ["alexandr"]);
        assert_eq!(
            readings("Γεώργιος Παπαδόπουλος"),
            [
                "georgi papadopoulos",
                "georgios papadopoul",
                "georgi papadopoul"
            ]
        );
        assert_eq!(readings("Μαρία Παπαδοπούλου"), ["maria papadopoul"]);
    }

    #[test]
    fn short_stems_and_other_scripts_are_left_alone() {
        // Νίκος would leave "nik".
        assert!(readings("Νίκος").is_empty());
        assert!(readings("Alexandros").is_empty());
        assert!(readings("Владимир").is_empty());
    }
}
