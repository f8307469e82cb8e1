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

/// Re-screening's record, per tenant, of the list versions all its live
/// candidates were last assessed against (see `jobs::rescreen`).
impl Store {
    /// The live versions (as `LiveSet::versions` writes them) the tenant's
    /// last finished re-screening covered, if one finished.
    pub async fn rescreened_lists(&self, tenant: Uuid) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT lists FROM rescreen_state WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("lists")).transpose()?)
    }

    /// Drops the record, as a re-screening of the tenant begins.
    pub async fn forget_rescreened(&self, tenant: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM rescreen_state WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Records that re-screening the tenant's candidates over `lists`
    /// finished (`finished_at` is for operators).
    pub async fn record_rescreened(&self, tenant: Uuid, lists: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rescreen_state (tenant_id, lists, finished_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET \
               lists = EXCLUDED.lists, finished_at = EXCLUDED.finished_at",
        )
        .bind(tenant.to_string())
        .bind(lists)
        .bind(now_micros())
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}
