//! Sanctions screening: the lists (one parser per official format, snapshots
//! and their diffs), and later the name engine and index. Knows nothing of
//! HTTP or SQL.

pub mod lists;
