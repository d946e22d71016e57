//! Creating a ticket: the request checked at the edge, the client and its zone, the zone limit under
//! the zone lock, and the one multipart POST WispHub needs (every field it requires in practice).

use axum::http::Method;
use chrono::Utc;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use shared::config::Config;
use shared::error::FieldProblem;
use shared::ids::{ServiceId, ZoneId};
use shared::outage::{Outage, OutageReport};
use shared::wisphub::{Answer, Payload, Route, UpstreamError, WispHub, refusal_reason};
use shared::{Action, ApiError, AppState, Reply};
use utoipa::ToSchema;

use crate::model::{Ticket, TicketRecord};
use crate::schedule::ticket_window;
use crate::subjects::Subjects;
use crate::zone;

const DEPARTMENT: &str = "Soporte Técnico";
const REPORT_ORIGIN: &str = "oficina";
/// WispHub's state code for a new ticket.
const STATE_NEW: &str = "1";

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

/// The whole create flow after validation; `Ok` is a business outcome (created, zone full,
/// no such client, refused by WispHub), `Err` a protocol failure.
pub async fn create_ticket(app: &AppState, subjects: &Subjects, new: NewTicket) -> Result<Reply, ApiError> {
    let known = subjects.known(&app.wisphub).await;
    let subject = match known.resolve(&new.subject) {
        Some(subject) => subject,
        // A stale catalogue may lack a new subject: WispHub checks it anyway and gives its reason.
        None if known.stale => new.subject.clone(),
        None => return Err(ApiError::invalid("subject", "no es un asunto del catálogo de tickets")),
    };
    let Some(client) = app.wisphub.client_by_service_id(new.service_id.get()).await? else {
        return Ok(Reply::client_not_found());
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
    if app.config.outage_blocks_tickets
        && priority.is_connectivity()
        && let Some(outage) = Outage::of(&client)
    {
        let message = format!("{} No se abrió un ticket: la falla ya está reportada.", outage.message());
        return Ok(Reply::info(Action::GeneralOutage, message)
            .with_data(OutageReport::new(new.service_id.get(), Some(outage))));
    }
    let form = form(&app.config, &new, &subject, priority.code());
    let lock = zone::lock_zone(&app.store, zone_id, app.config.request_budget).await?;
    let outcome = create_within_limit(&app.wisphub, &app.config, zone_id, form).await;
    lock.release().await;
    outcome
}

/// Count, then create: only ever run under the zone's lock.
async fn create_within_limit(
    wisphub: &WispHub,
    config: &Config,
    zone_id: i64,
    form: Vec<(&'static str, String)>,
) -> Result<Reply, ApiError> {
    let open = zone::open_tickets_in_zone(wisphub, &config.active_ticket_states, zone_id).await?;
    let max = config.max_active_tickets_per_zone;
    if open >= max {
        let message = format!("La zona ya tiene {open} tickets abiertos; el máximo es {max}.");
        return Ok(Reply::info(Action::ZoneTicketLimitReached, message).with_data(json!({ "max_tickets": max })));
    }
    // Sent once: a POST that may have happened is never retried here; a lost answer is told apart
    // so the idempotency record can keep the attempt for a retry to look up.
    match wisphub.send(Method::POST, &Route::Tickets, Payload::Multipart(form)).await {
        Ok(answer) => outcome(answer),
        Err(e) if e.may_have_happened() => Err(ApiError::OutcomeUnknown(e)),
        Err(e) => Err(e.into()),
    }
}

/// The multipart fields of WISPHUB.md §3: `asunto` and `asuntos_default` must agree, codes not labels.
fn form(config: &Config, new: &NewTicket, subject: &str, priority: u8) -> Vec<(&'static str, String)> {
    let (start, end) = ticket_window(
        Utc::now(),
        config.ticket_timezone,
        config.ticket_resolution_business_days,
        &config.ticket_holidays,
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

const CREATED: &str = "Ticket creado exitosamente.";

pub(crate) fn created(record: TicketRecord) -> Reply {
    Reply::success(Action::TicketCreated, Ticket::from(record)).with_message(CREATED)
}

fn outcome(answer: Answer) -> Result<Reply, ApiError> {
    if answer.status.is_success() {
        // The ticket exists now: an unreadable echo must not turn it into an error (a retry would duplicate it).
        return Ok(match serde_json::from_value::<TicketRecord>(answer.body) {
            Ok(record) => created(record),
            Err(_) => Reply::success(Action::TicketCreated, Value::Null).with_message(CREATED),
        });
    }
    if answer.status.as_u16() == 400 {
        let reason = refusal_reason(&answer.body);
        return Ok(Reply::failure(Action::TicketCreationFailed, format!("WispHub rechazó el ticket: {reason}")));
    }
    Err(UpstreamError::BadStatus(answer.status.as_u16()).into())
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
mod tests {
    use super::*;

    fn body(value: Value) -> Result<NewTicket, ApiError> {
        serde_json::from_value::<CreateTicketBody>(value).expect("decodes").validate(Some(7))
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(problems) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_complete_body_takes_the_default_technician_and_string_ids() {
        let new = body(json!({"service_id": "1004", "subject": " Internet Lento ", "description": "lento"})).unwrap();
        assert_eq!((new.service_id.get(), new.technician_id, new.zone_id), (1004, 7, None));
        assert_eq!(new.subject, "Internet Lento");
    }

    #[test]
    fn every_missing_field_is_named_at_once() {
        let error = body(json!({"description": "   ", "zone_id": -1})).unwrap_err();
        assert_eq!(fields(error), ["subject", "description", "service_id", "zone_id"]);
    }

    #[test]
    fn no_technician_and_no_default_names_technician_id() {
        let parsed: CreateTicketBody =
            serde_json::from_value(json!({"service_id": 1, "subject": "x", "description": "y", "technician_id": null}))
                .unwrap();
        assert_eq!(fields(parsed.validate(None).unwrap_err()), ["technician_id"]);
    }

    #[test]
    fn a_non_numeric_id_is_refused_by_the_decoder() {
        assert!(serde_json::from_value::<CreateTicketBody>(json!({"service_id": "diez"})).is_err());
        assert!(serde_json::from_value::<CreateTicketBody>(json!({"service_id": 1.5})).is_err());
    }
}
