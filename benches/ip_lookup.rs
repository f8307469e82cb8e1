//! Lookup throughput and build time of the IP-intelligence tables over the
//! full reference feeds (all ipverse countries v4+v6, X4BNet VPN and
//! datacenter lists, client9 datacenter ranges, Tor exits, DPRK ranges).
//!
//! Run: `cargo bench --bench ip_lookup`. Skips (prints why) if the reference
//! feeds are absent. Set `IPINTEL_DATA` to point elsewhere.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

// The one line to change when moving this bench into the main crate.
use hirevet::indicators::network as ipintel;

use ipintel::{IpIntel, IpIntelBuilder, IpRange, ListKind};

fn data_dir() -> PathBuf {
    std::env::var_os("IPINTEL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/data/indicators/ip"
            ))
        })
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const LISTS: [(ListKind, &str); 5] = [
    (ListKind::Vpn, "x4bnet_lists_vpn/output/vpn/ipv4.txt"),
    (ListKind::Vpn, "x4bnet_lists_vpn/output/vpn/ipv6.txt"),
    (
        ListKind::Hosting,
        "x4bnet_lists_vpn/output/datacenter/ipv4.txt",
    ),
    (
        ListKind::Hosting,
        "x4bnet_lists_vpn/output/datacenter/ipv6.txt",
    ),
    (ListKind::Tor, "secops_tor/tor-exit-nodes.lst"),
];

/// All feed texts, read once so the build bench measures parsing + sweep only.
struct Feeds {
    countries: Vec<(String, String)>,
    lists: Vec<(ListKind, String)>,
    ranges_csv: String,
    dprk: String,
}

fn read_feeds(root: &Path) -> Feeds {
    let cdir = root.join("ipverse_country_ip_blocks/country");
    let mut countries = Vec::new();
    let mut ccs: Vec<_> = std::fs::read_dir(&cdir)
        .expect("country dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ccs.sort();
    for cc in ccs {
        for f in ["ipv4-aggregated.txt", "ipv6-aggregated.txt"] {
            if let Ok(text) = std::fs::read_to_string(cdir.join(&cc).join(f)) {
                countries.push((cc.clone(), text));
            }
        }
    }
    Feeds {
        countries,
        lists: LISTS.iter().map(|&(k, p)| (k, read(root, p))).collect(),
        ranges_csv: read(root, "client9_ipcat/datacenters.csv"),
        dprk: read(root, "dprk_ranges.csv"),
    }
}

fn build(feeds: &Feeds) -> IpIntel {
    let mut b = IpIntelBuilder::with_builtin().expect("builtin");
    for (cc, text) in &feeds.countries {
        b.add_country(cc, text).expect("country");
    }
    for (kind, text) in &feeds.lists {
        b.add_list(*kind, text).expect("list");
    }
    b.add_ranges_csv(ListKind::Hosting, &feeds.ranges_csv)
        .expect("csv");
    b.add_dprk(&feeds.dprk).expect("dprk");
    b.build()
}

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn inside(r: &IpRange, rng: &mut Rng) -> IpAddr {
    match (r.first, r.last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (a, b) = (u32::from(a), u32::from(b));
            let span = u64::from(b - a) + 1;
            IpAddr::V4(Ipv4Addr::from(a + (rng.next() % span) as u32))
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (a, b) = (u128::from(a), u128::from(b));
            let r = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            let off = if b - a == u128::MAX {
                r
            } else {
                r % (b - a + 1)
            };
            IpAddr::V6(Ipv6Addr::from(a + off))
        }
        _ => r.first,
    }
}

/// A realistic mix: ~65% IPv4, ~35% IPv6; hits inside country prefixes,
/// VPN/hosting/Tor entries, plus uniformly random addresses (v4: mostly
/// country hits, some gaps; v6 in 2000::/3: mostly misses).
fn addresses(feeds: &Feeds, n: usize) -> Vec<IpAddr> {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for (_, text) in &feeds.countries {
        for r in ipintel::parse_cidr_list(text).expect("country") {
            if r.is_v6() {
                v6.push(r);
            } else {
                v4.push(r);
            }
        }
    }
    let flagged: Vec<IpRange> = feeds
        .lists
        .iter()
        .flat_map(|(_, t)| ipintel::parse_cidr_list(t).expect("list"))
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| match rng.below(100) {
            0..=34 => inside(&v4[rng.below(v4.len())], &mut rng),
            35..=49 => inside(&flagged[rng.below(flagged.len())], &mut rng),
            50..=64 => IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
            65..=84 => inside(&v6[rng.below(v6.len())], &mut rng),
            _ => {
                let hi = (u128::from(rng.next()) << 64) | u128::from(rng.next());
                IpAddr::V6(Ipv6Addr::from((hi >> 3) | (1u128 << 125)))
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let root = data_dir();
    if !root.join("ipverse_country_ip_blocks/country").is_dir() {
        eprintln!(
            "ip_lookup: reference feeds not found under {}; skipping",
            root.display()
        );
        return;
    }
    let feeds = read_feeds(&root);
    let t = Instant::now();
    let intel = build(&feeds);
    eprintln!(
        "ip_lookup: one build took {:?}; {:?}",
        t.elapsed(),
        intel.counts()
    );

    let addrs = addresses(&feeds, 1 << 16);
    let flagged = addrs
        .iter()
        .filter(|&&a| intel.lookup(a).is_flagged())
        .count();
    let with_cc = addrs
        .iter()
        .filter(|&&a| intel.lookup(a).country.is_some())
        .count();
    eprintln!(
        "ip_lookup: {} addresses, {} with country, {} flagged",
        addrs.len(),
        with_cc,
        flagged
    );

    let mut g = c.benchmark_group("ip_lookup");
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function("lookup_mixed_64k", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for &a in &addrs {
                let f = intel.lookup(black_box(a));
                n += usize::from(f.country.is_some()) + usize::from(f.is_flagged());
            }
            n
        })
    });
    for (name, want_v6) in [("lookup_v4_only", false), ("lookup_v6_only", true)] {
        let subset: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|a| a.is_ipv6() == want_v6)
            .collect();
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for &a in &subset {
                    let f = intel.lookup(black_box(a));
                    n += usize::from(f.country.is_some()) + usize::from(f.is_flagged());
                }
                n
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ip_intel_build");
    g.sample_size(10);
    g.bench_function("build_full", |b| {
        b.iter_batched(|| (), |()| build(&feeds), BatchSize::PerIteration)
    });
    g.finish();
}

criterion_group!(ip_lookup, benches);
criterion_main!(ip_lookup);
