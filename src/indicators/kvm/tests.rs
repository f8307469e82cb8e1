//! Detection tests on osquery rows shaped as osquery emits them on Linux,
//! macOS and Windows, for each KVM family, and clean machines that must raise
//! nothing.

use super::*;
use crate::domain::osquery::{OsqueryRow, OsqueryTables};

fn row(pairs: &[(&str, &str)]) -> OsqueryRow {
    OsqueryRow::from_pairs(pairs.iter().copied())
}

fn tables(t: Vec<(&str, Vec<OsqueryRow>)>) -> OsqueryTables {
    let mut out = OsqueryTables::default();
    for (name, rows) in t {
        out.insert(name, rows);
    }
    out
}

fn cat() -> KvmCatalog {
    KvmCatalog::builtin()
}

fn codes(sigs: &[Signal]) -> Vec<&str> {
    sigs.iter().map(|s| s.code.as_str()).collect()
}

fn families(s: &Signal) -> Vec<String> {
    s.evidence["families"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// osquery `usb_devices` on Linux: strings come from usb.ids when the id is
/// registered, class is the device class in decimal.
fn linux_usb(
    vid: &str,
    pid: &str,
    vendor: &str,
    model: &str,
    serial: &str,
    class: &str,
) -> OsqueryRow {
    row(&[
        ("usb_address", "1"),
        ("usb_port", "4"),
        ("vendor", vendor),
        ("vendor_id", vid),
        ("version", "0100"),
        ("model", model),
        ("model_id", pid),
        ("serial", serial),
        ("class", class),
        ("subclass", "0"),
        ("protocol", "0"),
        ("removable", "1"),
    ])
}

/// osquery `usb_devices` on macOS: the device's own strings.
fn mac_usb(vid: &str, pid: &str, vendor: &str, model: &str, serial: &str) -> OsqueryRow {
    row(&[
        ("usb_address", "2"),
        ("usb_port", "1"),
        ("vendor", vendor),
        ("vendor_id", vid),
        ("version", "1.00"),
        ("model", model),
        ("model_id", pid),
        ("serial", serial),
        ("class", "0"),
        ("subclass", "0"),
        ("protocol", "0"),
        ("removable", "1"),
    ])
}

/// osquery `drivers` on Windows.
fn win_driver(device_id: &str, name: &str, class: &str, service: &str, mfr: &str) -> OsqueryRow {
    row(&[
        ("device_id", device_id),
        ("device_name", name),
        ("description", name),
        ("class", class),
        ("service", service),
        ("manufacturer", mfr),
        ("provider", "Microsoft"),
        ("signed", "1"),
        ("inf", "input.inf"),
    ])
}

fn mac_display(name: &str, vendor: &str, product: &str, serial: &str) -> OsqueryRow {
    row(&[
        ("name", name),
        ("vendor_id", vendor),
        ("product_id", product),
        ("serial_number", serial),
        ("display_id", "2"),
        (
            "resolution",
            "1920 x 1080 (1080p FHD - Full High Definition)",
        ),
        ("connection_type", "HDMI"),
        ("main", "0"),
        ("online", "1"),
    ])
}

fn arp(ip: &str, mac: &str, iface: &str) -> OsqueryRow {
    row(&[
        ("address", ip),
        ("mac", mac),
        ("interface", iface),
        ("permanent", "0"),
    ])
}

fn windows_gadget(serial: &str) -> Vec<OsqueryRow> {
    vec![
        win_driver(
            &format!(r"USB\VID_1D6B&PID_0104\{serial}"),
            "USB Composite Device",
            "USB",
            "usbccgp",
            "(Standard USB Host Controller)",
        ),
        win_driver(
            r"HID\VID_1D6B&PID_0104&MI_00\8&2a1b3c4d&0&0000",
            "HID Keyboard Device",
            "Keyboard",
            "kbdhid",
            "(Standard keyboards)",
        ),
        win_driver(
            r"HID\VID_1D6B&PID_0104&MI_01\8&1f0e9d8c&0&0000",
            "HID-compliant mouse",
            "Mouse",
            "mouhid",
            "Microsoft",
        ),
    ]
}

#[test]
fn builtin_catalog_loads_with_every_family() {
    let c = cat();
    assert!(c.family_count() >= 15);
    for id in [
        "pikvm",
        "tinypilot",
        "jetkvm",
        "nanokvm",
        "glinet_comet",
        "blikvm",
        "linux_gadget",
        "ch9329",
        "raspberry_pi",
    ] {
        assert!(c.families.iter().any(|f| f.id == id), "{id} missing");
    }
    assert!(c.usb_ids.contains_key(&(0x1d6b, 0x0104)));
    for root_hub in [0x0001, 0x0002, 0x0003] {
        assert!(!c.usb_ids.contains_key(&(0x1d6b, root_hub)));
    }
}

#[test]
fn pikvm_v4_on_macos_is_critical_and_named() {
    let t = tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "1d6b",
            "0104",
            "PiKVM",
            "PiKVM Composite Device",
            "CAFEBABE",
        )],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    let s = &sigs[0];
    assert_eq!(s.category, Category::IpKvm);
    assert_eq!(s.severity, Severity::Critical);
    assert_eq!(
        s.summary,
        "A PiKVM remote-control device (IP-KVM) is plugged into this computer as a USB keyboard and mouse."
    );
    assert_eq!(families(s), ["pikvm"]);
    assert_eq!(s.evidence["usb_id"], "1d6b:0104");
    let rules: Vec<&str> = s.evidence["matched"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["rule"].as_str())
        .collect();
    for r in ["usb_id", "usb_string", "usb_keyword", "usb_serial"] {
        assert!(rules.contains(&r), "{r} not in {rules:?}");
    }
    assert_eq!(s.evidence["rows"][0]["row"]["vendor"], "PiKVM");
}

#[test]
fn pikvm_on_linux_is_known_by_gadget_id_and_serial() {
    // udev replaces the product's strings with usb.ids names; the serial is
    // shared by PiKVM and GL.iNet's kvmd fork.
    let t = tables(vec![(
        "usb_devices",
        vec![
            linux_usb(
                "1d6b",
                "0002",
                "Linux Foundation",
                "2.0 root hub",
                "0000:00:14.0",
                "9",
            ),
            linux_usb(
                "1d6b",
                "0104",
                "Linux Foundation",
                "Multifunction Composite Gadget",
                "CAFEBABE",
                "0",
            ),
        ],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    assert_eq!(families(&sigs[0]), ["pikvm", "glinet_comet"]);
    assert!(sigs[0]
        .summary
        .starts_with("A PiKVM or GL.iNet Comet remote-control device"));
    assert_eq!(sigs[0].evidence["rows_total"], 1);
}

#[test]
fn pikvm_on_windows_aggregates_gadget_hid_and_virtual_cdrom() {
    let mut rows = windows_gadget("CAFEBABE");
    rows.push(win_driver(
        r"USBSTOR\CDROM&VEN_PIKVM&PROD_OPTICAL_DRIVE&REV_1.00\9&1c2d3e4f&0&CAFEBABE&0",
        "PiKVM Optical Drive USB Device",
        "CDROM",
        "cdrom",
        "(Standard CD-ROM drives)",
    ));
    let t = tables(vec![("drivers", rows)]);
    let sigs = cat().detect(&t);
    // One box, one signal; the heuristic does not repeat it.
    assert_eq!(codes(&sigs), [CODE_USB]);
    let s = &sigs[0];
    assert_eq!(families(s), ["pikvm"]);
    assert!(s.summary.contains("PiKVM"));
    assert_eq!(s.evidence["rows_total"], 4);
    assert_eq!(s.evidence["usb_id"], "1d6b:0104");
}

#[test]
fn tinypilot_on_each_platform() {
    let c = cat();
    let mac = c.detect(&tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "1d6b",
            "0104",
            "tinypilot",
            "Multifunction USB Device",
            "6b65796d696d6570690",
        )],
    )]));
    assert_eq!(codes(&mac), [CODE_USB]);
    assert_eq!(families(&mac[0]), ["tinypilot"]);
    assert!(mac[0]
        .summary
        .starts_with("A TinyPilot remote-control device"));

    // Linux: only the keymimepi serial survives; BliKVM's script reuses it.
    let linux = c.detect(&tables(vec![(
        "usb_devices",
        vec![linux_usb(
            "1d6b",
            "0104",
            "Linux Foundation",
            "Multifunction Composite Gadget",
            "6b65796d696d6570690",
            "0",
        )],
    )]));
    assert_eq!(codes(&linux), [CODE_USB]);
    assert_eq!(families(&linux[0]), ["tinypilot", "blikvm"]);
    assert!(linux[0].summary.contains("TinyPilot or BliKVM"));

    let win = c.detect(&tables(vec![(
        "drivers",
        windows_gadget("6b65796d696d6570690"),
    )]));
    assert_eq!(codes(&win), [CODE_USB]);
    assert!(win[0].summary.contains("TinyPilot"));
    assert_eq!(win[0].severity, Severity::Critical);
}

#[test]
fn jetkvm_by_strings_and_plain_gadget_without_them() {
    let c = cat();
    let mac = c.detect(&tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "1d6b",
            "0104",
            "JetKVM",
            "USB Emulation Device",
            "",
        )],
    )]));
    assert_eq!(codes(&mac), [CODE_USB]);
    assert_eq!(families(&mac[0]), ["jetkvm"]);
    assert!(mac[0].summary.contains("JetKVM"));

    // JetKVM's default has no serial, so on Linux and Windows only the
    // gadget id is left; that alone is reported, worded generically.
    let linux = c.detect(&tables(vec![(
        "usb_devices",
        vec![linux_usb(
            "1d6b",
            "0104",
            "Linux Foundation",
            "Multifunction Composite Gadget",
            "",
            "0",
        )],
    )]));
    assert_eq!(codes(&linux), [CODE_USB]);
    assert_eq!(linux[0].severity, Severity::Critical);
    assert_eq!(families(&linux[0]), ["linux_gadget"]);
    assert!(linux[0].summary.contains("Linux USB gadget (1d6b:0104)"));
    assert!(linux[0].summary.contains("JetKVM"));

    let win = c.detect(&tables(vec![(
        "drivers",
        windows_gadget("7&1b2c3d4e&0&4").into_iter().collect(),
    )]));
    assert_eq!(codes(&win), [CODE_USB]);
    assert_eq!(families(&win[0]), ["linux_gadget"]);
}

#[test]
fn jetkvm_logitech_spoof_is_caught_by_its_vendor_string() {
    let t = tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "046d",
            "c52b",
            "Logitech (x64)",
            "Logitech USB Input Device",
            "",
        )],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    assert_eq!(families(&sigs[0]), ["jetkvm"]);
    assert_eq!(sigs[0].evidence["usb_id"], "046d:c52b");
}

#[test]
fn nanokvm_usb_on_linux_and_macos() {
    let c = cat();
    // 3346 is not in usb.ids: udev leaves vendor empty and falls back to
    // the device's product string, with underscores.
    let linux = c.detect(&tables(vec![(
        "usb_devices",
        vec![linux_usb(
            "3346",
            "1009",
            "",
            "NanoKVM",
            "0123456789ABCDEF",
            "0",
        )],
    )]));
    assert_eq!(codes(&linux), [CODE_USB]);
    assert_eq!(families(&linux[0]), ["nanokvm"]);
    assert!(linux[0].summary.contains("Sipeed NanoKVM"));

    let mac = c.detect(&tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "3346",
            "1009",
            "sipeed",
            "NanoKVM",
            "0123456789ABCDEF",
        )],
    )]));
    assert_eq!(families(&mac[0]), ["nanokvm"]);
}

#[test]
fn glinet_comet_from_the_real_macos_dump() {
    let t = tables(vec![(
        "usb_devices",
        vec![mac_usb(
            "1d6b",
            "0104",
            "GLKVM",
            "Composite KVM Device",
            "CAFEBABE",
        )],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    assert_eq!(families(&sigs[0]), ["glinet_comet"]);
    assert!(sigs[0]
        .summary
        .starts_with("A GL.iNet Comet remote-control device"));
}

#[test]
fn glinet_virtual_drive_alone_on_windows_is_reported() {
    let t = tables(vec![(
        "drivers",
        vec![win_driver(
            r"USBSTOR\CDROM&VEN_GLINET&PROD_FLASH_DRIVE&REV_1.00\A&24467633&0&CAFEBABE&0",
            "Glinet Flash Drive USB Device",
            "CDROM",
            "cdrom",
            "(Standard CD-ROM drives)",
        )],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    assert_eq!(families(&sigs[0]), ["glinet_comet"]);
    assert_eq!(sigs[0].evidence["usb_id"], Value::Null);
}

#[test]
fn ch9329_adapter_on_linux_and_windows() {
    let c = cat();
    let linux = c.detect(&tables(vec![(
        "usb_devices",
        vec![linux_usb(
            "1a86",
            "e129",
            "QinHeng Electronics",
            "",
            "",
            "0",
        )],
    )]));
    assert_eq!(codes(&linux), [CODE_USB]);
    assert_eq!(linux[0].severity, Severity::Critical);
    assert_eq!(
        linux[0].summary,
        "A CH9329 serial-to-keyboard/mouse adapter is plugged into this computer; \
         it lets another machine type and move the mouse here."
    );
    let win = c.detect(&tables(vec![(
        "drivers",
        vec![
            win_driver(
                r"HID\VID_1A86&PID_E129&MI_00\7&11aa22bb&0&0000",
                "HID Keyboard Device",
                "Keyboard",
                "kbdhid",
                "(Standard keyboards)",
            ),
            win_driver(
                r"HID\VID_1A86&PID_E129&MI_01\7&33cc44dd&0&0000",
                "HID-compliant mouse",
                "Mouse",
                "mouhid",
                "Microsoft",
            ),
        ],
    )]));
    assert_eq!(codes(&win), [CODE_USB]);
    assert_eq!(families(&win[0]), ["ch9329"]);
    assert_eq!(win[0].evidence["rows_total"], 2);
}

#[test]
fn datacenter_virtual_console_is_reported_even_from_a_peripheral_vendor() {
    let t = tables(vec![(
        "usb_devices",
        vec![linux_usb(
            "03f0",
            "1027",
            "HP, Inc",
            "Virtual keyboard and mouse",
            "",
            "0",
        )],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB]);
    assert!(sigs[0]
        .summary
        .starts_with("An HP iLO virtual keyboard/mouse is plugged into this computer"));
}

#[test]
fn kvm_displays_on_macos_and_windows() {
    let c = cat();
    for (name, vendor, product, family) in [
        ("PiKVM V4 Plus", "31d8", "7773", "pikvm"),
        ("PiKVM V4", "", "", "pikvm"),
        ("TinyPilot", "5262", "9876", "tinypilot"),
        ("T749-fHD720", "5262", "8801", "jetkvm"),
        ("NanoKVM", "4e04", "3301", "nanokvm"),
        ("GLKVM", "", "", "glinet_comet"),
    ] {
        let sigs = c.detect(&tables(vec![(
            "connected_displays",
            vec![
                mac_display("Color LCD", "610", "a045", "fd626d62"),
                mac_display(name, vendor, product, ""),
            ],
        )]));
        assert_eq!(codes(&sigs), [CODE_DISPLAY], "{name}");
        assert_eq!(sigs[0].severity, Severity::High);
        assert_eq!(families(&sigs[0]), [family], "{name}");
        let fam_name = c
            .families
            .iter()
            .find(|f| f.id == family)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        assert!(sigs[0].summary.contains(&fam_name), "{}", sigs[0].summary);
        assert_eq!(sigs[0].evidence["rows"][0]["row"]["name"], name);
    }

    let win = c.detect(&tables(vec![(
        "drivers",
        vec![win_driver(
            r"DISPLAY\LNX7771\5&1a2b3c4d&0&UID4352",
            "Generic PnP Monitor",
            "Monitor",
            "monitor",
            "(Standard monitor types)",
        )],
    )]));
    assert_eq!(codes(&win), [CODE_DISPLAY]);
    assert_eq!(families(&win[0]), ["pikvm"]);
    assert!(win[0].summary.contains("PiKVM"));
}

#[test]
fn copied_monitor_identities_need_the_copied_serial() {
    let c = cat();
    // NanoKVM's built-in EDID poses as a Philips 342E2.
    let spoof = c.detect(&tables(vec![(
        "connected_displays",
        vec![mac_display("PHL 342E2", "410c", "c233", "ba66")],
    )]));
    assert_eq!(codes(&spoof), [CODE_DISPLAY]);
    assert_eq!(families(&spoof[0]), ["nanokvm"]);
    assert!(spoof[0]
        .summary
        .contains("copies the identity Sipeed NanoKVM"));

    let real = c.detect(&tables(vec![(
        "connected_displays",
        vec![mac_display("PHL 342E2", "410c", "c233", "1c2f")],
    )]));
    assert!(real.is_empty(), "{real:?}");
}

#[test]
fn raspberry_pi_on_the_lan_is_low_and_kvm_vendor_macs_are_medium() {
    let c = cat();
    let pi = c.detect(&tables(vec![(
        "arp_cache",
        vec![
            arp("192.168.1.1", "a0:04:60:12:34:56", "en0"),
            // macOS arp drops leading zeros; Windows uses dashes.
            arp("192.168.1.23", "dc:a6:32:1f:2:3", "en0"),
            arp("192.168.1.23", "DC-A6-32-1F-02-03", "Ethernet"),
            arp("192.168.1.255", "ff:ff:ff:ff:ff:ff", "en0"),
        ],
    )]));
    assert_eq!(codes(&pi), [CODE_LAN]);
    assert_eq!(pi[0].severity, Severity::Low);
    assert!(pi[0]
        .summary
        .starts_with("A Raspberry Pi is on this computer's local network"));
    assert_eq!(pi[0].evidence["macs"], json!(["dc:a6:32:1f:02:03"]));
    assert_eq!(pi[0].evidence["rows_total"], 2);

    let kvm = c.detect(&tables(vec![(
        "arp_cache",
        vec![
            arp("10.0.0.40", "30:52:53:aa:bb:cc", "wlan0"),
            arp("10.0.0.41", "04:c9:8b:1a:bb:cc", "wlan0"),
            // Outside TinyPilot's 28-bit block.
            arp("10.0.0.42", "04:c9:8b:2a:bb:cc", "wlan0"),
        ],
    )]));
    assert_eq!(codes(&kvm), [CODE_LAN, CODE_LAN]);
    let fams: Vec<Vec<String>> = kvm.iter().map(families).collect();
    assert_eq!(
        fams,
        [vec!["tinypilot".to_string()], vec!["jetkvm".to_string()]]
    );
    assert!(kvm.iter().all(|s| s.severity == Severity::Medium));
    assert!(kvm[1].summary.starts_with(
        "A JetKVM remote-control device (IP-KVM) is on this computer's local network"
    ));
}

#[test]
fn kvm_host_names_in_etc_hosts() {
    let t = tables(vec![(
        "etc_hosts",
        vec![
            row(&[("address", "127.0.0.1"), ("hostnames", "localhost")]),
            row(&[
                ("address", "192.168.1.50"),
                ("hostnames", "pikvm pikvm.local"),
            ]),
            row(&[("address", "192.168.1.51"), ("hostnames", "jetkvm-3f2a9c")]),
        ],
    )]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_LAN, CODE_LAN]);
    assert_eq!(families(&sigs[0]), ["pikvm"]);
    assert_eq!(sigs[0].evidence["host_names"], json!(["pikvm"]));
    assert_eq!(sigs[1].evidence["host_names"], json!(["jetkvm-3f2a9c"]));
    assert!(sigs.iter().all(|s| s.severity == Severity::Medium));
}

#[test]
fn own_interfaces_with_pi_or_kvm_usb_network_macs() {
    let t = tables(vec![
        (
            "interface_details",
            vec![
                row(&[
                    ("interface", "lo"),
                    ("mac", "00:00:00:00:00:00"),
                    ("type", "772"),
                ]),
                row(&[
                    ("interface", "eth0"),
                    ("mac", "d8:3a:dd:12:34:56"),
                    ("type", "1"),
                ]),
                row(&[
                    ("interface", "usb0"),
                    ("mac", "48:da:35:6d:01:02"),
                    ("type", "1"),
                ]),
            ],
        ),
        (
            "system_info",
            vec![row(&[("hardware_model", "Raspberry Pi 5 Model B Rev 1.0")])],
        ),
    ]);
    let sigs = cat().detect(&t);
    assert_eq!(codes(&sigs), [CODE_USB_NET, CODE_PI_HOST]);
    assert_eq!(sigs[0].severity, Severity::High);
    assert_eq!(families(&sigs[0]), ["nanokvm"]);
    assert!(sigs[0]
        .summary
        .contains("USB network link to a Sipeed NanoKVM"));
    assert_eq!(sigs[1].severity, Severity::Medium);
    assert!(sigs[1].summary.contains("Raspberry Pi"));
    assert_eq!(
        sigs[1].evidence["hardware_model"],
        "Raspberry Pi 5 Model B Rev 1.0"
    );
}

#[test]
fn composite_heuristic_on_windows_needs_an_unknown_vendor_and_a_second_trait() {
    let c = cat();
    let hidden = c.detect(&tables(vec![(
        "drivers",
        vec![
            win_driver(
                r"USB\VID_2E8A&PID_10C4\E6614C311B6E4C29",
                "USB Composite Device",
                "USB",
                "usbccgp",
                "(Standard USB Host Controller)",
            ),
            win_driver(
                r"HID\VID_2E8A&PID_10C4&MI_00\8&aa&0&0000",
                "HID Keyboard Device",
                "Keyboard",
                "kbdhid",
                "(Standard keyboards)",
            ),
            win_driver(
                r"HID\VID_2E8A&PID_10C4&MI_01\8&bb&0&0000",
                "HID-compliant mouse",
                "Mouse",
                "mouhid",
                "Microsoft",
            ),
            win_driver(
                r"USB\VID_2E8A&PID_10C4&MI_02\8&cc&0&0002",
                "USB Mass Storage Device",
                "USB",
                "USBSTOR",
                "Compatible USB storage device",
            ),
        ],
    )]));
    assert_eq!(codes(&hidden), [CODE_COMPOSITE]);
    let s = &hidden[0];
    assert_eq!(s.severity, Severity::Medium);
    assert!(s.summary.contains("(2e8a:10c4)"));
    assert!(s.summary.contains("keyboard and mouse"));
    assert!(s.summary.contains("virtual drive"));
    assert_eq!(s.evidence["mass_storage"], true);

    // A cheap gaming keyboard: keyboard + mouse collections, nothing else.
    let keyboard = c.detect(&tables(vec![(
        "drivers",
        vec![
            win_driver(
                r"HID\VID_0C45&PID_652F&MI_00\7&aa&0&0000",
                "HID Keyboard Device",
                "Keyboard",
                "kbdhid",
                "(Standard keyboards)",
            ),
            win_driver(
                r"HID\VID_0C45&PID_652F&MI_01&COL01\7&bb&0&0000",
                "HID-compliant mouse",
                "Mouse",
                "mouhid",
                "Microsoft",
            ),
        ],
    )]));
    assert!(keyboard.is_empty(), "{keyboard:?}");
}

#[test]
fn composite_heuristic_on_interface_level_usb_rows() {
    // Collectors that add interface rows to usb_devices (class 3 with boot
    // protocol 1/2) let the heuristic see inside a composite device.
    let iface = |protocol: &str| {
        row(&[
            ("usb_address", "3"),
            ("usb_port", "7"),
            ("vendor", ""),
            ("vendor_id", "0483"),
            ("model", "USB_Composite"),
            ("model_id", "5750"),
            ("class", "3"),
            ("subclass", "1"),
            ("protocol", protocol),
        ])
    };
    let (kb, mouse) = (iface("1"), iface("2"));
    let sigs = cat().detect(&tables(vec![("usb_devices", vec![kb, mouse])]));
    assert_eq!(codes(&sigs), [CODE_COMPOSITE]);
    assert!(sigs[0].summary.contains("generic name \"usb composite\""));
    assert!(sigs[0].summary.contains("no maker name"));
}

fn clean_macos() -> OsqueryTables {
    tables(vec![
        (
            "usb_devices",
            vec![
                mac_usb("05ac", "8104", "Apple Inc.", "AppleUSBVHCIBCE", ""),
                mac_usb("046d", "c52b", "Logitech", "USB Receiver", ""),
                mac_usb("046d", "b034", "Logitech", "MX Master 3S", ""),
                mac_usb(
                    "05ac",
                    "029c",
                    "Apple Inc.",
                    "Magic Keyboard with Touch ID",
                    "F0T12345ABCD",
                ),
                mac_usb("413c", "b06e", "Dell Inc.", "Dell dock", ""),
                mac_usb("413c", "b06f", "Dell Inc.", "Dell dock", ""),
                mac_usb(
                    "0bda",
                    "8153",
                    "Realtek",
                    "USB 10/100/1000 LAN",
                    "001000001",
                ),
                mac_usb("1050", "0407", "Yubico", "YubiKey OTP+FIDO+CCID", ""),
                mac_usb("046d", "085e", "Logitech", "BRIO", "4B1A2C3D"),
            ],
        ),
        (
            "connected_displays",
            vec![
                mac_display("Color LCD", "610", "a045", "fd626d62"),
                mac_display("DELL U2720Q", "10ac", "d0ae", "4c4a4c30"),
                mac_display("LG HDR 4K", "1e6d", "7750", "0005c71a"),
                mac_display("LS27A600U", "4c2d", "7136", "484d3930"),
            ],
        ),
        (
            "arp_cache",
            vec![
                arp("192.168.1.1", "a0:4:60:12:34:56", "en0"),
                arp("192.168.1.12", "3c:22:fb:aa:bb:cc", "en0"),
                arp("224.0.0.251", "1:0:5e:0:0:fb", "en0"),
                arp("192.168.1.255", "ff:ff:ff:ff:ff:ff", "en0"),
            ],
        ),
        (
            "interface_details",
            vec![
                row(&[("interface", "lo0"), ("mac", "00:00:00:00:00:00")]),
                row(&[("interface", "en0"), ("mac", "a4:83:e7:12:34:56")]),
            ],
        ),
    ])
}

fn clean_windows() -> OsqueryTables {
    let logi = |mi: &str, class: &str, service: &str, name: &str| {
        win_driver(
            &format!(r"HID\VID_046D&PID_C52B&MI_{mi}\8&1&0&0000"),
            name,
            class,
            service,
            "(Standard keyboards)",
        )
    };
    tables(vec![
        (
            "drivers",
            vec![
                win_driver(
                    r"USB\ROOT_HUB30\4&1a2b3c&0&0",
                    "USB Root Hub (USB 3.0)",
                    "USB",
                    "USBHUB3",
                    "(Standard USB HUBs)",
                ),
                win_driver(
                    r"USB\VID_046D&PID_C52B\5&3a4b5c&0&2",
                    "USB Composite Device",
                    "USB",
                    "usbccgp",
                    "(Standard USB Host Controller)",
                ),
                logi("00", "Keyboard", "kbdhid", "HID Keyboard Device"),
                logi("01", "Mouse", "mouhid", "HID-compliant mouse"),
                logi("02", "HIDClass", "HidUsb", "Logitech USB Input Device"),
                win_driver(
                    r"USB\VID_413C&PID_B06E\6&2b3c4d&0&1",
                    "Generic USB Hub",
                    "USB",
                    "USBHUB3",
                    "(Generic USB Hub)",
                ),
                win_driver(
                    r"USB\VID_1050&PID_0407\5&9f8e7d&0&3",
                    "USB Composite Device",
                    "USB",
                    "usbccgp",
                    "(Standard USB Host Controller)",
                ),
                win_driver(
                    r"HID\VID_1050&PID_0407&MI_00\7&2&0&0000",
                    "HID Keyboard Device",
                    "Keyboard",
                    "kbdhid",
                    "(Standard keyboards)",
                ),
                win_driver(
                    r"USB\VID_046D&PID_085E&MI_00\7&3&0&0000",
                    "Logitech BRIO",
                    "Camera",
                    "usbvideo",
                    "Microsoft",
                ),
                win_driver(
                    r"DISPLAY\DELA0EC\5&1a2b3c4d&0&UID4352",
                    "Generic PnP Monitor",
                    "Monitor",
                    "monitor",
                    "(Standard monitor types)",
                ),
                win_driver(
                    r"DISPLAY\SAM7136\5&1a2b3c4d&0&UID4353",
                    "Generic PnP Monitor",
                    "Monitor",
                    "monitor",
                    "(Standard monitor types)",
                ),
                win_driver(
                    r"ACPI\PNP0303\4&1",
                    "Standard PS/2 Keyboard",
                    "Keyboard",
                    "i8042prt",
                    "(Standard keyboards)",
                ),
            ],
        ),
        (
            "arp_cache",
            vec![
                arp("192.168.0.1", "50-c7-bf-12-34-56", "192.168.0.23"),
                arp("192.168.0.255", "ff-ff-ff-ff-ff-ff", "192.168.0.23"),
                arp("192.168.0.77", "00-00-00-00-00-00", "192.168.0.23"),
            ],
        ),
    ])
}

fn clean_linux() -> OsqueryTables {
    tables(vec![
        (
            "usb_devices",
            vec![
                linux_usb(
                    "1d6b",
                    "0002",
                    "Linux Foundation",
                    "2.0 root hub",
                    "0000:00:14.0",
                    "9",
                ),
                linux_usb(
                    "1d6b",
                    "0003",
                    "Linux Foundation",
                    "3.0 root hub",
                    "0000:00:14.0",
                    "9",
                ),
                linux_usb(
                    "1d6b",
                    "0001",
                    "Linux Foundation",
                    "1.1 root hub",
                    "0000:00:1a.0",
                    "9",
                ),
                linux_usb(
                    "046d",
                    "c52b",
                    "Logitech, Inc.",
                    "Unifying Receiver",
                    "",
                    "0",
                ),
                linux_usb(
                    "1050",
                    "0407",
                    "Yubico.com",
                    "Yubikey 4/5 OTP+U2F+CCID",
                    "",
                    "0",
                ),
                linux_usb(
                    "04f2",
                    "b6dd",
                    "Chicony Electronics Co., Ltd",
                    "Integrated Camera",
                    "0001",
                    "239",
                ),
                linux_usb("413c", "b06e", "Dell Computer Corp.", "Dell dock", "", "9"),
                linux_usb("8087", "0033", "Intel Corp.", "AX211 Bluetooth", "", "224"),
            ],
        ),
        (
            "arp_cache",
            vec![
                arp("192.168.1.1", "a0:04:60:12:34:56", "wlp0s20f3"),
                arp("192.168.1.20", "f0:9f:c2:aa:bb:cc", "wlp0s20f3"),
            ],
        ),
        (
            "interface_details",
            vec![row(&[
                ("interface", "wlp0s20f3"),
                ("mac", "8c:f8:c5:01:02:03"),
            ])],
        ),
    ])
}

#[test]
fn ordinary_peripherals_raise_nothing() {
    let c = cat();
    for (os, t) in [
        ("macos", clean_macos()),
        ("windows", clean_windows()),
        ("linux", clean_linux()),
    ] {
        let sigs = c.detect(&t);
        assert!(sigs.is_empty(), "{os}: {sigs:#?}");
    }
}

#[test]
fn junk_values_do_not_panic_or_match() {
    let t = tables(vec![
        (
            "usb_devices",
            vec![
                row(&[("vendor_id", "zz"), ("model_id", "0x"), ("class", "three")]),
                row(&[("vendor_id", "1d6b0104"), ("model_id", "")]),
                row(&[("vendor", "é_ü"), ("model", "\u{0}"), ("serial", "   ")]),
                row(&[]),
            ],
        ),
        (
            "drivers",
            vec![
                row(&[("device_id", r"USB\VID_1D6&PID_\x")]),
                row(&[("device_id", r"DISPLAY\\")]),
                row(&[("device_id", r"USBSTOR\DISK&VEN_&PROD_X")]),
                row(&[("device_id", "\\\\\\")]),
            ],
        ),
        (
            "connected_displays",
            vec![row(&[
                ("name", ""),
                ("vendor_id", "ffffff"),
                ("product_id", "-1"),
                ("serial_number", "0"),
            ])],
        ),
        (
            "arp_cache",
            vec![arp("x", "::::::", "y"), arp("x", "gg:gg:gg:gg:gg:gg", "y")],
        ),
        ("etc_hosts", vec![row(&[("hostnames", "  . .. ")])]),
    ]);
    assert!(cat().detect(&t).is_empty());
}

#[test]
fn from_toml_reports_bad_catalogs() {
    let ok = r#"
        [[family]]
        id = "x"
        name = "X KVM"
        kind = "ip_kvm"
        usb_ids = ["abcd:0001"]
    "#;
    let c = KvmCatalog::from_toml(ok).expect("valid");
    assert_eq!(c.family_count(), 1);
    let sigs = c.detect(&tables(vec![(
        "usb_devices",
        vec![mac_usb("abcd", "0001", "", "", "")],
    )]));
    assert_eq!(codes(&sigs), [CODE_USB]);

    assert!(matches!(
        KvmCatalog::from_toml("family = 3"),
        Err(KvmCatalogError::Toml(_))
    ));
    assert!(matches!(
        KvmCatalog::from_toml("family = []"),
        Err(KvmCatalogError::Empty)
    ));
    let dup = format!("{ok}\n{ok}");
    assert!(matches!(
        KvmCatalog::from_toml(&dup),
        Err(KvmCatalogError::DuplicateFamily(_))
    ));
    for bad in [
        r#"usb_ids = ["1d6b"]"#,
        r#"usb_keywords = ["kvm"]"#,
        r#"display_ids = ["LN:7770"]"#,
        r#"lan_mac_prefixes = [{ prefix = "b8:27", confidence = "low" }]"#,
        r#"host_names = ["pikvm.local"]"#,
        r#"display_spoofs = [{ pnp = "PHL", product = "c233", serials = [] }]"#,
    ] {
        let text = format!("[[family]]\nid = \"x\"\nname = \"X\"\nkind = \"ip_kvm\"\n{bad}\n");
        let err = KvmCatalog::from_toml(&text).err();
        assert!(
            matches!(err, Some(KvmCatalogError::BadValue { .. })),
            "{bad}: {err:?}"
        );
    }
    let unknown = "[[family]]\nid = \"x\"\nname = \"X\"\nkind = \"ip_kvm\"\nusb_idz = []\n";
    assert!(matches!(
        KvmCatalog::from_toml(unknown),
        Err(KvmCatalogError::Toml(_))
    ));
}

/// The catalog must recognise the monitor each shipped KVM EDID announces,
/// as macOS reports it (name and ids) and as Windows does (ids only).
#[test]
fn shared_edid_dumps_are_recognised() {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/indicators/ipkvm/edid"
    ));
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipping: EDID dumps not found at {}", dir.display());
        return;
    };
    let c = cat();
    let mut checked = 0;
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(family) = [
            ("pikvm_", "pikvm"),
            ("tinypilot_", "tinypilot"),
            ("jetkvm_", "jetkvm"),
            ("nanokvm_", "nanokvm"),
            ("blikvm_", "blikvm"),
        ]
        .iter()
        .find(|(p, _)| file.starts_with(p))
        .map(|(_, f)| *f) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let blocks = if file.ends_with(".bin") {
            vec![bytes]
        } else {
            edid::blocks_from_text(&String::from_utf8_lossy(&bytes))
        };
        assert!(!blocks.is_empty(), "{file}: no EDID found");
        for block in blocks {
            let id = edid::decode(&block).unwrap_or_else(|| panic!("{file}: undecodable EDID"));
            let name = id.monitor_name.clone().unwrap_or_default();
            let vendor = format!("{:x}", parse::pnp_pack(&id.manufacturer).unwrap_or(0));
            let product = format!("{:x}", id.product_code);
            let serial = id.serial_text.clone().unwrap_or_default();
            let sigs = c.detect(&tables(vec![(
                "connected_displays",
                vec![mac_display(&name, &vendor, &product, &serial)],
            )]));
            assert_eq!(codes(&sigs), [CODE_DISPLAY], "{file} ({name})");
            assert_eq!(families(&sigs[0]), [family], "{file} ({name})");

            // Names of KVMs' own EDIDs are enough without any ids.
            let spoof = c.display_spoofs.contains_key(&(
                parse::pnp_pack(&id.manufacturer).unwrap_or(0),
                id.product_code,
            ));
            if !spoof {
                let by_name = c.detect(&tables(vec![(
                    "connected_displays",
                    vec![mac_display(&name, "", "", "")],
                )]));
                assert_eq!(
                    families(by_name.first().expect("name alone")),
                    [family],
                    "{file} ({name})"
                );
                let win = c.detect(&tables(vec![(
                    "drivers",
                    vec![win_driver(
                        &format!(
                            r"DISPLAY\{}{:04X}\5&1&0&UID1",
                            id.manufacturer, id.product_code
                        ),
                        "Generic PnP Monitor",
                        "Monitor",
                        "monitor",
                        "(Standard monitor types)",
                    )],
                )]));
                assert_eq!(codes(&win), [CODE_DISPLAY], "{file} on Windows");
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} EDIDs checked");
}
