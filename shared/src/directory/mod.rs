//! The client directory as a shared snapshot: what search, resolve and the list need of every
//! client, built off the request path by the refresher (`refresh`) and read whole by each
//! instance. The format is the contract between the two, so it lives here.

use serde::{Deserialize, Serialize};

use crate::store::snapshot::{self, Pointer};
use crate::store::{Store, StoreError};
use crate::wisphub::model::ClientRecord;

mod client;
mod device;
pub mod refresh;

pub use client::Client;
pub use device::Device;

/// The snapshot's name in the table.
pub const SNAPSHOT: &str = "DIRECTORY";

/// One client as the directory holds it. One-letter keys: they repeat once per client before deflate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    #[serde(rename = "c")]
    pub client: Client,
    /// Service status `Activo`: listed by `GET /clients/`.
    #[serde(rename = "a")]
    pub active: bool,
    /// The plan, whose detail gives the price when the record has none.
    #[serde(rename = "p")]
    pub plan_id: Option<i64>,
    /// The router the service hangs from, with its general-fault flag (outage events and the
    /// customers behind an outage). Absent in snapshots written before events existed.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub router: Option<Device>,
    /// The sector (access point), when the service has one.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Device>,
}

impl From<&ClientRecord> for Record {
    fn from(record: &ClientRecord) -> Self {
        Record {
            client: Client::from(record),
            active: record.is_active(),
            plan_id: record.plan_internet.as_ref().and_then(|p| p.id),
            router: record.router.as_ref().and_then(Device::of),
            sector: record.sectorial.as_ref().and_then(Device::of),
        }
    }
}

/// Every client of one version, in WispHub's order, and the version's pointer.
pub struct Loaded {
    /// Which version this is, and when WispHub was read for it.
    pub pointer: Pointer,
    pub records: Vec<Record>,
}

/// The pointer of the current version, if there is one (a cheap single read).
pub async fn current(store: &dyn Store) -> Result<Option<Pointer>, StoreError> {
    snapshot::current(store, SNAPSHOT).await
}

/// The records of the version `pointer` names; `None` when its chunks are gone.
pub async fn load(store: &dyn Store, pointer: Pointer) -> Result<Option<Loaded>, StoreError> {
    let Some(data) = snapshot::load(store, SNAPSHOT, &pointer).await? else { return Ok(None) };
    let records = serde_json::from_slice(&data).map_err(|_| StoreError::Corrupt("directory snapshot".into()))?;
    Ok(Some(Loaded { pointer, records }))
}
