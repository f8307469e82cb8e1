//! A signal: one finding about a candidate, in the shape DESIGN.md fixes for
//! an assessment's `signals[]`. Detectors only say what they saw and how
//! serious it is; the risk policy later sets the weight each code carries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The signal categories other systems rely on (DESIGN.md: keep these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SanctionsMatch,
    SanctionsIdentifierMatch,
    RemoteAccessSoftware,
    IpKvm,
    VpnOrProxy,
    HostingNetwork,
    TorExit,
    DprkNetwork,
    HighRiskCountry,
    IpLocationMismatch,
    TimezoneMismatch,
    LanguageMismatch,
    VirtualMachine,
    IdentityReuse,
    IdentityInconsistency,
}

impl Category {
    pub const ALL: [Category; 15] = [
        Category::SanctionsMatch,
        Category::SanctionsIdentifierMatch,
        Category::RemoteAccessSoftware,
        Category::IpKvm,
        Category::VpnOrProxy,
        Category::HostingNetwork,
        Category::TorExit,
        Category::DprkNetwork,
        Category::HighRiskCountry,
        Category::IpLocationMismatch,
        Category::TimezoneMismatch,
        Category::LanguageMismatch,
        Category::VirtualMachine,
        Category::IdentityReuse,
        Category::IdentityInconsistency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::SanctionsMatch => "sanctions_match",
            Category::SanctionsIdentifierMatch => "sanctions_identifier_match",
            Category::RemoteAccessSoftware => "remote_access_software",
            Category::IpKvm => "ip_kvm",
            Category::VpnOrProxy => "vpn_or_proxy",
            Category::HostingNetwork => "hosting_network",
            Category::TorExit => "tor_exit",
            Category::DprkNetwork => "dprk_network",
            Category::HighRiskCountry => "high_risk_country",
            Category::IpLocationMismatch => "ip_location_mismatch",
            Category::TimezoneMismatch => "timezone_mismatch",
            Category::LanguageMismatch => "language_mismatch",
            Category::VirtualMachine => "virtual_machine",
            Category::IdentityReuse => "identity_reuse",
            Category::IdentityInconsistency => "identity_inconsistency",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The weight a signal carries until a policy says otherwise.
    pub fn default_weight(self) -> f64 {
        match self {
            Severity::Low => 0.1,
            Severity::Medium => 0.3,
            Severity::High => 0.6,
            Severity::Critical => 0.9,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Stable machine name of the finding, e.g. `rmm_connected`.
    pub code: String,
    pub category: Category,
    pub severity: Severity,
    /// 0-1; the policy overwrites it. Detectors set the severity's default.
    pub weight: f64,
    /// One sentence a recruiter can read.
    pub summary: String,
    /// The rows, values and list entries behind the finding.
    pub evidence: Value,
}

impl Signal {
    pub fn new(
        code: impl Into<String>,
        category: Category,
        severity: Severity,
        summary: impl Into<String>,
        evidence: Value,
    ) -> Signal {
        Signal {
            code: code.into(),
            category,
            severity,
            weight: severity.default_weight(),
            summary: summary.into(),
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_round_trip_and_match_serde() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(Category::parse("ip-kvm"), None);
    }
}
