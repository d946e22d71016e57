//! `GET /outages/{scope}/{device_id}/customers`: who hangs from a router or sector, read from the
//! directory snapshot (no WispHub call), so a flow that hears `outage.raised` can broadcast to
//! everyone behind the device at once. Each instance keeps only what this route needs of the
//! current version, and reloads when the pointer names another.

use std::sync::{Arc, RwLock};

use axum::extract::State;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::clock::now_secs;
use shared::directory::{self, Record};
use shared::extract::{Path, PathValue};
use shared::outage::OutageScope;
use shared::store::{Store, StoreError};
use shared::{Action, ApiError, Reply};
use utoipa::ToSchema;

use crate::EventsState;

/// A customer to tell: the service and how to reach its holder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutageCustomer {
    pub service_id: i64,
    pub name: Option<Box<str>>,
    /// As WispHub holds it (it may list several numbers).
    pub phone: Option<Box<str>>,
}

/// One service of the snapshot that is not cancelled, with the devices it hangs from.
struct Behind {
    customer: OutageCustomer,
    router: Option<i64>,
    sector: Option<i64>,
}

/// What this instance holds of one version of the directory.
struct Held {
    version: String,
    built_at: u64,
    services: Vec<Behind>,
}

/// This instance's copy of who hangs from what; reloaded when the pointer moves.
pub(crate) struct Customers {
    store: Arc<dyn Store>,
    held: RwLock<Option<Arc<Held>>>,
    /// One load at a time in this instance.
    loading: tokio::sync::Mutex<()>,
}

impl Customers {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Customers { store, held: RwLock::new(None), loading: tokio::sync::Mutex::new(()) }
    }

    fn held(&self) -> Option<Arc<Held>> {
        self.held.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The current version: the pointer is read on every call (one item), the chunks only when it moved.
    async fn current(&self) -> Result<Arc<Held>, ApiError> {
        // No snapshot yet (a first deploy before the refresher's first run): try again shortly.
        let unavailable = || ApiError::Store(StoreError::Unavailable("no directory snapshot yet".into()));
        let pointer = directory::current(&*self.store).await?.ok_or_else(unavailable)?;
        if let Some(held) = self.held().filter(|held| held.version == pointer.version) {
            return Ok(held);
        }
        let _loading = self.loading.lock().await;
        if let Some(held) = self.held().filter(|held| held.version == pointer.version) {
            return Ok(held);
        }
        let loaded = directory::load(&*self.store, pointer).await?.ok_or_else(unavailable)?;
        let services = loaded.records.into_iter().filter_map(behind).collect();
        let held = Arc::new(Held { version: loaded.pointer.version, built_at: loaded.pointer.built_at, services });
        *self.held.write().unwrap_or_else(|p| p.into_inner()) = Some(held.clone());
        Ok(held)
    }
}

/// A record's customer, unless its service is cancelled (nobody to tell).
fn behind(record: Record) -> Option<Behind> {
    let Record { client, router, sector, .. } = record;
    if client.service_status.as_deref().is_some_and(|status| status.trim().eq_ignore_ascii_case("cancelado")) {
        return None;
    }
    Some(Behind {
        customer: OutageCustomer { service_id: client.service_id, name: client.name, phone: client.phone },
        router: router.map(|device| device.id),
        sector: sector.map(|device| device.id),
    })
}

/// `{scope}/{device_id}` of the route, each checked where it is read so a 422 names it.
pub(crate) struct DevicePath {
    scope: OutageScope,
    device_id: i64,
}

#[derive(Deserialize)]
pub(crate) struct RawDevicePath {
    scope: ScopeSegment,
    device_id: DeviceIdSegment,
}

impl PathValue for DevicePath {
    type Raw = RawDevicePath;

    fn parse(raw: RawDevicePath) -> Result<Self, &'static str> {
        Ok(DevicePath { scope: raw.scope.0, device_id: raw.device_id.0 })
    }
}

/// A segment read through `deserialize_str`, so axum names the parameter when it is refused.
macro_rules! segment {
    ($name:ident: $value:ty, $expecting:literal, $parse:expr) => {
        pub(crate) struct $name($value);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Segment;
                impl Visitor<'_> for Segment {
                    type Value = $name;
                    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                        formatter.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, raw: &str) -> Result<$name, E> {
                        let parse: fn(&str) -> Option<$value> = $parse;
                        parse(raw).map($name).ok_or_else(|| E::custom($expecting))
                    }
                }
                deserializer.deserialize_str(Segment)
            }
        }
    };
}

segment!(ScopeSegment: OutageScope, "debe ser router o sector", |raw| match raw {
    "router" => Some(OutageScope::Router),
    "sector" => Some(OutageScope::Sector),
    _ => None,
});
segment!(DeviceIdSegment: i64, "debe ser un entero positivo", |raw| raw.parse().ok().filter(|id| *id > 0));

/// The services behind a router or sector that are not cancelled, with name and phone, from the
/// directory snapshot: whom to tell about an outage.
#[utoipa::path(get, path = "/api/v1/outages/{scope}/{device_id}/customers", tag = "events",
    params(("scope" = OutageScope, Path, description = "`router` or `sector`, as in the outage event"),
        ("device_id" = i64, Path, minimum = 1, description = "The event's `device_id`: WispHub's router or sector id")),
    security(("OAuth2PasswordBearer" = ["clients:list"])),
    responses((status = 200, description = "`outage_customers_listed` (`meta.total`, `meta.snapshot_age_secs`), or \
        info `outage_customers_not_found` with `[]` for a device nobody active hangs from or that the tenant lacks",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "outage_customers_listed",
            "data": [{"service_id": 1004, "name": "Ana Gómez", "phone": "3154567890"}],
            "message": null, "meta": {"total": 1, "snapshot_age_secs": 42}})),
        (status = 422, description = "`scope` is not router or sector, or `device_id` not a positive integer",
            body = shared::envelope::Envelope),
        (status = 503, description = "the table is unavailable or no directory snapshot exists yet; see Retry-After",
            body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(scope = ?device.scope, device_id = device.device_id))]
pub(crate) async fn list_outage_customers(
    State(state): State<EventsState>,
    Path(device): Path<DevicePath>,
) -> Result<Reply, ApiError> {
    let held = state.customers.current().await?;
    let customers: Vec<&OutageCustomer> = held
        .services
        .iter()
        .filter(|service| match device.scope {
            OutageScope::Router => service.router == Some(device.device_id),
            OutageScope::Sector => service.sector == Some(device.device_id),
        })
        .map(|service| &service.customer)
        .collect();
    let age = now_secs().saturating_sub(held.built_at);
    if customers.is_empty() {
        return Ok(Reply::info(
            Action::OutageCustomersNotFound,
            "Ningún servicio vigente depende de ese router o sector.",
        )
        .with_data(json!([]))
        .with_meta(json!({"total": 0, "snapshot_age_secs": age})));
    }
    let total = customers.len();
    Ok(Reply::success(Action::OutageCustomersListed, customers)
        .with_meta(json!({"total": total, "snapshot_age_secs": age})))
}
