//! Support tickets: the subject catalogue, one ticket, the zone check, and creation that is
//! idempotent per `Idempotency-Key` and cannot push a zone past its open-ticket limit.

mod by_service;
mod create;
mod lease;
mod model;
mod recover;
mod schedule;
mod slots;
mod subjects;
#[cfg(test)]
mod testing;
mod zone;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use shared::auth::Caller;
use shared::extract::{Json, Path};
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::idempotency;
use shared::ids::{IdempotencyKey, ServiceId, TicketId, ZoneId};
use shared::openapi::Guard;
use shared::outage::OutageReport;
use shared::store::StoreVerb;
use shared::wisphub::{Route, UpstreamError};
use shared::{Action, ApiError, AppState, Reply, Scope};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use create::CreateTicketBody;
pub use model::Ticket;
pub use subjects::{ByPriority, SubjectCatalogue};
pub use zone::ZoneLoad;

use by_service::ServiceTickets;
use create::{Creation, NewTicket};
use model::TicketRecord;
use subjects::{PriorityMap, Subjects};

#[derive(OpenApi)]
#[openapi(components(schemas(Ticket, CreateTicketBody, SubjectCatalogue, ByPriority, ZoneLoad)))]
struct TicketsApi;

#[derive(Clone)]
struct TicketsState {
    app: AppState,
    subjects: Arc<Subjects>,
}

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api(guard: &Guard) -> OpenApiRouter<TicketsState> {
    // axum matches static segments before `{ticket_id}`, so `subjects` is never read as an id.
    let read = OpenApiRouter::new()
        .routes(routes!(list_ticket_subjects))
        .routes(routes!(check_zone_blocked))
        .routes(routes!(list_tickets_by_service))
        .routes(routes!(get_ticket));
    let write = OpenApiRouter::new().routes(routes!(create_ticket));
    OpenApiRouter::with_openapi(TicketsApi::openapi())
        .merge(guard.require(Scope::TicketsRead, read))
        .merge(guard.require(Scope::TicketsWrite, write))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "tickets",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::TicketsRead, Scope::TicketsWrite],
        undocumented: &[],
        probe: Probe { method: "GET", path: "/api/v1/tickets/subjects", form: None, status: 401, action: "error" },
    }),
    table: &[StoreVerb::Get, StoreVerb::PutIfAbsent, StoreVerb::UpdateIfVersion, StoreVerb::DeleteIfValue],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

pub fn router(state: AppState) -> Router {
    let guard = Guard::serving(&state);
    let priorities = PriorityMap::new(state.config.tickets.priorities.as_ref());
    let tickets = TicketsState { app: state, subjects: Arc::new(Subjects::new(priorities)) };
    Router::from(api(&guard)).with_state(tickets)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}

/// The tenant's ticket subjects grouped by priority; never fails (stale data is marked).
#[utoipa::path(get, path = "/api/v1/tickets/subjects", tag = "tickets",
    security(("OAuth2PasswordBearer" = ["tickets:read"])),
    // Never a 502/503: a WispHub failure answers the stale catalogue (read by openapi-document).
    extensions(("x-calls-wisphub" = json!(false))),
    responses((status = 200, description = "`ticket_subjects_listed`; `meta.stale` is true when WispHub could not be read",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "ticket_subjects_listed",
            "data": {"by_priority": {"low": ["Cancelación"], "normal": ["Internet Lento", "Revisión General"],
                "high": ["No Tiene Internet"], "very_high": ["Troncal Dañado"]},
                "all": ["Cancelación", "Internet Lento", "Revisión General", "No Tiene Internet", "Troncal Dañado"]},
            "message": null, "meta": {"stale": false}}))))]
#[tracing::instrument(skip_all)]
async fn list_ticket_subjects(State(state): State<TicketsState>) -> Reply {
    let known = state.subjects.known(&state.app.wisphub).await;
    let catalogue = SubjectCatalogue::group(&known.subjects, &state.subjects.priorities);
    Reply::success(Action::TicketSubjectsListed, catalogue).with_meta(json!({ "stale": known.stale }))
}

/// Opens a ticket for a client, unless the client's zone already has its maximum of open tickets.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets",
    security(("OAuth2PasswordBearer" = ["tickets:write"])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]{1,200}$",
        description = "1 to 200 visible ASCII characters, e.g. the chat message id; repeats within 24 h replay the first outcome")),
    request_body = CreateTicketBody,
    responses(
        (status = 200, description = "`ticket_created`; info `zone_ticket_limit_reached` (data `{max_tickets}`), \
            `general_outage` (a high or very high priority subject while the client's router or sector has a \
            general fault: data `{service_id, scope, device_name, description}`, nothing sent to WispHub) or \
            `client_not_found`; error `ticket_creation_failed` with WispHub's reason",
            body = shared::envelope::Envelope,
            example = json!({"ok": true, "type": "success", "action": "ticket_created",
                "data": {"ticket_id": 5261, "subject": "Internet Lento", "created_at": "2026-05-08T16:00:00-05:00",
                    "end_date": "13/05/2026 16:00", "status_ticket": "Nuevo", "priority": "Normal",
                    "answer_text": null, "service_id": 1004, "zone_id": 3},
                "message": "Ticket creado exitosamente.", "meta": null})),
        (status = 409, description = "`request_in_progress`: the same Idempotency-Key is still running", body = shared::envelope::Envelope),
        (status = 422, description = "A field (or the Idempotency-Key header) is missing or invalid, or the subject is not in the catalogue",
            body = shared::envelope::Envelope),
        (status = 503, description = "WispHub unavailable, or the zone stayed busy for the whole request budget",
            body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all)]
async fn create_ticket(
    State(state): State<TicketsState>,
    caller: Caller,
    key: Result<Option<IdempotencyKey>, ApiError>,
    Json(body): Json<CreateTicketBody>,
) -> Result<Response, ApiError> {
    // The body's problems are named before the header's.
    let new = body.validate(state.app.config.tickets.default_technician_id)?;
    let lease = shared::budget::lease(state.app.config.request_budget);
    let attempt = recover::Attempt::of(&new);
    // The reply is what the idempotency record keeps and replays.
    let work = async |earlier: Option<recover::Attempt>| {
        let Some(earlier) = earlier else { return state.create(new).await.map(creation_reply) };
        // The earlier POST may have created the ticket: answer with it rather than make a second.
        let timezone = state.app.config.tenant_timezone;
        let creation = match recover::find_created(&state.app.wisphub, timezone, &earlier).await {
            Ok(Some(found)) => Creation::Created(Some(found)),
            Ok(None) => state.create(new).await?,
            Err(e) => return Err(e.into()),
        };
        Ok(creation_reply(creation))
    };
    idempotency::answer_once(&state.app.store, &caller.subject, key?, attempt, lease, work).await
}

impl TicketsState {
    async fn create(&self, new: NewTicket) -> Result<Creation, ApiError> {
        let app = &self.app;
        create::create_ticket(&app.wisphub, &app.store, &app.config, &self.subjects, new).await
    }
}

fn creation_reply(creation: Creation) -> Reply {
    match creation {
        Creation::Created(ticket) => {
            Reply::success(Action::TicketCreated, ticket).with_message("Ticket creado exitosamente.")
        }
        Creation::UnknownClient => Reply::client_not_found(),
        Creation::BehindOutage { service_id, outage } => {
            let message = format!("{} No se abrió un ticket: la falla ya está reportada.", outage.message());
            Reply::info(Action::GeneralOutage, message).with_data(OutageReport::new(service_id.get(), Some(outage)))
        }
        Creation::ZoneFull { open, max } => {
            let message = format!("La zona ya tiene {open} tickets abiertos; el máximo es {max}.");
            Reply::info(Action::ZoneTicketLimitReached, message).with_data(json!({ "max_tickets": max }))
        }
        Creation::Refused(reason) => {
            Reply::failure(Action::TicketCreationFailed, format!("WispHub rechazó el ticket: {reason}"))
        }
    }
}

/// One ticket with its latest reply.
#[utoipa::path(get, path = "/api/v1/tickets/{ticket_id}", tag = "tickets",
    params(("ticket_id" = i64, Path, minimum = 1, description = "WispHub ticket id")),
    security(("OAuth2PasswordBearer" = ["tickets:read"])),
    responses((status = 200, description = "`ticket_found`, or info `ticket_not_found`", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "ticket_found",
            "data": {"ticket_id": 5001, "subject": "Internet Lento", "created_at": "2025-10-28T22:00:00-05:00",
                "end_date": "31/10/2025 22:00", "status_ticket": "Resuelto", "priority": "Normal",
                "answer_text": "Se cambió el conector RJ45; el cliente confirma servicio estable.",
                "service_id": 1001, "zone_id": 1},
            "message": null, "meta": null})),
        (status = 422, description = "`ticket_id` is not a positive integer", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(ticket_id = ticket_id.get()))]
async fn get_ticket(State(state): State<TicketsState>, Path(ticket_id): Path<TicketId>) -> Result<Reply, ApiError> {
    let Some(value) = state.app.wisphub.get(&Route::Ticket(ticket_id.get()), &[]).await? else {
        return Ok(Reply::info(Action::TicketNotFound, "El ticket especificado no existe."));
    };
    let record: TicketRecord =
        serde_json::from_value(value).map_err(|_| UpstreamError::Garbage("a ticket without an id".into()))?;
    Ok(Reply::success(Action::TicketFound, Ticket::from(record)))
}

/// A service's open tickets, newest first; the 3 newest carry their latest reply.
#[utoipa::path(get, path = "/api/v1/tickets/by-service/{service_id}", tag = "tickets",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub service id")),
    security(("OAuth2PasswordBearer" = ["tickets:read"])),
    responses((status = 200, description = "`tickets_listed` with `meta.total` (and `meta.answers_complete`: false \
        when a detail could not be read, so some `answer_text` is missing); info `ticket_not_found` with `[]`, or \
        `client_not_found`", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "tickets_listed",
            "data": [{"ticket_id": 5262, "subject": "No Tiene Internet", "created_at": "2026-05-08T16:00:00-05:00",
                "end_date": "13/05/2026 16:00", "status_ticket": "En Progreso", "priority": "Alta",
                "answer_text": "El técnico visitará el sector mañana en la mañana.", "service_id": 1004, "zone_id": 3}],
            "message": "El cliente tiene 1 ticket(s) abierto(s).", "meta": {"total": 1, "answers_complete": true}})),
        (status = 422, description = "`service_id` is not a positive integer", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
async fn list_tickets_by_service(
    State(state): State<TicketsState>,
    Path(service_id): Path<ServiceId>,
) -> Result<Reply, ApiError> {
    let states = &state.app.config.tickets.active_states;
    Ok(match by_service::open_tickets_of_service(&state.app.wisphub, states, service_id).await? {
        ServiceTickets::UnknownClient => Reply::client_not_found(),
        ServiceTickets::Open { tickets, .. } if tickets.is_empty() => {
            Reply::info(Action::TicketNotFound, "El cliente no tiene tickets abiertos.")
                .with_data(json!([]))
                .with_meta(json!({"total": 0}))
        }
        ServiceTickets::Open { tickets, answers_complete } => {
            let total = tickets.len();
            Reply::success(Action::TicketsListed, tickets)
                .with_message(format!("El cliente tiene {total} ticket(s) abierto(s)."))
                .with_meta(json!({"total": total, "answers_complete": answers_complete}))
        }
    })
}

/// Whether a zone has reached its limit of open tickets: the count creates share (every page, at most
/// `ZONE_COUNT_TTL_SECONDS` old), tickets being made included.
#[utoipa::path(get, path = "/api/v1/tickets/zone-blocked/{zone_id}", tag = "tickets",
    params(("zone_id" = i64, Path, minimum = 1, description = "WispHub zone id")),
    security(("OAuth2PasswordBearer" = ["tickets:read"])),
    responses((status = 200, description = "Action `ticket_found` (kept from v1) with the zone's load",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "ticket_found",
            "data": {"is_blocked": true, "max_tickets": 3, "open_tickets": 3}, "message": null, "meta": null})),
        (status = 422, description = "`zone_id` is not a positive integer", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(zone_id = zone_id.get()))]
async fn check_zone_blocked(State(state): State<TicketsState>, Path(zone_id): Path<ZoneId>) -> Result<Reply, ApiError> {
    let (app, config) = (&state.app, &state.app.config);
    let open = slots::Tallies::new(&app.store, &app.wisphub, config).open_in(zone_id.get()).await?;
    Ok(Reply::success(Action::TicketFound, ZoneLoad::new(open, config.tickets.max_active_per_zone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_lists_every_route() {
        let document = openapi();
        let paths: Vec<&String> = document.paths.paths.keys().collect();
        assert_eq!(paths.len(), 5, "{paths:?}");
    }

    #[test]
    fn the_router_builds() {
        let config = shared::config::Config::from_lookup(|name| {
            (name == "JWT_SECRET").then(|| "0123456789abcdef0123456789abcdef".to_owned())
        })
        .expect("minimal configuration");
        let _ = router(AppState::new(config, Arc::new(shared::store::MemoryStore::new())).unwrap());
    }
}
