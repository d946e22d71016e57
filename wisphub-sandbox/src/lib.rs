//! A WispHub look-alike speaking the Django REST Framework wire format, traps included
//! (see `docs/wisphub.md`), with demo data and faults that can be switched at runtime.
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
//! [`SERVICE_WITHOUT_TICKETS`] none at all. Ids do not follow dates: the newest ticket by
//! `fecha_creacion` is [`MIGRATED_TICKET_ID`], an open one of the paged service with a low id (a
//! ticket migrated from the ISP's previous system), on the first page.
//!
//! Faults switch at run time, showing on the next read of `/api/clientes/`, `/api/clientes/{id}/`,
//! `/api/router/` and `/api/sectorial/` (tickets keep the `servicio` they were made with):
//! - in process: [`Sandbox::set_general_fault`];
//! - from outside: `POST /_sandbox/general-faults` with
//!   `{"device": "router" | "sectorial", "id": n, "description": "..." | null}` (null clears) → 204,
//!   404 for a device the tenant lacks; like every `/_sandbox/` route it needs no key and is not in
//!   the request log.
//!
//! A client's service status (`estado`) and billing status (`estado_facturas`) switch the same way,
//! so a test can suspend, reactivate or settle a customer between two reads:
//! [`Sandbox::set_service_status`], [`Sandbox::set_billing_status`], or `POST /_sandbox/client-status`
//! with `{"service_id": n, "estado": "Activo" | "Suspendido" | "Cancelado" | "Gratis",
//! "estado_facturas": "Pagadas" | "Pendiente de Pago" | "Vencidas"}` (either may be left out) → 204,
//! 404 for an unknown service.
//!
//! # Billing (docs/wisphub.md §2b)
//!
//! Routes: `GET /api/facturas/` (paged; filters numeric `estado` 1 Pendiente de Pago, 2 Pagada,
//! 3 Cancelada, 4 En Revisión, 5 Transferida, read back as labels; `cliente=<usuario>` — a service
//! id matches nothing; `zona`; `fecha_emision__range_0/_1`, `fecha_vencimiento__range_*`,
//! `fecha_pago__range_*`), `GET /api/formas-de-pago/` (paged `{id, nombre}`: 7 Efectivo, 16749
//! Transferencia Bancaria, 16750 Nequi, 16751 Daviplata, 16752 Consignación Bancolombia) and
//! `POST /api/promesa-pago/` (200 `{"id_factura", "fecha_limite": "YYYY-MM-DD 00:00"}`; a date that
//! is not `YYYY-MM-DD` → 400 `{"fecha_limite": [...]}`; the invoice id is not looked up; any other
//! method → 405). Faults hit them like any route (templates as written here).
//!
//! The window rule: without a date range only invoices issued in the current month come back. A
//! range needs both ends and is refused (400 `{"detail": ...}`) when `__range_1` lies more than 92
//! days after `__range_0` (the longest 3 calendar months get, so a 3-month window counted from
//! either end passes: 2026-02-28..2026-05-31 does, 2026-01-15..2026-04-18 does not); a date that
//! does not parse is 400 naming the field.
//! Misspelled filters are ignored; the ignore-filters fault ignores them all, dates included: every
//! invoice of the tenant comes back.
//!
//! Invoices are dated relative to the day the sandbox starts ([`Sandbox::today`], Bogotá), ids
//! following the issue date; [`Sandbox::invoices`] holds every one as the route renders it. Each
//! invoice spells all its amounts either as numbers (`65000`) or as strings (`"65000.00"`);
//! `fecha_pago` is never null (an unpaid invoice carries its issue date at midnight) and the saldo
//! trap (unpaid, `saldo` 0, `total_cobrado` = `total`) sits on some pending invoices. Layout:
//! - [`SERVICE_ALL_PAID`] (1001): 13 monthly invoices on the 1st, all paid; this month's paid
//!   2 days after issue (capped at today) by Transferencia Bancaria, the others by Efectivo.
//! - [`SERVICE_WITH_SALDO_TRAP`] (1002): 7 invoices on the 15th (capped at today this month);
//!   this month's (trap) and last month's pending, 90000 each: owes 180000, its record says 45000.
//! - 1003: 12 on the 1st: this month's pending (45000), month 3 Transferida, the rest paid by Nequi.
//! - [`SERVICE_WITH_OLD_PENDING_INVOICES`] (1004): every 30 days from 35 to 335 days ago; pending
//!   the ones of 35 (65000), 155 (65000, trap) and 275 days ago (80000 with a reconnection fee):
//!   owes 210000 (its record says 130000), three 3-month windows apart; the rest paid by Efectivo,
//!   the latest 60 days ago.
//! - 1005 (cancelled): months 8..3 paid, month 2 Cancelada, nothing since.
//! - [`SERVICE_WITHOUT_INVOICES`] (1006, free): none.
//! - 1007, 1008, 1009: 7 monthly invoices (days 8, 10, 20, capped at today this month), this
//!   month's pending (65000, 70000, 65000), the rest paid; 1008's month 2 has a 5000 discount,
//!   1009's month 1 is En Revisión.
//! - generated 2001..2053 (whatever the client count): 6 months each; active ones owe this month
//!   (and last month when their record says "Pendiente de Pago"), suspended ones months 1 and 2,
//!   cancelled ones stop after month 3. This month alone spans several pages of 20.
//!
//! Every accepted promise is kept, stalled answers included: [`Sandbox::payment_promises`], or
//! `GET /_sandbox/payment-promises` from outside (not in the request log).
//!
//! `POST /api/facturas/reportar-pago/{id_factura}/` (route template in the log and for
//! [`Sandbox::count`] / [`Sandbox::force_next_on`]: `/api/facturas/reportar-pago/{id}/`) takes
//! multipart/form-data only, with six parts: `forma_pago` (an id of `/api/formas-de-pago/`),
//! `fecha_pago` (`YYYY-MM-DD HH:MM`), `referencia` (1..=100 characters), `comprobante_pago` and
//! `nombre_user` (both may be empty) and the file `comprobante_pago_archivo` (declared as PDF,
//! DOC/DOCX, JPEG, PNG, GIF or HEIF/HEIC; not WebP, not empty). The invoice is looked up first: one
//! the tenant lacks is 404 `{"detail": "No encontrado."}` whatever the body; then any other body
//! is 400 `{"detail"}`, and missing or bad parts 400 naming each. Success is 200 `{"task_id",
//! "messages"}` and changes no invoice. This route alone takes bodies up to 10 MiB (others 1 MiB).
//! Accepted reports are kept, stalled answers included, described but never their file:
//! [`Sandbox::payment_reports`], or `GET /_sandbox/payment-reports` (not in the request log).

// Modules only import from the ones before them in this order, so the graph has no loop:
// text, paging, body, django, log → faults → data → config → state → middleware → routes → cli
// → this root.
mod body;
pub mod cli;
mod config;
mod data;
mod django;
mod faults;
mod log;
mod middleware;
mod paging;
mod routes;
mod state;
mod text;

#[cfg(test)]
mod tests;

pub use config::{DEFAULT_API_KEY, SandboxConfig};
pub use data::billing::seed::{
    SERVICE_ALL_PAID, SERVICE_WITH_OLD_PENDING_INVOICES, SERVICE_WITH_SALDO_TRAP, SERVICE_WITHOUT_INVOICES,
};
pub use data::catalog::DEMO_TECHNICIAN_ID;
pub use data::client::{Estado, EstadoFacturas};
pub use data::demo::{
    SERVICE_BEHIND_FAULTY_ROUTER, SERVICE_BEHIND_FAULTY_SECTORIAL, SERVICE_WITH_TICKETS_OVER_PAGES,
    SERVICE_WITHOUT_TICKETS,
};
pub use data::devices::FaultyDevice;
pub use data::tickets::MIGRATED_TICKET_ID;
pub use faults::{Faults, ForcedFault};
pub use log::RecordedRequest;
pub use routes::router;
pub use state::SandboxState;

use tokio::net::TcpListener;

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

    /// Every invoice of the tenant, oldest id first, exactly as `GET /api/facturas/` renders it
    /// (all dates, no window): what a test computes expected balances from.
    pub fn invoices(&self) -> Vec<serde_json::Value> {
        self.state.invoices()
    }

    /// Every payment promise accepted by `POST /api/promesa-pago/`, oldest first, stalled answers
    /// included: `{"id_factura", "id_servicio" (null for an unknown invoice), "fecha_limite":
    /// "YYYY-MM-DD", "comentarios", "accion", "recibida"}`.
    pub fn payment_promises(&self) -> Vec<serde_json::Value> {
        self.state.payment_promises()
    }

    /// Every payment report accepted by `POST /api/facturas/reportar-pago/{id}/`, oldest first,
    /// stalled answers included: `{"id_factura", "forma_pago", "fecha_pago": "YYYY-MM-DD HH:MM",
    /// "referencia", "comprobante_pago", "nombre_user", "file_name", "file_type" (the part's declared
    /// type), "file_size" (bytes), "file_sha256" (hex), "task_id" (as answered), "recibida"}`.
    pub fn payment_reports(&self) -> Vec<serde_json::Value> {
        self.state.payment_reports()
    }

    /// The tenant's date (America/Bogota) when the sandbox started: invoices are dated from it and
    /// the default invoice window is its month.
    pub fn today(&self) -> chrono::NaiveDate {
        self.state.today()
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

    /// Sets a client's service status (`estado`: Activo, Suspendido…), as the ISP's cut-off or a
    /// reconnection does in WispHub; every client record read afterwards shows it.
    ///
    /// # Panics
    /// On a service the tenant does not have.
    pub fn set_service_status(&self, service_id: i64, estado: Estado) {
        assert!(
            self.state.set_client_status(service_id, Some(estado), None),
            "the sandbox has no service {service_id}"
        );
    }

    /// Sets a client's billing status (`estado_facturas`: Pagadas, Pendiente de Pago, Vencidas), as
    /// a payment or a due date does in WispHub.
    ///
    /// # Panics
    /// On a service the tenant does not have.
    pub fn set_billing_status(&self, service_id: i64, facturas: EstadoFacturas) {
        assert!(
            self.state.set_client_status(service_id, None, Some(facturas)),
            "the sandbox has no service {service_id}"
        );
    }

    /// Open tickets (Nuevo or En Progreso) whose service is in `zone_id`, created ones included.
    pub fn open_tickets_in_zone(&self, zone_id: i64) -> usize {
        self.state.open_tickets_in_zone(zone_id)
    }
}
