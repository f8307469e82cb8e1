//! Parsers for the official sanctions-list formats, one module per format,
//! all producing the same [`ListEntry`] model inside a [`ParseReport`] whose
//! counts let the caller refuse a damaged or truncated download.
//!
//! - [`ofac_csv`]: OFAC legacy CSV, SDN (`us_ofac_sdn`) and non-SDN
//!   consolidated (`us_ofac_cons`) sets.
//! - [`un_xml`]: UN Security Council consolidated XML (`un_sc`).

pub mod entry;
pub mod ofac_csv;
pub mod un_xml;

pub use entry::{
    country_code, normalize_country, Address, Alias, AliasQuality, BirthDate, CryptoAddress,
    EntryKind, Gender, Identifier, IdentifierKind, ListEntry, ListFormatError, NameParts,
    ParseReport, PartialDate,
};
pub use ofac_csv::{parse_ofac_csv, NamedInput, OfacFile, LIST_CONS, LIST_SDN};
pub use un_xml::{parse_un_xml, LIST_UN};
