//! Risk: the policy that weighs signals into a score and decision, the
//! pure assembly of one assessment from screening hits and indicator
//! signals, and the run that loads a candidate's data, assesses it and
//! records the result with its case and outbox events, and the writers
//! that commit concurrent creates together.

pub mod assess;
pub mod batch;
pub mod events;
pub mod policy;
pub mod run;
pub mod tenant;

pub use policy::{Decision, Policy};
