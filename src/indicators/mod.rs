//! Device and network indicators of IT-worker schemes: remote-access tools,
//! IP-KVM hardware, IP intelligence, consistency of the claimed location with
//! what the device shows, and linkage between candidates. Every finding is a
//! [`Signal`]. Nothing here knows HTTP or SQL.

pub mod consistency;
pub mod feeds;
pub mod ip_signals;
pub mod kvm;
pub mod linkage;
pub mod network;
pub mod rmm;
pub mod set;
pub mod signal;

pub use set::IndicatorSet;
pub use signal::{Category, Severity, Signal};
