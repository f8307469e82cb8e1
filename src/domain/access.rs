//! Who may do what: API-key scopes and analyst roles, and how a role maps
//! onto scopes so one permission check serves both kinds of caller.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    CandidatesRead,
    CandidatesWrite,
    Screenings,
    WebhooksManage,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::CandidatesRead,
        Scope::CandidatesWrite,
        Scope::Screenings,
        Scope::WebhooksManage,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CandidatesRead => "candidates:read",
            Scope::CandidatesWrite => "candidates:write",
            Scope::Screenings => "screenings",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::Admin => "admin",
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown scope {s:?}; known: {}", names.join(", "))
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Analyst,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Viewers read; analysts also change candidates and screen; admins do
    /// everything.
    pub fn scopes(self) -> Vec<Scope> {
        match self {
            Role::Viewer => vec![Scope::CandidatesRead],
            Role::Analyst => vec![
                Scope::CandidatesRead,
                Scope::CandidatesWrite,
                Scope::Screenings,
            ],
            Role::Admin => Scope::ALL.to_vec(),
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role {s:?}; known: viewer, analyst, admin")),
        }
    }
}
