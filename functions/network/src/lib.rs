//! Network diagnostics (docs/api.md §6): start a ping of a customer's link through WispHub, then poll
//! the task until it carries a verdict.

mod outage;
mod ping;
mod rtt;
mod task;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::extract::{MediaType, Path, body_rejection, parse_json};
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::ids::{ServiceId, TaskId, TaskRef};
use shared::openapi::Guard;
use shared::outage::{Outage, OutageReport, OutageScope};
use shared::store::StoreVerb;
use shared::{Action, ApiError, AppState, Reply, Scope};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ping::{Judgement, Verdict};
use crate::task::{Progress, Started};

#[derive(OpenApi)]
#[openapi(components(schemas(PingRequest, PingTask, PingResult, TaskStatus, Outage, OutageScope, OutageReport)))]
struct NetworkApi;

const DEFAULT_PINGS: u8 = 4;
const MAX_PINGS: u8 = 10;

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api(guard: &Guard) -> OpenApiRouter<AppState> {
    let ping = OpenApiRouter::new().routes(routes!(create_ping)).routes(routes!(get_ping));
    let read = OpenApiRouter::new().routes(routes!(outage::get_outage));
    OpenApiRouter::with_openapi(NetworkApi::openapi())
        .merge(guard.require(Scope::NetworkPing, ping))
        .merge(guard.require(Scope::NetworkRead, read))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "network",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::NetworkPing, Scope::NetworkRead],
        undocumented: &[],
        probe: Probe {
            method: "GET",
            path: "/api/v1/ping/3f2b8a6e-0000-4000-8000-000000000000",
            form: None,
            status: 401,
            action: "error",
        },
    }),
    table: &[
        StoreVerb::Get,
        StoreVerb::PutIfAbsent,
        StoreVerb::UpdateIfVersion,
        StoreVerb::Delete,
        StoreVerb::DeleteIfValue,
    ],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

pub fn router(state: AppState) -> Router {
    Router::from(api(&Guard::serving(&state))).with_state(state)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}

/// The body of a ping request; an empty body or `{}` means 4 pings.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PingRequest {
    /// How many echo requests the router sends.
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 10, default = 4, example = 4)]
    #[serde(default)]
    pings: Option<Value>,
}

/// `pending` until WispHub finishes, then `done`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    Done,
}

/// A ping task not finished yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingTask {
    task_id: String,
    status: TaskStatus,
}

/// The verdict on a customer's link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingResult {
    task_id: String,
    status: TaskStatus,
    sent: u32,
    received: u32,
    /// Lost packets, 0–100.
    loss_pct: f64,
    /// Mean round trip of the replies that carry one; null when none came back.
    avg_rtt_ms: Option<f64>,
    /// One Spanish sentence a bot can read out.
    summary: String,
    /// The general fault the ISP has flagged on the customer's router or sector, if any.
    outage: Option<Outage>,
}

/// The requested number of pings, validated before anything else happens.
struct Pings(u8);

impl<S: Send + Sync> FromRequest<S> for Pings {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let media_type = MediaType::of(request.headers());
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        // v1 callers often POST with no body at all (or a JSON null): nothing to read, whatever the type.
        let text = bytes.trim_ascii();
        if text.is_empty() || text == b"null" {
            return Ok(Pings(DEFAULT_PINGS));
        }
        media_type.require_json()?;
        let body: PingRequest = parse_json(&bytes)?;
        match body.pings {
            None | Some(Value::Null) => Ok(Pings(DEFAULT_PINGS)),
            Some(Value::Number(n)) => whole(&n)
                .filter(|n| (1..=u64::from(MAX_PINGS)).contains(n))
                .map(|n| Pings(n as u8))
                .ok_or_else(pings_out_of_range),
            Some(_) => Err(pings_out_of_range()),
        }
    }
}

/// A JSON number that is a whole non-negative count: `4` and `4.0` are both 4.
fn whole(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && (0.0..=255.0).contains(f)).map(|f| f as u64))
}

fn pings_out_of_range() -> ApiError {
    ApiError::invalid("pings", format!("debe ser un entero entre 1 y {MAX_PINGS}"))
}

/// Starts a ping of the customer's router link (or returns the one already running for it).
#[utoipa::path(post, path = "/api/v1/{service_id}/ping", tag = "network",
    params(("service_id" = i64, Path, description = "WispHub service id", minimum = 1)),
    request_body(content = Option<PingRequest>, description = "Optional; an empty body means 4 pings",
        example = json!({"pings": 4})),
    security(("OAuth2PasswordBearer" = ["network:ping"])),
    responses((status = 200, description = "`ping_created`, or info `client_not_found`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "ping_created",
            "data": {"task_id": "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b71", "status": "pending"},
            "message": "Ping iniciado. Consulte el resultado con el task_id en unos segundos.", "meta": null})),
        (status = 422, description = "`pings` outside 1..10 or `service_id` not a positive integer",
            body = shared::envelope::Envelope),
        (status = 502, description = "WispHub refused to start the ping", body = shared::envelope::Envelope),
        (status = 503, description = "WispHub or the task store unavailable; see Retry-After",
            body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
async fn create_ping(
    State(state): State<AppState>,
    Path(service_id): Path<ServiceId>,
    Pings(pings): Pings,
) -> Result<Reply, ApiError> {
    let started = task::start(&*state.store, &state.wisphub, service_id.get(), pings, state.config.ping_check_interval);
    Ok(match started.await? {
        Started::Created(task_id) => Reply::success(Action::PingCreated, PingTask::pending(task_id))
            .with_message("Ping iniciado. Consulte el resultado con el task_id en unos segundos."),
        Started::AlreadyRunning(task_id) => Reply::success(Action::PingCreated, PingTask::pending(task_id))
            .with_message("Ya hay un ping en curso para este servicio; consulte el resultado con este task_id."),
        Started::UnknownClient => Reply::client_not_found(),
    })
}

/// The ping's outcome: pending, or the verdict on the link (kept, so later polls are free).
#[utoipa::path(get, path = "/api/v1/ping/{task_id}", tag = "network",
    params(("task_id" = String, Path, description = "The task id `ping_created` returned")),
    security(("OAuth2PasswordBearer" = ["network:ping"])),
    responses((status = 200, description = "`stable_connection`; info `intermittent_connection`, `no_internet`, \
        `ping_pending` or `ping_task_not_found`; error `ping_failed` with the router's message",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "info", "action": "intermittent_connection",
            "data": {"task_id": "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b71", "status": "done", "sent": 4, "received": 3,
                "loss_pct": 25.0, "avg_rtt_ms": 5.6,
                "summary": "3 de 4 paquetes recibidos; pérdida 25%; latencia media 5.6 ms", "outage": null},
            "message": "La conexión del cliente es intermitente: se perdió parte de los paquetes.", "meta": null})),
        (status = 502, description = "WispHub answered something unreadable", body = shared::envelope::Envelope),
        (status = 503, description = "WispHub or the task store unavailable; see Retry-After",
            body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(task_id = task_id.as_ref().map(TaskId::as_str)))]
async fn get_ping(State(state): State<AppState>, Path(TaskRef(task_id)): Path<TaskRef>) -> Result<Reply, ApiError> {
    let not_found = || Reply::info(Action::PingTaskNotFound, "La tarea de ping no existe o ya expiró.");
    // Our ids are UUIDs; anything else cannot name a task, so no store or WispHub call.
    let Some(task_id) = task_id else { return Ok(not_found()) };
    Ok(match task::poll(&*state.store, &state.wisphub, task_id.as_str(), state.config.ping_check_interval).await? {
        Progress::NotFound => not_found(),
        Progress::Pending => {
            Reply::info(Action::PingPending, "El ping todavía está en curso. Consulte de nuevo en unos segundos.")
                .with_data(PingTask::pending(task_id.into_string()))
        }
        Progress::Done(verdict, outage) => verdict_reply(task_id.into_string(), verdict, outage),
    })
}

impl PingTask {
    fn pending(task_id: String) -> Self {
        PingTask { task_id, status: TaskStatus::Pending }
    }
}

fn verdict_reply(task_id: String, verdict: Verdict, outage: Option<Outage>) -> Reply {
    let failure = verdict.failure.unwrap_or_default();
    let data = PingResult {
        task_id,
        status: TaskStatus::Done,
        sent: verdict.sent,
        received: verdict.received,
        loss_pct: verdict.loss_pct,
        avg_rtt_ms: verdict.avg_rtt_ms,
        summary: verdict.summary,
        outage,
    };
    match verdict.judgement {
        Judgement::Stable => {
            Reply::success(Action::StableConnection, data).with_message("La conexión del cliente es estable.")
        }
        Judgement::Intermittent => Reply::info(
            Action::IntermittentConnection,
            "La conexión del cliente es intermitente: se perdió parte de los paquetes.",
        )
        .with_data(data),
        Judgement::NoInternet => {
            Reply::info(Action::NoInternet, "El cliente no tiene internet: se perdieron todos los paquetes.")
                .with_data(data)
        }
        Judgement::Failed => {
            Reply::failure(Action::PingFailed, format!("No se pudo completar el ping: {failure}")).with_data(data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_both_routes_and_their_schemas() {
        let document = serde_json::to_value(openapi()).unwrap_or_default();

        let paths = &document["paths"];
        assert!(paths["/api/v1/{service_id}/ping"]["post"].is_object(), "{paths}");
        assert!(paths["/api/v1/ping/{task_id}"]["get"].is_object(), "{paths}");
        assert!(paths["/api/v1/{service_id}/outage"]["get"].is_object(), "{paths}");
        for schema in ["PingRequest", "PingTask", "PingResult"] {
            assert!(document["components"]["schemas"][schema].is_object(), "{schema}");
        }
    }
}
