//! Logs, request ids and metrics. One middleware gives every request an id
//! (`X-Request-Id`, accepted or made), a span, a completion log line with
//! method, route pattern, status and latency, and Prometheus counters and
//! histograms by route and status. Paths are logged as route patterns and
//! queries never, so no personal data reaches the logs.
//! ("telemetry" in this code base means device telemetry, not this.)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use tracing::Instrument;

use crate::config::{Config, LogFormat};

/// Installs the global tracing subscriber; `HIREVET_LOG` overrides the level.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HIREVET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; LATENCY_BUCKETS.len()],
}

/// Request counts and latency histograms keyed by (method, route, status).
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let s = series
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (bucket, bound) in s.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP hirevet_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE hirevet_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "hirevet_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP hirevet_http_request_duration_seconds HTTP request latency by route and status.\n",
        );
        out.push_str("# TYPE hirevet_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (bound, count) in LATENCY_BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "hirevet_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "hirevet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "hirevet_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "hirevet_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Accepts a caller's id if it is short and printable, else makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, elapsed);
    }
    span.in_scope(|| {
        tracing::info!(
            route = %route,
            status,
            latency_ms = elapsed * 1000.0,
            "request completed"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/healthz", 200, 0.003);
        m.observe("GET", "/healthz", 200, 0.2);
        let text = m.render();
        assert!(text.contains(
            "hirevet_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"/healthz\",status=\"200\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/healthz\",status=\"200\",le=\"0.25\"} 2"));
        assert!(text.contains("route=\"/healthz\",status=\"200\",le=\"+Inf\"} 2"));
    }
}
