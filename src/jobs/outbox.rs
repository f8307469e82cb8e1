//! The delivery worker: claims due outbox items, delivers each (signed
//! webhook or alert email), logs the attempt, and reschedules failures with
//! exponential backoff until the configured attempts (about three days)
//! are spent. At least once: an item is marked delivered only after the
//! receiver said so, so a crash in between delivers it again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::NotifyConfig;
use crate::notify::email::{Email, EmailSender};
use crate::notify::webhook::{Delivery, WebhookSender};
use crate::store::outbox::{Attempt, OutboxItem};
use crate::store::{now_micros, Store};

/// An item is leased to one worker this long before another may take it.
const LEASE: Duration = Duration::from_secs(120);
const BATCH: i64 = 20;

pub struct OutboxWorker {
    store: Store,
    config: NotifyConfig,
    webhooks: WebhookSender,
    email: Option<EmailSender>,
    wakeup: Arc<Notify>,
}

impl OutboxWorker {
    pub fn new(store: Store, config: NotifyConfig, wakeup: Arc<Notify>) -> Result<Self, String> {
        let email = config
            .smtp
            .clone()
            .map(EmailSender::new)
            .transpose()
            .map_err(|e| format!("SMTP settings: {e}"))?;
        Ok(OutboxWorker {
            webhooks: WebhookSender::new(config.allow_private_targets),
            store,
            config,
            email,
            wakeup,
        })
    }

    /// Runs forever: drains due items, then waits for new ones or the poll
    /// interval.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox delivery pass failed"),
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
    }

    /// Delivers one batch; returns how many items it handled.
    pub async fn run_once(&self) -> Result<usize, crate::store::StoreError> {
        let items = self
            .store
            .claim_outbox(BATCH, LEASE.as_micros() as i64)
            .await?;
        for item in &items {
            let attempt = self.deliver(item).await;
            if !attempt.succeeded {
                tracing::info!(
                    outbox_id = %item.id, event_type = %item.event_type,
                    attempt = item.attempts + 1, error = attempt.error.as_deref().unwrap_or(""),
                    retry = attempt.retry_at.is_some(), "delivery failed"
                );
            }
            self.store.record_attempt(item, &attempt).await?;
        }
        Ok(items.len())
    }

    fn retry_at(&self, item: &OutboxItem, retryable: bool) -> Option<i64> {
        if !retryable {
            return None;
        }
        let attempts = u32::try_from(item.attempts + 1).unwrap_or(u32::MAX);
        self.config
            .retry_delay(attempts)
            .map(|d| now_micros() + d.as_micros() as i64)
    }

    async fn deliver(&self, item: &OutboxItem) -> Attempt {
        match item.channel.as_str() {
            "webhook" => self.deliver_webhook(item).await,
            "email" => self.deliver_email(item).await,
            other => Attempt {
                succeeded: false,
                status_code: None,
                error: Some(format!("unknown channel {other:?}")),
                duration_ms: 0,
                retry_at: None,
            },
        }
    }

    async fn deliver_webhook(&self, item: &OutboxItem) -> Attempt {
        let endpoint = match item.endpoint_id {
            Some(id) => self.store.get_webhook(item.tenant_id, id).await,
            None => Ok(None),
        };
        let endpoint = match endpoint {
            Ok(Some(e)) if e.enabled => e,
            Ok(_) => {
                return Attempt {
                    succeeded: false,
                    status_code: None,
                    error: Some("the endpoint was deleted or disabled".into()),
                    duration_ms: 0,
                    retry_at: None,
                }
            }
            Err(e) => {
                return Attempt {
                    succeeded: false,
                    status_code: None,
                    error: Some(format!("loading the endpoint: {e}")),
                    duration_ms: 0,
                    retry_at: self.retry_at(item, true),
                }
            }
        };
        let body = item.payload.to_string();
        let secrets = endpoint.live_secrets(now_micros());
        let secrets: Vec<&str> = secrets.iter().map(|s| s.secret.as_str()).collect();
        let result = self
            .webhooks
            .deliver(&Delivery {
                url: &endpoint.url,
                body: body.as_bytes(),
                event_id: &item.event_id.to_string(),
                event_type: &item.event_type,
                delivery_id: &item.id.to_string(),
                secrets: &secrets,
            })
            .await;
        Attempt {
            succeeded: result.succeeded,
            status_code: result.status_code.map(i64::from),
            retry_at: if result.succeeded {
                None
            } else {
                self.retry_at(item, true)
            },
            error: result.error,
            duration_ms: result.duration.as_millis() as i64,
        }
    }

    async fn deliver_email(&self, item: &OutboxItem) -> Attempt {
        let started = std::time::Instant::now();
        let Some(sender) = &self.email else {
            // Alerts wait for SMTP to be configured rather than vanish.
            return Attempt {
                succeeded: false,
                status_code: None,
                error: Some("SMTP is not configured (notify.smtp)".into()),
                duration_ms: 0,
                retry_at: self.retry_at(item, true),
            };
        };
        let email = Email {
            to: item.payload["to"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            subject: item.payload["subject"].as_str().unwrap_or_default().into(),
            text: item.payload["text"].as_str().unwrap_or_default().into(),
        };
        let result = sender.send(&email).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        match result {
            Ok(()) => Attempt {
                succeeded: true,
                status_code: None,
                error: None,
                duration_ms,
                retry_at: None,
            },
            Err(e) => Attempt {
                succeeded: false,
                status_code: None,
                retry_at: self.retry_at(item, e.is_retryable()),
                error: Some(e.to_string()),
                duration_ms,
            },
        }
    }
}
