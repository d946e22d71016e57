//! Clients: lookups, the directory behind list/search/resolve, identity checks and profile updates.

mod checks;
mod client;
mod directory;
mod identity;
mod index;
mod lookup;
mod profile;
mod routes;
#[cfg(test)]
mod testing;
mod text;

use axum::Router;
use shared::openapi::Guard;
use shared::{AppState, Scope};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use client::Client;
use directory::Directory;

#[derive(OpenApi)]
#[openapi(components(schemas(Client, identity::IdentityClaim, identity::Field, profile::ProfileUpdate)))]
struct ClientsApi;

/// Per-instance state: the app's ports plus this instance's copy of the directory snapshot.
#[derive(Clone)]
pub struct ClientsState {
    app: AppState,
    directory: Directory,
}

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api(guard: &Guard) -> OpenApiRouter<ClientsState> {
    let bulk = OpenApiRouter::new().routes(routes!(routes::list_clients)).routes(routes!(routes::search_clients));
    let read = OpenApiRouter::new()
        .routes(routes!(routes::get_client_by_document))
        .routes(routes!(routes::get_client_by_phone))
        .routes(routes!(routes::get_client_by_service_id))
        .routes(routes!(routes::resolve_client))
        .routes(routes!(routes::verify_client));
    let write = OpenApiRouter::new().routes(routes!(routes::update_client));
    OpenApiRouter::with_openapi(ClientsApi::openapi())
        .merge(guard.require(Scope::ClientsList, bulk))
        .merge(guard.require(Scope::ClientsRead, read))
        .merge(guard.require(Scope::ClientsWrite, write))
}

pub fn router(state: AppState) -> Router {
    let guard = Guard::Tokens(state.tokens.clone());
    let clients = ClientsState { directory: Directory::new(&state), app: state };
    Router::from(api(&guard)).with_state(clients)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}
