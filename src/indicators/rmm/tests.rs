//! Tests for the RMM / VPN detector: realistic osquery rows from Windows,
//! macOS and Linux machines, clean developer laptops that must stay silent
//! (with and without the LOLRMM feed merged), the allow-list, and the
//! LOLRMM loaders against the stored feed.

use serde_json::Value;

use super::*;
use crate::domain::osquery::OsqueryRow;
use crate::indicators::signal::{Category, Severity};

const LOLRMM_JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/indicators/lolrmm/website/public/api/rmm_tools.json"
);
const LOLRMM_YAML_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/indicators/lolrmm/yaml"
);

fn row(pairs: &[(&str, &str)]) -> OsqueryRow {
    OsqueryRow::from_pairs(pairs.iter().copied())
}

fn payload(tables: Vec<(&str, Vec<OsqueryRow>)>) -> OsqueryTables {
    let mut t = OsqueryTables::default();
    for (name, rows) in tables {
        t.insert(name, rows);
    }
    t
}

fn process(pid: &str, name: &str, path: &str, cmdline: &str) -> OsqueryRow {
    row(&[
        ("pid", pid),
        ("name", name),
        ("path", path),
        ("cmdline", cmdline),
    ])
}

fn socket(pid: &str, remote: &str, port: &str) -> OsqueryRow {
    row(&[
        ("pid", pid),
        ("remote_address", remote),
        ("remote_port", port),
        ("local_address", "10.0.0.23"),
        ("local_port", "50123"),
        ("protocol", "6"),
        ("family", "2"),
        ("state", "ESTABLISHED"),
    ])
}

fn listening(pid: &str, port: &str, address: &str) -> OsqueryRow {
    row(&[
        ("pid", pid),
        ("port", port),
        ("address", address),
        ("protocol", "6"),
        ("family", "2"),
    ])
}

fn program(name: &str, publisher: &str) -> OsqueryRow {
    row(&[("name", name), ("publisher", publisher), ("version", "1.0")])
}

fn app(name: &str, bundle: &str, path: &str) -> OsqueryRow {
    row(&[
        ("name", name),
        ("bundle_identifier", bundle),
        ("path", path),
    ])
}

fn package(name: &str) -> OsqueryRow {
    row(&[("name", name), ("version", "1.0"), ("arch", "amd64")])
}

fn none() -> SoftwareAllowList {
    SoftwareAllowList::default()
}

fn tool_of(signal: &Signal) -> &str {
    signal.evidence["tool"].as_str().unwrap_or_default()
}

fn describe(signals: &[Signal]) -> Vec<String> {
    signals
        .iter()
        .map(|s| format!("{} [{}] {}", s.code, tool_of(s), s.evidence))
        .collect()
}

fn lolrmm_json_catalog() -> Option<RmmCatalog> {
    match std::fs::read(LOLRMM_JSON) {
        Ok(bytes) => Some(RmmCatalog::from_lolrmm_json(&bytes).expect("stored LOLRMM JSON loads")),
        Err(e) => {
            eprintln!("skipping: LOLRMM JSON not available at {LOLRMM_JSON}: {e}");
            None
        }
    }
}

fn builtin_with_lolrmm() -> Option<RmmCatalog> {
    let mut catalog = RmmCatalog::builtin();
    catalog.merge(lolrmm_json_catalog()?);
    Some(catalog)
}

// ------------------------------------------------------------ clean laptops

fn clean_windows() -> OsqueryTables {
    let procs = [
        ("4", "System", "", ""),
        (
            "612",
            "services.exe",
            r"C:\Windows\System32\services.exe",
            "",
        ),
        ("640", "lsass.exe", r"C:\Windows\System32\lsass.exe", ""),
        (
            "788",
            "svchost.exe",
            r"C:\Windows\System32\svchost.exe",
            r"C:\Windows\system32\svchost.exe -k DcomLaunch -p",
        ),
        (
            "1020",
            "svchost.exe",
            r"C:\Windows\System32\svchost.exe",
            r"C:\Windows\System32\svchost.exe -k NetworkService -p -s TermService",
        ),
        (
            "1100",
            "dwm.exe",
            r"C:\Windows\System32\dwm.exe",
            "\"dwm.exe\"",
        ),
        (
            "4012",
            "explorer.exe",
            r"C:\Windows\explorer.exe",
            r"C:\Windows\Explorer.EXE",
        ),
        (
            "4100",
            "RuntimeBroker.exe",
            r"C:\Windows\System32\RuntimeBroker.exe",
            "",
        ),
        (
            "4200",
            "SearchHost.exe",
            r"C:\Windows\SystemApps\MicrosoftWindows.Client.CBS_cw5n1h2txyewy\SearchHost.exe",
            "",
        ),
        (
            "4300",
            "MsMpEng.exe",
            r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24080.9-0\MsMpEng.exe",
            "",
        ),
        (
            "4400",
            "OneDrive.exe",
            r"C:\Users\dev\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
            "",
        ),
        (
            "5000",
            "chrome.exe",
            r"C:\Program Files\Google\Chrome\Application\chrome.exe",
            "",
        ),
        (
            "5010",
            "firefox.exe",
            r"C:\Program Files\Mozilla Firefox\firefox.exe",
            "",
        ),
        (
            "5020",
            "msedgewebview2.exe",
            r"C:\Program Files (x86)\Microsoft\EdgeWebView\Application\128.0.2739.79\msedgewebview2.exe",
            "",
        ),
        (
            "5100",
            "Zoom.exe",
            r"C:\Users\dev\AppData\Roaming\Zoom\bin\Zoom.exe",
            "",
        ),
        (
            "5110",
            "CptHost.exe",
            r"C:\Users\dev\AppData\Roaming\Zoom\bin\CptHost.exe",
            "",
        ),
        (
            "5200",
            "slack.exe",
            r"C:\Users\dev\AppData\Local\slack\app-4.41.105\slack.exe",
            "",
        ),
        (
            "5300",
            "ms-teams.exe",
            r"C:\Program Files\WindowsApps\MSTeams_24215.1007.3082.1590_x64__8wekyb3d8bbwe\ms-teams.exe",
            "",
        ),
        (
            "5400",
            "Code.exe",
            r"C:\Users\dev\AppData\Local\Programs\Microsoft VS Code\Code.exe",
            "",
        ),
        (
            "5500",
            "Docker Desktop.exe",
            r"C:\Program Files\Docker\Docker\Docker Desktop.exe",
            "",
        ),
        (
            "5510",
            "com.docker.backend.exe",
            r"C:\Program Files\Docker\Docker\resources\com.docker.backend.exe",
            "",
        ),
        (
            "5520",
            "wslservice.exe",
            r"C:\Program Files\WSL\wslservice.exe",
            "",
        ),
        (
            "5600",
            "logioptionsplus_agent.exe",
            r"C:\Program Files\LogiOptionsPlus\logioptionsplus_agent.exe",
            "",
        ),
        (
            "5700",
            "DDM.exe",
            r"C:\Program Files\Dell\Dell Display Manager 2\DDM.exe",
            "",
        ),
        (
            "5800",
            "openvpn-gui.exe",
            r"C:\Program Files\OpenVPN\bin\openvpn-gui.exe",
            "",
        ),
        (
            "5810",
            "openvpn.exe",
            r"C:\Program Files\OpenVPN\bin\openvpn.exe",
            r"openvpn.exe --config office.ovpn",
        ),
        (
            "5900",
            "vpnagent.exe",
            r"C:\Program Files (x86)\Cisco\Cisco Secure Client\vpnagent.exe",
            "",
        ),
        (
            "5910",
            "csc_ui.exe",
            r"C:\Program Files (x86)\Cisco\Cisco Secure Client\UI\csc_ui.exe",
            "",
        ),
        (
            "6000",
            "PanGPA.exe",
            r"C:\Program Files\Palo Alto Networks\GlobalProtect\PanGPA.exe",
            "",
        ),
        (
            "6010",
            "PanGPS.exe",
            r"C:\Program Files\Palo Alto Networks\GlobalProtect\PanGPS.exe",
            "",
        ),
        (
            "6100",
            "ssh.exe",
            r"C:\Windows\System32\OpenSSH\ssh.exe",
            "ssh dev@build.internal",
        ),
        (
            "6200",
            "powershell.exe",
            r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
            "",
        ),
        (
            "6210",
            "WindowsTerminal.exe",
            r"C:\Program Files\WindowsApps\Microsoft.WindowsTerminal_1.21.2361.0_x64__8wekyb3d8bbwe\WindowsTerminal.exe",
            "",
        ),
        (
            "6300",
            "node.exe",
            r"C:\Program Files\nodejs\node.exe",
            r"node server.js --port 7070",
        ),
        (
            "6400",
            "mstsc.exe",
            r"C:\Windows\System32\mstsc.exe",
            r"mstsc.exe /v:testvm.internal",
        ),
        (
            "6500",
            "g2mcomm.exe",
            r"C:\Users\dev\AppData\Local\GoToMeeting\20101\g2mcomm.exe",
            "",
        ),
        (
            "6600",
            "PowerToys.exe",
            r"C:\Program Files\PowerToys\PowerToys.exe",
            "",
        ),
        (
            "6700",
            "putty.exe",
            r"C:\Program Files\PuTTY\putty.exe",
            "putty.exe -ssh build.internal",
        ),
        (
            "6710",
            "WinSCP.exe",
            r"C:\Program Files (x86)\WinSCP\WinSCP.exe",
            "",
        ),
    ];
    let processes = procs
        .iter()
        .map(|(pid, name, path, cmd)| process(pid, name, path, cmd))
        .collect();
    let programs = vec![
        program("Google Chrome", "Google LLC"),
        program("Mozilla Firefox (x64 en-US)", "Mozilla"),
        program("Zoom Workplace (64-bit)", "Zoom Video Communications, Inc."),
        program("Slack (Machine - MSI)", "Slack Technologies Inc."),
        program("Microsoft Teams", "Microsoft Corporation"),
        program(
            "Microsoft Visual Studio Code (User)",
            "Microsoft Corporation",
        ),
        program("Docker Desktop", "Docker Inc."),
        program("Git", "The Git Development Community"),
        program("Node.js", "Node.js Foundation"),
        program("Python 3.12.4 (64-bit)", "Python Software Foundation"),
        program("Logi Options+", "Logitech"),
        program("Dell Display Manager 2.3", "Dell Inc."),
        program("OpenVPN 2.6.12-I001 amd64", "OpenVPN, Inc."),
        program(
            "Cisco Secure Client - AnyConnect VPN",
            "Cisco Systems, Inc.",
        ),
        program("GlobalProtect", "Palo Alto Networks"),
        program("Microsoft Edge", "Microsoft Corporation"),
        program("PowerToys (Preview) x64", "Microsoft Corporation"),
        program("GoTo Meeting 10.19.0.20101", "GoTo Technologies USA, Inc."),
        program(
            "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810",
            "Microsoft Corporation",
        ),
        program("WinRAR 7.01 (64-bit)", "win.rar GmbH"),
        program("PuTTY release 0.81 (64-bit)", "Simon Tatham"),
        program("WinSCP 6.3.4", "Martin Prikryl"),
    ];
    let drivers = vec![
        row(&[
            ("device_name", "Intel(R) Wi-Fi 6E AX211 160MHz"),
            ("image", r"C:\Windows\System32\drivers\Netwtw10.sys"),
            ("provider", "Intel"),
            ("manufacturer", "Intel Corporation"),
        ]),
        row(&[
            ("device_name", "Logitech USB Receiver"),
            ("image", r"C:\Windows\System32\drivers\hidusb.sys"),
            ("provider", "Microsoft"),
            ("manufacturer", "Logitech"),
        ]),
        row(&[
            ("device_name", "Dell U2723QE"),
            ("image", ""),
            ("provider", "Dell Inc."),
            ("manufacturer", "Dell Inc."),
        ]),
        row(&[
            ("device_name", "TAP-Windows Adapter V9"),
            ("image", r"C:\Windows\System32\drivers\tap0901.sys"),
            ("provider", "TAP-Windows Provider V9"),
            ("manufacturer", "TAP-Windows Provider V9"),
        ]),
        row(&[
            (
                "device_name",
                "Cisco AnyConnect Virtual Miniport Adapter for Windows x64",
            ),
            ("image", r"C:\Windows\System32\drivers\vpnva64-6.sys"),
            ("provider", "Cisco Systems"),
            ("manufacturer", "Cisco Systems"),
        ]),
    ];
    let extensions = vec![
        row(&[
            ("identifier", "cjpalhdlnbpafiamejdnhcphjbkeiagm"),
            ("name", "uBlock Origin"),
        ]),
        row(&[
            ("identifier", "ghbmnnjooekpmoecnnnilnnbdlolhkhi"),
            ("name", "Google Docs Offline"),
        ]),
        row(&[
            ("identifier", "fmkadmapgofadopljbjfkapdkoienihi"),
            ("name", "React Developer Tools"),
        ]),
    ];
    let ports = vec![
        listening("788", "135", "0.0.0.0"),
        listening("4", "445", "0.0.0.0"),
        listening("1020", "7680", "0.0.0.0"),
        listening("640", "49664", "0.0.0.0"),
        listening("6300", "7070", "0.0.0.0"),
        listening("6300", "3000", "0.0.0.0"),
        listening("5510", "5900", "127.0.0.1"),
    ];
    let sockets = vec![
        socket("5000", "142.250.74.36", "443"),
        socket("5100", "170.114.52.2", "443"),
        socket("5200", "54.230.10.5", "443"),
        socket("5810", "198.51.100.20", "1194"),
        socket("6100", "10.1.2.3", "22"),
    ];
    payload(vec![
        ("processes", processes),
        ("programs", programs),
        ("drivers", drivers),
        ("chrome_extensions", extensions),
        ("listening_ports", ports),
        ("process_open_sockets", sockets),
    ])
}

fn clean_macos() -> OsqueryTables {
    let procs = [
        ("1", "launchd", "/sbin/launchd"),
        ("150", "WindowServer", "/System/Library/PrivateFrameworks/SkyLight.framework/Versions/A/Resources/WindowServer"),
        ("400", "Finder", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder"),
        ("410", "Dock", "/System/Library/CoreServices/Dock.app/Contents/MacOS/Dock"),
        ("420", "rapportd", "/usr/libexec/rapportd"),
        ("430", "sharingd", "/usr/libexec/sharingd"),
        ("440", "ControlCenter", "/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter"),
        ("500", "zoom.us", "/Applications/zoom.us.app/Contents/MacOS/zoom.us"),
        ("510", "Slack", "/Applications/Slack.app/Contents/MacOS/Slack"),
        ("511", "Slack Helper (Renderer)", "/Applications/Slack.app/Contents/Frameworks/Slack Helper (Renderer).app/Contents/MacOS/Slack Helper (Renderer)"),
        ("520", "MSTeams", "/Applications/Microsoft Teams.app/Contents/MacOS/MSTeams"),
        ("530", "Electron", "/Applications/Visual Studio Code.app/Contents/MacOS/Electron"),
        ("531", "Code Helper (Plugin)", "/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper (Plugin).app/Contents/MacOS/Code Helper (Plugin)"),
        ("540", "com.docker.backend", "/Applications/Docker.app/Contents/MacOS/com.docker.backend"),
        ("550", "Google Chrome", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
        ("560", "firefox", "/Applications/Firefox.app/Contents/MacOS/firefox"),
        ("570", "logioptionsplus_agent", "/Library/Application Support/Logitech.localized/LogiOptionsPlus/logioptionsplus_agent.app/Contents/MacOS/logioptionsplus_agent"),
        ("580", "GlobalProtect", "/Applications/GlobalProtect.app/Contents/MacOS/GlobalProtect"),
        ("581", "PanGPS", "/Applications/GlobalProtect.app/Contents/Resources/PanGPS"),
        ("590", "vpnagentd", "/opt/cisco/secureclient/bin/vpnagentd"),
        ("600", "ssh", "/usr/bin/ssh"),
        ("610", "zsh", "/bin/zsh"),
    ];
    let processes = procs
        .iter()
        .map(|(pid, name, path)| process(pid, name, path, ""))
        .collect();
    let apps = vec![
        app(
            "Slack.app",
            "com.tinyspeck.slackmacgap",
            "/Applications/Slack.app",
        ),
        app("zoom.us.app", "us.zoom.xos", "/Applications/zoom.us.app"),
        app(
            "Microsoft Teams.app",
            "com.microsoft.teams2",
            "/Applications/Microsoft Teams.app",
        ),
        app(
            "Visual Studio Code.app",
            "com.microsoft.VSCode",
            "/Applications/Visual Studio Code.app",
        ),
        app(
            "Docker.app",
            "com.docker.docker",
            "/Applications/Docker.app",
        ),
        app(
            "Google Chrome.app",
            "com.google.Chrome",
            "/Applications/Google Chrome.app",
        ),
        app(
            "Firefox.app",
            "org.mozilla.firefox",
            "/Applications/Firefox.app",
        ),
        app(
            "Logi Options+.app",
            "com.logi.optionsplus",
            "/Applications/Logi Options+.app",
        ),
        app(
            "GlobalProtect.app",
            "com.paloaltonetworks.GlobalProtect.client",
            "/Applications/GlobalProtect.app",
        ),
        app(
            "Cisco Secure Client.app",
            "com.cisco.secureclient.gui",
            "/Applications/Cisco/Cisco Secure Client.app",
        ),
        app(
            "Microsoft Remote Desktop.app",
            "com.microsoft.rdc.macos",
            "/Applications/Microsoft Remote Desktop.app",
        ),
        app(
            "Screen Sharing.app",
            "com.apple.ScreenSharing",
            "/System/Library/CoreServices/Applications/Screen Sharing.app",
        ),
    ];
    let ports = vec![
        listening("440", "5000", "::"),
        listening("440", "7000", "::"),
        listening("420", "49152", "::"),
        listening("540", "6443", "127.0.0.1"),
    ];
    let sockets = vec![
        socket("500", "170.114.52.2", "443"),
        socket("510", "54.230.10.5", "443"),
        socket("600", "192.0.2.10", "22"),
    ];
    payload(vec![
        ("processes", processes),
        ("apps", apps),
        ("listening_ports", ports),
        ("process_open_sockets", sockets),
    ])
}

fn clean_linux() -> OsqueryTables {
    let procs = [
        (
            "1",
            "systemd",
            "/usr/lib/systemd/systemd",
            "/sbin/init splash",
        ),
        (
            "820",
            "sshd",
            "/usr/sbin/sshd",
            "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
        ),
        ("2210", "sshd", "/usr/sbin/sshd", "sshd: dev@pts/0"),
        (
            "2300",
            "ssh",
            "/usr/bin/ssh",
            "ssh -A dev@bastion.example.com",
        ),
        (
            "900",
            "NetworkManager",
            "/usr/sbin/NetworkManager",
            "/usr/sbin/NetworkManager --no-daemon",
        ),
        (
            "1200",
            "gnome-shell",
            "/usr/bin/gnome-shell",
            "/usr/bin/gnome-shell",
        ),
        (
            "1300",
            "gsd-sharing",
            "/usr/libexec/gsd-sharing",
            "/usr/libexec/gsd-sharing",
        ),
        (
            "1310",
            "gnome-remote-de",
            "/usr/libexec/gnome-remote-desktop-daemon",
            "/usr/libexec/gnome-remote-desktop-daemon",
        ),
        ("1400", "pipewire", "/usr/bin/pipewire", "/usr/bin/pipewire"),
        (
            "1500",
            "dockerd",
            "/usr/bin/dockerd",
            "/usr/bin/dockerd -H fd://",
        ),
        (
            "1510",
            "containerd",
            "/usr/bin/containerd",
            "/usr/bin/containerd",
        ),
        (
            "2000",
            "code",
            "/usr/share/code/code",
            "/usr/share/code/code --unity-launch",
        ),
        (
            "2010",
            "firefox",
            "/snap/firefox/4793/usr/lib/firefox/firefox",
            "/snap/firefox/4793/usr/lib/firefox/firefox",
        ),
        (
            "2020",
            "chrome",
            "/opt/google/chrome/chrome",
            "/opt/google/chrome/chrome",
        ),
        (
            "2030",
            "slack",
            "/usr/lib/slack/slack",
            "/usr/lib/slack/slack --enable-crashpad",
        ),
        ("2040", "zoom", "/opt/zoom/zoom", "/opt/zoom/zoom"),
        (
            "2050",
            "openvpn",
            "/usr/sbin/openvpn",
            "/usr/sbin/openvpn --config /etc/openvpn/client/office.conf",
        ),
        (
            "2060",
            "vim",
            "/usr/bin/vim",
            "vim notes/anydesk-incident.md",
        ),
    ];
    let processes = procs
        .iter()
        .map(|(pid, name, path, cmd)| process(pid, name, path, cmd))
        .collect();
    let debs = [
        "openssh-server",
        "openssh-client",
        "code",
        "docker-ce",
        "google-chrome-stable",
        "firefox",
        "slack-desktop",
        "zoom",
        "openvpn",
        "network-manager-openvpn",
        "gnome-remote-desktop",
        "remmina",
        "libvncclient1",
        "libvncserver1",
        "xserver-xorg-core",
    ];
    let ports = vec![
        listening("820", "22", "0.0.0.0"),
        listening("600", "53", "127.0.0.53"),
        listening("1500", "2376", "127.0.0.1"),
    ];
    let sockets = vec![
        socket("2300", "198.51.100.7", "22"),
        socket("2020", "142.250.74.36", "443"),
        socket("2050", "203.0.113.9", "1194"),
    ];
    payload(vec![
        ("processes", processes),
        ("deb_packages", debs.iter().map(|d| package(d)).collect()),
        ("listening_ports", ports),
        ("process_open_sockets", sockets),
    ])
}

#[test]
fn clean_laptops_raise_nothing_with_the_builtin_catalog() {
    let catalog = RmmCatalog::builtin();
    for (os, tables) in [
        ("windows", clean_windows()),
        ("macos", clean_macos()),
        ("linux", clean_linux()),
    ] {
        let signals = catalog.detect(&tables, &none());
        assert!(signals.is_empty(), "{os}: {:#?}", describe(&signals));
    }
}

#[test]
fn clean_laptops_raise_nothing_with_lolrmm_merged() {
    let Some(catalog) = builtin_with_lolrmm() else {
        return;
    };
    for (os, tables) in [
        ("windows", clean_windows()),
        ("macos", clean_macos()),
        ("linux", clean_linux()),
    ] {
        let signals = catalog.detect(&tables, &none());
        assert!(signals.is_empty(), "{os}: {:#?}", describe(&signals));
    }
}

#[test]
fn office_vpn_allow_list_entries_are_harmless() {
    let allow = SoftwareAllowList::new(["GlobalProtect", "OpenVPN", "Cisco Secure Client"]);
    assert!(RmmCatalog::builtin()
        .detect(&clean_windows(), &allow)
        .is_empty());
}

// -------------------------------------------------------------- detections

#[test]
fn windows_anydesk_with_public_connection_is_critical() {
    let exe = r"C:\Program Files (x86)\AnyDesk\AnyDesk.exe";
    let tables = payload(vec![
        (
            "processes",
            vec![
                process("788", "svchost.exe", r"C:\Windows\System32\svchost.exe", ""),
                process("3312", "AnyDesk.exe", exe, &format!("\"{exe}\" --service")),
                process("3400", "AnyDesk.exe", exe, &format!("\"{exe}\" --control")),
            ],
        ),
        (
            "programs",
            vec![program("AnyDesk", "AnyDesk Software GmbH")],
        ),
        (
            "process_open_sockets",
            vec![
                socket("3312", "185.12.45.7", "443"),
                socket("3312", "192.168.1.20", "7070"),
                socket("3400", "127.0.0.1", "7070"),
            ],
        ),
        (
            "listening_ports",
            vec![listening("3312", "7070", "0.0.0.0")],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    let s = &signals[0];
    assert_eq!(s.code, "rmm_connected");
    assert_eq!(s.severity, Severity::Critical);
    assert_eq!(s.category, Category::RemoteAccessSoftware);
    assert_eq!(
        s.summary,
        "AnyDesk is running and connected to 185.12.45.7."
    );
    assert_eq!(s.weight, Severity::Critical.default_weight());
    let ev = &s.evidence;
    assert_eq!(ev["tool"], "AnyDesk");
    assert_eq!(ev["state"], "running_and_connected");
    assert_eq!(ev["running_processes"]["total"], 2);
    assert_eq!(
        ev["running_processes"]["rows"][0]["indicator"],
        "process_name"
    );
    assert_eq!(ev["running_processes"]["rows"][0]["row"]["path"], exe);
    assert_eq!(ev["installed_software"]["rows"][0]["table"], "programs");
    assert_eq!(ev["remote_connections"]["total"], 1);
    assert_eq!(
        ev["remote_connections"]["rows"][0]["remote_address"],
        "185.12.45.7"
    );
    assert_eq!(ev["process_listening_ports"]["rows"][0]["port"], 7070);
}

#[test]
fn several_peers_are_counted_in_the_summary() {
    let tables = payload(vec![
        (
            "processes",
            vec![process(
                "10",
                "rustdesk",
                "/usr/bin/rustdesk",
                "rustdesk --server",
            )],
        ),
        (
            "process_open_sockets",
            vec![
                socket("10", "185.12.45.7", "21116"),
                socket("10", "2a01:4f8:c17:1::5", "21117"),
                socket("10", "185.12.45.7", "21116"),
            ],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(
        signals[0].summary,
        "RustDesk is running and connected to 185.12.45.7 and 1 other address."
    );
    assert_eq!(
        signals[0].evidence["remote_connections"]["rows"][0]["vendor_documented_port"],
        true
    );
}

#[test]
fn lan_only_connections_leave_a_tool_running_not_connected() {
    let tables = payload(vec![
        (
            "processes",
            vec![process("10", "rustdesk", "/usr/bin/rustdesk", "")],
        ),
        (
            "process_open_sockets",
            vec![
                socket("10", "192.168.1.20", "21118"),
                socket("10", "100.101.5.6", "21118"),
                socket("10", "fe80::1", "21118"),
                socket("10", "0.0.0.0", "0"),
            ],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].code, "rmm_running");
    assert_eq!(signals[0].severity, Severity::High);
    assert_eq!(
        signals[0].summary,
        "RustDesk, a remote-control program, is running on this computer."
    );
}

#[test]
fn macos_teamviewer_app_installed_and_running() {
    let tables = payload(vec![
        (
            "apps",
            vec![app(
                "TeamViewer.app",
                "com.teamviewer.TeamViewer",
                "/Applications/TeamViewer.app",
            )],
        ),
        (
            "processes",
            vec![
                process("1", "launchd", "/sbin/launchd", ""),
                process(
                    "733",
                    "TeamViewer",
                    "/Applications/TeamViewer.app/Contents/MacOS/TeamViewer",
                    "",
                ),
                process(
                    "734",
                    "TeamViewer_Desktop",
                    "/Applications/TeamViewer.app/Contents/Helpers/TeamViewer_Desktop",
                    "",
                ),
            ],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    let s = &signals[0];
    assert_eq!(
        (s.code.as_str(), s.severity),
        ("rmm_running", Severity::High)
    );
    assert_eq!(tool_of(s), "TeamViewer");
    assert_eq!(s.evidence["running_processes"]["total"], 2);
    assert_eq!(
        s.evidence["installed_software"]["rows"][0]["indicator"],
        "bundle_identifier"
    );
    assert!(s.summary.starts_with("TeamViewer"), "{}", s.summary);
}

#[test]
fn linux_rustdesk_package_only_is_installed() {
    let tables = payload(vec![
        (
            "deb_packages",
            vec![package("rustdesk"), package("openssh-server")],
        ),
        (
            "processes",
            vec![process("820", "sshd", "/usr/sbin/sshd", "sshd: dev@pts/0")],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    let s = &signals[0];
    assert_eq!(s.code, "rmm_installed");
    assert_eq!(s.severity, Severity::Medium);
    assert_eq!(tool_of(s), "RustDesk");
    assert_eq!(
        s.summary,
        "RustDesk, a remote-control program, is installed on this computer but was not seen running."
    );
    assert_eq!(
        s.evidence["installed_software"]["rows"][0]["table"],
        "deb_packages"
    );
}

#[test]
fn chrome_remote_desktop_host_running_and_connected() {
    let dir = r"C:\Program Files (x86)\Google\Chrome Remote Desktop\128.0.6613.10";
    let tables = payload(vec![
        (
            "processes",
            vec![
                process(
                    "5000",
                    "chrome.exe",
                    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
                    "",
                ),
                process(
                    "7100",
                    "remoting_host.exe",
                    &format!(r"{dir}\remoting_host.exe"),
                    "",
                ),
            ],
        ),
        (
            "process_open_sockets",
            vec![socket("7100", "74.125.250.129", "19305")],
        ),
        (
            "chrome_extensions",
            vec![row(&[
                ("identifier", "inomeogfingihgjfjlpeplalcfajhgai"),
                ("name", "Chrome Remote Desktop"),
            ])],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    assert_eq!(signals[0].code, "rmm_connected");
    assert_eq!(
        signals[0].summary,
        "Chrome Remote Desktop is running and connected to 74.125.250.129."
    );
    assert_eq!(
        signals[0].evidence["installed_software"]["rows"][0]["indicator"],
        "chrome_extension_id"
    );
}

#[test]
fn chrome_remote_desktop_extension_alone_is_installed() {
    let tables = payload(vec![(
        "chrome_extensions",
        vec![row(&[
            ("identifier", "inomeogfingihgjfjlpeplalcfajhgai"),
            ("name", "__MSG_appName__"),
            ("browser_type", "chrome"),
        ])],
    )]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].code, "rmm_installed");
    assert_eq!(tool_of(&signals[0]), "Chrome Remote Desktop");
}

#[test]
fn linux_chrome_remote_desktop_host_is_found_by_path() {
    let path = "/opt/google/chrome-remote-desktop/chrome-remote-desktop-host";
    let tables = payload(vec![(
        "processes",
        vec![process("4400", "chrome-remote-d", path, "")],
    )]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].code, "rmm_running");
    assert_eq!(tool_of(&signals[0]), "Chrome Remote Desktop");
}

#[test]
fn astrill_vpn_running_is_vpn_or_proxy() {
    let tables = payload(vec![
        (
            "processes",
            vec![process(
                "900",
                "astrill.exe",
                r"C:\Program Files (x86)\Astrill\astrill.exe",
                "",
            )],
        ),
        (
            "programs",
            vec![program("Astrill", "Astrill Systems Corp.")],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    let s = &signals[0];
    assert_eq!(s.category, Category::VpnOrProxy);
    assert_eq!(
        (s.code.as_str(), s.severity),
        ("vpn_client_running", Severity::High)
    );
    assert_eq!(
        s.summary,
        "Astrill VPN, a VPN that hides where the computer really is, is running on this computer."
    );
    assert_eq!(s.evidence["tool_category"], "vpn");
}

#[test]
fn vpn_installed_only_on_macos() {
    let tables = payload(vec![(
        "apps",
        vec![app(
            "NordVPN.app",
            "com.nordvpn.macos",
            "/Applications/NordVPN.app",
        )],
    )]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].code, "vpn_client_installed");
    assert_eq!(signals[0].severity, Severity::Medium);
    assert_eq!(signals[0].category, Category::VpnOrProxy);
}

#[test]
fn allow_listed_teamviewer_raises_nothing() {
    let tables = payload(vec![
        (
            "processes",
            vec![process(
                "10",
                "TeamViewer.exe",
                r"C:\Program Files\TeamViewer\TeamViewer.exe",
                "",
            )],
        ),
        (
            "programs",
            vec![program("TeamViewer 15", "TeamViewer Germany GmbH")],
        ),
        ("listening_ports", vec![listening("", "5938", "0.0.0.0")]),
        (
            "process_open_sockets",
            vec![socket("10", "185.12.45.7", "5938")],
        ),
    ]);
    let catalog = RmmCatalog::builtin();
    let allow = SoftwareAllowList::new(["teamviewer", "GlobalProtect"]);
    assert!(catalog.detect(&tables, &allow).is_empty());
    let flagged = catalog.detect(&tables, &none());
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].code, "rmm_connected");
}

#[test]
fn allow_list_accepts_aliases() {
    let tables = payload(vec![(
        "processes",
        vec![process("1", "ScreenConnect.ClientService.exe", "", "")],
    )]);
    let allow = SoftwareAllowList::new(vec![String::from("  ScreenConnect ")]);
    assert!(RmmCatalog::builtin().detect(&tables, &allow).is_empty());
}

#[test]
fn rdp_listener_in_svchost_is_a_listening_port() {
    let tables = payload(vec![
        (
            "processes",
            vec![process(
                "1020",
                "svchost.exe",
                r"C:\Windows\System32\svchost.exe",
                "",
            )],
        ),
        (
            "listening_ports",
            vec![
                listening("1020", "3389", "0.0.0.0"),
                listening("1020", "3389", "::"),
            ],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    let s = &signals[0];
    assert_eq!(
        (s.code.as_str(), s.severity),
        ("rmm_listening_port", Severity::Medium)
    );
    assert_eq!(tool_of(s), "Windows Remote Desktop (RDP)");
    assert_eq!(
        s.summary,
        "This computer accepts incoming Windows Remote Desktop (RDP) connections on port 3389, \
         but the program behind it could not be identified."
    );
    assert_eq!(s.evidence["ports_without_known_process"]["total"], 2);
}

#[test]
fn catalog_port_held_by_an_ordinary_program_or_loopback_is_ignored() {
    let tables = payload(vec![
        (
            "processes",
            vec![process(
                "50",
                "node",
                "/usr/local/bin/node",
                "node dev-server.js",
            )],
        ),
        (
            "listening_ports",
            vec![
                listening("50", "5938", "0.0.0.0"),
                listening("-1", "5900", "127.0.0.1"),
            ],
        ),
    ]);
    assert!(RmmCatalog::builtin().detect(&tables, &none()).is_empty());
}

#[test]
fn process_without_path_is_matched_by_command_line() {
    let tables = payload(vec![(
        "processes",
        vec![process(
            "77",
            "",
            "",
            r#""C:\Program Files (x86)\Splashtop\Splashtop Remote\Server\SRServer.exe" -service"#,
        )],
    )]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(tool_of(&signals[0]), "Splashtop");
    assert_eq!(
        signals[0].evidence["running_processes"]["rows"][0]["indicator"],
        "command_line"
    );
}

#[test]
fn generic_words_do_not_match() {
    let tables = payload(vec![
        (
            "processes",
            vec![
                process("1", "remote-agent", "/usr/local/bin/remote-agent", ""),
                process("2", "vncdotool", "/usr/bin/vncdotool", ""),
                process("3", "support.exe", r"C:\Tools\support.exe", ""),
                process("4", "TeamViewerHelperNotReal", "/tmp/x", ""),
            ],
        ),
        (
            "programs",
            vec![
                program("AnyDeskTop Organizer", "Some Vendor"),
                program("Remote Support Tool", "Acme"),
            ],
        ),
        (
            "deb_packages",
            vec![package("rustdesk-server-tools-unofficial")],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    assert!(signals.is_empty(), "{:#?}", describe(&signals));
}

#[test]
fn signals_are_sorted_most_severe_first() {
    let tables = payload(vec![
        ("deb_packages", vec![package("anydesk")]),
        (
            "processes",
            vec![process("1", "nordvpnd", "/usr/sbin/nordvpnd", "")],
        ),
    ]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    let codes: Vec<&str> = signals.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["vpn_client_running", "rmm_installed"]);
}

// ------------------------------------------------------------ catalog / feeds

#[test]
fn builtin_catalog_covers_the_required_tools() {
    let catalog = RmmCatalog::builtin();
    assert!((40..=60).contains(&catalog.len()), "{}", catalog.len());
    for name in [
        "AnyDesk",
        "TeamViewer",
        "Chrome Remote Desktop",
        "RustDesk",
        "Splashtop",
        "ConnectWise ScreenConnect",
        "LogMeIn",
        "GoTo Resolve",
        "RealVNC",
        "TightVNC",
        "UltraVNC",
        "TigerVNC",
        "x11vnc",
        "Parsec",
        "NoMachine",
        "Remote Utilities",
        "Radmin",
        "Ammyy Admin",
        "AeroAdmin",
        "Supremo",
        "DWService",
        "MeshCentral",
        "Tactical RMM",
        "Atera",
        "Zoho Assist",
        "HopToDesk",
        "ToDesk",
        "Sunlogin",
        "Microsoft Quick Assist",
        "Windows Remote Desktop (RDP)",
        "Astrill VPN",
        "NordVPN",
        "ExpressVPN",
        "Surfshark",
        "Psiphon",
        "Lantern",
    ] {
        assert!(catalog.names().contains(&name), "missing {name}");
    }
    let astrill = catalog.tools().iter().find(|t| t.name == "Astrill VPN");
    assert_eq!(astrill.map(|t| t.category), Some(ToolCategory::Vpn));
}

#[test]
fn toml_errors_name_the_line_or_the_tool() {
    let bad_syntax = "[[tool]]\nname = \"X\"\ncategory = \"remote_access\"\nports = [1,, 2]\n";
    let err = RmmCatalog::from_toml(bad_syntax).unwrap_err();
    assert!(matches!(err, CatalogError::Toml { line: 4, .. }), "{err}");

    let bad_category = "[[tool]]\nname = \"X\"\ncategory = \"spyware\"\n";
    let err = RmmCatalog::from_toml(bad_category).unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");

    let bad_ext = "[[tool]]\nname = \"X\"\ncategory = \"vpn\"\nchrome_extensions = [\"zz\"]\n";
    let err = RmmCatalog::from_toml(bad_ext).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RMM catalog tool `X` is invalid: `zz` is not a Chrome extension id (32 letters a-p)"
    );

    let twice =
        "[[tool]]\nname = \"X\"\ncategory = \"vpn\"\n[[tool]]\nname = \"x\"\ncategory = \"vpn\"\n";
    assert!(matches!(
        RmmCatalog::from_toml(twice),
        Err(CatalogError::DuplicateTool(_))
    ));
}

#[test]
fn lolrmm_errors_are_returned_not_panicked() {
    assert!(matches!(
        RmmCatalog::from_lolrmm_json(b"{\"Name\": 1}"),
        Err(CatalogError::JsonNotAList)
    ));
    let err = RmmCatalog::from_lolrmm_json(b"[{\"Name\": \"A\"},\n {\"Name\": \"\"}]").unwrap_err();
    assert_eq!(
        err.to_string(),
        "LOLRMM entry #1 of the JSON list is unusable: it has no `Name`"
    );
    let err = RmmCatalog::from_lolrmm_json(b"[{\"Name\": \"A\"},\n {").unwrap_err();
    assert!(matches!(err, CatalogError::Json { line: 2, .. }), "{err}");
    let files = vec![("broken.yaml".to_string(), "Name: [unclosed\n".to_string())];
    let err = RmmCatalog::from_lolrmm_yaml(&files).unwrap_err();
    assert!(err.to_string().contains("`broken.yaml`"), "{err}");
}

#[test]
fn lolrmm_odd_fields_are_tolerated() {
    let json = br#"[{
        "Name": "Odd Tool",
        "Details": {
            "PEMetadata": {"Filename": "oddtool.exe", "OriginalFileName": null},
            "InstallationPaths": null
        },
        "Artifacts": {"Network": [{"Domains": ["*.odd.example:443"], "Ports": ["443", 47001, "1000-65535"]}]}
    }, {
        "Name": "Listy Tool",
        "Details": {
            "PEMetadata": [{"Filename": "setup.exe"}, {"Filename": "listy*.exe"}, {"Filename": "listyd.exe"}],
            "InstallationPaths": ["C:\\Program Files\\Listy Corp\\*", "%APPDATA%\\*", "*\\listy-helper.exe"]
        },
        "CodeSigning": {"certificates": [{"signer_name": "Listy Corp Ltd"}, {"signer_name": "Google LLC"}]}
    }]"#;
    let catalog = RmmCatalog::from_lolrmm_json(json).expect("loads");
    let tools = catalog.tools();
    assert_eq!(tools[0].executables, ["oddtool.exe"]);
    assert_eq!(tools[0].domains, ["odd.example"]);
    assert_eq!(tools[0].remote_ports, [47001]);
    assert!(tools[0].ports.is_empty());
    assert_eq!(tools[1].executables, ["listyd.exe", "listy-helper.exe"]);
    assert_eq!(tools[1].path_fragments, ["/program files/listy corp/"]);
    assert_eq!(tools[1].publishers, ["Listy Corp Ltd"]);
}

#[test]
fn lolrmm_json_gives_319_tools_and_extends_the_builtin_catalog() {
    let Some(feed) = lolrmm_json_catalog() else {
        return;
    };
    assert_eq!(feed.len(), 319);
    assert!(feed.names().contains(&"Action1"));

    let builtin = RmmCatalog::builtin();
    assert!(!builtin.names().contains(&"Action1"));
    let tables = payload(vec![(
        "processes",
        vec![process(
            "2400",
            "action1_agent.exe",
            r"C:\Windows\Action1\action1_agent.exe",
            "",
        )],
    )]);
    assert!(builtin.detect(&tables, &none()).is_empty());

    let builtin_len = builtin.len();
    let mut merged = builtin;
    merged.merge(feed);
    assert!(merged.len() > builtin_len && merged.len() < builtin_len + 319);
    assert_eq!(merged.names()[0], "AnyDesk");
    let signals = merged.detect(&tables, &none());
    assert_eq!(signals.len(), 1, "{:#?}", describe(&signals));
    assert_eq!(signals[0].code, "rmm_running");
    assert_eq!(tool_of(&signals[0]), "Action1");
    assert_eq!(
        signals[0].summary,
        "Action1, a remote-control program, is running on this computer."
    );

    // A tool both catalogs know is still reported under the curated name.
    let anydesk = payload(vec![(
        "processes",
        vec![process(
            "9",
            "AnyDesk.exe",
            r"C:\Program Files (x86)\AnyDesk\AnyDesk.exe",
            "",
        )],
    )]);
    let signals = merged.detect(&anydesk, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(tool_of(&signals[0]), "AnyDesk");
}

#[test]
fn lolrmm_guards_drop_generic_indicators() {
    let Some(feed) = lolrmm_json_catalog() else {
        return;
    };
    let executables: Vec<&str> = feed
        .tools()
        .iter()
        .flat_map(|t| t.executables.iter().map(String::as_str))
        .collect();
    for generic in [
        "dwm.exe",
        "mstsc.exe",
        "setup.exe",
        "g2m.exe",
        "connect.exe",
        "rd.exe",
        "putty.exe",
        "plink.exe",
        "qq.exe",
    ] {
        assert!(!executables.contains(&generic), "{generic} kept");
    }
    assert!(executables.contains(&"anydesk.exe"));
    assert!(executables.contains(&"rutserv.exe"));
    let publishers: Vec<&str> = feed
        .tools()
        .iter()
        .flat_map(|t| t.publishers.iter().map(String::as_str))
        .collect();
    for vendor in [
        "Google LLC",
        "Microsoft Corporation",
        "OpenVPN Inc.",
        "Simon Tatham",
    ] {
        assert!(!publishers.contains(&vendor), "{vendor} kept");
    }
    assert!(publishers.contains(&"AnyDesk Software GmbH"));
    assert!(feed.tools().iter().all(|t| t.ports.is_empty()));
    let crd = feed
        .tools()
        .iter()
        .find(|t| t.name == "Chrome SSH Extension");
    assert!(crd.is_some_and(|t| t.chrome_extensions.is_empty()));
}

#[test]
fn lolrmm_yaml_directory_loads_like_the_json() {
    let entries = match std::fs::read_dir(LOLRMM_YAML_DIR) {
        Ok(entries) => entries,
        Err(e) => {
            eprintln!("skipping: LOLRMM YAML not available at {LOLRMM_YAML_DIR}: {e}");
            return;
        }
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), text))
        })
        .collect();
    files.sort();
    let feed = RmmCatalog::from_lolrmm_yaml(&files).expect("stored YAML loads");
    assert_eq!(feed.len(), files.len());
    assert_eq!(feed.len(), 319);
    let anydesk = feed.tools().iter().find(|t| t.name == "AnyDesk");
    let anydesk = anydesk.expect("AnyDesk in the YAML feed");
    assert!(anydesk.executables.contains(&"anydesk.exe".to_string()));
    assert!(anydesk
        .path_fragments
        .contains(&"/program files (x86)/anydesk/".to_string()));

    let mut merged = RmmCatalog::builtin();
    merged.merge(feed);
    let tables = payload(vec![(
        "processes",
        vec![process(
            "1",
            "action1_agent.exe",
            r"C:\Windows\Action1\action1_agent.exe",
            "",
        )],
    )]);
    let signals = merged.detect(&tables, &none());
    assert_eq!(signals.len(), 1);
    assert_eq!(tool_of(&signals[0]), "Action1");
    for tables in [clean_windows(), clean_macos(), clean_linux()] {
        let signals = merged.detect(&tables, &none());
        assert!(signals.is_empty(), "{:#?}", describe(&signals));
    }
}

#[test]
fn evidence_is_capped_for_huge_payloads() {
    let rows = (0..500)
        .map(|i| {
            let pid = i.to_string();
            process(&pid, "AnyDesk.exe", "", "")
        })
        .collect();
    let tables = payload(vec![("processes", rows)]);
    let signals = RmmCatalog::builtin().detect(&tables, &none());
    let running = &signals[0].evidence["running_processes"];
    assert_eq!(running["total"], 500);
    assert_eq!(running["omitted"], 480);
    assert!(matches!(&running["rows"], Value::Array(r) if r.len() == 20));
}
