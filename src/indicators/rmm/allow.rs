//! The tenant's allow-list of sanctioned software: a company that ships
//! TeamViewer or its own office VPN lists it here and the tool raises
//! nothing for its candidates.

use std::collections::HashSet;

use super::catalog::RmmTool;

/// Tool names a tenant sanctions, compared case-insensitively against a
/// tool's name and aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftwareAllowList {
    names: HashSet<String>,
}

impl SoftwareAllowList {
    pub fn new(names: impl IntoIterator<Item = impl AsRef<str>>) -> SoftwareAllowList {
        SoftwareAllowList {
            names: names
                .into_iter()
                .map(|n| n.as_ref().trim().to_lowercase())
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether the tool, under its name or any alias, is sanctioned.
    pub fn permits(&self, tool: &RmmTool) -> bool {
        !self.names.is_empty()
            && std::iter::once(&tool.name)
                .chain(&tool.aliases)
                .any(|n| self.names.contains(&n.trim().to_lowercase()))
    }
}
