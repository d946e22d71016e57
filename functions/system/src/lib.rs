//! Public routes: health, the OpenAPI document of every function, and its two viewers.

mod docs;

use std::sync::LazyLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::{Action, AppState, Reply};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The whole API's OpenAPI document, committed: `openapi-document` builds it from every function's
/// routes and fails its test when this file differs, so `system` links none of them.
pub const DOCUMENT: &str = include_str!("../openapi.json");

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    service: &'static str,
    version: &'static str,
}

#[derive(OpenApi)]
#[openapi(components(schemas(Health, shared::envelope::Envelope)))]
struct SystemApi;

/// `/health` registered from its `#[utoipa::path]`; the document and its viewers are not in it.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(SystemApi::openapi())
        .routes(routes!(health))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(swagger_ui))
        .route("/redoc", get(redoc))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "system",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[],
        undocumented: &[("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/redoc")],
        probe: Probe { method: "GET", path: "/health", form: None, status: 200, action: "health_ok" },
    }),
    table: &[],
    secrets: &[Secret::JwtSecret],
};

pub fn router(state: AppState) -> Router {
    Router::from(api()).with_state(state)
}

/// The OpenAPI document of this function's own routes (`/health`), the base of [`DOCUMENT`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// Liveness: answers without calling WispHub.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The service is up", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "health_ok",
            "data": {"status": "ok", "service": "WispHub Local API", "version": "2.0.0"}, "message": null, "meta": null}))))]
#[tracing::instrument(skip_all)]
async fn health() -> Reply {
    Reply::success(
        Action::HealthOk,
        Health { status: "ok", service: "WispHub Local API", version: env!("CARGO_PKG_VERSION") },
    )
}

/// [`DOCUMENT`] without its indentation, compacted once per instance.
static COMPACT_DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap_or_default();
    Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
});

#[tracing::instrument(skip_all)]
async fn openapi_json() -> Response {
    ([(CONTENT_TYPE, "application/json")], COMPACT_DOCUMENT.clone()).into_response()
}

#[tracing::instrument(skip_all)]
async fn swagger_ui(State(state): State<AppState>) -> Html<String> {
    Html(docs::swagger_page(&state.config.docs_asset_url))
}

#[tracing::instrument(skip_all)]
async fn redoc(State(state): State<AppState>) -> Html<String> {
    Html(docs::redoc_page(&state.config.docs_asset_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_document_is_an_openapi_document() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
        assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", document["openapi"]);
        assert!(!COMPACT_DOCUMENT.is_empty());
    }
}
