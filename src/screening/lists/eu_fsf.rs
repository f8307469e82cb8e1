//! EU Financial Sanctions Files parser, format "FSF 1.1" (the
//! `xmlFullSanctionsList_1_1` export): `export` / `sanctionEntity` with its
//! regulations, subject type, name aliases, citizenships, birth dates,
//! identification documents, addresses and remarks (`eu_fsf`).
//!
//! FSF keeps almost everything in attributes, so the streaming reader works
//! on element names and attribute sets rather than text. Names are matched on
//! their local part: the export declares a default namespace
//! (`http://eu.europa.ec/fpi/fsd/export`) and some mirrors re-serialise it
//! with a prefix.

use super::entry::{
    clean, normalize_country, push_unique, utf8_text, xml_error, xml_finish, Address, AliasQuality,
    BirthDate, EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError,
    NameParts, ParseReport, PartialDate,
};
use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

pub const LIST_EU: &str = "eu_fsf";

const FORMAT: &str = "EU FSF 1.1 XML";

/// Depths in the element stack: export / sanctionEntity / field / sub-field.
const ENTITY_DEPTH: usize = 1;
const FIELD_DEPTH: usize = 2;

type Attrs = Vec<(String, String)>;

/// Parses an FSF 1.1 XML export. `file` names the input in errors.
pub fn parse_eu_fsf_xml(file: &str, bytes: &[u8]) -> Result<ParseReport, ListFormatError> {
    let bytes = utf8_text(file, bytes)?.as_bytes();

    let mut report = ParseReport::new(LIST_EU);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut state = State::default();

    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(err) => {
                let pos = reader.buffer_position();
                return Err(xml_error(
                    file,
                    FORMAT,
                    state.saw_root,
                    pos,
                    report.entries.len(),
                    err,
                ));
            }
        };
        match event {
            Event::Start(e) => {
                let name = local_name(&e);
                let a = attrs(&e, &mut report);
                if stack.is_empty() {
                    report.source_version = get(&a, "generationDate").map(str::to_owned);
                }
                state.open(&name, stack.len(), &a, file)?;
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = local_name(&e);
                state.open(&name, stack.len(), &attrs(&e, &mut report), file)?;
                state.close(&name, stack.len(), "", &mut report);
                text.clear();
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
                state.close(&name, stack.len(), &text, &mut report);
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
        "export",
        state.saw_root,
        &stack,
        report.entries.len(),
    )?;
    Ok(report)
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// Attributes by local name with entities resolved; a malformed attribute is
/// skipped with a warning rather than losing the whole element.
fn attrs(e: &BytesStart<'_>, report: &mut ParseReport) -> Attrs {
    let mut out = Vec::new();
    for a in e.attributes() {
        match a {
            Ok(a) => {
                let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                match a.unescape_value() {
                    Ok(v) => out.push((key, v.into_owned())),
                    Err(err) => report.warn(format!("bad attribute {key}: {err}")),
                }
            }
            Err(err) => report.warn(format!("malformed attribute: {err}")),
        }
    }
    out
}

fn get<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// One field element (depth 2) with its attributes and what its children
/// added: remarks and, for addresses, contact details.
struct Field {
    name: String,
    attrs: Attrs,
    remarks: Vec<String>,
    contacts: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    saw_root: bool,
    record: Option<Record>,
    field: Option<Field>,
}

impl State {
    fn open(
        &mut self,
        name: &str,
        depth: usize,
        attrs: &Attrs,
        file: &str,
    ) -> Result<(), ListFormatError> {
        match depth {
            0 => {
                if name != "export" {
                    return Err(ListFormatError::NotExpectedFormat {
                        file: file.to_owned(),
                        expected: FORMAT,
                        detail: format!("root element is <{name}>, not <export>"),
                    });
                }
                self.saw_root = true;
            }
            ENTITY_DEPTH if name == "sanctionEntity" => {
                self.record = Some(Record::new(attrs));
            }
            FIELD_DEPTH if self.record.is_some() => {
                self.field = Some(Field {
                    name: name.to_owned(),
                    attrs: attrs.clone(),
                    remarks: Vec::new(),
                    contacts: Vec::new(),
                });
            }
            3 => {
                // Newer exports write contact details as child elements.
                if let (Some(f), "contactInfo") = (self.field.as_mut(), name) {
                    if let (Some(k), Some(v)) = (get(attrs, "key"), get(attrs, "value")) {
                        f.contacts.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Handles the end of `name` found at `depth`.
    fn close(&mut self, name: &str, depth: usize, text: &str, report: &mut ParseReport) {
        match depth {
            ENTITY_DEPTH => {
                if let Some(rec) = self.record.take() {
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
            FIELD_DEPTH => {
                if let (Some(rec), Some(mut f)) = (self.record.as_mut(), self.field.take()) {
                    if let Some(t) = clean(text) {
                        f.remarks.push(t);
                    }
                    rec.field(&f);
                }
            }
            3 if name == "remark" => {
                if let (Some(f), Some(t)) = (self.field.as_mut(), clean(text)) {
                    f.remarks.push(t);
                }
            }
            _ => {}
        }
    }
}

/// A name as FSF gives it, before the primary one is chosen.
struct Name {
    whole: String,
    parts: NameParts,
    strong: bool,
    language: Option<String>,
}

/// One `sanctionEntity` as its fields arrive.
struct Record {
    logical_id: Option<String>,
    kind: EntryKind,
    names: Vec<Name>,
    notes: Vec<String>,
    remarks: Vec<String>,
    designation_date: Option<NaiveDate>,
    regulation_dates: Vec<NaiveDate>,
    entry: ListEntry,
}

impl Record {
    fn new(attrs: &Attrs) -> Self {
        let mut notes = Vec::new();
        if let Some(r) = get(attrs, "euReferenceNumber") {
            notes.push(format!("EU reference: {r}"));
        }
        if let Some(r) = get(attrs, "unitedNationId") {
            notes.push(format!("UN id: {r}"));
        }
        if let Some(r) = get(attrs, "designationDetails") {
            notes.push(format!("Designation details: {r}"));
        }
        Self {
            logical_id: get(attrs, "logicalId").map(str::to_owned),
            kind: EntryKind::Other,
            names: Vec::new(),
            notes,
            remarks: Vec::new(),
            designation_date: get(attrs, "designationDate").and_then(parse_date),
            regulation_dates: Vec::new(),
            entry: ListEntry::new(LIST_EU, "", EntryKind::Other, ""),
        }
    }

    fn field(&mut self, f: &Field) {
        let a = &f.attrs;
        let e = &mut self.entry;
        match f.name.as_str() {
            "remark" => self.remarks.extend(f.remarks.iter().cloned()),
            "regulation" => {
                if let Some(p) = get(a, "programme") {
                    push_unique(&mut e.programs, p.to_owned());
                }
                if let Some(d) = get(a, "publicationDate").and_then(parse_date) {
                    self.regulation_dates.push(d);
                }
            }
            "subjectType" => {
                let code = get(a, "code").or_else(|| get(a, "classificationCode"));
                self.kind = match code.map(str::to_ascii_lowercase).as_deref() {
                    Some("person" | "p") => EntryKind::Person,
                    Some("enterprise" | "entity" | "e") => EntryKind::Organization,
                    Some("vessel") => EntryKind::Vessel,
                    _ => EntryKind::Other,
                };
            }
            "nameAlias" => self.name_alias(a),
            "citizenship" => {
                if let Some(c) = country(a) {
                    push_unique(&mut e.nationalities, c);
                }
            }
            "birthdate" => {
                if let Some(d) = birth_date(a) {
                    push_unique(&mut e.birth_dates, d);
                }
                let place: Vec<&str> = ["city", "region", "place"]
                    .iter()
                    .filter_map(|k| get(a, k))
                    .chain(
                        get(a, "countryDescription").filter(|c| !c.eq_ignore_ascii_case("unknown")),
                    )
                    .collect();
                if !place.is_empty() {
                    push_unique(&mut e.places_of_birth, place.join(", "));
                }
            }
            "identification" => {
                for id in identifiers(a, &f.remarks) {
                    push_unique(&mut e.identifiers, id);
                }
            }
            "address" => {
                let lines: Vec<String> = [
                    get(a, "street").map(str::to_owned),
                    get(a, "poBox").map(|p| format!("PO Box {p}")),
                    get(a, "place").map(str::to_owned),
                ]
                .into_iter()
                .flatten()
                .collect();
                let mut note: Vec<String> = f.remarks.clone();
                if let Some(c) = get(a, "contactInfo") {
                    note.push(c.to_owned());
                }
                let address = Address {
                    lines,
                    city: get(a, "city").map(str::to_owned),
                    region: get(a, "region").map(str::to_owned),
                    postal_code: get(a, "zipCode").map(str::to_owned),
                    country: country(a),
                    note: (!note.is_empty()).then(|| note.join("; ")),
                };
                if !address.is_empty() {
                    push_unique(&mut e.addresses, address);
                }
                for (k, v) in &f.contacts {
                    let target = match k.to_ascii_uppercase().as_str() {
                        "EMAIL" => &mut e.emails,
                        "PHONE" | "FAX" | "TEL" => &mut e.phones,
                        "WEB" | "WEBSITE" | "URL" => &mut e.websites,
                        _ => continue,
                    };
                    push_unique(target, v.clone());
                }
            }
            _ => {}
        }
    }

    fn name_alias(&mut self, a: &Attrs) {
        let parts = NameParts {
            title: get(a, "title").map(str::to_owned),
            first: get(a, "firstName").map(str::to_owned),
            second: get(a, "middleName").map(str::to_owned),
            last: get(a, "lastName").map(str::to_owned),
            ..NameParts::default()
        };
        let whole = get(a, "wholeName").and_then(clean).or_else(|| {
            let joined: Vec<&str> = [&parts.first, &parts.second, &parts.last]
                .into_iter()
                .filter_map(|p| p.as_deref())
                .collect();
            clean(&joined.join(" "))
        });
        if let Some(g) = get(a, "gender").and_then(Gender::parse) {
            push_unique(&mut self.entry.genders, g);
        }
        if let Some(f) = get(a, "function") {
            push_unique(&mut self.notes, format!("Function: {f}"));
        }
        let Some(whole) = whole else {
            return;
        };
        self.names.push(Name {
            whole,
            parts,
            // FSF marks names it does not vouch for with strong="false";
            // absent means strong.
            strong: !get(a, "strong").is_some_and(|s| s.eq_ignore_ascii_case("false")),
            language: get(a, "nameLanguage").map(str::to_ascii_uppercase),
        });
    }

    fn finish(self) -> Result<ListEntry, String> {
        let Some(id) = self.logical_id else {
            return Err("sanctionEntity without logicalId ignored".into());
        };
        // FSF has no primary flag. The first strong name in the regulation's
        // own language (no nameLanguage, or EN) is what the annex lists first.
        let latin = |n: &&Name| is_latin(&n.whole);
        let untranslated = |n: &&Name| n.language.as_deref().is_none_or(|l| l == "EN") && latin(n);
        let primary = self
            .names
            .iter()
            .find(|n| n.strong && untranslated(n))
            .or_else(|| self.names.iter().find(untranslated))
            .or_else(|| self.names.iter().find(latin))
            .or_else(|| self.names.first());
        let Some(primary) = primary else {
            return Err(format!("{id}: sanctionEntity without a name ignored"));
        };
        let mut e = self.entry;
        e.entry_id = id;
        e.kind = self.kind;
        e.name.clone_from(&primary.whole);
        if self.kind == EntryKind::Person {
            e.name_parts = primary.parts.clone();
        }
        for n in &self.names {
            if is_latin(&n.whole) {
                let q = if n.strong {
                    AliasQuality::Strong
                } else {
                    AliasQuality::Weak
                };
                e.push_alias(&n.whole, q);
            } else if n.whole != e.name {
                // Hangul, Cyrillic, Greek… go where the matcher transliterates.
                push_unique(&mut e.original_script_names, n.whole.clone());
            }
        }
        e.listed_on = self
            .designation_date
            .or_else(|| self.regulation_dates.iter().min().copied());
        let mut remarks = self.remarks;
        remarks.extend(self.notes);
        e.remarks = remarks.join("; ");
        Ok(e)
    }
}

/// True when every letter is in a Latin block (ASCII up to Latin Extended
/// Additional); digits and punctuation do not count either way.
fn is_latin(s: &str) -> bool {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| (c as u32) < 0x0250 || (0x1E00..0x1F00).contains(&(c as u32)))
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The ISO code, or the description when the code is FSF's "00" (unknown).
fn country(a: &Attrs) -> Option<String> {
    match get(a, "countryIso2Code") {
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        _ => get(a, "countryDescription")
            .filter(|d| !d.eq_ignore_ascii_case("unknown"))
            .and_then(normalize_country),
    }
}

/// A full `birthdate`, else year/month/day parts, else a year range; circa
/// applies to whichever is given.
fn birth_date(a: &Attrs) -> Option<BirthDate> {
    let circa = get(a, "circa").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let num = |keys: &[&str]| -> Option<i64> {
        keys.iter()
            .find_map(|k| get(a, k))
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
    };
    let year = num(&["year"]).and_then(|y| i32::try_from(y).ok());
    let month = num(&["monthOfYear", "month"]).and_then(|m| u32::try_from(m).ok());
    let day = num(&["dayOfMonth", "day"]).and_then(|d| u32::try_from(d).ok());
    let from = get(a, "birthdate")
        .and_then(|d| PartialDate::parse_iso(d.get(..10).unwrap_or(d)))
        .or_else(|| match (year, month, day) {
            (Some(y), Some(m), Some(d)) => PartialDate::ymd(y, m, d),
            (Some(y), Some(m), None) => PartialDate::year_month(y, m),
            (Some(y), _, _) => Some(PartialDate::year(y)),
            _ => None,
        });
    if let Some(from) = from {
        return Some(BirthDate {
            from,
            to: None,
            circa,
        });
    }
    let from = num(&["yearRangeFrom"]).and_then(|y| i32::try_from(y).ok());
    let to = num(&["yearRangeTo"]).and_then(|y| i32::try_from(y).ok());
    match (from, to) {
        (Some(f), Some(t)) => Some(BirthDate {
            from: PartialDate::year(f.min(t)),
            to: Some(PartialDate::year(f.max(t))),
            circa,
        }),
        (Some(y), None) | (None, Some(y)) => Some(BirthDate {
            from: PartialDate::year(y),
            to: None,
            circa,
        }),
        (None, None) => None,
    }
}

/// The document, plus its Latin transcription when FSF gives a different
/// one: a candidate's papers may carry either.
fn identifiers(a: &Attrs, remarks: &[String]) -> Vec<Identifier> {
    let Some(number) = get(a, "number").and_then(clean) else {
        return Vec::new();
    };
    let code = get(a, "identificationTypeCode")
        .unwrap_or("")
        .to_ascii_lowercase();
    let description = get(a, "identificationTypeDescription");
    let kind = match code.as_str() {
        "passport" => IdentifierKind::Passport,
        "id" | "ssn" | "nationalid" => IdentifierKind::NationalId,
        "fiscalcode" | "tax" | "taxid" => IdentifierKind::TaxId,
        "regnumber" | "registration" => IdentifierKind::Registration,
        _ => IdentifierKind::Other(
            description
                .map(str::to_owned)
                .or_else(|| clean(&code))
                .unwrap_or_else(|| "document".into()),
        ),
    };
    let mut note: Vec<String> = Vec::new();
    if let Some(d) = get(a, "issueDate") {
        note.push(format!("issued {d}"));
    }
    if let Some(b) = get(a, "issuedBy") {
        note.push(format!("issued by {b}"));
    }
    if let Some(n) = get(a, "nameOnDocument") {
        note.push(format!("name on document: {n}"));
    }
    for (flag, label) in [
        ("diplomatic", "diplomatic"),
        ("knownExpired", "known expired"),
        ("knownFalse", "known false"),
        ("reportedLost", "reported lost"),
        ("revokedByIssuer", "revoked by issuer"),
    ] {
        if get(a, flag).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            note.push(label.to_owned());
        }
    }
    note.extend(remarks.iter().cloned());
    let country = country(a);
    let note = (!note.is_empty()).then(|| note.join("; "));
    let mut out = vec![Identifier {
        kind: kind.clone(),
        value: number.clone(),
        country: country.clone(),
        note: note.clone(),
    }];
    if let Some(latin) = get(a, "latinNumber").and_then(clean) {
        if latin != number {
            out.push(Identifier {
                kind,
                value: latin,
                country,
                note,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture() -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lists/eu/xmlFullSanctionsList_1_1.xml");
        std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
    }

    fn fixture_report() -> ParseReport {
        parse_eu_fsf_xml("eu.xml", &fixture()).expect("fixture parses")
    }

    #[test]
    fn fixture_entities_by_logical_id_and_the_nameless_one_rejected() {
        let r = fixture_report();
        let ids: Vec<&str> = r.entries.iter().map(|e| e.entry_id.as_str()).collect();
        assert_eq!(ids, ["13370", "13371", "13372", "13380"]);
        assert_eq!(r.rows_read, 5);
        assert_eq!(r.rows_rejected, 1);
        assert!(
            r.warnings.iter().any(|w| w.contains("13399")),
            "{:?}",
            r.warnings
        );
        assert_eq!(
            r.source_version.as_deref(),
            Some("2026-03-02T17:05:11.123+01:00")
        );
        assert!(r.entries.iter().all(|e| e.list == LIST_EU));
    }

    #[test]
    fn fixture_person_names_dates_and_documents() {
        let r = fixture_report();
        let e = r.find("13370").expect("13370");
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.name, "Kim Tong Chol");
        assert_eq!(e.name_parts.first.as_deref(), Some("Tong Chol"));
        assert_eq!(e.name_parts.last.as_deref(), Some("Kim"));
        assert_eq!(e.programs, ["PRK"]);
        assert_eq!(e.listed_on, NaiveDate::from_ymd_opt(2017, 12, 22));
        assert_eq!(e.nationalities, ["KP"]);
        assert_eq!(e.genders, [Gender::Male]);
        assert_eq!(e.original_script_names, ["김동철"]);
        assert!(e
            .aliases
            .iter()
            .any(|a| a.name == "Kim Tong-ch’o’l" && a.quality == AliasQuality::Strong));
        assert!(e
            .aliases
            .iter()
            .any(|a| a.name == "Tong Chol" && a.quality == AliasQuality::Weak));
        assert_eq!(
            e.birth_dates,
            [BirthDate::exact(PartialDate::ymd(1966, 1, 28).expect("d"))]
        );
        assert_eq!(e.places_of_birth, ["Pyongyang, NORTH KOREA"]);
        let p: Vec<&Identifier> = e
            .identifiers
            .iter()
            .filter(|i| i.kind == IdentifierKind::Passport)
            .collect();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].value, "927234267");
        assert_eq!(p[1].value, "108120258");
        assert_eq!(p[1].country.as_deref(), Some("KP"));
        assert!(p[1]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("expires 14.2.2023")));
        assert_eq!(e.addresses[0].country.as_deref(), Some("RU"));
        assert_eq!(e.addresses[0].city.as_deref(), Some("Vladivostok"));
        assert!(e.remarks.contains("Foreign Trade Bank"), "{}", e.remarks);
        assert!(e.remarks.contains("UN id: KPi.068"), "{}", e.remarks);
    }

    #[test]
    fn fixture_partial_ranges_and_circa_dates() {
        let r = fixture_report();
        let e = r.find("13371").expect("13371");
        assert_eq!(
            e.birth_dates,
            [
                BirthDate {
                    from: PartialDate::year(1967),
                    to: Some(PartialDate::year(1969)),
                    circa: false
                },
                BirthDate {
                    from: PartialDate::year_month(1964, 6).expect("d"),
                    to: None,
                    circa: true
                }
            ]
        );
        assert_eq!(
            e.nationalities,
            ["KP"],
            "description used when the code is 00"
        );
        assert!(e
            .identifiers
            .iter()
            .any(|i| i.kind == IdentifierKind::NationalId && i.value == "745310111"));
    }

    #[test]
    fn fixture_enterprise_with_prefixed_namespace_contacts_and_translations() {
        let r = fixture_report();
        let e = r.find("13372").expect("13372");
        assert_eq!(e.kind, EntryKind::Organization);
        assert_eq!(e.name, "Korea Mining Development Trading Corporation");
        assert!(e.name_parts.is_empty());
        assert!(e.aliases.iter().any(|a| a.name == "KOMID"));
        assert_eq!(
            e.original_script_names,
            ["Корейска корпорация за минно развитие и търговия"]
        );
        assert_eq!(e.addresses[0].lines, ["Central District"]);
        assert_eq!(e.phones, ["+850 2 18111"]);
        assert!(e
            .identifiers
            .iter()
            .any(|i| i.kind == IdentifierKind::Registration && i.value == "KP-0042"));
        let v = r.find("13380").expect("13380");
        assert_eq!(v.name, "CHON MA SAN");
        assert_eq!(v.listed_on, NaiveDate::from_ymd_opt(2018, 4, 16));
    }

    #[test]
    fn broken_inputs_are_clear_errors_never_panics() {
        assert_eq!(
            parse_eu_fsf_xml("x.xml", b" \n\t"),
            Err(ListFormatError::Empty {
                file: "x.xml".into()
            })
        );
        assert!(matches!(
            parse_eu_fsf_xml("x.xml", b"<html><body>403</body></html>"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_eu_fsf_xml("x.xml", b"not xml at all"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_eu_fsf_xml("x.xml", b"<export>\xff</export>"),
            Err(ListFormatError::Encoding { .. })
        ));
        let full = fixture();
        let Err(ListFormatError::Truncated { detail, .. }) =
            parse_eu_fsf_xml("x.xml", &full[..full.len() / 2])
        else {
            panic!("a half file must be reported as truncated");
        };
        assert!(detail.contains("entries"), "{detail}");
        for n in (0..full.len()).step_by(5) {
            let _ = parse_eu_fsf_xml("x.xml", &full[..n]);
        }
    }
}
