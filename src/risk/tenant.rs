//! What an assessment needs to know about a tenant: its settings, its
//! policy (parsed) and its webhook endpoints, cached for a second per
//! tenant so a burst of assessments does not re-read and re-parse them each
//! time. Changes made through this process drop the entry at once; another
//! replica's changes are seen within the second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::policy::Policy;
use crate::domain::settings::TenantSettings;
use crate::indicators::rmm::SoftwareAllowList;
use crate::store::webhooks::WebhookEndpoint;
use crate::store::{Store, StoreError};

const TTL: Duration = Duration::from_secs(1);

pub struct TenantContext {
    pub settings: TenantSettings,
    /// `settings.allowed_software`, folded for matching once per load.
    pub allowed_software: SoftwareAllowList,
    pub policy: Arc<Policy>,
    pub endpoints: Vec<WebhookEndpoint>,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored tenant settings are invalid: {0}")]
    Settings(String),
}

#[derive(Default)]
pub struct TenantCache {
    entries: Mutex<HashMap<Uuid, (Instant, Arc<TenantContext>)>>,
}

impl TenantCache {
    pub async fn get(
        &self,
        store: &Store,
        default_policy: &Arc<Policy>,
        tenant: Uuid,
    ) -> Result<Arc<TenantContext>, TenantError> {
        if let Some((at, ctx)) = self.lock().get(&tenant) {
            if at.elapsed() < TTL {
                return Ok(ctx.clone());
            }
        }
        let raw = store.tenant_settings(tenant).await?;
        let settings =
            TenantSettings::parse(&raw).map_err(|e| TenantError::Settings(e.to_string()))?;
        let policy = match &settings.policy {
            Some(text) => {
                Arc::new(Policy::from_toml(text).map_err(|e| TenantError::Settings(e.to_string()))?)
            }
            None => default_policy.clone(),
        };
        let endpoints = store.list_webhooks(tenant).await?;
        let ctx = Arc::new(TenantContext {
            allowed_software: SoftwareAllowList::new(&settings.allowed_software),
            settings,
            policy,
            endpoints,
        });
        self.lock().insert(tenant, (Instant::now(), ctx.clone()));
        Ok(ctx)
    }

    /// Drops the tenant's entry after a change to its settings or webhooks.
    pub fn forget(&self, tenant: Uuid) {
        self.lock().remove(&tenant);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (Instant, Arc<TenantContext>)>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
