//! `/api/clientes/…`: the list, the poorer detail, the write that stores nothing, profile and balance.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::Value;

use super::{BadBody, fields, parse_id};
use crate::body::{ParsedForm, text};
use crate::data::client::{Client, PROFILE_FIELDS};
use crate::data::devices::GeneralFaults;
use crate::data::filters::ClientFilter;
use crate::django::not_found;
use crate::paging::{ListQuery, page_of};
use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/clientes/", get(list_clients))
        .route("/api/clientes/{id}/", get(get_client).put(put_client))
        .route("/api/clientes/{id}/perfil/", get(get_profile).put(put_profile))
        .route("/api/clientes/{id}/saldo/", get(get_balance))
}

async fn list_clients(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let filter = if state.faults().ignore_filters { ClientFilter::default() } else { ClientFilter::from_query(&query) };
    let data = state.data();
    let matches: Vec<&Client> = data.clients.iter().filter(|c| filter.matches(c)).collect();
    page_of(&query, &matches, |c| c.list_record(&data.general_faults))
}

/// Runs `f` on a known client and the general faults now, or answers DRF's 404.
fn with_client(state: &SandboxState, id: &str, f: impl FnOnce(&Client, &GeneralFaults) -> Value) -> Response {
    let data = state.data();
    match parse_id(id).and_then(|id| data.client(id)) {
        Some(client) => Json(f(client, &data.general_faults)).into_response(),
        None => not_found(),
    }
}

async fn get_client(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    with_client(&state, &id, Client::detail_record)
}

/// WispHub answers 200 and echoes the input, yet keeps none of it (observed for `telefono` and `estado`).
async fn put_client(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Extension(form): Extension<ParsedForm>,
) -> Result<Response, BadBody> {
    let input = fields(form)?;
    Ok(with_client(&state, &id, |_, _| Value::Object(input)))
}

async fn get_profile(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    with_client(&state, &id, |client, _| client.profile())
}

async fn put_profile(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Extension(form): Extension<ParsedForm>,
) -> Result<Response, BadBody> {
    let input = fields(form)?;
    let dropped = state.faults().drop_profile_fields;
    let mut data = state.data();
    let Some(client) = parse_id(&id).and_then(|id| data.client_mut(id)) else {
        return Ok(not_found());
    };
    for field in PROFILE_FIELDS {
        if dropped.iter().any(|d| d == field) {
            continue;
        }
        if let Some(value) = text(&input, field) {
            client.set_profile_field(field, value);
        }
    }
    Ok(Json(client.profile()).into_response())
}

async fn get_balance(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    with_client(&state, &id, |client, _| client.balance())
}
