//! Indicator feeds: the formats a configured feed may have, and how each
//! one's files extend the curated defaults. The whole [`IndicatorSet`] is
//! rebuilt from the defaults plus every feed's last good content whenever a
//! feed changes, then swapped in at once.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::kvm::KvmCatalog;
use super::network::{IpIntelBuilder, ListKind};
use super::rmm::RmmCatalog;
use super::set::IndicatorSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// LOLRMM's `rmm_tools.json` API file.
    RmmLolrmmJson,
    /// LOLRMM's per-tool YAML files.
    RmmLolrmmYaml,
    /// A catalog in hirevet's own TOML form (`indicators/rmm_tools.toml`).
    RmmToml,
    /// An IP-KVM catalog in hirevet's TOML form (`indicators/ipkvm.toml`);
    /// replaces the curated one.
    KvmToml,
    /// CIDR per line for one country (`country` names it).
    IpCountry,
    /// CIDR (or single address) per line: VPN, hosting, Tor exits.
    IpVpn,
    IpHosting,
    IpTor,
    /// `start,end,provider` ranges of hosting networks (ipcat CSV).
    IpHostingRanges,
    /// `cidr,country,note` DPRK-linked ranges.
    IpDprk,
}

impl FeedKind {
    const KINDS: &'static [(&'static str, FeedKind)] = &[
        ("rmm_lolrmm_json", FeedKind::RmmLolrmmJson),
        ("rmm_lolrmm_yaml", FeedKind::RmmLolrmmYaml),
        ("rmm_toml", FeedKind::RmmToml),
        ("kvm_toml", FeedKind::KvmToml),
        ("ip_country", FeedKind::IpCountry),
        ("ip_vpn", FeedKind::IpVpn),
        ("ip_hosting", FeedKind::IpHosting),
        ("ip_tor", FeedKind::IpTor),
        ("ip_hosting_ranges", FeedKind::IpHostingRanges),
        ("ip_dprk", FeedKind::IpDprk),
    ];

    pub fn parse(s: &str) -> Option<FeedKind> {
        Self::KINDS.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    pub fn as_str(self) -> &'static str {
        Self::KINDS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("unknown", |(n, _)| n)
    }

    /// Every kind's name, for error messages.
    pub fn names() -> String {
        let names: Vec<&str> = Self::KINDS.iter().map(|(n, _)| *n).collect();
        names.join(", ")
    }
}

/// One feed's last good download.
#[derive(Debug, Clone)]
pub struct FeedContent {
    pub id: String,
    pub kind: FeedKind,
    pub country: Option<String>,
    /// (file name, bytes) as fetched.
    pub files: Vec<(String, Vec<u8>)>,
}

impl FeedContent {
    /// `sha256:` and the first 16 hex digits of the hash over all files.
    pub fn version(&self) -> String {
        version_of(self.files.iter().map(|(_, b)| b.as_slice()))
    }
}

pub fn version_of<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    format!("sha256:{}", &hex::encode(h.finalize())[..16])
}

/// The defaults and the feeds being combined into a new set.
pub struct SetBuilder {
    rmm: RmmCatalog,
    kvm: KvmCatalog,
    ip: IpIntelBuilder,
    versions: BTreeMap<String, String>,
}

impl Default for SetBuilder {
    fn default() -> Self {
        SetBuilder::new()
    }
}

impl SetBuilder {
    /// Starts from the curated defaults compiled into the binary.
    pub fn new() -> SetBuilder {
        let mut versions = BTreeMap::new();
        versions.insert("builtin".to_string(), builtin_version());
        SetBuilder {
            rmm: RmmCatalog::builtin(),
            kvm: KvmCatalog::builtin(),
            ip: IpIntelBuilder::with_builtin().unwrap_or_default(),
            versions,
        }
    }

    /// Adds one feed; returns how many entries it held. On error the
    /// builder is unchanged for IP feeds (their `add_*` is all-or-nothing)
    /// and catalogs are only merged after a successful parse.
    pub fn apply(&mut self, feed: &FeedContent) -> Result<usize, String> {
        let texts = || -> Result<Vec<(String, String)>, String> {
            feed.files
                .iter()
                .map(|(name, bytes)| {
                    String::from_utf8(bytes.clone())
                        .map(|t| (name.clone(), t))
                        .map_err(|_| format!("{name} is not UTF-8 text"))
                })
                .collect()
        };
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let count = match feed.kind {
            FeedKind::RmmLolrmmJson => {
                let mut n = 0;
                for (_, bytes) in &feed.files {
                    let catalog = RmmCatalog::from_lolrmm_json(bytes).map_err(|e| err(&e))?;
                    n += catalog.len();
                    self.rmm.merge(catalog);
                }
                n
            }
            FeedKind::RmmLolrmmYaml => {
                let catalog = RmmCatalog::from_lolrmm_yaml(&texts()?).map_err(|e| err(&e))?;
                let n = catalog.len();
                self.rmm.merge(catalog);
                n
            }
            FeedKind::RmmToml => {
                let mut n = 0;
                for (_, text) in texts()? {
                    let catalog = RmmCatalog::from_toml(&text).map_err(|e| err(&e))?;
                    n += catalog.len();
                    self.rmm.merge(catalog);
                }
                n
            }
            // A compiled IP-KVM catalog does not merge: a feed replaces the
            // curated one (start from `indicators/ipkvm.toml` to extend it).
            FeedKind::KvmToml => {
                let files = texts()?;
                let [(_, text)] = files.as_slice() else {
                    return Err("a kvm_toml feed has exactly one file".into());
                };
                let catalog = KvmCatalog::from_toml(text).map_err(|e| err(&e))?;
                let n = catalog.family_count();
                self.kvm = catalog;
                n
            }
            FeedKind::IpCountry => {
                let cc = feed
                    .country
                    .as_deref()
                    .ok_or("ip_country feeds need `country`")?;
                let mut n = 0;
                for (_, text) in texts()? {
                    n += self.ip.add_country(cc, &text).map_err(|e| err(&e))?;
                }
                n
            }
            FeedKind::IpVpn | FeedKind::IpHosting | FeedKind::IpTor => {
                let kind = match feed.kind {
                    FeedKind::IpVpn => ListKind::Vpn,
                    FeedKind::IpHosting => ListKind::Hosting,
                    _ => ListKind::Tor,
                };
                let mut n = 0;
                for (_, text) in texts()? {
                    n += self.ip.add_list(kind, &text).map_err(|e| err(&e))?;
                }
                n
            }
            FeedKind::IpHostingRanges => {
                let mut n = 0;
                for (_, text) in texts()? {
                    n += self
                        .ip
                        .add_ranges_csv(ListKind::Hosting, &text)
                        .map_err(|e| err(&e))?;
                }
                n
            }
            FeedKind::IpDprk => {
                let mut n = 0;
                for (_, text) in texts()? {
                    n += self.ip.add_dprk(&text).map_err(|e| err(&e))?;
                }
                n
            }
        };
        self.versions.insert(feed.id.clone(), feed.version());
        Ok(count)
    }

    pub fn build(self) -> IndicatorSet {
        IndicatorSet {
            rmm: self.rmm,
            kvm: self.kvm,
            ip: self.ip.build(),
            versions: self.versions,
        }
    }
}

/// The version of the curated data compiled into this binary.
fn builtin_version() -> String {
    version_of([
        include_str!("../../indicators/rmm_tools.toml").as_bytes(),
        include_str!("../../indicators/ipkvm.toml").as_bytes(),
        include_str!("../../indicators/network/dprk_ranges.csv").as_bytes(),
        include_str!("../../indicators/zone_countries.tsv").as_bytes(),
    ])
}
