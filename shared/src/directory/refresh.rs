//! One refresh of the directory snapshot: under a lease (one walk at a time across instances),
//! walk WispHub's client list with the client's bounded paging, then publish a new version. A
//! walk that fails publishes nothing, so the previous version stays current.

use std::time::Duration;

use super::{Record, SNAPSHOT};
use crate::ApiError;
use crate::clock::now_secs;
use crate::store::snapshot::{self, Pointer};
use crate::store::{Store, StoreError, claim, keys};
use crate::wisphub::model::ClientRecord;
use crate::wisphub::{Route, UpstreamError, WispHub};

/// How long a refresh may hold the lease: past the refresher's Lambda timeout (300 s), so a
/// refresher killed mid-walk frees it for the next one.
pub const LEASE: Duration = Duration::from_secs(330);
/// How long a version stays readable: the current one must outlive refreshers that keep failing
/// while WispHub is down, and old ones go by TTL.
const RETENTION_SECS: u64 = 24 * 3600;

/// What a refresh did.
#[derive(Debug)]
pub enum Refreshed {
    /// A new version is current.
    Published { pointer: Pointer, clients: usize },
    /// Another refresh holds the lease; its version will do.
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
pub async fn refresh(store: &dyn Store, wisphub: &WispHub) -> Result<Refreshed, RefreshError> {
    let started = tokio::time::Instant::now();
    let owner = uuid::Uuid::new_v4().to_string();
    if !claim::try_claim(store, keys::DIRECTORY_LEASE, &owner, now_secs() + LEASE.as_secs()).await? {
        tracing::info!("directory refresh skipped: another one holds the lease");
        return Ok(Refreshed::Busy);
    }
    let published = walk_and_publish(store, wisphub).await;
    if let Err(e) = claim::release(store, keys::DIRECTORY_LEASE, &owner).await {
        tracing::warn!(error = %e, "directory lease not released; it expires by itself");
    }
    match &published {
        Ok(Refreshed::Published { pointer, clients }) => tracing::info!(
            clients,
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

async fn walk_and_publish(store: &dyn Store, wisphub: &WispHub) -> Result<Refreshed, RefreshError> {
    let built_at = now_secs();
    // Records are cut down page by page: the tenant's wire records are never held at once.
    let records = wisphub.list_kept(&Route::Clients, &[], |record: ClientRecord| Some(Record::from(&record))).await?;
    let clients = records.len();
    let data = serde_json::to_vec(&records).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    drop(records);
    let pointer = snapshot::publish(store, SNAPSHOT, &data, built_at, now_secs() + RETENTION_SECS).await?;
    Ok(Refreshed::Published { pointer, clients })
}
