//! Loaders for the LOLRMM project's feeds (lolrmm.io): the combined JSON
//! export (`api/rmm_tools.json`, a list of tool objects) and the per-tool
//! YAML files. Both share one schema, read here as untyped values because
//! the feed is loose (`PEMetadata` is an object or a list, lists may be
//! null, ports are numbers or strings); a missing field just yields nothing.
//!
//! Field mapping: `Name` → name; `Details.PEMetadata.{Filename,
//! OriginalFileName}` → executables; `Details.InstallationPaths` →
//! executables, install-path fragments or Chrome extension ids;
//! `Artifacts.Network.Domains` → domains; `Artifacts.Network.Ports` →
//! remote ports (the feed documents where tools connect *to*, so these never
//! become listening ports); code-signing signer names → publishers. Every
//! LOLRMM tool is `remote_access`. `Artifacts.Disk` (log and config files),
//! registry keys and event-log entries have no osquery counterpart here and
//! are not read.
//!
//! The feed was written for threat hunting, where a noisy hit is cheap; a
//! hiring decision is not, so indicators that would fire on an ordinary
//! developer laptop are dropped on load. The rules are next to the code.

use std::collections::HashMap;

use serde_json::Value;

use super::catalog::{is_chrome_extension_id, CatalogError, RmmTool, ToolCategory};

/// Parses `api/rmm_tools.json`. Each list entry becomes one tool, in feed
/// order (the feed lists a few tools twice; `merge` folds those).
pub fn tools_from_json(bytes: &[u8]) -> Result<Vec<RmmTool>, CatalogError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| CatalogError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Array(entries) = value else {
        return Err(CatalogError::JsonNotAList);
    };
    let mut parsed = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        parsed.push(tool_from_entry(entry, &format!("#{i} of the JSON list"))?);
    }
    Ok(finish(parsed))
}

/// Parses per-tool YAML files given as (file name, content) pairs.
pub fn tools_from_yaml(files: &[(String, String)]) -> Result<Vec<RmmTool>, CatalogError> {
    let mut parsed = Vec::with_capacity(files.len());
    for (file, text) in files {
        let value: Value = serde_yaml::from_str(text).map_err(|e| CatalogError::Yaml {
            file: file.clone(),
            line: e.location().map(|l| l.line()),
            message: e.to_string(),
        })?;
        parsed.push(tool_from_entry(&value, &format!("in file `{file}`"))?);
    }
    Ok(finish(parsed))
}

/// A tool plus the signer names seen, which are only kept once the whole
/// feed is known (see [`keep_signer`]).
struct Parsed {
    tool: RmmTool,
    signers: Vec<String>,
}

fn tool_from_entry(entry: &Value, place: &str) -> Result<Parsed, CatalogError> {
    let fail = |reason: &str| CatalogError::FeedEntry {
        entry: place.to_string(),
        reason: reason.to_string(),
    };
    if !entry.is_object() {
        return Err(fail("it is not an object"));
    }
    let name = entry
        .get("Name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| fail("it has no `Name`"))?;
    let mut tool = RmmTool::named(name, ToolCategory::RemoteAccess);
    if is_skipped_tool(name) {
        return Ok(Parsed {
            tool,
            signers: Vec::new(),
        });
    }
    for key in ["Filename", "OriginalFileName"] {
        for file in strings_at(entry, &["Details", "PEMetadata", key]) {
            add_file_name(&mut tool, file);
        }
    }
    let path_lists: [&[&str]; 3] = [
        &["Details", "InstallationPaths"],
        &["InstallationPaths"],
        &["Artifacts", "InstallationPaths"],
    ];
    for list in path_lists {
        for path in strings_at(entry, list) {
            add_install_path(&mut tool, path);
        }
    }
    for domain in strings_at(entry, &["Artifacts", "Network", "Domains"]) {
        if let Some(d) = clean_domain(domain) {
            push_new(&mut tool.domains, d);
        }
    }
    for port in values_at(entry, &["Artifacts", "Network", "Ports"]) {
        if let Some(p) = specific_remote_port(port) {
            if !tool.remote_ports.contains(&p) {
                tool.remote_ports.push(p);
            }
        }
    }
    let mut signers: Vec<String> = Vec::new();
    for path in [
        &["CodeSigning", "certificates", "signer_name"][..],
        &["CodeSigning", "signer_names"][..],
    ] {
        for s in strings_at(entry, path) {
            push_new(&mut signers, s.trim().to_string());
        }
    }
    Ok(Parsed { tool, signers })
}

fn finish(parsed: Vec<Parsed>) -> Vec<RmmTool> {
    let mut tools_per_signer: HashMap<String, usize> = HashMap::new();
    for p in &parsed {
        for s in &p.signers {
            *tools_per_signer.entry(s.to_lowercase()).or_default() += 1;
        }
    }
    parsed
        .into_iter()
        .map(|Parsed { mut tool, signers }| {
            for s in signers {
                let shared = tools_per_signer.get(&s.to_lowercase()).copied() != Some(1);
                if !shared && keep_signer(&tool.name, &s) {
                    push_new(&mut tool.publishers, s);
                }
            }
            tool
        })
        .collect()
}

/// Signers are kept only when the company *is* the tool: the signer's first
/// word must be a word of the tool's name (`AnyDesk Software GmbH` for
/// AnyDesk). That drops multi-product vendors the feed records because they
/// signed one binary (Google LLC, Microsoft, Tencent, OpenVPN Inc., Simon
/// Tatham...), whose other, harmless products would otherwise match.
/// `finish` also drops signers shared by several tools.
fn keep_signer(tool_name: &str, signer: &str) -> bool {
    let Some(first) = words(signer).next() else {
        return false;
    };
    first.chars().count() >= 4 && words(tool_name).any(|w| w == first)
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Feed entries that are not a way into this computer: outbound SSH / RDP /
/// file-transfer clients and connection managers, cloud-sync and backup
/// apps, a screen reader and a chat app's built-in assistance. They are
/// everyday tools on developer machines and were the bulk of false alarms
/// on clean laptops. They load as name-only entries so counts stay true to
/// the feed.
const SKIPPED_TOOLS: &[&str] = &[
    "putty",
    "kitty",
    "putty tray",
    "superputty",
    "extraputty",
    "solar-putty",
    "winscp",
    "securecrt",
    "xshell",
    "mobaxterm",
    "smartty",
    "zoc",
    "bitvise ssh client",
    "terminals",
    "mremoteng",
    "rdcman",
    "royal ts",
    "royal apps",
    "remote desktop manager (devolutions)",
    "devolutions remote desktop manager",
    "mstsc.exe (microsoft remote desktop connection)",
    "rdclient",
    "freerdp",
    "remmina",
    "chrome ssh extension",
    "s3 browser",
    "smartftp",
    "dragondisk",
    "syncthing",
    "insync",
    "megasync",
    "yandex.disk",
    "koofr",
    "duplicati",
    "multcloud",
    "nordlocker",
    "nvda (non-visual desktop access)",
    "qq im-remote assistance",
    "goto opener",
];

fn is_skipped_tool(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    SKIPPED_TOOLS.contains(&lower.as_str())
}

/// Executable stems that name a role, not a product (`agent.exe`,
/// `setup.exe`, `Connect.exe`, `Remote Desktop.exe`): many unrelated
/// programs ship files called that.
const GENERIC_STEMS: &[&str] = &[
    "agent",
    "agent32",
    "agent64",
    "setup",
    "install",
    "installer",
    "installcore",
    "installshield setup",
    "uninstall",
    "update",
    "updater",
    "autoupdate",
    "selfupdater",
    "update-shim",
    "upload",
    "download",
    "connect",
    "client",
    "server",
    "service",
    "remote",
    "remote desktop",
    "support",
    "helper",
    "notificationhelper",
    "launcher",
    "monitor",
    "tray",
    "console",
    "viewer",
    "host",
    "main",
    "start",
    "appcore",
    "avcore",
    "closeapp",
    "httpget",
    "httppush",
    "recycler",
    "regapps",
    "cpuchk",
    "level",
    "goto",
    "goto opener",
    "gotoscrutils",
    "online backup",
    "agent-installer-any",
];

/// Binaries that ship with the OS or with everyday developer tooling; the
/// feed lists some (`dwm.exe`, `mstsc.exe`) because they take part in
/// remote sessions, but they run on every machine.
const OS_BINARIES: &[&str] = &[
    "dwm.exe",
    "mstsc.exe",
    "msrdc.exe",
    "svchost.exe",
    "explorer.exe",
    "conhost.exe",
    "rundll32.exe",
    "dllhost.exe",
    "powershell.exe",
    "cmd.exe",
    "msiexec.exe",
    "taskhostw.exe",
    "runtimebroker.exe",
    "ssh",
    "sshd",
    "ssh.exe",
    "sshd.exe",
    "ssh-agent",
    "plink.exe",
    "pscp.exe",
];

/// An executable name the feed lists, if it is safe to match exactly.
/// Rules: no wildcards (`nomachine*.exe`); `.exe`/`.bin` or no extension
/// (DLLs, installers, shortcuts never appear as processes); a stem of at
/// least 4 characters (`rd.exe`, `si.exe`, `G2M.exe` are too short to be
/// one product's); no generic role names; no OS binaries; nothing from
/// GoTo Meeting (`g2m*.exe`), a video-call app the feed files under
/// GoToMyPC / GoToAssist.
fn safe_executable(raw: &str) -> Option<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() || name.contains(['*', '?', '[', '/', '\\', '%']) {
        return None;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, Some(ext)),
        None => (name.as_str(), None),
    };
    let shape_ok = match ext {
        Some(ext) => matches!(ext, "exe" | "bin"),
        None => !name.contains(' ') && name.chars().count() >= 5,
    };
    let specific = stem.chars().count() >= 4
        && !GENERIC_STEMS.contains(&stem)
        && !OS_BINARIES.contains(&name.as_str())
        && !stem.starts_with("g2m");
    (shape_ok && specific).then_some(name)
}

fn add_file_name(tool: &mut RmmTool, raw: &str) {
    let name = raw.trim();
    if name.to_lowercase().ends_with(".app") && !name.contains(['*', '/', '\\']) {
        // A macOS bundle name: match it as a directory in paths.
        push_new(
            &mut tool.path_fragments,
            format!("/{}/", name.to_lowercase()),
        );
    } else if let Some(exe) = safe_executable(name) {
        push_new(&mut tool.executables, exe);
    }
}

/// Directory names that say nothing about the tool; a fragment made only
/// of these (`/users/`, `/program files/`) would match everything.
const GENERIC_DIRS: &[&str] = &[
    "program files",
    "program files (x86)",
    "programdata",
    "windows",
    "system32",
    "syswow64",
    "temp",
    "tmp",
    "users",
    "appdata",
    "local",
    "locallow",
    "roaming",
    "programs",
    "common files",
    "applications",
    "library",
    "application support",
    "launchagents",
    "launchdaemons",
    "contents",
    "macos",
    "resources",
    "usr",
    "bin",
    "sbin",
    "lib",
    "opt",
    "etc",
    "var",
    "share",
    "home",
    "root",
    "systemd",
    "system",
    "google",
    "chrome",
    "microsoft",
    "user data",
    "default",
    "extensions",
    "desktop",
    "downloads",
    "documents",
    "en-us",
    "conf",
    "config",
    "data",
    "db",
    "tools",
    "files",
    "logs",
    "agent",
    "client",
    "server",
    "service",
    "remote",
    "support",
    "x64",
    "x86",
    "app",
];

/// Maps one `InstallationPaths` entry. A bare file name (or `*\name.exe`)
/// is an executable; anything with directories becomes the longest run of
/// literal path segments (wildcards, `%ENV%` variables, `~` and drive
/// letters cut runs), kept only if it names a vendor- or tool-specific
/// directory or file; a Chrome extension directory yields its id.
fn add_install_path(tool: &mut RmmTool, raw: &str) {
    let norm = raw.trim().to_lowercase().replace('\\', "/");
    if norm.is_empty() {
        return;
    }
    let segments: Vec<&str> = norm.split('/').collect();
    for pair in segments.windows(2) {
        let id = pair[1].trim_end_matches('*');
        if pair[0] == "extensions" && is_chrome_extension_id(id) {
            push_new(&mut tool.chrome_extensions, id.to_string());
        }
    }
    if segments.len() == 1 {
        add_file_name(tool, raw);
        return;
    }
    let Some((start, len)) = longest_literal_run(&segments) else {
        return;
    };
    let run = &segments[start..start + len];
    let rest = &segments[start + len..];
    let followed = rest.iter().any(|s| !s.is_empty()) || norm.ends_with('/');
    let last = run[len - 1];
    if len == 1 && !followed && last.contains('.') {
        add_file_name(tool, last);
        return;
    }
    let specific = run.iter().any(|s| is_specific_dir(s));
    if !specific || OS_BINARIES.contains(&last) || run.contains(&"gotomeeting") {
        return;
    }
    let mut fragment = format!("/{}", run.join("/"));
    if followed || last.ends_with(".app") {
        fragment.push('/');
    }
    push_new(&mut tool.path_fragments, fragment);
}

fn is_literal_segment(s: &str) -> bool {
    let drive = s.len() == 2 && s.ends_with(':');
    !s.is_empty() && !drive && s != "~" && !s.contains(['*', '?', '[', '%', '$'])
}

fn is_specific_dir(s: &str) -> bool {
    s.chars().count() >= 4 && !GENERIC_DIRS.contains(&s)
}

fn longest_literal_run(segments: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    for (i, seg) in segments.iter().enumerate() {
        if !is_literal_segment(seg) {
            start = i + 1;
            continue;
        }
        let len = i + 1 - start;
        if best.is_none_or(|(_, l)| len > l) {
            best = Some((start, len));
        }
    }
    best
}

/// Domains as host names: wildcards and `:port` dropped, patterns with
/// regex syntax or spaces skipped.
fn clean_domain(raw: &str) -> Option<String> {
    let d = raw.trim().to_lowercase();
    let d = d.trim_start_matches("*.").trim_start_matches('.');
    let d = d.split(':').next().unwrap_or(d);
    let plain = !d.is_empty()
        && d.contains('.')
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    plain.then(|| d.to_string())
}

/// A destination port worth annotating: well-known ports (web, SSH, SMB,
/// SNMP...), STUN 3478, common web/dev ports and ranges say nothing about
/// which tool is talking.
fn specific_remote_port(value: &Value) -> Option<u16> {
    let port = match value {
        Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let generic = port < 1024 || matches!(port, 3478 | 5000 | 8000 | 8080 | 8443 | 10000);
    (!generic).then_some(port)
}

fn push_new(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// Strings under a key path; arrays are walked at every level, so
/// `PEMetadata` as an object or a list both work, and absent or null keys
/// give nothing.
fn strings_at<'a>(value: &'a Value, path: &[&str]) -> Vec<&'a str> {
    values_at(value, path)
        .into_iter()
        .filter_map(Value::as_str)
        .collect()
}

fn values_at<'a>(value: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    collect_values(value, path, &mut out);
    out
}

fn collect_values<'a>(value: &'a Value, path: &[&str], out: &mut Vec<&'a Value>) {
    match (value, path.split_first()) {
        (Value::Array(items), _) => {
            for item in items {
                collect_values(item, path, out);
            }
        }
        (Value::Object(map), Some((key, rest))) => {
            if let Some(child) = map.get(*key) {
                collect_values(child, rest, out);
            }
        }
        (Value::Null, _) | (Value::Object(_), None) => {}
        (leaf, None) => out.push(leaf),
        (_, Some(_)) => {}
    }
}
