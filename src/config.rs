//! Service configuration: defaults, an optional TOML file, `HIREVET_*`
//! environment overrides and CLI flags, validated once at start so that a bad
//! setting is reported by name before anything listens or connects.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::indicators::feeds::FeedKind;
use crate::notify::email::{SmtpConfig, SmtpSecurity};
use crate::screening::lists::{GatePolicy, ListFormat};
use crate::screening::screen::Thresholds;

/// Raw settings as read from file and environment. Turned into [`Config`] by
/// [`Settings::validate`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address the HTTP server binds, `host:port`.
    pub listen: String,
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    pub database_max_connections: u32,
    /// HTTP worker threads; 0 means two per core.
    pub workers: usize,
    /// Largest accepted JSON body in bytes.
    pub json_body_limit: usize,
    /// `json` (default, for log shippers) or `text`.
    pub log_format: String,
    /// A tracing filter such as `info` or `hirevet=debug,info`.
    pub log_level: String,
    pub auth: AuthSettings,
    pub lists: ListsSettings,
    pub screening: ScreeningSettings,
    pub indicators: IndicatorsSettings,
    pub risk: RiskSettings,
    pub notify: NotifySettings,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskSettings {
    /// A policy file replacing `policy/default.toml` for every tenant
    /// that has not saved its own.
    pub policy_path: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    /// Where analysts reach this service; alert emails link to its console.
    pub public_base_url: String,
    /// Deliver webhooks to private and loopback addresses (tests, labs).
    pub allow_private_targets: bool,
    /// Run the delivery worker in this process.
    pub deliver: bool,
    pub poll_interval_ms: u64,
    /// First retry delay; each later one doubles, up to `retry_max_delay_secs`.
    pub retry_base_ms: u64,
    pub retry_max_delay_secs: u64,
    /// Attempts before an event is given up (the defaults span ~3 days).
    pub max_attempts: u32,
    pub smtp: Option<SmtpSettings>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            public_base_url: "http://localhost:8080".into(),
            allow_private_targets: false,
            deliver: true,
            poll_interval_ms: 1000,
            retry_base_ms: 60_000,
            retry_max_delay_secs: 6 * 3600,
            max_attempts: 20,
            smtp: None,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    #[serde(default = "default_smtp_security")]
    pub security: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    pub from: String,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

impl std::fmt::Debug for SmtpSettings {
    // The password must never reach a log line through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn default_smtp_security() -> String {
    "starttls".into()
}

fn default_smtp_timeout() -> u64 {
    20
}

/// Validated delivery settings.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub public_base_url: String,
    pub allow_private_targets: bool,
    pub deliver: bool,
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub retry_max_delay: Duration,
    pub max_attempts: u32,
    pub smtp: Option<SmtpConfig>,
}

impl NotifyConfig {
    /// When to try again after `attempts` failures, or `None` to give up.
    pub fn retry_delay(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(30));
        Some(
            self.retry_base
                .saturating_mul(factor)
                .min(self.retry_max_delay),
        )
    }
}

impl NotifySettings {
    fn validate(self) -> Result<NotifyConfig, ConfigError> {
        url::Url::parse(&self.public_base_url)
            .map_err(|_| invalid("notify.public_base_url", "must be an absolute URL"))?;
        if self.max_attempts == 0 || self.poll_interval_ms == 0 {
            return Err(invalid(
                "notify.max_attempts",
                "and notify.poll_interval_ms must be at least 1",
            ));
        }
        let smtp = self
            .smtp
            .map(|s| {
                let security = match s.security.as_str() {
                    "none" => SmtpSecurity::None,
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    other => {
                        return Err(invalid(
                            "notify.smtp.security",
                            format!("must be none, starttls or tls (got {other:?})"),
                        ))
                    }
                };
                if !s.from.contains('@') {
                    return Err(invalid("notify.smtp.from", "must be an email address"));
                }
                Ok(SmtpConfig {
                    host: s.host,
                    port: s.port,
                    security,
                    username: s.username,
                    password: s.password,
                    from: s.from,
                    timeout: Duration::from_secs(s.timeout_secs.max(1)),
                })
            })
            .transpose()?;
        Ok(NotifyConfig {
            public_base_url: self.public_base_url,
            allow_private_targets: self.allow_private_targets,
            deliver: self.deliver,
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            retry_base: Duration::from_millis(self.retry_base_ms),
            retry_max_delay: Duration::from_secs(self.retry_max_delay_secs),
            max_attempts: self.max_attempts,
            smtp,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndicatorsSettings {
    /// Fetch the configured feeds in the background while serving.
    pub auto_refresh: bool,
    pub refresh_interval_hours: u64,
    pub fetch_timeout_secs: u64,
    pub max_download_bytes: u64,
    /// Two candidates seen on one public IP link only within this window.
    pub ip_link_window_days: u64,
    /// Feeds that extend the curated defaults in `indicators/`.
    pub feeds: Vec<FeedSettings>,
}

impl Default for IndicatorsSettings {
    fn default() -> Self {
        IndicatorsSettings {
            auto_refresh: true,
            refresh_interval_hours: 24,
            fetch_timeout_secs: 120,
            max_download_bytes: 256 * 1024 * 1024,
            ip_link_window_days: 30,
            feeds: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSettings {
    pub id: String,
    /// One of [`FeedKind::names`].
    pub kind: String,
    /// URLs (`https://`, `http://`, `file://`) or paths.
    pub locations: Vec<String>,
    /// For `ip_country` feeds: the ISO country the prefixes belong to.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

/// A configured indicator feed.
#[derive(Debug, Clone)]
pub struct IndicatorFeed {
    pub id: String,
    pub kind: FeedKind,
    pub locations: Vec<String>,
    pub country: Option<String>,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct IndicatorsConfig {
    pub auto_refresh: bool,
    pub refresh_interval: Duration,
    pub fetch_timeout: Duration,
    pub max_download_bytes: u64,
    pub ip_link_window: Duration,
    pub feeds: Vec<IndicatorFeed>,
}

impl IndicatorsSettings {
    fn validate(self) -> Result<IndicatorsConfig, ConfigError> {
        if self.refresh_interval_hours == 0 || self.fetch_timeout_secs == 0 {
            return Err(invalid(
                "indicators.refresh_interval_hours",
                "and indicators.fetch_timeout_secs must be at least 1",
            ));
        }
        let mut feeds: Vec<IndicatorFeed> = Vec::new();
        for feed in self.feeds {
            if feed.id.is_empty() || feeds.iter().any(|f| f.id == feed.id) {
                return Err(invalid(
                    "indicators.feeds.id",
                    format!("must be unique and not empty (got {:?})", feed.id),
                ));
            }
            let kind = FeedKind::parse(&feed.kind).ok_or_else(|| {
                invalid(
                    "indicators.feeds.kind",
                    format!(
                        "of feed {:?} must be one of {} (got {:?})",
                        feed.id,
                        FeedKind::names(),
                        feed.kind
                    ),
                )
            })?;
            let country = feed.country.map(|c| c.to_ascii_uppercase());
            if kind == FeedKind::IpCountry
                && !country
                    .as_deref()
                    .is_some_and(crate::domain::countries::is_country_code)
            {
                return Err(invalid(
                    "indicators.feeds.country",
                    format!("of feed {:?} must be an ISO 3166 country code", feed.id),
                ));
            }
            if feed.locations.is_empty() {
                return Err(invalid(
                    "indicators.feeds.locations",
                    format!("of feed {:?} must name at least one URL or path", feed.id),
                ));
            }
            feeds.push(IndicatorFeed {
                id: feed.id,
                kind,
                locations: feed.locations,
                country,
                enabled: feed.enabled,
            });
        }
        Ok(IndicatorsConfig {
            auto_refresh: self.auto_refresh,
            refresh_interval: Duration::from_secs(self.refresh_interval_hours * 3600),
            fetch_timeout: Duration::from_secs(self.fetch_timeout_secs),
            max_download_bytes: self.max_download_bytes,
            ip_link_window: Duration::from_secs(self.ip_link_window_days * 86_400),
            feeds,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningSettings {
    /// A hit at or above this score goes to review.
    pub review_threshold: f64,
    /// At or above this score a hit is a strong match.
    pub strong_threshold: f64,
}

impl Default for ScreeningSettings {
    fn default() -> Self {
        let t = Thresholds::default();
        ScreeningSettings {
            review_threshold: t.review,
            strong_threshold: t.strong,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListsSettings {
    /// Fetch due sources in the background while serving.
    pub auto_refresh: bool,
    /// A list not confirmed current for longer than this is stale.
    pub max_list_age_hours: u64,
    /// A new version needs at least this share of the live one's entries.
    pub min_entry_ratio: f64,
    /// Largest share of rows a parse may reject.
    pub max_reject_rate: f64,
    pub fetch_timeout_secs: u64,
    pub max_download_bytes: u64,
    /// Wait after a failed fetch before trying again.
    pub retry_minutes: u64,
    /// How often a replica checks the database for versions another
    /// replica loaded.
    pub poll_seconds: u64,
    /// Answer /readyz with 503 while a list is missing or stale.
    pub readiness_requires_lists: bool,
    pub sources: Vec<SourceSettings>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub id: String,
    pub format: String,
    /// URLs (`https://`, `http://`, `file://`) or paths; several for
    /// multi-file formats such as OFAC's CSV set.
    pub locations: Vec<String>,
    #[serde(default = "default_refresh_hours")]
    pub refresh_interval_hours: u64,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_refresh_hours() -> u64 {
    6
}

fn default_true() -> bool {
    true
}

const OFAC_EXPORTS: &str =
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports";

/// The publishers' own download locations.
fn default_sources() -> Vec<SourceSettings> {
    let ofac = |files: &[&str]| {
        files
            .iter()
            .map(|f| format!("{OFAC_EXPORTS}/{f}"))
            .collect()
    };
    vec![
        SourceSettings {
            id: "us_ofac_sdn".into(),
            format: "ofac_csv".into(),
            locations: ofac(&["SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"]),
            refresh_interval_hours: 6,
            enabled: true,
        },
        SourceSettings {
            id: "us_ofac_cons".into(),
            format: "ofac_csv".into(),
            locations: ofac(&["CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV"]),
            refresh_interval_hours: 6,
            enabled: true,
        },
        SourceSettings {
            id: "un_sc".into(),
            format: "un_xml".into(),
            locations: vec!["https://scsanctions.un.org/resources/xml/en/consolidated.xml".into()],
            refresh_interval_hours: 6,
            enabled: true,
        },
        SourceSettings {
            id: "eu_fsf".into(),
            format: "eu_fsf_xml".into(),
            locations: vec![
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw".into(),
            ],
            refresh_interval_hours: 6,
            enabled: true,
        },
        SourceSettings {
            id: "uk_sanctions".into(),
            format: "uk_csv".into(),
            locations: vec!["https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv".into()],
            refresh_interval_hours: 6,
            enabled: true,
        },
    ]
}

impl Default for ListsSettings {
    fn default() -> Self {
        ListsSettings {
            auto_refresh: true,
            max_list_age_hours: 48,
            min_entry_ratio: 0.8,
            max_reject_rate: 0.01,
            fetch_timeout_secs: 120,
            max_download_bytes: 256 * 1024 * 1024,
            retry_minutes: 15,
            poll_seconds: 30,
            readiness_requires_lists: false,
            sources: default_sources(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// `HS256` or `RS256`.
    pub jwt_algorithm: String,
    /// Shared secret for HS256 (at least 32 bytes). Unset disables analyst JWTs.
    pub jwt_secret: Option<String>,
    /// PEM file with the RSA public key for RS256.
    pub jwt_public_key_file: Option<PathBuf>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://hirevet.db".into(),
            database_max_connections: 10,
            workers: 0,
            json_body_limit: 1024 * 1024,
            log_format: "json".into(),
            log_level: "info".into(),
            auth: AuthSettings::default(),
            lists: ListsSettings::default(),
            screening: ScreeningSettings::default(),
            indicators: IndicatorsSettings::default(),
            risk: RiskSettings::default(),
            notify: NotifySettings::default(),
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_algorithm: "HS256".into(),
            jwt_secret: None,
            jwt_public_key_file: None,
            jwt_issuer: "hirevet".into(),
            jwt_audience: "hirevet".into(),
        }
    }
}

/// A configuration problem, always naming the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(String),
    #[error("configuration: setting `{setting}` {message}")]
    Invalid {
        setting: &'static str,
        message: String,
    },
}

fn invalid(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        message: message.into(),
    }
}

impl Settings {
    /// Defaults, then the file (if any), then `HIREVET_*` variables
    /// (`HIREVET_AUTH__JWT_SECRET` for nested keys).
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Load(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        // HIREVET_TEST_* belong to the test harness, HIREVET_LOG to tracing.
        let env = Env::prefixed("HIREVET_").split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            !key.starts_with("test_") && key != "log" && key != "config"
        });
        figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))
    }

    pub fn validate(self) -> Result<Config, ConfigError> {
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            invalid(
                "listen",
                format!(
                    "must be host:port, e.g. 127.0.0.1:8080 (got {:?})",
                    self.listen
                ),
            )
        })?;
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "must start with sqlite:// or postgres://",
            ));
        }
        if self.database_max_connections == 0 {
            return Err(invalid("database_max_connections", "must be at least 1"));
        }
        if self.json_body_limit < 1024 {
            return Err(invalid("json_body_limit", "must be at least 1024 bytes"));
        }
        let log_format = match self.log_format.as_str() {
            "json" => LogFormat::Json,
            "text" => LogFormat::Text,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("must be json or text (got {other:?})"),
                ))
            }
        };
        if tracing_subscriber::EnvFilter::try_new(&self.log_level).is_err() {
            return Err(invalid("log_level", "is not a valid tracing filter"));
        }
        let jwt = self.auth.validate()?;
        let lists = self.lists.validate()?;
        let indicators = self.indicators.validate()?;
        let notify = self.notify.validate()?;
        let (review, strong) = (
            self.screening.review_threshold,
            self.screening.strong_threshold,
        );
        if !(0.0 < review && review <= strong && strong <= 1.0) {
            return Err(invalid(
                "screening.review_threshold",
                "and screening.strong_threshold must satisfy 0 < review <= strong <= 1",
            ));
        }
        Ok(Config {
            listen,
            database_url: self.database_url,
            database_max_connections: self.database_max_connections,
            workers: self.workers,
            json_body_limit: self.json_body_limit,
            log_format,
            log_level: self.log_level,
            jwt,
            lists,
            indicators,
            notify,
            policy_path: self.risk.policy_path,
            screening: Thresholds { review, strong },
        })
    }
}

impl ListsSettings {
    fn validate(self) -> Result<ListsConfig, ConfigError> {
        if !(0.0..=1.0).contains(&self.min_entry_ratio) {
            return Err(invalid("lists.min_entry_ratio", "must be between 0 and 1"));
        }
        if !(0.0..=1.0).contains(&self.max_reject_rate) {
            return Err(invalid("lists.max_reject_rate", "must be between 0 and 1"));
        }
        if self.max_list_age_hours == 0 {
            return Err(invalid("lists.max_list_age_hours", "must be at least 1"));
        }
        if self.fetch_timeout_secs == 0 || self.poll_seconds == 0 || self.retry_minutes == 0 {
            return Err(invalid(
                "lists.fetch_timeout_secs",
                "and lists.poll_seconds and lists.retry_minutes must be at least 1",
            ));
        }
        let mut sources = Vec::new();
        for source in self.sources {
            if source.id.is_empty()
                || !source
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(invalid(
                    "lists.sources.id",
                    format!(
                        "must be lower-case letters, digits and _ (got {:?})",
                        source.id
                    ),
                ));
            }
            if sources.iter().any(|s: &ListSource| s.id == source.id) {
                return Err(invalid(
                    "lists.sources.id",
                    format!("{:?} is configured twice", source.id),
                ));
            }
            let format = ListFormat::from_str(&source.format).map_err(|e| {
                invalid(
                    "lists.sources.format",
                    format!("{e} (source {})", source.id),
                )
            })?;
            if source.refresh_interval_hours == 0 {
                return Err(invalid(
                    "lists.sources.refresh_interval_hours",
                    format!("must be at least 1 (source {})", source.id),
                ));
            }
            sources.push(ListSource {
                id: source.id,
                format,
                locations: source.locations,
                refresh_interval: Duration::from_secs(source.refresh_interval_hours * 3600),
                enabled: source.enabled,
            });
        }
        Ok(ListsConfig {
            auto_refresh: self.auto_refresh,
            max_list_age: Duration::from_secs(self.max_list_age_hours * 3600),
            gate: GatePolicy {
                min_entry_ratio: self.min_entry_ratio,
                max_reject_rate: self.max_reject_rate,
            },
            fetch_timeout: Duration::from_secs(self.fetch_timeout_secs),
            max_download_bytes: self.max_download_bytes,
            retry_after: Duration::from_secs(self.retry_minutes * 60),
            poll_interval: Duration::from_secs(self.poll_seconds),
            readiness_requires_lists: self.readiness_requires_lists,
            sources,
        })
    }
}

/// A configured list source.
#[derive(Debug, Clone)]
pub struct ListSource {
    pub id: String,
    pub format: ListFormat,
    pub locations: Vec<String>,
    pub refresh_interval: Duration,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct ListsConfig {
    pub auto_refresh: bool,
    pub max_list_age: Duration,
    pub gate: GatePolicy,
    pub fetch_timeout: Duration,
    pub max_download_bytes: u64,
    pub retry_after: Duration,
    pub poll_interval: Duration,
    pub readiness_requires_lists: bool,
    pub sources: Vec<ListSource>,
}

impl ListsConfig {
    pub fn source(&self, id: &str) -> Option<&ListSource> {
        self.sources.iter().find(|s| s.id == id)
    }
}

impl AuthSettings {
    fn validate(self) -> Result<Option<JwtConfig>, ConfigError> {
        let key = match self.jwt_algorithm.as_str() {
            "HS256" => match self.jwt_secret {
                None => return Ok(None),
                Some(secret) if secret.len() < 32 => {
                    return Err(invalid("auth.jwt_secret", "must be at least 32 bytes"))
                }
                Some(secret) => JwtKey::Hs256(secret),
            },
            "RS256" => {
                let path = self.jwt_public_key_file.ok_or_else(|| {
                    invalid(
                        "auth.jwt_public_key_file",
                        "is required when jwt_algorithm is RS256",
                    )
                })?;
                let pem = std::fs::read(&path).map_err(|e| {
                    invalid(
                        "auth.jwt_public_key_file",
                        format!("cannot be read ({}): {e}", path.display()),
                    )
                })?;
                jsonwebtoken::DecodingKey::from_rsa_pem(&pem).map_err(|e| {
                    invalid(
                        "auth.jwt_public_key_file",
                        format!("is not an RSA public key in PEM: {e}"),
                    )
                })?;
                JwtKey::Rs256PublicPem(pem)
            }
            other => {
                return Err(invalid(
                    "auth.jwt_algorithm",
                    format!("must be HS256 or RS256 (got {other:?})"),
                ))
            }
        };
        if self.jwt_issuer.is_empty() {
            return Err(invalid("auth.jwt_issuer", "must not be empty"));
        }
        if self.jwt_audience.is_empty() {
            return Err(invalid("auth.jwt_audience", "must not be empty"));
        }
        Ok(Some(JwtConfig {
            key,
            issuer: self.jwt_issuer,
            audience: self.jwt_audience,
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Validated configuration the application is built from.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub database_max_connections: u32,
    pub workers: usize,
    pub json_body_limit: usize,
    pub log_format: LogFormat,
    pub log_level: String,
    /// `None` when analyst JWTs are not configured: only API keys work then.
    pub jwt: Option<JwtConfig>,
    pub lists: ListsConfig,
    pub indicators: IndicatorsConfig,
    pub notify: NotifyConfig,
    /// `None`: the built-in `policy/default.toml`.
    pub policy_path: Option<String>,
    pub screening: Thresholds,
}

#[derive(Clone)]
pub enum JwtKey {
    Hs256(String),
    Rs256PublicPem(Vec<u8>),
}

impl std::fmt::Debug for JwtKey {
    // The secret must never reach a log line through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtKey::Hs256(_) => f.write_str("Hs256(<redacted>)"),
            JwtKey::Rs256PublicPem(_) => f.write_str("Rs256PublicPem(..)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub key: JwtKey,
    pub issuer: String,
    pub audience: String,
}

impl Config {
    /// A configuration for tests and embedding: defaults with the given
    /// database, listening on an ephemeral loopback port.
    pub fn for_database(database_url: &str) -> Config {
        Settings {
            listen: "127.0.0.1:0".into(),
            database_url: database_url.into(),
            ..Settings::default()
        }
        .validate()
        .expect("default settings are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_listen_address_is_named() {
        let err = Settings {
            listen: "nonsense".into(),
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("`listen`"), "{err}");
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let mut settings = Settings::default();
        settings.auth.jwt_secret = Some("short".into());
        let err = settings.validate().unwrap_err();
        assert!(err.to_string().contains("auth.jwt_secret"), "{err}");
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let err = Settings {
            database_url: "mysql://x".into(),
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("database_url"), "{err}");
    }
}
