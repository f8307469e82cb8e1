//! A candidate as an HR platform describes it: identity, contact details,
//! claimed location, identifiers and payment details. `CandidateData::parse`
//! is the only way in; it reports every bad field at once. Its JSON form is
//! canonical and is what the store keeps, so stored data always re-parses.

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{FieldErrors, ObjectReader};
use super::values::{
    clean_text, CountryCode, Email, ExternalId, Name, PartialDate, Phone, TimeZone,
};

const MAX_LIST: usize = 50;
const MAX_METADATA_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateData {
    external_id: ExternalId,
    full_name: Name,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_of_birth: Option<PartialDate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nationalities: Vec<CountryCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claimed_location: Option<ClaimedLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    emails: Vec<Email>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<Phone>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<Address>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment: Option<Payment>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    profiles: Vec<Profile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<Position>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    metadata: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimedLocation {
    pub country: CountryCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<TimeZone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Home,
    Shipping,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Address {
    pub kind: AddressKind,
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    pub country: CountryCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierType {
    Passport,
    NationalId,
    TaxId,
    DriversLicense,
    ResidencePermit,
    Other,
}

impl IdentifierType {
    const NAMES: &'static [&'static str] = &[
        "passport",
        "national_id",
        "tax_id",
        "drivers_license",
        "residence_permit",
        "other",
    ];

    fn parse(raw: &str) -> Result<IdentifierType, String> {
        Ok(match raw {
            "passport" => IdentifierType::Passport,
            "national_id" => IdentifierType::NationalId,
            "tax_id" => IdentifierType::TaxId,
            "drivers_license" => IdentifierType::DriversLicense,
            "residence_permit" => IdentifierType::ResidencePermit,
            "other" => IdentifierType::Other,
            _ => return Err(format!("must be one of {}", Self::NAMES.join(", "))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account_country: Option<CountryCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account_hash: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crypto_addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

const FIELDS: &[&str] = &[
    "external_id",
    "full_name",
    "aliases",
    "date_of_birth",
    "nationalities",
    "claimed_location",
    "emails",
    "phones",
    "addresses",
    "identifiers",
    "payment",
    "profiles",
    "position",
    "metadata",
];

impl CandidateData {
    /// Parses a candidate body, reporting every bad field.
    pub fn parse(body: &Value) -> Result<CandidateData, FieldErrors> {
        let mut errs = FieldErrors::default();
        let Some(obj) = ObjectReader::new(body, "", &mut errs) else {
            return Err(errs);
        };
        obj.deny_unknown(FIELDS, &mut errs);

        let external_id = obj.parsed_req("external_id", &mut errs, ExternalId::parse);
        let full_name = obj.parsed_req("full_name", &mut errs, Name::parse);
        let aliases = obj.parsed_strings("aliases", MAX_LIST, &mut errs, Name::parse);
        let date_of_birth = obj.parsed_opt("date_of_birth", &mut errs, PartialDate::parse);
        let nationalities = obj.parsed_strings("nationalities", 10, &mut errs, CountryCode::parse);
        let claimed_location = obj
            .object_opt("claimed_location", &mut errs)
            .and_then(|o| parse_location(&o, &mut errs));
        let emails = obj.parsed_strings("emails", MAX_LIST, &mut errs, Email::parse);
        let home = claimed_location.as_ref().map(|l| l.country);
        let phones = obj.parsed_strings("phones", MAX_LIST, &mut errs, |s| Phone::parse(s, home));
        let addresses = obj
            .array_opt("addresses", MAX_LIST, &mut errs)
            .into_iter()
            .filter_map(|(path, v)| {
                let o = ObjectReader::new(v, &path, &mut errs)?;
                parse_address(&o, &mut errs)
            })
            .collect();
        let identifiers = obj
            .array_opt("identifiers", MAX_LIST, &mut errs)
            .into_iter()
            .filter_map(|(path, v)| {
                let o = ObjectReader::new(v, &path, &mut errs)?;
                parse_identifier(&o, &mut errs)
            })
            .collect();
        let payment = obj
            .object_opt("payment", &mut errs)
            .and_then(|o| parse_payment(&o, &mut errs));
        let profiles = obj
            .array_opt("profiles", MAX_LIST, &mut errs)
            .into_iter()
            .filter_map(|(path, v)| {
                let o = ObjectReader::new(v, &path, &mut errs)?;
                parse_profile(&o, &mut errs)
            })
            .collect();
        let position = obj
            .object_opt("position", &mut errs)
            .and_then(|o| parse_position(&o, &mut errs));
        let metadata = parse_metadata(obj.get("metadata"), &mut errs);

        match (external_id, full_name) {
            (Some(external_id), Some(full_name)) if errs.is_empty() => Ok(CandidateData {
                external_id,
                full_name,
                aliases,
                date_of_birth,
                nationalities,
                claimed_location,
                emails,
                phones,
                addresses,
                identifiers,
                payment,
                profiles,
                position,
                metadata,
            }),
            _ => Err(errs),
        }
    }

    /// The canonical JSON form, which [`CandidateData::parse`] accepts again.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn external_id(&self) -> &ExternalId {
        &self.external_id
    }

    pub fn full_name(&self) -> &Name {
        &self.full_name
    }

    pub fn aliases(&self) -> &[Name] {
        &self.aliases
    }

    pub fn date_of_birth(&self) -> Option<PartialDate> {
        self.date_of_birth
    }

    pub fn nationalities(&self) -> &[CountryCode] {
        &self.nationalities
    }

    pub fn claimed_location(&self) -> Option<&ClaimedLocation> {
        self.claimed_location.as_ref()
    }

    pub fn emails(&self) -> &[Email] {
        &self.emails
    }

    pub fn phones(&self) -> &[Phone] {
        &self.phones
    }

    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }

    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    pub fn payment(&self) -> Option<&Payment> {
        self.payment.as_ref()
    }
}

fn text(max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |s| clean_text(s, 1, max)
}

fn parse_location(o: &ObjectReader, errs: &mut FieldErrors) -> Option<ClaimedLocation> {
    o.deny_unknown(&["country", "region", "city", "timezone"], errs);
    let country = o.parsed_req("country", errs, CountryCode::parse);
    let region = o.parsed_opt("region", errs, text(100));
    let city = o.parsed_opt("city", errs, text(100));
    let timezone = o.parsed_opt("timezone", errs, TimeZone::parse);
    Some(ClaimedLocation {
        country: country?,
        region,
        city,
        timezone,
    })
}

fn parse_address(o: &ObjectReader, errs: &mut FieldErrors) -> Option<Address> {
    o.deny_unknown(
        &[
            "kind",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
        ],
        errs,
    );
    let kind = o.parsed_req("kind", errs, |s| match s {
        "home" => Ok(AddressKind::Home),
        "shipping" => Ok(AddressKind::Shipping),
        _ => Err("must be home or shipping".to_string()),
    });
    let line1 = o.parsed_req("line1", errs, text(200));
    let line2 = o.parsed_opt("line2", errs, text(200));
    let city = o.parsed_opt("city", errs, text(100));
    let region = o.parsed_opt("region", errs, text(100));
    let postal_code = o.parsed_opt("postal_code", errs, text(20));
    let country = o.parsed_req("country", errs, CountryCode::parse);
    Some(Address {
        kind: kind?,
        line1: line1?,
        line2,
        city,
        region,
        postal_code,
        country: country?,
    })
}

fn parse_identifier(o: &ObjectReader, errs: &mut FieldErrors) -> Option<Identifier> {
    o.deny_unknown(&["type", "value", "country"], errs);
    let kind = o.parsed_req("type", errs, IdentifierType::parse);
    let value = o.parsed_req("value", errs, text(64));
    let country = o.parsed_opt("country", errs, CountryCode::parse);
    Some(Identifier {
        kind: kind?,
        value: value?,
        country,
    })
}

/// Hashes and wallet addresses are opaque tokens: no spaces, a sane length.
fn token(min: usize, max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |s| {
        let s = s.trim();
        let len = s.chars().count();
        if len < min || len > max {
            return Err(format!("must be {min} to {max} characters"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
        {
            return Err("may contain only letters, digits and : _ - .".into());
        }
        Ok(s.to_string())
    }
}

fn parse_payment(o: &ObjectReader, errs: &mut FieldErrors) -> Option<Payment> {
    o.deny_unknown(
        &[
            "bank_account_country",
            "bank_account_hash",
            "crypto_addresses",
        ],
        errs,
    );
    Some(Payment {
        bank_account_country: o.parsed_opt("bank_account_country", errs, CountryCode::parse),
        bank_account_hash: o.parsed_opt("bank_account_hash", errs, token(8, 128)),
        crypto_addresses: o.parsed_strings("crypto_addresses", 20, errs, token(20, 128)),
    })
}

fn parse_profile(o: &ObjectReader, errs: &mut FieldErrors) -> Option<Profile> {
    o.deny_unknown(&["kind", "url"], errs);
    let kind = o.parsed_req("kind", errs, |s| {
        let s = s.trim().to_ascii_lowercase();
        if (1..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            Ok(s)
        } else {
            Err("must be a short word such as github or linkedin".to_string())
        }
    });
    let url = o.parsed_req("url", errs, |s| match url::Url::parse(s.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && s.len() <= 500 => Ok(u.to_string()),
        _ => Err("must be an absolute http(s) URL".to_string()),
    });
    Some(Profile {
        kind: kind?,
        url: url?,
    })
}

fn parse_position(o: &ObjectReader, errs: &mut FieldErrors) -> Option<Position> {
    o.deny_unknown(&["title", "department"], errs);
    let title = o.parsed_req("title", errs, text(200));
    let department = o.parsed_opt("department", errs, text(200));
    Some(Position {
        title: title?,
        department,
    })
}

fn parse_metadata(value: Option<&Value>, errs: &mut FieldErrors) -> Map<String, Value> {
    match value {
        None => Map::new(),
        Some(Value::Object(map)) => {
            if serde_json::to_vec(map).map_or(0, |v| v.len()) > MAX_METADATA_BYTES {
                errs.push(
                    "metadata",
                    format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
                );
            }
            map.clone()
        }
        Some(_) => {
            errs.push("metadata", "must be an object");
            Map::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_candidate_round_trips_through_its_canonical_json() {
        let body = json!({
            "external_id": "greenhouse-42",
            "full_name": " Jane  Doe ",
            "aliases": ["J. Doe"],
            "date_of_birth": "1990-02",
            "nationalities": ["us"],
            "claimed_location": {"country": "US", "region": "TX", "city": "Austin", "timezone": "America/Chicago"},
            "emails": ["jane@Example.com"],
            "phones": ["(512) 555-0143"],
            "addresses": [{"kind": "shipping", "line1": "1 Main St", "city": "Austin", "country": "US"}],
            "identifiers": [{"type": "passport", "value": "X1234567", "country": "US"}],
            "payment": {"bank_account_country": "US", "bank_account_hash": "sha256:abcdef0123456789"},
            "profiles": [{"kind": "GitHub", "url": "https://github.com/janedoe"}],
            "position": {"title": "Backend engineer"},
            "metadata": {"ats_stage": "offer"}
        });
        let parsed = CandidateData::parse(&body).unwrap();
        assert_eq!(parsed.full_name().as_str(), "Jane Doe");
        assert_eq!(parsed.phones()[0].as_str(), "+15125550143");
        assert_eq!(parsed.emails()[0].as_str(), "jane@example.com");
        let canonical = parsed.to_value();
        assert_eq!(canonical["profiles"][0]["kind"], "github");
        assert_eq!(canonical["nationalities"], json!(["US"]));
        assert_eq!(CandidateData::parse(&canonical).unwrap(), parsed);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let body = json!({
            "full_name": "",
            "nationalities": ["XX"],
            "emails": ["ok@example.com", "nope"],
            "claimed_location": {"country": "US", "timezone": "Mars/Base"},
            "identifiers": [{"type": "dna", "value": "1"}],
            "fullname": "typo"
        });
        let errs = CandidateData::parse(&body).unwrap_err();
        let fields: Vec<&str> = errs.as_slice().iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "external_id",
            "full_name",
            "nationalities[0]",
            "emails[1]",
            "claimed_location.timezone",
            "identifiers[0].type",
            "fullname",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }
}
