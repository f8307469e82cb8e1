//! Screening a subject (a person or organisation with names, birth date,
//! nationalities, identifiers and wallets) against the indexed lists. Each
//! hit carries the list entry, the list name that matched, the score and
//! band, and every feature that moved the score with its effect. An
//! identifier or wallet found on a list is a hit on its own.

use std::collections::HashMap;

use serde::Serialize;

use super::index::{normalize_identifier, Candidate, Floors, NameClass, NameIndex};
use super::lists::{BirthDate, EntryKind, IdentifierKind, ListEntry};
use super::names::AnalyzedName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Person,
    Organization,
}

/// A date known to the day, month or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectIdentifier {
    /// `passport`, `national_id`, `tax_id`, … as the caller names it.
    pub kind: String,
    pub value: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The primary name first, then aliases.
    pub names: Vec<String>,
    pub date_of_birth: Option<SubjectDate>,
    /// ISO alpha-2 codes.
    pub nationalities: Vec<String>,
    pub identifiers: Vec<SubjectIdentifier>,
    pub crypto_addresses: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub review: f64,
    pub strong: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            review: 0.8,
            strong: 0.92,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Review,
    Strong,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feature {
    pub feature: &'static str,
    /// A score that stands for itself (the name, an identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// An adjustment added to the name score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub list: String,
    pub entry_id: String,
    pub kind: EntryKind,
    /// The entry's primary name.
    pub name: String,
    /// The list name or alias that matched.
    pub matched_name: String,
    /// The subject's name it matched.
    pub query_name: String,
    pub score: f64,
    pub band: Band,
    pub programs: Vec<String>,
    /// True when an identifier or wallet matched exactly.
    pub identifier_match: bool,
    pub features: Vec<Feature>,
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn feature(feature: &'static str, effect: f64, detail: String) -> Feature {
    Feature {
        feature,
        score: None,
        effect: Some(round(effect)),
        detail,
    }
}

/// What a listed birth date agreeing to the day adds to a name's score.
const BIRTH_DATE_EXACT: f64 = 0.08;
/// What a listed birth year that fits adds.
const BIRTH_YEAR_FITS: f64 = 0.04;
/// What a listed nationality shared adds.
const NATIONALITY_SHARED: f64 = 0.03;

/// What a weak alias takes off.
const WEAK_ALIAS: f64 = -0.08;
/// What an entry of the other kind (a person for an organization, or the
/// reverse) takes off.
const OTHER_KIND: f64 = -0.3;

/// Per class of list name, the least name score that `subject`'s other
/// features could still carry to the review threshold: below it by as much
/// as a confirming birth date and nationality could lift (where the entry
/// lists them), above it by a weak alias's or another kind's penalty. A
/// class whose floor is above 1 is not looked at. (A hair lower, for
/// rounding.)
fn floors(subject: &Subject, thresholds: Thresholds) -> Floors {
    let mut floors = [0.0; NameClass::COUNT];
    for (class, floor) in floors.iter_mut().enumerate() {
        let class = class as u8;
        let has = |bit: u8| class & bit != 0;
        let mut effects = 0.0;
        if subject.date_of_birth.is_some() && has(NameClass::BIRTH_DATES) {
            effects += BIRTH_DATE_EXACT.max(BIRTH_YEAR_FITS);
        }
        if !subject.nationalities.is_empty() && has(NameClass::NATIONALITIES) {
            effects += NATIONALITY_SHARED;
        }
        if has(NameClass::WEAK) {
            effects += WEAK_ALIAS;
        }
        let kind = if has(NameClass::PERSON) {
            EntryKind::Person
        } else {
            EntryKind::Organization
        };
        if !kind_matches(subject.kind, kind) {
            effects += OTHER_KIND;
        }
        *floor = thresholds.review - effects - 1e-9;
    }
    Floors(floors)
}

/// Year-level overlap first; full dates must agree to the day to count as
/// exact. A conflict lowers the score: two different people share names.
fn birth_date_feature(subject: SubjectDate, listed: &[BirthDate]) -> Option<Feature> {
    if listed.is_empty() {
        return None;
    }
    let mut year_overlap = false;
    for date in listed {
        let (from, to) = date.year_span();
        let slack = i32::from(date.circa);
        if subject.year >= from - slack && subject.year <= to + slack {
            year_overlap = true;
            let exact = date.to.is_none()
                && date.from.month.is_some()
                && date.from.month == subject.month
                && date.from.day.is_some()
                && date.from.day == subject.day;
            if exact {
                return Some(feature(
                    "date_of_birth",
                    BIRTH_DATE_EXACT,
                    format!("born {date_text} as listed", date_text = date.from),
                ));
            }
        }
    }
    let listed_text = listed
        .iter()
        .map(|d| match d.to {
            Some(to) => format!("{} to {}", d.from, to),
            None => d.from.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(if year_overlap {
        feature(
            "date_of_birth",
            BIRTH_YEAR_FITS,
            format!("birth year {} fits the listed {listed_text}", subject.year),
        )
    } else {
        feature(
            "date_of_birth",
            -0.2,
            format!(
                "birth year {} conflicts with the listed {listed_text}",
                subject.year
            ),
        )
    })
}

fn nationality_feature(subject: &[String], entry: &ListEntry) -> Option<Feature> {
    let listed: Vec<&String> = entry
        .nationalities
        .iter()
        .chain(&entry.citizenships)
        .collect();
    if subject.is_empty() || listed.is_empty() {
        return None;
    }
    let shared = subject
        .iter()
        .find(|s| listed.iter().any(|l| l.eq_ignore_ascii_case(s)));
    Some(match shared {
        Some(code) => feature(
            "nationality",
            NATIONALITY_SHARED,
            format!("nationality {code} as listed"),
        ),
        None => feature(
            "nationality",
            -0.05,
            format!(
                "nationality {} is not the listed {}",
                subject.join("/"),
                listed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
        ),
    })
}

fn identifier_kind_compatible(subject: &str, listed: &IdentifierKind) -> bool {
    match listed {
        IdentifierKind::Passport => subject == "passport",
        IdentifierKind::NationalId => matches!(subject, "national_id" | "other"),
        IdentifierKind::TaxId => matches!(subject, "tax_id" | "other"),
        IdentifierKind::Registration => matches!(subject, "tax_id" | "other"),
        IdentifierKind::Other(_) => true,
    }
}

fn kind_matches(subject: SubjectKind, entry: EntryKind) -> bool {
    match subject {
        SubjectKind::Person => entry == EntryKind::Person,
        SubjectKind::Organization => entry != EntryKind::Person,
    }
}

/// Screens `subject` against every list in `index`, or only `lists`.
pub fn screen(
    index: &NameIndex,
    subject: &Subject,
    lists: Option<&[String]>,
    thresholds: Thresholds,
) -> Vec<Hit> {
    let wanted = |entry: &ListEntry| lists.is_none_or(|l| l.contains(&entry.list));
    let organization = subject.kind == SubjectKind::Organization;
    // The best hit per entry, keyed by entry position.
    let mut best: HashMap<u32, Hit> = HashMap::new();
    // Each name is looked at from the score its entry's other features
    // could carry to the review threshold, and no lower: the index bounds
    // and scores against that, and skips what cannot make it.
    let floors = floors(subject, thresholds);
    for query_name in &subject.names {
        let query = AnalyzedName::new(query_name, organization);
        if query.tokens.is_empty() {
            continue;
        }
        for candidate in index.search_above(&query, &floors) {
            let entry = index.entry(candidate.name.entry);
            if !wanted(entry) {
                continue;
            }
            let name_score = candidate.score.score;
            // The effects first: most names retrieved above the floor end
            // below the review threshold or under a better alias of their
            // entry, and need no explanation written.
            let mut effects = Vec::new();
            if candidate.name.weak {
                effects.push(feature(
                    "weak_alias",
                    WEAK_ALIAS,
                    "the list itself calls this alias low quality".into(),
                ));
            }
            if !kind_matches(subject.kind, entry.kind) {
                effects.push(feature(
                    "kind",
                    OTHER_KIND,
                    format!("the list entry is a {}", entry.kind.as_str()),
                ));
            }
            if let Some(dob) = subject.date_of_birth {
                effects.extend(birth_date_feature(dob, &entry.birth_dates));
            }
            effects.extend(nationality_feature(&subject.nationalities, entry));
            let total: f64 = effects.iter().filter_map(|f| f.effect).sum();
            let score = (name_score + total).clamp(0.0, 1.0);
            if score < thresholds.review {
                continue;
            }
            let score_rounded = round(score);
            if best
                .get(&candidate.name.entry)
                .is_some_and(|held| held.score >= score_rounded)
            {
                continue;
            }
            let mut features = Vec::with_capacity(effects.len() + 1);
            features.push(Feature {
                feature: "name",
                score: Some(round(name_score)),
                effect: None,
                detail: name_detail(query_name, &candidate),
            });
            features.extend(effects);
            best.insert(
                candidate.name.entry,
                Hit {
                    list: entry.list.clone(),
                    entry_id: entry.entry_id.clone(),
                    kind: entry.kind,
                    name: entry.name.clone(),
                    matched_name: candidate.name.name.clone(),
                    query_name: query_name.clone(),
                    score: score_rounded,
                    band: if score >= thresholds.strong {
                        Band::Strong
                    } else {
                        Band::Review
                    },
                    programs: entry.programs.clone(),
                    identifier_match: false,
                    features,
                },
            );
        }
    }
    add_identifier_hits(index, subject, &wanted, &mut best);
    let mut hits: Vec<Hit> = best.into_values().collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entry_id.cmp(&b.entry_id))
    });
    hits
}

/// The name feature's explanation: which list name matched, token by
/// token, and what was left unmatched on either side.
fn name_detail(query_name: &str, candidate: &Candidate<'_>) -> String {
    let alignment = candidate
        .score
        .matches
        .iter()
        .map(|m| {
            format!(
                "{}={} ({:?}, {:.2})",
                m.query, m.candidate, m.kind, m.similarity
            )
            .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut detail = format!(
        "\"{query_name}\" ~ \"{}\": {alignment}",
        candidate.name.name
    );
    if !candidate.score.unmatched_query.is_empty() {
        detail.push_str(&format!(
            "; unmatched in query: {}",
            candidate.score.unmatched_query.join(" ")
        ));
    }
    if !candidate.score.unmatched_candidate.is_empty() {
        detail.push_str(&format!(
            "; unmatched in list name: {}",
            candidate.score.unmatched_candidate.join(" ")
        ));
    }
    if let Some(script) = &candidate.score.script {
        detail.push_str(&format!("; {script}"));
    }
    detail
}

/// Identifiers and wallets are exact facts: a listed one is a strong hit
/// whatever the names say.
fn add_identifier_hits(
    index: &NameIndex,
    subject: &Subject,
    wanted: &dyn Fn(&ListEntry) -> bool,
    best: &mut HashMap<u32, Hit>,
) {
    let mut found: Vec<(u32, Feature)> = Vec::new();
    for id in &subject.identifiers {
        for &entry_id in index.entries_with_identifier(&id.value) {
            let entry = index.entry(entry_id);
            let value = normalize_identifier(&id.value);
            let listed = entry.identifiers.iter().find(|l| {
                normalize_identifier(&l.value) == value
                    && identifier_kind_compatible(&id.kind, &l.kind)
                    && match (&id.country, &l.country) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => true,
                    }
            });
            if let Some(listed) = listed {
                found.push((
                    entry_id,
                    Feature {
                        feature: "identifier",
                        score: Some(1.0),
                        effect: None,
                        detail: format!(
                            "{} {} is listed as {:?}",
                            id.kind, listed.value, listed.kind
                        )
                        .to_lowercase(),
                    },
                ));
            }
        }
    }
    for wallet in &subject.crypto_addresses {
        for &entry_id in index.entries_with_identifier(wallet) {
            let entry = index.entry(entry_id);
            let value = normalize_identifier(wallet);
            if let Some(listed) = entry
                .crypto_addresses
                .iter()
                .find(|w| normalize_identifier(&w.address) == value)
            {
                found.push((
                    entry_id,
                    Feature {
                        feature: "crypto_address",
                        score: Some(1.0),
                        effect: None,
                        detail: format!("{} address {} is listed", listed.currency, listed.address),
                    },
                ));
            }
        }
    }
    for (entry_id, feat) in found {
        let entry = index.entry(entry_id);
        if !wanted(entry) {
            continue;
        }
        let hit = best.entry(entry_id).or_insert_with(|| Hit {
            list: entry.list.clone(),
            entry_id: entry.entry_id.clone(),
            kind: entry.kind,
            name: entry.name.clone(),
            matched_name: entry.name.clone(),
            query_name: subject.names.first().cloned().unwrap_or_default(),
            score: 1.0,
            band: Band::Strong,
            programs: entry.programs.clone(),
            identifier_match: true,
            features: Vec::new(),
        });
        hit.score = 1.0;
        hit.band = Band::Strong;
        hit.identifier_match = true;
        hit.features.push(feat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::lists::PartialDate;

    fn index(entries: Vec<ListEntry>) -> NameIndex {
        NameIndex::of_test_list(entries)
    }

    fn person(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::Person,
            names: vec![name.to_string()],
            date_of_birth: None,
            nationalities: Vec::new(),
            identifiers: Vec::new(),
            crypto_addresses: Vec::new(),
        }
    }

    #[test]
    fn a_name_just_below_review_is_lifted_by_birth_date_and_nationality_only() {
        let mut listed = ListEntry::new(
            "test",
            "1",
            EntryKind::Person,
            "Maria Garcia Lopez Perez Ruiz",
        );
        listed.birth_dates = vec![BirthDate::exact(
            PartialDate::parse_iso("1980-05-04").unwrap(),
        )];
        listed.nationalities = vec!["ES".into()];
        let mut entries = vec![listed];
        for (i, filler) in ["Jan Novak", "Olga Petrova", "Wei Chen", "Omar Haddad"]
            .iter()
            .enumerate()
        {
            entries.push(ListEntry::new(
                "test",
                &format!("f{i}"),
                EntryKind::Person,
                filler,
            ));
        }
        let index = index(entries);
        let thresholds = Thresholds::default();
        // The name alone scores in the band a birth date and a nationality
        // can lift (else this test would show nothing).
        let name_score = index
            .search(&AnalyzedName::new("Maria Garcia", false), 0.0)
            .first()
            .map(|c| c.score.score)
            .unwrap();
        assert!(
            name_score < thresholds.review && name_score >= thresholds.review - 0.11,
            "{name_score}"
        );
        assert!(screen(&index, &person("Maria Garcia"), None, thresholds).is_empty());
        let mut confirmed = person("Maria Garcia");
        confirmed.date_of_birth = Some(SubjectDate {
            year: 1980,
            month: Some(5),
            day: Some(4),
        });
        confirmed.nationalities = vec!["ES".into()];
        let hits = screen(&index, &confirmed, None, thresholds);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].entry_id, "1");
        assert!(hits[0].score >= thresholds.review);
        let effects: Vec<&str> = hits[0].features.iter().map(|f| f.feature).collect();
        assert_eq!(effects, ["name", "date_of_birth", "nationality"]);
        // The floor follows what the entry lists and the subject gives.
        let dated = usize::from(NameClass::PERSON | NameClass::BIRTH_DATES);
        let plain = floors(&person("Maria Garcia"), thresholds);
        assert!(plain.0[dated] < thresholds.review && plain.0[dated] > 0.79);
        let with_date = floors(&confirmed, thresholds);
        assert!((with_date.0[dated] - (thresholds.review - 0.08)).abs() < 1e-6);
        let organization = usize::from(NameClass::BIRTH_DATES);
        assert!(
            with_date.0[organization] > 1.0,
            "another kind is never a hit"
        );
        let weak = usize::from(NameClass::PERSON | NameClass::WEAK);
        assert!((with_date.0[weak] - (thresholds.review + 0.08)).abs() < 1e-6);
    }
}
