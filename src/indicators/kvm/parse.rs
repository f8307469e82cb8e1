//! Reading the identifiers KVM detection compares: USB ids, MAC addresses
//! and prefixes, EDID manufacturer codes, Windows PnP device ids and free
//! text, in the several spellings osquery produces on Linux, macOS and
//! Windows. Everything here is total: bad input gives `None`, never a panic.

/// Lower-case, `_` read as a space (udev's `ID_MODEL` spelling), runs of
/// whitespace collapsed, trimmed.
pub(crate) fn norm_text(s: &str) -> String {
    let t = s.trim();
    if t.is_ascii() {
        // Byte-wise: this runs on every USB vendor/model string.
        let mut out = Vec::with_capacity(t.len());
        let mut gap = false;
        for &b in t.as_bytes() {
            if b == b'_' || b.is_ascii_whitespace() {
                gap = true;
                continue;
            }
            if gap && !out.is_empty() {
                out.push(b' ');
            }
            gap = false;
            out.push(b.to_ascii_lowercase());
        }
        return String::from_utf8(out).unwrap_or_default();
    }
    let mut out = String::with_capacity(t.len());
    for word in t
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A 16-bit id written in hex, with or without `0x`, any case ("1d6b",
/// "0x1D6B", "5ac"). osquery documents these columns as hex on every
/// platform, so decimal is not guessed at.
pub(crate) fn hex_u16(s: &str) -> Option<u16> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if t.is_empty() || t.len() > 4 {
        return None;
    }
    u16::from_str_radix(t, 16).ok()
}

/// "vvvv:pppp" as written in the catalog.
pub(crate) fn usb_pair(s: &str) -> Option<(u16, u16)> {
    let (v, p) = s.split_once(':')?;
    Some((hex_u16(v)?, hex_u16(p)?))
}

pub(crate) fn fmt_usb_pair((v, p): (u16, u16)) -> String {
    format!("{v:04x}:{p:04x}")
}

/// A small USB class/subclass/protocol number. Linux and macOS osquery write
/// them in decimal; some collectors write two-digit hex ("03", "e0").
pub(crate) fn class_num(s: &str) -> Option<u16> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        u16::from_str_radix(t, 16).ok()
    }
}

/// A MAC address as 48 bits. Accepts `:`, `-` and `.` separators and the
/// shortened octets macOS `arp` prints ("dc:a6:32:1:2:3").
pub(crate) fn mac48(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.contains([':', '-']) {
        let mut v = 0u64;
        let mut n = 0;
        for p in t.split([':', '-']) {
            n += 1;
            if n > 6 || p.is_empty() || p.len() > 2 {
                return None;
            }
            v = (v << 8) | u64::from(u8::from_str_radix(p, 16).ok()?);
        }
        return (n == 6).then_some(v);
    }
    let mut v = 0u64;
    let mut digits = 0;
    for c in t.chars().filter(|c| *c != '.') {
        let d = c.to_digit(16)?;
        digits += 1;
        if digits > 12 {
            return None;
        }
        v = (v << 4) | u64::from(d);
    }
    (digits == 12).then_some(v)
}

/// Addresses that never identify a device: all-zero (incomplete ARP entries
/// on Windows), broadcast and multicast.
pub(crate) fn is_unicast_device(mac: u64) -> bool {
    mac != 0 && mac != 0xffff_ffff_ffff && (mac >> 40) & 1 == 0
}

/// A MAC prefix from the catalog ("b8:27:eb", "04:c9:8b:1") as
/// (bit length, value). Whole hex digits only, 6 to 11 of them.
pub(crate) fn mac_prefix(s: &str) -> Option<(u8, u64)> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if !(6..=11).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bits = u8::try_from(hex.len() * 4).ok()?;
    Some((bits, u64::from_str_radix(&hex, 16).ok()?))
}

pub(crate) fn fmt_mac(mac: u64) -> String {
    let b = mac.to_be_bytes();
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[2], b[3], b[4], b[5], b[6], b[7]
    )
}

/// A three-letter PnP manufacturer code ("LNX") packed as EDID bytes 8-9
/// store it.
pub(crate) fn pnp_pack(code: &str) -> Option<u16> {
    let b = code.trim().as_bytes();
    if b.len() != 3 {
        return None;
    }
    let mut v = 0u16;
    for &c in b {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return None;
        }
        v = (v << 5) | u16::from(c - b'A' + 1);
    }
    Some(v)
}

pub(crate) fn pnp_unpack(v: u16) -> Option<String> {
    (0..3)
        .rev()
        .map(|i| {
            let n = ((v >> (i * 5)) & 0x1f) as u8;
            (1..=26).contains(&n).then(|| char::from(b'A' + n - 1))
        })
        .collect()
}

/// A display's manufacturer as connected_displays gives it: macOS writes the
/// packed EDID value in hex ("31d8", "610"); a three-letter code is taken too.
pub(crate) fn display_vendor(s: &str) -> Option<u16> {
    let t = s.trim();
    if t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return pnp_pack(t);
    }
    hex_u16(t)
}

/// A serial for comparison: lower-case, no `0x`, no leading zeros (macOS
/// prints the EDID's 32-bit serial in hex without padding).
pub(crate) fn norm_serial(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_prefix("0x").unwrap_or(&t);
    let t = t.trim_start_matches('0');
    t.to_string()
}

/// What a Windows PnP instance id (osquery `drivers.device_id`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WinDevice {
    /// `USB\VID_xxxx&PID_yyyy[&MI_nn]\instance` or the same under `HID\`.
    Usb {
        ids: (u16, u16),
        /// The USB serial, when the instance part is one (Windows invents an
        /// id containing `&` for devices without a serial, and for
        /// interfaces of composite devices).
        serial: Option<String>,
        interface: bool,
    },
    /// `USBSTOR\CDROM&VEN_PIKVM&PROD_...`: a USB drive's SCSI vendor.
    UsbStor { vendor: String },
    /// `DISPLAY\LNX7771\...`: a monitor's EDID manufacturer and product.
    Display { pnp: u16, product: u16 },
}

pub(crate) fn win_device(id: &str) -> Option<WinDevice> {
    let mut parts = id.trim().splitn(3, '\\');
    let bus = parts.next()?.to_ascii_uppercase();
    let hw = parts.next()?;
    let inst = parts.next().unwrap_or("");
    match bus.as_str() {
        "USB" | "HID" => {
            let up = hw.to_ascii_uppercase();
            let vid = after_token(&up, "VID_")
                .and_then(|h| h.get(..4))
                .and_then(hex_u16)?;
            let pid = after_token(&up, "PID_")
                .and_then(|h| h.get(..4))
                .and_then(hex_u16)?;
            let interface = up.contains("&MI_") || bus == "HID";
            let serial =
                (!interface && !inst.is_empty() && !inst.contains('&')).then(|| inst.to_string());
            Some(WinDevice::Usb {
                ids: (vid, pid),
                serial,
                interface,
            })
        }
        "USBSTOR" => {
            let up = hw.to_ascii_uppercase();
            let ven = after_token(&up, "VEN_")?;
            let ven = ven.split('&').next().unwrap_or("");
            let vendor = ven.trim_end_matches('_').to_string();
            (!vendor.is_empty()).then_some(WinDevice::UsbStor { vendor })
        }
        "DISPLAY" => {
            let hw = hw.trim();
            if hw.len() != 7 || !hw.is_ascii() {
                return None;
            }
            let pnp = pnp_pack(&hw[..3])?;
            let product = hex_u16(&hw[3..])?;
            Some(WinDevice::Display { pnp, product })
        }
        _ => None,
    }
}

fn after_token<'a>(s: &'a str, token: &str) -> Option<&'a str> {
    s.find(token).map(|i| &s[i + token.len()..])
}

/// The first DNS label of a host name, lower-case ("PiKVM.local" -> "pikvm").
pub(crate) fn host_label(s: &str) -> String {
    s.trim()
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_ids_normalise_across_platform_spellings() {
        assert_eq!(
            norm_text("  PiKVM_Composite_Device "),
            "pikvm composite device"
        );
        assert_eq!(hex_u16("0x1D6B"), Some(0x1d6b));
        assert_eq!(hex_u16("5ac"), Some(0x05ac));
        assert_eq!(hex_u16("12345"), None);
        assert_eq!(hex_u16(""), None);
        assert_eq!(class_num("03"), Some(3));
        assert_eq!(class_num("224"), Some(224));
        assert_eq!(class_num("e0"), Some(224));
        assert_eq!(norm_serial("0000BA66"), "ba66");
    }

    #[test]
    fn macs_parse_in_each_os_format() {
        let want = Some(0xdca6_3201_0203);
        assert_eq!(mac48("dc:a6:32:01:02:03"), want);
        assert_eq!(mac48("DC-A6-32-01-02-03"), want);
        assert_eq!(mac48("dc:a6:32:1:2:3"), want);
        assert_eq!(mac48("dca6.3201.0203"), want);
        assert_eq!(mac48("incomplete"), None);
        assert_eq!(mac48("dc:a6:32:1:2"), None);
        assert!(!is_unicast_device(0xffff_ffff_ffff));
        assert!(!is_unicast_device(0x0100_5e00_00fb));
        assert!(!is_unicast_device(0));
        assert_eq!(mac_prefix("04:C9:8B:1"), Some((28, 0x04c98b1)));
        assert_eq!(mac_prefix("zz:00:00"), None);
        assert_eq!(fmt_mac(0xdca6_3201_0203), "dc:a6:32:01:02:03");
    }

    #[test]
    fn pnp_codes_round_trip() {
        assert_eq!(pnp_pack("LNX"), Some(0x31d8));
        assert_eq!(pnp_pack("TSB"), Some(0x5262));
        assert_eq!(pnp_unpack(0x4e04).as_deref(), Some("SPD"));
        assert_eq!(pnp_unpack(0), None);
        assert_eq!(display_vendor("610"), pnp_pack("APP"));
        assert_eq!(display_vendor("LNX"), Some(0x31d8));
    }

    #[test]
    fn windows_device_ids() {
        assert_eq!(
            win_device(r"USB\VID_1D6B&PID_0104\CAFEBABE"),
            Some(WinDevice::Usb {
                ids: (0x1d6b, 0x0104),
                serial: Some("CAFEBABE".into()),
                interface: false
            })
        );
        assert_eq!(
            win_device(r"HID\VID_1D6B&PID_0104&MI_00\8&2a1b3c4d&0&0000"),
            Some(WinDevice::Usb {
                ids: (0x1d6b, 0x0104),
                serial: None,
                interface: true
            })
        );
        assert_eq!(
            win_device(
                r"USBSTOR\CDROM&VEN_GLINET&PROD_FLASH_DRIVE&REV_1.00\A&24467633&0&CAFEBABE&0"
            ),
            Some(WinDevice::UsbStor {
                vendor: "GLINET".into()
            })
        );
        assert_eq!(
            win_device(r"DISPLAY\LNX7771\5&1a2b3c&0&UID4352"),
            Some(WinDevice::Display {
                pnp: 0x31d8,
                product: 0x7771
            })
        );
        assert_eq!(win_device(r"ACPI\PNP0303\4&1"), None);
        assert_eq!(win_device(r"USB\VID_ZZZZ&PID_0104\x"), None);
        assert_eq!(win_device(r"DISPLAY\ÄÖÜ1234\x"), None);
        assert_eq!(win_device(""), None);
    }
}
