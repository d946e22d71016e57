//! The changes between two versions of the client directory: only what events need of each
//! version (service and billing status, router and sector with their fault) is kept, so comparing
//! 50,000 clients holds a few megabytes, and the previous version is read record by record.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};

use super::{Change, EventData, EventType, OutageData, ServiceData};
use crate::directory::{Device, Record};
use crate::outage::OutageScope;
use crate::wisphub::payment_status::{PaymentStatus, estado_facturas};

/// What events need of one version of the directory.
#[derive(Debug, Default)]
pub struct Facts {
    /// Sorted by service id.
    services: Vec<ServiceFacts>,
    devices: BTreeMap<(OutageScope, i64), DeviceFacts>,
    /// Snapshots written before events existed hold no devices: nothing to compare outages with.
    has_devices: bool,
}

#[derive(Debug, Clone, Copy)]
struct ServiceFacts {
    id: i64,
    status: Status,
    billing: Option<PaymentStatus>,
}

#[derive(Debug, Default)]
struct DeviceFacts {
    name: Option<Box<str>>,
    fault: bool,
    description: Option<Box<str>>,
    /// Services behind it that are not cancelled.
    affected: u32,
}

/// WispHub's `estado`, as far as events tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Suspended,
    Cancelled,
    Other,
}

impl Status {
    fn of(estado: Option<&str>) -> Status {
        match estado.map(|s| s.trim().to_lowercase()).as_deref() {
            Some("activo") => Status::Active,
            Some("suspendido") => Status::Suspended,
            Some("cancelado") => Status::Cancelled,
            _ => Status::Other,
        }
    }
}

impl Facts {
    /// The facts of a version being published.
    pub fn of(records: &[Record]) -> Facts {
        let mut facts = Facts::default();
        for record in records {
            let client = &record.client;
            facts.add(
                client.service_id,
                client.service_status.as_deref(),
                client.payment_status,
                [(OutageScope::Router, record.router.as_ref()), (OutageScope::Sector, record.sector.as_ref())],
            );
        }
        facts.finish()
    }

    /// The facts of a stored version (the JSON list of records a snapshot holds), read one record
    /// at a time: the rest of each record (names, phones, addresses) is skipped, never kept.
    pub fn from_snapshot(data: &[u8]) -> Result<Facts, serde_json::Error> {
        use serde::Deserializer;
        serde_json::Deserializer::from_slice(data).deserialize_seq(FactsVisitor)
    }

    /// How many services the version holds.
    pub fn services(&self) -> usize {
        self.services.len()
    }

    fn add(
        &mut self,
        id: i64,
        estado: Option<&str>,
        billing: Option<PaymentStatus>,
        devices: [(OutageScope, Option<&Device>); 2],
    ) {
        let status = Status::of(estado);
        self.services.push(ServiceFacts { id, status, billing });
        for (scope, device) in devices {
            let Some(device) = device else { continue };
            self.has_devices = true;
            let facts = self.devices.entry((scope, device.id)).or_default();
            if facts.name.is_none() {
                facts.name = device.name.clone();
            }
            // WispHub renders the flag live; a walk that straddles a switch sees both: flagged wins.
            if device.fault && !facts.fault {
                facts.fault = true;
                facts.description = device.description.clone();
            }
            if status != Status::Cancelled {
                facts.affected += 1;
            }
        }
    }

    fn finish(mut self) -> Facts {
        self.services.sort_unstable_by_key(|service| service.id);
        self.services.dedup_by_key(|service| service.id);
        self
    }
}

/// What the previous version's records are read as: unknown fields are skipped unread.
#[derive(Deserialize)]
struct StoredRecord {
    c: StoredClient,
    #[serde(default)]
    r: Option<Device>,
    #[serde(default)]
    s: Option<Device>,
}

#[derive(Deserialize)]
struct StoredClient {
    service_id: i64,
    #[serde(default)]
    service_status: Option<Box<str>>,
    #[serde(default, deserialize_with = "estado_facturas")]
    payment_status: Option<PaymentStatus>,
}

struct FactsVisitor;

impl<'de> Visitor<'de> for FactsVisitor {
    type Value = Facts;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list of directory records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut records: A) -> Result<Facts, A::Error> {
        let mut facts = Facts::default();
        while let Some(StoredRecord { c, r, s }) = records.next_element()? {
            let devices = [(OutageScope::Router, r.as_ref()), (OutageScope::Sector, s.as_ref())];
            facts.add(c.service_id, c.service_status.as_deref(), c.payment_status, devices);
        }
        Ok(facts.finish())
    }
}

/// What changed from `old` to `new`, outages first (by scope and device id), then services by id.
/// A service only one version holds is no change. A device first seen flagged is raised (nobody was
/// told yet); one no longer seen tells nothing, as no record shows its flag any more.
pub fn diff(old: &Facts, new: &Facts) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.has_devices {
        for (&(scope, device_id), now) in &new.devices {
            let before = old.devices.get(&(scope, device_id));
            let was_flagged = before.is_some_and(|d| d.fault);
            let kind = match (was_flagged, now.fault) {
                (false, true) => EventType::OutageRaised,
                (true, false) => EventType::OutageCleared,
                (true, true) if before.is_some_and(|d| d.description != now.description) => EventType::OutageUpdated,
                _ => continue,
            };
            let data = OutageData {
                scope,
                device_id,
                device_name: now.name.as_deref().map(str::to_owned),
                description: now.description.as_deref().map(str::to_owned),
                affected_services: now.affected,
            };
            changes.push(Change { kind, data: EventData::Outage(data) });
        }
    }
    let mut before = old.services.iter().peekable();
    for now in &new.services {
        while before.next_if(|service| service.id < now.id).is_some() {}
        let Some(was) = before.next_if(|service| service.id == now.id) else { continue };
        let service = EventData::Service(ServiceData { service_id: now.id });
        let status = match (was.status, now.status) {
            (Status::Active, Status::Suspended) => Some(EventType::ServiceSuspended),
            (Status::Suspended, Status::Active) => Some(EventType::ServiceReactivated),
            _ => None,
        };
        let owed = matches!(was.billing, Some(PaymentStatus::Pending | PaymentStatus::Overdue));
        let settled = (owed && now.billing == Some(PaymentStatus::Paid)).then_some(EventType::BillingSettled);
        for kind in [status, settled].into_iter().flatten() {
            changes.push(Change { kind, data: service.clone() });
        }
    }
    changes
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
