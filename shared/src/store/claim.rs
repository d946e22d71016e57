//! Claims: a record one holder owns until it releases it or its expiry passes (the zone lock, the
//! running-ping claim, the in-flight idempotency record). The value written marks the owner, so a
//! late release never frees a successor's claim.

use super::{Item, Store, StoreError};

/// A holder that vanishes between a refused write and the read (released, or just expired) is
/// tried again this often.
const TRIES: usize = 3;

/// What an attempt to claim a key found.
#[derive(Debug)]
pub enum Claimed {
    /// The record is ours, holding our value, until its expiry.
    Taken,
    /// A live record holds the key: the holder's item.
    HeldBy(Item),
    /// Each try met a holder that was gone by the time it was read.
    Contended,
}

/// Writes `owner` under `key` until `expires_at` unless a live record holds it; if one does,
/// reads the holder.
pub async fn claim(store: &dyn Store, key: &str, owner: &str, expires_at: u64) -> Result<Claimed, StoreError> {
    for _ in 0..TRIES {
        if try_claim(store, key, owner, expires_at).await? {
            return Ok(Claimed::Taken);
        }
        if let Some(holder) = store.get(key).await? {
            return Ok(Claimed::HeldBy(holder));
        }
    }
    Ok(Claimed::Contended)
}

/// Writes `owner` under `key` until `expires_at` unless a live record holds it (`false` then).
pub async fn try_claim(store: &dyn Store, key: &str, owner: &str, expires_at: u64) -> Result<bool, StoreError> {
    match store.put_if_absent(key, owner, expires_at).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the claim if `owner` still holds it. A record that is gone or holds another value is
/// left alone and is no error: the expiry ended ours, and whoever holds the key now keeps it.
pub async fn release(store: &dyn Store, key: &str, owner: &str) -> Result<(), StoreError> {
    match store.delete_if_value(key, owner).await {
        Err(StoreError::ConditionFailed) => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_secs;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_second_claimer_sees_the_holder_until_the_owner_releases() {
        let store = MemoryStore::new();
        let until = now_secs() + 60;
        assert!(matches!(claim(&store, "LOCK#1", "first", until).await, Ok(Claimed::Taken)));

        let second = claim(&store, "LOCK#1", "second", until).await.expect("store");

        assert!(matches!(second, Claimed::HeldBy(ref item) if item.value == "first"), "{second:?}");
        assert!(!try_claim(&store, "LOCK#1", "second", until).await.expect("store"));
        release(&store, "LOCK#1", "first").await.expect("store");
        assert!(try_claim(&store, "LOCK#1", "second", until).await.expect("store"), "released claims can be taken");
    }

    #[tokio::test]
    async fn a_late_release_never_frees_a_successors_claim() {
        let store = MemoryStore::new();
        assert!(try_claim(&store, "LOCK#2", "successor", now_secs() + 60).await.expect("store"));

        release(&store, "LOCK#2", "expired owner").await.expect("someone else's claim is no error");
        release(&store, "LOCK#3", "nobody").await.expect("an absent claim is no error");

        assert_eq!(store.get("LOCK#2").await.expect("store").map(|item| item.value).as_deref(), Some("successor"));
    }
}
