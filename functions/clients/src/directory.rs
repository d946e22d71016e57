//! The directory behind list, search and resolve: the shared snapshot the refresher publishes,
//! held in memory while its version is current (the pointer is read at most every 30 s), so no
//! request waits for a walk of the tenant. Only a first deploy, with no snapshot yet, starts a
//! refresh on the request path, and answers 503 if it is not ready within the request budget.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use shared::budget;
use shared::clock::now_secs;
use shared::directory::refresh::{self, Changes, Refreshed};
use shared::directory::{self, Record};
use shared::store::Store;
use shared::store::snapshot::Pointer;
use shared::wisphub::model::ClientRecord;
use shared::wisphub::{UpstreamError, WispHub};
use shared::{ApiError, AppState};
use tokio::time::Instant;

use crate::index::{Entry, Index};

/// Longest use of a loaded version without a look at the pointer.
const POINTER_CHECK: Duration = Duration::from_secs(30);
/// How often a request waiting for a first snapshot looks whether it is there.
const FIRST_BUILD_POLL: Duration = Duration::from_millis(200);
/// Kept back from the request budget for answering once a first snapshot is late.
const ANSWER_MARGIN: Duration = Duration::from_millis(300);

/// One version of the directory, as this instance searches it.
pub struct Current {
    pub index: Index,
    pointer: Pointer,
}

impl Current {
    /// Seconds since WispHub was read for this version: what `meta.snapshot_age_secs` tells.
    pub fn age_secs(&self) -> u64 {
        now_secs().saturating_sub(self.pointer.built_at)
    }
}

/// This instance's copy of the directory; clones share it.
#[derive(Clone)]
pub struct Directory {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    wisphub: WispHub,
    country_code: Box<str>,
    request_budget: Duration,
    current: RwLock<Option<Arc<Current>>>,
    checked_at: Mutex<Option<Instant>>,
    /// One pointer check or load at a time in this instance.
    loading: tokio::sync::Mutex<()>,
}

impl Directory {
    pub fn new(state: &AppState) -> Self {
        let inner = Inner {
            store: state.store.clone(),
            wisphub: state.wisphub.clone(),
            country_code: state.config.default_country_code.as_str().into(),
            request_budget: state.config.request_budget,
            current: RwLock::new(None),
            checked_at: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
        };
        Directory { inner: Arc::new(inner) }
    }

    /// The current version: the one in memory while the pointer still names it, else the one
    /// the pointer names, loaded in one round of batched reads.
    pub async fn current(&self) -> Result<Arc<Current>, ApiError> {
        if let Some(current) = self.fresh() {
            return Ok(current);
        }
        let _loading = self.inner.loading.lock().await;
        if let Some(current) = self.fresh() {
            return Ok(current);
        }
        let held = self.held();
        let pointer = match directory::current(&*self.inner.store).await {
            Ok(pointer) => pointer,
            Err(e) => match held {
                // The table is briefly unreachable: the version in memory is still the best answer.
                Some(held) => {
                    tracing::warn!(error = %e, "directory pointer unreadable; serving the loaded version");
                    return Ok(held);
                }
                None => return Err(e.into()),
            },
        };
        match (pointer, held) {
            (Some(pointer), Some(held)) if pointer.version == held.pointer.version => Ok(self.keep(held)),
            (Some(pointer), held) => match (self.load(pointer).await, held) {
                (Ok(Some(current)), _) => Ok(current),
                // Chunks expired (no refresh for a day) or unreadable: keep what we have, if anything.
                (Ok(None), Some(held)) => Ok(self.keep(held)),
                (Err(e), Some(held)) => {
                    tracing::warn!(error = %e, "new directory version unreadable; serving the loaded one");
                    Ok(self.keep(held))
                }
                (Ok(None), None) => self.first_build().await,
                (Err(e), None) => Err(e),
            },
            (None, Some(held)) => Ok(self.keep(held)),
            (None, None) => self.first_build().await,
        }
    }

    /// Replaces one client's entry in this instance's copy after a write we made.
    pub fn refresh_entry(&self, record: &ClientRecord) {
        let Some(held) = self.held() else { return };
        let entries = held
            .index
            .entries
            .iter()
            .map(|entry| {
                if entry.client.service_id == record.id_servicio {
                    Entry::new(Record::from(record), &self.inner.country_code)
                } else {
                    entry.clone()
                }
            })
            .collect();
        let current = Current { index: Index { entries }, pointer: held.pointer.clone() };
        *self.inner.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(current));
    }

    fn held(&self) -> Option<Arc<Current>> {
        self.inner.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The version in memory if the pointer was looked at less than `POINTER_CHECK` ago.
    fn fresh(&self) -> Option<Arc<Current>> {
        let checked_at = *self.inner.checked_at.lock().unwrap_or_else(|p| p.into_inner());
        checked_at.filter(|at| at.elapsed() < POINTER_CHECK).and(self.held())
    }

    fn keep(&self, current: Arc<Current>) -> Arc<Current> {
        *self.inner.checked_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        current
    }

    async fn load(&self, pointer: Pointer) -> Result<Option<Arc<Current>>, ApiError> {
        let started = Instant::now();
        let Some(loaded) = directory::load(&*self.inner.store, pointer).await? else { return Ok(None) };
        let country_code = &self.inner.country_code;
        let entries = loaded.records.into_iter().map(|record| Entry::new(record, country_code)).collect();
        let current = Arc::new(Current { index: Index { entries }, pointer: loaded.pointer });
        tracing::info!(
            clients = current.index.entries.len(),
            compressed_bytes = current.pointer.compressed_bytes,
            ms = started.elapsed().as_millis() as u64,
            "directory snapshot loaded"
        );
        *self.inner.current.write().unwrap_or_else(|p| p.into_inner()) = Some(current.clone());
        Ok(Some(self.keep(current)))
    }

    /// No snapshot at all (a first deploy): start a refresh (the refresher's lease, so at most
    /// one walk runs) and wait for a version within the request budget; never a partial list.
    async fn first_build(&self) -> Result<Arc<Current>, ApiError> {
        let (store, wisphub) = (self.inner.store.clone(), self.inner.wisphub.clone());
        // Spawned: the walk outlives this request if it must, and the next request finds it done.
        let mut walk = Some(tokio::spawn(async move { refresh::refresh(&*store, &wisphub, Changes::FirstOnly).await }));
        loop {
            let left = budget::remaining(self.inner.request_budget).saturating_sub(ANSWER_MARGIN);
            if left.is_zero() {
                return Err(ApiError::Upstream(UpstreamError::BudgetExhausted));
            }
            match walk.as_mut() {
                Some(running) => match tokio::time::timeout(left, running).await {
                    Ok(Ok(Ok(Refreshed::Published { pointer, .. }))) => {
                        if let Some(current) = self.load(pointer).await? {
                            return Ok(current);
                        }
                        walk = None;
                    }
                    Ok(Ok(Ok(Refreshed::Busy))) => walk = None,
                    Ok(Ok(Err(e))) => return Err(e.into()),
                    Ok(Err(panic)) => return Err(ApiError::Internal(format!("directory refresh: {panic}"))),
                    Err(_) => return Err(ApiError::Upstream(UpstreamError::BudgetExhausted)),
                },
                // Another instance is walking: its version appears under the pointer.
                None => {
                    tokio::time::sleep(FIRST_BUILD_POLL.min(left)).await;
                    if let Some(pointer) = directory::current(&*self.inner.store).await?
                        && let Some(current) = self.load(pointer).await?
                    {
                        return Ok(current);
                    }
                }
            }
        }
    }
}
