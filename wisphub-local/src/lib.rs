//! Every function's routes in one process: the development server and the app the tests drive.

use shared::AppState;
use shared::http::{App, stack};

/// Every function of the registry and the MCP door behind the same stack Lambda uses (CORS,
/// request id, budget, envelopes); each keeps its own routes, guards and state.
pub fn app(state: AppState) -> App {
    let door = mcp::FUNCTION.router(&state).expect("the MCP door serves HTTP");
    stack(registry::router(&state).merge(door), &state.config)
}
