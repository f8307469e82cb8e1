//! OFAC "legacy" CSV parser: the SDN set (`sdn.csv`, `add.csv`, `alt.csv`,
//! `sdn_comments.csv`) and the non-SDN consolidated set (`cons_prim.csv`,
//! `cons_add.csv`, `cons_alt.csv`, `cons_comments.csv`).
//!
//! The files have no header, write `-0-` for empty fields, are CP1252 and end
//! with a 0x1A byte. Everything that matters for screening beyond names and
//! addresses (dates of birth, documents, wallets, contacts, weak aliases) is
//! packed into the free-text remarks column, which OFAC cuts at 1,000
//! characters and continues in the comments file; this module joins the parts
//! and takes the remarks apart.

use super::entry::{
    clean, normalize_country, push_unique, Address, AliasQuality, BirthDate, CryptoAddress,
    EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError, NameParts,
    ParseReport, PartialDate,
};
use std::collections::HashMap;

pub const LIST_SDN: &str = "us_ofac_sdn";
pub const LIST_CONS: &str = "us_ofac_cons";

/// OFAC cuts the remarks column at this many characters and puts the rest in
/// the comments file.
const REMARKS_CUT: usize = 1000;

const FORMAT: &str = "OFAC legacy CSV";

/// One input file: its name (used to tell the files apart) and raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct NamedInput<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> NamedInput<'a> {
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        Self { name, bytes }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfacFile {
    /// `sdn.csv` / `cons_prim.csv`: 12 columns.
    Primary,
    /// `add.csv`: 6 columns.
    Addresses,
    /// `alt.csv`: 5 columns.
    Aliases,
    /// `sdn_comments.csv`: 2 columns.
    Comments,
}

impl OfacFile {
    fn columns(self) -> usize {
        match self {
            Self::Primary => 12,
            Self::Addresses => 6,
            Self::Aliases => 5,
            Self::Comments => 2,
        }
    }
}

/// Which file of the set this is, from its name, else from its first row's
/// column count (cheap and unambiguous: 12, 6, 5 and 2 columns). The flag
/// says whether the name marks the non-SDN consolidated list.
pub fn classify(input: &NamedInput<'_>) -> Result<(OfacFile, bool), ListFormatError> {
    let base = input
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(input.name)
        .to_ascii_lowercase();
    let stem = base.split('.').next().unwrap_or(&base);
    let cons = stem.starts_with("cons");
    let by_name = if stem.contains("comment") {
        Some(OfacFile::Comments)
    } else if stem.ends_with("add") || stem.contains("address") {
        Some(OfacFile::Addresses)
    } else if stem.ends_with("alt") || stem.contains("alias") {
        Some(OfacFile::Aliases)
    } else if stem == "sdn" || stem.ends_with("prim") || stem.ends_with("_sdn") {
        Some(OfacFile::Primary)
    } else {
        None
    };
    if let Some(kind) = by_name {
        return Ok((kind, cons));
    }
    let text = decode(input.name, input.bytes)?;
    let first = csv_reader(text.as_bytes()).into_records().next();
    let kind = match first.and_then(Result::ok).map(|r| r.len()) {
        Some(12) => OfacFile::Primary,
        Some(6) => OfacFile::Addresses,
        Some(5) => OfacFile::Aliases,
        Some(2) => OfacFile::Comments,
        _ => {
            return Err(ListFormatError::UnknownInput {
                file: input.name.to_owned(),
                hint: "sdn.csv, add.csv, alt.csv, sdn_comments.csv (or cons_prim.csv, …)",
            })
        }
    };
    Ok((kind, cons))
}

/// Parses a set of OFAC legacy CSV files into one report. The primary file is
/// required; the others are optional. The list id is `us_ofac_cons` when any
/// file name starts with `cons`, else `us_ofac_sdn`.
pub fn parse_ofac_csv(inputs: &[NamedInput<'_>]) -> Result<ParseReport, ListFormatError> {
    let mut classified = Vec::with_capacity(inputs.len());
    let mut cons = false;
    for input in inputs {
        let (kind, is_cons) = classify(input)?;
        cons |= is_cons;
        classified.push((kind, *input));
    }
    parse_classified(if cons { LIST_CONS } else { LIST_SDN }, &classified)
}

/// Same as [`parse_ofac_csv`] with the list id and file roles given by the
/// caller, for inputs whose names say nothing.
pub fn parse_classified(
    list: &str,
    inputs: &[(OfacFile, NamedInput<'_>)],
) -> Result<ParseReport, ListFormatError> {
    let mut report = ParseReport::new(list);
    let primaries: Vec<_> = inputs
        .iter()
        .filter(|(k, _)| *k == OfacFile::Primary)
        .collect();
    let primary = match primaries.as_slice() {
        [one] => one.1,
        [] => {
            return Err(ListFormatError::MissingInput(
                "the primary file (sdn.csv or cons_prim.csv)".into(),
            ))
        }
        _ => {
            return Err(ListFormatError::MissingInput(
                "exactly one primary file; several were given".into(),
            ))
        }
    };

    let mut entries: Vec<Primary> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in read_rows(primary, OfacFile::Primary, &mut report)? {
        match Primary::from_row(&row) {
            Some(p) if index.contains_key(&p.ent_num) => {
                report.rows_rejected += 1;
                report.warn(format!(
                    "{}: duplicate ent_num {} ignored",
                    primary.name, p.ent_num
                ));
            }
            Some(p) => {
                index.insert(p.ent_num.clone(), entries.len());
                entries.push(p);
            }
            None => {
                report.rows_rejected += 1;
                report.warn(format!(
                    "{}: row with no numeric ent_num or no name ignored",
                    primary.name
                ));
            }
        }
    }
    if entries.is_empty() {
        return Err(ListFormatError::NotExpectedFormat {
            file: primary.name.to_owned(),
            expected: FORMAT,
            detail: format!(
                "no valid rows among {} read ({} rejected)",
                report.rows_read, report.rows_rejected
            ),
        });
    }

    // Comments first: they complete the remarks that are parsed below.
    for (_, input) in inputs.iter().filter(|(k, _)| *k == OfacFile::Comments) {
        for row in read_rows(*input, OfacFile::Comments, &mut report)? {
            let Some(&i) = index.get(row[0].as_str()) else {
                report.orphan_rows += 1;
                continue;
            };
            let text = row[1].trim_end_matches(['\r', '\n']);
            let p = &mut entries[i];
            // A continuation belongs only to a remark OFAC actually cut; a
            // comments file from another snapshot would otherwise glue
            // unrelated text on.
            if p.remarks.chars().count() >= REMARKS_CUT && !p.continued {
                p.remarks.push_str(text);
                p.continued = true;
            } else {
                report.warn(format!(
                    "{}: continuation for ent_num {} ignored: its remarks are not cut at {REMARKS_CUT} characters (comments file from another snapshot?)",
                    input.name, row[0]
                ));
            }
        }
    }

    let mut built: Vec<ListEntry> = entries.iter().map(|p| p.build(list)).collect();

    for (kind, input) in inputs {
        match kind {
            OfacFile::Aliases => {
                for row in read_rows(*input, OfacFile::Aliases, &mut report)? {
                    let Some(&i) = index.get(row[0].as_str()) else {
                        report.orphan_rows += 1;
                        continue;
                    };
                    let Some(name) = field(&row[3]) else {
                        report.rows_rejected += 1;
                        report.warn(format!("{}: alias row without a name", input.name));
                        continue;
                    };
                    let low = field(&row[4])
                        .is_some_and(|r| r.to_ascii_lowercase().contains("low quality"));
                    let quality = if low {
                        AliasQuality::Weak
                    } else {
                        AliasQuality::Strong
                    };
                    built[i].push_alias(&name, quality);
                }
            }
            OfacFile::Addresses => {
                for row in read_rows(*input, OfacFile::Addresses, &mut report)? {
                    let Some(&i) = index.get(row[0].as_str()) else {
                        report.orphan_rows += 1;
                        continue;
                    };
                    let address = Address {
                        lines: field(&row[2]).into_iter().collect(),
                        city: field(&row[3]),
                        country: field(&row[4]).and_then(|c| normalize_country(&c)),
                        note: field(&row[5]),
                        ..Address::default()
                    };
                    if !address.is_empty() {
                        push_unique(&mut built[i].addresses, address);
                    }
                }
            }
            OfacFile::Primary | OfacFile::Comments => {}
        }
    }
    report.entries = built;
    Ok(report)
}

/// A primary row before its remarks are complete.
struct Primary {
    ent_num: String,
    name: String,
    kind: EntryKind,
    programs: Vec<String>,
    title: Option<String>,
    call_sign: Option<String>,
    remarks: String,
    continued: bool,
}

impl Primary {
    fn from_row(row: &[String]) -> Option<Self> {
        let ent_num = row[0].trim();
        if ent_num.is_empty() || !ent_num.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let name = field(&row[1])?;
        let kind = match field(&row[2]).map(|t| t.to_ascii_lowercase()).as_deref() {
            Some("individual") => EntryKind::Person,
            Some("vessel") => EntryKind::Vessel,
            Some("aircraft") => EntryKind::Aircraft,
            None => EntryKind::Organization,
            Some(_) => EntryKind::Other,
        };
        // Several programs are written "SDGT] [IFSR".
        let programs = field(&row[3])
            .map(|p| {
                p.split("] [")
                    .filter_map(|s| clean(s.trim_matches(['[', ']'])))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            ent_num: ent_num.to_owned(),
            name,
            kind,
            programs,
            title: field(&row[4]),
            call_sign: field(&row[5]),
            remarks: field_raw(&row[11]).unwrap_or_default(),
            continued: false,
        })
    }

    fn build(&self, list: &str) -> ListEntry {
        let mut e = ListEntry::new(list, &self.ent_num, self.kind, &self.name);
        e.programs.clone_from(&self.programs);
        if self.kind == EntryKind::Person {
            // "KIM, Sang Man": family name, comma, given names.
            let (last, first) = match self.name.split_once(',') {
                Some((l, f)) => (clean(l), clean(f)),
                None => (clean(&self.name), None),
            };
            e.name_parts = NameParts {
                title: self.title.clone(),
                first,
                last,
                ..NameParts::default()
            };
        }
        if let Some(cs) = &self.call_sign {
            e.identifiers.push(Identifier {
                kind: IdentifierKind::Other("Call Sign".into()),
                value: cs.clone(),
                country: None,
                note: None,
            });
        }
        let remarks = self.remarks.trim();
        apply_remarks(&mut e, remarks);
        e.remarks = remarks.to_owned();
        e
    }
}

/// A field with OFAC's `-0-` null and padding removed.
fn field(s: &str) -> Option<String> {
    let t = s.trim();
    if t == "-0-" {
        None
    } else {
        clean(t)
    }
}

/// Like [`field`] but keeps inner spacing: remarks are cut mid-word and their
/// continuation must join exactly.
fn field_raw(s: &str) -> Option<String> {
    let t = s.trim_start();
    if t.trim() == "-0-" || t.trim().is_empty() {
        None
    } else {
        Some(t.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// CP1252 is the documented encoding, but a file that is valid UTF-8 with
/// non-ASCII bytes is UTF-8 (CP1252 text almost never is), so both work.
fn decode(name: &str, bytes: &[u8]) -> Result<String, ListFormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ListFormatError::Encoding {
            file: name.to_owned(),
            detail: "NUL bytes: a binary file, not CSV text".into(),
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ListFormatError::Encoding {
            file: name.to_owned(),
            detail: "not valid CP1252".into(),
        });
    }
    Ok(text.into_owned())
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Decodes a file and returns its well-formed rows; malformed rows are
/// counted and reported. Errors only when the file as a whole is unusable.
fn read_rows(
    input: NamedInput<'_>,
    kind: OfacFile,
    report: &mut ParseReport,
) -> Result<Vec<Vec<String>>, ListFormatError> {
    let text = decode(input.name, input.bytes)?;
    // The DOS end-of-file marker, plus the blank space some copies carry.
    let body = text.trim_end_matches(['\u{1a}', ' ', '\t']);
    if body.trim().is_empty() {
        if kind == OfacFile::Primary {
            return Err(ListFormatError::Empty {
                file: input.name.to_owned(),
            });
        }
        return Ok(Vec::new());
    }
    let first = body.trim_start().as_bytes().first().copied();
    if matches!(first, Some(b'<') | Some(b'{') | Some(b'[')) {
        return Err(ListFormatError::NotExpectedFormat {
            file: input.name.to_owned(),
            expected: FORMAT,
            detail: "the file looks like markup or JSON (an error page?)".into(),
        });
    }
    // Without a final line break the last row may have been cut mid-field:
    // it is dropped rather than trusted.
    let cut_short = !body.ends_with('\n');
    let want = kind.columns();
    let mut rows = Vec::new();
    let mut bad = 0usize;
    for (i, rec) in csv_reader(body.as_bytes()).into_records().enumerate() {
        report.rows_read += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(err) => {
                bad += 1;
                report.warn(format!("{}: row {}: {err}", input.name, i + 1));
                continue;
            }
        };
        // 2022-era files sometimes end alias rows with a stray empty column.
        let n = rec.len();
        let ok = n == want || (n == want + 1 && rec.get(want).is_some_and(str::is_empty));
        if !ok {
            if !(n == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty())) {
                bad += 1;
                report.warn(format!(
                    "{}: row {} has {n} columns, expected {want}",
                    input.name,
                    i + 1
                ));
            } else {
                report.rows_read -= 1;
            }
            continue;
        }
        let mut row: Vec<String> = rec.iter().take(want).map(str::to_owned).collect();
        row[0] = row[0].trim().to_owned();
        rows.push(row);
    }
    if cut_short {
        if rows.pop().is_some() {
            bad += 1;
        }
        report.warn(format!(
            "{}: no line break at the end of the file; the last row may be truncated and was dropped",
            input.name
        ));
    }
    report.rows_rejected += bad;
    if rows.is_empty() && bad > 0 {
        return Err(ListFormatError::NotExpectedFormat {
            file: input.name.to_owned(),
            expected: FORMAT,
            detail: format!("none of {bad} rows has the {want} columns expected"),
        });
    }
    Ok(rows)
}

/// Labels of identifiers in remarks, longest first within a shared prefix so
/// "Passport No." wins over "Passport". Anything that looks like "<label>
/// No./Number/ID/# <value>" but is not here still becomes `Other(label)`.
const ID_LABELS: &[(&str, IdKind)] = &[
    ("Diplomatic Passport", IdKind::Passport),
    ("Passport No.", IdKind::Passport),
    ("Passport", IdKind::Passport),
    ("Travel Document Number", IdKind::Passport),
    ("National ID No.", IdKind::NationalId),
    ("National Foreign ID Number", IdKind::NationalId),
    ("Identification Number", IdKind::NationalId),
    ("Personal ID Card", IdKind::NationalId),
    ("Cedula No.", IdKind::NationalId),
    ("C.U.R.P. #", IdKind::NationalId),
    ("C.U.R.P.", IdKind::NationalId),
    ("D.N.I.", IdKind::NationalId),
    ("SSN", IdKind::NationalId),
    ("Citizen's Card Number", IdKind::NationalId),
    ("Turkish Identification Number", IdKind::NationalId),
    ("Kenyan ID No.", IdKind::NationalId),
    ("Bosnian Personal ID No.", IdKind::NationalId),
    ("Moroccan Personal ID No.", IdKind::NationalId),
    ("Tazkira National ID", IdKind::NationalId),
    ("Personal ID", IdKind::NationalId),
    ("Tax ID No.", IdKind::TaxId),
    ("R.F.C. VID", IdKind::TaxId),
    ("R.F.C.", IdKind::TaxId),
    ("RFC", IdKind::TaxId),
    ("V.A.T. Number", IdKind::TaxId),
    ("NIT #", IdKind::TaxId),
    ("RUC #", IdKind::TaxId),
    ("RIF #", IdKind::TaxId),
    ("C.U.I.T.", IdKind::TaxId),
    ("Italian Fiscal Code", IdKind::TaxId),
    ("Fiscal Code", IdKind::TaxId),
    ("Business Registration Number", IdKind::Registration),
    ("Business Registration Document #", IdKind::Registration),
    ("Registration Number", IdKind::Registration),
    ("Registration ID", IdKind::Registration),
    ("Company Number", IdKind::Registration),
    ("UK Company Number", IdKind::Registration),
    ("Unified Social Credit Code (USCC)", IdKind::Registration),
    (
        "United Social Credit Code Certificate (USCCC)",
        IdKind::Registration,
    ),
    ("Commercial Registry Number", IdKind::Registration),
    ("Legal Entity Number", IdKind::Registration),
    ("Government Gazette Number", IdKind::Registration),
    ("Economic Register Number (CBLS)", IdKind::Registration),
    ("Economic Register Number", IdKind::Registration),
    ("Chamber of Commerce Number", IdKind::Registration),
    ("Trade License No.", IdKind::Registration),
    ("Folio Mercantil No.", IdKind::Registration),
    ("C.R. No.", IdKind::Registration),
    ("Certificate of Incorporation Number", IdKind::Registration),
    ("Public Registration Number", IdKind::Registration),
    ("Enterprise Number", IdKind::Registration),
    ("Business Number", IdKind::Registration),
    ("D-U-N-S Number", IdKind::Registration),
    ("SWIFT/BIC", IdKind::Other),
    ("ISIN", IdKind::Other),
    ("MMSI", IdKind::Other),
    ("Vessel Registration Identification IMO", IdKind::Other),
    ("Vessel Registration Identification", IdKind::Other),
    ("Aircraft Manufacturer's Serial Number (MSN)", IdKind::Other),
    ("Aircraft Tail Number", IdKind::Other),
    ("Driver's License No.", IdKind::Other),
    ("Birth Certificate Number", IdKind::Other),
    ("Electoral Registry No.", IdKind::Other),
];

#[derive(Debug, Clone, Copy)]
enum IdKind {
    Passport,
    NationalId,
    TaxId,
    Registration,
    Other,
}

/// Takes the remarks apart, "; "-separated, each part led by its label.
fn apply_remarks(e: &mut ListEntry, remarks: &str) {
    let remarks = remarks.trim_end_matches('.');
    for part in remarks.split(';') {
        let part = part.trim();
        let part = part.strip_prefix("alt. ").unwrap_or(part).trim();
        if part.is_empty() {
            continue;
        }
        apply_part(e, part);
    }
}

fn apply_part(e: &mut ListEntry, part: &str) {
    if let Some(rest) = part.strip_prefix("DOB ") {
        if let Some(d) = parse_dob(rest) {
            push_unique(&mut e.birth_dates, d);
        }
    } else if let Some(rest) = part.strip_prefix("POB ") {
        if let Some(p) = clean(rest) {
            push_unique(&mut e.places_of_birth, p);
        }
    } else if let Some(rest) = part.strip_prefix("nationality ") {
        if let Some(c) = normalize_country(rest) {
            push_unique(&mut e.nationalities, c);
        }
    } else if let Some(rest) = part.strip_prefix("citizen ") {
        if let Some(c) = normalize_country(rest) {
            push_unique(&mut e.citizenships, c);
        }
    } else if let Some(rest) = part.strip_prefix("Gender ") {
        if let Some(g) = Gender::parse(rest) {
            push_unique(&mut e.genders, g);
        }
    } else if let Some(rest) = part.strip_prefix("Digital Currency Address - ") {
        let mut words = rest.split_whitespace();
        if let (Some(currency), Some(address)) = (words.next(), words.next()) {
            push_unique(
                &mut e.crypto_addresses,
                CryptoAddress {
                    currency: currency.to_owned(),
                    address: address.to_owned(),
                },
            );
        }
    } else if let Some(rest) = strip_any(part, &["Email Address", "Email:", "Email"]) {
        if let Some(v) = first_word(rest) {
            push_unique(&mut e.emails, v);
        }
    } else if let Some(rest) = strip_any(part, &["Website"]) {
        if let Some(v) = first_word(rest) {
            push_unique(&mut e.websites, v);
        }
    } else if let Some(rest) = strip_any(
        part,
        &[
            "Phone Number",
            "Telephone Number",
            "Telephone No.",
            "Telephone:",
            "Telephone",
            "Fax No.",
            "Fax:",
            "Fax",
        ],
    ) {
        if let Some(v) = clean(rest) {
            push_unique(&mut e.phones, v);
        }
    } else if let Some((weak, rest)) = strip_aka(part) {
        let name = rest.trim().trim_matches(['\'', '"']).trim();
        if !name.is_empty() {
            let q = if weak {
                AliasQuality::Weak
            } else {
                AliasQuality::Strong
            };
            e.push_alias(name, q);
        }
    } else if let Some(id) = parse_identifier(part) {
        push_unique(&mut e.identifiers, id);
    }
}

/// Remarks a.k.a. are OFAC's weak aliases (quoted, low quality).
fn strip_aka(part: &str) -> Option<(bool, &str)> {
    for p in ["a.k.a.", "f.k.a.", "n.k.a."] {
        if let Some(rest) = part.strip_prefix(p) {
            return Some((true, rest));
        }
    }
    None
}

fn strip_any<'a>(part: &'a str, labels: &[&str]) -> Option<&'a str> {
    labels.iter().find_map(|l| {
        let rest = part.strip_prefix(l)?;
        // A label must end at a word boundary ("Faxon" is not a fax).
        (rest.is_empty() || rest.starts_with([' ', ':'])).then(|| rest.trim_start_matches(':'))
    })
}

fn first_word(s: &str) -> Option<String> {
    s.split_whitespace()
        .next()
        .map(|w| w.trim_end_matches([',', '.']).to_owned())
        .filter(|w| !w.is_empty())
}

fn parse_identifier(part: &str) -> Option<Identifier> {
    let (label, kind, rest) = ID_LABELS
        .iter()
        .find_map(|(label, kind)| {
            let rest = part.strip_prefix(label)?;
            rest.starts_with(' ')
                .then(|| ((*label).to_owned(), *kind, rest))
        })
        .or_else(|| generic_label(part))?;
    let rest = rest.trim();
    // "109420132 (Korea, North) issued 16 Oct 2019 expires 16 Oct 2024"
    let (value, country, note) = match rest.find(" (") {
        Some(open) => {
            let after = &rest[open + 2..];
            match after.find(')') {
                Some(close) => (
                    &rest[..open],
                    normalize_country(&after[..close]),
                    clean(&after[close + 1..]),
                ),
                None => (rest, None, None),
            }
        }
        None => match rest.find(" issued").or_else(|| rest.find(" expires")) {
            Some(i) => (&rest[..i], None, clean(&rest[i..])),
            None => (rest, None, None),
        },
    };
    let value = clean(value)?;
    let kind = match kind {
        IdKind::Passport => IdentifierKind::Passport,
        IdKind::NationalId => IdentifierKind::NationalId,
        IdKind::TaxId => IdentifierKind::TaxId,
        IdKind::Registration => IdentifierKind::Registration,
        IdKind::Other => IdentifierKind::Other(label),
    };
    Some(Identifier {
        kind,
        value,
        country,
        note,
    })
}

/// An unknown "<label> No./Number/ID/# <value with a digit>" part.
fn generic_label(part: &str) -> Option<(String, IdKind, &str)> {
    for marker in [" No. ", " Number ", " ID ", " # "] {
        if let Some(i) = part.find(marker) {
            let label = &part[..i + marker.len() - 1];
            let rest = &part[i + marker.len() - 1..];
            let value_has_digit = rest
                .split_whitespace()
                .next()
                .is_some_and(|w| w.bytes().any(|b| b.is_ascii_digit()));
            let short_label = label.split_whitespace().count() <= 6;
            if value_has_digit && short_label && !label.contains(':') {
                return Some((label.to_owned(), IdKind::Other, rest));
            }
        }
    }
    None
}

/// "25 Apr 1965", "Apr 1965", "1965", "circa 1965", "1965 to 1968",
/// "circa 1965-1968", "01 Jan 1960 to 31 Dec 1962".
pub(crate) fn parse_dob(text: &str) -> Option<BirthDate> {
    let t = text.trim().trim_end_matches(['.', '"']).trim();
    let (circa, t) = match t
        .strip_prefix("circa ")
        .or_else(|| t.strip_prefix("approximately "))
    {
        Some(rest) => (true, rest.trim()),
        None => (false, t),
    };
    let (a, b) = if let Some((a, b)) = t.split_once(" to ") {
        (a, Some(b))
    } else if let Some((a, b)) = t.split_once('-').filter(|(a, b)| {
        a.trim().len() == 4 && b.trim().len() == 4 && !a.contains(' ') && !b.contains(' ')
    }) {
        (a, Some(b))
    } else {
        (t, None)
    };
    let from = parse_text_date(a)?;
    let to = match b {
        Some(b) => Some(parse_text_date(b)?),
        None => None,
    };
    Some(BirthDate { from, to, circa })
}

/// "25 Apr 1965", "Apr 1965", "Nov. 1973", "November 1973", "1965",
/// "1965-04-25".
pub(crate) fn parse_text_date(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    if s.contains('-') {
        return PartialDate::parse_iso(s);
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [y] => Some(PartialDate::year(parse_year(y)?)),
        [m, y] => PartialDate::year_month(parse_year(y)?, month_number(m)?),
        [d, m, y] => PartialDate::ymd(parse_year(y)?, month_number(m)?, d.parse().ok()?),
        _ => None,
    }
}

fn parse_year(s: &str) -> Option<i32> {
    let s = s.trim_end_matches([',', '.']);
    (s.len() == 4).then(|| s.parse().ok()).flatten()
}

fn month_number(s: &str) -> Option<u32> {
    let s = s.trim_end_matches([',', '.']).to_ascii_lowercase();
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = s.get(..3)?;
    let i = MONTHS.iter().position(|m| *m == prefix)?;
    u32::try_from(i + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn fixture(name: &str) -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lists/ofac")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
    }

    fn fixture_report() -> ParseReport {
        let files: Vec<(String, Vec<u8>)> = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
            .iter()
            .map(|n| (n.to_string(), fixture(n)))
            .collect();
        let inputs: Vec<NamedInput<'_>> =
            files.iter().map(|(n, b)| NamedInput::new(n, b)).collect();
        parse_ofac_csv(&inputs).expect("fixture parses")
    }

    #[test]
    fn fixture_set_yields_every_primary_row_and_counts_the_orphans() {
        let r = fixture_report();
        assert_eq!(r.list, LIST_SDN);
        let ids: Vec<&str> = r.entries.iter().map(|e| e.entry_id.as_str()).collect();
        assert_eq!(ids, ["36", "7001", "7002", "7003", "7004"]);
        // One orphan alias, one orphan address.
        assert_eq!(r.orphan_rows, 2);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
    }

    #[test]
    fn fixture_decodes_cp1252_and_nulls() {
        let r = fixture_report();
        let e = r.find("7001").expect("7001");
        assert_eq!(e.name, "PÉREZ, José");
        assert_eq!(e.name_parts.last.as_deref(), Some("PÉREZ"));
        assert_eq!(e.name_parts.first.as_deref(), Some("José"));
        assert_eq!(e.kind, EntryKind::Person);
        assert_eq!(e.programs, ["SDNTK", "ILLICIT-DRUGS-EO14059"]);
        let org = r.find("36").expect("36");
        assert_eq!(org.kind, EntryKind::Organization);
        assert!(org.remarks.is_empty());
        assert_eq!(org.addresses[0].city.as_deref(), Some("Havana"));
        assert_eq!(org.addresses[0].country.as_deref(), Some("CU"));
        assert_eq!(org.aliases[0].name, "AERO-CARIBBEAN");
        assert_eq!(org.aliases[0].quality, AliasQuality::Strong);
    }

    #[test]
    fn fixture_remarks_give_dates_documents_wallets_and_contacts() {
        let r = fixture_report();
        let e = r.find("7001").expect("7001");
        assert_eq!(
            e.birth_dates,
            [
                BirthDate {
                    from: PartialDate::year(1965),
                    to: Some(PartialDate::year(1968)),
                    circa: false
                },
                BirthDate {
                    from: PartialDate::year(1970),
                    to: None,
                    circa: true
                }
            ]
        );
        assert_eq!(e.places_of_birth, ["Culiacán, Sinaloa, Mexico"]);
        assert_eq!(e.nationalities, ["MX"]);
        assert_eq!(e.citizenships, ["ES"]);
        assert_eq!(e.genders, [Gender::Male]);
        assert!(e.identifiers.contains(&Identifier {
            kind: IdentifierKind::NationalId,
            value: "PEPJ650101HSLRRS09".into(),
            country: Some("MX".into()),
            note: None,
        }));
        assert!(e.identifiers.contains(&Identifier {
            kind: IdentifierKind::TaxId,
            value: "PEPJ650101AB1".into(),
            country: Some("MX".into()),
            note: None,
        }));
        assert_eq!(e.emails, ["jose@example.mx"]);
        assert_eq!(e.websites, ["www.example.mx"]);
        assert_eq!(e.aliases[0].name, "EL GUERO");
        assert_eq!(e.aliases[0].quality, AliasQuality::Weak);
    }

    #[test]
    fn fixture_comments_continue_a_cut_remark() {
        let r = fixture_report();
        let e = r.find("7002").expect("7002");
        assert!(e.remarks.chars().count() > REMARKS_CUT);
        // The address straddles the cut: half in sdn.csv, half in comments.
        assert!(e.crypto_addresses.contains(&CryptoAddress {
            currency: "XBT".into(),
            address: "1FCNgfZWpYMeYhy9t18AAkTBu8AsdoAc1Z".into()
        }));
        assert!(e.crypto_addresses.contains(&CryptoAddress {
            currency: "ETH".into(),
            address: "0x97b1043abd9e6fc31681635166d430a458d14f9c".into()
        }));
        assert_eq!(
            e.birth_dates[0].from,
            PartialDate::ymd(1965, 4, 25).expect("date")
        );
        let p = e
            .identifiers
            .iter()
            .find(|i| i.kind == IdentifierKind::Passport)
            .expect("passport");
        assert_eq!(p.value, "109420132");
        assert_eq!(p.country.as_deref(), Some("KP"));
        assert_eq!(
            p.note.as_deref(),
            Some("issued 16 Oct 2019 expires 16 Oct 2024")
        );
        // 7003's remark is short, so a comment row for it is refused.
        let short = r.find("7003").expect("7003");
        assert!(!short.remarks.contains("STRAY"));
        assert!(r.warnings.iter().any(|w| w.contains("7003")));
        assert_eq!(short.kind, EntryKind::Vessel);
        assert!(short.identifiers.iter().any(|i| i.value == "9123456"
            && i.kind == IdentifierKind::Other("Vessel Registration Identification IMO".into())));
        assert!(short.identifiers.iter().any(|i| i.value == "HOCA"));
    }

    #[test]
    fn names_are_recognised_with_paths_and_prefixes_and_content_when_names_say_nothing() {
        let prim = fixture("sdn.csv");
        let alt = fixture("alt.csv");
        let cases = [
            ("/x/y/SDN.CSV", &prim, OfacFile::Primary, false),
            ("cons_prim.csv", &prim, OfacFile::Primary, true),
            ("cons_comments.csv", &prim, OfacFile::Comments, true),
            ("download?id=5", &prim, OfacFile::Primary, false),
            ("blob", &alt, OfacFile::Aliases, false),
        ];
        for (name, bytes, kind, cons) in cases {
            let got = classify(&NamedInput::new(name, bytes)).expect(name);
            assert_eq!(got, (kind, cons), "{name}");
        }
        assert!(matches!(
            classify(&NamedInput::new("blob", b"just one line\n")),
            Err(ListFormatError::UnknownInput { .. })
        ));
    }

    #[test]
    fn unusable_primary_files_are_clear_errors() {
        let empty = parse_ofac_csv(&[NamedInput::new("sdn.csv", b"\x1a")]);
        assert_eq!(
            empty,
            Err(ListFormatError::Empty {
                file: "sdn.csv".into()
            })
        );
        let html = parse_ofac_csv(&[NamedInput::new("sdn.csv", b"<html>503</html>\n")]);
        assert!(matches!(
            html,
            Err(ListFormatError::NotExpectedFormat { .. })
        ));
        let missing = parse_ofac_csv(&[NamedInput::new("alt.csv", b"1,2,\"aka\",\"X\",-0- \n")]);
        assert!(matches!(missing, Err(ListFormatError::MissingInput(_))));
        let binary = parse_ofac_csv(&[NamedInput::new("sdn.csv", b"\x00\x01\x02")]);
        assert!(matches!(binary, Err(ListFormatError::Encoding { .. })));
        let msg = ListFormatError::Empty {
            file: "sdn.csv".into(),
        }
        .to_string();
        assert_eq!(msg, "sdn.csv: the file is empty");
    }

    #[test]
    fn a_truncated_primary_file_loses_only_its_last_row_and_says_so() {
        let full = fixture("sdn.csv");
        // Cut in the middle of the last row (no line break, no 0x1A).
        let cut = &full[..full.len() - 20];
        let r = parse_ofac_csv(&[NamedInput::new("sdn.csv", cut)]).expect("report");
        assert_eq!(r.entries.len(), 4);
        assert_eq!(r.rows_rejected, 1);
        assert!(r.warnings.iter().any(|w| w.contains("truncated")));
        // Every byte-prefix of the fixture parses or errors, never panics.
        for n in 0..full.len() {
            let _ = parse_ofac_csv(&[NamedInput::new("sdn.csv", &full[..n])]);
        }
    }

    #[test]
    fn malformed_rows_are_rejected_and_counted() {
        let data = b"1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\
garbage line\r\n\
abc,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\
1,\"dup\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";
        let r = parse_ofac_csv(&[NamedInput::new("sdn.csv", data)]).expect("report");
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.rows_read, 4);
        assert_eq!(r.rows_rejected, 3);
        assert!((r.reject_rate() - 0.75).abs() < 1e-9);
    }

    #[test]
    fn dob_forms_in_remarks() {
        let d = |s: &str| parse_dob(s).expect(s);
        assert_eq!(
            d("25 Apr 1965").from,
            PartialDate::ymd(1965, 4, 25).expect("d")
        );
        assert_eq!(
            d("Nov 1973").from,
            PartialDate::year_month(1973, 11).expect("d")
        );
        assert!(d("circa 1965-1968").circa);
        assert_eq!(d("circa 1965-1968").year_span(), (1965, 1968));
        let r = d("01 Jan 1960 to 31 Dec 1962");
        assert_eq!(r.to, PartialDate::ymd(1962, 12, 31));
        assert_eq!(parse_dob("31 Feb 1960"), None);
        assert_eq!(parse_dob("unknown"), None);
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

    fn load(dir: &str, names: &[&str]) -> Option<ParseReport> {
        let mut files = Vec::new();
        for n in names {
            let (sub, name) = n.split_once(':').unwrap_or((dir, n));
            let p = shared(&format!("{sub}/{name}"))?;
            let bytes = std::fs::read(&p).expect("readable");
            files.push((name.to_string(), bytes));
        }
        let inputs: Vec<NamedInput<'_>> =
            files.iter().map(|(n, b)| NamedInput::new(n, b)).collect();
        Some(parse_ofac_csv(&inputs).expect("real file parses"))
    }

    #[test]
    fn real_sdn_2024_with_2025_aux_files() {
        // The 2025-01 comments continue the 2025-01 sdn.csv (not carried), so
        // only its alias and address files are paired with the 2024 list.
        let Some(r) = load(
            "ofac_sdn_2024-05-03",
            &[
                "sdn.csv",
                "ofac_sdn_aux_2025-01:alt.csv",
                "ofac_sdn_aux_2025-01:add.csv",
            ],
        ) else {
            return;
        };
        assert_eq!(r.entries.len(), 14_965);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
        assert!(
            r.orphan_rows > 0,
            "2025 files name entries added after May 2024"
        );

        let kim = r.find("43377").expect("KIM, Sang Man");
        assert_eq!(kim.name, "KIM, Sang Man");
        assert_eq!(kim.kind, EntryKind::Person);
        assert_eq!(kim.programs, ["DPRK4"]);
        assert_eq!(
            kim.birth_dates,
            [BirthDate::exact(
                PartialDate::ymd(1965, 4, 25).expect("date")
            )]
        );
        let passports: Vec<&str> = kim
            .identifiers
            .iter()
            .filter(|i| i.kind == IdentifierKind::Passport)
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(passports, ["109420132", "827220538", "563220082"]);
        assert!(kim
            .identifiers
            .iter()
            .filter(|i| i.kind == IdentifierKind::Passport)
            .all(|i| i.country.as_deref() == Some("KP")));
        let wallets = |cur: &str| -> Vec<&str> {
            kim.crypto_addresses
                .iter()
                .filter(|c| c.currency == cur)
                .map(|c| c.address.as_str())
                .collect()
        };
        assert_eq!(
            wallets("XBT"),
            [
                "1D6gG9iKEhPitTcWRJiniuj1jYM2hNeAfJ",
                "1FCNgfZWpYMeYhy9t18AAkTBu8AsdoAc1Z"
            ]
        );
        assert_eq!(
            wallets("ETH"),
            [
                "0x97b1043abd9e6fc31681635166d430a458d14f9c",
                "0xb6f5ec1a0a9cd1526536d3f0426c429529471f40"
            ]
        );
        assert_eq!(kim.nationalities, ["KP"]);
        assert_eq!(kim.genders, [Gender::Male]);
        assert_eq!(kim.places_of_birth, ["North Pyongan Province, North Korea"]);
        assert!(kim.aliases.iter().any(|a| a.name == "KIM, Sangman"));
        assert!(kim
            .addresses
            .iter()
            .any(|a| a.country.as_deref() == Some("RU")));

        let chinyong = r.find("43379").expect("CHINYONG");
        assert_eq!(
            chinyong.name,
            "CHINYONG INFORMATION TECHNOLOGY COOPERATION COMPANY"
        );
        assert_eq!(chinyong.kind, EntryKind::Organization);
        assert!(chinyong.aliases.iter().any(
            |a| a.name == "JINYONG IT COOPERATION COMPANY" && a.quality == AliasQuality::Strong
        ));
        assert_eq!(
            r.entries
                .iter()
                .filter(|e| e.programs.iter().any(|p| p.starts_with("DPRK")))
                .count(),
            484
        );
    }

    #[test]
    fn real_sdn_2021_07_set_with_comments() {
        let Some(r) = load(
            "ofac_sdn_2021-07",
            &["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"],
        ) else {
            return;
        };
        assert_eq!(r.entries.len(), 8_976);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
        // 28264's remark is cut mid-"Phone Number"; the comment completes it.
        let e = r.find("28264").expect("28264");
        assert!(
            e.phones.iter().any(|p| p == "8613314257947"),
            "{:?}",
            e.phones
        );
        assert!(e.remarks.ends_with("Linked To: LAZARUS GROUP."));
    }

    #[test]
    fn real_sdn_2022_01_set() {
        let Some(r) = load("ofac_sdn_2022-01", &["sdn.csv", "add.csv", "alt.csv"]) else {
            return;
        };
        // This copy ends with a second row for ent_num 2677 (a test row added
        // by the repository it comes from): the first one wins.
        assert_eq!(r.entries.len(), 9_043);
        assert_eq!(r.rows_rejected, 1, "{:?}", r.warnings);
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("duplicate ent_num 2677")));
        assert_ne!(
            r.find("2677").map(|e| e.name.as_str()),
            Some("HAMER AND NAIL CONSTRUCTION LIMITED")
        );
        assert!(r.find("34488").is_some());
    }

    #[test]
    fn real_consolidated_2025_12_set() {
        let Some(r) = load(
            "ofac_cons_2025-12",
            &[
                "cons_prim.csv",
                "cons_add.csv",
                "cons_alt.csv",
                "cons_comments.csv",
            ],
        ) else {
            return;
        };
        assert_eq!(r.list, LIST_CONS);
        assert_eq!(r.entries.len(), 442);
        assert_eq!(r.rows_rejected, 0, "{:?}", r.warnings);
        let e = r.find("30930").expect("30930");
        assert!(e
            .aliases
            .iter()
            .any(|a| a.name == "CCCC" && a.quality == AliasQuality::Weak));
    }

    /// `cargo test --release -- --ignored --nocapture ofac_parse_speed`
    #[test]
    #[ignore]
    fn ofac_parse_speed() {
        let mut files = Vec::new();
        for rel in [
            "ofac_sdn_2024-05-03/sdn.csv",
            "ofac_sdn_aux_2025-01/alt.csv",
            "ofac_sdn_aux_2025-01/add.csv",
        ] {
            let Some(p) = shared(rel) else {
                return;
            };
            let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
            files.push((name, std::fs::read(&p).expect("readable")));
        }
        let inputs: Vec<NamedInput<'_>> =
            files.iter().map(|(n, b)| NamedInput::new(n, b)).collect();
        let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
        let runs = 10;
        let start = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..runs {
            n = parse_ofac_csv(&inputs)
                .map(|r| r.entries.len())
                .unwrap_or(0);
        }
        let secs = start.elapsed().as_secs_f64() / f64::from(runs);
        eprintln!(
            "OFAC CSV: {n} entries (+ alt/add rows) in {:.1} ms = {:.0} entries/s ({:.1} MB/s)",
            secs * 1000.0,
            n as f64 / secs,
            bytes as f64 / secs / 1e6
        );
    }
}
