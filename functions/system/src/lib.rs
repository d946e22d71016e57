//! Public routes: health, the OpenAPI document of every function, and its two viewers.

mod docs;
mod responses;

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use shared::envelope::json_response;
use shared::{Action, AppState, Reply};
use utoipa::ToSchema;

pub use docs::openapi;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    service: &'static str,
    version: &'static str,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(swagger_ui))
        .route("/redoc", get(redoc))
        .with_state(state)
}

/// Liveness: answers without calling WispHub.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The service is up", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "health_ok",
            "data": {"status": "ok", "service": "WispHub Local API", "version": "2.0.0"}, "message": null, "meta": null}))))]
async fn health() -> Reply {
    Reply::success(
        Action::HealthOk,
        Health { status: "ok", service: "WispHub Local API", version: env!("CARGO_PKG_VERSION") },
    )
}

async fn openapi_json() -> Response {
    json_response(axum::http::StatusCode::OK, &openapi()).into_response()
}

async fn swagger_ui(State(state): State<AppState>) -> Html<String> {
    Html(docs::swagger_page(&state.config.docs_asset_url))
}

async fn redoc(State(state): State<AppState>) -> Html<String> {
    Html(docs::redoc_page(&state.config.docs_asset_url))
}
