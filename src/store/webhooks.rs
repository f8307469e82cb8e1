//! Webhook endpoints per tenant. Signing secrets are stored as issued (the
//! service must sign with them); a rotation keeps the old secret live until
//! its expiry so receivers can switch without losing a delivery.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::{now_micros, parse_uuid, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub id: String,
    pub secret: String,
    pub created_at: i64,
    /// Set when a newer secret replaced this one.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// Event types, or `["*"]` for all.
    pub events: Vec<String>,
    pub secrets: Vec<WebhookSecret>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WebhookEndpoint {
    pub fn wants(&self, event_type: &str) -> bool {
        self.enabled && self.events.iter().any(|e| e == "*" || e == event_type)
    }

    /// Secrets that still sign deliveries at `now`.
    pub fn live_secrets(&self, now: i64) -> Vec<&WebhookSecret> {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .collect()
    }
}

fn from_row(row: &AnyRow) -> StoreResult<WebhookEndpoint> {
    let events: String = row.try_get("events")?;
    let secrets: String = row.try_get("secrets")?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("webhook endpoint: {e}"));
    Ok(WebhookEndpoint {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id")?)?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        events: serde_json::from_str(&events).map_err(corrupt)?,
        secrets: serde_json::from_str(&secrets).map_err(corrupt)?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const COLUMNS: &str =
    "id, tenant_id, url, description, events, secrets, enabled, created_at, updated_at";

impl Store {
    pub async fn create_webhook(
        &self,
        tenant_id: Uuid,
        url: &str,
        description: Option<&str>,
        events: &[String],
        secret: WebhookSecret,
    ) -> StoreResult<WebhookEndpoint> {
        let now = now_micros();
        let endpoint = WebhookEndpoint {
            id: Uuid::now_v7(),
            tenant_id,
            url: url.to_string(),
            description: description.map(String::from),
            events: events.to_vec(),
            secrets: vec![secret],
            enabled: true,
            created_at: now,
            updated_at: now,
        };
        sqlx::query(&format!(
            "INSERT INTO webhook_endpoints ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)"
        ))
        .bind(endpoint.id.to_string())
        .bind(tenant_id.to_string())
        .bind(url)
        .bind(description)
        .bind(serde_json::to_string(&endpoint.events).unwrap_or_default())
        .bind(serde_json::to_string(&endpoint.secrets).unwrap_or_default())
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(endpoint)
    }

    pub async fn get_webhook(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<WebhookEndpoint>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn list_webhooks(&self, tenant_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Saves url, description, events, secrets and enabled as given.
    pub async fn update_webhook(&self, endpoint: &WebhookEndpoint) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, secrets = $4, \
             enabled = $5, updated_at = $6 WHERE tenant_id = $7 AND id = $8",
        )
        .bind(&endpoint.url)
        .bind(endpoint.description.as_deref())
        .bind(serde_json::to_string(&endpoint.events).unwrap_or_default())
        .bind(serde_json::to_string(&endpoint.secrets).unwrap_or_default())
        .bind(i64::from(endpoint.enabled))
        .bind(now_micros())
        .bind(endpoint.tenant_id.to_string())
        .bind(endpoint.id.to_string())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Deletes the endpoint; its undelivered events are dropped with it.
    pub async fn delete_webhook(&self, tenant_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "DELETE FROM outbox WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'",
        )
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
