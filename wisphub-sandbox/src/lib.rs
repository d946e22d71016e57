//! A WispHub look-alike speaking the Django REST Framework wire format, traps included
//! (see `shared/spec/WISPHUB.md`), with demo data and faults that can be switched at runtime.
//!
//! # Demo services and general faults
//!
//! Services 1001..1009 are hand-made (see the `SERVICE_*` constants), generated ones follow from
//! 2001. Client records carry `router` and `sectorial` with WispHub's outage flag `falla_general`:
//! at start the rural sectorial 3 (zone 3: 1004, 1005) and the Zona Centro router 4 (zone 4: 1008)
//! are flagged; zones 1, 2 and 5 (1001..1003, 1006, 1007, 1009) have no fault. Without a fault the
//! description reads `""` on routers and null on sectoriales, as WispHub shows either.
//!
//! The 260 seeded tickets hold exactly 3 open in zone 1, 2 in zone 2 and none in zones 3 and 4;
//! [`SERVICE_WITH_TICKETS_OVER_PAGES`] has open tickets on several pages up to the last one, and
//! [`SERVICE_WITHOUT_TICKETS`] none at all.
//!
//! Faults switch at run time, showing on the next read of `/api/clientes/`, `/api/clientes/{id}/`,
//! `/api/router/` and `/api/sectorial/` (tickets keep the `servicio` they were made with):
//! - in process: [`Sandbox::set_general_fault`];
//! - from outside: `POST /_sandbox/general-faults` with
//!   `{"device": "router" | "sectorial", "id": n, "description": "..." | null}` (null clears) → 204,
//!   404 for a device the tenant lacks; like every `/_sandbox/` route it needs no key and is not in
//!   the request log.

mod body;
pub mod cli;
mod data;
mod faults;
mod log;
mod paging;
mod routes;
mod state;
mod text;

#[cfg(test)]
mod tests;

pub use data::catalog::DEMO_TECHNICIAN_ID;
pub use data::demo::{
    SERVICE_BEHIND_FAULTY_ROUTER, SERVICE_BEHIND_FAULTY_SECTORIAL, SERVICE_WITH_TICKETS_OVER_PAGES,
    SERVICE_WITHOUT_TICKETS,
};
pub use data::devices::FaultyDevice;
pub use faults::{Faults, ForcedFault};
pub use log::RecordedRequest;
pub use routes::router;
pub use state::SandboxState;

use std::time::Duration;

use tokio::net::TcpListener;

/// The key the sandbox accepts unless told otherwise (WispHub shape: 8 chars, a dot, 32 chars).
pub const DEFAULT_API_KEY: &str = "sandbox0.sandboxkey0000000000000000000000";

/// What a sandbox serves and how badly it behaves.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The only key answered with data; anything else gets 403.
    pub api_key: String,
    /// Total client records: the 9 demo records, then generated ones from 2001 upward.
    pub clients: usize,
    /// Drives the generator and the fault dice.
    pub seed: u64,
    /// How long a ping task runs before its final state (WispHub's take a few seconds).
    pub ping_run_time: Duration,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_string(),
            clients: 60,
            seed: 7,
            ping_run_time: Duration::from_millis(1500),
            faults: Faults::default(),
        }
    }
}

/// Handle on a running sandbox; clones share the same server and state.
#[derive(Clone)]
pub struct Sandbox {
    url: String,
    state: SandboxState,
}

/// Starts a sandbox on 127.0.0.1 with a free port, served by a background tokio task.
pub async fn spawn(config: SandboxConfig) -> Sandbox {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0 for the sandbox");
    let addr = listener.local_addr().expect("sandbox local address");
    let state = SandboxState::new(config);
    let app = router(state.clone());
    tokio::spawn(async move {
        // The server lives as long as the runtime; a test runtime ending stops it.
        let _ = axum::serve(listener, app).await;
    });
    Sandbox { url: format!("http://{addr}"), state }
}

impl Sandbox {
    /// Base URL without trailing slash; routes live under `/api/`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn api_key(&self) -> &str {
        self.state.api_key()
    }

    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// The next `n` requests, whatever their route, get `fault` before any dice are rolled.
    pub fn force_next(&self, n: usize, fault: ForcedFault) {
        self.state.force_next(n, fault);
    }

    /// The next `n` requests of one method and route template, e.g. `("POST", "/api/tickets/")`,
    /// get `fault`, ahead of `force_next` and the dice; other requests are served as usual.
    pub fn force_next_on(&self, method: &str, route: &str, n: usize, fault: ForcedFault) {
        self.state.force_next_on(method, route, n, fault);
    }

    /// Every request received, in arrival order (status 0 = not answered yet, e.g. a stall).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log().requests()
    }

    /// Requests for one method and route template, e.g. `count("GET", "/api/tasks/{id}/")`.
    pub fn count(&self, method: &str, route: &str) -> usize {
        self.state.log().count(method, route)
    }

    pub fn total_requests(&self) -> usize {
        self.state.log().total()
    }

    /// Highest number of requests being served at once, stalls included.
    pub fn max_in_flight(&self) -> usize {
        self.state.log().max_in_flight()
    }

    /// Requests being served right now; a stall leaves once its client hangs up.
    pub fn in_flight(&self) -> usize {
        self.state.log().in_flight()
    }

    pub fn reset_counters(&self) {
        self.state.log().reset();
    }

    /// Tickets created through `POST /api/tickets/`, in read shape.
    pub fn tickets_created(&self) -> Vec<serde_json::Value> {
        self.state.tickets_created()
    }

    /// Every ticket held, seeded and created, oldest first, in detail shape (`respuestas` included):
    /// what a test compares an API answer over many pages with.
    pub fn tickets(&self) -> Vec<serde_json::Value> {
        self.state.tickets()
    }

    /// The stored list-shape record of one service, as `GET /api/clientes/` would show it.
    pub fn client_record(&self, service_id: i64) -> Option<serde_json::Value> {
        self.state.client_record(service_id)
    }

    /// Raises a general fault on a router or sectorial (`Some(description)`) or clears it (`None`),
    /// as the ISP does in WispHub; every client record read afterwards shows it.
    ///
    /// # Panics
    /// On a device the tenant does not have (routers 1..=9, sectoriales 1 and 3): a test aiming at
    /// one has a typo, not an outage.
    pub fn set_general_fault(&self, device: FaultyDevice, description: Option<&str>) {
        assert!(self.state.set_general_fault(device, description), "the sandbox tenant has no {device:?}");
    }

    /// Open tickets (Nuevo or En Progreso) whose service is in `zone_id`, created ones included.
    pub fn open_tickets_in_zone(&self, zone_id: i64) -> usize {
        self.state.open_tickets_in_zone(zone_id)
    }
}
