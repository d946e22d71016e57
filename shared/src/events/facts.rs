//! What events need of one version of the client directory: each service's status and billing
//! status, each router and sector with its fault and how many services hang from it. A few
//! megabytes at 50,000 clients, stored deflated beside the version it describes (a few hundred kB),
//! so the next refresh compares without reading the whole previous version back; a version stored
//! before facts were is read record by record instead.

use std::collections::BTreeMap;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::directory::{Device, Record};
use crate::outage::OutageScope;
use crate::wisphub::payment_status::{PaymentStatus, estado_facturas};

/// What events need of one version of the directory.
#[derive(Debug, Default)]
pub struct Facts {
    /// Sorted by service id.
    pub(super) services: Vec<ServiceFacts>,
    pub(super) devices: BTreeMap<(OutageScope, i64), DeviceFacts>,
    /// Snapshots written before events existed hold no devices: nothing to compare outages with.
    pub(super) has_devices: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ServiceFacts {
    pub(super) id: i64,
    pub(super) status: Status,
    pub(super) billing: Option<PaymentStatus>,
}

#[derive(Debug, Default)]
pub(super) struct DeviceFacts {
    pub(super) name: Option<Box<str>>,
    pub(super) fault: bool,
    pub(super) description: Option<Box<str>>,
    /// Services behind it that are not cancelled.
    pub(super) affected: u32,
}

/// WispHub's `estado`, as far as events tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
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

/// The stored form, one-digit codes: `{"s": [[service_id, status, billing]…], "d": [[scope, id,
/// name, fault, description, affected]…], "h": has_devices}`.
#[derive(Serialize, Deserialize)]
struct Stored {
    s: Vec<(i64, u8, u8)>,
    d: Vec<StoredDevice>,
    h: bool,
}

/// `[scope, id, name, fault, description, affected]`.
type StoredDevice = (u8, i64, Option<Box<str>>, bool, Option<Box<str>>, u32);

const STATUSES: [Status; 4] = [Status::Other, Status::Active, Status::Suspended, Status::Cancelled];
const BILLING: [Option<PaymentStatus>; 4] =
    [None, Some(PaymentStatus::Paid), Some(PaymentStatus::Pending), Some(PaymentStatus::Overdue)];
const SCOPES: [OutageScope; 2] = [OutageScope::Router, OutageScope::Sector];

fn code<T: PartialEq>(table: &[T], value: &T) -> u8 {
    table.iter().position(|known| known == value).unwrap_or(0) as u8
}

impl Facts {
    /// The stored form, to keep beside the version these facts describe.
    pub fn to_stored(&self) -> Vec<u8> {
        let stored = Stored {
            s: self.services.iter().map(|s| (s.id, code(&STATUSES, &s.status), code(&BILLING, &s.billing))).collect(),
            d: self
                .devices
                .iter()
                .map(|(&(scope, id), d)| {
                    (code(&SCOPES, &scope), id, d.name.clone(), d.fault, d.description.clone(), d.affected)
                })
                .collect(),
            h: self.has_devices,
        };
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    /// Facts read back from their stored form.
    pub fn from_stored(data: &[u8]) -> Result<Facts, serde_json::Error> {
        let stored: Stored = serde_json::from_slice(data)?;
        let services = stored
            .s
            .into_iter()
            .map(|(id, status, billing)| ServiceFacts {
                id,
                status: STATUSES.get(status as usize).copied().unwrap_or(Status::Other),
                billing: BILLING.get(billing as usize).copied().flatten(),
            })
            .collect();
        let devices = stored
            .d
            .into_iter()
            .filter_map(|(scope, id, name, fault, description, affected)| {
                Some(((*SCOPES.get(scope as usize)?, id), DeviceFacts { name, fault, description, affected }))
            })
            .collect();
        Ok(Facts { services, devices, has_devices: stored.h }.finish())
    }
}
