//! Clients: lookups, the directory behind list/search/resolve, identity checks and profile updates.

mod checks;
mod client;
pub mod directory;
mod identity;
mod lookup;
mod profile;
mod routes;
#[cfg(test)]
mod testing;
pub mod text;

use axum::Router;
use axum::routing::{get, post, put};
use shared::auth::require_scope;
use shared::{AppState, Scope};
use utoipa::OpenApi;

pub use client::Client;
use directory::Directory;

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::list_clients,
        routes::search_clients,
        routes::get_client_by_document,
        routes::get_client_by_phone,
        routes::get_client_by_service_id,
        routes::resolve_client,
        routes::verify_client,
        routes::update_client
    ),
    components(schemas(Client, identity::IdentityClaim, identity::Field, profile::ProfileUpdate))
)]
pub struct ClientsApi;

/// Per-instance state: the app's ports plus this function's directory cache.
#[derive(Clone)]
pub struct ClientsState {
    app: AppState,
    directory: Directory,
}

pub fn router(state: AppState) -> Router {
    let tokens = state.tokens.clone();
    let clients = ClientsState { directory: Directory::new(&state.config.default_country_code), app: state };
    let bulk = Router::new()
        .route("/api/v1/clients", get(routes::list_clients))
        .route("/api/v1/clients/search", get(routes::search_clients));
    let read = Router::new()
        .route("/api/v1/clients/by-document/{document}", get(routes::get_client_by_document))
        .route("/api/v1/clients/by-phone/{phone}", get(routes::get_client_by_phone))
        .route("/api/v1/clients/by-service-id/{service_id}", get(routes::get_client_by_service_id))
        .route("/api/v1/clients/resolve", post(routes::resolve_client))
        .route("/api/v1/clients/{service_id}/verify", post(routes::verify_client));
    let write = Router::new().route("/api/v1/clients/{service_id}", put(routes::update_client));
    Router::new()
        .merge(require_scope(bulk, tokens.clone(), Scope::ClientsList))
        .merge(require_scope(read, tokens.clone(), Scope::ClientsRead))
        .merge(require_scope(write, tokens, Scope::ClientsWrite))
        .with_state(clients)
}
