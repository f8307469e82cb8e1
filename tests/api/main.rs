//! API tests: the real service on 127.0.0.1 against real databases.

mod harness;
#[path = "../support/smtp_sink.rs"]
mod smtp_sink;

mod auth;
mod candidates;
mod cli;
mod lists;
mod operations;
mod risk;
mod screenings;
mod telemetry;
