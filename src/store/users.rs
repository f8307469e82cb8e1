//! Analyst accounts (viewer, analyst, admin). Passwords, when set, are kept
//! as Argon2id hashes for the console's sign-in.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use super::{is_unique_violation, now_micros, parse_uuid, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub role: String,
    pub has_password: bool,
    pub created_at: i64,
}

fn from_row(row: &AnyRow) -> StoreResult<UserRecord> {
    let hash: Option<String> = row.try_get("password_hash")?;
    Ok(UserRecord {
        id: parse_uuid(row.try_get("id")?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id")?)?,
        email: row.try_get("email")?,
        role: row.try_get("role")?,
        has_password: hash.is_some(),
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    pub async fn create_user(
        &self,
        tenant_id: Uuid,
        email: &str,
        role: &str,
        password: Option<&str>,
    ) -> StoreResult<UserRecord> {
        if !self.tenant_exists(tenant_id).await? {
            return Err(StoreError::NotFound("tenant"));
        }
        let password_hash = password
            .map(|p| {
                let salt = SaltString::generate(&mut OsRng);
                Argon2::default()
                    .hash_password(p.as_bytes(), &salt)
                    .map(|h| h.to_string())
                    .map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))
            })
            .transpose()?;
        let user = UserRecord {
            id: Uuid::now_v7(),
            tenant_id,
            email: email.to_string(),
            role: role.to_string(),
            has_password: password_hash.is_some(),
            created_at: now_micros(),
        };
        sqlx::query(
            "INSERT INTO users (id, tenant_id, email, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user.id.to_string())
        .bind(tenant_id.to_string())
        .bind(&user.email)
        .bind(&user.role)
        .bind(password_hash)
        .bind(user.created_at)
        .execute(&self.writer)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict("a user with this email exists in the tenant".into())
            } else {
                e.into()
            }
        })?;
        Ok(user)
    }

    pub async fn list_users(&self, tenant_id: Uuid) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, email, role, password_hash, created_at \
             FROM users WHERE tenant_id = $1 ORDER BY id",
        )
        .bind(tenant_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
