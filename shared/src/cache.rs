//! A per-instance cache for data that only saves WispHub calls (plans, subjects, payment methods):
//! a TTL, one refresh at a time, and stale data served while a background refresh runs. (The client
//! directory is too big to walk per instance: it is a shared snapshot, see `directory`.)

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// A cached value and whether it is out of date.
pub struct Snapshot<T> {
    /// The value, shared with the cache.
    pub value: Arc<T>,
    /// Older than the TTL: a refresh is under way or failed.
    pub stale: bool,
}

/// A single-value cache with a TTL, shared by its clones.
pub struct Cache<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    ttl: Duration,
    slot: RwLock<Option<(Instant, Arc<T>)>>,
    refresh: Arc<Mutex<()>>,
}

impl<T> Clone for Cache<T> {
    fn clone(&self) -> Self {
        Cache { inner: self.inner.clone() }
    }
}

impl<T: Send + Sync + 'static> Cache<T> {
    /// An empty cache whose value is fresh for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Cache { inner: Arc::new(Inner { ttl, slot: RwLock::new(None), refresh: Arc::new(Mutex::new(())) }) }
    }

    /// The cached value. Empty: load now (concurrent callers wait for the same load).
    /// Expired: answer with the old value and refresh in the background, once.
    pub async fn get<F, Fut, E>(&self, load: F) -> Result<Snapshot<T>, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        if let Some(snapshot) = self.peek() {
            let refresh = if snapshot.stale { self.inner.refresh.clone().try_lock_owned().ok() } else { None };
            if let Some(guard) = refresh {
                let cache = self.clone();
                tokio::spawn(async move {
                    let _guard = guard;
                    match load().await {
                        Ok(value) => cache.put(value),
                        Err(e) => tracing::warn!(error = %e, "background cache refresh failed; keeping stale data"),
                    }
                });
            }
            return Ok(snapshot);
        }
        let _guard = self.inner.refresh.lock().await;
        if let Some(snapshot) = self.peek() {
            return Ok(snapshot);
        }
        let value = Arc::new(load().await?);
        *self.inner.slot.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), value.clone()));
        Ok(Snapshot { value, stale: false })
    }

    /// The cached value without loading, if any.
    fn peek(&self) -> Option<Snapshot<T>> {
        let slot = self.inner.slot.read().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|(at, value)| Snapshot { value: value.clone(), stale: at.elapsed() > self.inner.ttl })
    }

    /// Replaces the cached value (a background refresh's result).
    fn put(&self, value: T) {
        *self.inner.slot.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), Arc::new(value)));
    }
}
