//! Every function, once. The doors compose functions only through this list: the local server
//! mounts [`router`], the OpenAPI document merges each function's paths, and the template and
//! Lambda smoke tests hold template.yaml and the built binaries against it. A function depends on
//! `shared` only; nothing but this crate names every function.

use axum::Router;
use serde_json::{Value, json};
use shared::AppState;
use shared::function::{Entry, Function};
use utoipa::openapi::OpenApi;

/// The functions, in the order the OpenAPI document lists their paths.
pub const FUNCTIONS: &[&Function] = &[
    &system::FUNCTION,
    &auth::FUNCTION,
    &clients::FUNCTION,
    &tickets::FUNCTION,
    &network::FUNCTION,
    &internet_plans::FUNCTION,
    &billing::FUNCTION,
    &directory_refresh::FUNCTION,
    &events::FUNCTION,
    &webhook_delivery::FUNCTION,
];

/// The routes anyone may call, without a token or a key (docs/api.md §2): every other route of
/// every function answers 401 without credentials.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("POST", "/api/v1/auth/token"),
];

/// Every HTTP function's router on `state`, each with its store limited to its own verbs.
pub fn router(state: &AppState) -> Router {
    FUNCTIONS.iter().filter_map(|function| function.router(state)).fold(Router::new(), Router::merge)
}

/// The paths of every HTTP function in one document (what the OpenAPI document and the MCP
/// door's tool schemas are made from).
pub fn document() -> OpenApi {
    let mut document = OpenApi::default();
    for http in FUNCTIONS.iter().filter_map(|function| function.http()) {
        document.merge((http.openapi)());
    }
    document
}

/// `functions` as the Lambda smoke test reads them: each one's template resource, its kind and,
/// for HTTP functions, the request its binary must answer.
pub fn manifest(functions: &[&Function]) -> Value {
    let functions: Vec<Value> = functions
        .iter()
        .map(|function| {
            let mut entry = json!({"name": function.name, "logical_id": function.logical_id()});
            match &function.entry {
                Entry::Http(http) => {
                    let probe = http.probe;
                    entry["kind"] = json!("http");
                    entry["probe"] = json!({"method": probe.method, "path": probe.path, "form": probe.form,
                        "status": probe.status, "action": probe.action, "challenge": !http.scopes.is_empty()});
                }
                Entry::Scheduled(_) => entry["kind"] = json!("scheduled"),
                Entry::Queue(_) => entry["kind"] = json!("queue"),
            }
            entry
        })
        .collect();
    json!({ "functions": functions })
}
