//! `/_sandbox/…`: read-only views for tools outside the process (benchmark, soak test). They sit
//! outside the request log, so reading them never counts as a WispHub call.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new().route("/_sandbox/stats", get(stats)).route("/_sandbox/tickets", get(created_tickets))
}

/// The request counters: totals per route template.
async fn stats(State(state): State<SandboxState>) -> Json<Value> {
    let log = state.log();
    let mut routes = Map::new();
    for request in log.requests() {
        let key = format!("{} {}", request.method, request.route);
        let count = routes.get(&key).and_then(Value::as_u64).unwrap_or(0);
        routes.insert(key, json!(count + 1));
    }
    Json(json!({"total": log.total(), "max_in_flight": log.max_in_flight(), "routes": routes}))
}

/// Every ticket made through `POST /api/tickets/` since start, stalled answers included, oldest first:
/// `{"tickets": [{"id_ticket": int, "id_servicio": int|null, "asunto": str, "descripcion": str,
/// "fecha_creacion": str}]}` (`fecha_creacion` as the ticket routes render it, ISO 8601 at -05:00).
async fn created_tickets(State(state): State<SandboxState>) -> Json<Value> {
    let tickets: Vec<Value> = state
        .tickets_created()
        .iter()
        .map(|t| {
            json!({
                "id_ticket": t["id_ticket"],
                "id_servicio": t["servicio"]["id_servicio"],
                "asunto": t["asunto"],
                "descripcion": t["descripcion"],
                "fecha_creacion": t["fecha_creacion"],
            })
        })
        .collect();
    Json(json!({ "tickets": tickets }))
}
