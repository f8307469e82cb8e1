//! Detection: walks the osquery tables once, attributes each matching row
//! to one catalog tool, joins listening ports and open sockets to the
//! matched processes by pid, and turns each tool's evidence into one signal
//! graded connected > running > listening port > installed.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde_json::{json, Value};

use crate::domain::osquery::{OsqueryRow, OsqueryTables};
use crate::indicators::network::is_public;
use crate::indicators::signal::{Category, Severity, Signal};

use super::allow::SoftwareAllowList;
use super::catalog::{RmmTool, ToolCategory};
use super::index::{lower_into, Buffers, FastMap, Hit, MatchIndex, ToolId};

/// Evidence rows kept per tool and kind; the rest are only counted, so a
/// hostile payload cannot blow up the stored assessment.
const MAX_EVIDENCE_ROWS: usize = 20;

/// Processes that host many services: a port they hold says nothing about
/// which application opened it (Windows RDP listens inside `svchost.exe`,
/// macOS Screen Sharing inside `launchd`), so such a listener counts as one
/// without a known process.
const SERVICE_HOSTS: &[&str] = &[
    "svchost.exe",
    "system",
    "services.exe",
    "launchd",
    "systemd",
    "inetd",
    "xinetd",
];

#[derive(Default)]
struct Evidence {
    rows: Vec<Value>,
    total: usize,
}

impl Evidence {
    fn push(&mut self, make: impl FnOnce() -> Value) {
        self.total += 1;
        if self.rows.len() < MAX_EVIDENCE_ROWS {
            self.rows.push(make());
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn to_json(&self) -> Value {
        json!({
            "rows": self.rows,
            "total": self.total,
            "omitted": self.total - self.rows.len(),
        })
    }
}

#[derive(Default)]
struct Findings {
    running: Evidence,
    installed: Evidence,
    unowned_ports: Evidence,
    listening: Evidence,
    connections: Evidence,
    /// Distinct public peers, in the order seen, for the summary.
    peers: Vec<String>,
    first_port: Option<i64>,
}

fn match_json(table: &str, hit: &Hit<'_>, row: &OsqueryRow) -> Value {
    json!({
        "table": table,
        "indicator": hit.indicator.as_str(),
        "matched": hit.value,
        "row": row.to_json(),
    })
}

struct Detection<'a> {
    tools: &'a [RmmTool],
    index: &'a MatchIndex,
    allow: &'a SoftwareAllowList,
    findings: BTreeMap<ToolId, Findings>,
    /// pid → tool of every process attributed to a (not allowed) tool.
    tool_pids: FastMap<i64, ToolId>,
}

impl Detection<'_> {
    fn record(&mut self, tool: ToolId) -> Option<&mut Findings> {
        let allowed = self.tools.get(tool).is_none_or(|t| self.allow.permits(t));
        (!allowed).then(|| self.findings.entry(tool).or_default())
    }

    /// Busy machines run the same binary many times (browser helpers,
    /// `svchost.exe`), so verdicts are remembered per (name, path) for the
    /// call; rows without a path are matched one by one.
    fn scan_processes(&mut self, tables: &OsqueryTables, bufs: &mut Buffers) {
        let index = self.index;
        let mut seen: FastMap<(&str, &str), Option<Hit<'_>>> = FastMap::default();
        for row in tables.rows("processes") {
            let (name, path) = (row.get("name"), row.get("path"));
            let hit = match path {
                Some(p) => seen
                    .entry((name.unwrap_or_default(), p))
                    .or_insert_with(|| index.match_process(name, path, None, bufs))
                    .clone(),
                None => index.match_process(name, None, row.get("cmdline"), bufs),
            };
            let Some(hit) = hit else {
                continue;
            };
            let tool = hit.tool;
            let Some(f) = self.record(tool) else {
                continue;
            };
            f.running.push(|| match_json("processes", &hit, row));
            if let Some(pid) = row.get_i64("pid") {
                self.tool_pids.insert(pid, tool);
            }
        }
    }

    fn scan_installed(&mut self, tables: &OsqueryTables, bufs: &mut Buffers) {
        for row in tables.rows("programs") {
            let hit = self.index.match_installed(
                row.get("name"),
                row.get("publisher"),
                row.get("install_location"),
                bufs,
            );
            self.record_installed("programs", hit, row);
        }
        for row in tables.rows("apps") {
            let by_id = row
                .get("bundle_identifier")
                .and_then(|id| self.index.match_bundle_id(id, bufs));
            let hit = by_id.or_else(|| {
                self.index
                    .match_installed(row.get("name"), None, row.get("path"), bufs)
            });
            self.record_installed("apps", hit, row);
        }
        for table in ["deb_packages", "rpm_packages"] {
            for row in tables.rows(table) {
                let hit = row
                    .get("name")
                    .and_then(|name| self.index.match_package(name, bufs));
                self.record_installed(table, hit, row);
            }
        }
        for row in tables.rows("chrome_extensions") {
            let hit = self
                .index
                .match_extension(row.get("identifier"), row.get("name"), bufs);
            self.record_installed("chrome_extensions", hit, row);
        }
        for row in tables.rows("drivers") {
            let providers = [row.get("provider"), row.get("manufacturer")];
            let hit = self.index.match_driver(row.get("image"), providers, bufs);
            self.record_installed("drivers", hit, row);
        }
    }

    fn record_installed(&mut self, table: &str, hit: Option<Hit<'_>>, row: &OsqueryRow) {
        let Some(hit) = hit else { return };
        if let Some(f) = self.record(hit.tool) {
            f.installed.push(|| match_json(table, &hit, row));
        }
    }

    fn scan_listening(&mut self, tables: &OsqueryTables, bufs: &mut Buffers) {
        let mut process_names: Option<HashMap<i64, &str>> = None;
        for row in tables.rows("listening_ports") {
            let pid = row.get_i64("pid").filter(|p| *p > 0);
            if is_loopback_only(row.get("address")) {
                continue;
            }
            if let Some(tool) = pid.and_then(|p| self.tool_pids.get(&p).copied()) {
                if let Some(f) = self.findings.get_mut(&tool) {
                    f.listening.push(|| listen_json(row, "process_listening"));
                }
                continue;
            }
            let Some(tool) = row.get_i64("port").and_then(|p| self.index.port_owner(p)) else {
                continue;
            };
            let names = process_names.get_or_insert_with(|| pid_names(tables));
            if owned_by_application(pid, names, bufs) {
                continue;
            }
            if let Some(f) = self.record(tool) {
                f.first_port = f.first_port.or(row.get_i64("port"));
                f.unowned_ports
                    .push(|| listen_json(row, "catalog_port_without_known_process"));
            }
        }
    }

    fn scan_sockets(&mut self, tables: &OsqueryTables) {
        for row in tables.rows("process_open_sockets") {
            let Some(tool) = row
                .get_i64("pid")
                .and_then(|p| self.tool_pids.get(&p).copied())
            else {
                continue;
            };
            let Some(address) = row.get("remote_address").and_then(public_address) else {
                continue;
            };
            let port = row.get_i64("remote_port");
            let documented = port.and_then(|p| u16::try_from(p).ok()).is_some_and(|p| {
                self.tools
                    .get(tool)
                    .is_some_and(|t| t.remote_ports.contains(&p))
            });
            let Some(f) = self.findings.get_mut(&tool) else {
                continue;
            };
            let text = address.to_string();
            f.connections.push(|| {
                json!({
                    "table": "process_open_sockets",
                    "indicator": "public_remote_address",
                    "remote_address": text,
                    "remote_port": port,
                    "vendor_documented_port": documented,
                    "row": row.to_json(),
                })
            });
            if !f.peers.contains(&text) {
                f.peers.push(text);
            }
        }
    }
}

fn listen_json(row: &OsqueryRow, why: &str) -> Value {
    json!({
        "table": "listening_ports",
        "indicator": why,
        "port": row.get_i64("port"),
        "row": row.to_json(),
    })
}

fn pid_names(tables: &OsqueryTables) -> HashMap<i64, &str> {
    tables
        .rows("processes")
        .iter()
        .filter_map(|r| Some((r.get_i64("pid")?, r.get("name").unwrap_or(""))))
        .collect()
}

/// Whether an ordinary application (not a service host) owns the socket;
/// such a port is that application's business, e.g. a dev server on 7070.
fn owned_by_application(pid: Option<i64>, names: &HashMap<i64, &str>, bufs: &mut Buffers) -> bool {
    let Some(name) = pid.and_then(|p| names.get(&p)) else {
        return false;
    };
    let mut lower = std::mem::take(&mut bufs.scratch);
    lower_into(&mut lower, name.trim());
    let service_host = lower.is_empty() || SERVICE_HOSTS.contains(&lower.as_str());
    bufs.scratch = lower;
    !service_host
}

fn is_loopback_only(address: Option<&str>) -> bool {
    address
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

/// The remote address if it is reachable on the internet: the LAN, the
/// machine itself and reserved ranges are not a remote controller.
fn public_address(text: &str) -> Option<IpAddr> {
    let ip: IpAddr = text.trim().parse().ok()?;
    is_public(ip).then_some(ip)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Connected,
    Running,
    ListeningPort,
    Installed,
}

impl State {
    fn of(f: &Findings) -> State {
        if !f.running.is_empty() && !f.connections.is_empty() {
            State::Connected
        } else if !f.running.is_empty() {
            State::Running
        } else if !f.unowned_ports.is_empty() {
            State::ListeningPort
        } else {
            State::Installed
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Connected => "running_and_connected",
            State::Running => "running",
            State::ListeningPort => "listening_port",
            State::Installed => "installed",
        }
    }
}

fn code_and_severity(category: ToolCategory, state: State) -> (&'static str, Severity) {
    match (category, state) {
        (ToolCategory::RemoteAccess, State::Connected) => ("rmm_connected", Severity::Critical),
        (ToolCategory::RemoteAccess, State::Running) => ("rmm_running", Severity::High),
        (ToolCategory::RemoteAccess, State::ListeningPort) => {
            ("rmm_listening_port", Severity::Medium)
        }
        (ToolCategory::RemoteAccess, State::Installed) => ("rmm_installed", Severity::Medium),
        (ToolCategory::Vpn, State::Connected | State::Running) => {
            ("vpn_client_running", Severity::High)
        }
        (ToolCategory::Vpn, State::ListeningPort | State::Installed) => {
            ("vpn_client_installed", Severity::Medium)
        }
    }
}

fn peers_phrase(peers: &[String]) -> String {
    match peers {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => {
            let others = if rest.len() == 1 {
                "address"
            } else {
                "addresses"
            };
            format!("{first} and {} other {others}", rest.len())
        }
    }
}

fn summary(tool: &RmmTool, state: State, f: &Findings) -> String {
    let name = &tool.name;
    match (tool.category, state) {
        (ToolCategory::RemoteAccess, State::Connected) => format!(
            "{name} is running and connected to {}.",
            peers_phrase(&f.peers)
        ),
        (ToolCategory::RemoteAccess, State::Running) => {
            format!("{name}, a remote-control program, is running on this computer.")
        }
        (ToolCategory::RemoteAccess, State::ListeningPort) => format!(
            "This computer accepts incoming {name} connections on port {}, \
             but the program behind it could not be identified.",
            f.first_port.unwrap_or_default()
        ),
        (ToolCategory::RemoteAccess, State::Installed) => format!(
            "{name}, a remote-control program, is installed on this computer but was not seen running."
        ),
        (ToolCategory::Vpn, State::Connected) => format!(
            "{name}, a VPN that hides where the computer really is, is running and connected to {}.",
            peers_phrase(&f.peers)
        ),
        (ToolCategory::Vpn, State::Running) => format!(
            "{name}, a VPN that hides where the computer really is, is running on this computer."
        ),
        (ToolCategory::Vpn, State::ListeningPort | State::Installed) => format!(
            "{name}, a VPN that hides where the computer really is, is installed on this computer \
             but was not seen running."
        ),
    }
}

fn signal_for(tool: &RmmTool, f: &Findings) -> Signal {
    let state = State::of(f);
    let (code, severity) = code_and_severity(tool.category, state);
    let category = match tool.category {
        ToolCategory::RemoteAccess => Category::RemoteAccessSoftware,
        ToolCategory::Vpn => Category::VpnOrProxy,
    };
    let evidence = json!({
        "tool": tool.name,
        "tool_category": tool.category.as_str(),
        "state": state.as_str(),
        "running_processes": f.running.to_json(),
        "installed_software": f.installed.to_json(),
        "remote_connections": f.connections.to_json(),
        "process_listening_ports": f.listening.to_json(),
        "ports_without_known_process": f.unowned_ports.to_json(),
    });
    Signal::new(code, category, severity, summary(tool, state, f), evidence)
}

/// Runs the catalog over one payload; see the module documentation.
pub fn detect(
    tools: &[RmmTool],
    index: &MatchIndex,
    tables: &OsqueryTables,
    allow: &SoftwareAllowList,
) -> Vec<Signal> {
    let mut bufs = Buffers::default();
    let mut run = Detection {
        tools,
        index,
        allow,
        findings: BTreeMap::new(),
        tool_pids: FastMap::default(),
    };
    run.scan_processes(tables, &mut bufs);
    run.scan_installed(tables, &mut bufs);
    if index.has_ports() || !run.tool_pids.is_empty() {
        run.scan_listening(tables, &mut bufs);
    }
    if !run.tool_pids.is_empty() {
        run.scan_sockets(tables);
    }
    let mut signals: Vec<Signal> = run
        .findings
        .iter()
        .filter_map(|(id, f)| Some(signal_for(tools.get(*id)?, f)))
        .collect();
    signals.sort_by_key(|s| std::cmp::Reverse(s.severity));
    signals
}
