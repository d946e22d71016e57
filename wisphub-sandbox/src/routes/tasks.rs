//! `POST /api/clientes/{id}/ping/` and the task store `GET /api/tasks/{id}/`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::json;

use super::{BadBody, fields, parse_id};
use crate::body::{ParsedForm, text};
use crate::django::not_found;
use crate::state::SandboxState;

const MAX_PINGS: i64 = 100;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new().route("/api/clientes/{id}/ping/", post(start_ping)).route("/api/tasks/{id}/", get(get_task))
}

/// 202 with a task id; the outcome is scripted per service (see `data::ping`).
async fn start_ping(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Extension(form): Extension<ParsedForm>,
) -> Result<Response, BadBody> {
    let input = fields(form)?;
    let pings = match text(&input, "pings").map(|p| p.trim().parse::<i64>()) {
        None => 4,
        Some(Ok(n)) if (1..=MAX_PINGS).contains(&n) => n as u32,
        Some(Ok(n)) if n < 1 => return Ok(field_error("Asegúrese de que este valor es mayor o igual a 1.")),
        Some(Ok(_)) => return Ok(field_error("Asegúrese de que este valor es menor o igual a 100.")),
        Some(Err(_)) => return Ok(field_error("Se requiere un número entero válido.")),
    };
    let task_id = state.new_task_id();
    let mut data = state.data();
    Ok(match parse_id(&id).and_then(|id| data.start_ping(id, pings, task_id, state.ping_run_time())) {
        Some(task_id) => (StatusCode::ACCEPTED, Json(json!({ "task_id": task_id }))).into_response(),
        None => not_found(),
    })
}

fn field_error(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "pings": [message] }))).into_response()
}

/// The task as it stands: PENDING, PROCESS, then the final state, as time passes.
async fn get_task(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    let stuck = state.faults().stuck_tasks;
    let data = state.data();
    match data.tasks.get(&id) {
        Some(task) => Json(task.poll(stuck)).into_response(),
        None => not_found(),
    }
}
