//! Remote-access (RMM) and VPN-client detection from osquery rows: the
//! catalog of tools (curated default in `indicators/rmm_tools.toml`, plus
//! the LOLRMM feed formats), the tenant allow-list, and the matcher that
//! turns processes, installed software, listening ports and open sockets
//! into one [`Signal`] per detected tool.
//!
//! A candidate's laptop being driven from elsewhere is the core of the
//! IT-worker scheme, so a running tool with a live connection to an
//! internet address is critical, a running one high and a merely installed
//! one medium. Precision matters as much as recall: matching uses exact
//! executable names, vendor-specific path fragments and exact ids, never
//! loose words like "remote" or "vnc".

mod allow;
mod catalog;
mod detect;
mod index;
mod lolrmm;

#[cfg(test)]
mod tests;

pub use allow::SoftwareAllowList;
pub use catalog::{CatalogError, RmmTool, ToolCategory};

use crate::domain::osquery::OsqueryTables;
use crate::indicators::signal::Signal;

use index::MatchIndex;

/// The curated default catalog shipped with hirevet.
const BUILTIN_TOML: &str = include_str!("../../../indicators/rmm_tools.toml");

/// A set of tools compiled for matching. Earlier tools win when a row
/// matches several, so curated entries outrank a merged feed.
#[derive(Debug)]
pub struct RmmCatalog {
    tools: Vec<RmmTool>,
    index: MatchIndex,
}

impl RmmCatalog {
    fn from_tools(tools: Vec<RmmTool>) -> RmmCatalog {
        let index = MatchIndex::build(&tools);
        RmmCatalog { tools, index }
    }

    /// The curated default catalog. It is compiled into the binary and
    /// covered by tests, so a parse failure is a build defect.
    pub fn builtin() -> RmmCatalog {
        match RmmCatalog::from_toml(BUILTIN_TOML) {
            Ok(catalog) => catalog,
            Err(e) => panic!("the built-in RMM catalog is invalid: {e}"),
        }
    }

    /// A catalog in hirevet's own TOML format (`[[tool]]` tables).
    pub fn from_toml(text: &str) -> Result<RmmCatalog, CatalogError> {
        catalog::tools_from_toml(text).map(RmmCatalog::from_tools)
    }

    /// LOLRMM's combined JSON export (`api/rmm_tools.json`).
    pub fn from_lolrmm_json(bytes: &[u8]) -> Result<RmmCatalog, CatalogError> {
        lolrmm::tools_from_json(bytes).map(RmmCatalog::from_tools)
    }

    /// LOLRMM's per-tool YAML files as (file name, content) pairs.
    pub fn from_lolrmm_yaml(files: &[(String, String)]) -> Result<RmmCatalog, CatalogError> {
        lolrmm::tools_from_yaml(files).map(RmmCatalog::from_tools)
    }

    /// Extends this catalog with `other`: tools known by name or alias gain
    /// the new indicators, unknown tools are appended after the existing
    /// ones.
    pub fn merge(&mut self, other: RmmCatalog) {
        catalog::merge_tools(&mut self.tools, other.tools);
        self.index = MatchIndex::build(&self.tools);
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.tools.iter().map(|t| t.name.as_str()).collect()
    }

    pub fn tools(&self) -> &[RmmTool] {
        &self.tools
    }

    /// One signal per detected tool that the tenant has not allowed.
    pub fn detect(&self, tables: &OsqueryTables, allow: &SoftwareAllowList) -> Vec<Signal> {
        detect::detect(&self.tools, &self.index, tables, allow)
    }
}
