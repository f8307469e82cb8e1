//! FollowTheMoney JSON-lines parser (OpenSanctions' `entities.ftm.json`):
//! one entity per line. Targets (Person, Organization, Company, LegalEntity,
//! Vessel, Airplane) become entries; the satellite entities that describe
//! them (Sanction, Identification, Passport, Address, CryptoWallet) are
//! merged into the entity they point at; everything else is counted and
//! skipped.
//!
//! Satellites may come before or after their target, so the file is read in
//! two passes over the parsed lines: collect, then merge.

use super::entry::{
    clean, normalize_country, push_unique, utf8_text, Address, AliasQuality, BirthDate,
    CryptoAddress, EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError,
    NameParts, ParseReport, PartialDate,
};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub const LIST_OPENSANCTIONS: &str = "opensanctions";

const FORMAT: &str = "FollowTheMoney JSON lines";

/// One line as OpenSanctions writes it. Unknown fields are ignored so new
/// export fields do not break the parser.
#[derive(Debug, Deserialize)]
struct Line {
    id: String,
    schema: String,
    #[serde(default)]
    properties: HashMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    target: bool,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
}

impl Line {
    /// String values of a property; nested entities (exports with inlined
    /// references) contribute their id.
    fn values(&self, prop: &str) -> Vec<String> {
        self.properties
            .get(prop)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| match v {
                        serde_json::Value::String(s) => clean(s),
                        serde_json::Value::Object(o) => {
                            o.get("id").and_then(|i| i.as_str()).and_then(clean)
                        }
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn first(&self, prop: &str) -> Option<String> {
        self.values(prop).into_iter().next()
    }

    fn has_sanction_topic(&self) -> bool {
        self.values("topics").iter().any(|t| t == "sanction")
    }
}

fn kind_of(schema: &str) -> Option<EntryKind> {
    match schema {
        "Person" => Some(EntryKind::Person),
        // LegalEntity is FtM's "the source did not say"; OFAC's parser treats
        // an unstated type as an organisation too.
        "Organization" | "Company" | "LegalEntity" | "PublicBody" => Some(EntryKind::Organization),
        "Vessel" => Some(EntryKind::Vessel),
        "Airplane" => Some(EntryKind::Aircraft),
        _ => None,
    }
}

/// Parses FtM JSON lines into a report for list `list` (usually
/// [`LIST_OPENSANCTIONS`]). `file` names the input in errors.
pub fn parse_ftm_json(
    list: &str,
    file: &str,
    bytes: &[u8],
) -> Result<ParseReport, ListFormatError> {
    let text = utf8_text(file, bytes)?;
    let first = text.trim_start().as_bytes().first().copied();
    if first != Some(b'{') {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected: FORMAT,
            detail: "the first line is not a JSON object".into(),
        });
    }

    let mut report = ParseReport::new(list);
    let mut lines: Vec<Line> = Vec::new();
    // A missing final newline may mean a cut download: a last line that
    // fails to parse is then reported as truncation, not as a bad record.
    let cut_short = !text.ends_with('\n');
    let raw: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for (i, l) in raw.iter().enumerate() {
        report.rows_read += 1;
        match serde_json::from_str::<Line>(l) {
            Ok(line) => lines.push(line),
            Err(err) => {
                report.rows_rejected += 1;
                if cut_short && i + 1 == raw.len() {
                    report.warn(format!(
                        "{file}: the last line is incomplete (truncated download?): {err}"
                    ));
                } else {
                    report.warn(format!("{file}: line {}: {err}", i + 1));
                }
            }
        }
    }
    if lines.is_empty() {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected: FORMAT,
            detail: format!("no valid entity among {} lines", report.rows_read),
        });
    }
    report.source_version = lines.iter().filter_map(|l| l.last_seen.clone()).max();

    // Pass 1: targets become entries; addresses are kept for lookup.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut address_entities: HashMap<&str, Address> = HashMap::new();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut non_targets = 0usize;
    for line in &lines {
        if let Some(kind) = kind_of(&line.schema) {
            if !(line.target || line.has_sanction_topic()) {
                non_targets += 1;
                continue;
            }
            if index.contains_key(&line.id) {
                report.rows_rejected += 1;
                report.warn(format!("{file}: duplicate entity id {} ignored", line.id));
                continue;
            }
            match build(list, kind, line) {
                Some(e) => {
                    index.insert(line.id.clone(), report.entries.len());
                    report.entries.push(e);
                }
                None => {
                    report.rows_rejected += 1;
                    report.warn(format!(
                        "{file}: {}: entity without a name ignored",
                        line.id
                    ));
                }
            }
        } else if line.schema == "Address" {
            let a = address_from(line);
            if !a.is_empty() {
                address_entities.insert(line.id.as_str(), a);
            }
        }
    }

    // Pass 2: satellites join their target; address references resolve.
    for line in &lines {
        if kind_of(&line.schema).is_some() {
            if let Some(&i) = index.get(&line.id) {
                for id in line.values("addressEntity") {
                    if let Some(a) = address_entities.get(id.as_str()) {
                        push_unique(&mut report.entries[i].addresses, a.clone());
                    }
                }
            }
            continue;
        }
        let (link, merge): (&str, fn(&mut ListEntry, &Line)) = match line.schema.as_str() {
            "Sanction" => ("entity", merge_sanction),
            "Identification" | "Passport" => ("holder", merge_identification),
            "CryptoWallet" => ("holder", merge_wallet),
            // Resolved from the entity's side above.
            "Address" => continue,
            other => {
                *skipped.entry(other).or_default() += 1;
                continue;
            }
        };
        let targets: Vec<usize> = line
            .values(link)
            .iter()
            .filter_map(|id| index.get(id).copied())
            .collect();
        if targets.is_empty() {
            // A satellite of a non-target, or of an entity not in this file.
            report.orphan_rows += 1;
            continue;
        }
        for i in targets {
            merge(&mut report.entries[i], line);
        }
    }
    if non_targets > 0 {
        report.warn(format!(
            "{file}: {non_targets} non-target entities (relatives, owners, associates) skipped"
        ));
    }
    for (schema, n) in skipped {
        report.warn(format!("{file}: {n} {schema} entities skipped"));
    }
    Ok(report)
}

fn build(list: &str, kind: EntryKind, line: &Line) -> Option<ListEntry> {
    let names = line.values("name");
    // OpenSanctions' caption is its chosen display name; prefer it when it is
    // one of the names.
    let name = line
        .caption
        .as_deref()
        .and_then(clean)
        .filter(|c| names.contains(c))
        .or_else(|| names.first().cloned())?;
    let mut e = ListEntry::new(list, &line.id, kind, &name);
    for n in names
        .iter()
        .chain(&line.values("alias"))
        .chain(&line.values("previousName"))
    {
        e.push_alias(n, AliasQuality::Strong);
    }
    for n in line.values("weakAlias") {
        e.push_alias(&n, AliasQuality::Weak);
    }
    if kind == EntryKind::Person {
        e.name_parts = NameParts {
            title: line.first("title"),
            first: line.first("firstName"),
            second: line
                .first("middleName")
                .or_else(|| line.first("secondName")),
            third: line.first("fatherName"),
            last: line.first("lastName"),
            ..NameParts::default()
        };
    }
    for d in line.values("birthDate") {
        if let Some(p) = PartialDate::parse_iso(d.get(..10).unwrap_or(&d)) {
            push_unique(&mut e.birth_dates, BirthDate::exact(p));
        }
    }
    e.places_of_birth = line.values("birthPlace");
    for c in line.values("nationality") {
        if let Some(c) = ftm_country(&c) {
            push_unique(&mut e.nationalities, c);
        }
    }
    for c in line.values("citizenship") {
        if let Some(c) = ftm_country(&c) {
            push_unique(&mut e.citizenships, c);
        }
    }
    for g in line.values("gender") {
        if let Some(g) = Gender::parse(&g) {
            push_unique(&mut e.genders, g);
        }
    }
    let ids: [(&str, IdentifierKind); 11] = [
        ("passportNumber", IdentifierKind::Passport),
        ("idNumber", IdentifierKind::NationalId),
        ("taxNumber", IdentifierKind::TaxId),
        ("innCode", IdentifierKind::TaxId),
        ("registrationNumber", IdentifierKind::Registration),
        ("ogrnCode", IdentifierKind::Registration),
        ("imoNumber", IdentifierKind::Other("IMO".into())),
        ("mmsi", IdentifierKind::Other("MMSI".into())),
        ("callSign", IdentifierKind::Other("Call Sign".into())),
        ("swiftBic", IdentifierKind::Other("SWIFT/BIC".into())),
        ("leiCode", IdentifierKind::Other("LEI".into())),
    ];
    for (prop, kind) in ids {
        for v in line.values(prop) {
            push_unique(
                &mut e.identifiers,
                Identifier {
                    kind: kind.clone(),
                    value: v,
                    country: None,
                    note: None,
                },
            );
        }
    }
    e.emails = line.values("email");
    e.phones = line.values("phone");
    e.websites = line.values("website");
    for full in line.values("address") {
        push_unique(
            &mut e.addresses,
            Address {
                lines: vec![full],
                ..Address::default()
            },
        );
    }
    // FtM's `country` (and `jurisdiction`) say where the entity is tied to;
    // like OFAC's country-only addresses it is kept as one.
    for c in line
        .values("country")
        .iter()
        .chain(&line.values("jurisdiction"))
    {
        let Some(c) = ftm_country(c) else {
            continue;
        };
        if !e.addresses.iter().any(|a| a.country.as_deref() == Some(&c)) {
            e.addresses.push(Address {
                country: Some(c),
                ..Address::default()
            });
        }
    }
    for p in line.values("program") {
        push_unique(&mut e.programs, p);
    }
    let mut remarks = line.values("notes");
    remarks.extend(
        line.values("position")
            .into_iter()
            .map(|p| format!("Position: {p}")),
    );
    e.remarks = remarks.join("; ");
    Some(e)
}

/// FtM writes lower-case ISO codes plus a few of its own (`suhh` for the
/// USSR, `csxx`…); two letters are upper-cased, the rest mapped or kept.
fn ftm_country(c: &str) -> Option<String> {
    let c = c.trim();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
        Some(c.to_ascii_uppercase())
    } else {
        normalize_country(c)
    }
}

fn address_from(line: &Line) -> Address {
    let mut lines = line.values("street");
    lines.extend(line.values("street2"));
    lines.extend(
        line.values("poBox")
            .into_iter()
            .map(|p| format!("PO Box {p}")),
    );
    if lines.is_empty() {
        lines = line.values("full");
    }
    Address {
        lines,
        city: line.first("city"),
        region: line.first("region").or_else(|| line.first("state")),
        postal_code: line.first("postalCode"),
        country: line.first("country").and_then(|c| ftm_country(&c)),
        note: line.first("remarks"),
    }
}

fn merge_sanction(e: &mut ListEntry, s: &Line) {
    for p in s.values("program").into_iter().chain(s.values("programId")) {
        push_unique(&mut e.programs, p);
    }
    let date = s
        .values("listingDate")
        .into_iter()
        .chain(s.values("startDate"))
        .filter_map(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
        .min();
    if let Some(d) = date {
        e.listed_on = Some(e.listed_on.map_or(d, |old| old.min(d)));
    }
    if let Some(r) = s.first("reason") {
        if !e.remarks.contains(&r) {
            if !e.remarks.is_empty() {
                e.remarks.push_str("; ");
            }
            e.remarks.push_str(&r);
        }
    }
}

fn merge_identification(e: &mut ListEntry, d: &Line) {
    let Some(number) = d.first("number").or_else(|| d.first("passportNumber")) else {
        return;
    };
    let kind = if d.schema == "Passport" {
        IdentifierKind::Passport
    } else {
        match d.first("type").map(|t| t.to_lowercase()) {
            Some(t) if t.contains("passport") => IdentifierKind::Passport,
            Some(t) if t.contains("tax") => IdentifierKind::TaxId,
            Some(t) if t.contains("registration") => IdentifierKind::Registration,
            Some(t) if t.contains("national") || t.contains("identity") => {
                IdentifierKind::NationalId
            }
            Some(t) => IdentifierKind::Other(t),
            None => IdentifierKind::NationalId,
        }
    };
    let note: Vec<String> = [
        d.first("startDate").map(|s| format!("issued {s}")),
        d.first("endDate").map(|s| format!("expires {s}")),
        d.first("authority").map(|s| format!("issued by {s}")),
        d.first("summary"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let id = Identifier {
        kind,
        value: number,
        country: d.first("country").and_then(|c| ftm_country(&c)),
        note: (!note.is_empty()).then(|| note.join("; ")),
    };
    // The same number is often also a bare `passportNumber` on the holder:
    // the richer form replaces it.
    if let Some(bare) = e
        .identifiers
        .iter_mut()
        .find(|i| i.value == id.value && i.kind == id.kind && i.country.is_none())
    {
        *bare = id;
    } else {
        push_unique(&mut e.identifiers, id);
    }
}

fn merge_wallet(e: &mut ListEntry, w: &Line) {
    let Some(address) = w.first("publicKey") else {
        return;
    };
    let currency = w
        .first("currency")
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    push_unique(&mut e.crypto_addresses, CryptoAddress { currency, address });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture() -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lists/ftm/entities.ftm.json");
        std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
    }

    fn fixture_report() -> ParseReport {
        parse_ftm_json(LIST_OPENSANCTIONS, "entities.ftm.json", &fixture()).expect("fixture parses")
    }

    #[test]
    fn fixture_targets_become_entries_and_the_rest_is_counted() {
        let r = fixture_report();
        let ids: Vec<&str> = r.entries.iter().map(|e| e.entry_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "NK-kim-sang-man",
                "NK-chinyong",
                "NK-chon-ma-san",
                "NK-pak-hwa-song"
            ]
        );
        assert_eq!(r.list, LIST_OPENSANCTIONS);
        assert_eq!(r.rows_read, 14);
        assert_eq!(r.rows_rejected, 1, "{:?}", r.warnings);
        assert_eq!(r.orphan_rows, 1, "the wallet of a holder not in the file");
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("1 Ownership entities skipped")));
        assert!(r.warnings.iter().any(|w| w.contains("1 non-target")));
        assert!(r.find("NK-relative").is_none());
        assert_eq!(r.source_version.as_deref(), Some("2026-03-01T06:10:02"));
    }

    #[test]
    fn fixture_person_with_merged_satellites() {
        let r = fixture_report();
        let e = r.find("NK-kim-sang-man").expect("kim");
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.name, "KIM Sang Man");
        assert_eq!(e.name_parts.last.as_deref(), Some("KIM"));
        let q = |n: &str| e.aliases.iter().find(|a| a.name == n).map(|a| a.quality);
        assert_eq!(q("KIM Sangman"), Some(AliasQuality::Strong));
        assert_eq!(q("김상만"), Some(AliasQuality::Strong));
        assert_eq!(q("Sang Man"), Some(AliasQuality::Weak));
        assert_eq!(
            e.birth_dates,
            [
                BirthDate::exact(PartialDate::ymd(1965, 4, 25).expect("d")),
                BirthDate::exact(PartialDate::year(1966)),
            ]
        );
        assert_eq!(e.nationalities, ["KP"]);
        assert_eq!(e.genders, [Gender::Male]);
        assert_eq!(e.programs, ["DPRK4", "EO 13722"]);
        assert_eq!(e.listed_on, NaiveDate::from_ymd_opt(2023, 5, 23));
        let passports: Vec<&Identifier> = e
            .identifiers
            .iter()
            .filter(|i| i.kind == IdentifierKind::Passport)
            .collect();
        assert_eq!(passports.len(), 2, "{passports:?}");
        let p = passports
            .iter()
            .find(|i| i.value == "109420132")
            .expect("passport");
        assert_eq!(p.country.as_deref(), Some("KP"));
        assert_eq!(
            p.note.as_deref(),
            Some("issued 2019-10-16; expires 2024-10-16")
        );
        assert_eq!(
            e.crypto_addresses,
            [
                CryptoAddress {
                    currency: "XBT".into(),
                    address: "1FCNgfZWpYMeYhy9t18AAkTBu8AsdoAc1Z".into()
                },
                CryptoAddress {
                    currency: "ETH".into(),
                    address: "0x97b1043abd9e6fc31681635166d430a458d14f9c".into()
                }
            ]
        );
        assert!(e.addresses.iter().any(
            |a| a.city.as_deref() == Some("Vladivostok") && a.country.as_deref() == Some("RU")
        ));
        assert_eq!(e.emails, ["kimsm@example.ru"]);
        assert!(e.remarks.contains("IT worker"), "{}", e.remarks);
    }

    #[test]
    fn fixture_organisation_vessel_and_sanction_topic() {
        let r = fixture_report();
        let c = r.find("NK-chinyong").expect("chinyong");
        assert_eq!(c.kind, EntryKind::Organization);
        assert!(c
            .aliases
            .iter()
            .any(|a| a.name == "JINYONG IT COOPERATION COMPANY"));
        assert!(c
            .addresses
            .iter()
            .any(|a| a.country.as_deref() == Some("KP") && a.lines.is_empty()));
        let v = r.find("NK-chon-ma-san").expect("vessel");
        assert_eq!(v.kind, EntryKind::Vessel);
        assert!(v
            .identifiers
            .iter()
            .any(|i| i.value == "8660313" && i.kind == IdentifierKind::Other("IMO".into())));
        // Not flagged as a target, but its sanction topic makes it one.
        let p = r.find("NK-pak-hwa-song").expect("pak");
        assert_eq!(
            p.birth_dates,
            [BirthDate::exact(
                PartialDate::year_month(1980, 7).expect("d")
            )]
        );
    }

    #[test]
    fn list_id_is_the_callers() {
        let line = br#"{"id":"x1","schema":"Company","properties":{"name":["ACME"]},"target":true}
"#;
        let r = parse_ftm_json("custom_list", "x", line).expect("parses");
        assert_eq!(r.entries[0].list, "custom_list");
        assert_eq!(r.entries[0].kind, EntryKind::Organization);
    }

    #[test]
    fn broken_inputs_are_clear_errors_never_panics() {
        assert_eq!(
            parse_ftm_json(LIST_OPENSANCTIONS, "x", b"\n\n"),
            Err(ListFormatError::Empty { file: "x".into() })
        );
        assert!(matches!(
            parse_ftm_json(LIST_OPENSANCTIONS, "x", b"<html>502</html>"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_ftm_json(LIST_OPENSANCTIONS, "x", b"{\"id\": 5}\n{garbage\n"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_ftm_json(LIST_OPENSANCTIONS, "x", b"{\"id\":\"\xff\"}"),
            Err(ListFormatError::Encoding { .. })
        ));
        let full = fixture();
        let cut = &full[..full.len() - 40];
        let r = parse_ftm_json(LIST_OPENSANCTIONS, "x", cut).expect("report");
        assert!(
            r.warnings.iter().any(|w| w.contains("truncated")),
            "{:?}",
            r.warnings
        );
        for n in 0..full.len() {
            let _ = parse_ftm_json(LIST_OPENSANCTIONS, "x", &full[..n]);
        }
    }
}
