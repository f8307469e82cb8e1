//! Webhook signing and delivery. The signature is
//! `Hirevet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! with one `v1` per live secret, so a receiver keeps verifying while it
//! rotates. Deliveries never follow redirects, time out after 10 s, and go
//! only to public addresses unless private targets are allowed by config;
//! the address checked is the address connected to (no DNS rebinding).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use crate::indicators::network::is_public;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// `t=…,v1=…[,v1=…]` over `body` at `timestamp` with each secret.
pub fn signature_header(timestamp: i64, body: &[u8], secrets: &[&str]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => continue,
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac.finalize().into_bytes()));
    }
    header
}

/// A new signing secret: `whsec_` and 32 random bytes in hex.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// Checks a target URL's form: http(s), a host, no credentials.
pub fn check_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("must be an http or https URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; authenticate with the signature".into());
    }
    Ok(url)
}

/// Refuses literal private and loopback targets when they are not allowed.
pub fn check_target_literal(url: &Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            return Err("must not point to localhost".into())
        }
        _ => None,
    };
    match literal {
        Some(ip) if !is_public(ip) => Err(format!(
            "must not point to a private or loopback address ({ip})"
        )),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone)]
pub struct DeliveryResult {
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration: Duration,
}

pub struct WebhookSender {
    allow_private: bool,
}

pub struct Delivery<'a> {
    pub url: &'a str,
    pub body: &'a [u8],
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub delivery_id: &'a str,
    pub secrets: &'a [&'a str],
}

impl WebhookSender {
    pub fn new(allow_private: bool) -> WebhookSender {
        WebhookSender { allow_private }
    }

    /// One POST; 2xx is success, anything else (redirects included) fails.
    pub async fn deliver(&self, d: &Delivery<'_>) -> DeliveryResult {
        let started = Instant::now();
        let fail = |error: String, status: Option<u16>| DeliveryResult {
            succeeded: false,
            status_code: status,
            error: Some(error),
            duration: started.elapsed(),
        };
        let url = match check_url(d.url) {
            Ok(u) => u,
            Err(e) => return fail(format!("target URL {e}"), None),
        };
        let addr = match self.resolve(&url).await {
            Ok(a) => a,
            Err(e) => return fail(e, None),
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let client = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addr)
            .user_agent(concat!("hirevet-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => return fail(format!("http client: {e}"), None),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header(
                "Hirevet-Signature",
                signature_header(timestamp, d.body, d.secrets),
            )
            .header("Hirevet-Event-Id", d.event_id)
            .header("Hirevet-Event-Type", d.event_type)
            .header("Hirevet-Delivery-Id", d.delivery_id)
            .body(d.body.to_vec())
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => DeliveryResult {
                succeeded: true,
                status_code: Some(r.status().as_u16()),
                error: None,
                duration: started.elapsed(),
            },
            Ok(r) => {
                let status = r.status();
                let reason = if status.is_redirection() {
                    "redirects are not followed".to_string()
                } else {
                    format!("answered {status}")
                };
                fail(reason, Some(status.as_u16()))
            }
            Err(e) if e.is_timeout() => fail("timed out after 10 s".into(), None),
            Err(e) => fail(format!("request failed: {e}"), None),
        }
    }

    /// Resolves the host and picks an address that is allowed.
    async fn resolve(&self, url: &Url) -> Result<SocketAddr, String> {
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let allowed = addrs
            .iter()
            .find(|a| self.allow_private || is_public(a.ip()))
            .copied();
        allowed.ok_or_else(|| {
            format!("{host} resolves only to private or loopback addresses, which are not allowed")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_has_one_v1_per_secret_over_timestamp_dot_body() {
        let h = signature_header(1_700_000_000, b"{\"a\":1}", &["s1", "s2"]);
        let parts: Vec<&str> = h.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        // Independent check: HMAC-SHA256("s1", "1700000000.{\"a\":1}").
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s1").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        assert_eq!(
            parts[1],
            format!("v1={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_ne!(parts[1], parts[2]);
    }

    #[test]
    fn private_literals_are_refused_unless_allowed() {
        for bad in [
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://localhost/",
        ] {
            let url = check_url(bad).unwrap();
            assert!(check_target_literal(&url, false).is_err(), "{bad}");
            assert!(check_target_literal(&url, true).is_ok(), "{bad}");
        }
        let url = check_url("https://hooks.example.com/hirevet").unwrap();
        assert!(check_target_literal(&url, false).is_ok());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("https://user:pw@example.com").is_err());
    }
}
