//! Table set-up for local runs and tests: create it with TTL on `expires_at` and wait until usable
//! (deployed, the SAM template creates the table).

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use super::codec::{EXPIRES_AT, PK, SK};
use super::{DynamoStore, built, unavailable};
use crate::store::StoreError;

const TABLE_ACTIVE_WAIT: Duration = Duration::from_secs(60);

impl DynamoStore {
    /// Creates the table with TTL on `expires_at` unless it exists, and waits until it is usable.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attribute = |name: &str| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build()
        };
        let key = |name: &str, key_type| KeySchemaElement::builder().attribute_name(name).key_type(key_type).build();
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attribute(PK).map_err(built)?)
            .attribute_definitions(attribute(SK).map_err(built)?)
            .key_schema(key(PK, KeyType::Hash).map_err(built)?)
            .key_schema(key(SK, KeyType::Range).map_err(built)?)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {}
            Err(err) => return Err(unavailable("create_table", &err)),
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        let deadline = tokio::time::Instant::now() + TABLE_ACTIVE_WAIT;
        loop {
            let described = self.client.describe_table().table_name(&self.table).send().await;
            let described = described.map_err(|err| unavailable("describe_table", &err))?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StoreError::Unavailable("describe_table: table not active in time".into()));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Enabling TTL twice is an error in DynamoDB, so look first; a concurrent enable is fine too.
    async fn enable_ttl(&self) -> Result<(), StoreError> {
        if self.ttl_enabled().await? {
            return Ok(());
        }
        let spec =
            TimeToLiveSpecification::builder().attribute_name(EXPIRES_AT).enabled(true).build().map_err(built)?;
        let updated =
            self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(spec).send().await;
        match updated {
            Ok(_) => Ok(()),
            Err(_) if self.ttl_enabled().await? => Ok(()),
            Err(err) => Err(unavailable("update_time_to_live", &err)),
        }
    }

    async fn ttl_enabled(&self) -> Result<bool, StoreError> {
        let described = self.client.describe_time_to_live().table_name(&self.table).send().await;
        let described = described.map_err(|err| unavailable("describe_time_to_live", &err))?;
        let status = described.time_to_live_description().and_then(|d| d.time_to_live_status());
        Ok(matches!(status, Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)))
    }
}
