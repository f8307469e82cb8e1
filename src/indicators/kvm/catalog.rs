//! The KVM catalog: the TOML schema of `indicators/ipkvm.toml` and its
//! compiled form, hash maps and Aho-Corasick automata built once so that a
//! payload is checked with lookups rather than scans of the catalog.

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use super::parse::{hex_u16, mac_prefix, norm_serial, norm_text, pnp_pack, usb_pair};

#[derive(Debug, thiserror::Error)]
pub enum KvmCatalogError {
    #[error("KVM catalog is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("KVM catalog has no families")]
    Empty,
    #[error("KVM catalog names family {0:?} twice")]
    DuplicateFamily(String),
    #[error("KVM catalog family {family:?}: {field} value {value:?} is not valid ({why})")]
    BadValue {
        family: String,
        field: &'static str,
        value: String,
        why: &'static str,
    },
    #[error("KVM catalog: keyword automaton could not be built: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}

/// What kind of hardware a family is; it decides how a finding is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    IpKvm,
    HidBridge,
    RemoteConsole,
    UsbGadget,
    Board,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    High,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    family: Vec<RawFamily>,
    #[serde(default)]
    peripheral_vendors: RawVendors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendors {
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    id: String,
    name: String,
    kind: Kind,
    #[serde(default)]
    usb_ids: Vec<String>,
    #[serde(default)]
    usb_strings: Vec<String>,
    #[serde(default)]
    usb_keywords: Vec<String>,
    #[serde(default)]
    usb_serials: Vec<String>,
    #[serde(default)]
    usb_hints: Vec<String>,
    #[serde(default)]
    usbstor_vendors: Vec<String>,
    #[serde(default)]
    display_names: Vec<String>,
    #[serde(default)]
    display_keywords: Vec<String>,
    #[serde(default)]
    display_ids: Vec<String>,
    #[serde(default)]
    display_spoofs: Vec<RawSpoof>,
    #[serde(default)]
    lan_mac_prefixes: Vec<RawMac>,
    #[serde(default)]
    usb_net_mac_prefixes: Vec<String>,
    #[serde(default)]
    host_names: Vec<String>,
    #[serde(default)]
    host_name_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpoof {
    pnp: String,
    product: String,
    serials: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMac {
    prefix: String,
    confidence: Confidence,
}

#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub id: String,
    pub name: String,
    pub kind: Kind,
}

/// Substring keywords with the family each belongs to.
#[derive(Debug, Default)]
pub(crate) struct Keywords {
    ac: Option<AhoCorasick>,
    family_of: Vec<usize>,
    words: Vec<String>,
}

impl Keywords {
    fn build(entries: Vec<(String, usize)>) -> Result<Keywords, KvmCatalogError> {
        if entries.is_empty() {
            return Ok(Keywords::default());
        }
        let (words, family_of): (Vec<String>, Vec<usize>) = entries.into_iter().unzip();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)?;
        Ok(Keywords {
            ac: Some(ac),
            family_of,
            words,
        })
    }

    /// (family, keyword) for every keyword found in `text`.
    pub fn find<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        // `is_match` runs the automaton's prefilter; almost no text matches,
        // so the overlapping search is rarely reached.
        self.ac
            .iter()
            .filter(move |ac| ac.is_match(text))
            .flat_map(move |ac| ac.find_overlapping_iter(text))
            .filter_map(move |m| {
                let i = m.pattern().as_usize();
                Some((*self.family_of.get(i)?, self.words.get(i)?.as_str()))
            })
    }
}

/// Families (with confidence) per MAC prefix value, for one prefix length.
type PrefixMap = HashMap<u64, Vec<(usize, Confidence)>>;

/// MAC prefixes of a few bit lengths, looked up by masking the address.
#[derive(Debug, Default)]
pub(crate) struct MacTable {
    by_len: Vec<(u8, PrefixMap)>,
}

impl MacTable {
    fn insert(&mut self, bits: u8, prefix: u64, family: usize, conf: Confidence) {
        let slot = match self.by_len.iter().position(|(b, _)| *b == bits) {
            Some(i) => i,
            None => {
                self.by_len.push((bits, HashMap::default()));
                self.by_len.len() - 1
            }
        };
        let list = self.by_len[slot].1.entry(prefix).or_default();
        if !list.iter().any(|(f, _)| *f == family) {
            list.push((family, conf));
        }
    }

    pub fn lookup(&self, mac: u64) -> impl Iterator<Item = (usize, Confidence)> + '_ {
        self.by_len
            .iter()
            .filter_map(move |(bits, map)| map.get(&(mac >> (48 - u32::from(*bits)))))
            .flatten()
            .copied()
    }
}

/// A small multiplicative hasher (the Fx hash of rustc) for the catalog's
/// maps. The maps are fixed when the catalog is built and payload values are
/// only looked up, never inserted, so SipHash's flooding protection buys
/// nothing and costs most of a lookup.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type Fx = std::hash::BuildHasherDefault<FxHasher>;
type HashMap<K, V> = std::collections::HashMap<K, V, Fx>;
type HashSet<K> = std::collections::HashSet<K, Fx>;

type Index<K> = HashMap<K, Vec<usize>>;

/// Copied monitor identities: (manufacturer, product) -> families with the
/// serials (normalised) they copy.
type SpoofIndex = HashMap<(u16, u16), Vec<(usize, Vec<String>)>>;

fn add<K: std::hash::Hash + Eq>(map: &mut Index<K>, key: K, family: usize) {
    let list = map.entry(key).or_default();
    if !list.contains(&family) {
        list.push(family);
    }
}

/// Words that mark a USB device as a development gadget or an emulated
/// device rather than a retail peripheral.
const GENERIC_WORDS: &[&str] = &[
    "gadget",
    "composite",
    "multifunction",
    "emulation",
    "emulated",
    "virtual",
    "kvm",
];

/// Keywords shorter than this would match inside ordinary product names.
const MIN_KEYWORD_LEN: usize = 5;

/// The compiled IP-KVM catalog. Build it once ([`KvmCatalog::builtin`]) and
/// share it; [`KvmCatalog::detect`](super::KvmCatalog::detect) only reads it.
#[derive(Debug)]
pub struct KvmCatalog {
    pub(crate) families: Vec<Family>,
    pub(crate) usb_ids: Index<(u16, u16)>,
    pub(crate) usb_strings: Index<String>,
    pub(crate) usb_keywords: Keywords,
    pub(crate) usb_serials: Index<String>,
    pub(crate) usb_hints: Index<String>,
    pub(crate) usbstor_vendors: Index<String>,
    pub(crate) display_names: Index<String>,
    pub(crate) display_keywords: Keywords,
    pub(crate) display_ids: Index<(u16, u16)>,
    pub(crate) display_spoofs: SpoofIndex,
    pub(crate) lan_macs: MacTable,
    pub(crate) usb_net_macs: MacTable,
    pub(crate) host_names: Index<String>,
    pub(crate) host_prefixes: Vec<(String, usize)>,
    pub(crate) peripheral_vendors: HashSet<u16>,
    pub(crate) generic_words: Keywords,
}

const BUILTIN: &str = include_str!("../../../indicators/ipkvm.toml");

impl KvmCatalog {
    /// The curated catalog shipped with hirevet.
    ///
    /// # Panics
    /// Only if the bundled `indicators/ipkvm.toml` is invalid, which the
    /// unit tests rule out.
    pub fn builtin() -> KvmCatalog {
        match KvmCatalog::from_toml(BUILTIN) {
            Ok(c) => c,
            Err(e) => panic!("bundled indicators/ipkvm.toml is invalid: {e}"),
        }
    }

    pub fn from_toml(text: &str) -> Result<KvmCatalog, KvmCatalogError> {
        let raw: RawCatalog = toml::from_str(text)?;
        if raw.family.is_empty() {
            return Err(KvmCatalogError::Empty);
        }
        let mut c = KvmCatalog {
            families: Vec::with_capacity(raw.family.len()),
            usb_ids: HashMap::default(),
            usb_strings: HashMap::default(),
            usb_keywords: Keywords::default(),
            usb_serials: HashMap::default(),
            usb_hints: HashMap::default(),
            usbstor_vendors: HashMap::default(),
            display_names: HashMap::default(),
            display_keywords: Keywords::default(),
            display_ids: HashMap::default(),
            display_spoofs: HashMap::default(),
            lan_macs: MacTable::default(),
            usb_net_macs: MacTable::default(),
            host_names: HashMap::default(),
            host_prefixes: Vec::new(),
            peripheral_vendors: HashSet::default(),
            generic_words: Keywords::build(
                GENERIC_WORDS.iter().map(|w| (w.to_string(), 0)).collect(),
            )?,
        };
        let mut usb_kw = Vec::new();
        let mut disp_kw = Vec::new();
        let mut seen = HashSet::default();
        for (fi, f) in raw.family.into_iter().enumerate() {
            let id = f.id.trim().to_string();
            if id.is_empty() || f.name.trim().is_empty() {
                return Err(bad(&id, "id/name", &f.name, "must not be empty"));
            }
            if !seen.insert(id.clone()) {
                return Err(KvmCatalogError::DuplicateFamily(id));
            }
            for v in &f.usb_ids {
                let pair =
                    usb_pair(v).ok_or_else(|| bad(&id, "usb_ids", v, "want vvvv:pppp hex"))?;
                add(&mut c.usb_ids, pair, fi);
            }
            for (field, list, map) in [
                ("usb_strings", &f.usb_strings, &mut c.usb_strings),
                ("usb_serials", &f.usb_serials, &mut c.usb_serials),
                ("usb_hints", &f.usb_hints, &mut c.usb_hints),
                ("display_names", &f.display_names, &mut c.display_names),
            ] {
                for v in list {
                    let key = norm_text(v);
                    if key.is_empty() {
                        return Err(bad(&id, field, v, "must not be blank"));
                    }
                    add(map, key, fi);
                }
            }
            for v in &f.usbstor_vendors {
                let key = v.trim().to_ascii_uppercase().replace(' ', "_");
                if key.is_empty() {
                    return Err(bad(&id, "usbstor_vendors", v, "must not be blank"));
                }
                add(&mut c.usbstor_vendors, key, fi);
            }
            for (field, list, out) in [
                ("usb_keywords", &f.usb_keywords, &mut usb_kw),
                ("display_keywords", &f.display_keywords, &mut disp_kw),
            ] {
                for v in list {
                    let key = norm_text(v);
                    if key.len() < MIN_KEYWORD_LEN {
                        return Err(bad(&id, field, v, "keywords need at least 5 characters"));
                    }
                    out.push((key, fi));
                }
            }
            for v in &f.display_ids {
                let key =
                    display_key(v).ok_or_else(|| bad(&id, "display_ids", v, "want PNP:pppp"))?;
                add(&mut c.display_ids, key, fi);
            }
            for s in &f.display_spoofs {
                let pnp = pnp_pack(&s.pnp)
                    .ok_or_else(|| bad(&id, "display_spoofs.pnp", &s.pnp, "want 3 letters"))?;
                let product = hex_u16(&s.product)
                    .ok_or_else(|| bad(&id, "display_spoofs.product", &s.product, "want hex"))?;
                let serials: Vec<String> = s
                    .serials
                    .iter()
                    .map(|x| norm_serial(x))
                    .filter(|x| !x.is_empty())
                    .collect();
                if serials.is_empty() {
                    return Err(bad(
                        &id,
                        "display_spoofs.serials",
                        "",
                        "a spoofed identity needs its serial",
                    ));
                }
                c.display_spoofs
                    .entry((pnp, product))
                    .or_default()
                    .push((fi, serials));
            }
            for m in &f.lan_mac_prefixes {
                let (bits, p) = mac_prefix(&m.prefix).ok_or_else(|| {
                    bad(&id, "lan_mac_prefixes", &m.prefix, "want 6-11 hex digits")
                })?;
                c.lan_macs.insert(bits, p, fi, m.confidence);
            }
            for v in &f.usb_net_mac_prefixes {
                let (bits, p) = mac_prefix(v)
                    .ok_or_else(|| bad(&id, "usb_net_mac_prefixes", v, "want 6-11 hex digits"))?;
                c.usb_net_macs.insert(bits, p, fi, Confidence::High);
            }
            for v in &f.host_names {
                let key = v.trim().to_ascii_lowercase();
                if key.is_empty() || key.contains('.') {
                    return Err(bad(&id, "host_names", v, "want one DNS label"));
                }
                add(&mut c.host_names, key, fi);
            }
            for v in &f.host_name_prefixes {
                let key = v.trim().to_ascii_lowercase();
                if key.len() < 4 {
                    return Err(bad(
                        &id,
                        "host_name_prefixes",
                        v,
                        "prefixes need at least 4 characters",
                    ));
                }
                c.host_prefixes.push((key, fi));
            }
            c.families.push(Family {
                id,
                name: f.name.trim().to_string(),
                kind: f.kind,
            });
        }
        for v in &raw.peripheral_vendors.ids {
            let vid = hex_u16(v)
                .ok_or_else(|| bad("peripheral_vendors", "ids", v, "want hex vendor id"))?;
            c.peripheral_vendors.insert(vid);
        }
        c.usb_keywords = Keywords::build(usb_kw)?;
        c.display_keywords = Keywords::build(disp_kw)?;
        Ok(c)
    }

    /// Number of device families in the catalog.
    pub fn family_count(&self) -> usize {
        self.families.len()
    }

    pub(crate) fn family(&self, i: usize) -> Option<&Family> {
        self.families.get(i)
    }
}

fn display_key(v: &str) -> Option<(u16, u16)> {
    let (pnp, product) = v.split_once(':')?;
    Some((pnp_pack(pnp)?, hex_u16(product)?))
}

fn bad(family: &str, field: &'static str, value: &str, why: &'static str) -> KvmCatalogError {
    KvmCatalogError::BadValue {
        family: family.to_string(),
        field,
        value: value.to_string(),
        why,
    }
}
