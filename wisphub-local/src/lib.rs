//! Every function's routes in one process: the development server and the app the tests drive.

use shared::AppState;
use shared::http::{App, stack};

/// Every function of the registry behind the same stack Lambda uses (CORS, request id, budget,
/// envelopes); each keeps its own routes, guards and state.
pub fn app(state: AppState) -> App {
    stack(registry::router(&state), &state.config)
}
