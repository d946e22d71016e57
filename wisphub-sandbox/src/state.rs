//! Shared sandbox state: data, fault switches, fault dice and the request log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use crate::config::SandboxConfig;
use crate::data::Data;
use crate::data::client::{Estado, EstadoFacturas};
use crate::data::devices::FaultyDevice;
use crate::data::tickets::Ticket;
use crate::faults::{self, Faults, ForcedFault};
use crate::log::RequestLog;

/// Cloneable handle on everything a request handler needs.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    api_key: String,
    ping_run_time: Duration,
    faults: Mutex<Faults>,
    forced: Mutex<VecDeque<ForcedFault>>,
    /// Faults for the next requests of one method and route template, ahead of `forced`.
    forced_on: Mutex<Vec<(String, String, ForcedFault)>>,
    dice: Mutex<StdRng>,
    ids: Mutex<StdRng>,
    jitter: Mutex<StdRng>,
    data: Mutex<Data>,
    log: RequestLog,
}

/// What the fault stage decided for one request.
pub(crate) enum Verdict {
    Serve,
    Stall,
    StallAfterServing,
    Fail(axum::response::Response),
}

/// A poisoned lock only means another request panicked; the data is still usable for a test double.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SandboxState {
    pub fn new(config: SandboxConfig) -> Self {
        let data = Data::new(config.seed, config.clients);
        SandboxState {
            inner: Arc::new(Inner {
                api_key: config.api_key,
                ping_run_time: config.ping_run_time,
                faults: Mutex::new(config.faults),
                forced: Mutex::new(VecDeque::new()),
                forced_on: Mutex::new(Vec::new()),
                dice: Mutex::new(StdRng::seed_from_u64(config.seed)),
                // Task ids and latency jitter get their own streams so they never shift the fault dice.
                ids: Mutex::new(StdRng::seed_from_u64(config.seed.wrapping_add(1))),
                jitter: Mutex::new(StdRng::seed_from_u64(config.seed.wrapping_add(2))),
                data: Mutex::new(data),
                log: RequestLog::default(),
            }),
        }
    }

    pub fn api_key(&self) -> &str {
        &self.inner.api_key
    }

    pub(crate) fn ping_run_time(&self) -> Duration {
        self.inner.ping_run_time
    }

    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.inner.faults) = faults;
    }

    pub fn force_next(&self, n: usize, fault: ForcedFault) {
        lock(&self.inner.forced).extend(std::iter::repeat_n(fault, n));
    }

    pub fn force_next_on(&self, method: &str, route: &str, n: usize, fault: ForcedFault) {
        let target = (method.to_ascii_uppercase(), route.to_owned(), fault);
        lock(&self.inner.forced_on).extend(std::iter::repeat_n(target, n));
    }

    pub(crate) fn log(&self) -> &RequestLog {
        &self.inner.log
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        lock(&self.inner.data)
    }

    /// Faults aimed at this route first, then the forced queue, then the dice in the documented order.
    pub(crate) fn decide(&self, faults: &Faults, method: &str, route: &str) -> Verdict {
        let aimed = {
            let mut aimed = lock(&self.inner.forced_on);
            let hit = aimed.iter().position(|(m, r, _)| m.eq_ignore_ascii_case(method) && r == route);
            hit.map(|i| aimed.remove(i).2)
        };
        let forced = aimed.or_else(|| lock(&self.inner.forced).pop_front());
        let mut dice = lock(&self.inner.dice);
        let fault = forced.or_else(|| faults::roll(faults, &mut dice));
        match fault {
            None => Verdict::Serve,
            Some(ForcedFault::Stall) => Verdict::Stall,
            Some(ForcedFault::StallAfterServing) => Verdict::StallAfterServing,
            Some(fault) => Verdict::Fail(faults::fault_response(fault, faults::pick_5xx(&mut dice))),
        }
    }

    /// The fixed plus jittered delay of one answer.
    pub(crate) fn latency(&self, faults: &Faults) -> Duration {
        faults::latency(faults, &mut lock(&self.inner.jitter))
    }

    /// A v4 UUID from the seeded stream, so runs with one seed hand out the same task ids.
    pub(crate) fn new_task_id(&self) -> String {
        let mut bytes = [0u8; 16];
        lock(&self.inner.ids).fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    pub fn tickets_created(&self) -> Vec<serde_json::Value> {
        self.data().created_tickets()
    }

    pub fn client_record(&self, service_id: i64) -> Option<serde_json::Value> {
        let data = self.data();
        serde_json::to_value(data.client(service_id)?.list_record(&data.general_faults)).ok()
    }

    /// Raises (`Some(description)`) or clears (`None`) a general fault; false, changing nothing, for
    /// a device the tenant does not have.
    pub fn set_general_fault(&self, device: FaultyDevice, description: Option<&str>) -> bool {
        self.data().general_faults.set(device, description)
    }

    /// Switches a client's service status and/or billing status, as the ISP (or a payment, or the
    /// cut-off date) does in WispHub; false, changing nothing, for a service the tenant lacks.
    pub fn set_client_status(&self, service_id: i64, estado: Option<Estado>, facturas: Option<EstadoFacturas>) -> bool {
        let mut data = self.data();
        let Some(client) = data.client_mut(service_id) else { return false };
        if let Some(estado) = estado {
            client.estado = estado;
        }
        if let Some(facturas) = facturas {
            client.estado_facturas = facturas.label();
        }
        true
    }

    pub fn tickets(&self) -> Vec<serde_json::Value> {
        self.data().tickets.iter().map(Ticket::detail).collect()
    }

    /// Every invoice as `/api/facturas/` renders it, oldest id first.
    pub fn invoices(&self) -> Vec<serde_json::Value> {
        self.data().invoices.iter().map(|i| i.record()).collect()
    }

    /// Every accepted payment promise, oldest first, stalled answers included.
    pub fn payment_promises(&self) -> Vec<serde_json::Value> {
        self.data().promises.clone()
    }

    /// Every accepted payment report, oldest first, stalled answers included.
    pub fn payment_reports(&self) -> Vec<serde_json::Value> {
        self.data().payment_reports.clone()
    }

    /// The tenant's date (Bogotá) when the sandbox started.
    pub fn today(&self) -> chrono::NaiveDate {
        self.data().today
    }

    pub fn open_tickets_in_zone(&self, zone_id: i64) -> usize {
        self.data().tickets.iter().filter(|t| t.is_open() && t.zone_id() == Some(zone_id)).count()
    }
}
