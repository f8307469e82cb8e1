//! Application assembly: from a validated [`Config`] to a bound, migrated,
//! ready-to-run server. `main` and the tests build the app the same way.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::config::Config;
use crate::http::auth::JwtVerifier;
use crate::jobs::list_refresh::ListService;
use crate::observability::{self, Metrics};
use crate::screening::lists::LiveLists;
use crate::screening::screen::Thresholds;
use crate::store::Store;

/// Shared, read-mostly state handed to every handler.
pub struct AppState {
    pub store: Store,
    pub jwt: Option<JwtVerifier>,
    pub lists: Arc<ListService>,
    pub screening: Thresholds,
}

pub struct Application {
    server: Server,
    addr: SocketAddr,
    store: Store,
    scheduler: tokio::task::JoinHandle<()>,
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
        let scheduler = tokio::spawn(lists.clone().run_scheduler());
        let state = web::Data::new(AppState {
            store: store.clone(),
            jwt,
            lists,
            screening: config.screening,
        });
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
        if config.workers > 0 {
            server = server.workers(config.workers);
        }
        Ok(Application {
            server: server.run(),
            addr,
            store,
            scheduler,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server from elsewhere (graceful with `stop(true)`).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, then closes the database pool.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.scheduler.abort();
        self.store.close().await;
        result
    }
}
