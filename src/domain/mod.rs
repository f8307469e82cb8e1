//! Validated domain types. Input JSON is parsed into these once, at the edge;
//! everything behind the handlers works with values that are known to be good.

pub mod access;
pub mod candidate;
pub mod countries;
pub mod fields;
pub mod osquery;
pub mod settings;
pub mod telemetry;
pub mod values;

pub use candidate::CandidateData;
pub use fields::{FieldError, FieldErrors};
