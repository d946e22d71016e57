//! A service's book of writes in the shared store (its payment promises, its payment reports): one
//! record of entries updated at a known version, so concurrent requests cannot together pass a
//! rule, and an entry is in the book *before* its WispHub POST (`write_once`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::store::{Store, StoreError};

/// Tries of read-check-write before the store is called too contended (503).
const TRIES: usize = 5;

#[derive(Serialize, Deserialize)]
#[serde(bound = "E: Serialize + DeserializeOwned")]
struct Entries<E> {
    // Promise books written before this module kept their entries as `promises`.
    #[serde(alias = "promises")]
    entries: Vec<E>,
}

/// The book under one store key.
pub struct Book<'a> {
    store: &'a dyn Store,
    key: String,
}

impl<'a> Book<'a> {
    /// The book kept under `key`.
    pub fn new(store: &'a dyn Store, key: String) -> Self {
        Book { store, key }
    }

    /// The entries kept now.
    pub async fn entries<E: Serialize + DeserializeOwned>(&self) -> Result<Vec<E>, ApiError> {
        match self.store.get(&self.key).await? {
            Some(item) => Ok(parse::<E>(&item.value)?.entries),
            None => Ok(Vec::new()),
        }
    }

    /// Adds `entry` unless `rule` says no: `rule` gets the entries kept (and may drop those past their
    /// time) and returns the refusal, if any. The book then lives until `keep_until` (Unix seconds).
    pub async fn record<E, R>(
        &self,
        entry: &E,
        keep_until: u64,
        rule: impl Fn(&mut Vec<E>) -> Option<R>,
    ) -> Result<Option<R>, ApiError>
    where
        E: Clone + Serialize + DeserializeOwned,
    {
        for _ in 0..TRIES {
            let item = self.store.get(&self.key).await?;
            let mut entries = match &item {
                Some(item) => parse::<E>(&item.value)?.entries,
                None => Vec::new(),
            };
            if let Some(refusal) = rule(&mut entries) {
                return Ok(Some(refusal));
            }
            entries.push(entry.clone());
            let value = serde_json::to_string(&Entries { entries })
                .map_err(|e| ApiError::Internal(format!("a book of {}: {e}", self.key)))?;
            let written = match &item {
                Some(item) => self.store.update_if_version(&self.key, item.version, &value, keep_until).await,
                None => self.store.put_if_absent(&self.key, &value, keep_until).await,
            };
            match written {
                Ok(()) => return Ok(None),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Unavailable(format!("the book {} is too contended", self.key)).into())
    }

    /// Takes back an entry WispHub certainly did not act on. A failure here only leaves it counted
    /// until the book expires, which errs on the side of never writing twice.
    pub async fn take_back<E: PartialEq + Serialize + DeserializeOwned>(&self, entry: &E) {
        for _ in 0..TRIES {
            let Ok(Some(item)) = self.store.get(&self.key).await else { return };
            let Ok(mut book) = parse::<E>(&item.value) else { return };
            book.entries.retain(|kept| kept != entry);
            let Ok(value) = serde_json::to_string(&book) else { return };
            match self.store.update_if_version(&self.key, item.version, &value, item.expires_at).await {
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "a refused write stays counted until its book expires");
                    return;
                }
                Ok(()) => return,
            }
        }
    }
}

fn parse<E: Serialize + DeserializeOwned>(value: &str) -> Result<Entries<E>, StoreError> {
    serde_json::from_str(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn an_entry_is_kept_unless_the_rule_refuses_and_can_be_taken_back() {
        let store = MemoryStore::new();
        let book = Book::new(&store, "BOOK#1".into());
        let at_most_two = |entries: &mut Vec<u32>| (entries.len() >= 2).then_some("full");

        assert_eq!(book.record(&1, u64::MAX, at_most_two).await.unwrap(), None);
        assert_eq!(book.record(&2, u64::MAX, at_most_two).await.unwrap(), None);
        assert_eq!(book.record(&3, u64::MAX, at_most_two).await.unwrap(), Some("full"));
        book.take_back(&1).await;
        assert_eq!(book.entries::<u32>().await.unwrap(), vec![2]);
    }

    #[tokio::test]
    async fn a_book_written_as_promises_still_reads() {
        let store = MemoryStore::new();
        store.put_if_absent("BOOK#2", r#"{"promises": [7]}"#, u64::MAX).await.unwrap();
        assert_eq!(Book::new(&store, "BOOK#2".into()).entries::<u32>().await.unwrap(), vec![7]);
    }
}
