//! A minimal EDID reader: the identity fields of a monitor's base EDID block
//! (manufacturer, product code, serials, monitor name). KVMs announce
//! themselves to the computer as a monitor with these fields, so the catalog
//! can be checked against raw EDID dumps, and raw EDIDs can be matched if a
//! collector ever sends them.

use super::parse::pnp_unpack;

const HEADER: [u8; 8] = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdidIdentity {
    /// Three-letter PnP manufacturer code, e.g. "LNX".
    pub manufacturer: String,
    pub product_code: u16,
    /// The 32-bit serial of bytes 12-15 (0 when unset).
    pub serial_number: u32,
    /// The 0xFC display descriptor.
    pub monitor_name: Option<String>,
    /// The 0xFF display descriptor.
    pub serial_text: Option<String>,
}

/// Reads the first 128-byte block. `None` when the header or the
/// manufacturer code is not valid.
pub fn decode(bytes: &[u8]) -> Option<EdidIdentity> {
    let block = bytes.get(..128)?;
    if block.get(..8)? != HEADER {
        return None;
    }
    let manufacturer = pnp_unpack(u16::from_be_bytes([block[8], block[9]]))?;
    let product_code = u16::from_le_bytes([block[10], block[11]]);
    let serial_number = u32::from_le_bytes([block[12], block[13], block[14], block[15]]);
    let mut monitor_name = None;
    let mut serial_text = None;
    for d in block[54..126].chunks_exact(18) {
        if d[0] != 0 || d[1] != 0 {
            continue;
        }
        let text = descriptor_text(&d[5..18]);
        match d[3] {
            0xfc => monitor_name = Some(text),
            0xff => serial_text = Some(text),
            _ => {}
        }
    }
    Some(EdidIdentity {
        manufacturer,
        product_code,
        serial_number,
        monitor_name,
        serial_text,
    })
}

/// Descriptor text ends at a line feed and is padded with spaces.
fn descriptor_text(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    raw[..end]
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Parses EDID written as hex text: plain hex (any whitespace), or a C array
/// of `0x..` bytes. Returns every base block found (JetKVM's UI file holds
/// several EDIDs, one per line).
pub fn blocks_from_text(text: &str) -> Vec<Vec<u8>> {
    let bytes: Vec<u8> = if text.contains("0x") || text.contains("0X") {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter_map(|t| t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")))
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect()
    } else {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks_exact(2)
            .filter_map(|p| {
                let s = std::str::from_utf8(p).ok()?;
                u8::from_str_radix(s, 16).ok()
            })
            .collect()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + 128 <= bytes.len() {
        if bytes[i..i + 8] == HEADER {
            out.push(bytes[i..i + 128].to_vec());
            i += 128;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pikvm_v3_identity() {
        let hex = "00FFFFFFFFFFFF0031D8717701010101231A010380351E780E0565A756529C27\
                   0F50543FED00B300A9C0950090408180814081C0714F011D007251D01E206E28\
                   55000F282100001E000000FF0043414645424142452020202020000000FD0032\
                   4B0F5211000A202020202020000000FC0050694B564D2056330A202020200143";
        let blocks = blocks_from_text(hex);
        assert_eq!(blocks.len(), 1);
        let id = decode(&blocks[0]).expect("valid edid");
        assert_eq!(id.manufacturer, "LNX");
        assert_eq!(id.product_code, 0x7771);
        assert_eq!(id.monitor_name.as_deref(), Some("PiKVM V3"));
        assert_eq!(id.serial_text.as_deref(), Some("CAFEBABE"));
    }

    #[test]
    fn rejects_short_or_headerless_input() {
        assert_eq!(decode(&[0u8; 10]), None);
        assert_eq!(decode(&[0u8; 128]), None);
        assert!(blocks_from_text("not an edid").is_empty());
    }
}
