//! Test harness: the real application on 127.0.0.1 port 0 over a fresh
//! database per test: a temporary SQLite file always, and a fresh
//! PostgreSQL database when `HIREVET_TEST_POSTGRES_URL` names a server.

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use hirevet::app::Application;
use hirevet::config::{Config, JwtConfig, JwtKey};
use hirevet::store::Store;
use serde_json::Value;
use sqlx::{Connection, Executor};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Runs each listed test once per backend: `mod sqlite` and `mod postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)+) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let owned = $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite)
                        .await
                        .expect("sqlite is always available");
                    {
                        let $app = &owned;
                        $body
                    }
                    owned.stop().await;
                }
            )+
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(owned) =
                        $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await
                    else {
                        return;
                    };
                    {
                        let $app = &owned;
                        $body
                    }
                    owned.stop().await;
                }
            )+
        }
    };
}

/// Runs each listed `async fn name(backend: Backend)` once per backend, for
/// tests that set up their app themselves.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::harness::Backend::Sqlite).await;
                }
            )+
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::harness::Backend::Postgres).await;
                }
            )+
        }
    };
}

/// Where a test's database lives, kept across a restart.
enum Database {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
    /// Another app's database, left alone when this app stops.
    Shared { url: String },
}

impl Database {
    fn url(&self) -> &str {
        match self {
            Database::Sqlite { url, .. }
            | Database::Postgres { url, .. }
            | Database::Shared { url } => url,
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// A store of its own, as another process (the CLI, another replica)
    /// would have: changes through it reach the app only through the
    /// database.
    pub store: Store,
    /// The app's own store: changes through it are made in the app's
    /// process, as an admin route would make them.
    pub app_store: Store,
    pub backend: Backend,
    handle: ServerHandle,
    database: Database,
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("HIREVET_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::for_database(database_url);
    config.workers = 2;
    config.database_max_connections = 5;
    // Tests never reach for the publishers' servers: sources are set per test.
    config.lists.auto_refresh = false;
    config.lists.sources = Vec::new();
    // Webhook receivers and the SMTP server run on 127.0.0.1; retries are
    // quick so a test sees three attempts in well under a second.
    config.notify.allow_private_targets = true;
    config.notify.retry_base = std::time::Duration::from_millis(100);
    config.notify.poll_interval = std::time::Duration::from_millis(100);
    config.indicators.auto_refresh = false;
    config.jwt = Some(JwtConfig {
        key: JwtKey::Hs256(JWT_SECRET.into()),
        issuer: "hirevet-tests".into(),
        audience: "hirevet".into(),
    });
    config
}

impl TestApp {
    /// `None` (after printing why) when PostgreSQL is not configured.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A fresh database and an app whose configuration `tweak` adjusts.
    pub async fn spawn_with(backend: Backend, tweak: impl Fn(&mut Config)) -> Option<TestApp> {
        let database = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path: PathBuf = dir.path().join("hirevet.db");
                Database::Sqlite {
                    url: format!("sqlite://{}", path.display()),
                    _dir: dir,
                }
            }
            Backend::Postgres => {
                let Some(admin_url) = postgres_admin_url() else {
                    eprintln!("skipped: HIREVET_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = format!("hv_test_{}", Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to HIREVET_TEST_POSTGRES_URL");
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&format!("/{name}"));
                Database::Postgres {
                    admin_url,
                    name,
                    url: url.to_string(),
                }
            }
        };
        let config = |url: &str| {
            let mut config = test_config(url);
            tweak(&mut config);
            config
        };
        Some(Self::start(backend, database, config).await)
    }

    async fn start(
        backend: Backend,
        database: Database,
        config: impl Fn(&str) -> Config,
    ) -> TestApp {
        let config = config(database.url());
        let store = Store::connect(database.url(), 2).await.expect("store");
        let app = Application::build(config).await.expect("app builds");
        let base = format!("http://{}", app.local_addr());
        let handle = app.handle();
        let app_store = app.store();
        tokio::spawn(app.run());
        TestApp {
            base,
            client: reqwest::Client::new(),
            store,
            app_store,
            backend,
            handle,
            database,
        }
    }

    async fn shutdown(self) -> Database {
        self.handle.stop(true).await;
        self.store.close().await;
        self.database
    }

    /// Stops this server and leaves its database, for what another process
    /// does while no server runs; `restart_*` starts the next one.
    pub async fn pause(&self) {
        self.handle.stop(true).await;
    }

    /// Stops this server and starts a new one on the same database; the
    /// new app must be stopped before this one.
    pub async fn restart_same(app: &TestApp) -> TestApp {
        Self::restart_with(app, |_| {}).await
    }

    /// Like [`restart_same`](Self::restart_same), with `tweak` applied to
    /// the new server's configuration.
    pub async fn restart_with(app: &TestApp, tweak: impl Fn(&mut Config)) -> TestApp {
        app.handle.stop(true).await;
        let shared = Database::Shared {
            url: app.database.url().to_string(),
        };
        let config = |url: &str| {
            let mut config = test_config(url);
            tweak(&mut config);
            config
        };
        Self::start(app.backend, shared, config).await
    }

    pub async fn stop(self) {
        if let Database::Postgres {
            admin_url, name, ..
        } = self.shutdown().await
        {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
            }
        }
    }

    /// The app's database, for tests that reach under the API (to hold a
    /// lock, or plant a fault).
    pub fn database_url(&self) -> &str {
        self.database.url()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A new tenant and an API key for it with `scopes`.
    pub async fn tenant_with_key(&self, scopes: &[&str]) -> (Uuid, String) {
        let tenant = self.store.create_tenant("Test Co").await.expect("tenant");
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let key = self
            .store
            .create_api_key(tenant.id, "test", &scopes)
            .await
            .expect("key");
        (tenant.id, key.secret)
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_empty(&self, path: &str, key: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }
}

/// Reads a response as (status, JSON body), asserting problem+json for errors.
pub async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = response.json().await.expect("JSON body");
    if status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{body}");
        assert_eq!(body["status"], status, "{body}");
    }
    (status, body)
}
