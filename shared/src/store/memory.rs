//! The in-memory store: one process, same rules as DynamoDB (expired reads as absent).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Item, Store, StoreError};
use crate::clock::now_secs;

/// The `Store` in this process's memory: for local runs and tests (instances share nothing).
#[derive(Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, Item>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Item>, u64) -> T) -> T {
        let mut items = self.items.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut items, now_secs())
    }
}

fn live(item: Option<&Item>, now: u64) -> Option<&Item> {
    item.filter(|item| item.expires_at > now)
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Item>, StoreError> {
        Ok(self.with(|items, now| live(items.get(key), now).cloned()))
    }

    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError> {
        Ok(self.with(|items, now| {
            keys.iter().filter_map(|key| Some((key.clone(), live(items.get(key), now)?.clone()))).collect()
        }))
    }

    async fn put_if_absent(&self, key: &str, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.with(|items, now| {
            if live(items.get(key), now).is_some() {
                return Err(StoreError::ConditionFailed);
            }
            items.insert(key.to_owned(), Item { value: value.to_owned(), version: 1, expires_at });
            Ok(())
        })
    }

    async fn update_if_version(&self, key: &str, version: u64, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.with(|items, now| match live(items.get(key), now) {
            Some(item) if item.version == version => {
                items.insert(key.to_owned(), Item { value: value.to_owned(), version: version + 1, expires_at });
                Ok(())
            }
            _ => Err(StoreError::ConditionFailed),
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.with(|items, _| items.remove(key));
        Ok(())
    }

    async fn delete_if_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.with(|items, now| match live(items.get(key), now) {
            Some(item) if item.value == value => {
                items.remove(key);
                Ok(())
            }
            _ => Err(StoreError::ConditionFailed),
        })
    }

    async fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        self.with(|items, now| {
            let (count, expires_at, version) = match live(items.get(key), now) {
                Some(item) => {
                    let count: u64 = item.value.parse().map_err(|_| StoreError::Corrupt(key.to_owned()))?;
                    (count + 1, item.expires_at, item.version + 1)
                }
                None => (1, expires_at, 1),
            };
            items.insert(key.to_owned(), Item { value: count.to_string(), version, expires_at });
            Ok(count)
        })
    }
}
