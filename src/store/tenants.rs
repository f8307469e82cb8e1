//! Tenants: the companies using hirevet. Everything else belongs to one.

use sqlx::Row;
use uuid::Uuid;

use super::{now_micros, Store, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
}

impl Store {
    pub async fn create_tenant(&self, name: &str) -> StoreResult<Tenant> {
        let tenant = Tenant {
            id: Uuid::now_v7(),
            name: name.to_string(),
            created_at: now_micros(),
        };
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(tenant.id.to_string())
            .bind(&tenant.name)
            .bind(tenant.created_at)
            .execute(&self.writer)
            .await?;
        Ok(tenant)
    }

    pub async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Tenant {
                    id: super::parse_uuid(row.try_get("id")?)?,
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn tenant_exists(&self, id: Uuid) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}
