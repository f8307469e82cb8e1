//! The one entry model every list parser produces, the parse report callers
//! use for sanity gates, the format error type, and the country-name map the
//! parsers share.
//!
//! Countries are stored as ISO 3166-1 alpha-2 codes when the source's name can
//! be mapped, and as the source's own text otherwise, so nothing the list says
//! is lost when a name is new to the map.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Upper bound on stored warnings: a broken file could otherwise produce one
/// per row and the report would dwarf the data.
const MAX_WARNINGS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Person,
    Organization,
    Vessel,
    Aircraft,
    Other,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Person => "person",
            EntryKind::Organization => "organization",
            EntryKind::Vessel => "vessel",
            EntryKind::Aircraft => "aircraft",
            EntryKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AliasQuality {
    /// A name the list vouches for (OFAC alt.csv, UN "Good").
    Strong,
    /// A name the list itself calls low quality (OFAC remarks a.k.a., UN "Low"):
    /// too generic to produce a hit on its own.
    Weak,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Alias {
    pub name: String,
    pub quality: AliasQuality,
}

/// Name parts as the source splits them. UN numbers its parts (first to
/// fourth) without saying which is the family name, so they stay numbered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct NameParts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fourth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

impl NameParts {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.first.is_none()
            && self.second.is_none()
            && self.third.is_none()
            && self.fourth.is_none()
            && self.last.is_none()
    }
}

/// A date known to the day, the month or only the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PartialDate {
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn year(year: i32) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    pub fn year_month(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self {
            year,
            month: Some(month),
            day: None,
        })
    }

    /// Refuses impossible dates, so a typo in a list never becomes a date.
    pub fn ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(|_| Self {
            year,
            month: Some(month),
            day: Some(day),
        })
    }

    pub fn from_naive(date: NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, the API's date forms.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let mut it = s.trim().splitn(3, '-');
        let year = it.next()?.parse::<i32>().ok()?;
        match (it.next(), it.next()) {
            (None, _) => Some(Self::year(year)),
            (Some(m), None) => Self::year_month(year, m.parse().ok()?),
            (Some(m), Some(d)) => Self::ymd(year, m.parse().ok()?, d.parse().ok()?),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => write!(f, "{:04}-{:02}", self.year, m),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

/// One birth date as listed: a single (possibly partial) date, or a range
/// ("DOB 1965 to 1968", UN BETWEEN), either of which may be approximate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BirthDate {
    pub from: PartialDate,
    /// Set only for ranges; `from` alone is the date otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<PartialDate>,
    #[serde(default)]
    pub circa: bool,
}

impl BirthDate {
    pub fn exact(date: PartialDate) -> Self {
        Self {
            from: date,
            to: None,
            circa: false,
        }
    }

    /// First and last year the date could fall in, which is what a matcher
    /// compares when precisions differ.
    pub fn year_span(&self) -> (i32, i32) {
        (self.from.year, self.to.map_or(self.from.year, |t| t.year))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" => Some(Self::Male),
            "female" | "f" => Some(Self::Female),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Passport,
    NationalId,
    TaxId,
    Registration,
    /// Anything else, labelled with the source's own wording (e.g. "SWIFT/BIC").
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub value: String,
    /// Issuing country: ISO alpha-2 when mapped, else the source's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Issue/expiry dates and similar, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CryptoAddress {
    /// Ticker as the list writes it (OFAC uses XBT for bitcoin).
    pub currency: String,
    pub address: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// OFAC puts city, state and postal code in one field; it lands here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && self.city.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
            && self.note.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ListEntry {
    /// Our list id: `us_ofac_sdn`, `us_ofac_cons`, `un_sc`, …
    pub list: String,
    /// The source's own id (OFAC ent_num, UN reference number).
    pub entry_id: String,
    pub kind: EntryKind,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<Alias>,
    #[serde(default)]
    pub original_script_names: Vec<String>,
    #[serde(default, skip_serializing_if = "NameParts::is_empty")]
    pub name_parts: NameParts,
    #[serde(default)]
    pub birth_dates: Vec<BirthDate>,
    #[serde(default)]
    pub places_of_birth: Vec<String>,
    #[serde(default)]
    pub nationalities: Vec<String>,
    #[serde(default)]
    pub citizenships: Vec<String>,
    #[serde(default)]
    pub genders: Vec<Gender>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    #[serde(default)]
    pub crypto_addresses: Vec<CryptoAddress>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub websites: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<NaiveDate>,
    /// The source's free text, kept whole so nothing the parsers skip is lost.
    #[serde(default)]
    pub remarks: String,
}

impl ListEntry {
    pub fn new(list: &str, entry_id: &str, kind: EntryKind, name: &str) -> Self {
        Self {
            list: list.to_owned(),
            entry_id: entry_id.to_owned(),
            kind,
            name: name.to_owned(),
            aliases: Vec::new(),
            original_script_names: Vec::new(),
            name_parts: NameParts::default(),
            birth_dates: Vec::new(),
            places_of_birth: Vec::new(),
            nationalities: Vec::new(),
            citizenships: Vec::new(),
            genders: Vec::new(),
            identifiers: Vec::new(),
            crypto_addresses: Vec::new(),
            emails: Vec::new(),
            phones: Vec::new(),
            websites: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            listed_on: None,
            remarks: String::new(),
        }
    }

    /// Adds an alias unless the same name is already the primary name or an
    /// alias; a strong duplicate upgrades a weak one.
    pub fn push_alias(&mut self, name: &str, quality: AliasQuality) {
        let name = name.trim();
        if name.is_empty() || name == self.name {
            return;
        }
        if let Some(existing) = self.aliases.iter_mut().find(|a| a.name == name) {
            if quality == AliasQuality::Strong {
                existing.quality = AliasQuality::Strong;
            }
            return;
        }
        self.aliases.push(Alias {
            name: name.to_owned(),
            quality,
        });
    }
}

/// Pushes unless already present; lists repeat values across fields.
pub(crate) fn push_unique<T: PartialEq>(v: &mut Vec<T>, item: T) {
    if !v.contains(&item) {
        v.push(item);
    }
}

/// What a parser produced plus the counts a caller needs to refuse a bad file
/// (e.g. reject the snapshot when `rows_rejected` is a large share of
/// `rows_read`, or when `entries` shrank sharply from the last snapshot).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ParseReport {
    pub list: String,
    /// The source's own version stamp when it has one (UN `dateGenerated`);
    /// OFAC's legacy files carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    pub entries: Vec<ListEntry>,
    pub warnings: Vec<String>,
    /// Rows that point to an entry the primary file does not have.
    pub orphan_rows: usize,
    pub rows_read: usize,
    pub rows_rejected: usize,
    /// Warnings dropped after the cap.
    #[serde(default)]
    pub warnings_suppressed: usize,
}

impl ParseReport {
    pub fn new(list: &str) -> Self {
        Self {
            list: list.to_owned(),
            ..Self::default()
        }
    }

    pub fn warn(&mut self, msg: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(msg.into());
        } else {
            self.warnings_suppressed += 1;
        }
    }

    /// Share of rows read that were rejected, 0.0 for an empty read.
    pub fn reject_rate(&self) -> f64 {
        if self.rows_read == 0 {
            0.0
        } else {
            self.rows_rejected as f64 / self.rows_read as f64
        }
    }

    pub fn find(&self, entry_id: &str) -> Option<&ListEntry> {
        self.entries.iter().find(|e| e.entry_id == entry_id)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ListFormatError {
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: not in the expected {expected} format: {detail}")]
    NotExpectedFormat {
        file: String,
        expected: &'static str,
        detail: String,
    },
    #[error("{file}: the file is truncated: {detail}")]
    Truncated { file: String, detail: String },
    #[error("{file}: cannot decode the text: {detail}")]
    Encoding { file: String, detail: String },
    #[error("missing input: {0}")]
    MissingInput(String),
    #[error("{file}: cannot tell which part of the list this file is; name it like {hint}")]
    UnknownInput { file: String, hint: &'static str },
}

/// The text of a UTF-8 list file: a byte-order mark dropped, an empty or
/// blank file and invalid UTF-8 refused (the XML and JSON lists are
/// published as UTF-8 only, so anything else is another file or a damaged
/// download).
pub(crate) fn utf8_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ListFormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ListFormatError::Empty {
            file: file.to_owned(),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| ListFormatError::Encoding {
        file: file.to_owned(),
        detail: format!("not valid UTF-8: {e}"),
    })
}

/// An XML reader error as a list-format error: after the root element was
/// seen the file is a truncated or damaged copy of the right format,
/// before it the file is not that format at all.
pub(crate) fn xml_error(
    file: &str,
    expected: &'static str,
    saw_root: bool,
    position: u64,
    entries: usize,
    err: impl fmt::Display,
) -> ListFormatError {
    if saw_root {
        ListFormatError::Truncated {
            file: file.to_owned(),
            detail: format!("XML error at byte {position} after {entries} entries: {err}"),
        }
    } else {
        ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected,
            detail: format!("XML error at byte {position}: {err}"),
        }
    }
}

/// The end-of-input check of a streaming XML parse: the root element must
/// have been seen, and every element closed (else the download was cut).
pub(crate) fn xml_finish(
    file: &str,
    expected: &'static str,
    root: &str,
    saw_root: bool,
    open_elements: &[String],
    entries: usize,
) -> Result<(), ListFormatError> {
    if !saw_root {
        return Err(ListFormatError::NotExpectedFormat {
            file: file.to_owned(),
            expected,
            detail: format!("no {root} element"),
        });
    }
    if !open_elements.is_empty() {
        return Err(ListFormatError::Truncated {
            file: file.to_owned(),
            detail: format!(
                "the file ends inside <{}> after {entries} entries",
                open_elements.join("/")
            ),
        });
    }
    Ok(())
}

/// Collapses runs of whitespace (lists wrap long values across lines) and
/// trims; `None` for an empty result.
pub(crate) fn clean(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}

/// ISO code for a country name as OFAC or the UN write it, or `None`.
pub fn country_code(name: &str) -> Option<&'static str> {
    let mut key = clean(name)?.to_lowercase();
    while key.ends_with('.') {
        key.pop();
    }
    let key = key.strip_prefix("the ").unwrap_or(&key);
    // Built once: lookups run for every address and document of every entry.
    static INDEX: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            COUNTRIES
                .iter()
                .flat_map(|(names, code)| names.iter().map(move |n| (*n, *code)))
                .collect()
        })
        .get(key)
        .copied()
}

/// The ISO code when the name maps, the cleaned source text when it does not.
pub fn normalize_country(name: &str) -> Option<String> {
    let cleaned = clean(name)?;
    Some(country_code(&cleaned).map(str::to_owned).unwrap_or(cleaned))
}

/// Lower-case spellings (OFAC, UN, common and adjectival forms) → ISO code.
/// Historical states without a code (USSR, Yugoslavia) are deliberately
/// absent so their raw text survives.
const COUNTRIES: &[(&[&str], &str)] = &[
    (
        &[
            "korea, north",
            "north korea",
            "democratic people's republic of korea",
            "democratic people’s republic of korea",
            "dprk",
            "rpdc",
            "korea, democratic people's republic of",
            "korea (democratic people's republic of)",
            "north korean",
        ],
        "KP",
    ),
    (
        &[
            "korea, south",
            "south korea",
            "republic of korea",
            "korea, republic of",
            "korea (republic of)",
            "south korean",
        ],
        "KR",
    ),
    (
        &["china", "people's republic of china", "chinese", "prc"],
        "CN",
    ),
    (
        &[
            "hong kong",
            "china, hong kong special administrative region",
            "hong kong special administrative region",
            "hong kong sar",
            "hong kong, china",
        ],
        "HK",
    ),
    (
        &[
            "macau",
            "macao",
            "china, macao special administrative region",
        ],
        "MO",
    ),
    (&["taiwan", "taiwan, province of china"], "TW"),
    (&["russia", "russian federation", "russian"], "RU"),
    (&["japan", "japanese"], "JP"),
    (&["mongolia"], "MN"),
    (&["vietnam", "viet nam", "vietnamese"], "VN"),
    (&["laos", "lao people's democratic republic"], "LA"),
    (&["cambodia"], "KH"),
    (&["thailand", "thai"], "TH"),
    (&["burma", "myanmar"], "MM"),
    (&["malaysia", "malaysian"], "MY"),
    (&["singapore"], "SG"),
    (&["indonesia", "indonesian"], "ID"),
    (&["philippines", "filipino"], "PH"),
    (&["brunei", "brunei darussalam"], "BN"),
    (&["timor-leste", "east timor"], "TL"),
    (&["india", "indian"], "IN"),
    (&["pakistan", "pakistani"], "PK"),
    (&["bangladesh"], "BD"),
    (&["sri lanka"], "LK"),
    (&["nepal"], "NP"),
    (&["bhutan"], "BT"),
    (&["maldives"], "MV"),
    (&["afghanistan", "afghan"], "AF"),
    (
        &[
            "iran",
            "iran (islamic republic of)",
            "islamic republic of iran",
            "iranian",
        ],
        "IR",
    ),
    (&["iraq", "iraqi"], "IQ"),
    (&["syria", "syrian arab republic", "syrian"], "SY"),
    (&["lebanon", "lebanese"], "LB"),
    (&["jordan", "jordanian"], "JO"),
    (&["israel"], "IL"),
    (
        &[
            "palestinian",
            "state of palestine",
            "palestine",
            "palestinian territories",
            "palestinian territory, occupied",
            "west bank",
            "region: west bank",
            "gaza",
            "region: gaza",
        ],
        "PS",
    ),
    (&["saudi arabia", "saudi arabian", "saudi"], "SA"),
    (&["yemen", "yemeni"], "YE"),
    (&["oman", "sultanate of oman"], "OM"),
    (&["united arab emirates", "uae"], "AE"),
    (&["qatar", "qatari"], "QA"),
    (&["bahrain", "bahraini"], "BH"),
    (&["kuwait", "kuwaiti"], "KW"),
    (&["turkey", "türkiye", "turkiye", "turkish"], "TR"),
    (&["cyprus"], "CY"),
    (&["georgia"], "GE"),
    (&["armenia"], "AM"),
    (&["azerbaijan"], "AZ"),
    (&["kazakhstan"], "KZ"),
    (&["kyrgyzstan"], "KG"),
    (&["tajikistan"], "TJ"),
    (&["turkmenistan"], "TM"),
    (&["uzbekistan", "uzbek"], "UZ"),
    (&["ukraine", "ukrainian"], "UA"),
    (&["belarus"], "BY"),
    (&["moldova", "republic of moldova"], "MD"),
    (&["egypt", "egyptian"], "EG"),
    (&["libya", "libyan arab jamahiriya", "libyan"], "LY"),
    (&["tunisia", "tunisian"], "TN"),
    (&["algeria", "algerian"], "DZ"),
    (&["morocco", "moroccan"], "MA"),
    (&["mauritania"], "MR"),
    (&["mali"], "ML"),
    (&["niger"], "NE"),
    (&["nigeria", "nigerian"], "NG"),
    (&["chad"], "TD"),
    (&["sudan", "sudanese"], "SD"),
    (&["south sudan"], "SS"),
    (&["eritrea"], "ER"),
    (&["ethiopia", "ethiopian"], "ET"),
    (&["djibouti"], "DJ"),
    (&["somalia", "somali"], "SO"),
    (&["kenya", "kenyan"], "KE"),
    (&["uganda"], "UG"),
    (&["rwanda"], "RW"),
    (&["burundi"], "BI"),
    (&["tanzania", "united republic of tanzania"], "TZ"),
    (
        &[
            "congo, democratic republic of the",
            "democratic republic of the congo",
            "congo (kinshasa)",
            "drc",
        ],
        "CD",
    ),
    (
        &[
            "congo, republic of the",
            "congo",
            "republic of the congo",
            "congo (brazzaville)",
        ],
        "CG",
    ),
    (&["central african republic"], "CF"),
    (&["cameroon"], "CM"),
    (&["gabon"], "GA"),
    (&["equatorial guinea"], "GQ"),
    (&["angola"], "AO"),
    (&["zambia"], "ZM"),
    (&["zimbabwe"], "ZW"),
    (&["mozambique"], "MZ"),
    (&["malawi"], "MW"),
    (&["namibia"], "NA"),
    (&["botswana"], "BW"),
    (&["south africa"], "ZA"),
    (&["madagascar"], "MG"),
    (&["mauritius"], "MU"),
    (&["seychelles"], "SC"),
    (&["comoros", "union of the comoros"], "KM"),
    (&["senegal"], "SN"),
    (&["gambia", "gambia, the", "the gambia"], "GM"),
    (&["guinea"], "GN"),
    (&["guinea-bissau"], "GW"),
    (&["sierra leone"], "SL"),
    (&["liberia"], "LR"),
    (
        &[
            "cote d ivoire",
            "cote d'ivoire",
            "côte d'ivoire",
            "ivory coast",
        ],
        "CI",
    ),
    (&["ghana"], "GH"),
    (&["togo"], "TG"),
    (&["benin"], "BJ"),
    (&["burkina faso"], "BF"),
    (&["cabo verde", "cape verde"], "CV"),
    (
        &[
            "united kingdom",
            "united kingdom of great britain and northern ireland",
            "uk",
            "great britain",
            "british",
        ],
        "GB",
    ),
    (&["ireland"], "IE"),
    (&["france", "french"], "FR"),
    (&["germany", "german"], "DE"),
    (&["netherlands", "the netherlands", "dutch"], "NL"),
    (&["belgium", "belgian"], "BE"),
    (&["luxembourg"], "LU"),
    (&["switzerland", "swiss"], "CH"),
    (&["liechtenstein"], "LI"),
    (&["austria"], "AT"),
    (&["italy", "italian"], "IT"),
    (&["spain", "spanish"], "ES"),
    (&["portugal"], "PT"),
    (&["greece"], "GR"),
    (&["malta"], "MT"),
    (&["monaco"], "MC"),
    (&["san marino"], "SM"),
    (&["denmark"], "DK"),
    (&["norway"], "NO"),
    (&["sweden"], "SE"),
    (&["finland"], "FI"),
    (&["iceland"], "IS"),
    (&["estonia"], "EE"),
    (&["latvia"], "LV"),
    (&["lithuania"], "LT"),
    (&["poland"], "PL"),
    (&["czech republic", "czechia"], "CZ"),
    (&["slovakia"], "SK"),
    (&["hungary"], "HU"),
    (&["slovenia"], "SI"),
    (&["croatia"], "HR"),
    (&["bosnia and herzegovina"], "BA"),
    (&["serbia"], "RS"),
    (&["montenegro"], "ME"),
    (&["kosovo"], "XK"),
    (
        &[
            "north macedonia, the republic of",
            "north macedonia",
            "macedonia",
        ],
        "MK",
    ),
    (&["albania"], "AL"),
    (&["bulgaria"], "BG"),
    (&["romania"], "RO"),
    (
        &["united states", "united states of america", "usa", "us"],
        "US",
    ),
    (&["canada"], "CA"),
    (&["mexico", "mexican"], "MX"),
    (&["guatemala"], "GT"),
    (&["belize"], "BZ"),
    (&["honduras"], "HN"),
    (&["el salvador"], "SV"),
    (&["nicaragua"], "NI"),
    (&["costa rica"], "CR"),
    (&["panama"], "PA"),
    (&["cuba", "cuban"], "CU"),
    (&["haiti"], "HT"),
    (&["dominican republic"], "DO"),
    (&["jamaica"], "JM"),
    (&["bahamas", "bahamas, the"], "BS"),
    (&["barbados"], "BB"),
    (&["trinidad and tobago"], "TT"),
    (&["dominica"], "DM"),
    (&["antigua and barbuda"], "AG"),
    (&["saint kitts and nevis", "st. kitts and nevis"], "KN"),
    (&["saint lucia"], "LC"),
    (&["saint vincent and the grenadines"], "VC"),
    (&["grenada"], "GD"),
    (&["aruba"], "AW"),
    (&["curacao", "curaçao"], "CW"),
    (&["cayman islands"], "KY"),
    (&["virgin islands, british", "british virgin islands"], "VG"),
    (&["bermuda"], "BM"),
    (&["colombia", "colombian"], "CO"),
    (&["venezuela", "venezuelan"], "VE"),
    (&["ecuador"], "EC"),
    (&["peru"], "PE"),
    (&["bolivia"], "BO"),
    (&["brazil"], "BR"),
    (&["paraguay"], "PY"),
    (&["uruguay"], "UY"),
    (&["argentina"], "AR"),
    (&["chile"], "CL"),
    (&["guyana"], "GY"),
    (&["suriname"], "SR"),
    (&["australia"], "AU"),
    (&["new zealand"], "NZ"),
    (&["marshall islands"], "MH"),
    (&["palau"], "PW"),
    (&["vanuatu"], "VU"),
    (&["samoa"], "WS"),
    (&["fiji"], "FJ"),
    (&["tuvalu"], "TV"),
    (&["man, isle of", "isle of man"], "IM"),
    (&["jersey"], "JE"),
    (&["guernsey"], "GG"),
    (&["gibraltar"], "GI"),
    (&["andorra"], "AD"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_names_from_both_lists_map_to_the_same_code() {
        assert_eq!(country_code("Korea, North"), Some("KP"));
        assert_eq!(
            country_code("Democratic People's Republic of Korea"),
            Some("KP")
        );
        assert_eq!(country_code("  the Netherlands. "), Some("NL"));
        assert_eq!(
            country_code("United Kingdom of Great Britain and Northern\n   Ireland"),
            Some("GB")
        );
        assert_eq!(country_code("Türkiye"), Some("TR"));
        assert_eq!(
            country_code("Congo, Democratic Republic of the"),
            Some("CD")
        );
        assert_eq!(country_code("former Soviet Union"), None);
        assert_eq!(
            normalize_country("USSR (until 1991)").as_deref(),
            Some("USSR (until 1991)")
        );
        assert_eq!(normalize_country("  "), None);
    }

    #[test]
    fn every_country_code_is_two_upper_case_letters_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (names, code) in COUNTRIES {
            assert!(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()));
            for n in *names {
                assert_eq!(n.to_lowercase(), *n, "keys are lower case");
                assert!(seen.insert(*n), "duplicate country name {n}");
            }
        }
    }

    #[test]
    fn partial_dates_round_trip_through_iso_text() {
        for s in ["1965-04-25", "1973-11", "1968"] {
            let d = PartialDate::parse_iso(s).expect("valid");
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(PartialDate::parse_iso("1965-02-30"), None);
        assert_eq!(PartialDate::parse_iso("1965-13"), None);
        assert_eq!(PartialDate::parse_iso("abc"), None);
    }

    #[test]
    fn entry_serializes_to_snake_case_json_and_back() {
        let mut e = ListEntry::new("un_sc", "KPi.066", EntryKind::Person, "KIM JONG SIK");
        e.push_alias("Kim Cho'ng-sik", AliasQuality::Weak);
        e.push_alias("Kim Cho'ng-sik", AliasQuality::Strong);
        e.push_alias("KIM JONG SIK", AliasQuality::Strong);
        e.identifiers.push(Identifier {
            kind: IdentifierKind::Other("SWIFT/BIC".into()),
            value: "X".into(),
            country: Some("KP".into()),
            note: None,
        });
        e.birth_dates.push(BirthDate {
            from: PartialDate::year(1967),
            to: Some(PartialDate::year(1969)),
            circa: true,
        });
        let json = serde_json::to_string(&e).expect("serialize");
        assert!(json.contains(r#""kind":"person""#), "{json}");
        assert!(json.contains(r#""quality":"strong""#), "{json}");
        assert!(json.contains(r#""other":"SWIFT/BIC""#), "{json}");
        assert_eq!(
            e.aliases.len(),
            1,
            "duplicate and primary-name aliases dropped"
        );
        let back: ListEntry = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, e);
        assert_eq!(back.birth_dates[0].year_span(), (1967, 1969));
    }

    #[test]
    fn warnings_are_capped_and_counted() {
        let mut r = ParseReport::new("x");
        for i in 0..(MAX_WARNINGS + 5) {
            r.warn(format!("w{i}"));
        }
        assert_eq!(r.warnings.len(), MAX_WARNINGS);
        assert_eq!(r.warnings_suppressed, 5);
    }
}
