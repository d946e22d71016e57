//! Events (docs/api.md §16): the feed of what changed between two directory snapshots (outages,
//! suspensions, settled bills), and who hangs from a router or sector with an outage, so a bot can
//! tell customers before they call. Both read only the table: the refresher did the WispHub work.

mod customers;
mod feed;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use shared::events::{Event, EventData, EventType, OutageData, ServiceData};
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::openapi::Guard;
use shared::outage::OutageScope;
use shared::store::StoreVerb;
use shared::{AppState, Scope};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use customers::{Customers, OutageCustomer};

#[derive(OpenApi)]
#[openapi(components(schemas(Event, EventType, EventData, OutageData, ServiceData, OutageScope, OutageCustomer)))]
struct EventsApi;

#[derive(Clone)]
struct EventsState {
    app: AppState,
    customers: Arc<Customers>,
}

impl FromRef<EventsState> for AppState {
    fn from_ref(events: &EventsState) -> AppState {
        events.app.clone()
    }
}

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api(guard: &Guard) -> OpenApiRouter<EventsState> {
    let feed = OpenApiRouter::new().routes(routes!(feed::list_events));
    let customers = OpenApiRouter::new().routes(routes!(customers::list_outage_customers));
    OpenApiRouter::with_openapi(EventsApi::openapi())
        .merge(guard.require(Scope::EventsRead, feed))
        .merge(guard.require(Scope::ClientsList, customers))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "events",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::EventsRead, Scope::ClientsList],
        undocumented: &[],
        probe: Probe { method: "GET", path: "/api/v1/events", form: None, status: 401, action: "error" },
    }),
    // The event log's index and batches; the directory's pointer and chunks.
    table: &[StoreVerb::Get, StoreVerb::GetMany],
    secrets: &[Secret::JwtSecret],
};

pub fn router(state: AppState) -> Router {
    let guard = Guard::serving(&state);
    let events = EventsState { customers: Arc::new(Customers::new(state.store.clone())), app: state };
    Router::from(api(&guard)).with_state(events)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}
