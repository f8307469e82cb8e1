//! UK Sanctions List CSV parser, the FCDO export (`UK-Sanctions-List.csv`):
//! a report-date line, a header row, then one row per name, grouped into one
//! entry per "Unique ID" (`uk_sanctions`).
//!
//! Columns are found by header name, compared without case or spaces, because
//! the FCDO has added, renamed and reordered columns between releases; only
//! "Unique ID" and some name column are required. Multi-valued cells are
//! split on `|`, `;`, line breaks and OFSI's "(1) … (2) …" numbering.

use super::entry::{
    clean, normalize_country, push_unique, Address, AliasQuality, BirthDate, EntryKind, Gender,
    Identifier, IdentifierKind, ListEntry, ListFormatError, NameParts, ParseReport, PartialDate,
};
use chrono::NaiveDate;
use std::collections::HashMap;

pub const LIST_UK: &str = "uk_sanctions";

const FORMAT: &str = "UK Sanctions List CSV";

/// How many leading records may come before the header (the report-date
/// line, sometimes a blank line).
const HEADER_SEARCH: usize = 5;

/// The columns this parser reads. Each has its header spellings (already
/// normalised), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    UniqueId,
    GroupId,
    UnReference,
    Name6,
    Name1,
    Name2,
    Name3,
    Name4,
    Name5,
    WholeName,
    NameType,
    AliasStrength,
    Title,
    NonLatin,
    Regime,
    DesignationType,
    OtherInformation,
    StatementOfReasons,
    Address1,
    Address2,
    Address3,
    Address4,
    Address5,
    Address6,
    PostalCode,
    AddressCountry,
    Phone,
    Website,
    Email,
    DateDesignated,
    Dob,
    Nationality,
    NationalId,
    NationalIdInfo,
    Passport,
    PassportInfo,
    Position,
    Gender,
    TownOfBirth,
    CountryOfBirth,
    BusinessRegistration,
    Imo,
    Hin,
}

const COLUMNS: &[(Col, &[&str])] = &[
    (Col::UniqueId, &["uniqueid"]),
    (Col::GroupId, &["ofsigroupid", "groupid"]),
    (Col::UnReference, &["unreferencenumber"]),
    (Col::Name6, &["name6"]),
    (Col::Name1, &["name1"]),
    (Col::Name2, &["name2"]),
    (Col::Name3, &["name3"]),
    (Col::Name4, &["name4"]),
    (Col::Name5, &["name5"]),
    // The reduced ODS/CSV exports carry one whole-name column.
    (Col::WholeName, &["name"]),
    (Col::NameType, &["nametype", "aliastype"]),
    (Col::AliasStrength, &["aliasstrength", "aliasquality"]),
    (Col::Title, &["title"]),
    (Col::NonLatin, &["namenon-latinscript"]),
    (Col::Regime, &["regimename", "regime"]),
    (
        Col::DesignationType,
        &[
            "designationtype",
            "individual,entity,ship",
            "type",
            "grouptype",
        ],
    ),
    (Col::OtherInformation, &["otherinformation"]),
    (Col::StatementOfReasons, &["ukstatementofreasons"]),
    (Col::Address1, &["addressline1", "address1"]),
    (Col::Address2, &["addressline2", "address2"]),
    (Col::Address3, &["addressline3", "address3"]),
    (Col::Address4, &["addressline4", "address4"]),
    (Col::Address5, &["addressline5", "address5"]),
    (Col::Address6, &["addressline6", "address6"]),
    (Col::PostalCode, &["addresspostalcode", "post/zipcode"]),
    (Col::AddressCountry, &["addresscountry", "country"]),
    (Col::Phone, &["phonenumber"]),
    (Col::Website, &["website"]),
    (Col::Email, &["emailaddress"]),
    (Col::DateDesignated, &["datedesignated", "listedon"]),
    (Col::Dob, &["d.o.b", "dob", "dateofbirth"]),
    (Col::Nationality, &["nationality(/ies)", "nationality"]),
    (
        Col::NationalId,
        &["nationalidentifiernumber", "nationalidentificationnumber"],
    ),
    (
        Col::NationalIdInfo,
        &[
            "nationalidentifieradditionalinformation",
            "nationalidentificationdetails",
        ],
    ),
    (Col::Passport, &["passportnumber"]),
    (
        Col::PassportInfo,
        &["passportadditionalinformation", "passportdetails"],
    ),
    (Col::Position, &["position"]),
    (Col::Gender, &["gender"]),
    (Col::TownOfBirth, &["townofbirth"]),
    (Col::CountryOfBirth, &["countryofbirth"]),
    (
        Col::BusinessRegistration,
        &[
            "businessregistrationnumber(s)",
            "businessregistrationnumber",
        ],
    ),
    (Col::Imo, &["imonumber"]),
    (Col::Hin, &["hullidentificationnumber(hin)"]),
];

fn normalize_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Column positions found in the header row.
struct Header {
    index: HashMap<Col, usize>,
    width: usize,
}

impl Header {
    fn find(record: &csv::StringRecord) -> Option<Self> {
        let names: Vec<String> = record.iter().map(normalize_header).collect();
        if !names.iter().any(|n| n == "uniqueid") {
            return None;
        }
        let mut index = HashMap::new();
        for (col, spellings) in COLUMNS {
            if let Some(i) = spellings
                .iter()
                .find_map(|s| names.iter().position(|n| n == s))
            {
                index.insert(*col, i);
            }
        }
        Some(Self {
            index,
            width: record.len(),
        })
    }

    fn has_name(&self) -> bool {
        [Col::Name6, Col::Name1, Col::WholeName]
            .iter()
            .any(|c| self.index.contains_key(c))
    }
}

/// One data row, read through the header.
struct Row<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, col: Col) -> Option<String> {
        let i = *self.header.index.get(&col)?;
        clean(self.record.get(i)?)
    }

    fn many(&self, col: Col) -> Vec<String> {
        self.get(col).map(|v| split_multi(&v)).unwrap_or_default()
    }

    /// The name on this row: Name 6 (family or entity name) first, then
    /// Name 1–5, the order the FCDO's own whole-name column uses.
    fn name(&self) -> (Option<String>, NameParts) {
        let n = |c| self.get(c);
        let fourth: Vec<String> = [n(Col::Name4), n(Col::Name5)]
            .into_iter()
            .flatten()
            .collect();
        let parts = NameParts {
            title: n(Col::Title),
            first: n(Col::Name1),
            second: n(Col::Name2),
            third: n(Col::Name3),
            fourth: clean(&fourth.join(" ")),
            last: n(Col::Name6),
        };
        let joined: Vec<&str> = [
            &parts.last,
            &parts.first,
            &parts.second,
            &parts.third,
            &parts.fourth,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
        let name = clean(&joined.join(" ")).or_else(|| n(Col::WholeName));
        (name, parts)
    }
}

/// Parses the UK Sanctions List CSV. `file` names the input in errors.
pub fn parse_uk_csv(file: &str, bytes: &[u8]) -> Result<ParseReport, ListFormatError> {
    let text = decode(file, bytes)?;
    if text.trim().is_empty() {
        return Err(ListFormatError::Empty {
            file: file.to_owned(),
        });
    }
    if matches!(
        text.trim_start().as_bytes().first(),
        Some(b'<') | Some(b'{') | Some(b'[')
    ) {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected: FORMAT,
            detail: "the file looks like markup or JSON (an error page?)".into(),
        });
    }
    let mut report = ParseReport::new(LIST_UK);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();

    let mut header = None;
    for _ in 0..HEADER_SEARCH {
        let Some(Ok(rec)) = records.next() else {
            break;
        };
        if let Some(h) = Header::find(&rec) {
            header = Some(h);
            break;
        }
        // "Report Date: 11-Aug-2025" is the snapshot's own stamp.
        let first = rec.get(0).unwrap_or("").trim();
        if let Some(date) = first
            .split_once(':')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("report date"))
            .and_then(|(_, v)| clean(v))
        {
            report.source_version = Some(date);
        }
    }
    let Some(header) = header.filter(Header::has_name) else {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected: FORMAT,
            detail: "no header row with \"Unique ID\" and name columns".into(),
        });
    };

    // Without a final line break the last row may have been cut; it is kept
    // only if it still has every column.
    let cut_short = !text.ends_with('\n');
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    for rec in records {
        match rec {
            Ok(r) if r.iter().all(|f| f.trim().is_empty()) => {}
            Ok(r) => {
                report.rows_read += 1;
                rows.push(r);
            }
            Err(err) => {
                report.rows_read += 1;
                report.rows_rejected += 1;
                report.warn(format!("{file}: {err}"));
            }
        }
    }
    if cut_short && rows.last().is_some_and(|r| r.len() < header.width) {
        rows.pop();
        report.rows_rejected += 1;
        report.warn(format!(
            "{file}: the last row is incomplete and has no line break (truncated download?)"
        ));
    }

    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    for (i, record) in rows.iter().enumerate() {
        let row = Row {
            header: &header,
            record,
        };
        let Some(id) = row.get(Col::UniqueId) else {
            report.rows_rejected += 1;
            report.warn(format!("{file}: data row {} has no Unique ID", i + 1));
            continue;
        };
        let (Some(name), parts) = row.name() else {
            report.rows_rejected += 1;
            report.warn(format!("{file}: {id}: row without a name ignored"));
            continue;
        };
        let group = groups.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Group::new(&id)
        });
        group.add(&row, name, parts);
    }
    for id in order {
        if let Some(g) = groups.remove(&id) {
            let (entry, warning) = g.finish();
            if let Some(w) = warning {
                report.warn(format!("{file}: {w}"));
            }
            report.entries.push(entry);
        }
    }
    if report.entries.is_empty() && report.rows_rejected > 0 {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected: FORMAT,
            detail: format!(
                "no valid rows among {} read ({} rejected)",
                report.rows_read, report.rows_rejected
            ),
        });
    }
    Ok(report)
}

/// The rows of one Unique ID as they are merged.
struct Group {
    entry: ListEntry,
    primary: Option<(String, NameParts)>,
    names: Vec<(String, NameParts, AliasQuality)>,
    notes: Vec<String>,
}

impl Group {
    fn new(id: &str) -> Self {
        Self {
            entry: ListEntry::new(LIST_UK, id, EntryKind::Other, ""),
            primary: None,
            names: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn add(&mut self, row: &Row<'_>, name: String, parts: NameParts) {
        let name_type = row
            .get(Col::NameType)
            .unwrap_or_default()
            .to_ascii_lowercase();
        // "Primary name variation" is another spelling, so an alias. Exports
        // without a name-type column have one row per designation.
        let typed = row.header.index.contains_key(&Col::NameType);
        let primary = if typed {
            name_type.starts_with("primary") && !name_type.contains("variation")
        } else {
            self.primary.is_none()
        };
        if primary {
            if self.primary.is_none() {
                self.primary = Some((name.clone(), parts.clone()));
            }
        } else {
            let strength = row
                .get(Col::AliasStrength)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let quality = if strength.contains("weak") || strength.contains("low") {
                AliasQuality::Weak
            } else {
                AliasQuality::Strong
            };
            self.names.push((name, parts, quality));
        }

        let e = &mut self.entry;
        if let Some(t) = row.get(Col::DesignationType) {
            e.kind = match t.to_ascii_lowercase().as_str() {
                "individual" => EntryKind::Person,
                "entity" => EntryKind::Organization,
                "ship" => EntryKind::Vessel,
                _ => EntryKind::Other,
            };
        }
        for n in row.many(Col::NonLatin) {
            push_unique(&mut e.original_script_names, n);
        }
        if let Some(r) = row.get(Col::Regime) {
            push_unique(&mut e.programs, r);
        }
        if e.listed_on.is_none() {
            e.listed_on = row.get(Col::DateDesignated).and_then(|d| parse_uk_date(&d));
        }
        for d in row.many(Col::Dob) {
            if let Some(b) = parse_uk_dob(&d) {
                push_unique(&mut e.birth_dates, b);
            }
        }
        for n in row.many(Col::Nationality) {
            if let Some(c) = normalize_country(&n) {
                push_unique(&mut e.nationalities, c);
            }
        }
        if let Some(g) = row.get(Col::Gender).and_then(|g| Gender::parse(&g)) {
            push_unique(&mut e.genders, g);
        }
        let place: Vec<String> = [row.get(Col::TownOfBirth), row.get(Col::CountryOfBirth)]
            .into_iter()
            .flatten()
            .collect();
        if !place.is_empty() {
            push_unique(&mut e.places_of_birth, place.join(", "));
        }
        push_documents(
            e,
            row,
            Col::Passport,
            Col::PassportInfo,
            IdentifierKind::Passport,
        );
        push_documents(
            e,
            row,
            Col::NationalId,
            Col::NationalIdInfo,
            IdentifierKind::NationalId,
        );
        for v in row.many(Col::BusinessRegistration) {
            push_id(e, IdentifierKind::Registration, v, None);
        }
        for v in row.many(Col::Imo) {
            push_id(e, IdentifierKind::Other("IMO".into()), v, None);
        }
        for v in row.many(Col::Hin) {
            push_id(e, IdentifierKind::Other("HIN".into()), v, None);
        }
        for v in row.many(Col::Phone) {
            push_unique(&mut e.phones, v);
        }
        for v in row.many(Col::Email) {
            push_unique(&mut e.emails, v);
        }
        for v in row.many(Col::Website) {
            push_unique(&mut e.websites, v);
        }
        let lines: Vec<String> = [
            Col::Address1,
            Col::Address2,
            Col::Address3,
            Col::Address4,
            Col::Address5,
            Col::Address6,
        ]
        .iter()
        .filter_map(|c| row.get(*c))
        .collect();
        let address = Address {
            lines,
            postal_code: row.get(Col::PostalCode),
            country: row
                .get(Col::AddressCountry)
                .and_then(|c| normalize_country(&c)),
            ..Address::default()
        };
        if !address.is_empty() {
            push_unique(&mut e.addresses, address);
        }
        for (col, label) in [
            (Col::GroupId, "OFSI Group ID"),
            (Col::UnReference, "UN reference"),
            (Col::Position, "Position"),
            (Col::OtherInformation, "Other information"),
            (Col::StatementOfReasons, "Statement of reasons"),
        ] {
            if let Some(v) = row.get(col) {
                push_unique(&mut self.notes, format!("{label}: {v}"));
            }
        }
    }

    /// The entry, and a warning when no row was marked as the primary name.
    fn finish(self) -> (ListEntry, Option<String>) {
        let mut e = self.entry;
        let mut names = self.names.into_iter();
        let mut warning = None;
        let (name, parts) = match self.primary {
            Some(p) => p,
            None => {
                warning = Some(format!(
                    "{}: no primary-name row; the first name is used",
                    e.entry_id
                ));
                // `add` only creates a group with a name, so there is one.
                match names.next() {
                    Some((n, p, _)) => (n, p),
                    None => (String::new(), NameParts::default()),
                }
            }
        };
        e.name = name;
        if e.kind == EntryKind::Person {
            e.name_parts = parts;
        }
        for (n, _, q) in names {
            e.push_alias(&n, q);
        }
        e.remarks = self.notes.join("; ");
        (e, warning)
    }
}

/// Numbers and notes may be enumerated in parallel ("(1) A (2) B"); they are
/// paired when the counts agree, else one note covers a single number.
fn push_documents(e: &mut ListEntry, row: &Row<'_>, num: Col, info: Col, kind: IdentifierKind) {
    let numbers = row.many(num);
    let notes = row.many(info);
    let whole_note = row.get(info);
    for (i, n) in numbers.iter().enumerate() {
        let note = if notes.len() == numbers.len() {
            notes.get(i).cloned()
        } else if numbers.len() == 1 {
            whole_note.clone()
        } else {
            None
        };
        let country = note.as_deref().and_then(issuer_country);
        push_id(e, kind.clone(), n.clone(), note.map(|n| (n, country)));
    }
}

fn push_id(
    e: &mut ListEntry,
    kind: IdentifierKind,
    value: String,
    note: Option<(String, Option<String>)>,
) {
    let (note, country) = match note {
        Some((n, c)) => (Some(n), c),
        None => (None, None),
    };
    push_unique(
        &mut e.identifiers,
        Identifier {
            kind,
            value,
            country,
            note,
        },
    );
}

/// "Issued by DPRK", "North Korean passport", "issued in China" → the code.
fn issuer_country(note: &str) -> Option<String> {
    let lower = note.to_lowercase();
    let rest = ["issued by ", "issued in "]
        .iter()
        .find_map(|k| lower.find(k).map(|i| &lower[i + k.len()..]));
    let candidate = match rest {
        Some(r) => r.split([',', ';', '(', '.']).next().unwrap_or(r).trim(),
        None => lower.split(" passport").next().unwrap_or("").trim(),
    };
    super::entry::country_code(candidate).map(str::to_owned)
}

/// Splits `a|b`, `a; b`, lines and "(1) a (2) b".
fn split_multi(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in v.split(['|', ';', '\n']) {
        for part in split_numbered(piece) {
            if let Some(c) = clean(part) {
                out.push(c);
            }
        }
    }
    out
}

/// "(1) x (2) y" → ["x", "y"]; text without the markers comes back whole.
fn split_numbered(s: &str) -> Vec<&str> {
    let mut cuts = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'(' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 && j < b.len() && b[j] == b')' {
                cuts.push((i, j + 1));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    if cuts.is_empty() {
        return vec![s];
    }
    let mut out = Vec::new();
    let head = &s[..cuts[0].0];
    if !head.trim().is_empty() {
        out.push(head);
    }
    for (k, (_, end)) in cuts.iter().enumerate() {
        let stop = cuts.get(k + 1).map_or(s.len(), |c| c.0);
        out.push(&s[*end..stop]);
    }
    out
}

/// "dd/mm/yyyy" or "dd-mm-yyyy" (the ODS export), with "00" for an unknown
/// day or month; a bare year; "circa"/"approximately" in front; ISO dates.
fn parse_uk_dob(s: &str) -> Option<BirthDate> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (circa, t) = ["circa ", "approximately ", "approx. ", "c. "]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| t[p.len()..].trim()))
        .map_or((false, t), |rest| (true, rest));
    // A year range, "1967-1969" or "1967 to 1969".
    let range = t.split_once(" to ").or_else(|| {
        t.split_once('-')
            .filter(|(a, b)| a.trim().len() == 4 && b.trim().len() == 4)
    });
    if let Some((a, b)) = range {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<i32>(), b.trim().parse::<i32>()) {
            return Some(BirthDate {
                from: PartialDate::year(a.min(b)),
                to: Some(PartialDate::year(a.max(b))),
                circa,
            });
        }
    }
    let from = parse_uk_partial(t)?;
    Some(BirthDate {
        from,
        to: None,
        circa,
    })
}

fn parse_uk_partial(t: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = t.split(['/', '-', '.']).map(str::trim).collect();
    let num = |s: &str| s.parse::<u32>().ok();
    match parts.as_slice() {
        [y] if y.len() == 4 => Some(PartialDate::year(y.parse().ok()?)),
        [y, m, d] if y.len() == 4 => date_from(y.parse().ok()?, num(m)?, num(d)?),
        [d, m, y] if y.len() == 4 => date_from(y.parse().ok()?, num(m)?, num(d)?),
        [m, y] if y.len() == 4 => date_from(y.parse().ok()?, num(m)?, 0),
        _ => None,
    }
}

/// Zero day or month means unknown, so the date keeps only what is known.
fn date_from(year: i32, month: u32, day: u32) -> Option<PartialDate> {
    match (month, day) {
        (0, _) => Some(PartialDate::year(year)),
        (m, 0) => PartialDate::year_month(year, m),
        (m, d) => PartialDate::ymd(year, m, d),
    }
}

fn parse_uk_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

/// UTF-8 (with or without BOM) is what the FCDO publishes; a CP1252 file
/// from a spreadsheet re-save is read too.
fn decode(file: &str, bytes: &[u8]) -> Result<String, ListFormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ListFormatError::Encoding {
            file: file.to_owned(),
            detail: "NUL bytes: a binary file (an ODS or XLSX?), not CSV text".into(),
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ListFormatError::Encoding {
            file: file.to_owned(),
            detail: "neither UTF-8 nor CP1252".into(),
        });
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture() -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lists/uk/UK-Sanctions-List.csv");
        std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
    }

    fn fixture_report() -> ParseReport {
        parse_uk_csv("UK-Sanctions-List.csv", &fixture()).expect("fixture parses")
    }

    #[test]
    fn fixture_rows_group_by_unique_id() {
        let r = fixture_report();
        let ids: Vec<&str> = r.entries.iter().map(|e| e.entry_id.as_str()).collect();
        assert_eq!(ids, ["DPR0001", "DPR0002", "DPR0003", "DPR0004"]);
        assert_eq!(r.rows_read, 10);
        assert_eq!(r.rows_rejected, 1, "the row without a Unique ID");
        assert_eq!(r.source_version.as_deref(), Some("11-Aug-2025"));
        assert!(r.entries.iter().all(|e| e.list == LIST_UK));
    }

    #[test]
    fn fixture_person_names_aliases_dates_documents() {
        let r = fixture_report();
        let e = r.find("DPR0001").expect("DPR0001");
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.name, "KIM Jong Sik");
        assert_eq!(e.name_parts.last.as_deref(), Some("KIM"));
        assert_eq!(e.name_parts.first.as_deref(), Some("Jong"));
        assert_eq!(e.name_parts.second.as_deref(), Some("Sik"));
        let alias = |n: &str| e.aliases.iter().find(|a| a.name == n).map(|a| a.quality);
        assert_eq!(alias("KIM Cho'ng-sik"), Some(AliasQuality::Strong));
        assert_eq!(alias("KIM Chong Sik"), Some(AliasQuality::Strong));
        assert_eq!(alias("JONG SIK"), Some(AliasQuality::Weak));
        assert_eq!(e.original_script_names, ["김정식"]);
        assert_eq!(
            e.birth_dates,
            [
                BirthDate::exact(PartialDate::year(1968)),
                BirthDate::exact(PartialDate::year_month(1969, 3).expect("d")),
                BirthDate::exact(PartialDate::ymd(1967, 5, 10).expect("d")),
            ]
        );
        assert_eq!(e.nationalities, ["KP"]);
        assert_eq!(e.genders, [Gender::Male]);
        assert_eq!(e.places_of_birth, ["Pyongyang, North Korea"]);
        assert_eq!(e.programs, ["Democratic People's Republic of Korea"]);
        assert_eq!(e.listed_on, NaiveDate::from_ymd_opt(2017, 12, 22));
        let passports: Vec<(&str, Option<&str>)> = e
            .identifiers
            .iter()
            .filter(|i| i.kind == IdentifierKind::Passport)
            .map(|i| (i.value.as_str(), i.country.as_deref()))
            .collect();
        assert_eq!(
            passports,
            [("927234267", Some("KP")), ("108120258", Some("KP"))]
        );
        assert!(e.remarks.contains("UN reference: KPi.066"), "{}", e.remarks);
        assert!(
            e.remarks.contains("Position: Deputy Director"),
            "{}",
            e.remarks
        );
        assert_eq!(e.name_parts.title.as_deref(), Some("General"));
    }

    #[test]
    fn fixture_entity_ship_and_missing_primary() {
        let r = fixture_report();
        let e = r.find("DPR0002").expect("DPR0002");
        assert_eq!(e.kind, EntryKind::Organization);
        assert_eq!(e.name, "KOREA MINING DEVELOPMENT TRADING CORPORATION");
        assert!(e.name_parts.is_empty());
        assert!(e.aliases.iter().any(|a| a.name == "KOMID"));
        assert_eq!(e.addresses[0].lines, ["Central District", "Pyongyang"]);
        assert_eq!(e.addresses[0].country.as_deref(), Some("KP"));
        assert_eq!(e.phones, ["+850 2 18111", "+850 2 3814507"]);
        assert_eq!(e.emails, ["komid@example.kp"]);
        let ship = r.find("DPR0003").expect("DPR0003");
        assert_eq!(ship.kind, EntryKind::Vessel);
        assert!(ship
            .identifiers
            .iter()
            .any(|i| i.value == "8660313" && i.kind == IdentifierKind::Other("IMO".into())));
        let alias_only = r.find("DPR0004").expect("DPR0004");
        assert_eq!(alias_only.name, "PAK Il Kyu");
        assert!(r.warnings.iter().any(|w| w.contains("DPR0004")));
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_without_report_line() {
        let csv = "\u{feff}designation type , UNIQUE ID,name 6,Name 1,D.O.B,Name Type\n\
                   Individual,X1,RI,Song Chol,00/00/1970,Primary name\n";
        let r = parse_uk_csv("x.csv", csv.as_bytes()).expect("parses");
        let e = r.find("X1").expect("X1");
        assert_eq!(e.name, "RI Song Chol");
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.birth_dates, [BirthDate::exact(PartialDate::year(1970))]);
        assert_eq!(r.source_version, None);
    }

    #[test]
    fn reduced_export_columns_work() {
        // The columns of the reduced ODS export (FCDO_SL_2025-08-11.ods).
        let csv = "Unique ID,OFSI Group ID,Name,Regime Name,Type,Designation source,Date Designated,Sanctions Imposed\n\
                   DPR0099,13500,KOREA KWANGSON BANKING CORPORATION,Democratic People's Republic of Korea,Entity,UN,29-06-2012,Asset freeze\n";
        let r = parse_uk_csv("x.csv", csv.as_bytes()).expect("parses");
        let e = r.find("DPR0099").expect("DPR0099");
        assert_eq!(e.name, "KOREA KWANGSON BANKING CORPORATION");
        assert_eq!(e.kind, EntryKind::Organization);
        assert_eq!(e.listed_on, NaiveDate::from_ymd_opt(2012, 6, 29));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn dob_and_multi_value_forms() {
        let d = |s: &str| parse_uk_dob(s).expect(s);
        assert_eq!(d("00/00/1975").from, PartialDate::year(1975));
        assert_eq!(
            d("00/04/1975").from,
            PartialDate::year_month(1975, 4).expect("d")
        );
        assert_eq!(
            d("25/04/1965").from,
            PartialDate::ymd(1965, 4, 25).expect("d")
        );
        assert!(d("circa 1960").circa);
        assert_eq!(d("1967-1969").year_span(), (1967, 1969));
        assert_eq!(parse_uk_dob("31/02/1965"), None);
        assert_eq!(parse_uk_dob("unknown"), None);
        assert_eq!(split_multi("(1) A (2) B|C; D"), ["A", "B", "C", "D"]);
        assert_eq!(split_multi("Korea, North"), ["Korea, North"]);
    }

    #[test]
    fn broken_inputs_are_clear_errors_never_panics() {
        assert_eq!(
            parse_uk_csv("x.csv", b"\xEF\xBB\xBF \r\n"),
            Err(ListFormatError::Empty {
                file: "x.csv".into()
            })
        );
        assert!(matches!(
            parse_uk_csv("x.csv", b"<html>Forbidden</html>"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_uk_csv("x.csv", b"a,b,c\n1,2,3\n"),
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        assert!(matches!(
            parse_uk_csv("x.ods", b"PK\x03\x04\x00\x00"),
            Err(ListFormatError::Encoding { .. })
        ));
        let full = fixture();
        // Cut inside the last row: that row is dropped and counted.
        let cut = &full[..full.len() - 30];
        let r = parse_uk_csv("x.csv", cut).expect("report");
        assert!(
            r.warnings.iter().any(|w| w.contains("truncated")),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.rows_rejected, 2);
        for n in 0..full.len() {
            let _ = parse_uk_csv("x.csv", &full[..n]);
        }
    }
}
