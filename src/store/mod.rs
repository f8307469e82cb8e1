//! The one storage API. Every query lives under this module and filters on
//! `tenant_id`. One implementation serves both backends through sqlx's `Any`
//! driver with runtime queries: the schema uses only portable types (TEXT,
//! BIGINT), placeholders are `$n` (which SQLite also understands), and the
//! few places where SQL differs branch on [`Backend`].

pub mod assessments;
mod candidates;
mod idempotency;
pub mod keys;
pub mod lists;
pub mod outbox;
pub mod telemetry;
mod tenants;
mod users;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use assessments::{AssessmentRecord, CaseChange, CaseRecord, StoreTx};
pub use candidates::{CandidateRecord, CreateOutcome, Page};
pub use idempotency::IdempotencyRecord;
pub use keys::{ApiKeyRecord, NewApiKey};
pub use telemetry::{NewTelemetry, TelemetryRecord};
pub use tenants::Tenant;
pub use users::UserRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where every write goes. On SQLite a single connection: SQLite has
    /// one writer at a time anyway, and queueing writers here (instead of
    /// letting several connections collide and back off in the busy
    /// handler) keeps write latency flat under load. On PostgreSQL it is
    /// the same pool as reads.
    writer: AnyPool,
    backend: Backend,
    /// Shared by every clone, so a revocation through any of them is seen
    /// by all lookups in this process.
    keys: std::sync::Arc<keys::KeyCache>,
}

impl Store {
    /// Connects to `sqlite://…` (file created if missing, WAL) or
    /// `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, sqlite_url(url))
        } else {
            (Backend::Postgres, url.to_string())
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = pool_options(backend, max_connections)
            .connect_with(options.clone())
            .await?;
        let writer = match backend {
            Backend::Sqlite => pool_options(backend, 1).connect_with(options).await?,
            Backend::Postgres => pool.clone(),
        };
        Ok(Store {
            pool,
            writer,
            backend,
            keys: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.writer).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10));
    if backend != Backend::Sqlite {
        return pool;
    }
    pool.after_connect(|conn, _meta| {
        Box::pin(async move {
            // WAL lets readers run beside the single writer; NORMAL sync
            // is durable across process crashes in WAL mode.
            conn.execute("PRAGMA journal_mode = WAL").await?;
            conn.execute("PRAGMA synchronous = NORMAL").await?;
            conn.execute("PRAGMA foreign_keys = ON").await?;
            conn.execute("PRAGMA busy_timeout = 5000").await?;
            // Reads through a memory map instead of a read() per page.
            conn.execute("PRAGMA mmap_size = 268435456").await?;
            Ok(())
        })
    })
}

/// `sqlite://file.db` → create the file if missing.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Microseconds since the Unix epoch, the stored form of every timestamp.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// RFC 3339 UTC with millisecond precision, as the API shows timestamps.
pub fn format_micros(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The `VALUES` list of a multi-row INSERT: `rows` copies of `row`, each
/// `?` in it numbered as the next placeholder from `$first` on (`$n`
/// already written stays: a parameter all rows share).
fn value_rows(rows: usize, row: &str, first: usize) -> String {
    let mut next = first;
    let mut out = String::new();
    for i in 0..rows {
        if i > 0 {
            out.push_str(", ");
        }
        for c in row.chars() {
            if c == '?' {
                out.push_str(&format!("${next}"));
                next += 1;
            } else {
                out.push(c);
            }
        }
    }
    out
}

fn parse_uuid(text: String) -> StoreResult<uuid::Uuid> {
    uuid::Uuid::parse_str(&text).map_err(|_| StoreError::Corrupt(format!("bad uuid {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::value_rows;

    #[test]
    fn value_rows_number_each_row_after_the_shared_parameters() {
        assert_eq!(value_rows(2, "(?, $1, ?)", 2), "($2, $1, $3), ($4, $1, $5)");
        assert_eq!(value_rows(1, "($1, ?, 'x', $2)", 3), "($1, $3, 'x', $2)");
        assert_eq!(value_rows(0, "(?)", 1), "");
    }
}
