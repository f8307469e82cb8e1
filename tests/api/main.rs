//! API tests: the real service on 127.0.0.1 against real databases.

mod harness;

mod auth;
mod candidates;
mod cli;
mod lists;
mod operations;
mod screenings;
