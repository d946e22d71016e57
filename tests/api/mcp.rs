//! The MCP door (docs/api.md §14) in-process: JSON-RPC over `POST /mcp`, the tool list by scope,
//! and each tool call answered by its REST route with every rule of that route.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::api_keys::key_entry;
use crate::helpers::*;

const BOT_SCOPES: &[&str] = &[
    "clients:read",
    "tickets:read",
    "tickets:write",
    "network:ping",
    "network:read",
    "plans:read",
    "billing:read",
    "billing:write",
];

struct Mcp {
    app: TestApp,
    bot_key: String,
    plans_key: String,
}

impl Mcp {
    async fn spawn() -> Mcp {
        let (bot_key, bot) = key_entry("whatsapp-agent", BOT_SCOPES);
        let (plans_key, plans) = key_entry("plans-agent", &["plans:read"]);
        let app = TestApp::builder().setting("API_KEYS", json!([bot, plans]).to_string()).spawn().await;
        Mcp { app, bot_key, plans_key }
    }

    async fn post(&self, key: Option<&str>, message: Value) -> Answer {
        let mut request = Request::post("/mcp")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        self.app.send(request.body(Body::from(message.to_string())).unwrap()).await
    }

    async fn rpc(&self, key: &str, method: &str, params: Value) -> Value {
        let answer = self.post(Some(key), json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})).await;
        assert_eq!(answer.status, StatusCode::OK, "{method}: {}", answer.text);
        answer.body
    }

    async fn tools(&self, key: &str) -> BTreeSet<String> {
        let listed = self.rpc(key, "tools/list", json!({})).await;
        listed["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    }

    /// `(isError, the envelope)` of a tool call.
    async fn call(&self, key: &str, tool: &str, arguments: Value) -> (bool, Value) {
        let answer = self.rpc(key, "tools/call", json!({"name": tool, "arguments": arguments})).await;
        let result = &answer["result"];
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        assert_eq!(serde_json::from_str::<Value>(text).ok().as_ref(), Some(&result["structuredContent"]), "{answer}");
        (result["isError"] == true, result["structuredContent"].clone())
    }
}

#[tokio::test]
async fn initialize_answers_in_plain_json_without_a_session() {
    let mcp = Mcp::spawn().await;
    let params =
        json!({"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "n8n", "version": "1"}});

    let answer = mcp
        .post(Some(&mcp.bot_key), json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert!(answer.headers.get("mcp-session-id").is_none(), "stateless: no session issued");
    assert_eq!(answer.body["result"]["serverInfo"]["name"], "wisphub-api");
    assert!(answer.body["result"]["capabilities"]["tools"].is_object());
}

#[tokio::test]
async fn the_door_refuses_without_credentials_and_answers_get_and_notifications_as_the_transport_says() {
    let mcp = Mcp::spawn().await;

    let anonymous = mcp.post(None, json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})).await;
    let get = mcp.app.send(request(Method::GET, "/mcp", None, None)).await;
    let get_with_key = {
        let mut get = request(Method::GET, "/mcp/", None, None);
        get.headers_mut().insert("x-api-key", mcp.bot_key.parse().unwrap());
        mcp.app.send(get).await
    };
    let notification =
        mcp.post(Some(&mcp.bot_key), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;

    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.text);
    assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
    for get in [&get, &get_with_key] {
        // As every route: a wrong method is 405 before any credential is looked at.
        assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED, "{}", get.text);
        get.assert_envelope();
    }
    assert_eq!(notification.status, StatusCode::ACCEPTED, "{}", notification.text);
    assert!(notification.text.is_empty());
}

#[tokio::test]
async fn tools_list_shows_only_the_tools_of_the_callers_scopes() {
    let mcp = Mcp::spawn().await;

    let bot = mcp.tools(&mcp.bot_key).await;
    let plans = mcp.tools(&mcp.plans_key).await;

    assert_eq!(plans, BTreeSet::from(["list_plans".to_owned(), "get_plan".to_owned()]));
    for tool in
        ["find_client", "verify_client", "create_ticket", "balance", "payment_promise", "start_ping", "outage_status"]
    {
        assert!(bot.contains(tool), "{tool} missing from {bot:?}");
    }
    assert!(!bot.contains("search_clients"), "clients:list is staff only");
}

#[tokio::test]
async fn each_tool_has_a_closed_input_schema_annotations_and_its_scope_in_the_description() {
    let mcp = Mcp::spawn().await;
    let listed = mcp.rpc(&mcp.bot_key, "tools/list", json!({})).await;
    let tools = listed["result"]["tools"].as_array().unwrap();
    let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap().clone();

    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert_eq!(tool["inputSchema"]["additionalProperties"], false, "{tool}");
        assert!(tool["description"].as_str().unwrap().contains("Scope: "), "{tool}");
        assert!(!tool.to_string().contains("$ref"), "the schema stands alone: {tool}");
    }
    let promise = tool("payment_promise");
    assert_eq!(promise["annotations"]["idempotentHint"], true);
    assert_eq!(promise["annotations"]["readOnlyHint"], false);
    assert!(
        promise["description"].as_str().unwrap().contains("verify_client"),
        "money tools say the proof comes first"
    );
    let properties = &promise["inputSchema"]["properties"];
    for argument in ["service_id", "promise_date", "comment", "verification_token", "idempotency_key"] {
        assert!(properties[argument].is_object(), "payment_promise lacks {argument}: {properties}");
    }
    assert_eq!(properties["promise_date"]["format"], "date", "the body's own schema");
    assert_eq!(tool("balance")["annotations"]["readOnlyHint"], true);
    assert_eq!(tool("find_client")["inputSchema"]["required"], json!([]));
}

#[tokio::test]
async fn a_bot_conversation_finds_verifies_and_reads_the_balance_with_the_proof() {
    let mcp = Mcp::spawn().await;
    let key = &mcp.bot_key;

    let (_, found) = mcp.call(key, "find_client", json!({"phone": "+57 300 123 4567"})).await;
    let service_id = found["data"]["service_id"].as_i64().unwrap();
    let before = mcp.app.sandbox.total_requests();
    let (refused_is_error, refused) = mcp.call(key, "balance", json!({"service_id": service_id})).await;
    let unproven_calls = mcp.app.sandbox.total_requests() - before;
    let facts = json!({"service_id": service_id, "address": "El Peñon", "internet_plan_name": "10mb plus",
        "internet_plan_price": 65000});
    let (_, verified) = mcp.call(key, "verify_client", facts).await;
    let proof = verified["meta"]["verification"]["token"].as_str().unwrap();
    let (balance_is_error, balance) =
        mcp.call(key, "balance", json!({"service_id": service_id, "verification_token": proof})).await;

    assert_eq!(found["action"], "client_found", "{found}");
    assert_eq!((refused_is_error, refused["action"].as_str()), (false, Some("client_verification_required")));
    assert_eq!(unproven_calls, 0, "no WispHub call without the proof");
    assert_eq!(verified["action"], "client_verified", "{verified}");
    assert_eq!((balance_is_error, balance["action"].as_str()), (false, Some("client_balance_found")), "{balance}");
}

#[tokio::test]
async fn the_same_create_ticket_twice_makes_one_ticket() {
    let mcp = Mcp::spawn().await;
    let arguments = json!({"service_id": 1004, "subject": "Internet Lento", "description": "Lento desde ayer."});

    let (_, first) = mcp.call(&mcp.bot_key, "create_ticket", arguments.clone()).await;
    let (_, again) = mcp.call(&mcp.bot_key, "create_ticket", arguments).await;

    assert_eq!(first["action"], "ticket_created", "{first}");
    assert_eq!(again, first, "the first answer, replayed");
    assert_eq!(mcp.app.sandbox.count("POST", "/api/tickets/"), 1);
}

#[tokio::test]
async fn refusals_name_the_scope_or_the_argument_and_reach_no_route() {
    let mcp = Mcp::spawn().await;

    let (scope_error, scope) = mcp.call(&mcp.plans_key, "balance", json!({"service_id": 1001})).await;
    let (argument_error, argument) = mcp.call(&mcp.bot_key, "get_plan", json!({"plan_id": 1, "colour": "red"})).await;
    let (selector_error, selector) = mcp.call(&mcp.bot_key, "find_client", json!({})).await;
    let (invalid_error, invalid) = mcp.call(&mcp.bot_key, "create_ticket", json!({"service_id": 1004})).await;
    let unknown = mcp.rpc(&mcp.bot_key, "tools/call", json!({"name": "delete_everything", "arguments": {}})).await;

    assert!(scope_error && scope["message"].as_str().unwrap().contains("billing:read"), "{scope}");
    assert!(argument_error && argument["message"].as_str().unwrap().contains("colour"), "{argument}");
    assert!(selector_error && selector["message"].as_str().unwrap().contains("phone | document | service_id"));
    assert!(invalid_error && invalid["message"].as_str().unwrap().contains("subject"), "{invalid}");
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    assert_eq!(mcp.app.sandbox.total_requests(), 0);
}

#[test]
fn the_doors_table_policy_is_what_its_tools_routes_need_together() {
    let needed: BTreeSet<_> = registry::FUNCTIONS.iter().flat_map(|function| function.store_verbs()).collect();
    let declared: BTreeSet<_> = mcp::FUNCTION.store_verbs().into_iter().collect();
    assert_eq!(declared, needed);
}

#[tokio::test]
async fn report_payment_takes_the_receipt_in_base64_and_files_it_once() {
    let mcp = Mcp::spawn().await;
    let service_id = wisphub_sandbox::SERVICE_WITH_OLD_PENDING_INVOICES;
    let proof = mcp.app.state.proofs.issue("whatsapp-agent", service_id).unwrap().token;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let yesterday = (chrono::Utc::now() - chrono::Duration::hours(29)).date_naive().to_string();
    let arguments = json!({"service_id": service_id, "verification_token": proof, "reference": "MCP-TRX-9",
        "paid_on": yesterday, "amount": 45000, "payment_method_id": 16749,
        "receipt": {"content_type": "image/png", "data_base64": STANDARD.encode(png)}});

    let (is_error, reported) = mcp.call(&mcp.bot_key, "report_payment", arguments.clone()).await;
    let (_, again) = mcp.call(&mcp.bot_key, "report_payment", arguments).await;

    assert!(!is_error, "{reported}");
    assert_eq!(reported["action"], "payment_reported", "{reported}");
    assert_eq!(again, reported, "the repeated call replays the first answer");
    assert_eq!(mcp.app.sandbox.payment_reports().len(), 1);
}
