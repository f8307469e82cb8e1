//! API keys for integrations. Only a SHA-256 of the key is stored: keys are
//! 238 random bits, so a fast hash is enough and lookups stay O(1).

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::{now_micros, parse_uuid, Store, StoreError, StoreResult};

pub const KEY_PREFIX: &str = "hv_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    /// The first characters of the key, enough to recognise it in a listing.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A freshly made key: the secret exists only here and is shown once.
#[derive(Debug)]
pub struct NewApiKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn from_row(row: &AnyRow) -> StoreResult<ApiKeyRecord> {
    let scopes: String = row.try_get("scopes")?;
    Ok(ApiKeyRecord {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id")?)?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const COLUMNS: &str = "id, tenant_id, name, prefix, scopes, created_at, revoked_at";

impl Store {
    pub async fn create_api_key(
        &self,
        tenant_id: Uuid,
        name: &str,
        scopes: &[String],
    ) -> StoreResult<NewApiKey> {
        if !self.tenant_exists(tenant_id).await? {
            return Err(StoreError::NotFound("tenant"));
        }
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let secret = format!("{KEY_PREFIX}{random}");
        let record = ApiKeyRecord {
            id: Uuid::now_v7(),
            tenant_id,
            name: name.to_string(),
            prefix: secret[..11].to_string(),
            scopes: scopes.to_vec(),
            created_at: now_micros(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(record.id.to_string())
        .bind(tenant_id.to_string())
        .bind(&record.name)
        .bind(&record.prefix)
        .bind(hash_key(&secret))
        .bind(record.scopes.join(" "))
        .bind(record.created_at)
        .execute(&self.writer)
        .await?;
        Ok(NewApiKey { record, secret })
    }

    /// The live (not revoked) key whose secret is `secret`.
    pub async fn find_active_api_key(&self, secret: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(hash_key(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn list_api_keys(&self, tenant_id: Uuid) -> StoreResult<Vec<ApiKeyRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Revokes a key of `tenant_id`; revoking twice is harmless.
    pub async fn revoke_api_key(&self, tenant_id: Uuid, key_id: Uuid) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2 AND tenant_id = $3",
        )
        .bind(now_micros())
        .bind(key_id.to_string())
        .bind(tenant_id.to_string())
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("api key"));
        }
        Ok(())
    }
}
