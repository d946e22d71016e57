//! One refresh of the directory snapshot: under a lease (one walk at a time across instances),
//! walk WispHub's client list with the client's bounded paging, then publish a new version in
//! place of the one current before the walk. A walk that fails publishes nothing, so the previous
//! version stays current. The scheduled refresher then compares the two versions and records what
//! changed as events (docs/api.md §16) — only when its pointer switch won.

use std::time::Duration;

use super::{Record, SNAPSHOT};
use crate::ApiError;
use crate::clock::now_secs;
use crate::events::Recorder;
use crate::events::diff::diff;
use crate::events::facts::Facts;
use crate::store::snapshot::{self, Pointer};
use crate::store::{Store, StoreError, claim, keys};
use crate::wisphub::model::ClientRecord;
use crate::wisphub::{Route, UpstreamError, WispHub};

/// How long a refresh may hold the lease: past the refresher's Lambda timeout (300 s), so a
/// refresher killed mid-walk frees it for the next one.
pub const LEASE: Duration = Duration::from_secs(330);
/// The name of a version's facts (what events compare), stored beside its chunks.
const FACTS: &str = "facts";
/// How long a version stays readable: the current one must outlive refreshers that keep failing
/// while WispHub is down, and old ones go by TTL.
const RETENTION_SECS: u64 = 24 * 3600;

/// What a refresh does about what changed since the current version.
#[derive(Clone, Copy)]
pub enum Changes<'a> {
    /// Records them as events (the scheduled refresher).
    Record(&'a Recorder),
    /// Publishes only while there is no version at all (a request's first build): telling what
    /// changed is the scheduled refresher's work, so an existing version is left to it.
    FirstOnly,
}

/// What a refresh did.
#[derive(Debug)]
pub enum Refreshed {
    /// A new version is current; `events` changes since the previous one were recorded.
    Published { pointer: Pointer, clients: usize, events: usize },
    /// Another refresh holds the lease or published first (or, for a first build, a version
    /// exists): its version will do.
    Busy,
}

/// Why a refresh published nothing.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// WispHub's client list could not be read whole.
    #[error("walking the client list: {0}")]
    Upstream(#[from] UpstreamError),
    /// The table refused or lost a write (or the lease could not be taken).
    #[error("writing the snapshot: {0}")]
    Store(#[from] StoreError),
}

/// A request that waited for a refresh answers as if it had walked WispHub itself.
impl From<RefreshError> for ApiError {
    fn from(e: RefreshError) -> Self {
        match e {
            RefreshError::Upstream(e) => ApiError::Upstream(e),
            RefreshError::Store(e) => ApiError::Store(e),
        }
    }
}

/// Walks every client and publishes the directory, unless another refresh holds the lease.
#[tracing::instrument(name = "directory_refresh", skip_all)]
pub async fn refresh(store: &dyn Store, wisphub: &WispHub, changes: Changes<'_>) -> Result<Refreshed, RefreshError> {
    let started = tokio::time::Instant::now();
    let owner = uuid::Uuid::new_v4().to_string();
    if !claim::try_claim(store, keys::DIRECTORY_LEASE, &owner, now_secs() + LEASE.as_secs()).await? {
        tracing::info!("directory refresh skipped: another one holds the lease");
        return Ok(Refreshed::Busy);
    }
    let published = walk_and_publish(store, wisphub, changes).await;
    if let Err(e) = claim::release(store, keys::DIRECTORY_LEASE, &owner).await {
        tracing::warn!(error = %e, "directory lease not released; it expires by itself");
    }
    match &published {
        Ok(Refreshed::Published { pointer, clients, events }) => tracing::info!(
            clients,
            events,
            chunks = pointer.chunks,
            compressed_bytes = pointer.compressed_bytes,
            ms = started.elapsed().as_millis() as u64,
            "directory snapshot published"
        ),
        Ok(Refreshed::Busy) => {}
        Err(e) => tracing::warn!(error = %e, "directory refresh failed; the previous snapshot stays current"),
    }
    published
}

async fn walk_and_publish(
    store: &dyn Store,
    wisphub: &WispHub,
    changes: Changes<'_>,
) -> Result<Refreshed, RefreshError> {
    let previous = snapshot::current(store, SNAPSHOT).await?;
    let recorder = match changes {
        Changes::Record(recorder) => Some(recorder),
        Changes::FirstOnly if previous.is_none() => None,
        Changes::FirstOnly => return Ok(Refreshed::Busy),
    };
    let built_at = now_secs();
    // Records are cut down page by page: the tenant's wire records are never held at once.
    let records = wisphub.list_kept(&Route::Clients, &[], |record: ClientRecord| Some(Record::from(&record))).await?;
    let clients = records.len();
    // What events need of this version, kept beside it for the next refresh to compare with.
    let facts = Facts::of(&records);
    let data = serde_json::to_vec(&records).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    drop(records);
    let expires_at = now_secs() + RETENTION_SECS;
    let stored = facts.to_stored();
    let attached = [(FACTS, stored.as_slice())];
    let published = snapshot::publish(store, SNAPSHOT, &data, &attached, built_at, expires_at, previous.as_ref());
    let pointer = match published.await {
        Err(StoreError::ConditionFailed) => {
            tracing::info!("another refresh published first; its version and its events stand");
            return Ok(Refreshed::Busy);
        }
        published => published?,
    };
    drop(data);
    // A first version has nothing to compare with: it tells nothing.
    let events = match (recorder, previous) {
        (Some(recorder), Some(previous)) => tell(store, recorder, &previous, &facts, built_at).await,
        _ => 0,
    };
    Ok(Refreshed::Published { pointer, clients, events })
}

/// Records what changed from `previous` to the version just published; how many events that made.
/// The new version is current whatever happens here, so a failure is logged, not returned.
async fn tell(store: &dyn Store, recorder: &Recorder, previous: &Pointer, facts: &Facts, built_at: u64) -> usize {
    let started = tokio::time::Instant::now();
    let before = match facts_of(store, previous).await {
        Ok(before) => before,
        Err(e) => {
            tracing::warn!(error = %e, "previous directory version unreadable; no events from this refresh");
            return 0;
        }
    };
    let changes = diff(&before, facts);
    let diff_ms = started.elapsed().as_millis() as u64;
    match recorder.record(store, changes, built_at).await {
        Ok(events) => {
            tracing::info!(events = events.len(), diff_ms, services = facts.services(), "directory changes recorded");
            events.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "events of this refresh not recorded; the snapshot is current");
            0
        }
    }
}

/// The facts of the version `previous` names: stored beside it, or (a version written before they
/// were) read from its records.
pub async fn facts_of(store: &dyn Store, previous: &Pointer) -> Result<Facts, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("the previous version's facts: {e}"));
    if let Some(stored) = snapshot::load_attached(store, SNAPSHOT, previous, FACTS).await? {
        return Facts::from_stored(&stored).map_err(corrupt);
    }
    match snapshot::load(store, SNAPSHOT, previous).await? {
        Some(data) => Facts::from_snapshot(&data).map_err(corrupt),
        None => Err(StoreError::Corrupt("the previous version's chunks are gone".into())),
    }
}
