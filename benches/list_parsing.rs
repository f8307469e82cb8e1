//! Parse speed of the sanctions-list parsers, in entries per second.
//!
//! `CARGO_TARGET_DIR=/tmp/bench-target cargo bench --bench list_parsing`
//!
//! - OFAC legacy CSV and UN XML run on the real files in
//!   `../shared/data/sanctions` (relative to the crate); a benchmark whose
//!   files are absent prints a skip line and is left out.
//! - EU FSF XML, UK CSV and FtM JSON lines run on inputs generated in memory
//!   (no full official file of those formats is carried): the entries of the
//!   project's own fixtures repeated to about 5,000, with their ids rewritten
//!   so that every copy is a distinct entry.
//!
//! Every input is parsed once before timing and its entry count checked, so
//! the numbers measure real parsing, not an early error.

use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use hirevet::screening::lists::{
    ListFormat, LIST_EU, LIST_OPENSANCTIONS, LIST_SDN, LIST_UK, LIST_UN,
};

/// Named input files, as `ListFormat::parse` takes them.
type Files = Vec<(String, Vec<u8>)>;

/// About how many entries the generated inputs hold.
const GENERATED_ENTRIES: usize = 5_000;

/// Marks where a copy number goes in a generated template.
const COPY: &str = "\u{1}COPY\u{1}";

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The real list files under `../shared/data/sanctions`, or `None` (with a
/// skip line) when one of them is absent.
fn shared_files(bench: &str, rels: &[&str]) -> Option<Files> {
    let mut files = Vec::new();
    for rel in rels {
        let path = crate_path("../shared/data/sanctions").join(rel);
        if !path.is_file() {
            println!("skipping {bench}: {} is not present", path.display());
            return None;
        }
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let name = rel.rsplit('/').next().unwrap_or(rel).to_owned();
        files.push((name, bytes));
    }
    Some(files)
}

/// A fixture of the repository as text (they are all UTF-8).
fn fixture(rel: &str) -> String {
    let path = crate_path("tests/fixtures/lists").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Entries the parser makes of one file, checked to be distinct.
fn entry_count(format: ListFormat, list_id: &str, files: &[(String, Vec<u8>)]) -> usize {
    let report = format
        .parse(list_id, files)
        .unwrap_or_else(|e| panic!("{}: the input does not parse: {e}", format.as_str()));
    let ids: HashSet<&str> = report.entries.iter().map(|e| e.entry_id.as_str()).collect();
    assert_eq!(
        ids.len(),
        report.entries.len(),
        "{}: entry ids repeat, so copies were not rewritten",
        format.as_str()
    );
    report.entries.len()
}

/// Copies of a fixture needed for about [`GENERATED_ENTRIES`] entries.
fn copies_for(per_copy: usize) -> usize {
    assert!(per_copy > 0, "the fixture yields no entries");
    GENERATED_ENTRIES.div_ceil(per_copy)
}

/// Times `format` on `files` after checking it yields `expected` entries.
fn bench_parse(
    c: &mut Criterion,
    format: ListFormat,
    list_id: &str,
    input: &str,
    files: &[(String, Vec<u8>)],
    expected: usize,
) {
    let n = entry_count(format, list_id, files);
    assert_eq!(
        n,
        expected,
        "{}: {input} should give {expected} entries",
        format.as_str()
    );
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{}/{input}: {n} entries from {bytes} bytes",
        format.as_str()
    );

    let mut group = c.benchmark_group(format.as_str());
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(n as u64));
    group.bench_function(input, |b| {
        b.iter(|| {
            format
                .parse(black_box(list_id), black_box(files))
                .expect("parses")
        })
    });
    group.finish();
}

fn ofac_csv(c: &mut Criterion) {
    let Some(files) = shared_files(
        "ofac_csv",
        &[
            "ofac_sdn_2024-05-03/sdn.csv",
            "ofac_sdn_aux_2025-01/alt.csv",
            "ofac_sdn_aux_2025-01/add.csv",
        ],
    ) else {
        return;
    };
    bench_parse(
        c,
        ListFormat::OfacCsv,
        LIST_SDN,
        "sdn_2024-05-03+aux_2025-01",
        &files,
        14_965,
    );
}

fn un_xml(c: &mut Criterion) {
    let Some(files) = shared_files("un_xml", &["un_consolidated_2026-02-27/consolidated.xml"])
    else {
        return;
    };
    bench_parse(
        c,
        ListFormat::UnXml,
        LIST_UN,
        "consolidated_2026-02-27",
        &files,
        1_003,
    );
}

/// Adds `offset` to every numeric `logicalId` attribute (entities and their
/// fields alike), so each copy has ids of its own.
fn shift_logical_ids(xml: &str, offset: u64) -> String {
    const ATTR: &str = "logicalId=\"";
    let mut out = String::with_capacity(xml.len() + 64);
    let mut rest = xml;
    while let Some(at) = rest.find(ATTR) {
        let (before, after) = rest.split_at(at + ATTR.len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<u64>() {
            Ok(id) => out.push_str(&(id + offset).to_string()),
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The EU fixture's `sanctionEntity` elements repeated inside one `export`.
fn eu_fsf_generated() -> (Files, usize) {
    let name = "xmlFullSanctionsList_1_1.xml";
    let xml = fixture(&format!("eu/{name}"));
    let per_copy = entry_count(
        ListFormat::EuFsfXml,
        LIST_EU,
        &[(name.to_owned(), xml.clone().into_bytes())],
    );
    let root = xml.find("<export").expect("an export element");
    let body_start = root + xml[root..].find('>').expect("the export tag ends") + 1;
    let body_end = xml.rfind("</export>").expect("the export element ends");
    let (head, body, tail) = (
        &xml[..body_start],
        &xml[body_start..body_end],
        &xml[body_end..],
    );
    let copies = copies_for(per_copy);
    let mut out = String::with_capacity(body.len() * copies + head.len() + tail.len());
    out.push_str(head);
    for n in 1..=copies {
        out.push_str(&shift_logical_ids(body, n as u64 * 1_000_000));
    }
    out.push_str(tail);
    (vec![(name.to_owned(), out.into_bytes())], per_copy * copies)
}

/// The UK fixture's report line and header, then its data rows repeated with
/// "Unique ID" (the second column) made distinct per copy.
fn uk_csv_generated() -> (Files, usize) {
    let name = "UK-Sanctions-List.csv";
    let csv = fixture(&format!("uk/{name}"));
    let per_copy = entry_count(
        ListFormat::UkCsv,
        LIST_UK,
        &[(name.to_owned(), csv.clone().into_bytes())],
    );
    let mut lines = csv.lines();
    let preamble: Vec<&str> = lines.by_ref().take(2).collect();
    assert!(
        preamble[1].contains("Unique ID"),
        "the second line is the header"
    );
    let template: Vec<String> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.splitn(3, ',');
            let (updated, id, rest) = (
                cols.next().unwrap_or(""),
                cols.next().unwrap_or(""),
                cols.next().unwrap_or(""),
            );
            assert!(
                !updated.contains('"') && !id.contains('"'),
                "unquoted leading columns expected: {l}"
            );
            // A row without an id stays without one (and stays rejected).
            let id = if id.is_empty() {
                String::new()
            } else {
                format!("{id}-{COPY}")
            };
            format!("{updated},{id},{rest}\r\n")
        })
        .collect();
    let template = template.concat();
    let copies = copies_for(per_copy);
    let mut out = String::with_capacity(template.len() * copies + 2048);
    for l in preamble {
        out.push_str(l);
        out.push_str("\r\n");
    }
    for n in 1..=copies {
        out.push_str(&template.replace(COPY, &format!("{n:04}")));
    }
    (vec![(name.to_owned(), out.into_bytes())], per_copy * copies)
}

/// The FtM fixture's lines repeated, every entity id and every reference to
/// one (`entity`, `holder`, `addressEntity`, …) suffixed per copy. Ids the
/// file only refers to (an orphan's holder) are left alone.
fn ftm_json_generated() -> (Files, usize) {
    let name = "entities.ftm.json";
    let json = fixture(&format!("ftm/{name}"));
    let per_copy = entry_count(
        ListFormat::FtmJson,
        LIST_OPENSANCTIONS,
        &[(name.to_owned(), json.clone().into_bytes())],
    );
    let ids: Vec<&str> = json
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("{\"id\": \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert!(!ids.is_empty(), "no ids found in the FtM fixture");
    let mut template = json.trim_end().to_owned();
    template.push('\n');
    for id in ids {
        template = template.replace(&format!("\"{id}\""), &format!("\"{id}~{COPY}\""));
    }
    let copies = copies_for(per_copy);
    let mut out = String::with_capacity(template.len() * copies);
    for n in 1..=copies {
        out.push_str(&template.replace(COPY, &n.to_string()));
    }
    (vec![(name.to_owned(), out.into_bytes())], per_copy * copies)
}

fn eu_fsf_xml(c: &mut Criterion) {
    let (files, expected) = eu_fsf_generated();
    let input = format!("generated_{expected}");
    bench_parse(c, ListFormat::EuFsfXml, LIST_EU, &input, &files, expected);
}

fn uk_csv(c: &mut Criterion) {
    let (files, expected) = uk_csv_generated();
    let input = format!("generated_{expected}");
    bench_parse(c, ListFormat::UkCsv, LIST_UK, &input, &files, expected);
}

fn ftm_json(c: &mut Criterion) {
    let (files, expected) = ftm_json_generated();
    let input = format!("generated_{expected}");
    bench_parse(
        c,
        ListFormat::FtmJson,
        LIST_OPENSANCTIONS,
        &input,
        &files,
        expected,
    );
}

criterion_group!(benches, ofac_csv, un_xml, eu_fsf_xml, uk_csv, ftm_json);
criterion_main!(benches);
