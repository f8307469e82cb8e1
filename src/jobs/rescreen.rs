//! Re-screening: when a new version of a sanctions list goes live, every
//! live candidate of every tenant is assessed again, so that a person
//! listed after they applied is flagged (and `candidate.rescreened` sent)
//! without waiting for their next update or telemetry report. Only
//! candidates whose outcome changed get a new assessment
//! ([`rescreen_candidate`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::AppState;
use crate::risk::run::{rescreen_candidate, RunError};

/// Candidates read per page.
const PAGE: u32 = 200;

/// How long after a publication the run starts: a refresh of several lists
/// publishes each in turn, and one run after the last serves them all.
const SETTLE: Duration = Duration::from_millis(500);

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rescreened {
    pub candidates: usize,
    /// Those whose outcome changed, and got a new assessment.
    pub changed: usize,
    /// Those that could not be assessed (logged by id); they are tried
    /// again on the next publication.
    pub failed: usize,
}

/// Re-screens after every publication of the live lists, until they are
/// dropped.
pub async fn run(state: Arc<AppState>, mut publications: watch::Receiver<u64>) {
    while publications.changed().await.is_ok() {
        tokio::time::sleep(SETTLE).await;
        publications.borrow_and_update();
        match rescreen_all(&state).await {
            Ok(done) => tracing::info!(
                candidates = done.candidates,
                changed = done.changed,
                failed = done.failed,
                "candidates re-screened after a list update"
            ),
            Err(e) => tracing::warn!(error = %e, "re-screening stopped"),
        }
    }
}

/// Assesses every live candidate of every tenant again.
pub async fn rescreen_all(state: &AppState) -> Result<Rescreened, RunError> {
    let mut done = Rescreened::default();
    for tenant in state.store.list_tenants().await? {
        let mut after = None;
        loop {
            let page = state
                .store
                .list_candidates(tenant.id, None, after, PAGE)
                .await?;
            for record in &page.items {
                let Some(data) = &record.data else { continue };
                done.candidates += 1;
                match rescreen_candidate(state, tenant.id, record.id, data).await {
                    Ok(Some(_)) => done.changed += 1,
                    Ok(None) => {}
                    Err(e) => {
                        // Ids only: the candidate's data is personal.
                        tracing::warn!(candidate = %record.id, error = %e, "re-screening a candidate failed");
                        done.failed += 1;
                    }
                }
            }
            match page.next_after {
                Some(last) => after = Some(last),
                None => break,
            }
        }
    }
    Ok(done)
}
