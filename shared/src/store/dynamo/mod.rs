//! The DynamoDB store: one table (`pk`/`sk`, TTL on `expires_at`), conditional writes for every race,
//! and expired items treated as absent because DynamoDB's TTL deletes them days late.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{Item, Store, StoreError};
use crate::clock::now_secs;

mod batch;
mod codec;
mod table;

use codec::{EXPIRES_AT, PK, SK, SK_VALUE, VALUE, VERSION, corrupt, live_item, n, number, s};

/// A lost put-vs-increment race is retried this often before giving up.
const INCREMENT_TRIES: usize = 5;

/// The `Store` on a DynamoDB table (or a DynamoDB-protocol server such as DynamoDB Local).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// Wraps a client built once by the caller.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Builds a client from the default AWS configuration, pointed at `endpoint` when given
    /// (the SDK also honours `AWS_ENDPOINT_URL_DYNAMODB` by itself).
    pub async fn connect(table: impl Into<String>, endpoint: Option<&str>) -> Self {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let mut builder = aws_sdk_dynamodb::config::Builder::from(&config);
        if let Some(endpoint) = endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self::new(Client::from_conf(builder.build()), table)
    }

    /// Writes a whole record, provided `when` holds for the record it replaces.
    async fn put(
        &self,
        key: &str,
        value: AttributeValue,
        version: u64,
        expires_at: u64,
        when: When,
    ) -> Result<(), StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(key))
            .item(SK, s(SK_VALUE))
            .item(VALUE, value)
            .item(VERSION, n(version))
            .item(EXPIRES_AT, n(expires_at))
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", n(now_secs()));
        let request = match when {
            When::AbsentOrExpired => request
                .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
                .expression_attribute_names("#pk", PK),
            When::LiveAt(expected) => request
                .condition_expression("#version = :v AND #exp > :now")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":v", n(expected)),
        };
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|err| condition_failed_or("put_item", &err, |e| e.is_conditional_check_failed_exception()))
    }

    /// Adds one to a live counter, keeping its expiry, or starts one expiring at `expires_at`, in one
    /// round trip; `ConditionFailed` only when the counter's window has ended.
    async fn add_one(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(key))
            .key(SK, s(SK_VALUE))
            .update_expression("ADD #value :one, #version :one SET #exp = if_not_exists(#exp, :expires)")
            .condition_expression("attribute_not_exists(#pk) OR #exp > :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#value", VALUE)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_secs()))
            .expression_attribute_values(":expires", n(expires_at))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|err| condition_failed_or("update_item", &err, |e| e.is_conditional_check_failed_exception()))?;
        let attributes = updated.attributes().ok_or_else(|| corrupt(key, VALUE))?;
        number(attributes, VALUE).ok_or_else(|| corrupt(key, VALUE))
    }
}

/// The condition a whole-record write needs on the record it replaces.
enum When {
    AbsentOrExpired,
    LiveAt(u64),
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &str) -> Result<Option<Item>, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(key))
            .key(SK, s(SK_VALUE))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| unavailable("get_item", &err))?;
        let Some(attributes) = got.item() else { return Ok(None) };
        live_item(key, attributes, now_secs())
    }

    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError> {
        self.batch_get(keys).await
    }

    async fn put_if_absent(&self, key: &str, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.put(key, s(value), 1, expires_at, When::AbsentOrExpired).await
    }

    async fn update_if_version(&self, key: &str, version: u64, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.put(key, s(value), version + 1, expires_at, When::LiveAt(version)).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(key))
            .key(SK, s(SK_VALUE))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| unavailable("delete_item", &err))
    }

    async fn delete_if_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(key))
            .key(SK, s(SK_VALUE))
            .condition_expression("#value = :value AND #exp > :now")
            .expression_attribute_names("#value", VALUE)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":value", s(value))
            .expression_attribute_values(":now", n(now_secs()))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| condition_failed_or("delete_item", &err, |e| e.is_conditional_check_failed_exception()))
    }

    async fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        for _ in 0..INCREMENT_TRIES {
            match self.add_one(key, expires_at).await {
                Err(StoreError::ConditionFailed) => {}
                counted => return counted,
            }
            // The window ended: start a new one.
            match self.put(key, n(1), 1, expires_at, When::AbsentOrExpired).await {
                Ok(()) => return Ok(1),
                // Another caller started the new window first: add to theirs.
                Err(StoreError::ConditionFailed) => {}
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Unavailable("increment: too much contention".into()))
    }
}

/// `ConditionFailed` when the service says so (`failed` tests the operation's typed error), else `unavailable`.
fn condition_failed_or<E: ProvideErrorMetadata, R>(
    operation: &str,
    err: &SdkError<E, R>,
    failed: impl Fn(&E) -> bool,
) -> StoreError {
    match err.as_service_error() {
        Some(service_error) if failed(service_error) => StoreError::ConditionFailed,
        _ => unavailable(operation, err),
    }
}

/// The error code or failure kind only: SDK messages may echo request content.
fn unavailable<E: ProvideErrorMetadata, R>(operation: &str, err: &SdkError<E, R>) -> StoreError {
    let reason = match err {
        SdkError::ServiceError(_) => err.code().unwrap_or("unknown service error"),
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "unreachable",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ConstructionFailure(_) => "request not built",
        _ => "unknown failure",
    };
    StoreError::Unavailable(format!("{operation}: {reason}"))
}

fn built(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(format!("request not built: {err}"))
}
