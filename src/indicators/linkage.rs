//! Linkage: the same device, network, phone, email, bank account, wallet or
//! shipping address behind several candidates of one tenant. This module
//! turns candidate data and telemetry into identity keys (normalised, then
//! hashed, so the index holds no contact details in the clear) and turns the
//! links the store finds into `identity_reuse` signals.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::network::is_public;
use super::signal::{Category, Severity, Signal};
use crate::domain::candidate::AddressKind;
use crate::domain::telemetry::Telemetry;
use crate::domain::CandidateData;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    DeviceUuid,
    DeviceSerial,
    Ip,
    Phone,
    Email,
    BankAccount,
    CryptoAddress,
    ShippingAddress,
}

impl LinkKind {
    pub const ALL: [LinkKind; 8] = [
        LinkKind::DeviceUuid,
        LinkKind::DeviceSerial,
        LinkKind::Ip,
        LinkKind::Phone,
        LinkKind::Email,
        LinkKind::BankAccount,
        LinkKind::CryptoAddress,
        LinkKind::ShippingAddress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::DeviceUuid => "device_uuid",
            LinkKind::DeviceSerial => "device_serial",
            LinkKind::Ip => "ip",
            LinkKind::Phone => "phone",
            LinkKind::Email => "email",
            LinkKind::BankAccount => "bank_account",
            LinkKind::CryptoAddress => "crypto_address",
            LinkKind::ShippingAddress => "shipping_address",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        LinkKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn describe(self) -> &'static str {
        match self {
            LinkKind::DeviceUuid => "the same computer (hardware UUID)",
            LinkKind::DeviceSerial => "the same computer (serial number)",
            LinkKind::Ip => "the same IP address",
            LinkKind::Phone => "the same phone number",
            LinkKind::Email => "the same email address",
            LinkKind::BankAccount => "the same bank account",
            LinkKind::CryptoAddress => "the same crypto wallet",
            LinkKind::ShippingAddress => "the same shipping address",
        }
    }

    /// Shared networks (offices, universities, mobile carriers' NAT) make a
    /// shared IP weaker evidence than a shared device or account.
    fn severity(self) -> Severity {
        match self {
            LinkKind::Ip | LinkKind::Email => Severity::Medium,
            _ => Severity::High,
        }
    }
}

/// One normalised, hashed identity value of a candidate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdentityKey {
    pub kind: LinkKind,
    /// Hex SHA-256 of the kind and the normalised value.
    pub digest: String,
}

impl IdentityKey {
    fn new(kind: LinkKind, normalised: &str) -> IdentityKey {
        let mut h = Sha256::new();
        h.update(kind.as_str().as_bytes());
        h.update([0]);
        h.update(normalised.as_bytes());
        IdentityKey {
            kind,
            digest: hex::encode(h.finalize()),
        }
    }
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Keys from what the HR platform told us about the candidate.
pub fn candidate_keys(data: &CandidateData) -> Vec<IdentityKey> {
    let mut keys = Vec::new();
    for phone in data.phones() {
        keys.push(IdentityKey::new(LinkKind::Phone, phone.as_str()));
    }
    for email in data.emails() {
        keys.push(IdentityKey::new(
            LinkKind::Email,
            &normalise_email(email.as_str()),
        ));
    }
    if let Some(payment) = data.payment() {
        if let Some(hash) = &payment.bank_account_hash {
            keys.push(IdentityKey::new(
                LinkKind::BankAccount,
                &hash.to_ascii_lowercase(),
            ));
        }
        for wallet in &payment.crypto_addresses {
            keys.push(IdentityKey::new(
                LinkKind::CryptoAddress,
                &normalise_wallet(wallet),
            ));
        }
    }
    for address in data.addresses() {
        if address.kind == AddressKind::Shipping {
            let text = format!(
                "{}|{}|{}|{}",
                squash(&address.line1),
                squash(address.line2.as_deref().unwrap_or("")),
                squash(address.postal_code.as_deref().unwrap_or("")),
                address.country
            );
            keys.push(IdentityKey::new(LinkKind::ShippingAddress, &text));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Gmail ignores dots and `+tags`; other providers at least `+tags`.
fn normalise_email(email: &str) -> String {
    let lower = email.to_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return lower;
    };
    let local = local.split('+').next().unwrap_or(local);
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    let local = if domain == "gmail.com" {
        local.replace('.', "")
    } else {
        local.to_string()
    };
    format!("{local}@{domain}")
}

/// EVM addresses are case-insensitive hex; others (base58, bech32) keep case
/// except bech32, which is lower-case by rule.
fn normalise_wallet(wallet: &str) -> String {
    let w = wallet.trim();
    let lower = w.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("bc1") || lower.starts_with("ltc1") {
        lower
    } else {
        w.to_string()
    }
}

/// Placeholder serials and UUIDs that many machines share; linking on them
/// would join strangers.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    let hexish: String = v.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    v.len() < 4
        || hexish.chars().all(|c| c == '0')
        || hexish.chars().all(|c| c == 'f')
        || hexish == "03000200040005000006000700080009"
        || [
            "to be filled by o.e.m.",
            "default string",
            "system serial number",
            "not specified",
            "not applicable",
            "none",
            "n/a",
            "123456789",
            "0123456789",
            "chassis serial number",
        ]
        .contains(&v.as_str())
}

/// Keys from one telemetry report: the device's hardware identity and the
/// public IP addresses it used.
pub fn telemetry_keys(t: &Telemetry) -> Vec<IdentityKey> {
    let mut keys = Vec::new();
    for row in t.osquery.rows("system_info") {
        if let Some(uuid) = row.get("uuid").filter(|v| !is_placeholder(v)) {
            keys.push(IdentityKey::new(
                LinkKind::DeviceUuid,
                &uuid.trim().to_ascii_lowercase(),
            ));
        }
        for col in ["hardware_serial", "board_serial"] {
            if let Some(serial) = row.get(col).filter(|v| !is_placeholder(v)) {
                keys.push(IdentityKey::new(LinkKind::DeviceSerial, &squash(serial)));
            }
        }
    }
    for ip in t.ips() {
        if is_public(ip) {
            keys.push(IdentityKey::new(LinkKind::Ip, &canonical_ip(ip)));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// IPv6 clients rotate their interface id; the /64 is the household.
fn canonical_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Another candidate that shares a key with the one being assessed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LinkedCandidate {
    pub candidate_id: Uuid,
    pub external_id: String,
}

/// One `identity_reuse` signal per kind of shared value, naming every
/// other candidate behind it.
pub fn reuse_signals(links: &BTreeMap<LinkKind, Vec<LinkedCandidate>>) -> Vec<Signal> {
    links
        .iter()
        .filter(|(_, others)| !others.is_empty())
        .map(|(kind, others)| {
            let names: Vec<&str> = others.iter().map(|o| o.external_id.as_str()).collect();
            let noun = if others.len() == 1 {
                "another candidate"
            } else {
                "other candidates"
            };
            Signal::new(
                format!("shared_{}", kind.as_str()),
                Category::IdentityReuse,
                kind.severity(),
                format!(
                    "{} is also used by {} {noun}: {}.",
                    capitalise(kind.describe()),
                    others.len(),
                    names.join(", ")
                ),
                json!({"link": kind.as_str(), "linked_candidates": others}),
            )
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn candidate_keys_normalise_before_hashing() {
        let a = CandidateData::parse(&json!({
            "external_id": "a", "full_name": "A",
            "emails": ["John.Doe+jobs@GMAIL.com"],
            "phones": ["+1 (415) 555-0100"],
            "payment": {"crypto_addresses": ["0xAbC0000000000000000000000000000000000001"]},
            "addresses": [{"kind": "shipping", "line1": "12 Main St.", "country": "US", "postal_code": "75001"}]
        }))
        .unwrap();
        let b = CandidateData::parse(&json!({
            "external_id": "b", "full_name": "B",
            "emails": ["johndoe@gmail.com"],
            "phones": ["+14155550100"],
            "payment": {"crypto_addresses": ["0xabc0000000000000000000000000000000000001"]},
            "addresses": [{"kind": "shipping", "line1": "12 main st", "country": "US", "postal_code": "75001"}]
        }))
        .unwrap();
        let (ka, kb) = (candidate_keys(&a), candidate_keys(&b));
        assert_eq!(ka.len(), 4);
        assert_eq!(ka, kb);
        assert!(ka
            .iter()
            .all(|k| k.digest.len() == 64 && !k.digest.contains("gmail")));
    }

    #[test]
    fn placeholder_serials_and_private_ips_make_no_keys() {
        let t = Telemetry::parse(&json!({
            "collected_at": "2026-11-29T10:00:00Z",
            "network": {"ip": "192.168.1.20", "forwarded_for": ["2001:db8:1:2:3:4:5:6"]},
            "osquery": {"system_info": [{
                "uuid": "00000000-0000-0000-0000-000000000000",
                "hardware_serial": "To Be Filled By O.E.M.",
                "board_serial": "PF3ABCDE"
            }]}
        }))
        .unwrap();
        let kinds: Vec<LinkKind> = telemetry_keys(&t).iter().map(|k| k.kind).collect();
        // 2001:db8::/32 is documentation space, not public.
        assert_eq!(kinds, [LinkKind::DeviceSerial]);
    }

    #[test]
    fn reuse_signal_names_the_linked_candidates() {
        let mut links = BTreeMap::new();
        links.insert(
            LinkKind::DeviceUuid,
            vec![
                LinkedCandidate {
                    candidate_id: Uuid::nil(),
                    external_id: "emp-2".into(),
                },
                LinkedCandidate {
                    candidate_id: Uuid::max(),
                    external_id: "emp-3".into(),
                },
            ],
        );
        let s = reuse_signals(&links);
        assert_eq!(s[0].code, "shared_device_uuid");
        assert_eq!(s[0].category, Category::IdentityReuse);
        assert_eq!(
            s[0].summary,
            "The same computer (hardware UUID) is also used by 2 other candidates: emp-2, emp-3."
        );
    }
}
