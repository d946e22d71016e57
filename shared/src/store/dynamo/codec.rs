//! The item codec: attribute names, value builders, and a stored item read back as an `Item`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::{Item, StoreError};

pub(super) const PK: &str = "pk";
pub(super) const SK: &str = "sk";
/// Every item sits under this sort key: the table keeps `sk` so it can grow without a migration.
pub(super) const SK_VALUE: &str = "#";
pub(super) const VALUE: &str = "value";
pub(super) const VERSION: &str = "version";
pub(super) const EXPIRES_AT: &str = "expires_at";

/// The live item under `key` from its attributes; `None` once expired (TTL deletes days late).
pub(super) fn live_item(
    key: &str,
    attributes: &HashMap<String, AttributeValue>,
    now: u64,
) -> Result<Option<Item>, StoreError> {
    let expires_at = number(attributes, EXPIRES_AT).ok_or_else(|| corrupt(key, EXPIRES_AT))?;
    if expires_at <= now {
        return Ok(None);
    }
    // Counters keep their count as a number so `ADD` works; callers always see a decimal string.
    let value = match attributes.get(VALUE) {
        Some(AttributeValue::S(value)) | Some(AttributeValue::N(value)) => value.clone(),
        _ => return Err(corrupt(key, VALUE)),
    };
    let version = number(attributes, VERSION).ok_or_else(|| corrupt(key, VERSION))?;
    Ok(Some(Item { value, version, expires_at }))
}

pub(super) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

pub(super) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn number(attributes: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    attributes.get(name)?.as_n().ok()?.parse().ok()
}

/// Names the key's kind (`PING`, `IDEM`, ...) but not the rest of the key, which may be personal data.
pub(super) fn corrupt(key: &str, attribute: &str) -> StoreError {
    let kind = key.split('#').next().unwrap_or_default();
    StoreError::Corrupt(format!("{kind} item: bad or missing `{attribute}`"))
}
