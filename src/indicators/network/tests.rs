//! Tests of the public IP-intelligence API: builder semantics, the curated
//! defaults, `is_public`, and known facts from the full reference feeds.

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn builtin_finds_dprk_ranges() {
    let intel = IpIntel::builtin();
    let f = intel.lookup(ip("175.45.178.1"));
    assert_eq!(f.country.map(|c| c.to_string()).as_deref(), Some("KP"));
    assert!(f.dprk.unwrap().contains("KP-delegated"));
    assert!(!f.vpn && !f.tor && !f.hosting);
    // Boundaries of 175.45.176.0/22.
    assert!(intel.lookup(ip("175.45.176.0")).dprk.is_some());
    assert!(intel.lookup(ip("175.45.179.255")).dprk.is_some());
    assert_eq!(intel.lookup(ip("175.45.175.255")), IpFacts::default());
    assert_eq!(intel.lookup(ip("175.45.180.0")), IpFacts::default());
    // The cited CN/RU ranges keep their registry country.
    let cn = intel.lookup(ip("210.52.109.77"));
    assert_eq!(cn.country, CountryCode::from_letters("CN"));
    assert!(cn.dprk.unwrap().starts_with("DPRK-used"));
    let ru = intel.lookup(ip("77.94.35.1"));
    assert_eq!(ru.country, CountryCode::from_letters("RU"));
    assert!(ru.dprk.is_some());
    // Mapped IPv6 form reads as the IPv4 address.
    assert_eq!(
        intel.lookup(ip("::ffff:175.45.178.1")).country,
        CountryCode::from_letters("KP")
    );
    let c = intel.counts();
    assert_eq!(c.dprk_entries, 3);
    assert_eq!(c.vpn_entries, 0);
    assert!(IpIntelBuilder::with_builtin().is_ok());
}

#[test]
fn country_overlap_more_specific_wins_and_flags_layer_on_top() {
    let mut b = IpIntelBuilder::new();
    assert_eq!(b.add_country("aa", "# c\n10.1.0.0/16\n").unwrap(), 1);
    assert_eq!(b.add_country("BB", "10.1.5.0/24\r\n").unwrap(), 1);
    assert_eq!(b.add_list(ListKind::Vpn, "10.1.5.128/25\n").unwrap(), 1);
    b.add_ranges_csv(
        ListKind::Hosting,
        "10.1.0.0,10.1.127.255,Big Host,https://x\n10.1.5.0,10.1.5.255,Small Host,\n",
    )
    .unwrap();
    b.add_list(ListKind::Tor, "10.1.5.200\n").unwrap();
    let intel = b.build();

    let f = intel.lookup(ip("10.1.4.1"));
    assert_eq!(f.country, CountryCode::from_letters("AA"));
    assert!(f.hosting && !f.vpn);
    assert_eq!(f.provider, Some("Big Host"));

    let f = intel.lookup(ip("10.1.5.127"));
    assert_eq!(f.country, CountryCode::from_letters("BB"));
    assert!(!f.vpn);
    assert_eq!(f.provider, Some("Small Host"));

    let f = intel.lookup(ip("10.1.5.128"));
    assert_eq!(f.country, CountryCode::from_letters("BB"));
    assert!(f.vpn && f.hosting && !f.tor);

    let f = intel.lookup(ip("10.1.5.200"));
    assert!(f.vpn && f.tor && f.is_flagged());

    let f = intel.lookup(ip("10.1.6.0"));
    assert_eq!(f.country, CountryCode::from_letters("AA"));
    assert_eq!(f.provider, Some("Big Host"));

    let f = intel.lookup(ip("10.1.128.0"));
    assert_eq!(f.country, CountryCode::from_letters("AA"));
    assert!(!f.hosting);
    assert_eq!(f.provider, None);
    assert_eq!(intel.lookup(ip("10.2.0.0")), IpFacts::default());

    let c = intel.counts();
    assert_eq!(
        (
            c.country_prefixes,
            c.vpn_entries,
            c.hosting_entries,
            c.tor_entries
        ),
        (2, 1, 2, 1)
    );
    assert_eq!(c.names, 2);
}

#[test]
fn ipv6_lookup_and_boundaries() {
    let mut b = IpIntelBuilder::new();
    b.add_country("DE", "2a01:4f8::/32\n").unwrap();
    b.add_list(ListKind::Hosting, "2a01:4f8:c0c::/48\n")
        .unwrap();
    b.add_list(ListKind::Tor, "2a01:04f8:0c0c:0000:0000:0000:0000:0001\n")
        .unwrap();
    b.add_country("XX", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120\n")
        .unwrap();
    let intel = b.build();
    assert_eq!(
        intel.lookup(ip("2a01:4f8::")).country,
        CountryCode::from_letters("DE")
    );
    assert_eq!(
        intel
            .lookup(ip("2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff"))
            .country,
        CountryCode::from_letters("DE")
    );
    assert_eq!(
        intel
            .lookup(ip("2a01:4f7:ffff:ffff:ffff:ffff:ffff:ffff"))
            .country,
        None
    );
    assert_eq!(intel.lookup(ip("2a01:4f9::")).country, None);
    let f = intel.lookup(ip("2a01:4f8:c0c::1"));
    assert!(f.tor && f.hosting);
    let f = intel.lookup(ip("2a01:4f8:c0c::2"));
    assert!(!f.tor && f.hosting);
    assert!(!intel.lookup(ip("2a01:4f8:c0d::")).hosting);
    assert!(intel
        .lookup(ip("2a01:4f8:c0b:ffff:ffff:ffff:ffff:ffff"))
        .country
        .is_some());
    assert_eq!(
        intel
            .lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
            .country,
        CountryCode::from_letters("XX")
    );
    // IPv4 tables are untouched by IPv6 feeds.
    assert_eq!(intel.lookup(ip("42.1.2.3")), IpFacts::default());
}

#[test]
fn dprk_list_and_named_ranges() {
    let mut b = IpIntelBuilder::new();
    b.add_list(ListKind::Dprk, "1.2.3.0/24\n").unwrap();
    b.add_ranges_csv(ListKind::Dprk, "5.5.5.0,5.5.5.9,Front company X\n")
        .unwrap();
    let intel = b.build();
    assert_eq!(
        intel.lookup(ip("1.2.3.4")).dprk,
        Some("listed as DPRK network")
    );
    let f = intel.lookup(ip("5.5.5.9"));
    assert_eq!(f.dprk, Some("Front company X"));
    assert_eq!(f.provider, None);
    assert_eq!(intel.lookup(ip("5.5.5.10")).dprk, None);
}

#[test]
fn failed_add_keeps_nothing() {
    let mut b = IpIntelBuilder::new();
    assert!(matches!(
        b.add_country("USA", "1.0.0.0/8"),
        Err(FeedError::Country(_))
    ));
    let err = b
        .add_list(ListKind::Vpn, "1.0.0.0/8\n\nnot-an-ip\n")
        .unwrap_err();
    assert!(err.to_string().starts_with("line 3:"), "{err}");
    assert!(b
        .add_ranges_csv(ListKind::Hosting, "2.0.0.0,2.0.0.255,A\n2.0.1.0\n")
        .is_err());
    let intel = b.build();
    assert_eq!(intel.lookup(ip("1.2.3.4")), IpFacts::default());
    assert_eq!(intel.lookup(ip("2.0.0.1")), IpFacts::default());
    assert_eq!(intel.counts().v4_intervals, 1);
}

#[test]
fn country_dir_walks_ipverse_layout() {
    let root = std::env::temp_dir().join(format!("ipintel-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("country/kp")).unwrap();
    std::fs::create_dir_all(root.join("country/de")).unwrap();
    std::fs::create_dir_all(root.join("country/not-a-cc")).unwrap();
    std::fs::write(
        root.join("country/kp/ipv4-aggregated.txt"),
        "# KP\n175.45.176.0/22\n",
    )
    .unwrap();
    std::fs::write(root.join("country/de/ipv4-aggregated.txt"), "5.9.0.0/16\n").unwrap();
    std::fs::write(
        root.join("country/de/ipv6-aggregated.txt"),
        "2a01:4f8::/32\n",
    )
    .unwrap();
    let mut b = IpIntelBuilder::new();
    assert_eq!(b.add_country_dir(&root).unwrap(), 3);
    std::fs::write(
        root.join("country/de/ipv6-aggregated.txt"),
        "2a01:4f8::/32\nbad\n",
    )
    .unwrap();
    let err = IpIntelBuilder::new().add_country_dir(&root).unwrap_err();
    assert!(
        err.to_string().contains("ipv6-aggregated.txt: line 2"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
    let intel = b.build();
    assert_eq!(
        intel.lookup(ip("175.45.177.1")).country,
        CountryCode::from_letters("KP")
    );
    assert_eq!(
        intel.lookup(ip("2a01:4f8::1")).country,
        CountryCode::from_letters("DE")
    );
    assert!(IpIntelBuilder::new()
        .add_country_dir(Path::new("/nonexistent/x"))
        .is_err());
}

#[test]
fn is_public_cases() {
    for s in [
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.255",
        "127.0.0.1",
        "169.254.1.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.255",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "3fff::1",
        "2001::1",
        "::ffff:10.0.0.1",
        "64:ff9b::192.168.0.1",
        "64:ff9b:1::1",
        "100::1",
        "2002:c0a8:0101::1",
        "fec0::1",
    ] {
        assert!(!is_public(ip(s)), "{s} should not be public");
    }
    for s in [
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "175.45.178.1",
        "192.169.0.1",
        "223.255.255.255",
        "2a01:4f8::1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:0808:0808::1",
        "2001:200::1",
    ] {
        assert!(is_public(ip(s)), "{s} should be public");
    }
}

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indicators/ip");

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(SHARED).join(rel)).unwrap()
}

#[test]
fn full_reference_feeds_known_facts() {
    let root = Path::new(SHARED);
    if !root.join("ipverse_country_ip_blocks/country").is_dir() {
        eprintln!("skipping: reference feeds not found under {SHARED}");
        return;
    }
    let mut b = IpIntelBuilder::with_builtin().unwrap();
    let countries = b
        .add_country_dir(&root.join("ipverse_country_ip_blocks"))
        .unwrap();
    assert!(countries > 200_000, "{countries}");
    b.add_country("KP", &read("herrbischoff_country_ip_blocks/ipv4/kp.cidr"))
        .unwrap();
    for f in ["vpn/ipv4.txt", "vpn/ipv6.txt"] {
        b.add_list(
            ListKind::Vpn,
            &read(&format!("x4bnet_lists_vpn/output/{f}")),
        )
        .unwrap();
    }
    for f in ["datacenter/ipv4.txt", "datacenter/ipv6.txt"] {
        b.add_list(
            ListKind::Hosting,
            &read(&format!("x4bnet_lists_vpn/output/{f}")),
        )
        .unwrap();
    }
    let dc = b
        .add_ranges_csv(ListKind::Hosting, &read("client9_ipcat/datacenters.csv"))
        .unwrap();
    assert_eq!(dc, 3429);
    let tor = b
        .add_list(ListKind::Tor, &read("secops_tor/tor-exit-nodes.lst"))
        .unwrap();
    assert_eq!(tor, 1746);
    assert_eq!(b.add_dprk(&read("dprk_ranges.csv")).unwrap(), 3);
    let intel = b.build();
    eprintln!("{:?}", intel.counts());

    let f = intel.lookup(ip("175.45.177.5"));
    assert_eq!(f.country, CountryCode::from_letters("KP"));
    assert!(f.dprk.is_some());

    let f = intel.lookup(ip("8.8.8.8"));
    assert_eq!(f.country, CountryCode::from_letters("US"));
    assert!(f.dprk.is_none() && !f.tor);

    // datacenters.csv: 5.9.0.0,5.9.255.255,Hetzner Online AG,...
    let f = intel.lookup(ip("5.9.10.20"));
    assert!(f.hosting);
    assert_eq!(f.provider, Some("Hetzner Online AG"));
    assert_eq!(f.country, CountryCode::from_letters("DE"));
    // datacenters.csv: 5.101.96.0,5.101.111.255,DigitalOcean,... (last address)
    assert_eq!(
        intel.lookup(ip("5.101.111.255")).provider,
        Some("DigitalOcean")
    );

    // tor-exit-nodes.lst: first v4 and a v6 entry.
    assert!(intel.lookup(ip("101.99.92.179")).tor);
    assert!(intel.lookup(ip("2001:470:1:908::9001")).tor);
    assert!(!intel.lookup(ip("2001:470:1:908::9002")).tor);

    // ipverse country/ae/ipv6-aggregated.txt: 2001:67c:2040::/48.
    assert_eq!(
        intel.lookup(ip("2001:67c:2040::1")).country,
        CountryCode::from_letters("AE")
    );

    // The cited CN range: CN from the /15, DPRK note from the curated /24.
    let f = intel.lookup(ip("210.52.109.1"));
    assert_eq!(f.country, CountryCode::from_letters("CN"));
    assert!(f.dprk.is_some());
    assert!(intel.lookup(ip("210.52.110.1")).dprk.is_none());

    // x4bnet vpn/ipv4.txt first entry.
    assert!(intel.lookup(ip("2.26.157.1")).vpn);

    let c = intel.counts();
    assert!(c.v4_intervals > 100_000 && c.v6_intervals > 50_000, "{c:?}");
}
