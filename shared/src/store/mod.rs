//! The store port: small string-keyed records with an expiry, shared by every instance
//! (DynamoDB when deployed, memory locally). Expired records read as absent everywhere.

use std::collections::HashMap;

use async_trait::async_trait;

pub mod claim;
mod dynamo;
mod memory;
mod permitted;
pub mod snapshot;

pub use dynamo::DynamoStore;
pub use memory::MemoryStore;
pub use permitted::{Permitted, StoreVerb};

/// A stored record. `version` grows by one on every write, for optimistic updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What the owner wrote (counters: a decimal count).
    pub value: String,
    pub version: u64,
    /// Unix seconds after which the record counts as absent.
    pub expires_at: u64,
}

/// Why a store call failed: a lost race (`ConditionFailed`) is told apart from an outage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition did not hold: someone else got there first.
    #[error("condition failed")]
    ConditionFailed,
    /// The store could not be reached or refused the call.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A record exists but cannot be read back as we wrote it.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// The verbs every stateful rule is built from (ping tasks, idempotency, locks, attempt counters).
#[async_trait]
pub trait Store: Send + Sync {
    /// The live record under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Item>, StoreError>;
    /// The live records under `keys`, read in one round of batched calls (a snapshot's chunks);
    /// absent and expired keys are left out of the map.
    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError>;
    /// Writes version 1 unless a live record exists (`ConditionFailed` then).
    async fn put_if_absent(&self, key: &str, value: &str, expires_at: u64) -> Result<(), StoreError>;
    /// Replaces the record only if it is live and still at `version` (`ConditionFailed` otherwise).
    async fn update_if_version(&self, key: &str, version: u64, value: &str, expires_at: u64) -> Result<(), StoreError>;
    /// Removes the record; absent is fine.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Removes the record only while it holds `value`, so an owner releases its own lock or claim
    /// and never a successor's; `ConditionFailed` when it holds something else or is gone.
    async fn delete_if_value(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Adds one to a counter and returns the new count. A missing or expired counter restarts at 1
    /// and expires at `expires_at`; a live one keeps its expiry (a fixed window).
    async fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError>;
}

/// Keys of the single table that `shared` itself writes (docs/architecture.md §State). A function's
/// own keys live beside the code that writes them, each under a prefix of its own.
pub mod keys {
    /// An idempotency record (the key already scoped to its caller).
    pub fn idempotency(key: &str) -> String {
        format!("IDEM#{key}")
    }
    /// Failed logins (and failed API keys) of a username or source address.
    pub fn login_attempts(subject: &str) -> String {
        format!("ATTEMPT#login#{subject}")
    }
    /// The lease of the one directory refresh running across instances.
    pub const DIRECTORY_LEASE: &str = "DIRLEASE";
    /// The pointer to a snapshot's current version (`DIRECTORY` for the client directory).
    pub fn snapshot_pointer(name: &str) -> String {
        format!("SNAP#{name}")
    }
    /// One chunk of one version of a snapshot.
    pub fn snapshot_chunk(name: &str, version: &str, index: usize) -> String {
        format!("SNAP#{name}#{version}#{index}")
    }
    /// The counter numbering the event log's batches (docs/api.md §16).
    pub const EVENT_COUNTER: &str = "EVENTSEQ";
    /// The event log's index: every live batch with its time and size.
    pub const EVENT_INDEX: &str = "EVENTLOG";
    /// One batch of events, as the refresh that found them wrote it.
    pub fn event_batch(batch: u64) -> String {
        format!("EVENTS#{batch}")
    }
}
