//! The MCP server: `tools/list` filtered by the caller's scopes, `tools/call` run through the REST
//! routers in-process with the caller the door let in, so every rule of the route applies once.

use std::sync::Arc;

use axum::Router;
use axum::http::request::Parts;
use http_body_util::BodyExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use shared::auth::Caller;
use shared::envelope::{HandedOver, in_process};
use shared::{Action, Reply};
use tower::ServiceExt;

use crate::call::{ArgumentProblem, rest_request};
use crate::catalogue::Entry;

const INSTRUCTIONS: &str = "Tools over an ISP's WispHub tenant for customer service. Each answer is the API's \
    envelope {ok, type, action, data, message, meta}: branch on `action`. Find the customer first \
    (find_client); money tools (balance, payment_promise) need the proof a verify_client returns.";

/// The MCP server of one process: the tool catalogue and the routers its tools run.
#[derive(Clone)]
pub struct Agent(Arc<Inner>);

struct Inner {
    catalogue: Vec<Entry>,
    routes: Router,
}

impl Agent {
    pub fn new(catalogue: Vec<Entry>, routes: Router) -> Self {
        Agent(Arc::new(Inner { catalogue, routes }))
    }

    /// The tools `caller` may call.
    pub fn tools_for(&self, caller: &Caller) -> impl Iterator<Item = &Entry> {
        self.0.catalogue.iter().filter(|entry| caller.scopes.contains(&entry.scope))
    }

    async fn call(
        &self,
        caller: Caller,
        name: &str,
        arguments: serde_json::Map<String, Value>,
    ) -> Result<CallToolResult, ErrorData> {
        let Some(entry) = self.0.catalogue.iter().find(|entry| entry.spec.name == name) else {
            return Err(ErrorData::invalid_params(format!("unknown tool: {name}"), None));
        };
        if !caller.scopes.contains(&entry.scope) {
            let message =
                format!("Permiso insuficiente: esta herramienta requiere el alcance {}.", entry.scope.as_str());
            return Ok(refusal(message));
        }
        let mut request = match rest_request(entry, &arguments, &caller.subject) {
            Ok(request) => request,
            Err(ArgumentProblem { argument, problem }) => {
                return Ok(refusal(format!("Error de validación: {argument}: {problem}")));
            }
        };
        request.extensions_mut().insert(caller);
        let mut response =
            in_process(self.0.routes.clone().oneshot(request)).await.unwrap_or_else(|never| match never {});
        let envelope = match response.extensions_mut().remove::<HandedOver>() {
            Some(HandedOver(envelope)) => envelope,
            // Only a response no envelope made (none is known) arrives as bytes.
            None => {
                let bytes = response.into_body().collect().await.map(|body| body.to_bytes()).unwrap_or_default();
                serde_json::from_slice::<Value>(&bytes)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| failure("La ruta no devolvió un sobre JSON.".into()))
            }
        };
        Ok(result(envelope))
    }
}

/// The envelope as the tool result: the structured content and the same JSON as the text item;
/// `isError` only when the envelope is an error. The text is written by serde_json's writer rather
/// than by `Value`'s `Display` (what rmcp's `structured` uses): the same bytes at about 60 % of the
/// cost, which on a large envelope is a tenth of the whole call (BENCHMARKS.md).
fn result(envelope: Value) -> CallToolResult {
    let text = vec![ContentBlock::text(serde_json::to_string(&envelope).unwrap_or_default())];
    let mut result =
        if envelope["type"] == "error" { CallToolResult::error(text) } else { CallToolResult::success(text) };
    result.structured_content = Some(envelope);
    result
}

/// An error envelope for a call the door refused before any route ran.
fn refusal(message: String) -> CallToolResult {
    result(failure(message))
}

fn failure(message: String) -> Value {
    Reply::failure(Action::Error, message).envelope().clone().into()
}

/// The caller the door let in, from the HTTP request the transport hands over.
fn caller(context: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
    context
        .extensions
        .get::<Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("no authenticated caller", None))
}

impl ServerHandler for Agent {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("wisphub-api", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = caller(&context)?;
        Ok(ListToolsResult::with_all_items(self.tools_for(&caller).map(|entry| entry.tool.clone()).collect()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = caller(&context)?;
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(caller, &request.name, arguments).await?.into())
    }
}
