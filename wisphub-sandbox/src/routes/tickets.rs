//! `/api/tickets/…` and `/api/staff/`: list, detail, create, subject catalogue, technicians.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::{BadBody, fields, parse_id};
use crate::body::ParsedForm;
use crate::data::catalog::{self, STAFF};
use crate::data::filters::TicketFilter;
use crate::data::ticket_form;
use crate::data::tickets::Ticket;
use crate::django::not_found;
use crate::paging::{ListQuery, page_of};
use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/tickets/", get(list_tickets).post(create_ticket))
        .route("/api/tickets/asuntos-tickets/", get(list_subjects))
        .route("/api/tickets/{id}/", get(get_ticket))
        .route("/api/staff/", get(list_staff))
}

async fn list_tickets(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let filter = if state.faults().ignore_filters { TicketFilter::default() } else { TicketFilter::from_query(&query) };
    let data = state.data();
    let matches: Vec<&Ticket> = data.tickets.iter().filter(|t| filter.matches(t)).collect();
    page_of(&query, &matches, |t| t.read())
}

async fn get_ticket(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    let data = state.data();
    match parse_id(&id).and_then(|id| data.ticket(id)) {
        Some(ticket) => Json(ticket.detail()).into_response(),
        None => not_found(),
    }
}

/// 201 with the ticket in read shape, or DRF's 400 listing every bad field.
async fn create_ticket(
    State(state): State<SandboxState>,
    Extension(form): Extension<ParsedForm>,
) -> Result<Response, BadBody> {
    let input = fields(form)?;
    let mut data = state.data();
    Ok(match ticket_form::validate(&input, |id| data.client(id).is_some()) {
        Ok(new) => (StatusCode::CREATED, Json(data.create_ticket(new))).into_response(),
        Err(errors) => (StatusCode::BAD_REQUEST, Json(Value::Object(errors))).into_response(),
    })
}

async fn list_subjects(query: ListQuery) -> Response {
    let subjects: Vec<(usize, &str)> = catalog::tenant_subjects().into_iter().enumerate().collect();
    page_of(&query, &subjects, |(i, nombre)| json!({ "id": i + 1, "nombre": nombre }))
}

async fn list_staff(query: ListQuery) -> Response {
    page_of(
        &query,
        &STAFF,
        |(id, username, nombre, email)| json!({ "id": id, "username": username, "nombre": nombre, "email": email }),
    )
}
