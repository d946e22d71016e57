//! The event log in the store, read without a scan: a refresh's events are written in batches of
//! up to [`BATCH_SIZE`] under `EVENTS#<n>` (`n` from a counter), then listed in one index item with
//! their time and size, so the feed finds any cursor's batch with one read and fetches what follows
//! in one batched read. Batches expire by TTL after the retention; a batch the index does not list
//! yet does not exist for readers, so a reader never skips one that is still being written.

use std::time::Duration;

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use super::{Change, Event, EventId};
use crate::store::{Item, Store, StoreError, keys};

/// Events per stored batch: a batch stays far under DynamoDB's 400 KB item limit.
pub const BATCH_SIZE: usize = 500;
/// Batches the index lists at most (a week of refreshes every two minutes, each with events, is
/// 5,040); beyond it the oldest are dropped, and cursors into them answer as expired.
const MAX_INDEXED: usize = 10_000;
/// Tries of the index's conditional write against another writer.
const INDEX_TRIES: usize = 8;
/// The counter outlives every batch: restarting at 1 would hand out ids again.
const COUNTER_LIFE_SECS: u64 = 100 * 365 * 24 * 3600;

/// The index: every live batch as `[n, written_at, events]`, oldest first.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    #[serde(rename = "b")]
    batches: Vec<Listed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Listed(u64, u64, u32);

impl Listed {
    fn number(self) -> u64 {
        self.0
    }

    fn live(self, retention: Duration, now: u64) -> bool {
        self.1 + retention.as_secs() > now
    }

    fn events(self) -> usize {
        self.2 as usize
    }
}

/// Numbers `changes` (seen in a snapshot WispHub was read for at `occurred_at`) and writes them,
/// readable once the index lists them; kept until `now + retention`.
pub async fn record(
    store: &dyn Store,
    changes: Vec<Change>,
    occurred_at: u64,
    retention: Duration,
    now: u64,
) -> Result<Vec<Event>, StoreError> {
    let occurred_at = DateTime::from_timestamp(occurred_at as i64, 0).unwrap_or_default();
    let expires_at = now + retention.as_secs();
    let mut events = Vec::with_capacity(changes.len());
    let mut listed = Vec::new();
    for chunk in changes.chunks(BATCH_SIZE) {
        let batch = store.increment(keys::EVENT_COUNTER, now + COUNTER_LIFE_SECS).await?;
        let numbered: Vec<Event> = chunk
            .iter()
            .enumerate()
            .map(|(index, change)| Event {
                id: EventId { batch, index: index as u32 },
                kind: change.kind,
                occurred_at,
                data: change.data.clone(),
            })
            .collect();
        let value = serde_json::to_string(&numbered).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.put_if_absent(&keys::event_batch(batch), &value, expires_at).await?;
        listed.push(Listed(batch, now, numbered.len() as u32));
        events.extend(numbered);
    }
    if !listed.is_empty() {
        list(store, &listed, retention, now).await?;
    }
    Ok(events)
}

/// Adds `batches` to the index, dropping the ones past the retention, in one conditional write.
async fn list(store: &dyn Store, batches: &[Listed], retention: Duration, now: u64) -> Result<(), StoreError> {
    let expires_at = now + retention.as_secs();
    for _ in 0..INDEX_TRIES {
        let current = store.get(keys::EVENT_INDEX).await?;
        let mut index = read_index(current.as_ref())?;
        index.batches.retain(|batch| batch.live(retention, now));
        index.batches.extend_from_slice(batches);
        index.batches.sort_unstable_by_key(|batch| batch.number());
        index.batches.dedup_by_key(|batch| batch.number());
        let excess = index.batches.len().saturating_sub(MAX_INDEXED);
        index.batches.drain(..excess);
        let value = serde_json::to_string(&index).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let written = match &current {
            None => store.put_if_absent(keys::EVENT_INDEX, &value, expires_at).await,
            Some(item) => store.update_if_version(keys::EVENT_INDEX, item.version, &value, expires_at).await,
        };
        match written {
            Err(StoreError::ConditionFailed) => continue,
            other => return other,
        }
    }
    Err(StoreError::Unavailable("the event index kept changing under its writer".into()))
}

fn read_index(item: Option<&Item>) -> Result<Index, StoreError> {
    item.map(|item| serde_json::from_str(&item.value).map_err(|_| StoreError::Corrupt("event index".into())))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// What a read of the feed found.
#[derive(Debug, PartialEq)]
pub enum Page {
    /// Events after the cursor, oldest first; `more` when others follow them.
    Events { events: Vec<Event>, more: bool },
    /// The cursor's batch is past the retention: events after it may be gone.
    Expired,
    /// The cursor names a batch after every one written.
    Unknown,
}

/// Up to `limit` events after `after` (from the oldest kept without one).
pub async fn page(
    store: &dyn Store,
    after: Option<EventId>,
    limit: usize,
    retention: Duration,
    now: u64,
) -> Result<Page, StoreError> {
    let mut live = read_index(store.get(keys::EVENT_INDEX).await?.as_ref())?.batches;
    live.retain(|batch| batch.live(retention, now));
    // Where the page starts: a batch, and how many of its events the cursor has seen.
    let (start, seen) = match after {
        None => (0, 0),
        Some(cursor) => match (live.first(), live.last()) {
            (Some(first), _) if cursor.batch < first.number() => return Ok(Page::Expired),
            (None, _) => return Ok(Page::Expired),
            (_, Some(last)) if cursor.batch > last.number() => return Ok(Page::Unknown),
            _ => match live.binary_search_by_key(&cursor.batch, |batch| batch.number()) {
                Ok(at) => (at, cursor.index as usize + 1),
                // A number no batch was listed under (its writer stopped): what follows it.
                Err(at) => (at, 0),
            },
        },
    };
    let mut wanted: Vec<(u64, usize)> = Vec::new();
    let (mut gathered, mut remaining) = (0, 0);
    for (at, batch) in live.iter().enumerate().skip(start) {
        let skip = if at == start { seen } else { 0 };
        let unread = batch.events().saturating_sub(skip);
        remaining += unread;
        if gathered < limit && unread > 0 {
            wanted.push((batch.number(), skip));
            gathered += unread;
        }
    }
    let batch_keys: Vec<String> = wanted.iter().map(|(batch, _)| keys::event_batch(*batch)).collect();
    let mut found = if batch_keys.is_empty() { Default::default() } else { store.get_many(&batch_keys).await? };
    let mut events = Vec::with_capacity(limit.min(gathered));
    for ((batch, skip), key) in wanted.into_iter().zip(&batch_keys) {
        // Gone between the index read and now (its expiry passed): nothing left to show of it.
        let Some(item) = found.remove(key) else { continue };
        let stored: Vec<Event> =
            serde_json::from_str(&item.value).map_err(|_| StoreError::Corrupt(format!("event batch {batch}")))?;
        events.extend(stored.into_iter().skip(skip).take(limit - events.len()));
    }
    let more = remaining > events.len();
    Ok(Page::Events { events, more })
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
