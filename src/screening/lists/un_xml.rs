//! UN Security Council consolidated list parser (the `CONSOLIDATED_LIST` XML
//! of sc-sanctions.xsd): INDIVIDUALS and ENTITIES with their aliases,
//! original-script names, birth dates, documents, nationalities and
//! addresses.
//!
//! A streaming quick-xml reader rather than serde: the schema has drifted over
//! the years (empty elements, repeated groups, fields added), and a
//! path-driven reader skips what it does not know instead of failing on it.

use super::entry::{
    clean, normalize_country, push_unique, utf8_text, xml_error, xml_finish, Address, AliasQuality,
    BirthDate, EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError,
    NameParts, ParseReport, PartialDate,
};
use super::ofac_csv::parse_text_date;
use chrono::NaiveDate;
use quick_xml::events::Event;
use quick_xml::Reader;

pub const LIST_UN: &str = "un_sc";

const FORMAT: &str = "UN consolidated XML";

/// Depths in the element stack: CONSOLIDATED_LIST / INDIVIDUALS / INDIVIDUAL /
/// field / sub-field.
const RECORD_DEPTH: usize = 3;

/// Parses the UN consolidated XML. `file` names the input in errors.
pub fn parse_un_xml(file: &str, bytes: &[u8]) -> Result<ParseReport, ListFormatError> {
    let bytes = utf8_text(file, bytes)?.as_bytes();

    let mut report = ParseReport::new(LIST_UN);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut record: Option<Record> = None;
    let mut group: Vec<(String, String)> = Vec::new();
    let mut saw_root = false;

    loop {
        let event = reader.read_event_into(&mut buf);
        let event = match event {
            Ok(ev) => ev,
            Err(err) => {
                let pos = reader.buffer_position();
                return Err(xml_error(
                    file,
                    FORMAT,
                    saw_root,
                    pos,
                    report.entries.len(),
                    err,
                ));
            }
        };
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if stack.is_empty() {
                    report.source_version = e
                        .try_get_attribute("dateGenerated")
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                }
                open(&name, &stack, &mut record, &mut group, &mut saw_root, file)?;
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                open(&name, &stack, &mut record, &mut group, &mut saw_root, file)?;
                text.clear();
                close(&name, &stack, &mut record, &mut group, "", &mut report);
            }
            Event::Text(t) => match t.unescape() {
                Ok(s) => text.push_str(&s),
                Err(err) => report.warn(format!(
                    "bad entity in text near byte {}: {err}",
                    reader.buffer_position()
                )),
            },
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    break;
                };
                close(&name, &stack, &mut record, &mut group, &text, &mut report);
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }

    xml_finish(
        file,
        FORMAT,
        "CONSOLIDATED_LIST",
        saw_root,
        &stack,
        report.entries.len(),
    )?;
    Ok(report)
}

fn open(
    name: &str,
    stack: &[String],
    record: &mut Option<Record>,
    group: &mut Vec<(String, String)>,
    saw_root: &mut bool,
    file: &str,
) -> Result<(), ListFormatError> {
    match stack.len() {
        0 => {
            if name != "CONSOLIDATED_LIST" {
                return Err(ListFormatError::NotExpectedFormat {
                    file: file.to_owned(),
                    expected: FORMAT,
                    detail: format!("root element is <{name}>, not <CONSOLIDATED_LIST>"),
                });
            }
            *saw_root = true;
        }
        2 => {
            let kind = match name {
                "INDIVIDUAL" => Some(EntryKind::Person),
                "ENTITY" => Some(EntryKind::Organization),
                _ => None,
            };
            *record = kind.map(Record::new);
        }
        RECORD_DEPTH => group.clear(),
        _ => {}
    }
    Ok(())
}

/// Handles the end of `name`; `stack` no longer contains it.
fn close(
    name: &str,
    stack: &[String],
    record: &mut Option<Record>,
    group: &mut Vec<(String, String)>,
    text: &str,
    report: &mut ParseReport,
) {
    match stack.len() {
        2 => {
            if let Some(rec) = record.take() {
                report.rows_read += 1;
                match rec.finish() {
                    Ok(entry) => report.entries.push(entry),
                    Err(why) => {
                        report.rows_rejected += 1;
                        report.warn(why);
                    }
                }
            }
        }
        RECORD_DEPTH => {
            if let Some(rec) = record.as_mut() {
                if group.is_empty() {
                    rec.field(name, text);
                } else {
                    rec.group(name, group);
                }
                group.clear();
            }
        }
        4 => {
            if let Some(v) = clean(text) {
                group.push((name.to_owned(), v));
            }
        }
        _ => {}
    }
}

/// Fields of one INDIVIDUAL or ENTITY as they arrive.
struct Record {
    kind: EntryKind,
    reference: Option<String>,
    dataid: Option<String>,
    parts: NameParts,
    entry: ListEntry,
    designations: Vec<String>,
}

impl Record {
    fn new(kind: EntryKind) -> Self {
        Self {
            kind,
            reference: None,
            dataid: None,
            parts: NameParts::default(),
            entry: ListEntry::new(LIST_UN, "", kind, ""),
            designations: Vec::new(),
        }
    }

    /// A field with text directly inside (no children).
    fn field(&mut self, name: &str, text: &str) {
        let Some(v) = clean(text) else {
            return;
        };
        let e = &mut self.entry;
        match name {
            "DATAID" => self.dataid = Some(v),
            "REFERENCE_NUMBER" => self.reference = Some(v),
            "FIRST_NAME" => self.parts.first = Some(v),
            "SECOND_NAME" => self.parts.second = Some(v),
            "THIRD_NAME" => self.parts.third = Some(v),
            "FOURTH_NAME" => self.parts.fourth = Some(v),
            "UN_LIST_TYPE" => push_unique(&mut e.programs, v),
            "LISTED_ON" => e.listed_on = parse_listed_on(&v),
            "COMMENTS1" => e.remarks = v,
            "NAME_ORIGINAL_SCRIPT" => push_unique(&mut e.original_script_names, v),
            "GENDER" => {
                if let Some(g) = Gender::parse(&v) {
                    push_unique(&mut e.genders, g);
                }
            }
            _ => {}
        }
    }

    /// A field whose children were collected as (tag, text) pairs.
    fn group(&mut self, name: &str, kv: &[(String, String)]) {
        let get = |k: &str| kv.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str());
        let values = || kv.iter().filter(|(t, _)| t == "VALUE").map(|(_, v)| v);
        let e = &mut self.entry;
        match name {
            "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => {
                if let Some(alias) = get("ALIAS_NAME") {
                    let q = match get("QUALITY") {
                        Some(q) if q.eq_ignore_ascii_case("low") => AliasQuality::Weak,
                        _ => AliasQuality::Strong,
                    };
                    e.push_alias(alias, q);
                }
            }
            "NATIONALITY" => {
                for v in values() {
                    if let Some(c) = normalize_country(v) {
                        push_unique(&mut e.nationalities, c);
                    }
                }
            }
            "TITLE" => {
                let t: Vec<&str> = values().map(String::as_str).collect();
                if !t.is_empty() {
                    self.parts.title = Some(t.join("; "));
                }
            }
            "DESIGNATION" => self.designations.extend(values().cloned()),
            "INDIVIDUAL_DATE_OF_BIRTH" => {
                if let Some(d) = un_birth_date(&get) {
                    push_unique(&mut e.birth_dates, d);
                }
            }
            "INDIVIDUAL_PLACE_OF_BIRTH" => {
                let place: Vec<&str> = ["STREET", "CITY", "STATE_PROVINCE", "COUNTRY"]
                    .iter()
                    .filter_map(|k| get(k))
                    .collect();
                if !place.is_empty() {
                    push_unique(&mut e.places_of_birth, place.join(", "));
                }
            }
            "INDIVIDUAL_DOCUMENT" => {
                let Some(number) = get("NUMBER") else {
                    return;
                };
                let doc_type = get("TYPE_OF_DOCUMENT").unwrap_or("");
                let kind = document_kind(doc_type, get("TYPE_OF_DOCUMENT2"));
                let country = get("ISSUING_COUNTRY")
                    .or_else(|| get("COUNTRY_OF_ISSUE"))
                    .and_then(normalize_country);
                let note: Vec<String> = [
                    get("DATE_OF_ISSUE").map(|d| format!("issued {d}")),
                    get("CITY_OF_ISSUE").map(|c| format!("in {c}")),
                    get("NOTE").map(str::to_owned),
                ]
                .into_iter()
                .flatten()
                .collect();
                push_unique(
                    &mut e.identifiers,
                    Identifier {
                        kind,
                        value: number.to_owned(),
                        country,
                        note: (!note.is_empty()).then(|| note.join("; ")),
                    },
                );
            }
            "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => {
                let address = Address {
                    lines: get("STREET").map(str::to_owned).into_iter().collect(),
                    city: get("CITY").map(str::to_owned),
                    region: get("STATE_PROVINCE").map(str::to_owned),
                    postal_code: get("ZIP_CODE").map(str::to_owned),
                    country: get("COUNTRY").and_then(normalize_country),
                    note: get("NOTE").map(str::to_owned),
                };
                if !address.is_empty() {
                    push_unique(&mut e.addresses, address);
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Result<ListEntry, String> {
        let Some(reference) = self.reference.take() else {
            return Err(format!(
                "record without REFERENCE_NUMBER ignored (DATAID {})",
                self.dataid.as_deref().unwrap_or("?")
            ));
        };
        let names: Vec<&str> = [
            &self.parts.first,
            &self.parts.second,
            &self.parts.third,
            &self.parts.fourth,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
        if names.is_empty() {
            return Err(format!("{reference}: record without a name ignored"));
        }
        let mut e = self.entry;
        e.entry_id = reference;
        e.name = names.join(" ");
        e.kind = self.kind;
        // An alias equal to the assembled name adds nothing.
        let primary = e.name.clone();
        e.aliases.retain(|a| a.name != primary);
        if self.kind == EntryKind::Person {
            e.name_parts = self.parts;
            // GENDER is often missing while the comments say "Gender: male".
            if e.genders.is_empty() {
                if let Some(g) = gender_from_comments(&e.remarks) {
                    e.genders.push(g);
                }
            }
        } else {
            e.name_parts = NameParts::default();
        }
        if !self.designations.is_empty() {
            let d = self.designations.join("; ");
            e.remarks = if e.remarks.is_empty() {
                format!("Designation: {d}")
            } else {
                format!("{} Designation: {d}", e.remarks)
            };
        }
        Ok(e)
    }
}

fn parse_listed_on(v: &str) -> Option<NaiveDate> {
    // Usually "2017-12-22", sometimes with a time part.
    NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()
}

fn gender_from_comments(comments: &str) -> Option<Gender> {
    let lower = comments.to_ascii_lowercase();
    let rest = &lower[lower.find("gender:")? + "gender:".len()..];
    let word = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())?;
    Gender::parse(word)
}

fn document_kind(doc_type: &str, doc_type2: Option<&str>) -> IdentifierKind {
    let t = clean(&format!("{doc_type} {}", doc_type2.unwrap_or("")))
        .unwrap_or_default()
        .to_lowercase();
    if t.contains("passport") || t.contains("pasaporte") || t.contains("passeport") {
        IdentifierKind::Passport
    } else if t.contains("national identification")
        || t.contains("identity card")
        || t.contains("national id")
    {
        IdentifierKind::NationalId
    } else if t.contains("tax") {
        IdentifierKind::TaxId
    } else if t.contains("registration") {
        IdentifierKind::Registration
    } else {
        IdentifierKind::Other(clean(doc_type).unwrap_or_else(|| "document".into()))
    }
}

/// EXACT with DATE or YEAR, APPROXIMATELY with YEAR (circa), BETWEEN with
/// FROM_YEAR/TO_YEAR; a NOTE alone ("Nov. 1973") is tried as a date too.
fn un_birth_date<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<BirthDate> {
    let kind = get("TYPE_OF_DATE").unwrap_or("EXACT").to_ascii_uppercase();
    let note = get("NOTE").unwrap_or("");
    let approx = kind == "APPROXIMATELY" || note.to_ascii_lowercase().contains("approx");
    let year = |k: &str| get(k).and_then(|y| y.trim().parse::<i32>().ok());
    if let (Some(from), Some(to)) = (year("FROM_YEAR"), year("TO_YEAR")) {
        return Some(BirthDate {
            from: PartialDate::year(from),
            to: Some(PartialDate::year(to)),
            circa: approx,
        });
    }
    let date = get("DATE")
        .and_then(|d| PartialDate::parse_iso(d.get(..10).unwrap_or(d)))
        .or_else(|| year("YEAR").map(PartialDate::year))
        .or_else(|| parse_text_date(note))?;
    Some(BirthDate {
        from: date,
        to: None,
        circa: approx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn fixture() -> Vec<u8> {
        let p =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists/un/consolidated.xml");
        std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
    }

    fn fixture_report() -> ParseReport {
        parse_un_xml("consolidated.xml", &fixture()).expect("fixture parses")
    }

    #[test]
    fn fixture_individuals_and_entities_by_reference_number() {
        let r = fixture_report();
        let ids: Vec<&str> = r.entries.iter().map(|e| e.entry_id.as_str()).collect();
        assert_eq!(ids, ["KPi.066", "KPi.900", "QDi.268", "KPe.001"]);
        assert_eq!(r.rows_read, 5);
        assert_eq!(r.rows_rejected, 1, "the record without a reference");
        assert!(r.warnings.iter().any(|w| w.contains("REFERENCE_NUMBER")));
    }

    #[test]
    fn fixture_person_fields() {
        let r = fixture_report();
        let e = r.find("KPi.066").expect("KPi.066");
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.name, "KIM JONG SIK");
        assert_eq!(e.name_parts.first.as_deref(), Some("KIM"));
        assert_eq!(e.name_parts.second.as_deref(), Some("JONG SIK"));
        assert_eq!(e.programs, ["DPRK"]);
        assert_eq!(e.listed_on, NaiveDate::from_ymd_opt(2017, 12, 22));
        assert_eq!(e.nationalities, ["KP"]);
        assert_eq!(e.genders, [Gender::Male], "taken from the comments");
        assert_eq!(e.original_script_names, ["김정식"]);
        assert_eq!(
            e.aliases,
            [
                super::super::entry::Alias {
                    name: "Kim Cho’ng-sik".into(),
                    quality: AliasQuality::Strong
                },
                super::super::entry::Alias {
                    name: "Kim Chong Sik".into(),
                    quality: AliasQuality::Weak
                }
            ]
        );
        assert_eq!(
            e.birth_dates,
            [
                BirthDate {
                    from: PartialDate::year(1967),
                    to: Some(PartialDate::year(1969)),
                    circa: false
                },
                BirthDate {
                    from: PartialDate::year(1966),
                    to: None,
                    circa: true
                },
                BirthDate::exact(PartialDate::ymd(1968, 3, 1).expect("date")),
                BirthDate::exact(PartialDate::year_month(1973, 11).expect("date")),
            ]
        );
        assert_eq!(
            e.places_of_birth,
            ["Pyongyang, Democratic People's Republic of Korea"]
        );
        assert_eq!(
            e.identifiers,
            [Identifier {
                kind: IdentifierKind::Passport,
                value: "836420186".into(),
                country: Some("KP".into()),
                note: Some("issued 2016-10-28; Expires 28 October 2021".into()),
            }]
        );
        assert_eq!(e.addresses[0].country.as_deref(), Some("LY"));
        assert!(e.remarks.starts_with("Gender: male"));
        assert!(e.remarks.contains("Designation: Deputy Director"));
    }

    #[test]
    fn fixture_entity_and_escapes() {
        let r = fixture_report();
        let e = r.find("KPe.001").expect("KPe.001");
        assert_eq!(e.kind, EntryKind::Organization);
        assert_eq!(e.name, "KOREA MINING & DEVELOPMENT TRADING CORPORATION");
        assert!(e.name_parts.is_empty());
        assert!(e.aliases.iter().any(|a| a.name == "KOMID"));
        assert_eq!(e.addresses[0].city.as_deref(), Some("Pyongyang"));
        assert_eq!(e.addresses[0].lines, ["Central District"]);
        let q = r.find("QDi.268").expect("QDi.268");
        assert_eq!(q.original_script_names, ["阿不都·哈克"]);
        assert_eq!(q.nationalities, ["CN"]);
    }

    #[test]
    fn broken_inputs_are_clear_errors() {
        let full = fixture();
        assert_eq!(
            parse_un_xml("x.xml", b"  \n"),
            Err(ListFormatError::Empty {
                file: "x.xml".into()
            })
        );
        assert!(matches!(
            parse_un_xml("x.xml", b"<html><body>Service Unavailable</body></html>"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_un_xml("x.xml", b"\xff\xfe<\x00"),
            Err(ListFormatError::Encoding { .. })
        ));
        let cut = &full[..full.len() / 2];
        let Err(ListFormatError::Truncated { detail, .. }) = parse_un_xml("x.xml", cut) else {
            panic!("a half file must be reported as truncated");
        };
        assert!(detail.contains("entries"), "{detail}");
        let ends_early = &full[..full.len() - "</CONSOLIDATED_LIST>\n".len()];
        let Err(ListFormatError::Truncated { detail, .. }) = parse_un_xml("x.xml", ends_early)
        else {
            panic!("a file without its closing tag must be reported as truncated");
        };
        assert!(
            detail.contains("ends inside <CONSOLIDATED_LIST>"),
            "{detail}"
        );
        // Every prefix errors or parses, never panics.
        for n in (0..full.len()).step_by(7) {
            let _ = parse_un_xml("x.xml", &full[..n]);
        }
    }

    // ---- real files -------------------------------------------------------

    fn shared(rel: &str) -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/sanctions")
            .join(rel);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("skipping: {} is not present", p.display());
            None
        }
    }

    fn load(rel: &str) -> Option<ParseReport> {
        let p = shared(rel)?;
        let bytes = std::fs::read(&p).expect("readable");
        Some(parse_un_xml(rel, &bytes).expect("real file parses"))
    }

    #[test]
    fn real_un_2026_02_27() {
        let Some(r) = load("un_consolidated_2026-02-27/consolidated.xml") else {
            return;
        };
        let count = |k: EntryKind| r.entries.iter().filter(|e| e.kind == k).count();
        assert_eq!(count(EntryKind::Person), 730);
        assert_eq!(count(EntryKind::Organization), 273);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
        assert_eq!(
            r.source_version.as_deref(),
            Some("2026-02-27T00:00:09.554Z")
        );
        let dprk: Vec<&ListEntry> = r
            .entries
            .iter()
            .filter(|e| e.programs.iter().any(|p| p == "DPRK"))
            .collect();
        assert_eq!(dprk.len(), 155);

        let kim = r.find("KPi.066").expect("KPi.066");
        assert_eq!(kim.name, "KIM JONG SIK");
        assert_eq!(kim.nationalities, ["KP"]);
        assert_eq!(kim.birth_dates[0].year_span(), (1967, 1969));
        assert!(kim.aliases.iter().any(|a| a.name == "Kim Cho’ng-sik"));
        assert_eq!(kim.listed_on, NaiveDate::from_ymd_opt(2017, 12, 22));

        // No KP entry in this file carries NAME_ORIGINAL_SCRIPT (checked
        // against the XML); original scripts elsewhere must survive.
        assert!(dprk.iter().all(|e| e.original_script_names.is_empty()));
        let with_script = r
            .entries
            .iter()
            .filter(|e| !e.original_script_names.is_empty())
            .count();
        assert!(with_script >= 370, "{with_script}");
        let saddam = r
            .entries
            .iter()
            .find(|e| {
                e.original_script_names
                    .iter()
                    .any(|n| n == "صدام حسين التكريتي")
            })
            .expect("Arabic original script kept");
        assert!(saddam.entry_id.starts_with("IQi."), "{}", saddam.entry_id);

        let weak = r
            .entries
            .iter()
            .flat_map(|e| &e.aliases)
            .filter(|a| a.quality == AliasQuality::Weak)
            .count();
        assert!(weak >= 600, "{weak}");
        let kp_passports = dprk
            .iter()
            .flat_map(|e| &e.identifiers)
            .filter(|i| i.kind == IdentifierKind::Passport)
            .count();
        // 48 distinct passport numbers on KP individuals (one listed twice
        // with different details).
        assert!(kp_passports >= 48, "{kp_passports}");
    }

    #[test]
    fn real_un_2018_10_29() {
        let Some(r) = load("un_consolidated_2018-10-29/consolidated.xml") else {
            return;
        };
        let count = |k: EntryKind| r.entries.iter().filter(|e| e.kind == k).count();
        assert_eq!(count(EntryKind::Person), 703);
        assert_eq!(count(EntryKind::Organization), 390);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
        let q = r.find("QDi.268").expect("QDi.268");
        assert!(q.original_script_names.iter().any(|n| n == "阿不都·哈克"));
    }

    /// `cargo test --release -- --ignored --nocapture un_parse_speed`
    #[test]
    #[ignore]
    fn un_parse_speed() {
        let Some(p) = shared("un_consolidated_2026-02-27/consolidated.xml") else {
            return;
        };
        let bytes = std::fs::read(&p).expect("readable");
        let runs = 10;
        let start = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..runs {
            n = parse_un_xml("un", &bytes)
                .map(|r| r.entries.len())
                .unwrap_or(0);
        }
        let secs = start.elapsed().as_secs_f64() / f64::from(runs);
        eprintln!(
            "UN XML: {n} entries in {:.1} ms = {:.0} entries/s ({:.1} MB/s)",
            secs * 1000.0,
            n as f64 / secs,
            bytes.len() as f64 / secs / 1e6
        );
    }
}
