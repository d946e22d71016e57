//! The tenant's data: clients, tickets, invoices, plans and tasks, built once from the seed (and,
//! for invoices, from the day the sandbox starts).

pub(crate) mod billing;
pub(crate) mod catalog;
pub(crate) mod client;
pub(crate) mod demo;
pub(crate) mod devices;
mod drf;
pub(crate) mod filters;
mod generator;
pub(crate) mod ping;
pub(crate) mod ticket_form;
pub(crate) mod tickets;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use billing::Invoice;
use billing::promise::Promise;
use billing::report::{self as payment_report, PaymentReport};
use client::Client;
use devices::GeneralFaults;
use ping::PingTask;
use ticket_form::NewTicket;
use tickets::Ticket;

/// Generated services the ticket history refers to (zones 5..9 need a few each).
const TICKET_SERVICES: usize = 53;

pub(crate) struct Data {
    /// Sorted by service id: demo 1001..1009, then generated 2001 upward.
    pub clients: Vec<Client>,
    index: HashMap<i64, usize>,
    /// Sorted by id; created tickets are appended.
    pub tickets: Vec<Ticket>,
    created: Vec<i64>,
    pub plans: Vec<catalog::Plan>,
    /// Applied whenever a client record is rendered, so switching one shows on the next read.
    pub general_faults: GeneralFaults,
    pub tasks: HashMap<String, PingTask>,
    failures: usize,
    /// The tenant's date when the sandbox started: the invoices are dated from it and the
    /// default invoice window is its month.
    pub today: NaiveDate,
    /// Sorted by id (which follows the issue date).
    pub invoices: Vec<Invoice>,
    /// Every payment promise accepted, oldest first, in record shape.
    pub promises: Vec<Value>,
    /// Every payment report accepted, oldest first, in record shape (no file bytes).
    pub payment_reports: Vec<Value>,
}

/// Bogotá wall-clock time now (UTC-5 all year, no DST since 1993).
pub(crate) fn tenant_now() -> NaiveDateTime {
    Utc::now().naive_utc() - Duration::hours(5)
}

impl Data {
    /// `clients` is the total record count; the demo records are always there.
    pub(crate) fn new(seed: u64, clients: usize) -> Data {
        let mut all = demo::demo_clients();
        let demos = all.len();
        let wanted = clients.max(demos) - demos;
        all.extend(generator::generate(seed, wanted.max(TICKET_SERVICES)));
        let general_faults = GeneralFaults::demo();
        let tickets = tickets::seed(&all, &general_faults);
        let today = tenant_now().date();
        let invoices = billing::seed::seed(&all, today);
        // The ticket history may mention services beyond a small client count, like tickets of deleted clients.
        all.truncate(demos + wanted);
        let index = all.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        Data {
            clients: all,
            index,
            tickets,
            created: Vec::new(),
            plans: catalog::plans(),
            tasks: HashMap::new(),
            general_faults,
            failures: 0,
            today,
            invoices,
            promises: Vec::new(),
            payment_reports: Vec::new(),
        }
    }

    pub(crate) fn client(&self, id: i64) -> Option<&Client> {
        self.index.get(&id).map(|&i| &self.clients[i])
    }

    pub(crate) fn client_mut(&mut self, id: i64) -> Option<&mut Client> {
        self.index.get(&id).map(|&i| &mut self.clients[i])
    }

    pub(crate) fn ticket(&self, id: i64) -> Option<&Ticket> {
        self.tickets.binary_search_by_key(&id, |t| t.id).ok().map(|i| &self.tickets[i])
    }

    /// Stores a validated ticket; `servicio` is filled from the current client record.
    pub(crate) fn create_ticket(&mut self, new: NewTicket) -> Value {
        let id = self.tickets.last().map_or(tickets::FIRST_TICKET_ID, |t| t.id + 1);
        let now = tenant_now();
        let ticket = Ticket {
            id,
            asunto: new.asunto,
            descripcion: new.descripcion,
            estado: new.estado,
            prioridad: new.prioridad,
            fecha_inicio: new.fecha_inicio,
            fecha_final: new.fecha_final,
            creado: now,
            tecnico: Some(new.tecnico),
            departamento: new.departamento,
            origen_reporte: new.origen_reporte,
            servicio: self.client(new.servicio).map(|c| c.ticket_service(&self.general_faults)),
            respuestas: Vec::new(),
        };
        let read = ticket.read();
        self.tickets.push(ticket);
        self.created.push(id);
        read
    }

    pub(crate) fn created_tickets(&self) -> Vec<Value> {
        self.created.iter().filter_map(|id| self.ticket(*id)).map(Ticket::read).collect()
    }

    /// Records an accepted payment promise and returns WispHub's answer.
    pub(crate) fn record_promise(&mut self, promise: &Promise) -> Value {
        let service = billing::service_of(&self.invoices, promise.id_factura);
        self.promises.push(promise.record(service, tenant_now()));
        promise.echo()
    }

    /// Records an accepted payment report against an invoice of the tenant and returns WispHub's
    /// answer; the invoice itself does not change (the ISP's cashiers review reports).
    pub(crate) fn record_payment_report(&mut self, id_factura: i64, report: &PaymentReport, task_id: &str) -> Value {
        self.payment_reports.push(report.record(id_factura, task_id, tenant_now()));
        payment_report::answer(task_id)
    }

    pub(crate) fn has_invoice(&self, id: i64) -> bool {
        billing::service_of(&self.invoices, id).is_some()
    }

    /// Starts a ping task for a known service and returns its id.
    pub(crate) fn start_ping(
        &mut self,
        service_id: i64,
        pings: u32,
        task_id: String,
        run_time: std::time::Duration,
    ) -> Option<String> {
        let host = self.client(service_id)?.ip.clone();
        let scenario = ping::Scenario::for_service(service_id, self.failures);
        if matches!(scenario, ping::Scenario::Failure { .. }) {
            self.failures += 1;
        }
        self.tasks.insert(task_id.clone(), PingTask::new(scenario, host, pings, run_time));
        Some(task_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_count_includes_the_demo_records() {
        let data = Data::new(7, 60);
        assert_eq!(data.clients.len(), 60);
        assert_eq!(data.clients[0].id, 1001);
        assert_eq!((data.clients[8].id, data.clients[9].id), (1009, 2001));
        assert!(data.client(2051).is_some() && data.client(2052).is_none());
    }

    #[test]
    fn ten_clients_still_get_the_full_ticket_history() {
        let data = Data::new(7, 10);
        assert_eq!((data.clients.len(), data.tickets.len()), (10, 260));
    }

    #[test]
    fn fifty_thousand_clients_build() {
        let data = Data::new(7, 50_000);
        assert_eq!(data.clients.len(), 50_000);
        assert_eq!(data.clients.last().map(|c| c.id), Some(2001 + 49_990));
    }
}
