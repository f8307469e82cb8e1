//! IP intelligence: which country an address is registered to, and whether
//! it sits in a VPN, hosting/datacenter, Tor-exit or DPRK-linked network.
//!
//! [`IpIntelBuilder`] takes feed texts (parsed by [`parse`]) and flattens
//! them into one immutable [`IpIntel`] per refresh; [`IpIntel::lookup`] is
//! allocation-free and well under a microsecond (see `benches/ip_lookup.rs`).
//! [`IpIntel::builtin`] holds only the curated defaults compiled in from
//! `indicators/network/`; the full lists are downloaded at run time.

pub mod parse;
mod table;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde::Serialize;

pub use crate::domain::values::CountryCode;
pub use parse::{
    parse_cidr, parse_cidr_list, parse_dprk_csv, parse_ip_list, parse_range_csv, DprkRange,
    FeedError, IpRange, NamedRange,
};
use table::{Claim, Entry, Table, FLAG_DPRK, FLAG_HOSTING, FLAG_TOR, FLAG_VPN};

/// Curated DPRK ranges (`cidr,country,note`), reviewed by hand.
pub const BUILTIN_DPRK_CSV: &str = include_str!("../../../indicators/network/dprk_ranges.csv");

/// Note used for DPRK entries that come from a list without notes.
const DPRK_LIST_NOTE: &str = "listed as DPRK network";

/// Which flag a list sets on its ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Vpn,
    Hosting,
    Tor,
    Dprk,
}

impl ListKind {
    fn flag(self) -> u8 {
        match self {
            ListKind::Vpn => FLAG_VPN,
            ListKind::Hosting => FLAG_HOSTING,
            ListKind::Tor => FLAG_TOR,
            ListKind::Dprk => FLAG_DPRK,
        }
    }
}

/// Everything the tables say about one address. Borrowed from the
/// [`IpIntel`] it came from, so producing it never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct IpFacts<'a> {
    /// Registry country (most specific matching prefix).
    pub country: Option<CountryCode>,
    pub vpn: bool,
    /// In a hosting/datacenter range. Many hosting feeds (X4BNet) carry no
    /// operator names, hence a flag separate from `provider`.
    pub hosting: bool,
    pub tor: bool,
    /// Operator name when a feed gives one (client9 `datacenters.csv`, or a
    /// named range CSV of any kind); from the most specific named range.
    pub provider: Option<&'a str>,
    /// Why the address counts as DPRK-linked (the curated note), if it does.
    pub dprk: Option<&'a str>,
}

impl IpFacts<'_> {
    /// True if any of the risk lists (VPN, hosting, Tor, DPRK) matched.
    pub fn is_flagged(&self) -> bool {
        self.vpn || self.hosting || self.tor || self.dprk.is_some()
    }
}

/// Sizes of a built [`IpIntel`], for the status endpoint and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct IpIntelCounts {
    /// Input entries per source, before flattening.
    pub country_prefixes: usize,
    pub vpn_entries: usize,
    pub hosting_entries: usize,
    pub tor_entries: usize,
    pub dprk_entries: usize,
    /// Non-overlapping intervals after flattening (gaps included).
    pub v4_intervals: usize,
    pub v6_intervals: usize,
    /// Distinct provider/note names interned.
    pub names: usize,
    /// Approximate heap size of the lookup tables.
    pub approx_bytes: usize,
}

/// Accumulates feeds; [`build`](Self::build) produces the lookup tables.
/// Every `add_*` is all-or-nothing: on error nothing from that text is kept.
pub struct IpIntelBuilder {
    v4: Vec<Entry>,
    v6: Vec<Entry>,
    names: Vec<Box<str>>,
    name_ids: HashMap<Box<str>, u16>,
    counts: IpIntelCounts,
}

impl Default for IpIntelBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl IpIntelBuilder {
    pub fn new() -> Self {
        Self {
            v4: Vec::new(),
            v6: Vec::new(),
            // Id 0 is reserved for "no name".
            names: vec!["".into()],
            name_ids: HashMap::new(),
            counts: IpIntelCounts::default(),
        }
    }

    /// Starts from the curated defaults, so feeds added later refine them.
    pub fn with_builtin() -> Result<Self, FeedError> {
        let mut b = Self::new();
        b.add_dprk(BUILTIN_DPRK_CSV)?;
        Ok(b)
    }

    fn intern(&mut self, name: &str) -> Result<u16, FeedError> {
        if let Some(&id) = self.name_ids.get(name) {
            return Ok(id);
        }
        let id = u16::try_from(self.names.len()).map_err(|_| FeedError::TooManyNames {
            limit: usize::from(u16::MAX),
        })?;
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        Ok(id)
    }

    fn push(&mut self, range: IpRange, claim: Claim) {
        let (v6, start, end) = range.to_u128();
        let e = Entry { start, end, claim };
        if v6 {
            self.v6.push(e);
        } else {
            self.v4.push(e);
        }
    }

    fn bump(&mut self, kind: ListKind, n: usize) {
        let c = &mut self.counts;
        match kind {
            ListKind::Vpn => c.vpn_entries += n,
            ListKind::Hosting => c.hosting_entries += n,
            ListKind::Tor => c.tor_entries += n,
            ListKind::Dprk => c.dprk_entries += n,
        }
    }

    /// Adds one country's prefixes (CIDR per line, IPv4 and/or IPv6).
    /// Returns the number of prefixes added.
    pub fn add_country(&mut self, cc: &str, text: &str) -> Result<usize, FeedError> {
        let code =
            CountryCode::from_letters(cc).ok_or_else(|| FeedError::Country(cc.to_string()))?;
        let ranges = parse_cidr_list(text)?;
        for r in &ranges {
            self.push(*r, Claim::Country(code.bytes()));
        }
        self.counts.country_prefixes += ranges.len();
        Ok(ranges.len())
    }

    /// Walks an ipverse-style tree: `<dir>/country/<cc>/ipv{4,6}-aggregated.txt`
    /// (or `<dir>/<cc>/...` if `dir` is the `country` folder itself). Entries
    /// whose name is not a two-letter code are skipped; a missing family file
    /// is fine (ipverse has no IPv6 file for KP). Returns prefixes added.
    pub fn add_country_dir(&mut self, dir: &Path) -> Result<usize, FeedError> {
        let nested = dir.join("country");
        let root = if nested.is_dir() {
            nested
        } else {
            dir.to_path_buf()
        };
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FeedError::Io { path, source }
        };
        let mut ccs: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&root)
            .map_err(io(&root))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                CountryCode::from_letters(&name)?;
                e.path().is_dir().then(|| (name, e.path()))
            })
            .collect();
        ccs.sort();
        let mut total = 0;
        for (cc, path) in ccs {
            for file in ["ipv4-aggregated.txt", "ipv6-aggregated.txt"] {
                let p = path.join(file);
                if !p.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&p).map_err(io(&p))?;
                total += self.add_country(&cc, &text).map_err(|e| FeedError::File {
                    path: p.clone(),
                    source: Box::new(e),
                })?;
            }
        }
        Ok(total)
    }

    /// Adds a CIDR-per-line list (bare addresses allowed, so Tor exit lists
    /// work too). DPRK entries get a generic note.
    pub fn add_list(&mut self, kind: ListKind, text: &str) -> Result<usize, FeedError> {
        let ranges = parse_cidr_list(text)?;
        let note = if kind == ListKind::Dprk {
            self.intern(DPRK_LIST_NOTE)?
        } else {
            0
        };
        let claim = Claim::Flag {
            flag: kind.flag(),
            provider: 0,
            note,
        };
        for r in &ranges {
            self.push(*r, claim);
        }
        self.bump(kind, ranges.len());
        Ok(ranges.len())
    }

    /// Adds a `start,end,name[,url]` range CSV. The name becomes the
    /// `provider` (or, for [`ListKind::Dprk`], the DPRK note).
    pub fn add_ranges_csv(&mut self, kind: ListKind, text: &str) -> Result<usize, FeedError> {
        let rows = parse_range_csv(text)?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(self.intern(&row.name)?);
        }
        for (row, id) in rows.iter().zip(ids) {
            let (provider, note) = if kind == ListKind::Dprk {
                (0, id)
            } else {
                (id, 0)
            };
            let claim = Claim::Flag {
                flag: kind.flag(),
                provider,
                note,
            };
            self.push(row.range, claim);
        }
        self.bump(kind, rows.len());
        Ok(rows.len())
    }

    /// Adds the curated DPRK CSV (see [`parse_dprk_csv`]). A row's country,
    /// if given, also enters the country layer, so KP space reads as KP even
    /// without the country feeds.
    pub fn add_dprk(&mut self, text: &str) -> Result<usize, FeedError> {
        let rows = parse_dprk_csv(text)?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(self.intern(&row.note)?);
        }
        for (row, note) in rows.iter().zip(ids) {
            if let Some(cc) = row.country {
                self.push(row.range, Claim::Country(cc.bytes()));
            }
            self.push(
                row.range,
                Claim::Flag {
                    flag: FLAG_DPRK,
                    provider: 0,
                    note,
                },
            );
        }
        self.counts.dprk_entries += rows.len();
        Ok(rows.len())
    }

    /// Flattens everything added so far into lookup tables.
    pub fn build(self) -> IpIntel {
        let v4: Table<u32> = Table::from_boundaries(&table::sweep(&self.v4, u128::from(u32::MAX)));
        let v6: Table<u128> = Table::from_boundaries(&table::sweep(&self.v6, u128::MAX));
        let names_bytes: usize = self.names.iter().map(|n| n.len() + 16).sum();
        let counts = IpIntelCounts {
            v4_intervals: v4.len(),
            v6_intervals: v6.len(),
            names: self.names.len() - 1,
            approx_bytes: v4.approx_bytes() + v6.approx_bytes() + names_bytes,
            ..self.counts
        };
        IpIntel {
            v4,
            v6,
            names: self.names,
            counts,
        }
    }
}

/// Immutable lookup tables; cheap to share behind an `Arc` and swap whole
/// when feeds refresh.
pub struct IpIntel {
    v4: Table<u32>,
    v6: Table<u128>,
    names: Vec<Box<str>>,
    counts: IpIntelCounts,
}

impl IpIntel {
    /// Only the curated defaults compiled into the binary.
    pub fn builtin() -> IpIntel {
        match IpIntelBuilder::with_builtin() {
            Ok(b) => b.build(),
            // The curated file is covered by tests; should it ever be broken,
            // answering "unknown" beats taking the service down.
            Err(_) => IpIntelBuilder::new().build(),
        }
    }

    /// Facts for one address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is looked
    /// up as IPv4. Non-public addresses are looked up like any other; use
    /// [`is_public`] first if they should be ignored.
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> IpFacts<'_> {
        let cell = match ip {
            IpAddr::V4(a) => self.v4.get(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(a4) => self.v4.get(u32::from(a4)),
                None => self.v6.get(u128::from(a)),
            },
        };
        IpFacts {
            country: (cell.cc != [0, 0]).then_some(CountryCode::from_bytes(cell.cc)),
            vpn: cell.flags & FLAG_VPN != 0,
            hosting: cell.flags & FLAG_HOSTING != 0,
            tor: cell.flags & FLAG_TOR != 0,
            provider: self.name(cell.provider),
            dprk: if cell.flags & FLAG_DPRK != 0 {
                Some(self.name(cell.note).unwrap_or(DPRK_LIST_NOTE))
            } else {
                None
            },
        }
    }

    fn name(&self, id: u16) -> Option<&str> {
        if id == 0 {
            return None;
        }
        self.names.get(usize::from(id)).map(|s| &**s)
    }

    pub fn counts(&self) -> IpIntelCounts {
        self.counts
    }
}

/// False for addresses that can never be a candidate's real public address:
/// unspecified, private (RFC 1918), loopback, link-local, CGNAT (100.64/10),
/// IETF protocol assignments, documentation, benchmarking, multicast,
/// reserved/broadcast, ULA, IPv6 outside global unicast 2000::/3, 6to4 and
/// IPv4-mapped/NAT64 forms of such IPv4 addresses.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn in_v4(a: u32, net: u32, len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    a & mask == net & mask
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    const NON_PUBLIC: [(u32, u32); 16] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
        (0x0A00_0000, 8),  // 10/8
        (0x6440_0000, 10), // 100.64/10 CGNAT
        (0x7F00_0000, 8),  // loopback
        (0xA9FE_0000, 16), // link-local
        (0xAC10_0000, 12), // 172.16/12
        (0xC000_0000, 24), // 192.0.0/24 IETF protocol assignments
        (0xC000_0200, 24), // TEST-NET-1
        (0xC058_6300, 24), // 6to4 relay anycast (deprecated)
        (0xC0A8_0000, 16), // 192.168/16
        (0xC612_0000, 15), // 198.18/15 benchmarking
        (0xC633_6400, 24), // TEST-NET-2
        (0xCB00_7100, 24), // TEST-NET-3
        (0xE000_0000, 4),  // multicast
        (0xF000_0000, 4),  // reserved + broadcast
        (0xFFFF_FFFF, 32), // broadcast (already in 240/4; kept explicit)
    ];
    let a = u32::from(a);
    !NON_PUBLIC.iter().any(|&(net, len)| in_v4(a, net, len))
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(a4) = a.to_ipv4_mapped() {
        return is_public_v4(a4);
    }
    let v = u128::from(a);
    let in_net = |net: u128, len: u32| {
        let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
        v & mask == net & mask
    };
    // NAT64 well-known prefix: judge the embedded IPv4.
    if in_net(0x0064_ff9b_u128 << 96, 96) {
        return is_public_v4(Ipv4Addr::from(v as u32));
    }
    // Only 2000::/3 is global unicast; everything else (::, ::1, ULA,
    // link-local, multicast, 64:ff9b:1::/48, 100::/64 ...) is not public.
    if !in_net(0x2000_u128 << 112, 3) {
        return false;
    }
    // 6to4: judge the embedded IPv4 (bits 16..48).
    if in_net(0x2002_u128 << 112, 16) {
        return is_public_v4(Ipv4Addr::from((v >> 80) as u32));
    }
    const NON_PUBLIC: [(u128, u32); 3] = [
        (0x2001_0000_u128 << 96, 23), // IETF protocol assignments (Teredo, ORCHID...)
        (0x2001_0db8_u128 << 96, 32), // documentation
        (0x3fff_u128 << 112, 20),     // documentation (RFC 9637)
    ];
    !NON_PUBLIC.iter().any(|&(net, len)| in_net(net, len))
}

#[cfg(test)]
mod tests;
