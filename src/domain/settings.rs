//! A tenant's own settings: the remote-access and VPN tools its IT team
//! sanctions (they raise nothing), and who hears about serious findings.

use serde::Serialize;
use serde_json::Value;

use super::fields::{FieldErrors, ObjectReader};
use super::values::{clean_text, Email};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantSettings {
    /// Tool names as the catalogs call them, e.g. `TeamViewer`.
    pub allowed_software: Vec<String>,
    /// Security-team addresses alerted by email.
    pub alert_emails: Vec<Email>,
    /// The least serious decision that alerts: `review` or `block`.
    pub alert_min_decision: String,
    /// The tenant's own risk policy (TOML); checked by the risk module
    /// before it is saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

impl TenantSettings {
    pub fn parse(body: &Value) -> Result<TenantSettings, FieldErrors> {
        let mut errs = FieldErrors::default();
        let Some(obj) = ObjectReader::new(body, "", &mut errs) else {
            return Err(errs);
        };
        obj.deny_unknown(
            &[
                "allowed_software",
                "alert_emails",
                "alert_min_decision",
                "policy",
            ],
            &mut errs,
        );
        let allowed_software = obj.parsed_strings("allowed_software", 200, &mut errs, |s| {
            clean_text(s, 1, 100)
        });
        let alert_emails = obj.parsed_strings("alert_emails", 20, &mut errs, Email::parse);
        let alert_min_decision = obj
            .parsed_opt("alert_min_decision", &mut errs, |s| match s {
                "review" | "block" => Ok(s.to_string()),
                _ => Err("must be review or block".into()),
            })
            .unwrap_or_else(|| "block".to_string());
        let policy = obj.parsed_opt("policy", &mut errs, |s| {
            if s.len() > 64 * 1024 {
                Err("must be at most 64 KiB of TOML".to_string())
            } else {
                Ok(s.to_string())
            }
        });
        if errs.is_empty() {
            Ok(TenantSettings {
                allowed_software,
                alert_emails,
                alert_min_decision,
                policy,
            })
        } else {
            Err(errs)
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_errors() {
        let s = TenantSettings::parse(&json!({})).unwrap();
        assert_eq!(s.alert_min_decision, "block");
        let errs = TenantSettings::parse(&json!({
            "alert_emails": ["nope"], "alert_min_decision": "clear", "colour": 1
        }))
        .unwrap_err();
        let fields: Vec<&str> = errs.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["colour", "alert_emails[0]", "alert_min_decision"]);
    }
}
