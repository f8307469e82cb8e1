//! Re-screening: when a new version of a sanctions list goes live, every
//! live candidate of every tenant is assessed again, so that a person
//! listed after they applied is flagged (and `candidate.rescreened` sent)
//! without waiting for their next update or telemetry report. Only
//! candidates whose outcome changed get a new assessment
//! ([`rescreen_candidate`]). Each tenant's finished run records the list
//! versions it covered; a server that starts with other versions live
//! (imported by the command line while no server ran, or a run a restart
//! cut short) re-screens the tenants they are new to at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use crate::app::AppState;
use crate::risk::run::{rescreen_candidate, RunError};

/// Candidates read per page.
const PAGE: u32 = 200;

/// How long after a publication the run starts: a refresh of several lists
/// publishes each in turn, and one run after the last serves them all.
const SETTLE: Duration = Duration::from_millis(500);

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
struct Rescreened {
    candidates: usize,
    /// Those whose outcome changed, and got a new assessment.
    changed: usize,
    /// Those that could not be assessed (logged by id); they are tried
    /// again on the next publication or start.
    failed: usize,
}

/// Which tenants a run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenants {
    Every,
    /// Those whose last finished run covered other list versions than the
    /// live ones, or that never had one.
    NotCovered,
}

/// How often the start looks again whether the lists are current.
const CURRENT_RETRY: Duration = Duration::from_secs(30);

/// Re-screens the tenants the live lists are new to, then every tenant
/// after every publication of the live lists, until they are dropped.
pub async fn run(state: Arc<AppState>, mut publications: watch::Receiver<u64>) {
    // The start's run waits until every enabled list is live and current:
    // after a long stop some may be stale until the scheduler's first
    // refresh, and assessing then would mark every clear candidate
    // incomplete. A publication first brings a run over every tenant
    // instead.
    let mut published = tokio::select! {
        () = lists_current(&state) => {
            run_once(&state, Tenants::NotCovered).await;
            false
        }
        changed = publications.changed() => changed.is_ok(),
    };
    while published || publications.changed().await.is_ok() {
        published = false;
        tokio::time::sleep(SETTLE).await;
        publications.borrow_and_update();
        run_once(&state, Tenants::Every).await;
    }
}

/// Returns once every enabled list is live and current.
async fn lists_current(state: &AppState) {
    loop {
        match state.lists.missing_lists().await {
            Ok(missing) if missing.is_empty() => return,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the lists' state failed"),
        }
        tokio::time::sleep(CURRENT_RETRY).await;
    }
}

async fn run_once(state: &AppState, tenants: Tenants) {
    match rescreen_all(state, tenants).await {
        Ok(done) => tracing::info!(
            candidates = done.candidates,
            changed = done.changed,
            failed = done.failed,
            ?tenants,
            "candidates re-screened"
        ),
        Err(e) => tracing::warn!(error = %e, "re-screening stopped"),
    }
}

/// Assesses every live candidate of these tenants again. A tenant's record
/// of the versions it was re-screened against is dropped before its run and
/// written, with the versions live when the run began, once every one of
/// its candidates was assessed (a publication during the run brings a run
/// of its own): a run cut short leaves the tenant to the next start. A
/// failure to read or write the record is logged and costs at most a
/// needless run at the next start.
async fn rescreen_all(state: &AppState, tenants: Tenants) -> Result<Rescreened, RunError> {
    let versions = state.lists.live().current().versions();
    let mut done = Rescreened::default();
    for tenant in state.store.list_tenants().await? {
        if tenants == Tenants::NotCovered {
            match state.store.rescreened_lists(tenant.id).await {
                Ok(Some(covered)) if covered == versions => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(tenant = %tenant.id, error = %e, "reading the re-screening record failed")
                }
            }
        }
        if let Err(e) = state.store.forget_rescreened(tenant.id).await {
            tracing::warn!(tenant = %tenant.id, error = %e, "dropping the re-screening record failed");
        }
        let failed_before = done.failed;
        rescreen_tenant(state, tenant.id, &mut done).await?;
        if done.failed == failed_before {
            if let Err(e) = state.store.record_rescreened(tenant.id, &versions).await {
                tracing::warn!(tenant = %tenant.id, error = %e, "recording the re-screening failed");
            }
        }
    }
    Ok(done)
}

/// Assesses every live candidate of one tenant again.
async fn rescreen_tenant(
    state: &AppState,
    tenant: Uuid,
    done: &mut Rescreened,
) -> Result<(), RunError> {
    let mut after = None;
    loop {
        let page = state
            .store
            .list_candidates(tenant, None, after, PAGE)
            .await?;
        for record in &page.items {
            let Some(data) = &record.data else { continue };
            done.candidates += 1;
            match rescreen_candidate(state, tenant, record.id, data).await {
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
            None => return Ok(()),
        }
    }
}
