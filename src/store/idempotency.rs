//! Stored responses for `Idempotency-Key` replays. A record binds a key to a
//! hash of the request; the same key with another request is a conflict.

use sqlx::Row;
use uuid::Uuid;

use super::{now_micros, Store, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub status_code: u16,
    pub response_body: String,
}

/// Keys older than this are forgotten and may be reused.
const KEEP_MICROS: i64 = 24 * 3600 * 1_000_000;

impl Store {
    pub async fn find_idempotency_record(
        &self,
        tenant_id: Uuid,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let row = sqlx::query(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys \
             WHERE tenant_id = $1 AND idem_key = $2 AND created_at > $3",
        )
        .bind(tenant_id.to_string())
        .bind(key)
        .bind(now_micros() - KEEP_MICROS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let status: i64 = row.try_get("status_code")?;
            Ok(IdempotencyRecord {
                request_hash: row.try_get("request_hash")?,
                status_code: u16::try_from(status).unwrap_or(200),
                response_body: row.try_get("response_body")?,
            })
        })
        .transpose()
    }

    /// Records the response for `key`; the first writer wins a race.
    pub async fn save_idempotency_record(
        &self,
        tenant_id: Uuid,
        key: &str,
        record: &IdempotencyRecord,
        resource_id: Option<Uuid>,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        // An expired record is replaced rather than blocking the key forever.
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2 AND created_at <= $3",
        )
        .bind(tenant_id.to_string())
        .bind(key)
        .bind(now_micros() - KEEP_MICROS)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (tenant_id, idem_key, request_hash, status_code, response_body, resource_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, idem_key) DO NOTHING",
        )
        .bind(tenant_id.to_string())
        .bind(key)
        .bind(&record.request_hash)
        .bind(i64::from(record.status_code))
        .bind(&record.response_body)
        .bind(resource_id.map(|id| id.to_string()))
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
