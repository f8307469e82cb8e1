//! hirevet: vets remote job candidates for the signs of North Korean
//! IT-worker schemes. This crate holds the whole service; `main.rs` is only
//! its command line. See DESIGN.md (in the steering repo) and README.md.

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod indicators;
pub mod jobs;
pub mod notify;
pub mod observability;
pub mod risk;
pub mod screening;
pub mod store;
