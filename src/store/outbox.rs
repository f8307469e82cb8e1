//! The durable outbox: events waiting for delivery to a webhook endpoint
//! or by email, claimed by delivery workers (with `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL so replicas never take the same row), and the delivery log.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::assessments::StoreTx;
use super::{now_micros, parse_uuid, value_rows, Backend, Page, Store, StoreError, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Email,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

/// One event for one destination.
#[derive(Debug, Clone)]
pub struct NewOutboxItem {
    pub candidate_id: Option<Uuid>,
    pub event_id: Uuid,
    pub event_type: String,
    pub channel: Channel,
    pub endpoint_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub channel: String,
    pub endpoint_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub attempt: i64,
    pub attempted_at: i64,
    pub succeeded: bool,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub succeeded: bool,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// When to try again; `None` gives up (or, on success, is ignored).
    pub retry_at: Option<i64>,
}

fn opt_uuid(text: Option<String>) -> StoreResult<Option<Uuid>> {
    text.map(parse_uuid).transpose()
}

fn item_from_row(row: &AnyRow) -> StoreResult<OutboxItem> {
    let payload: String = row.try_get("payload")?;
    Ok(OutboxItem {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id")?)?,
        event_id: parse_uuid(row.try_get("event_id")?)?,
        event_type: row.try_get("event_type")?,
        channel: row.try_get("channel")?,
        endpoint_id: opt_uuid(row.try_get("endpoint_id")?)?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("outbox payload: {e}")))?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

fn delivery_from_row(row: &AnyRow) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: parse_uuid(row.try_get("id")?)?,
        outbox_id: parse_uuid(row.try_get("outbox_id")?)?,
        event_id: parse_uuid(row.try_get("event_id")?)?,
        event_type: row.try_get("event_type")?,
        attempt: row.try_get("attempt")?,
        attempted_at: row.try_get("attempted_at")?,
        succeeded: row.try_get::<i64, _>("succeeded")? != 0,
        status_code: row.try_get("status_code")?,
        error: row.try_get("error")?,
        duration_ms: row.try_get("duration_ms")?,
    })
}

const ITEM_COLUMNS: &str = "id, tenant_id, event_id, event_type, channel, endpoint_id, payload, \
     status, attempts, next_attempt_at, last_error, created_at, delivered_at";

impl StoreTx {
    /// Queues the items (of this transaction's tenant) in one statement.
    pub async fn enqueue(&mut self, items: &[NewOutboxItem]) -> StoreResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO outbox (id, tenant_id, candidate_id, event_id, event_type, channel, \
             endpoint_id, payload, status, attempts, next_attempt_at, locked_until, created_at) \
             VALUES {}",
            value_rows(
                items.len(),
                "(?, $1, ?, ?, ?, ?, ?, ?, 'pending', 0, $2, 0, $2)",
                3
            )
        );
        let mut query = sqlx::query(&sql)
            .bind(self.tenant_id.to_string())
            .bind(now_micros());
        for item in items {
            query = query
                .bind(Uuid::now_v7().to_string())
                .bind(item.candidate_id.map(|c| c.to_string()))
                .bind(item.event_id.to_string())
                .bind(&item.event_type)
                .bind(item.channel.as_str())
                .bind(item.endpoint_id.map(|e| e.to_string()))
                .bind(item.payload.to_string());
        }
        query.execute(&mut *self.tx).await?;
        self.enqueued += items.len();
        Ok(())
    }

    /// Whether this transaction added outbox items, i.e. whether the
    /// delivery worker has anything new once it commits.
    pub fn enqueued_any(&self) -> bool {
        self.enqueued > 0
    }
}

impl Store {
    /// Claims up to `limit` due items for `lease_micros`; a worker that dies
    /// mid-delivery loses its lease and another picks the item up.
    pub async fn claim_outbox(
        &self,
        limit: i64,
        lease_micros: i64,
    ) -> StoreResult<Vec<OutboxItem>> {
        let now = now_micros();
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite has one writer at a time: the UPDATE is the lock.
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET locked_until = $1 WHERE id IN ( \
               SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
               AND locked_until <= $2 ORDER BY next_attempt_at, id LIMIT $3 {lock}) \
             RETURNING {ITEM_COLUMNS}"
        ))
        .bind(now + lease_micros)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        let mut items = rows
            .iter()
            .map(item_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        items.sort_by_key(|i| (i.next_attempt_at, i.id));
        Ok(items)
    }

    /// Logs an attempt and moves the item on: delivered, retried later, or
    /// failed for good.
    pub async fn record_attempt(&self, item: &OutboxItem, attempt: &Attempt) -> StoreResult<()> {
        let now = now_micros();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO deliveries (id, tenant_id, outbox_id, endpoint_id, event_id, event_type, \
             attempt, attempted_at, succeeded, status_code, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(item.tenant_id.to_string())
        .bind(item.id.to_string())
        .bind(item.endpoint_id.map(|e| e.to_string()))
        .bind(item.event_id.to_string())
        .bind(&item.event_type)
        .bind(item.attempts + 1)
        .bind(now)
        .bind(i64::from(attempt.succeeded))
        .bind(attempt.status_code)
        .bind(attempt.error.as_deref())
        .bind(attempt.duration_ms)
        .execute(&mut *tx)
        .await?;
        let (status, next) = match (attempt.succeeded, attempt.retry_at) {
            (true, _) => ("delivered", item.next_attempt_at),
            (false, Some(at)) => ("pending", at),
            (false, None) => ("failed", item.next_attempt_at),
        };
        sqlx::query(
            "UPDATE outbox SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
             locked_until = 0, last_error = $3, delivered_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(next)
        .bind(attempt.error.as_deref())
        .bind(attempt.succeeded.then_some(now))
        .bind(item.id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log of one endpoint, newest first.
    pub async fn list_deliveries(
        &self,
        tenant_id: Uuid,
        endpoint_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Page<DeliveryRecord>> {
        self.newest_first(
            "SELECT * FROM deliveries WHERE tenant_id = $1 AND endpoint_id = $2",
            (tenant_id, endpoint_id),
            (before, limit),
            delivery_from_row,
            |x| x.id,
        )
        .await
    }

    /// Puts a delivered or failed item back in the queue for the same
    /// endpoint, due now (manual redelivery). Keeps its event id.
    pub async fn redeliver(
        &self,
        tenant_id: Uuid,
        endpoint_id: Uuid,
        outbox_id: Uuid,
    ) -> StoreResult<Option<OutboxItem>> {
        let now = now_micros();
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $1, locked_until = 0 \
             WHERE tenant_id = $2 AND endpoint_id = $3 AND id = $4 RETURNING {ITEM_COLUMNS}"
        ))
        .bind(now)
        .bind(tenant_id.to_string())
        .bind(endpoint_id.to_string())
        .bind(outbox_id.to_string())
        .fetch_all(&self.writer)
        .await?;
        rows.first().map(item_from_row).transpose()
    }

    /// Items still waiting, for status pages and tests.
    pub async fn pending_outbox(&self, tenant_id: Uuid) -> StoreResult<Vec<OutboxItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM outbox WHERE tenant_id = $1 AND status = 'pending' ORDER BY id"
        ))
        .bind(tenant_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_from_row).collect()
    }
}
