//! Service configuration: defaults, an optional TOML file, `HIREVET_*`
//! environment overrides and CLI flags, validated once at start so that a bad
//! setting is reported by name before anything listens or connects.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

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
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest accepted JSON body in bytes.
    pub json_body_limit: usize,
    /// `json` (default, for log shippers) or `text`.
    pub log_format: String,
    /// A tracing filter such as `info` or `hirevet=debug,info`.
    pub log_level: String,
    pub auth: AuthSettings,
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
        Ok(Config {
            listen,
            database_url: self.database_url,
            database_max_connections: self.database_max_connections,
            workers: self.workers,
            json_body_limit: self.json_body_limit,
            log_format,
            log_level: self.log_level,
            jwt,
        })
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
