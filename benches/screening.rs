//! Speed and memory of the screening index, on one core.
//!
//! `cargo bench --bench screening`
//!
//! 1. The real lists: OFAC SDN 2024 with its 2025-01 alias and address files
//!    and the UN list of 2026-02-27 (from `../shared/data/sanctions`; skipped
//!    with a message when absent): index build time, the resident memory the
//!    index adds, and the latency distribution (p50, p99, max) of
//!    `screen()` over a fixed mix of queries: list names, Korean
//!    respellings and ordinary names that match nothing.
//! 2. A generated list of 1,000,000 names (deterministic): the same figures.
//! 3. Criterion timings of the build and of single queries, for regressions.
//!
//! Percentiles are measured by timing each query of the mix separately
//! (criterion reports means and medians of repeated identical runs, not a
//! distribution across different queries).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hirevet::screening::index::NameIndex;
use hirevet::screening::lists::{
    EntryKind, ListEntry, ListFormat, LiveList, SnapshotMeta, LIST_SDN, LIST_UN,
};
use hirevet::screening::screen::{screen, Subject, SubjectDate, SubjectKind, Thresholds};

/// The allocator the service runs with (see `src/main.rs`): where a
/// million names' tokens lie, and whether they sit on huge pages (mimalloc
/// asks for transparent huge pages for its arenas), decides how many of a
/// query's memory reads miss the TLB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Lists = BTreeMap<String, Arc<LiveList>>;

fn live(list_id: &str, entries: Vec<ListEntry>) -> Arc<LiveList> {
    Arc::new(LiveList::new(
        SnapshotMeta {
            snapshot_id: list_id.into(),
            list_id: list_id.into(),
            version: "bench".into(),
            sha256: String::new(),
            source_version: None,
            loaded_at: 0,
            entry_count: entries.len(),
        },
        entries,
    ))
}

fn read(rel: &str) -> Option<(String, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/sanctions")
        .join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some((path.file_name()?.to_string_lossy().into_owned(), bytes)),
        Err(_) => {
            eprintln!("skipping the real lists: {} is not present", path.display());
            None
        }
    }
}

fn real_lists() -> Option<Lists> {
    let ofac = vec![
        read("ofac_sdn_2024-05-03/sdn.csv")?,
        read("ofac_sdn_aux_2025-01/alt.csv")?,
        read("ofac_sdn_aux_2025-01/add.csv")?,
    ];
    let un = vec![read("un_consolidated_2026-02-27/consolidated.xml")?];
    let ofac = ListFormat::OfacCsv.parse(LIST_SDN, &ofac).ok()?;
    let un = ListFormat::UnXml.parse(LIST_UN, &un).ok()?;
    let mut lists = Lists::new();
    lists.insert(LIST_SDN.into(), live(LIST_SDN, ofac.entries));
    lists.insert(LIST_UN.into(), live(LIST_UN, un.entries));
    Some(lists)
}

const SURNAMES: &[&str] = &[
    "Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Cho", "Yun", "Jang", "Han", "Smith", "Garcia",
    "Ivanov", "Petrov", "Mohammed", "Hassan", "Wang", "Li", "Nguyen", "Muller", "Rossi",
    "Kowalski", "Silva", "Dubois", "Tanaka", "Haddad", "Novak", "Horvat", "Jensen", "Larsen",
];
const GIVEN: &[&str] = &[
    "Min", "Jun", "Chol", "Song", "Hwa", "Yong", "Il", "Su", "Nam", "Hyok", "Anna", "Maria",
    "Ivan", "Sergei", "Ahmed", "Omar", "Wei", "Jian", "Lan", "Paolo", "Luca", "Jan", "Piotr",
    "Lucas", "Emma", "Hiro", "Yuki", "Karim", "Sara", "Olga", "Dmitri", "Fatima", "Chen",
];
const ORG_WORDS: &[&str] = &[
    "Trading", "General", "Ocean", "Star", "Golden", "Mining", "Shipping", "Energy", "United",
    "Pacific", "Northern", "Silk", "Dragon", "Eagle", "Phoenix", "Global", "Metal", "Textile",
];

/// `n` distinct names built from the pools plus a serial syllable, so that
/// token statistics look like a real list's: common surnames and given
/// names, rare combinations.
fn generated_lists(n: usize) -> Lists {
    let syllables = [
        "ra", "ko", "mi", "ta", "sen", "lo", "vik", "dar", "nu", "pel",
    ];
    let serial = |mut i: usize| {
        let mut s = String::new();
        for _ in 0..4 {
            s.push_str(syllables[i % syllables.len()]);
            i /= syllables.len();
        }
        s
    };
    let entries = (0..n)
        .map(|i| {
            if i % 5 == 4 {
                let name = format!(
                    "{} {} {} Company",
                    ORG_WORDS[i % ORG_WORDS.len()],
                    ORG_WORDS[(i / 7) % ORG_WORDS.len()],
                    serial(i)
                );
                ListEntry::new("generated", &i.to_string(), EntryKind::Organization, &name)
            } else {
                let name = format!(
                    "{}, {} {}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN[(i / 3) % GIVEN.len()],
                    serial(i / 2)
                );
                ListEntry::new("generated", &i.to_string(), EntryKind::Person, &name)
            }
        })
        .collect();
    let mut lists = Lists::new();
    lists.insert("generated".into(), live("generated", entries));
    lists
}

/// A fixed query mix: about 170 list names as written (every 97th on the
/// real lists), the same names with one letter dropped, Korean respellings,
/// and names that match nothing.
fn queries(lists: &Lists) -> Vec<Subject> {
    let mut names: Vec<(String, SubjectKind)> = Vec::new();
    let total: usize = lists.values().map(|l| l.entries.len()).sum();
    let step = (total / 170).max(97);
    for list in lists.values() {
        for entry in list.entries.iter().step_by(step) {
            let kind = if entry.kind == EntryKind::Person {
                SubjectKind::Person
            } else {
                SubjectKind::Organization
            };
            names.push((entry.name.clone(), kind));
            let mut typo = entry.name.clone();
            if typo.len() > 6 {
                typo.remove(typo.len() / 2);
            }
            names.push((typo, kind));
        }
    }
    for name in [
        "Jeong Seong-hwa",
        "Kim Jongun",
        "김정은",
        "Ri Chol-ho",
        "Pak Yong-sik",
        "Kim Min-jun",
        "Lee Seo-yeon",
        "Jane Doe",
        "John Smith",
        "Maria Garcia",
        "Sergey Lavrov",
        "Chinyong Information Technology Cooperation Company",
        "Acme Widgets Ltd",
    ] {
        names.push((name.to_string(), SubjectKind::Person));
    }
    names
        .into_iter()
        .map(|(name, kind)| Subject {
            kind,
            names: vec![name],
            date_of_birth: None,
            nationalities: Vec::new(),
            identifiers: Vec::new(),
            crypto_addresses: Vec::new(),
        })
        .collect()
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Builds the index, then times the query mix twice: names alone, and
/// with a birth date and a nationality (which widen the band of name
/// scores each query must look at: see `floors` in `src/screening/screen.rs`).
fn profile(label: &str, lists: &Lists) -> (NameIndex, Vec<Subject>) {
    let before = resident_bytes();
    let started = Instant::now();
    let index = NameIndex::build(lists);
    let build = started.elapsed();
    let added = resident_bytes().saturating_sub(before);
    println!(
        "{label}: {} names indexed in {:.2} s, index adds {} MB resident",
        index.name_count(),
        build.as_secs_f64(),
        added / 1_000_000,
    );
    let subjects = queries(lists);
    time_mix("names alone", &index, &subjects);
    let confirmed: Vec<Subject> = subjects
        .iter()
        .map(|s| Subject {
            date_of_birth: Some(SubjectDate {
                year: 1970,
                month: Some(1),
                day: Some(1),
            }),
            nationalities: vec!["KP".into()],
            ..s.clone()
        })
        .collect();
    time_mix("with birth date and nationality", &index, &confirmed);
    (index, subjects)
}

/// Times each query of the mix (three passes, the first as warm-up) and
/// prints one summary line and the slowest queries.
fn time_mix(label: &str, index: &NameIndex, subjects: &[Subject]) {
    let thresholds = Thresholds::default();
    let mut times = Vec::with_capacity(subjects.len() * 2);
    let mut slowest: Vec<(Duration, &str, usize)> = Vec::new();
    let mut hits = 0;
    for pass in 0..3 {
        for subject in subjects {
            let t = Instant::now();
            let found = screen(index, subject, None, thresholds);
            let elapsed = t.elapsed();
            if pass > 0 {
                times.push(elapsed);
                slowest.push((elapsed, &subject.names[0], found.len()));
                hits += usize::from(!found.is_empty());
            }
        }
    }
    // HIREVET_BENCH_REPEAT=N runs the mix N more times untimed, so that a
    // profiler attached to the bench sees mostly queries.
    let repeat: usize = std::env::var("HIREVET_BENCH_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for _ in 0..repeat {
        for subject in subjects {
            black_box(screen(index, subject, None, thresholds));
        }
    }
    // HIREVET_BENCH_NAMES="name;name" times those names alone: warm (mean
    // of 200 runs in a row) and cold (median of 50 runs, each after reading
    // 64 MB of other memory, as a query in a mix finds the caches).
    if let Ok(names) = std::env::var("HIREVET_BENCH_NAMES") {
        let mut other = vec![1u8; 64 << 20];
        for name in names.split(';').filter(|n| !n.is_empty()) {
            // As the mix asks it (an organization's name as one), else as a
            // person's.
            let subject = subjects
                .iter()
                .find(|s| s.names[0] == name)
                .cloned()
                .unwrap_or_else(|| Subject {
                    kind: SubjectKind::Person,
                    names: vec![name.to_string()],
                    ..subjects[0].clone()
                });
            let t = Instant::now();
            let mut found = 0;
            for _ in 0..200 {
                found = black_box(screen(index, &subject, None, thresholds)).len();
            }
            let warm = t.elapsed() / 200;
            let mut cold: Vec<Duration> = (0..50)
                .map(|i| {
                    other
                        .iter_mut()
                        .step_by(64)
                        .for_each(|b| *b = b.wrapping_add(i));
                    black_box(&other);
                    let t = Instant::now();
                    black_box(screen(index, &subject, None, thresholds));
                    t.elapsed()
                })
                .collect();
            cold.sort();
            println!(
                "    {name}: warm {} µs, cold {} µs, {found} hits",
                warm.as_micros(),
                cold[25].as_micros()
            );
        }
    }
    times.sort();
    println!(
        "  {label}: {} queries ({} with hits): p50 {} µs, p99 {} µs, max {} µs",
        subjects.len(),
        hits / 2,
        percentile(&times, 0.5).as_micros(),
        percentile(&times, 0.99).as_micros(),
        times.last().map_or(0, |d| d.as_micros()),
    );
    // Which queries make the tail, to know what to work on next.
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut shown = std::collections::HashSet::new();
    let tail: Vec<String> = slowest
        .iter()
        .filter(|(_, name, _)| shown.insert(*name))
        .take(10)
        .map(|(d, name, hits)| format!("{name} ({} µs, {hits} hits)", d.as_micros()))
        .collect();
    println!("    slowest: {}", tail.join(", "));
}

fn bench(c: &mut Criterion) {
    if let Some(lists) = real_lists() {
        let (index, subjects) = profile("real lists (OFAC 2024 + 2025 aliases + UN 2026)", &lists);
        let mut group = c.benchmark_group("real_lists");
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(10));
        group.bench_function("index_build", |b| {
            b.iter(|| black_box(NameIndex::build(&lists)))
        });
        group
            .sample_size(50)
            .measurement_time(Duration::from_secs(5));
        for (label, subject) in [
            ("query_korean_respelling", "Jeong Seong-hwa"),
            ("query_no_match", "Jane Doe"),
            (
                "query_organization",
                "Chinyong Information Technology Cooperation Company",
            ),
        ] {
            let subject = subjects
                .iter()
                .find(|s| s.names[0] == subject)
                .cloned()
                .unwrap_or_else(|| subjects[0].clone());
            group.bench_function(label, |b| {
                b.iter(|| black_box(screen(&index, &subject, None, Thresholds::default())))
            });
        }
        group.finish();
        drop(index);
    }
    // HIREVET_BENCH_REAL_ONLY=1 leaves the generated list out, to profile
    // the real lists' queries alone.
    if std::env::var_os("HIREVET_BENCH_REAL_ONLY").is_none() {
        let generated = generated_lists(1_000_000);
        profile("generated list (1,000,000 names)", &generated);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
