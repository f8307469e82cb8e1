//! The live indicator set: every catalog and IP table one evaluation needs,
//! built together and swapped whole, and the evaluation of one telemetry
//! report against it.

use std::collections::BTreeMap;

use super::consistency::{
    language_signals, timezone_signals, virtual_machine_signals, ClaimedPlace,
};
use super::ip_signals::ip_signals;
use super::kvm::KvmCatalog;
use super::network::IpIntel;
use super::rmm::{RmmCatalog, SoftwareAllowList};
use super::signal::Signal;
use crate::domain::telemetry::Telemetry;

pub struct IndicatorSet {
    pub rmm: RmmCatalog,
    pub kvm: KvmCatalog,
    pub ip: IpIntel,
    /// Feed id (and `builtin`) to content version, for assessments.
    pub versions: BTreeMap<String, String>,
}

impl IndicatorSet {
    /// Only the curated defaults.
    pub fn builtin() -> IndicatorSet {
        super::feeds::SetBuilder::new().build()
    }

    /// Every device, network and consistency signal one report raises.
    /// Linkage needs the store and is added by the caller.
    pub fn evaluate(
        &self,
        claim: &ClaimedPlace,
        allow: &SoftwareAllowList,
        t: &Telemetry,
    ) -> Vec<Signal> {
        let mut out = self.rmm.detect(&t.osquery, allow);
        out.extend(self.kvm.detect(&t.osquery));
        out.extend(ip_signals(&self.ip, claim, t));
        out.extend(timezone_signals(claim, t));
        out.extend(language_signals(claim, t));
        out.extend(virtual_machine_signals(t));
        out
    }
}
