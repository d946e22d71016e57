//! The MCP door (docs/api.md §14): Streamable HTTP at `POST /mcp`, stateless, plain JSON answers,
//! so any Lambda instance answers any request. A door, not a resource group: it composes the
//! functions of the registry and runs each tool's REST route through their routers in-process.

mod call;
mod catalogue;
mod server;
mod tools;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use lambda_http::request::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use shared::AppState;
use shared::auth::{Door, require_caller};
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::store::StoreVerb;
use utoipa::openapi::OpenApi;

pub use server::Agent;

/// The door as the template test and the smoke test see it. Its tools reach the routes of the
/// functions that serve them, so its table policy is theirs together (checked by a test).
pub const FUNCTION: Function = Function {
    name: "mcp",
    entry: Entry::Http(Http {
        router,
        openapi: OpenApi::default,
        scopes: &[],
        undocumented: &[("POST", "/mcp")],
        probe: Probe { method: "POST", path: "/mcp", form: None, status: 401, action: "error" },
    }),
    table: &[
        StoreVerb::Get,
        StoreVerb::GetMany,
        StoreVerb::PutIfAbsent,
        StoreVerb::UpdateIfVersion,
        StoreVerb::Delete,
        StoreVerb::DeleteIfValue,
        StoreVerb::Increment,
    ],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

/// Everything deployed: the registry's functions and this door.
pub fn deployed() -> Vec<&'static Function> {
    registry::FUNCTIONS.iter().copied().chain([&FUNCTION]).collect()
}

type Transport = StreamableHttpService<Agent, LocalSessionManager>;

#[derive(Clone)]
struct McpState {
    agent: Agent,
    allowed_hosts: Arc<[String]>,
    /// A REST body's limit, or a payment report's: `report_payment` carries a receipt.
    max_body_bytes: usize,
    /// The transport for each host it answers behind (none locally; the API's domain behind API
    /// Gateway), built once: it holds no session, only its configuration.
    transports: Arc<Mutex<HashMap<Option<String>, Transport>>>,
}

impl McpState {
    fn transport(&self, gateway_domain: Option<String>) -> Transport {
        let mut transports = self.transports.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = transports.entry(gateway_domain.clone()).or_insert_with(|| {
            let hosts = self.allowed_hosts.iter().cloned().chain(gateway_domain);
            let config = StreamableHttpServerConfig::default()
                .with_legacy_session_mode(false)
                .with_json_response(true)
                .with_sse_keep_alive(None)
                .with_allowed_hosts(hosts)
                .with_max_request_body_bytes(self.max_body_bytes);
            let agent = self.agent.clone();
            StreamableHttpService::new(move || Ok(agent.clone()), Arc::new(LocalSessionManager::default()), config)
        });
        entry.clone()
    }
}

/// `POST /mcp` behind the door (a bearer token or an API key, any scope: each tool checks its own).
pub fn router(state: AppState) -> Router {
    let document = serde_json::to_value(registry::document()).expect("an OpenAPI document serializes");
    let catalogue =
        catalogue::build(&document).unwrap_or_else(|e| panic!("the tool table and the routes disagree: {e}"));
    // The routes a tool runs take the REST body limit (a payment report its own, larger one).
    let routes = registry::router(&state).layer(DefaultBodyLimit::max(shared::http::BODY_LIMIT_BYTES));
    let agent = Agent::new(catalogue, routes);
    let mcp = McpState {
        agent,
        allowed_hosts: state.config.mcp_allowed_hosts.clone().into(),
        max_body_bytes: state.config.billing.report_body_limit(),
        transports: Arc::default(),
    };
    let routes = Router::new().route("/mcp", post(serve)).with_state(mcp);
    require_caller(routes, Arc::new(Door::new(&state)))
}

/// One MCP message, through the transport of the host it came to: behind API Gateway the host it
/// must accept is the API's own domain, which only the request knows.
async fn serve(State(mcp): State<McpState>, request: Request) -> Response {
    let gateway_domain = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.domain_name.clone(),
        _ => None,
    };
    mcp.transport(gateway_domain).handle(request).await.map(axum::body::Body::new).into_response()
}
