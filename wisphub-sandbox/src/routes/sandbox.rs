//! `/_sandbox/…`: views and switches for tools outside the process (benchmark, soak test). They sit
//! outside the request log, so using them never counts as a WispHub call.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::data::client::{Estado, EstadoFacturas};
use crate::data::devices::FaultyDevice;
use crate::django::{detail, not_found};
use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/tickets", get(created_tickets))
        .route("/_sandbox/payment-promises", get(payment_promises))
        .route("/_sandbox/payment-reports", get(payment_reports))
        .route("/_sandbox/general-faults", post(set_general_fault))
        .route("/_sandbox/client-status", post(set_client_status))
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

/// Every payment promise WispHub accepted since start, stalled answers included, oldest first:
/// `{"promises": [{"id_factura": int, "id_servicio": int|null, "fecha_limite": "YYYY-MM-DD",
/// "comentarios": str, "accion": 0|1, "recibida": str}]}` (`id_servicio` null for an unknown invoice,
/// `recibida` ISO 8601 at -05:00).
async fn payment_promises(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "promises": state.payment_promises() }))
}

/// Every payment report WispHub accepted since start, stalled answers included, oldest first:
/// `{"reports": [{"id_factura": int, "forma_pago": int, "fecha_pago": "YYYY-MM-DD HH:MM",
/// "referencia": str, "comprobante_pago": str, "nombre_user": str, "file_name": str, "file_type": str,
/// "file_size": int, "file_sha256": hex, "task_id": str, "recibida": str}]}` (never the file itself).
async fn payment_reports(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "reports": state.payment_reports() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum DeviceKind {
    Router,
    Sectorial,
}

#[derive(Deserialize)]
struct GeneralFaultSwitch {
    device: DeviceKind,
    id: i64,
    /// The fault's description raises it; null (or absent) clears it.
    description: Option<String>,
}

/// `{"device": "router"|"sectorial", "id": n, "description": "..."|null}` → 204, whatever the
/// content type; 400 for a body that is not that, 404 for a device the tenant does not have.
async fn set_general_fault(State(state): State<SandboxState>, body: Bytes) -> Response {
    let switch: GeneralFaultSwitch = match serde_json::from_slice(&body) {
        Ok(switch) => switch,
        Err(error) => return detail(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let device = match switch.device {
        DeviceKind::Router => FaultyDevice::Router(switch.id),
        DeviceKind::Sectorial => FaultyDevice::Sectorial(switch.id),
    };
    if state.set_general_fault(device, switch.description.as_deref()) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

#[derive(Deserialize)]
struct ClientStatusSwitch {
    service_id: i64,
    estado: Option<Estado>,
    estado_facturas: Option<EstadoFacturas>,
}

/// `{"service_id": n, "estado": "Suspendido", "estado_facturas": "Pagadas"}` (either optional) → 204,
/// whatever the content type; 400 for a body that is not that, 404 for a service the tenant lacks.
async fn set_client_status(State(state): State<SandboxState>, body: Bytes) -> Response {
    let switch: ClientStatusSwitch = match serde_json::from_slice(&body) {
        Ok(switch) => switch,
        Err(error) => return detail(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    if state.set_client_status(switch.service_id, switch.estado, switch.estado_facturas) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}
