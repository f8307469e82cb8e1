//! Group commit for create-and-assess (`POST /v1/candidates`). Requests hand
//! their already-screened create to a queue; a writer task takes every job
//! queued at that moment (up to [`MAX_BATCH`]), writes them in order in ONE
//! transaction, commits once and then answers each request.
//!
//! Why: a create is a handful of small statements, and under load most of
//! its cost was the per-transaction overhead (BEGIN/COMMIT round trips, the
//! WAL sync on SQLite's single writer connection, a connection per create
//! on PostgreSQL). Sharing a commit between the creates that arrive
//! together removes that overhead without waiting: a writer never sleeps on
//! a timer, it takes what is queued now, so a lone request goes straight
//! through and batches only form while a commit is already in flight.
//!
//! Semantics are those of running the jobs one after another: they share
//! one transaction, so a later job sees an earlier job's identity keys
//! (they link) and external id (it answers `Existing`), and no job is
//! answered before the commit that holds its writes succeeded. If any
//! statement or the commit fails, the batch is rolled back and each of its
//! jobs runs again alone in its own transaction, so one bad job cannot
//! fail the others and nothing is written twice.
//!
//! SQLite has one writer connection, so one writer task; PostgreSQL gets a
//! few (see [`writer_count`]) pulling from the same queue, so one batch's
//! round trips overlap another's.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch, Mutex};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::run::{commit, create_alone, write_created, Created, Prepared, RunError};
use crate::app::AppState;
use crate::domain::CandidateData;
use crate::store::{Backend, StoreTx};

/// The most creates one transaction takes. Bounds how long a batch holds
/// the writer (on SQLite, every other write waits for it) and how many
/// advisory locks one PostgreSQL transaction holds.
pub const MAX_BATCH: usize = 64;

/// Queued creates beyond this make a request wait to queue: back-pressure
/// rather than an unbounded queue.
const QUEUE_CAPACITY: usize = 1024;

/// One create waiting for a writer.
struct CreateJob {
    tenant: Uuid,
    data: CandidateData,
    prepared: Option<Prepared>,
    reply: oneshot::Sender<Result<Created, RunError>>,
}

/// The requests' end of the queue (held in `AppState`).
#[derive(Clone)]
pub struct CreateQueue {
    jobs: mpsc::Sender<CreateJob>,
}

/// The writers' end of the queue, until [`start`] hands it to them.
pub struct CreateJobs(mpsc::Receiver<CreateJob>);

/// A new, empty queue.
pub fn queue() -> (CreateQueue, CreateJobs) {
    let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
    (CreateQueue { jobs: tx }, CreateJobs(rx))
}

impl CreateQueue {
    /// Queues a create and waits until it is committed (or found to exist).
    pub(super) async fn submit(
        &self,
        tenant: Uuid,
        data: CandidateData,
        prepared: Option<Prepared>,
    ) -> Result<Created, RunError> {
        let (reply, answer) = oneshot::channel();
        let job = CreateJob {
            tenant,
            data,
            prepared,
            reply,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| RunError::Internal("the create writers have stopped".into()))?;
        answer
            .await
            .map_err(|_| RunError::Internal("a create writer stopped before answering".into()))?
    }
}

/// How many writer tasks a backend gets. SQLite: one, as there is one
/// writer connection. PostgreSQL: a third of the pool, 1 to 4, so batches'
/// round trips overlap while reads (screening's tenant and list look-ups,
/// idempotency) keep connections of their own.
pub fn writer_count(backend: Backend, max_connections: u32) -> usize {
    match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => (max_connections as usize / 3).clamp(1, 4),
    }
}

/// The running writer tasks.
pub struct Writers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts `count` writers over `jobs`.
pub fn start(state: Arc<AppState>, jobs: CreateJobs, count: usize) -> Writers {
    let (stop, stopped) = watch::channel(false);
    let jobs = Arc::new(Mutex::new(jobs.0));
    let tasks = (0..count.max(1))
        .map(|_| tokio::spawn(writer(state.clone(), jobs.clone(), stopped.clone())))
        .collect();
    Writers { stop, tasks }
}

impl Writers {
    /// Stops taking new creates, finishes the ones already queued and
    /// waits for the writers to end. Called once the HTTP server has
    /// stopped, so normally nothing is queued any more.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn writer(
    state: Arc<AppState>,
    jobs: Arc<Mutex<mpsc::Receiver<CreateJob>>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let batch = tokio::select! {
            batch = next_batch(&jobs) => batch,
            // Also when the sender is gone: nobody can stop us otherwise.
            _ = stopped.changed() => break,
        };
        match batch {
            Some(batch) => run_batch(&state, batch).await,
            None => return,
        }
    }
    // Stopping: refuse new jobs, then drain what is already queued (the
    // other writers drain alongside).
    jobs.lock().await.close();
    while let Some(batch) = next_batch(&jobs).await {
        run_batch(&state, batch).await;
    }
}

/// Waits for a job, then takes every job queued behind it, up to
/// [`MAX_BATCH`]. `None` once the queue is closed and empty.
async fn next_batch(jobs: &Mutex<mpsc::Receiver<CreateJob>>) -> Option<Vec<CreateJob>> {
    // Held while waiting: the other writers wait for the lock instead of
    // the queue, which is the same thing. Dropped (by `select!`) on stop.
    let mut jobs = jobs.lock().await;
    let first = jobs.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn run_batch(state: &AppState, batch: Vec<CreateJob>) {
    if batch.len() > 1 {
        match together(state, &batch).await {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    // The request may have gone (client hung up): its
                    // candidate is stored all the same, as before batching.
                    let _ = job.reply.send(Ok(result));
                }
                return;
            }
            Err(e) => {
                // Ids and counts only: jobs carry personal data.
                tracing::warn!(error = %e, jobs = batch.len(), "batched create failed; running its creates one by one");
            }
        }
    }
    for job in batch {
        let result = create_alone(state, job.tenant, &job.data, job.prepared).await;
        let _ = job.reply.send(result);
    }
}

/// Writes every job of `batch` in one transaction and commits it; on any
/// error the transaction is rolled back and nothing of the batch is kept.
async fn together(state: &AppState, batch: &[CreateJob]) -> Result<Vec<Created>, RunError> {
    let mut tx = state.store.begin(batch[0].tenant).await?;
    let written = write_all(state, &mut tx, batch).await;
    let results = match written {
        Ok(results) => results,
        Err(e) => {
            // Explicitly, so the writer connection is clean before the
            // jobs rerun alone (a dropped transaction rolls back lazily).
            let _ = tx.rollback().await;
            return Err(e);
        }
    };
    commit(state, tx).await?;
    Ok(results)
}

/// Writes the batch's creates in order, one tenant's after another's (the
/// tenants' creates cannot see each other). Each tenant's identity-key
/// locks are taken together, sorted, and the tenants come in one order, so
/// two batches queue on shared keys instead of waiting on each other in a
/// cycle.
async fn write_all(
    state: &AppState,
    tx: &mut StoreTx,
    batch: &[CreateJob],
) -> Result<Vec<Created>, RunError> {
    let mut tenants: Vec<Uuid> = batch.iter().map(|job| job.tenant).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let mut results: Vec<Option<Created>> = (0..batch.len()).map(|_| None).collect();
    for tenant in tenants {
        let theirs: Vec<usize> = (0..batch.len())
            .filter(|&i| batch[i].tenant == tenant)
            .collect();
        tx.set_tenant(tenant);
        // Cloned: a job keeps its own in case the batch fails and it must
        // run alone.
        let jobs = theirs
            .iter()
            .map(|&i| (&batch[i].data, batch[i].prepared.clone()))
            .collect();
        for (i, created) in theirs.iter().zip(write_created(state, tx, jobs).await?) {
            results[*i] = Some(created);
        }
    }
    Ok(results.into_iter().flatten().collect())
}
