//! Small validated value types shared by the domain: names, countries, time
//! zones, emails, phone numbers and partial dates. Each has a `parse` that
//! returns a human-readable message on failure and serialises as a string.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use super::countries::is_country_code;

macro_rules! string_value {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

/// Trimmed, whitespace collapsed, no control characters, `min..=max` chars.
pub fn clean_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    if raw.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = cleaned.chars().count();
    if len < min {
        return Err(if min == 1 {
            "must not be empty".into()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if len > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(cleaned)
}

/// A person's or organisation's name in any script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);
string_value!(Name);

impl Name {
    pub fn parse(raw: &str) -> Result<Name, String> {
        let cleaned = clean_text(raw, 1, 300)?;
        if !cleaned.chars().any(char::is_alphabetic) {
            return Err("must contain at least one letter".into());
        }
        Ok(Name(cleaned))
    }
}

/// The HR platform's own identifier for a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId(String);
string_value!(ExternalId);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<ExternalId, String> {
        if raw != raw.trim() {
            return Err("must not start or end with whitespace".into());
        }
        clean_text(raw, 1, 200).map(ExternalId)
    }
}

/// ISO 3166-1 alpha-2, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Two ASCII letters in either case, not checked against the ISO list:
    /// IP-registry feeds also use regional and reserved codes (EU, AP, ZZ).
    pub fn from_letters(s: &str) -> Option<CountryCode> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// The code from the two bytes [`CountryCode::bytes`] gave.
    pub fn from_bytes(bytes: [u8; 2]) -> CountryCode {
        CountryCode(bytes)
    }

    pub fn bytes(self) -> [u8; 2] {
        self.0
    }

    pub fn parse(raw: &str) -> Result<CountryCode, String> {
        let upper = raw.trim().to_ascii_uppercase();
        if upper.len() == 2 && is_country_code(&upper) {
            let b = upper.as_bytes();
            Ok(CountryCode([b[0], b[1]]))
        } else {
            Err(format!(
                "must be an ISO 3166-1 alpha-2 country code (got {raw:?})"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An IANA time zone name such as `America/Chicago`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone(String);
string_value!(TimeZone);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<TimeZone, String> {
        chrono_tz::Tz::from_str(raw.trim())
            .map(|tz| TimeZone(tz.name().to_string()))
            .map_err(|_| format!("must be an IANA time zone such as Europe/Berlin (got {raw:?})"))
    }
}

/// An email address; the domain is lower-cased, the local part kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);
string_value!(Email);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let trimmed = raw.trim();
        let parsed = email_address::EmailAddress::from_str(trimmed)
            .map_err(|e| format!("is not a valid email address ({e})"))?;
        if !parsed.domain().contains('.') {
            return Err("is not a valid email address (domain has no dot)".into());
        }
        Ok(Email(format!(
            "{}@{}",
            parsed.local_part(),
            parsed.domain().to_lowercase()
        )))
    }
}

/// A phone number, stored in E.164 (`+14155552671`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);
string_value!(Phone);

impl Phone {
    /// Numbers without a `+` country prefix are read as national numbers of
    /// `default_country` (the candidate's claimed country) when one is known.
    pub fn parse(raw: &str, default_country: Option<CountryCode>) -> Result<Phone, String> {
        let region =
            default_country.and_then(|c| phonenumber::country::Id::from_str(c.as_str()).ok());
        if region.is_none() && !raw.trim_start().starts_with('+') {
            return Err(
                "must be in international form (+ and country code) when no claimed country is given"
                    .into(),
            );
        }
        let number = phonenumber::parse(region, raw.trim())
            .map_err(|e| format!("is not a phone number ({e})"))?;
        if !phonenumber::is_valid(&number) {
            return Err("is not a valid phone number for its country".into());
        }
        Ok(Phone(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }
}

/// A date known to the day, the month or only the year: `YYYY-MM-DD`,
/// `YYYY-MM` or `YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl PartialDate {
    pub fn parse(raw: &str) -> Result<PartialDate, String> {
        const MSG: &str = "must be a date as YYYY-MM-DD, YYYY-MM or YYYY";
        let parts: Vec<&str> = raw.trim().split('-').collect();
        let number = |s: &str, len: usize| -> Result<u32, String> {
            if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MSG.to_string());
            }
            s.parse::<u32>().map_err(|_| MSG.to_string())
        };
        let year = number(parts[0], 4)? as i32;
        let month = parts.get(1).map(|m| number(m, 2)).transpose()?;
        let day = parts.get(2).map(|d| number(d, 2)).transpose()?;
        if parts.len() > 3 {
            return Err(MSG.into());
        }
        let this_year = Utc::now().year();
        if !(1900..=this_year).contains(&year) {
            return Err(format!("year must be between 1900 and {this_year}"));
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err("month must be between 01 and 12".into());
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            let date = NaiveDate::from_ymd_opt(year, m, d)
                .ok_or_else(|| "is not a calendar date".to_string())?;
            if date > Utc::now().date_naive() {
                return Err("must not be in the future".into());
            }
        }
        Ok(PartialDate { year, month, day })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> Option<u32> {
        self.month
    }

    pub fn day(&self) -> Option<u32> {
        self.day
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_trimmed_and_collapsed() {
        assert_eq!(
            Name::parse("  Kim   Jong-un ").unwrap().as_str(),
            "Kim Jong-un"
        );
        assert_eq!(Name::parse("김정은").unwrap().as_str(), "김정은");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse("1234").is_err());
        assert!(Name::parse(&"a".repeat(301)).is_err());
        assert!(Name::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn partial_dates_keep_their_precision() {
        assert_eq!(
            PartialDate::parse("1985-04-25").unwrap().to_string(),
            "1985-04-25"
        );
        assert_eq!(
            PartialDate::parse("1985-04").unwrap().to_string(),
            "1985-04"
        );
        assert_eq!(PartialDate::parse("1985").unwrap().to_string(), "1985");
        assert!(PartialDate::parse("1985-02-30").is_err());
        assert!(PartialDate::parse("1985-13").is_err());
        assert!(PartialDate::parse("85-01-01").is_err());
        assert!(PartialDate::parse("2999-01-01").is_err());
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            Phone::parse("+1 (415) 555-2671", None).unwrap().as_str(),
            "+14155552671"
        );
        let us = CountryCode::parse("us").unwrap();
        assert_eq!(
            Phone::parse("(415) 555-2671", Some(us)).unwrap().as_str(),
            "+14155552671"
        );
        assert!(Phone::parse("415 555 2671", None).is_err());
        assert!(Phone::parse("+1 123", None).is_err());
    }

    #[test]
    fn emails_time_zones_and_countries() {
        assert_eq!(
            Email::parse(" Jane.Doe@Example.COM ").unwrap().as_str(),
            "Jane.Doe@example.com"
        );
        assert!(Email::parse("not-an-email").is_err());
        assert_eq!(
            TimeZone::parse("Asia/Pyongyang").unwrap().as_str(),
            "Asia/Pyongyang"
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert_eq!(CountryCode::parse("kp").unwrap().as_str(), "KP");
        assert!(CountryCode::parse("KPX").is_err());
    }
}
