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
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::openapi::Guard;
use shared::store::StoreVerb;
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

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "clients",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::ClientsList, Scope::ClientsRead, Scope::ClientsWrite],
        undocumented: &[],
        probe: Probe {
            method: "GET",
            path: "/api/v1/clients/by-service-id/1",
            form: None,
            status: 401,
            action: "error",
        },
    }),
    table: &[
        StoreVerb::Get,
        StoreVerb::GetMany,
        StoreVerb::PutIfAbsent,
        StoreVerb::UpdateIfVersion,
        StoreVerb::DeleteIfValue,
        StoreVerb::Increment,
    ],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

pub fn router(state: AppState) -> Router {
    let guard = Guard::serving(&state);
    let clients = ClientsState { directory: Directory::new(&state), app: state };
    Router::from(api(&guard)).with_state(clients)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}
