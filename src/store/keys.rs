//! API keys for integrations. Only a SHA-256 of the key is stored: keys are
//! 238 random bits, so a fast hash is enough and lookups stay O(1).
//!
//! Every request authenticates, so live keys found are remembered for
//! [`KEY_CACHE_TTL`] (by hash, never by secret) instead of read each time.
//! A revocation through this process drops the entry at once; one made by
//! another process (the `keys revoke` command, another replica) takes
//! effect here within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// How long a live key is trusted without asking the database again: the
/// longest a revocation made by another process goes unseen here.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(1);

/// Above this many entries, expired ones are swept on insert. Only keys
/// found live are cached (never unknown ones, which anyone can make up),
/// so the map is bounded by the live keys used within a TTL anyway.
const KEY_CACHE_SWEEP_AT: usize = 1024;

/// Live keys by the hash of their secret, with when they were read.
#[derive(Default)]
pub(super) struct KeyCache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    entries: HashMap<String, (Instant, ApiKeyRecord)>,
    /// Counts revocations, so a lookup that read a key before a revocation
    /// committed does not put it back after the revocation dropped it.
    revocations: u64,
}

impl KeyCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // Every change under the lock is a single insert, remove or
        // increment, so a poisoned lock still guards a consistent map.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, hash: &str) -> Option<ApiKeyRecord> {
        match self.lock().entries.get(hash) {
            Some((at, record)) if at.elapsed() < KEY_CACHE_TTL => Some(record.clone()),
            _ => None,
        }
    }

    /// The revocation count to hand back to [`put`](Self::put).
    fn revocations(&self) -> u64 {
        self.lock().revocations
    }

    /// Remembers a key read at `read_at`, unless a revocation went through
    /// this process since `revocations` was taken (before the read).
    fn put(&self, hash: String, record: ApiKeyRecord, read_at: Instant, revocations: u64) {
        let mut inner = self.lock();
        if inner.revocations != revocations {
            return;
        }
        if inner.entries.len() >= KEY_CACHE_SWEEP_AT {
            inner
                .entries
                .retain(|_, (at, _)| at.elapsed() < KEY_CACHE_TTL);
        }
        inner.entries.insert(hash, (read_at, record));
    }

    fn forget(&self, key_id: Uuid) {
        let mut inner = self.lock();
        inner.revocations += 1;
        inner.entries.retain(|_, (_, record)| record.id != key_id);
    }
}

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

    /// The live (not revoked) key whose secret is `secret`, from the cache
    /// when it was read less than [`KEY_CACHE_TTL`] ago.
    pub async fn find_active_api_key(&self, secret: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let hash = hash_key(secret);
        if let Some(record) = self.keys.get(&hash) {
            return Ok(Some(record));
        }
        // Both taken before the read: a key revoked elsewhere while it runs
        // is trusted no longer than the TTL, and one revoked here not at all.
        let read_at = Instant::now();
        let revocations = self.keys.revocations();
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let record = row.as_ref().map(from_row).transpose()?;
        if let Some(record) = &record {
            self.keys.put(hash, record.clone(), read_at, revocations);
        }
        Ok(record)
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
        self.keys.forget(key_id);
        Ok(())
    }
}
