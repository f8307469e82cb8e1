//! Parsers for the feed formats the IP-intelligence tables are built from:
//! CIDR-per-line (ipverse, herrbischoff, X4BNet), IP-per-line (Tor exit
//! lists), `start,end,name[,url]` range CSV (client9 ipcat) and the curated
//! DPRK CSV (`cidr,country,note`).
//!
//! Policy: a feed is accepted whole or not at all. The first malformed line
//! yields [`FeedError::Line`] with its 1-based line number, because a feed
//! that silently loses lines (or is an HTML error page served with 200) would
//! otherwise turn into a quietly emptier table.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use super::CountryCode;

/// Why a feed could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// A line that is neither blank, a comment, nor a valid record.
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    /// A country code that is not two ASCII letters.
    #[error("invalid country code {0:?}")]
    Country(String),
    /// Provider/note names are interned as `u16` to keep table cells at 8 bytes.
    #[error("too many distinct provider/note names (limit {limit})")]
    TooManyNames { limit: usize },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A parse error inside a file read by a directory helper.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: Box<FeedError>,
    },
}

fn line_err(line: usize, reason: impl Into<String>) -> FeedError {
    FeedError::Line {
        line,
        reason: reason.into(),
    }
}

/// An inclusive address range; both ends are of the same family and
/// `first <= last` (the parsers guarantee it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    pub first: IpAddr,
    pub last: IpAddr,
}

impl IpRange {
    /// Builds a range, rejecting mixed families and reversed ends.
    pub fn new(first: IpAddr, last: IpAddr) -> Option<Self> {
        match (first, last) {
            (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => Some(Self { first, last }),
            (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Some(Self { first, last }),
            _ => None,
        }
    }

    pub fn host(ip: IpAddr) -> Self {
        Self {
            first: ip,
            last: ip,
        }
    }

    pub fn is_v6(&self) -> bool {
        self.first.is_ipv6()
    }

    /// `(is_v6, first, last)` as integers, the form the table builder sweeps.
    pub(crate) fn to_u128(self) -> (bool, u128, u128) {
        (self.is_v6(), ip_to_u128(self.first), ip_to_u128(self.last))
    }
}

pub(crate) fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// A range with the provider (or list entry) name a feed gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRange {
    pub range: IpRange,
    pub name: String,
}

/// One row of the curated DPRK format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DprkRange {
    pub range: IpRange,
    /// Registry country, if the row names one.
    pub country: Option<CountryCode>,
    pub note: String,
}

/// Strips an inline `#` comment and surrounding whitespace (incl. a CR the
/// line splitter left behind on odd line endings).
fn content(line: &str) -> &str {
    let line = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    line.trim()
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parses `a.b.c.d/len`, `x:y::/len`, or a bare address (a host route).
/// Host bits below the prefix length are cleared: several feeds write
/// `1.2.3.4/24` meaning the network.
pub fn parse_cidr(s: &str) -> Result<IpRange, String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a.trim(), Some(l.trim())),
        None => (s.trim(), None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("not an IP address: {addr:?}"))?;
    let Some(len) = len else {
        return Ok(IpRange::host(ip));
    };
    let len: u32 = len
        .parse()
        .map_err(|_| format!("bad prefix length: {len:?}"))?;
    match ip {
        IpAddr::V4(a) => {
            if len > 32 {
                return Err(format!("prefix length {len} > 32"));
            }
            let host_mask = u32::MAX.checked_shr(len).unwrap_or(0);
            let start = u32::from(a) & !host_mask;
            Ok(IpRange {
                first: IpAddr::V4(Ipv4Addr::from(start)),
                last: IpAddr::V4(Ipv4Addr::from(start | host_mask)),
            })
        }
        IpAddr::V6(a) => {
            if len > 128 {
                return Err(format!("prefix length {len} > 128"));
            }
            let host_mask = u128::MAX.checked_shr(len).unwrap_or(0);
            let start = u128::from(a) & !host_mask;
            Ok(IpRange {
                first: IpAddr::V6(Ipv6Addr::from(start)),
                last: IpAddr::V6(Ipv6Addr::from(start | host_mask)),
            })
        }
    }
}

/// One prefix per line (IPv4 and/or IPv6); bare addresses count as host
/// routes. Formats: ipverse `*-aggregated.txt`, herrbischoff `*.cidr`,
/// X4BNet `output/*/ipv{4,6}.txt`.
pub fn parse_cidr_list(text: &str) -> Result<Vec<IpRange>, FeedError> {
    let mut out = Vec::new();
    for (i, raw) in strip_bom(text).lines().enumerate() {
        let line = content(raw);
        if line.is_empty() {
            continue;
        }
        out.push(parse_cidr(line).map_err(|r| line_err(i + 1, r))?);
    }
    Ok(out)
}

/// One address per line (Tor exit lists); each becomes a /32 or /128.
/// Unlike [`parse_cidr_list`] a prefix is an error here: an exit list that
/// suddenly contains networks has changed meaning.
pub fn parse_ip_list(text: &str) -> Result<Vec<IpRange>, FeedError> {
    let mut out = Vec::new();
    for (i, raw) in strip_bom(text).lines().enumerate() {
        let line = content(raw);
        if line.is_empty() {
            continue;
        }
        let ip: IpAddr = line
            .parse()
            .map_err(|_| line_err(i + 1, format!("not an IP address: {line:?}")))?;
        out.push(IpRange::host(ip));
    }
    Ok(out)
}

fn csv_line(pos: Option<&csv::Position>, fallback: usize) -> usize {
    pos.map(|p| p.line() as usize).unwrap_or(fallback)
}

fn parse_ip_field(s: &str, line: usize, what: &str) -> Result<IpAddr, FeedError> {
    s.parse()
        .map_err(|_| line_err(line, format!("{what} is not an IP address: {s:?}")))
}

/// `start,end,name[,url...]` with inclusive ends (client9 ipcat
/// `datacenters.csv`). Quoted names with commas are fine; a first row whose
/// start column has no digit is taken as a header and skipped.
pub fn parse_range_csv(text: &str) -> Result<Vec<NamedRange>, FeedError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(strip_bom(text).as_bytes());
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| line_err(csv_line(e.position(), n + 1), e.to_string()))?;
        let line = csv_line(rec.position(), n + 1);
        let start = rec.get(0).unwrap_or("");
        if n == 0 && !start.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        if rec.len() < 3 {
            return Err(line_err(
                line,
                format!("expected start,end,name; got {} field(s)", rec.len()),
            ));
        }
        let first = parse_ip_field(start, line, "start")?;
        let last = parse_ip_field(rec.get(1).unwrap_or(""), line, "end")?;
        let range = IpRange::new(first, last)
            .ok_or_else(|| line_err(line, "start and end differ in family or are reversed"))?;
        let name = rec.get(2).unwrap_or("").to_string();
        if name.is_empty() {
            return Err(line_err(line, "empty provider name"));
        }
        out.push(NamedRange { range, name });
    }
    Ok(out)
}

/// The curated DPRK CSV: a header naming a `cidr` column, optionally
/// `country` (or `registry_country`) and `note` (or `notes`); other columns
/// (e.g. `source`) are ignored. A country cell may carry a remark after the
/// code (`CN (inside 210.52.0.0/15 ...)`); only the leading code is used.
pub fn parse_dprk_csv(text: &str) -> Result<Vec<DprkRange>, FeedError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(strip_bom(text).as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| line_err(csv_line(e.position(), 1), e.to_string()))?
        .clone();
    let header_line = csv_line(headers.position(), 1);
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let cidr_col = col(&["cidr", "prefix", "network"])
        .ok_or_else(|| line_err(header_line, "header has no `cidr` column"))?;
    let cc_col = col(&["country", "registry_country", "cc"]);
    let note_col = col(&["note", "notes"]);
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| line_err(csv_line(e.position(), n + 2), e.to_string()))?;
        let line = csv_line(rec.position(), n + 2);
        let cidr = rec.get(cidr_col).unwrap_or("");
        let range = parse_cidr(cidr).map_err(|r| line_err(line, r))?;
        let country = match cc_col.and_then(|c| rec.get(c)) {
            None | Some("") => None,
            Some(cell) => {
                let code = cell.split([' ', '(', ';']).next().unwrap_or("");
                Some(
                    CountryCode::from_letters(code)
                        .ok_or_else(|| line_err(line, format!("bad country code in {cell:?}")))?,
                )
            }
        };
        let note = note_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
            .unwrap_or("listed as DPRK network")
            .to_string();
        out.push(DprkRange {
            range,
            country,
            note,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn line_of(e: FeedError) -> usize {
        match e {
            FeedError::Line { line, .. } => line,
            other => panic!("expected a line error, got {other}"),
        }
    }

    #[test]
    fn cidr_list_tolerates_comments_blank_lines_crlf_and_bom() {
        let text = "\u{feff}# Country: X\r\n\r\n10.0.0.0/8\r\n  192.168.1.7/24  # host bits set\r\n2001:db8::/32\r\n1.2.3.4\n";
        let got = parse_cidr_list(text).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].first, v4("10.0.0.0"));
        assert_eq!(got[0].last, v4("10.255.255.255"));
        assert_eq!(got[1].first, v4("192.168.1.0"));
        assert_eq!(got[1].last, v4("192.168.1.255"));
        assert_eq!(got[2].last, v4("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
        assert_eq!(got[3], IpRange::host(v4("1.2.3.4")));
    }

    #[test]
    fn cidr_edge_lengths() {
        let all = parse_cidr("0.0.0.0/0").unwrap();
        assert_eq!(all.last, v4("255.255.255.255"));
        let all6 = parse_cidr("::/0").unwrap();
        assert_eq!(all6.last, IpAddr::V6(Ipv6Addr::from(u128::MAX)));
        assert_eq!(
            parse_cidr("1.2.3.4/32").unwrap(),
            IpRange::host(v4("1.2.3.4"))
        );
        assert!(parse_cidr("1.2.3.4/33").is_err());
        assert!(parse_cidr("::/129").is_err());
        assert!(parse_cidr("1.2.3.4/x").is_err());
        assert!(parse_cidr("1.2.3/24").is_err());
    }

    #[test]
    fn cidr_list_bad_line_names_its_line() {
        let text = "# hdr\n10.0.0.0/8\n\n<html>\n";
        assert_eq!(line_of(parse_cidr_list(text).unwrap_err()), 4);
        let text = "1.0.0.0/8\r\n1.0.0.0/40\r\n";
        let err = parse_cidr_list(text).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn ip_list_accepts_both_families_and_rejects_prefixes() {
        let text = "101.99.92.179\r\n# c\n2001:0470:0001:0908:0000:0000:0000:9001\n";
        let got = parse_ip_list(text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].first, v4("2001:470:1:908::9001"));
        assert!(got[1].is_v6());
        assert_eq!(
            line_of(parse_ip_list("1.2.3.4\n5.6.7.0/24\n").unwrap_err()),
            2
        );
        assert_eq!(line_of(parse_ip_list("\n\nbogus\n").unwrap_err()), 3);
    }

    #[test]
    fn range_csv_parses_quoted_names_and_skips_header() {
        let text = "start,end,name,url\r\n3.0.0.0,3.1.255.255,Amazon AWS,http://www.amazon.com/aws/\r\n# c\r\n64.5.32.0,64.5.63.255,\"ThePlanet.com Internet Services, Inc.\",http://theplanet.com\r\n2001:db8::,2001:db8::ff,V6 Host\r\n";
        let got = parse_range_csv(text).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].name, "Amazon AWS");
        assert_eq!(got[0].range.last, v4("3.1.255.255"));
        assert_eq!(got[1].name, "ThePlanet.com Internet Services, Inc.");
        assert!(got[2].range.is_v6());
    }

    #[test]
    fn range_csv_bad_lines() {
        // Reversed range.
        let e = parse_range_csv("1.0.0.0,1.0.0.255,A\n2.0.0.9,2.0.0.1,B\n").unwrap_err();
        assert_eq!(line_of(e), 2);
        // Mixed families.
        let e = parse_range_csv("1.0.0.0,::1,A\n").unwrap_err();
        assert_eq!(line_of(e), 1);
        // Too few fields, after a comment line.
        let e = parse_range_csv("# x\n1.0.0.0,1.0.0.255,A\n1.0.0.0,1.0.0.1\n").unwrap_err();
        assert_eq!(line_of(e), 3);
        // Garbage start.
        let e = parse_range_csv("1.0.0.0,1.0.0.255,A\nx1,1.0.0.1,B\n").unwrap_err();
        assert_eq!(line_of(e), 2);
    }

    #[test]
    fn dprk_csv_accepts_curated_and_reference_shapes() {
        let curated =
            "# c\ncidr,country,note\n175.45.176.0/22,KP,\"Star JV, Pyongyang\"\n77.94.35.0/24,,\n";
        let got = parse_dprk_csv(curated).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].country, CountryCode::from_letters("kp"));
        assert_eq!(got[0].note, "Star JV, Pyongyang");
        assert_eq!(got[1].country, None);
        assert_eq!(got[1].note, "listed as DPRK network");

        let reference = "cidr,registry_country,notes,source\r\n210.52.109.0/24,CN (inside 210.52.0.0/15 China Unicom delegation),\"Widely cited\",\"x, y\"\r\n";
        let got = parse_dprk_csv(reference).unwrap();
        assert_eq!(got[0].country, CountryCode::from_letters("CN"));
        assert_eq!(got[0].range.first, v4("210.52.109.0"));
        assert_eq!(got[0].note, "Widely cited");
    }

    #[test]
    fn dprk_csv_bad_lines() {
        let e =
            parse_dprk_csv("cidr,country,note\n1.2.3.0/24,KP,a\n1.2.3.0/99,KP,b\n").unwrap_err();
        assert_eq!(line_of(e), 3);
        let e = parse_dprk_csv("cidr,country,note\n1.2.3.0/24,Korea,a\n").unwrap_err();
        assert_eq!(line_of(e), 2);
        let e = parse_dprk_csv("prefix_nope,note\n1.2.3.0/24,a\n").unwrap_err();
        assert_eq!(line_of(e), 1);
        assert!(parse_dprk_csv("").is_err());
    }
}
