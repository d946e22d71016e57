//! Creating a ticket: the request checked at the edge, the client and its zone, a slot of the zone's
//! limit (slots.rs), and the one multipart POST WispHub needs (every field it requires in practice).

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use chrono::Utc;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use shared::config::Config;
use shared::error::{FieldProblem, Write};
use shared::ids::{ServiceId, ZoneId};
use shared::outage::Outage;
use shared::store::Store;
use shared::wisphub::{Payload, Route, WispHub};
use shared::write_once::{Settled, send_once};
use shared::{ApiError, budget};
use utoipa::ToSchema;

use crate::model::{Ticket, TicketRecord};
use crate::recover::{Attempt, find_created};
use crate::schedule::ticket_window;
use crate::slots::{Room, Tallies};
use crate::subjects::Subjects;

const DEPARTMENT: &str = "Soporte Técnico";
const REPORT_ORIGIN: &str = "oficina";
/// WispHub's state code for a new ticket.
const STATE_NEW: &str = "1";
/// Looking for a ticket after a lost answer: one list of the day's tickets, a stalled page hedged.
const LOOKUP_RESERVE: Duration = Duration::from_millis(1500);

/// The body of `POST /tickets`. Ids may come as numbers or numeric strings (v1 accepted both).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"service_id": 1004, "subject": "Internet Lento",
    "description": "El cliente reporta lentitud desde ayer.", "technician_id": null, "zone_id": 3}))]
pub struct CreateTicketBody {
    /// WispHub service id of the client (required).
    #[serde(default, deserialize_with = "id")]
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub service_id: Option<i64>,
    /// A subject of the tenant's catalogue (`GET /tickets/subjects`).
    #[schema(value_type = String, required = true, min_length = 1)]
    pub subject: Option<String>,
    /// What the customer reports (not blank).
    #[schema(value_type = String, required = true, min_length = 1)]
    pub description: Option<String>,
    /// Staff id; null or absent → the configured default technician.
    #[serde(default, deserialize_with = "id")]
    #[schema(minimum = 1)]
    pub technician_id: Option<i64>,
    /// Absent → the client's zone; when given it must be the client's zone in WispHub.
    #[serde(default, deserialize_with = "id")]
    #[schema(minimum = 1)]
    pub zone_id: Option<i64>,
}

/// A create request that passed every check that needs no upstream call.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub service_id: ServiceId,
    pub subject: String,
    pub description: String,
    pub technician_id: i64,
    pub zone_id: Option<ZoneId>,
}

impl CreateTicketBody {
    /// Every problem at once, each naming its field.
    pub fn validate(self, default_technician: Option<i64>) -> Result<NewTicket, ApiError> {
        let mut problems = Vec::new();
        let mut need = |field: &str, value: Option<String>| {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            if value.is_none() {
                problems.push(FieldProblem::new(field, "es obligatorio y no puede estar vacío"));
            }
            value.unwrap_or_default()
        };
        let subject = need("subject", self.subject);
        let description = need("description", self.description);
        if self.service_id.is_none() {
            problems.push(FieldProblem::new("service_id", "es obligatorio"));
        }
        let service_id = parsed("service_id", self.service_id, ServiceId::new, &mut problems);
        let technician = self.technician_id.or(default_technician);
        if technician.is_none() {
            problems.push(FieldProblem::new("technician_id", "es obligatorio: no hay técnico por defecto configurado"));
        }
        let positive = |id: i64| if id > 0 { Ok(id) } else { Err("debe ser un entero positivo") };
        let technician_id = parsed("technician_id", technician, positive, &mut problems);
        let zone_id = parsed("zone_id", self.zone_id, ZoneId::new, &mut problems);
        match (service_id, technician_id) {
            (Some(service_id), Some(technician_id)) if problems.is_empty() => {
                Ok(NewTicket { service_id, subject, description, technician_id, zone_id })
            }
            _ => Err(ApiError::Validation(problems)),
        }
    }
}

/// A given id parsed, its problem noted under `field`.
fn parsed<T>(
    field: &str,
    value: Option<i64>,
    parse: impl FnOnce(i64) -> Result<T, &'static str>,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    match value.map(parse)? {
        Ok(id) => Some(id),
        Err(problem) => {
            problems.push(FieldProblem::new(field, problem));
            None
        }
    }
}

/// What a create led to, short of a protocol failure.
#[derive(Debug, PartialEq)]
pub enum Creation {
    /// WispHub made the ticket; `None` when its echo was unreadable (the ticket exists all the same).
    Created(Option<Ticket>),
    UnknownClient,
    /// A connectivity subject while the client's router or sector has a general fault: nothing sent.
    BehindOutage {
        service_id: ServiceId,
        outage: Outage,
    },
    /// The zone already has `open` open tickets, at or over its limit `max`.
    ZoneFull {
        open: u32,
        max: u32,
    },
    /// WispHub refused the ticket, for this reason.
    Refused(String),
}

/// The whole create flow after validation; `Err` is a protocol failure, or a 422 only WispHub's
/// data can reveal (a subject not in the catalogue, a zone that is not the client's).
pub async fn create_ticket(
    wisphub: &WispHub,
    store: &Arc<dyn Store>,
    config: &Config,
    subjects: &Subjects,
    new: NewTicket,
) -> Result<Creation, ApiError> {
    let known = subjects.known(wisphub).await;
    let subject = match known.resolve(&new.subject) {
        Some(subject) => subject,
        // A stale catalogue may lack a new subject: WispHub checks it anyway and gives its reason.
        None if known.stale => new.subject.clone(),
        None => return Err(ApiError::invalid("subject", "no es un asunto del catálogo de tickets")),
    };
    let Some(client) = wisphub.client_by_service_id(new.service_id.get()).await? else {
        return Ok(Creation::UnknownClient);
    };
    let client_zone = client.zona.as_ref().and_then(|z| z.id);
    // The zone that counts is WispHub's: a caller's zone must not get around a full one.
    if let (Some(given), Some(zone)) = (new.zone_id, client_zone)
        && given.get() != zone
    {
        return Err(ApiError::invalid("zone_id", format!("no coincide con la zona del cliente en WispHub ({zone})")));
    }
    let Some(zone_id) = new.zone_id.map(ZoneId::get).or(client_zone) else {
        return Err(ApiError::invalid("zone_id", "el cliente no tiene zona en WispHub; indique zone_id"));
    };
    let priority = subjects.priorities.priority(&subject);
    // Everyone behind a flagged device is down: one more connectivity ticket sends a technician
    // to a house that is fine. Checked before the zone count, which it makes pointless.
    if config.tickets.outage_blocks
        && priority.is_connectivity()
        && let Some(outage) = Outage::of(&client)
    {
        return Ok(Creation::BehindOutage { service_id: new.service_id, outage });
    }
    let form = form(config, &new, &subject, priority.code());
    let attempt = Attempt::of(&new);
    let slot = match Tallies::new(store, wisphub, config).take_slot(zone_id).await? {
        Room::Full { open, max } => return Ok(Creation::ZoneFull { open, max }),
        Room::Slot(slot) => slot,
    };
    // The ticket's record is the idempotency record its handler holds (it keeps an unknown outcome
    // for a retry to look up); the slot follows the same rule: a lost answer keeps it.
    let post = wisphub.send(Method::POST, &Route::Tickets, Payload::Multipart(form));
    let settled = send_once(Write::Ticket, post, async || slot.give_back().await).await;
    if matches!(settled, Ok(Settled::Done(_)) | Err(ApiError::OutcomeUnknown { .. })) {
        slot.made().await;
    }
    let settled = match settled {
        Err(lost @ ApiError::OutcomeUnknown { .. }) => {
            return found_after_lost_answer(wisphub, config, &attempt, lost).await;
        }
        other => other?,
    };
    Ok(match settled {
        // The ticket exists now: an unreadable echo must not turn it into an error (a retry would duplicate it).
        Settled::Done(answer) => {
            Creation::Created(serde_json::from_value::<TicketRecord>(answer.body).ok().map(Ticket::from))
        }
        Settled::Refused(reason) => Creation::Refused(reason),
    })
}

/// The answer to the POST was lost, so WispHub may have made the ticket (most often it did: it stalls
/// after the work). While the budget allows, look for it now as a retry would, so the caller gets
/// the ticket rather than a 503; not found (or no time) keeps the 503 and its retry does the rest.
async fn found_after_lost_answer(
    wisphub: &WispHub,
    config: &Config,
    attempt: &Attempt,
    lost: ApiError,
) -> Result<Creation, ApiError> {
    if budget::remaining(config.request_budget) < LOOKUP_RESERVE {
        return Err(lost);
    }
    match find_created(wisphub, config.tenant_timezone, attempt).await {
        Ok(Some(ticket)) => Ok(Creation::Created(Some(ticket))),
        Ok(None) | Err(_) => Err(lost),
    }
}

/// The multipart fields of docs/wisphub.md §3: `asunto` and `asuntos_default` must agree, codes not labels.
fn form(config: &Config, new: &NewTicket, subject: &str, priority: u8) -> Vec<(&'static str, String)> {
    let (start, end) = ticket_window(
        Utc::now(),
        config.tenant_timezone,
        config.tickets.resolution_business_days,
        &config.tickets.holidays,
    );
    vec![
        ("servicio", new.service_id.to_string()),
        ("asunto", subject.to_owned()),
        ("asuntos_default", subject.to_owned()),
        ("descripcion", new.description.clone()),
        ("estado", STATE_NEW.to_owned()),
        ("prioridad", priority.to_string()),
        ("tecnico", new.technician_id.to_string()),
        ("fecha_inicio", start),
        ("fecha_final", end),
        ("departamento", DEPARTMENT.to_owned()),
        ("departamentos_default", DEPARTMENT.to_owned()),
        ("origen_reporte", REPORT_ORIGIN.to_owned()),
    ]
}

/// An id from a number or a numeric string; null or a blank string is "not given".
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let bad = || serde::de::Error::custom("debe ser un número entero");
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(bad),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
