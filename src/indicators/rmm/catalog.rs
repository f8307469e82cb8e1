//! The remote-access / VPN tool catalog: the data model, the curated TOML
//! format, the loader error type and `merge`. The compiled matcher lives in
//! `index.rs`; feeds in other formats (LOLRMM) are mapped in `lolrmm.rs`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// What a tool is, which decides the signal category and codes it raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCategory {
    RemoteAccess,
    Vpn,
}

impl ToolCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolCategory::RemoteAccess => "remote_access",
            ToolCategory::Vpn => "vpn",
        }
    }
}

/// One tool and every indicator that identifies it. Matching is
/// case-insensitive everywhere, so entries keep their natural spelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmmTool {
    pub name: String,
    pub category: ToolCategory,
    /// Other names the tool is sold or listed under; the allow-list and
    /// `merge` accept them as well as `name`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Exact process / executable file names (`AnyDesk.exe`, `rustdesk`).
    #[serde(default)]
    pub executables: Vec<String>,
    /// Substrings of an install path, written with `/` and including the
    /// vendor directory (`/program files (x86)/anydesk/`), matched against
    /// Windows, macOS and Linux paths alike.
    #[serde(default)]
    pub path_fragments: Vec<String>,
    /// Publisher / signer names that publish nothing but this tool; matched
    /// exactly against `programs.publisher` and driver providers.
    #[serde(default)]
    pub publishers: Vec<String>,
    /// Vendor domains. osquery rows carry no host names, so these are kept
    /// for evidence and for detectors that see DNS, not matched here.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Ports the tool listens on for incoming connections.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Ports the tool connects out to; only annotate connection evidence.
    #[serde(default)]
    pub remote_ports: Vec<u16>,
    /// Installed-software names: Windows programs, macOS app names and
    /// deb / rpm package names.
    #[serde(default)]
    pub packages: Vec<String>,
    /// macOS bundle identifiers.
    #[serde(default)]
    pub bundle_ids: Vec<String>,
    /// Chrome / Chromium extension ids.
    #[serde(default)]
    pub chrome_extensions: Vec<String>,
}

impl RmmTool {
    /// An empty tool, filled in by feed loaders.
    pub fn named(name: impl Into<String>, category: ToolCategory) -> RmmTool {
        RmmTool {
            name: name.into(),
            category,
            aliases: Vec::new(),
            executables: Vec::new(),
            path_fragments: Vec::new(),
            publishers: Vec::new(),
            domains: Vec::new(),
            ports: Vec::new(),
            remote_ports: Vec::new(),
            packages: Vec::new(),
            bundle_ids: Vec::new(),
            chrome_extensions: Vec::new(),
        }
    }

    /// Whether `name` is this tool's name or one of its aliases.
    pub fn is_called(&self, name: &str) -> bool {
        let wanted = name.trim().to_lowercase();
        std::iter::once(&self.name)
            .chain(&self.aliases)
            .any(|n| n.trim().to_lowercase() == wanted)
    }

    /// Adds `other`'s indicators to this tool, keeping each value once.
    pub fn absorb(&mut self, other: RmmTool) {
        if !self.is_called(&other.name) {
            push_unique_text(&mut self.aliases, other.name);
        }
        extend_text(&mut self.aliases, other.aliases);
        extend_text(&mut self.executables, other.executables);
        extend_text(&mut self.path_fragments, other.path_fragments);
        extend_text(&mut self.publishers, other.publishers);
        extend_text(&mut self.domains, other.domains);
        extend_text(&mut self.packages, other.packages);
        extend_text(&mut self.bundle_ids, other.bundle_ids);
        extend_text(&mut self.chrome_extensions, other.chrome_extensions);
        extend_ports(&mut self.ports, other.ports);
        extend_ports(&mut self.remote_ports, other.remote_ports);
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let fail = |reason: String| {
            Err(CatalogError::InvalidTool {
                tool: self.name.clone(),
                reason,
            })
        };
        if self.name.trim().is_empty() {
            return fail("the name is empty".into());
        }
        if let Some(p) = self
            .ports
            .iter()
            .chain(&self.remote_ports)
            .find(|p| **p == 0)
        {
            return fail(format!("port {p} is not a usable port"));
        }
        if let Some(id) = self
            .chrome_extensions
            .iter()
            .find(|id| !is_chrome_extension_id(id))
        {
            return fail(format!(
                "`{id}` is not a Chrome extension id (32 letters a-p)"
            ));
        }
        if let Some(f) = self
            .path_fragments
            .iter()
            .find(|f| f.trim().chars().count() < 4)
        {
            return fail(format!(
                "path fragment `{f}` is too short to identify the tool"
            ));
        }
        let mut text_values = self
            .executables
            .iter()
            .chain(&self.publishers)
            .chain(&self.packages)
            .chain(&self.bundle_ids);
        if text_values.any(|v| v.trim().is_empty()) {
            return fail("an indicator value is empty".into());
        }
        Ok(())
    }
}

/// Chrome extension ids are 32 characters drawn from `a`-`p`.
pub fn is_chrome_extension_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

fn push_unique_text(list: &mut Vec<String>, value: String) {
    let lower = value.to_lowercase();
    if !list.iter().any(|v| v.to_lowercase() == lower) {
        list.push(value);
    }
}

fn extend_text(list: &mut Vec<String>, values: Vec<String>) {
    for v in values {
        push_unique_text(list, v);
    }
}

fn extend_ports(list: &mut Vec<u16>, values: Vec<u16>) {
    for p in values {
        if !list.contains(&p) {
            list.push(p);
        }
    }
}

/// Why a catalog or feed could not be loaded; each variant names the place.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("RMM catalog TOML is invalid at line {line}: {message}")]
    Toml { line: usize, message: String },
    #[error("RMM catalog tool `{tool}` is invalid: {reason}")]
    InvalidTool { tool: String, reason: String },
    #[error("RMM catalog lists `{0}` twice")]
    DuplicateTool(String),
    #[error("LOLRMM JSON is invalid at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("LOLRMM JSON must be a list of tool objects")]
    JsonNotAList,
    #[error("LOLRMM YAML file `{file}` is invalid{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Yaml {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("LOLRMM entry {entry} is unusable: {reason}")]
    FeedEntry { entry: String, reason: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlCatalog {
    #[serde(default)]
    tool: Vec<RmmTool>,
}

/// Parses the curated TOML format (`[[tool]]` tables).
pub fn tools_from_toml(text: &str) -> Result<Vec<RmmTool>, CatalogError> {
    let parsed: TomlCatalog = toml::from_str(text).map_err(|e| CatalogError::Toml {
        line: e
            .span()
            .map(|span| line_of_offset(text, span.start))
            .unwrap_or(0),
        message: e.message().to_string(),
    })?;
    let mut seen = HashSet::new();
    for tool in &parsed.tool {
        tool.validate()?;
        let own: HashSet<String> = std::iter::once(&tool.name)
            .chain(&tool.aliases)
            .map(|n| n.trim().to_lowercase())
            .collect();
        if let Some(name) = own.into_iter().find(|n| !seen.insert(n.clone())) {
            return Err(CatalogError::DuplicateTool(name));
        }
    }
    Ok(parsed.tool)
}

/// 1-based line number of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Folds `incoming` into `tools`: a tool known by name or alias gains the
/// new indicators, an unknown one is appended (so earlier tools keep
/// priority when a row matches several).
pub fn merge_tools(tools: &mut Vec<RmmTool>, incoming: Vec<RmmTool>) {
    for tool in incoming {
        let existing = tools.iter_mut().find(|t| {
            t.is_called(&tool.name) || tool.aliases.iter().any(|alias| t.is_called(alias))
        });
        match existing {
            Some(t) => t.absorb(tool),
            None => tools.push(tool),
        }
    }
}
