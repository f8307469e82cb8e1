//! Sanctions screening: the lists (one parser per official format,
//! snapshots and their diffs), names (normalisation, transliteration,
//! Korean romanization), the in-memory index, pairwise scoring and the
//! screening of a subject. Knows nothing of HTTP or SQL.

pub mod index;
pub mod lists;
pub mod names;
pub mod score;
pub mod screen;
