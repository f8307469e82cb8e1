//! Sanctions lists: one parser per official format, all producing the same
//! [`ListEntry`] model inside a [`ParseReport`] whose counts let the caller
//! refuse a damaged or truncated download; the sanity gates a new version
//! must pass; diffs between versions; and the live versions in memory.
//!
//! - [`ofac_csv`]: OFAC legacy CSV, SDN (`us_ofac_sdn`) and non-SDN
//!   consolidated (`us_ofac_cons`) sets.
//! - [`un_xml`]: UN Security Council consolidated XML (`un_sc`).
//! - [`eu_fsf`]: EU Financial Sanctions Files XML 1.1 (`eu_fsf`).
//! - [`uk_csv`]: UK Sanctions List CSV from the FCDO (`uk_sanctions`).
//! - [`ftm_json`]: FollowTheMoney JSON lines, OpenSanctions' export
//!   format (`opensanctions` or any id the operator chooses).

pub mod diff;
pub mod entry;
pub mod eu_fsf;
pub mod format;
pub mod ftm_json;
pub mod gate;
pub mod live;
pub mod ofac_csv;
pub mod uk_csv;
pub mod un_xml;

pub use diff::ListDiff;
pub use entry::{
    country_code, normalize_country, Address, Alias, AliasQuality, BirthDate, CryptoAddress,
    EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError, NameParts,
    ParseReport, PartialDate,
};
pub use eu_fsf::{parse_eu_fsf_xml, LIST_EU};
pub use format::ListFormat;
pub use ftm_json::{parse_ftm_json, LIST_OPENSANCTIONS};
pub use gate::GatePolicy;
pub use live::{LiveList, LiveLists, LiveSet, SnapshotMeta};
pub use ofac_csv::{parse_ofac_csv, NamedInput, OfacFile, LIST_CONS, LIST_SDN};
pub use uk_csv::{parse_uk_csv, LIST_UK};
pub use un_xml::{parse_un_xml, LIST_UN};
