//! IP-KVM and keyboard/mouse-injection hardware, found in osquery rows.
//!
//! Laptop farms plug a remote-control box (PiKVM, TinyPilot, JetKVM, Sipeed
//! NanoKVM, GL.iNet Comet, BliKVM, CH9329 adapters, ...) into the company
//! laptop: the box shows up as a USB keyboard + mouse, as a monitor (it
//! captures the HDMI output), and often on the local network. This module
//! matches those traces against the curated catalog `indicators/ipkvm.toml`
//! ([`KvmCatalog`]) and reports one [`Signal`] per device found:
//!
//! | code | severity | from |
//! |---|---|---|
//! | `ipkvm_usb_device` | critical | `usb_devices` (Linux, macOS), `drivers` (Windows) |
//! | `ipkvm_display` | high | `connected_displays` (macOS), `drivers` `DISPLAY\…` (Windows) |
//! | `hid_composite_absolute_pointer` | medium | keyboard + pointer on one unknown device |
//! | `kvm_usb_network` | high | the computer's own interface with a KVM's USB-network MAC |
//! | `raspberry_pi_host` | medium | the computer's own interface with a Raspberry Pi MAC |
//! | `kvm_host_on_lan` | medium / low | `arp_cache` MAC prefixes, `etc_hosts` host names |
//!
//! Where osquery puts the evidence, by platform:
//! - `usb_devices` exists on Linux and macOS only, one row per device with
//!   the *device* class (0 for composite devices; the HID interfaces are not
//!   listed). On Linux `vendor`/`model` come from usb.ids when the id is
//!   registered ("Linux Foundation" / "Multifunction Composite Gadget"), so
//!   the product's own strings are lost and the serial is what tells
//!   PiKVM from TinyPilot; on macOS they are the device's own strings.
//! - On Windows the `drivers` table lists every PnP device by instance id:
//!   `USB\VID_1D6B&PID_0104\CAFEBABE`, `HID\VID_…&MI_00\…` with class
//!   Keyboard/Mouse, `USBSTOR\CDROM&VEN_PIKVM&…`, `DISPLAY\LNX7771\…`.
//! - `connected_displays` is macOS only: `name` is the EDID monitor name,
//!   `vendor_id`/`product_id` the EDID manufacturer and product codes in hex.

mod catalog;
pub mod edid;
mod parse;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::domain::osquery::{OsqueryRow, OsqueryTables};
use crate::indicators::signal::{Category, Severity, Signal};

pub use catalog::{Confidence, Kind, KvmCatalog, KvmCatalogError};

use parse::WinDevice;

pub const CODE_USB: &str = "ipkvm_usb_device";
pub const CODE_DISPLAY: &str = "ipkvm_display";
pub const CODE_COMPOSITE: &str = "hid_composite_absolute_pointer";
pub const CODE_LAN: &str = "kvm_host_on_lan";
pub const CODE_USB_NET: &str = "kvm_usb_network";
pub const CODE_PI_HOST: &str = "raspberry_pi_host";

/// Evidence keeps at most this many rows per signal; a laptop with a busy ARP
/// table should not turn one finding into a huge document.
const MAX_EVIDENCE_ROWS: usize = 20;

/// Scores used to decide which family a device is when several match (the
/// shared gadget id, a serial two products use, a product string).
const SCORE_STRING: u32 = 3;
const SCORE_ID: u32 = 2;
const SCORE_SERIAL: u32 = 2;
const SCORE_GENERIC_ID: u32 = 1;
const SCORE_HINT: u32 = 1;

#[derive(Debug, Clone)]
struct Match {
    family: usize,
    score: u32,
    rule: &'static str,
    table: &'static str,
    column: &'static str,
    value: String,
}

impl Match {
    fn to_json(&self, cat: &KvmCatalog) -> Value {
        json!({
            "family": cat.family(self.family).map(|f| f.id.as_str()),
            "rule": self.rule,
            "table": self.table,
            "column": self.column,
            "value": self.value,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum DeviceKey {
    Usb(u16, u16),
    /// Rows that carry no USB id (a Windows USBSTOR drive, a display).
    Family(usize),
}

/// A row kept as evidence: table name and the row, turned into JSON only
/// when a signal is emitted (most rows never are).
type RowRef<'a> = (&'static str, &'a OsqueryRow);

fn rows_json(rows: &[RowRef<'_>]) -> Vec<Value> {
    rows.iter()
        .take(MAX_EVIDENCE_ROWS)
        .map(|(t, r)| row_ev(t, r))
        .collect()
}

#[derive(Debug, Default)]
struct Device<'a> {
    matches: Vec<Match>,
    hints: Vec<Match>,
    rows: Vec<RowRef<'a>>,
}

/// Devices in first-seen order, keyed so that rows of one device aggregate.
#[derive(Debug, Default)]
struct Devices<'a> {
    order: Vec<DeviceKey>,
    by_key: HashMap<DeviceKey, Device<'a>>,
}

impl<'a> Devices<'a> {
    fn add(&mut self, key: DeviceKey, matches: Vec<Match>, hints: Vec<Match>, row: RowRef<'a>) {
        let dev = self.by_key.entry(key).or_insert_with(|| {
            self.order.push(key);
            Device::default()
        });
        dev.matches.extend(matches);
        dev.hints.extend(hints);
        dev.rows.push(row);
    }
}

/// Interfaces seen for one USB device, for the composite-HID heuristic.
#[derive(Debug, Default)]
struct HidGroup<'a> {
    ids: (u16, u16),
    keyboard: bool,
    pointer: bool,
    storage: bool,
    network: bool,
    generic_text: Option<String>,
    no_vendor_string: bool,
    rows: Vec<RowRef<'a>>,
}

/// The `usb_devices` columns detection reads; empty values count as absent.
#[derive(Debug, Default)]
struct UsbCols<'a> {
    vid: Option<&'a str>,
    pid: Option<&'a str>,
    vendor: &'a str,
    model: &'a str,
    serial: &'a str,
    class: Option<&'a str>,
    protocol: Option<&'a str>,
}

fn row_ev(table: &str, row: &OsqueryRow) -> Value {
    json!({ "table": table, "row": row.to_json() })
}

impl KvmCatalog {
    /// Every IP-KVM finding in one device's osquery tables. Tables the
    /// payload lacks are simply not checked.
    pub fn detect(&self, tables: &OsqueryTables) -> Vec<Signal> {
        let mut usb = Devices::default();
        let mut displays = Devices::default();
        let mut hid: BTreeMap<(u8, u16, u16, String), HidGroup<'_>> = BTreeMap::new();

        for row in tables.rows("usb_devices") {
            self.scan_usb_row(row, &mut usb, &mut hid);
        }
        for row in tables.rows("drivers") {
            self.scan_driver_row(row, &mut usb, &mut displays, &mut hid);
        }
        for row in tables.rows("connected_displays") {
            self.scan_display_row(row, &mut displays);
        }

        let mut out = Vec::new();
        let flagged = self.usb_signals(usb, &mut out);
        self.display_signals(displays, &mut out);
        self.composite_signals(hid, &flagged, &mut out);
        self.own_interface_signals(tables, &mut out);
        self.lan_signals(tables, &mut out);
        out
    }

    fn scan_usb_row<'a>(
        &self,
        row: &'a OsqueryRow,
        usb: &mut Devices<'a>,
        hid: &mut BTreeMap<(u8, u16, u16, String), HidGroup<'a>>,
    ) {
        const T: &str = "usb_devices";
        // One pass over the row's columns instead of a map lookup per column:
        // this loop runs for every USB device of every report.
        let mut col = UsbCols::default();
        for (k, v) in row.columns() {
            if v.is_empty() {
                continue;
            }
            match k {
                "vendor_id" => col.vid = Some(v),
                "model_id" => col.pid = Some(v),
                "vendor" => col.vendor = v,
                "model" => col.model = v,
                "serial" => col.serial = v,
                "class" => col.class = Some(v),
                "protocol" => col.protocol = Some(v),
                _ => {}
            }
        }
        let ids = col
            .vid
            .and_then(parse::hex_u16)
            .zip(col.pid.and_then(parse::hex_u16));
        let mut strong = Vec::new();
        let mut hints = Vec::new();
        if let Some(ids) = ids {
            self.match_usb_id(ids, T, "vendor_id:model_id", &mut strong);
        }
        let vendor = parse::norm_text(col.vendor);
        let model = parse::norm_text(col.model);
        let serial = parse::norm_text(col.serial);
        for (name, raw, text) in [
            ("vendor", col.vendor, &vendor),
            ("model", col.model, &model),
        ] {
            if !text.is_empty() {
                self.match_usb_text(raw, text, T, name, &mut strong, &mut hints);
            }
        }
        if !serial.is_empty() {
            let raw = col.serial;
            for &f in self.usb_serials.get(&serial).into_iter().flatten() {
                strong.push(mk(f, SCORE_SERIAL, "usb_serial", T, "serial", raw));
            }
            for &f in self.usb_hints.get(&serial).into_iter().flatten() {
                hints.push(mk(f, SCORE_HINT, "usb_hint", T, "serial", raw));
            }
        }
        if !strong.is_empty() {
            let key = match ids {
                Some((v, p)) => DeviceKey::Usb(v, p),
                None => DeviceKey::Family(best_family(self, &strong)),
            };
            usb.add(key, strong, hints, (T, row));
        }

        // The heuristic needs interface classes, which osquery only shows for
        // devices declaring HID at device level or for collectors that add
        // interface rows; it is inert on plain composite rows, and rows of
        // other classes (hubs, cameras, composite parents) are skipped early.
        let class = col.class.and_then(parse::class_num);
        let Some((ids, class @ (2 | 3 | 8 | 10 | 224))) = ids.zip(class) else {
            return;
        };
        let proto = col.protocol.and_then(parse::class_num);
        let g = hid
            .entry((0, ids.0, ids.1, serial))
            .or_insert_with(|| HidGroup {
                ids,
                no_vendor_string: true,
                ..HidGroup::default()
            });
        match (class, proto) {
            (3, Some(1)) => g.keyboard = true,
            (3, Some(2)) => g.pointer = true,
            (8, _) => g.storage = true,
            (2 | 10 | 224, _) => g.network = true,
            _ => {}
        }
        if !vendor.is_empty() {
            g.no_vendor_string = false;
        }
        if g.generic_text.is_none() {
            g.generic_text = [&vendor, &model]
                .into_iter()
                .find(|t| self.generic_words.find(t).next().is_some())
                .cloned();
        }
        if g.rows.len() < MAX_EVIDENCE_ROWS {
            g.rows.push((T, row));
        }
    }

    fn scan_driver_row<'a>(
        &self,
        row: &'a OsqueryRow,
        usb: &mut Devices<'a>,
        displays: &mut Devices<'a>,
        hid: &mut BTreeMap<(u8, u16, u16, String), HidGroup<'a>>,
    ) {
        const T: &str = "drivers";
        let Some(id) = row.get("device_id") else {
            return;
        };
        match parse::win_device(id) {
            Some(WinDevice::Usb {
                ids,
                serial,
                interface: _,
            }) => {
                let mut strong = Vec::new();
                let mut hints = Vec::new();
                self.match_usb_id(ids, T, "device_id", &mut strong);
                if let Some(s) = serial.as_deref() {
                    let key = parse::norm_text(s);
                    for &f in self.usb_serials.get(&key).into_iter().flatten() {
                        strong.push(mk(f, SCORE_SERIAL, "usb_serial", T, "device_id", s));
                    }
                    for &f in self.usb_hints.get(&key).into_iter().flatten() {
                        hints.push(mk(f, SCORE_HINT, "usb_hint", T, "device_id", s));
                    }
                }
                if !strong.is_empty() {
                    usb.add(DeviceKey::Usb(ids.0, ids.1), strong, hints, (T, row));
                }

                let g = hid
                    .entry((1, ids.0, ids.1, String::new()))
                    .or_insert_with(|| HidGroup {
                        ids,
                        ..HidGroup::default()
                    });
                let class = row.get("class").unwrap_or("").to_ascii_lowercase();
                let service = row.get("service").unwrap_or("").to_ascii_lowercase();
                match (class.as_str(), service.as_str()) {
                    ("keyboard", _) | (_, "kbdhid") => g.keyboard = true,
                    ("mouse", _) | (_, "mouhid") => g.pointer = true,
                    (_, "usbstor") | ("diskdrive" | "cdrom", _) => g.storage = true,
                    ("net", _) => g.network = true,
                    _ => {}
                }
                if g.rows.len() < MAX_EVIDENCE_ROWS {
                    g.rows.push((T, row));
                }
            }
            Some(WinDevice::UsbStor { vendor }) => {
                let strong: Vec<Match> = self
                    .usbstor_vendors
                    .get(&vendor)
                    .into_iter()
                    .flatten()
                    .map(|&f| mk(f, SCORE_STRING, "usbstor_vendor", T, "device_id", &vendor))
                    .collect();
                if let Some(first) = strong.first() {
                    usb.add(
                        DeviceKey::Family(first.family),
                        strong,
                        Vec::new(),
                        (T, row),
                    );
                }
            }
            Some(WinDevice::Display { pnp, product }) => {
                let strong: Vec<Match> = self
                    .display_ids
                    .get(&(pnp, product))
                    .into_iter()
                    .flatten()
                    .map(|&f| {
                        mk(
                            f,
                            SCORE_ID,
                            "display_id",
                            T,
                            "device_id",
                            &display_id_text(pnp, product),
                        )
                    })
                    .collect();
                if let Some(first) = strong.first() {
                    displays.add(
                        DeviceKey::Family(first.family),
                        strong,
                        Vec::new(),
                        (T, row),
                    );
                }
            }
            None => {}
        }
    }

    fn scan_display_row<'a>(&self, row: &'a OsqueryRow, displays: &mut Devices<'a>) {
        const T: &str = "connected_displays";
        let mut strong = Vec::new();
        if let Some(raw) = row.get("name") {
            let name = parse::norm_text(raw);
            for &f in self.display_names.get(&name).into_iter().flatten() {
                strong.push(mk(f, SCORE_STRING, "display_name", T, "name", raw));
            }
            for (f, kw) in self.display_keywords.find(&name) {
                strong.push(mk(f, SCORE_STRING, "display_keyword", T, "name", kw));
            }
        }
        let ids = row
            .get("vendor_id")
            .and_then(parse::display_vendor)
            .zip(row.get("product_id").and_then(parse::hex_u16));
        if let Some((pnp, product)) = ids {
            let text = display_id_text(pnp, product);
            for &f in self.display_ids.get(&(pnp, product)).into_iter().flatten() {
                strong.push(mk(
                    f,
                    SCORE_ID,
                    "display_id",
                    T,
                    "vendor_id:product_id",
                    &text,
                ));
            }
            if let (Some(spoofs), Some(serial)) = (
                self.display_spoofs.get(&(pnp, product)),
                row.get("serial_number").map(parse::norm_serial),
            ) {
                for (f, serials) in spoofs {
                    if serials.contains(&serial) {
                        strong.push(mk(*f, SCORE_ID, "display_spoof", T, "serial_number", &text));
                    }
                }
            }
        }
        if !strong.is_empty() {
            let key = DeviceKey::Family(best_family(self, &strong));
            displays.add(key, strong, Vec::new(), (T, row));
        }
    }

    fn match_usb_id(
        &self,
        ids: (u16, u16),
        table: &'static str,
        col: &'static str,
        out: &mut Vec<Match>,
    ) {
        let Some(fams) = self.usb_ids.get(&ids) else {
            return;
        };
        let text = parse::fmt_usb_pair(ids);
        for &f in fams {
            let generic = self.family(f).is_some_and(|x| x.kind == Kind::UsbGadget);
            let score = if generic { SCORE_GENERIC_ID } else { SCORE_ID };
            out.push(mk(f, score, "usb_id", table, col, &text));
        }
    }

    fn match_usb_text(
        &self,
        raw: &str,
        norm: &str,
        table: &'static str,
        col: &'static str,
        strong: &mut Vec<Match>,
        hints: &mut Vec<Match>,
    ) {
        for &f in self.usb_strings.get(norm).into_iter().flatten() {
            strong.push(mk(f, SCORE_STRING, "usb_string", table, col, raw));
        }
        for (f, kw) in self.usb_keywords.find(norm) {
            strong.push(mk(f, SCORE_STRING, "usb_keyword", table, col, kw));
        }
        for &f in self.usb_hints.get(norm).into_iter().flatten() {
            hints.push(mk(f, SCORE_HINT, "usb_hint", table, col, raw));
        }
    }

    /// The families a device most likely is: highest total score, ignoring
    /// the shared gadget family when a product-specific one matched too.
    fn resolve(&self, dev: &Device) -> Vec<usize> {
        let mut score: BTreeMap<usize, u32> = BTreeMap::new();
        for m in dev.matches.iter().chain(&dev.hints) {
            *score.entry(m.family).or_default() += m.score;
        }
        let specific = |f: &usize| self.family(*f).is_some_and(|x| x.kind != Kind::UsbGadget);
        if score.keys().any(specific) {
            score.retain(|f, _| specific(f));
        }
        let best = score.values().copied().max().unwrap_or(0);
        score
            .into_iter()
            .filter(|(_, s)| *s == best)
            .map(|(f, _)| f)
            .collect()
    }

    fn names(&self, fams: &[usize]) -> String {
        let names: Vec<&str> = fams
            .iter()
            .filter_map(|f| self.family(*f).map(|x| x.name.as_str()))
            .collect();
        names.join(" or ")
    }

    fn ids(&self, fams: &[usize]) -> Vec<String> {
        fams.iter()
            .filter_map(|f| self.family(*f).map(|x| x.id.clone()))
            .collect()
    }

    /// Emits `ipkvm_usb_device` signals; returns the USB ids they cover so the
    /// heuristic does not report the same device again.
    fn usb_signals(&self, mut usb: Devices, out: &mut Vec<Signal>) -> BTreeSet<(u16, u16)> {
        let mut resolved: Vec<(DeviceKey, Device, Vec<usize>)> = Vec::new();
        for key in std::mem::take(&mut usb.order) {
            if let Some(dev) = usb.by_key.remove(&key) {
                let fams = self.resolve(&dev);
                resolved.push((key, dev, fams));
            }
        }
        // A Windows virtual drive (USBSTOR) has no USB id; fold it into the
        // USB device of the same family so one box gives one signal.
        let mut i = 0;
        while i < resolved.len() {
            let DeviceKey::Family(f) = resolved[i].0 else {
                i += 1;
                continue;
            };
            let host = resolved
                .iter()
                .position(|(k, _, fams)| matches!(k, DeviceKey::Usb(..)) && fams.contains(&f));
            match host {
                Some(h) => {
                    let (_, dev, _) = resolved.remove(i);
                    let h = if h > i { h - 1 } else { h };
                    let target = &mut resolved[h].1;
                    target.matches.extend(dev.matches);
                    target.rows.extend(dev.rows);
                }
                None => i += 1,
            }
        }
        let mut flagged = BTreeSet::new();
        for (key, dev, _) in resolved {
            // Folded-in rows can settle which of two candidates it is.
            let fams = self.resolve(&dev);
            let usb_id = match key {
                DeviceKey::Usb(v, p) => {
                    flagged.insert((v, p));
                    Some(parse::fmt_usb_pair((v, p)))
                }
                DeviceKey::Family(_) => None,
            };
            let kind = fams
                .first()
                .and_then(|f| self.family(*f))
                .map_or(Kind::IpKvm, |f| f.kind);
            let names = self.names(&fams);
            let summary = match kind {
                Kind::UsbGadget => format!(
                    "A Linux USB gadget ({}) is plugged into this computer as a keyboard and mouse; \
                     this is how PiKVM, TinyPilot and JetKVM remote-control boxes appear.",
                    usb_id.as_deref().unwrap_or("1d6b:0104")
                ),
                Kind::HidBridge => format!(
                    "{} {names} is plugged into this computer; it lets another machine type and move the mouse here.",
                    article(&names)
                ),
                Kind::RemoteConsole => format!(
                    "{} {names} is plugged into this computer; it passes its keyboard, mouse and screen to a remote console.",
                    article(&names)
                ),
                Kind::IpKvm | Kind::Board => format!(
                    "{} {names} remote-control device (IP-KVM) is plugged into this computer as a USB keyboard and mouse.",
                    article(&names)
                ),
            };
            out.push(self.signal(CODE_USB, Severity::Critical, summary, &fams, usb_id, dev));
        }
        flagged
    }

    fn display_signals(&self, mut displays: Devices, out: &mut Vec<Signal>) {
        let mut by_fams: Vec<(Vec<usize>, Device)> = Vec::new();
        for key in std::mem::take(&mut displays.order) {
            let Some(dev) = displays.by_key.remove(&key) else {
                continue;
            };
            let fams = self.resolve(&dev);
            match by_fams.iter_mut().find(|(f, _)| *f == fams) {
                Some((_, d)) => {
                    d.matches.extend(dev.matches);
                    d.rows.extend(dev.rows);
                }
                None => by_fams.push((fams, dev)),
            }
        }
        for (fams, dev) in by_fams {
            let names = self.names(&fams);
            let spoof = dev.matches.iter().all(|m| m.rule == "display_spoof");
            let summary = if spoof {
                format!(
                    "A monitor connected to this computer copies the identity {names} remote-control devices (IP-KVM) use \
                     to pass as an ordinary screen, so someone elsewhere may be watching it."
                )
            } else {
                format!(
                    "The \"monitor\" connected to this computer is {} {names} remote-control device (IP-KVM), \
                     so someone elsewhere can see its screen.",
                    article(&names).to_ascii_lowercase()
                )
            };
            out.push(self.signal(CODE_DISPLAY, Severity::High, summary, &fams, None, dev));
        }
    }

    fn composite_signals(
        &self,
        hid: BTreeMap<(u8, u16, u16, String), HidGroup<'_>>,
        flagged: &BTreeSet<(u16, u16)>,
        out: &mut Vec<Signal>,
    ) {
        for g in hid.into_values() {
            if !(g.keyboard && g.pointer)
                || flagged.contains(&g.ids)
                || self.peripheral_vendors.contains(&g.ids.0)
            {
                continue;
            }
            // Keyboard + mouse on one device is also what cheap gaming
            // keyboards do; require a second trait of emulated hardware.
            let mut why = Vec::new();
            if g.storage {
                why.push("a virtual drive".to_string());
            }
            if g.network {
                why.push("a network adapter".to_string());
            }
            if let Some(t) = &g.generic_text {
                why.push(format!("the generic name \"{t}\""));
            }
            if g.no_vendor_string {
                why.push("no maker name".to_string());
            }
            if why.is_empty() {
                continue;
            }
            let id = parse::fmt_usb_pair(g.ids);
            let summary = format!(
                "A USB device ({id}) that is not from a known keyboard or mouse maker acts as both keyboard and mouse \
                 and has {}; remote-control boxes (IP-KVMs) look like this.",
                why.join(" and ")
            );
            let evidence = json!({
                "usb_id": id,
                "keyboard": g.keyboard,
                "pointer": g.pointer,
                "mass_storage": g.storage,
                "network": g.network,
                "generic_name": g.generic_text,
                "no_vendor_string": g.no_vendor_string,
                "rows": rows_json(&g.rows),
            });
            out.push(Signal::new(
                CODE_COMPOSITE,
                Category::IpKvm,
                Severity::Medium,
                summary,
                evidence,
            ));
        }
    }

    /// The computer's own interfaces. A KVM vendor's USB-network prefix means
    /// a KVM is attached over USB and gave this computer that network card. A
    /// Raspberry Pi prefix on an own interface means the "laptop" reporting
    /// is itself a Raspberry Pi (the hardware every PiKVM/TinyPilot is), or a
    /// Pi attached as a USB network gadget: either way not an ordinary work
    /// laptop, but not proof of a KVM, hence medium.
    fn own_interface_signals(&self, tables: &OsqueryTables, out: &mut Vec<Signal>) {
        const T: &str = "interface_details";
        let mut kvm: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
        let mut pi: Vec<Value> = Vec::new();
        for row in tables.rows(T) {
            let Some(mac) = row
                .get("mac")
                .and_then(parse::mac48)
                .filter(|m| parse::is_unicast_device(*m))
            else {
                continue;
            };
            let mut hit = false;
            for (f, _) in self.usb_net_macs.lookup(mac) {
                kvm.entry(f).or_default().push(row_ev(T, row));
                hit = true;
            }
            if hit {
                continue;
            }
            let is_pi = self
                .lan_macs
                .lookup(mac)
                .any(|(f, _)| self.family(f).is_some_and(|x| x.kind == Kind::Board));
            if is_pi {
                pi.push(row_ev(T, row));
            }
        }
        for (f, mut rows) in kvm {
            let fams = [f];
            let names = self.names(&fams);
            rows.truncate(MAX_EVIDENCE_ROWS);
            let summary = format!(
                "This computer has a USB network link to {} {names} remote-control device (IP-KVM).",
                article(&names).to_ascii_lowercase()
            );
            let evidence = json!({ "families": self.ids(&fams), "device": names, "rows": rows });
            out.push(Signal::new(
                CODE_USB_NET,
                Category::IpKvm,
                Severity::High,
                summary,
                evidence,
            ));
        }
        if !pi.is_empty() {
            let mut evidence =
                json!({ "rows": pi.iter().take(MAX_EVIDENCE_ROWS).collect::<Vec<_>>() });
            if let Some(model) = tables.rows("system_info").iter().find_map(|r| {
                r.get("hardware_model")
                    .filter(|m| m.to_ascii_lowercase().contains("raspberry"))
            }) {
                evidence["hardware_model"] = Value::String(model.to_string());
            }
            out.push(Signal::new(
                CODE_PI_HOST,
                Category::IpKvm,
                Severity::Medium,
                "This computer has a Raspberry Pi network card of its own: the checks ran on a Raspberry Pi, or one is \
                 attached over USB, rather than on an ordinary work laptop. Remote-control boxes (IP-KVMs) are built this way.",
                evidence,
            ));
        }
    }

    /// Other devices on the local network. Severity is medium when the MAC
    /// prefix or host name is one a vendor uses for its KVMs, and low when it
    /// only names a maker of many other things too (Raspberry Pi, GL.iNet
    /// routers, Sipeed boards): plenty of candidates have a Pi at home.
    fn lan_signals(&self, tables: &OsqueryTables, out: &mut Vec<Signal>) {
        #[derive(Default)]
        struct Lan {
            confidence: Option<Confidence>,
            macs: BTreeSet<u64>,
            hosts: BTreeSet<String>,
            rows: Vec<Value>,
            total_rows: usize,
        }
        fn note(
            map: &mut BTreeMap<usize, Lan>,
            f: usize,
            conf: Confidence,
            row: Value,
        ) -> &mut Lan {
            let l = map.entry(f).or_default();
            l.confidence = l.confidence.max(Some(conf));
            l.total_rows += 1;
            if l.rows.len() < MAX_EVIDENCE_ROWS {
                l.rows.push(row);
            }
            l
        }
        let mut by_family: BTreeMap<usize, Lan> = BTreeMap::new();
        for row in tables.rows("arp_cache") {
            let Some(mac) = row
                .get("mac")
                .and_then(parse::mac48)
                .filter(|m| parse::is_unicast_device(*m))
            else {
                continue;
            };
            for (f, conf) in self.lan_macs.lookup(mac) {
                note(&mut by_family, f, conf, row_ev("arp_cache", row))
                    .macs
                    .insert(mac);
            }
        }
        // etc_hosts is read when a payload carries it.
        for row in tables.rows("etc_hosts") {
            let Some(names) = row.get("hostnames") else {
                continue;
            };
            for name in names.split_whitespace() {
                let label = parse::host_label(name);
                let mut fams: Vec<usize> = self.host_names.get(&label).cloned().unwrap_or_default();
                fams.extend(
                    self.host_prefixes
                        .iter()
                        .filter(|(p, _)| label.starts_with(p.as_str()))
                        .map(|(_, f)| *f),
                );
                fams.dedup();
                for f in fams {
                    note(
                        &mut by_family,
                        f,
                        Confidence::High,
                        row_ev("etc_hosts", row),
                    )
                    .hosts
                    .insert(label.clone());
                }
            }
        }
        for (f, lan) in by_family {
            let fams = [f];
            let names = self.names(&fams);
            let board = self.family(f).is_some_and(|x| x.kind == Kind::Board);
            let high = lan.confidence == Some(Confidence::High);
            let (severity, summary) = if high {
                (
                    Severity::Medium,
                    format!(
                        "{} {names} remote-control device (IP-KVM) is on this computer's local network.",
                        article(&names)
                    ),
                )
            } else if board {
                (
                    Severity::Low,
                    format!(
                        "{} {names} is on this computer's local network; PiKVM, TinyPilot and BliKVM remote-control \
                         boxes are built on one, though many people own one for other reasons.",
                        article(&names)
                    ),
                )
            } else {
                (
                    Severity::Low,
                    format!(
                        "A device from the maker of the {names} remote-control box (IP-KVM) is on this computer's local \
                         network; it may also be one of their other products."
                    ),
                )
            };
            let evidence = json!({
                "families": self.ids(&fams),
                "device": names,
                "confidence": if high { "high" } else { "low" },
                "macs": lan.macs.iter().map(|m| parse::fmt_mac(*m)).collect::<Vec<_>>(),
                "host_names": lan.hosts,
                "rows": lan.rows,
                "rows_total": lan.total_rows,
            });
            out.push(Signal::new(
                CODE_LAN,
                Category::IpKvm,
                severity,
                summary,
                evidence,
            ));
        }
    }

    fn signal(
        &self,
        code: &str,
        severity: Severity,
        summary: String,
        fams: &[usize],
        usb_id: Option<String>,
        dev: Device<'_>,
    ) -> Signal {
        let rows_total = dev.rows.len();
        let mut matched: Vec<Value> = dev.matches.iter().map(|m| m.to_json(self)).collect();
        matched.extend(dev.hints.iter().map(|m| m.to_json(self)));
        matched.dedup();
        let evidence = json!({
            "families": self.ids(fams),
            "device": self.names(fams),
            "usb_id": usb_id,
            "matched": matched,
            "rows": rows_json(&dev.rows),
            "rows_total": rows_total,
        });
        Signal::new(code, Category::IpKvm, severity, summary, evidence)
    }
}

fn mk(
    family: usize,
    score: u32,
    rule: &'static str,
    table: &'static str,
    column: &'static str,
    value: &str,
) -> Match {
    Match {
        family,
        score,
        rule,
        table,
        column,
        value: value.to_string(),
    }
}

fn best_family(cat: &KvmCatalog, matches: &[Match]) -> usize {
    let dev = Device {
        matches: matches.to_vec(),
        ..Device::default()
    };
    cat.resolve(&dev)
        .first()
        .copied()
        .or_else(|| matches.first().map(|m| m.family))
        .unwrap_or(0)
}

fn display_id_text(pnp: u16, product: u16) -> String {
    match parse::pnp_unpack(pnp) {
        Some(code) => format!("{code}{product:04X}"),
        None => format!("{pnp:04x}:{product:04x}"),
    }
}

fn article(name: &str) -> &'static str {
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    if vowel || name.starts_with("HP ") {
        "An"
    } else {
        "A"
    }
}

#[cfg(test)]
mod tests;
