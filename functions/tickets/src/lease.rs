//! A claim a request holds in the store for a bounded time (`shared::budget::lease`): the one
//! count of a zone's open tickets.

use std::sync::Arc;

use shared::store::{Store, claim};

/// A claim this request holds. If the request is dropped before `release` (the stack's timeout
/// guard fired, the caller hung up), the removal is spawned so others need not wait for the lease.
pub struct Held {
    store: Arc<dyn Store>,
    key: Option<String>,
    /// What this holder wrote, so a late release never frees a successor's claim.
    owner: String,
}

impl Held {
    pub fn new(store: Arc<dyn Store>, key: String, owner: String) -> Self {
        Held { store, key: Some(key), owner }
    }

    /// Removes the record now; a store failure is only logged (the lease ends it anyway).
    pub async fn release(mut self) {
        if let Some(key) = self.key.take() {
            remove(&*self.store, &key, &self.owner).await;
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let (Some(key), Ok(runtime)) = (self.key.take(), tokio::runtime::Handle::try_current()) else { return };
        let (store, owner) = (self.store.clone(), std::mem::take(&mut self.owner));
        runtime.spawn(async move { remove(&*store, &key, &owner).await });
    }
}

async fn remove(store: &dyn Store, key: &str, owner: &str) {
    if let Err(e) = claim::release(store, key, owner).await {
        let kind = key.split('#').next().unwrap_or_default();
        tracing::warn!(error = %e, kind, "could not release a store record; its lease will end it");
    }
}
