//! Events (docs/api.md §16): what changed between two directory snapshots, told without being asked.
//! The refresher finds the changes (`diff`), the log keeps them for the feed (`log`), and the
//! webhook queue (`queue`) carries each one, signed, to the tenant's URL (`webhook`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use crate::clock::now_secs;
use crate::outage::OutageScope;
use crate::state::AppState;
use crate::store::{Store, StoreError};

pub mod diff;
pub mod facts;
mod local;
pub mod log;
pub mod queue;
mod sqs;
pub mod webhook;

pub use local::LocalQueue;
pub use sqs::SqsQueue;

use queue::EventQueue;

/// Where a refresh's changes go: the log, kept `EVENT_RETENTION_DAYS`, then, with a webhook, its queue.
pub struct Recorder {
    retention: Duration,
    queue: Option<Arc<dyn EventQueue>>,
}

impl Recorder {
    /// The recorder of `state`'s settings and webhook queue.
    pub fn of(state: &AppState) -> Self {
        Recorder { retention: state.config.events.retention, queue: state.queue.clone() }
    }

    /// Numbers and keeps `changes`, seen in a snapshot WispHub was read for at `occurred_at`, then
    /// hands them to the webhook queue. What the queue refuses stays in the feed, and is logged.
    pub async fn record(
        &self,
        store: &dyn Store,
        changes: Vec<Change>,
        occurred_at: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let events = log::record(store, changes, occurred_at, self.retention, now_secs()).await?;
        if let Some(queue) = self.queue.as_ref().filter(|_| !events.is_empty())
            && let Err(e) = queue.send(&events).await
        {
            tracing::error!(error = %e, events = events.len(), "events not handed to the webhook queue; the feed has them");
        }
        Ok(events)
    }
}

/// What happened, in the spelling of docs/api.md §16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// A router or sector's general fault turned on.
    #[serde(rename = "outage.raised")]
    OutageRaised,
    /// Its description changed while it stayed on.
    #[serde(rename = "outage.updated")]
    OutageUpdated,
    /// It turned off.
    #[serde(rename = "outage.cleared")]
    OutageCleared,
    /// A service went from Activo to Suspendido.
    #[serde(rename = "service.suspended")]
    ServiceSuspended,
    /// Back from Suspendido to Activo.
    #[serde(rename = "service.reactivated")]
    ServiceReactivated,
    /// Its invoices went from Pendiente de Pago or Vencidas to Pagadas.
    #[serde(rename = "billing.settled")]
    BillingSettled,
}

/// An outage event's data: the device and how many services hang from it (ids and counts only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutageData {
    pub scope: OutageScope,
    pub device_id: i64,
    pub device_name: Option<String>,
    /// The ISP's own words, when it wrote any.
    pub description: Option<String>,
    /// Services behind the device that are not cancelled.
    pub affected_services: u32,
}

/// A service event's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceData {
    pub service_id: i64,
}

/// The `data` of an event, by its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventData {
    Outage(OutageData),
    Service(ServiceData),
}

/// A change the refresher found, before the log numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: EventType,
    pub data: EventData,
}

/// One event as the feed shows it and the webhook body carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "000000000042-0000", "type": "outage.raised", "occurred_at": "2026-11-26T15:05:00Z",
    "data": {"scope": "sector", "device_id": 3, "device_name": "Sectorial Rural 90°",
        "description": "Mantenimiento programado en la torre rural", "affected_services": 2}}))]
pub struct Event {
    #[schema(value_type = String)]
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When WispHub was read for the snapshot that showed the change.
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: DateTime<Utc>,
    pub data: EventData,
}

/// An event's id: its batch in the log and its place in the batch, zero-padded so ids sort as
/// text in the order they were made (`000000000042-0003`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    pub batch: u64,
    pub index: u32,
}

const BATCH_DIGITS: usize = 12;
const INDEX_DIGITS: usize = 4;

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0bw$}-{:0iw$}", self.batch, self.index, bw = BATCH_DIGITS, iw = INDEX_DIGITS)
    }
}

impl FromStr for EventId {
    type Err = &'static str;

    /// Only the spelling we hand out: a cursor in any other is not one of ours.
    fn from_str(raw: &str) -> Result<Self, &'static str> {
        const PROBLEM: &str = "no es un id de evento (NNNNNNNNNNNN-NNNN)";
        let (batch, index) = raw.split_once('-').ok_or(PROBLEM)?;
        let digits = |part: &str, width: usize| part.len() == width && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(batch, BATCH_DIGITS) || !digits(index, INDEX_DIGITS) {
            return Err(PROBLEM);
        }
        Ok(EventId { batch: batch.parse().map_err(|_| PROBLEM)?, index: index.parse().map_err(|_| PROBLEM)? })
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_sort_as_text_in_the_order_they_were_made_and_read_back() {
        let ids = [EventId { batch: 9, index: 12 }, EventId { batch: 10, index: 0 }, EventId { batch: 10, index: 2 }];
        let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(texts[0], "000000000009-0012");
        assert!(texts.windows(2).all(|pair| pair[0] < pair[1]), "{texts:?}");
        assert_eq!(texts.iter().map(|t| t.parse().unwrap()).collect::<Vec<EventId>>(), ids);
        for bad in ["", "9-12", "000000000009_0012", "00000000000a-0001", "000000000009-00012", "-000000000009-001"] {
            assert!(bad.parse::<EventId>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_event_reads_as_docs_api_16_shows_it() {
        let event = Event {
            id: EventId { batch: 1, index: 0 },
            kind: EventType::ServiceSuspended,
            occurred_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            data: EventData::Service(ServiceData { service_id: 1004 }),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            json!({"id": "000000000001-0000", "type": "service.suspended", "occurred_at": "2027-01-15T08:00:00Z",
                "data": {"service_id": 1004}})
        );
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    }
}
