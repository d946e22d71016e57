//! `get_many` as BatchGetItem: at most 100 keys per call, the calls sent at once, and the keys
//! DynamoDB leaves unprocessed (its 16 MB answer limit, throttling) asked again with backoff.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use futures::future::try_join_all;

use super::codec::{PK, SK, SK_VALUE, live_item, s};
use super::{DynamoStore, built, unavailable};
use crate::clock::now_secs;
use crate::store::{Item, StoreError};

/// BatchGetItem's limit on keys per call.
const MAX_KEYS_PER_CALL: usize = 100;
/// Rounds for keys DynamoDB left unprocessed before the read counts as failed.
const MAX_ROUNDS: u32 = 6;

type Key = HashMap<String, AttributeValue>;

impl DynamoStore {
    pub(super) async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError> {
        let wanted: Vec<Key> =
            keys.iter().map(|key| HashMap::from([(PK.to_owned(), s(key)), (SK.to_owned(), s(SK_VALUE))])).collect();
        let mut found = HashMap::new();
        let mut pending: Vec<Vec<Key>> = wanted.chunks(MAX_KEYS_PER_CALL).map(<[Key]>::to_vec).collect();
        for round in 0..MAX_ROUNDS {
            if pending.is_empty() {
                return Ok(found);
            }
            if round > 0 {
                tokio::time::sleep(Duration::from_millis(50 << round)).await;
            }
            let answers = try_join_all(pending.drain(..).map(|batch| self.batch_call(batch))).await?;
            let mut unprocessed = Vec::new();
            for (items, left) in answers {
                for attributes in items {
                    let key = attributes.get(PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                    if let Some(item) = live_item(&key, &attributes, now_secs())? {
                        found.insert(key, item);
                    }
                }
                unprocessed.extend(left);
            }
            pending = unprocessed.chunks(MAX_KEYS_PER_CALL).map(<[Key]>::to_vec).collect();
        }
        if pending.is_empty() {
            Ok(found)
        } else {
            Err(StoreError::Unavailable("batch_get_item: keys left unprocessed".into()))
        }
    }

    /// One BatchGetItem: the items it returned and the keys it left unprocessed.
    async fn batch_call(&self, keys: Vec<Key>) -> Result<(Vec<Key>, Vec<Key>), StoreError> {
        let request = KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).build().map_err(built)?;
        let answer = self
            .client
            .batch_get_item()
            .request_items(&self.table, request)
            .send()
            .await
            .map_err(|err| unavailable("batch_get_item", &err))?;
        let items = answer.responses.and_then(|mut tables| tables.remove(&self.table)).unwrap_or_default();
        let left = answer
            .unprocessed_keys
            .and_then(|mut tables| tables.remove(&self.table))
            .map(|request| request.keys)
            .unwrap_or_default();
        Ok((items, left))
    }
}
