//! Talking to the outside: signed webhook deliveries and alert emails.
//! Only this module (and list/feed fetching in `jobs`) opens outbound
//! connections.

pub mod email;
pub mod webhook;
