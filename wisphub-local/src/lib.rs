//! Every function's routes in one process: the development server and the app the tests drive.

use axum::Router;
use shared::AppState;
use shared::http::{App, stack};

/// The seven function routers merged; each keeps its own routes, guards and state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router(state.clone()))
        .merge(clients::router(state.clone()))
        .merge(tickets::router(state.clone()))
        .merge(network::router(state.clone()))
        .merge(internet_plans::router(state.clone()))
        .merge(billing::router(state.clone()))
        .merge(system::router(state))
}

/// The merged routers behind the same stack Lambda uses (CORS, request id, budget, envelopes).
pub fn app(state: AppState) -> App {
    let config = state.config.clone();
    stack(router(state), &config)
}
