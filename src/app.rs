//! Application assembly: from a validated [`Config`] to a bound, migrated,
//! ready-to-run server. `main` and the tests build the app the same way.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;
use tokio::sync::Notify;

use crate::config::Config;
use crate::http::auth::JwtVerifier;
use crate::jobs::indicator_refresh::IndicatorService;
use crate::jobs::list_refresh::ListService;
use crate::jobs::outbox::OutboxWorker;
use crate::jobs::rescreen;
use crate::observability::{self, Metrics};
use crate::risk::batch::{self, CreateQueue, Writers};
use crate::risk::tenant::{TenantCache, TenantContext, TenantError};
use crate::risk::Policy;
use crate::screening::lists::LiveLists;
use crate::screening::screen::Thresholds;
use crate::store::Store;

/// Shared, read-mostly state handed to every handler.
pub struct AppState {
    pub store: Store,
    pub jwt: Option<JwtVerifier>,
    pub lists: Arc<ListService>,
    pub indicators: Arc<IndicatorService>,
    pub screening: Thresholds,
    /// The service-wide policy (tenants may save their own).
    pub policy: Arc<Policy>,
    pub public_base_url: String,
    pub allow_private_targets: bool,
    /// Wakes the delivery worker when new outbox items are committed.
    pub outbox_wakeup: Arc<Notify>,
    /// Per-tenant settings, policy and endpoints for assessments.
    pub tenants: TenantCache,
    /// Where create-and-assess writes queue for a group commit.
    pub creates: CreateQueue,
}

impl AppState {
    /// The tenant's settings, parsed policy and webhook endpoints (cached).
    pub async fn tenant(&self, tenant: uuid::Uuid) -> Result<Arc<TenantContext>, TenantError> {
        self.tenants.get(&self.store, &self.policy, tenant).await
    }
}

pub struct Application {
    server: Server,
    addr: SocketAddr,
    store: Store,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// Stopped after the server, so requests in flight get their answers.
    create_writers: Writers,
}

impl Application {
    /// Connects and migrates the database, then binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let store = Store::connect(&config.database_url, config.database_max_connections)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("applying migrations")?;
        let jwt = config
            .jwt
            .as_ref()
            .map(JwtVerifier::new)
            .transpose()
            .context("loading the JWT key")?;
        let lists = Arc::new(
            ListService::new(
                store.clone(),
                Arc::new(LiveLists::default()),
                config.lists.clone(),
            )
            .map_err(anyhow::Error::msg)?,
        );
        let loaded = lists
            .load_live()
            .await
            .context("loading the live sanctions lists")?;
        tracing::info!(lists = loaded, "live sanctions lists loaded");
        let mut background = vec![tokio::spawn(lists.clone().run_scheduler())];
        let indicators =
            Arc::new(IndicatorService::new(config.indicators.clone()).map_err(anyhow::Error::msg)?);
        indicators.refresh_all(true).await;
        if config.indicators.auto_refresh {
            background.push(tokio::spawn(indicators.clone().run_scheduler()));
        }
        let policy = match &config.policy_path {
            None => Policy::builtin(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the policy file {path}"))?;
                Policy::from_toml(&text).map_err(|e| anyhow::anyhow!("policy file {path}: {e}"))?
            }
        };
        let outbox_wakeup = Arc::new(Notify::new());
        if config.notify.deliver {
            let worker =
                OutboxWorker::new(store.clone(), config.notify.clone(), outbox_wakeup.clone())
                    .map_err(anyhow::Error::msg)?;
            background.push(tokio::spawn(worker.run()));
        }
        let (creates, create_jobs) = batch::queue();
        let state = web::Data::new(AppState {
            store: store.clone(),
            jwt,
            lists,
            indicators,
            policy: Arc::new(policy),
            public_base_url: config.notify.public_base_url.clone(),
            allow_private_targets: config.notify.allow_private_targets,
            outbox_wakeup,
            tenants: TenantCache::default(),
            screening: config.screening,
            creates,
        });
        let create_writers = batch::start(
            state.clone().into_inner(),
            create_jobs,
            batch::writer_count(store.backend(), config.database_max_connections),
        );
        // Subscribed after the lists were loaded above: the versions loaded
        // now re-screen only tenants no finished run covered them for (see
        // rescreen.rs), later versions every tenant as they come.
        background.push(tokio::spawn(rescreen::run(
            state.clone().into_inner(),
            state.lists.live().publications(),
        )));
        let metrics = web::Data::new(Metrics::default());
        let listener = TcpListener::bind(config.listen)
            .with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;
        let json_limit = config.json_body_limit;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .wrap(middleware::from_fn(observability::observe))
                .configure(|cfg| crate::http::configure(cfg, json_limit))
        })
        .listen(listener)?
        .shutdown_timeout(10);
        // Two workers per core by default: requests spend much of their
        // time waiting on the database, and with one worker per core the
        // create-and-assess load test left a core idle (556 → 720 req/s on
        // 2 cores with 4 workers; see BENCHMARKS.md).
        let workers = match config.workers {
            0 => 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        server = server.workers(workers);
        Ok(Application {
            server: server.run(),
            addr,
            store,
            background,
            create_writers,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server from elsewhere (graceful with `stop(true)`).
    /// The store this app serves from. Its caches (API keys) are shared
    /// by clones, so a change made through a clone is seen by the app at
    /// once, as one made by the app itself would be.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, then closes the database pool.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in &self.background {
            task.abort();
        }
        self.create_writers.shutdown().await;
        self.store.close().await;
        result
    }
}
