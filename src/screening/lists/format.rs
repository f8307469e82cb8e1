//! The list formats hirevet reads, and one entry point that hands a set of
//! downloaded or imported files to the right parser.

use serde::{Deserialize, Serialize};

use super::entry::{ListFormatError, ParseReport};
use super::eu_fsf::parse_eu_fsf_xml;
use super::ftm_json::parse_ftm_json;
use super::ofac_csv::{parse_ofac_csv, NamedInput};
use super::uk_csv::parse_uk_csv;
use super::un_xml::parse_un_xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    /// OFAC legacy CSV: sdn/add/alt/comments (or the cons_* set).
    OfacCsv,
    /// UN Security Council consolidated XML.
    UnXml,
    /// EU Financial Sanctions Files XML (FSF 1.1).
    EuFsfXml,
    /// UK Sanctions List CSV (FCDO).
    UkCsv,
    /// FollowTheMoney JSON lines (OpenSanctions exports).
    FtmJson,
}

impl ListFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::OfacCsv => "ofac_csv",
            ListFormat::UnXml => "un_xml",
            ListFormat::EuFsfXml => "eu_fsf_xml",
            ListFormat::UkCsv => "uk_csv",
            ListFormat::FtmJson => "ftm_json",
        }
    }

    /// Parses the files of one list, labelling its entries with `list_id`
    /// (the configured source id). Single-file formats take exactly one.
    pub fn parse(
        self,
        list_id: &str,
        files: &[(String, Vec<u8>)],
    ) -> Result<ParseReport, ListFormatError> {
        let mut report = self.parse_files(list_id, files)?;
        report.list = list_id.to_string();
        for entry in &mut report.entries {
            entry.list = list_id.to_string();
        }
        Ok(report)
    }

    fn parse_files(
        self,
        list_id: &str,
        files: &[(String, Vec<u8>)],
    ) -> Result<ParseReport, ListFormatError> {
        match self {
            ListFormat::OfacCsv => {
                let inputs: Vec<NamedInput<'_>> = files
                    .iter()
                    .map(|(name, bytes)| NamedInput::new(name, bytes))
                    .collect();
                parse_ofac_csv(&inputs)
            }
            ListFormat::UnXml => {
                let (name, bytes) = single(files)?;
                parse_un_xml(name, bytes)
            }
            ListFormat::EuFsfXml => {
                let (name, bytes) = single(files)?;
                parse_eu_fsf_xml(name, bytes)
            }
            ListFormat::UkCsv => {
                let (name, bytes) = single(files)?;
                parse_uk_csv(name, bytes)
            }
            ListFormat::FtmJson => {
                let (name, bytes) = single(files)?;
                parse_ftm_json(list_id, name, bytes)
            }
        }
    }
}

fn single(files: &[(String, Vec<u8>)]) -> Result<(&str, &[u8]), ListFormatError> {
    match files {
        [(name, bytes)] => Ok((name, bytes)),
        [] => Err(ListFormatError::MissingInput("no file given".into())),
        _ => Err(ListFormatError::MissingInput(format!(
            "this format is one file; {} were given",
            files.len()
        ))),
    }
}

impl std::str::FromStr for ListFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map_err(|_| format!("unknown list format {s:?}"))
    }
}
