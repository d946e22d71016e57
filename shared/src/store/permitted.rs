//! The store verbs, each with the DynamoDB actions behind it, and a store that allows only the
//! verbs a function declares: the table policy of template.yaml, enforced in every run.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::{Item, Store, StoreError};

/// A verb of the [`Store`] port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StoreVerb {
    Get,
    GetMany,
    PutIfAbsent,
    UpdateIfVersion,
    Delete,
    DeleteIfValue,
    Increment,
}

impl StoreVerb {
    /// The DynamoDB actions the adapter calls for this verb (store/dynamo): both conditional
    /// writes are PutItem; `increment` adds with UpdateItem and starts a new window with PutItem.
    pub fn table_actions(self) -> &'static [&'static str] {
        match self {
            StoreVerb::Get => &["dynamodb:GetItem"],
            StoreVerb::GetMany => &["dynamodb:BatchGetItem"],
            StoreVerb::PutIfAbsent | StoreVerb::UpdateIfVersion => &["dynamodb:PutItem"],
            StoreVerb::Delete | StoreVerb::DeleteIfValue => &["dynamodb:DeleteItem"],
            StoreVerb::Increment => &["dynamodb:UpdateItem", "dynamodb:PutItem"],
        }
    }
}

/// A store that lets through only the verbs `function` declares; any other fails as DynamoDB
/// would fail a call its policy does not grant.
pub struct Permitted {
    inner: Arc<dyn Store>,
    function: &'static str,
    verbs: Vec<StoreVerb>,
}

impl Permitted {
    /// `inner`, limited to `verbs`.
    pub fn new(inner: Arc<dyn Store>, function: &'static str, verbs: Vec<StoreVerb>) -> Self {
        Permitted { inner, function, verbs }
    }

    fn allow(&self, verb: StoreVerb) -> Result<(), StoreError> {
        if self.verbs.contains(&verb) {
            return Ok(());
        }
        tracing::error!(function = self.function, ?verb, "store verb not declared by the function");
        Err(StoreError::Unavailable(format!("{verb:?} is not among the store verbs {} declares", self.function)))
    }
}

#[async_trait]
impl Store for Permitted {
    async fn get(&self, key: &str) -> Result<Option<Item>, StoreError> {
        self.allow(StoreVerb::Get)?;
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError> {
        self.allow(StoreVerb::GetMany)?;
        self.inner.get_many(keys).await
    }

    async fn put_if_absent(&self, key: &str, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.allow(StoreVerb::PutIfAbsent)?;
        self.inner.put_if_absent(key, value, expires_at).await
    }

    async fn update_if_version(&self, key: &str, version: u64, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.allow(StoreVerb::UpdateIfVersion)?;
        self.inner.update_if_version(key, version, value, expires_at).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.allow(StoreVerb::Delete)?;
        self.inner.delete(key).await
    }

    async fn delete_if_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.allow(StoreVerb::DeleteIfValue)?;
        self.inner.delete_if_value(key, value).await
    }

    async fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        self.allow(StoreVerb::Increment)?;
        self.inner.increment(key, expires_at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_verb_the_function_does_not_declare_fails_like_a_denied_call() {
        let store = Permitted::new(Arc::new(MemoryStore::new()), "plans", vec![StoreVerb::Get]);
        assert!(store.get("k").await.unwrap().is_none());
        let denied = store.put_if_absent("k", "v", u64::MAX).await.unwrap_err();
        assert!(matches!(denied, StoreError::Unavailable(reason) if reason.contains("PutIfAbsent")));
    }
}
