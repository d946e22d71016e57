//! template.yaml against the registry of functions: the template has exactly the registry's
//! functions; the HTTP API's routing (API Gateway's rules, modelled below) brings every documented
//! route, in both slash spellings, to the function whose router serves it; and each function gets
//! exactly the table actions its declared store verbs need, and no secret in its environment.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use shared::AppState;
use shared::function::{Entry, Function, Http};
use shared::http::{App, stack};
use yaml_rust2::{Yaml, YamlLoader};

use crate::helpers::*;

/// `(METHOD, path)` of every route `http` serves, trailing slash trimmed: its document's
/// operations and its undocumented GET paths.
pub fn routes(http: &Http) -> BTreeSet<(String, String)> {
    let mut routes: BTreeSet<(String, String)> =
        http.undocumented.iter().map(|(method, path)| ((*method).to_owned(), (*path).to_owned())).collect();
    for (path, item) in (http.openapi)().paths.paths {
        let path = path.trim_end_matches('/').to_owned();
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

/// Every deployed HTTP function (the registry's and the MCP door), each with its HTTP side.
pub fn http_functions() -> impl Iterator<Item = (&'static Function, &'static Http)> {
    mcp::deployed().into_iter().filter_map(|function| function.http().map(|http| (function, http)))
}

/// One function's router behind the stack Lambda runs it with.
pub fn function_app(function: &Function, state: &AppState) -> App {
    stack(function.router(state).expect("an HTTP function"), &state.config)
}

fn http_function(name: &str) -> &'static Function {
    http_functions().map(|(function, _)| function).find(|function| function.name == name).expect("a known function")
}

fn template() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let text = std::fs::read_to_string(path).expect("reading template.yaml");
    YamlLoader::load_from_str(&text).expect("template.yaml is YAML").remove(0)
}

/// The template's functions, by binary name.
fn functions(template: &Yaml) -> BTreeMap<String, Yaml> {
    let resources = template["Resources"].as_hash().expect("Resources");
    resources
        .values()
        .filter(|resource| resource["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|resource| {
            let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().expect("BuildProperties.Binary");
            (binary.to_owned(), resource.clone())
        })
        .collect()
}

/// An `HttpApi` event of the template: which function, which method (or ANY), which path.
#[derive(Debug, Clone)]
struct Route {
    binary: String,
    method: String,
    path: String,
}

fn template_routes(template: &Yaml) -> Vec<Route> {
    let mut routes = Vec::new();
    for (binary, function) in functions(template) {
        for event in function["Properties"]["Events"].as_hash().into_iter().flat_map(|events| events.values()) {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let properties = &event["Properties"];
            let method = properties["Method"].as_str().unwrap_or("ANY").to_uppercase();
            let path = properties["Path"].as_str().unwrap_or("$default").to_owned();
            routes.push(Route { binary: binary.clone(), method, path });
        }
    }
    routes
}

/// API Gateway's choice for a request (HTTP API route evaluation): a full match of path and method
/// first, then a greedy `{proxy+}` match, then `$default`; literal segments beat variables. A greedy
/// variable is taken to match an empty rest too, so `/a/{proxy+}` receives `/a/`.
fn gateway_route<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<&'a Route> {
    let request: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rank = |route: &Route| -> Option<(bool, bool, Vec<bool>)> {
        if route.path == "$default" {
            return None;
        }
        let template: Vec<&str> = route.path.trim_start_matches('/').split('/').collect();
        let greedy = template.last().is_some_and(|s| s.ends_with("+}"));
        let fixed = if greedy { &template[..template.len() - 1] } else { &template[..] };
        let fits = if greedy { request.len() > fixed.len() } else { request.len() == fixed.len() };
        let segments_match =
            fixed.iter().zip(&request).all(|(t, r)| if t.starts_with('{') { !r.is_empty() } else { t == r });
        let method_matches = route.method == "ANY" || route.method == method;
        (fits && segments_match && method_matches)
            .then(|| (greedy, route.method == "ANY", fixed.iter().map(|t| t.starts_with('{')).collect()))
    };
    let best = routes.iter().filter_map(|route| rank(route).map(|key| (key, route))).min_by(|a, b| a.0.cmp(&b.0));
    best.map(|(_, route)| route).or_else(|| routes.iter().find(|route| route.path == "$default"))
}

/// A concrete path for a route template: every `{parameter}` becomes `1`.
fn sample(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn every_documented_route_reaches_its_own_router_in_both_slash_spellings() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let routes = template_routes(&template());

    for (function, http) in http_functions() {
        let served = function_app(function, &app.state);
        for (method, path) in self::routes(http) {
            let explicit = routes.iter().any(|r| r.binary == function.name && r.method == method && r.path == path);
            assert!(explicit, "{method} {path} of {} has no event of its own in template.yaml", function.name);
            for spelling in [sample(&path), format!("{}/", sample(&path))] {
                let picked = gateway_route(&routes, &method, &spelling).expect("a route or $default");
                assert_eq!(picked.binary, function.name, "API Gateway sends {method} {spelling} to {picked:?}");
                let method: Method = method.parse().unwrap();
                let answer = send_to(&served, request(method.clone(), &spelling, Some(&token), None)).await;
                assert!(
                    ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&answer.status),
                    "{} does not serve {method} {spelling}: {} {}",
                    function.name,
                    answer.status,
                    answer.text
                );
            }
        }
    }
}

#[test]
fn every_template_route_is_a_documented_route_or_a_catch_all_of_its_function() {
    for route in template_routes(&template()) {
        let documented = routes(http_function(&route.binary).http().unwrap());
        if route.path == "$default" {
            assert_eq!((route.binary.as_str(), route.method.as_str()), ("system", "ANY"), "$default goes to system");
        } else if route.method == "ANY" {
            // A catch-all must only take paths under a prefix its own function serves.
            let prefix = route.path.trim_end_matches("/{proxy+}");
            let owns = documented.iter().any(|(_, path)| path == prefix || path.starts_with(&format!("{prefix}/")));
            assert!(owns, "{} catches {} but serves nothing under it", route.binary, route.path);
        } else {
            let key = (route.method.clone(), route.path.clone());
            assert!(documented.contains(&key), "{route:?} is not a route {} documents", route.binary);
        }
    }
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_our_envelope_through_the_gateway() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let routes = template_routes(&template());
    let cases = [
        ("GET", "/api/v1/unknown", "system", StatusCode::NOT_FOUND),
        ("GET", "/", "system", StatusCode::NOT_FOUND),
        ("POST", "/health", "system", StatusCode::METHOD_NOT_ALLOWED),
        ("DELETE", "/api/v1/clients/1", "clients", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/clients/1/verify/", "clients", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/tickets", "tickets", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/tickets/1/extra", "tickets", StatusCode::NOT_FOUND),
        ("GET", "/api/v1/1/ping/", "network", StatusCode::METHOD_NOT_ALLOWED),
        ("POST", "/api/v1/internet-plans", "internet-plans", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/auth/token", "auth", StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (method, path, binary, status) in cases {
        let picked = gateway_route(&routes, method, path).expect("a route or $default");
        assert_eq!(picked.binary, binary, "API Gateway sends {method} {path} to {picked:?}");
        let served = function_app(http_function(binary), &app.state);
        let answer = send_to(&served, request(method.parse().unwrap(), path, Some(&token), None)).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        answer.assert_envelope();
    }
}

#[test]
fn cors_defaults_and_function_timeout_match_the_code() {
    let template = template();
    let parameters = &template["Parameters"];
    let origins: Vec<&str> = parameters["CorsOrigins"]["Default"].as_str().unwrap().split(',').collect();
    assert_eq!(origins, shared::config::DEFAULT_CORS_ORIGINS, "CorsOrigins default is docs/api.md §8's list");

    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    assert_eq!(cors["AllowCredentials"].as_bool(), Some(true));
    assert_eq!(cors["MaxAge"].as_i64(), Some(600));
    let exposed: Vec<&str> = cors["ExposeHeaders"].as_vec().unwrap().iter().filter_map(Yaml::as_str).collect();
    assert_eq!(exposed, ["x-request-id", "retry-after"]);

    // The budget (10 s by default) must end before the function is killed, and that before API
    // Gateway gives up (29 s), so a slow WispHub still gets our 503 envelope.
    let timeout_ms = template["Globals"]["Function"]["Timeout"].as_i64().unwrap() * 1000;
    let budget = &parameters["RequestBudgetMs"];
    assert!(budget["Default"].as_i64().unwrap() < timeout_ms && budget["MaxValue"].as_i64().unwrap() < timeout_ms);
    assert!(timeout_ms < 29_000);
    let http_functions: BTreeSet<String> = template_routes(&template).into_iter().map(|r| r.binary).collect();
    for (binary, function) in functions(&template) {
        let own_timeout = function["Properties"]["Timeout"].as_i64().map_or(timeout_ms, |s| s * 1000);
        if http_functions.contains(&binary) {
            assert_eq!(own_timeout, timeout_ms, "{binary} overrides the shared timeout");
        } else {
            // A scheduled function killed at its timeout must free the lease it holds for the next run.
            let lease_ms = shared::directory::refresh::LEASE.as_millis() as i64;
            assert!(own_timeout < lease_ms, "{binary}: timeout {own_timeout} ms not under its lease");
        }
    }
}

/// Statements of a function's inline policies: (actions, resource).
fn statements(function: &Yaml) -> Vec<(BTreeSet<String>, String)> {
    let policies = function["Properties"]["Policies"].as_vec().cloned().unwrap_or_default();
    let mut found = Vec::new();
    for statement in policies.iter().flat_map(|p| p["Statement"].as_vec().cloned().unwrap_or_default()) {
        let actions = match &statement["Action"] {
            Yaml::Array(list) => list.iter().filter_map(Yaml::as_str).map(str::to_owned).collect(),
            action => action.as_str().map(str::to_owned).into_iter().collect(),
        };
        // `!Ref X` and `!GetAtt X.Arn` read as their plain argument.
        found.push((actions, statement["Resource"].as_str().unwrap_or_default().to_owned()));
    }
    found
}

#[test]
fn each_function_may_use_exactly_the_table_actions_its_declared_store_verbs_need() {
    let template = template();
    let shared_env = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (binary, function) in functions(&template) {
        let declared = mcp::deployed().into_iter().find(|f| f.name == binary).expect("a deployed function");
        let used: BTreeSet<String> = declared
            .store_verbs()
            .iter()
            .flat_map(|verb| verb.table_actions())
            .map(|action| (*action).to_owned())
            .collect();
        let statements = statements(&function);
        let granted: BTreeSet<String> = statements
            .iter()
            .filter(|(actions, _)| actions.iter().any(|a| a.starts_with("dynamodb:")))
            .inspect(|(_, resource)| assert_eq!(resource, "Table.Arn", "{binary}: DynamoDB on the table only"))
            .flat_map(|(actions, _)| actions.clone())
            .collect();
        assert_eq!(granted, used, "{binary}: table actions granted vs the store verbs it declares");

        let env = &function["Properties"]["Environment"]["Variables"];
        assert_eq!(!env["TABLE_NAME"].is_badvalue(), !used.is_empty(), "{binary}: TABLE_NAME iff it uses the store");

        // Secrets come from the secret at cold start, never from the environment.
        let secret_read = statements.iter().any(|(actions, resource)| {
            actions.len() == 1 && actions.contains("secretsmanager:GetSecretValue") && resource == "SecretsArn"
        });
        assert_eq!(secret_read, !declared.secrets.is_empty(), "{binary}: reads the secret SecretsArn names");
        let secrets = [
            "WISPHUB_API_KEY",
            "JWT_SECRET",
            "API_USERS",
            "API_USERNAME",
            "API_PASSWORD_HASH",
            "API_KEYS",
            "WEBHOOK_SECRET",
        ];
        for name in secrets {
            assert!(env[name].is_badvalue() && shared_env[name].is_badvalue(), "{binary}: {name} in plain text");
        }
    }
    assert_eq!(shared_env["SECRETS_ARN"].as_str(), Some("SecretsArn"));
}

#[test]
fn the_template_holds_exactly_the_functions_of_the_registry() {
    let template = template();
    let resources = template["Resources"].as_hash().expect("Resources");
    let mut in_template: BTreeSet<(String, String)> = BTreeSet::new();
    for (id, resource) in resources {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_owned();
            in_template.insert((id.as_str().unwrap().to_owned(), binary));
        }
    }
    let in_registry: BTreeSet<(String, String)> =
        mcp::deployed().iter().map(|f| (f.logical_id(), f.name.to_owned())).collect();
    assert_eq!(in_template, in_registry, "template functions (logical id, binary) vs the registry");

    let events = |name: &str| {
        let function = &functions(&template)[name];
        let kinds: BTreeSet<String> = function["Properties"]["Events"]
            .as_hash()
            .into_iter()
            .flat_map(|events| events.values())
            .filter_map(|event| event["Type"].as_str().map(str::to_owned))
            .collect();
        kinds
    };
    for function in mcp::deployed() {
        // A queue consumer's event source is a resource of its own (see the webhook queue test).
        let expected: BTreeSet<String> = match function.entry {
            Entry::Http(_) => BTreeSet::from(["HttpApi".to_owned()]),
            Entry::Scheduled(_) => BTreeSet::from(["Schedule".to_owned()]),
            Entry::Queue(_) => BTreeSet::new(),
        };
        assert_eq!(events(function.name), expected, "{}: its events", function.name);
    }
}

/// The SQS actions a function may use, and on what.
fn queue_actions(function: &Yaml) -> BTreeSet<(String, String)> {
    let statements = statements(function);
    let sqs = statements.iter().filter(|(actions, _)| actions.iter().any(|a| a.starts_with("sqs:")));
    sqs.flat_map(|(actions, resource)| actions.iter().map(|a| (a.clone(), resource.clone()))).collect()
}

#[test]
fn the_webhook_queue_feeds_its_consumer_with_partial_batch_answers_and_only_the_senders_may_send() {
    let template = template();
    let resources = &template["Resources"];
    let queue = &resources["WebhookQueue"]["Properties"];
    let redrive = &queue["RedrivePolicy"];
    let retry = shared::events::webhook::RetryPolicy::default();
    assert_eq!(redrive["maxReceiveCount"].as_i64(), Some(retry.attempts() as i64), "every try, then the dead letters");
    assert_eq!(redrive["deadLetterTargetArn"].as_str(), Some("WebhookDeadLetterQueue.Arn"));
    assert!(queue["MessageRetentionPeriod"].as_i64().unwrap() > retry.window.as_secs() as i64, "outlives the retries");
    let dead_letters = &resources["WebhookDeadLetterQueue"]["Properties"];
    assert_eq!(dead_letters["MessageRetentionPeriod"].as_i64(), Some(14 * 24 * 3600));

    let mappings: Vec<&Yaml> = resources
        .as_hash()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Lambda::EventSourceMapping"))
        .collect();
    let functions = functions(&template);
    let poll = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"];
    for function in mcp::deployed() {
        let resource = &functions[function.name];
        let env = &resource["Properties"]["Environment"]["Variables"];
        let granted = queue_actions(resource);
        let on_queue = |actions: &[&str]| -> BTreeSet<(String, String)> {
            actions.iter().map(|a| ((*a).to_owned(), "WebhookQueue.Arn".to_owned())).collect()
        };
        let (expected, uses_queue) = match &function.entry {
            Entry::Scheduled(job) if job.sends_events => (on_queue(&["sqs:SendMessage"]), true),
            Entry::Queue(_) => {
                let mapping = mappings
                    .iter()
                    .find(|m| m["Properties"]["FunctionName"].as_str() == Some(&function.logical_id()))
                    .unwrap_or_else(|| panic!("{}: no event source mapping", function.name));
                let properties = &mapping["Properties"];
                assert_eq!(properties["EventSourceArn"].as_str(), Some("WebhookQueue.Arn"));
                let types: Vec<&str> =
                    properties["FunctionResponseTypes"].as_vec().unwrap().iter().filter_map(Yaml::as_str).collect();
                assert_eq!(types, ["ReportBatchItemFailures"], "{}: partial batch answers", function.name);
                let timeout = resource["Properties"]["Timeout"].as_i64().unwrap();
                assert!(queue["VisibilityTimeout"].as_i64().unwrap() >= timeout, "Lambda's rule for SQS sources");
                (on_queue(&poll), true)
            }
            _ => (BTreeSet::new(), false),
        };
        assert_eq!(granted, expected, "{}: SQS actions", function.name);
        assert_eq!(env["WEBHOOK_QUEUE_URL"].as_str().map(str::to_owned), uses_queue.then(|| "WebhookQueue".to_owned()));
        assert_eq!(
            !env["WEBHOOK_URL"].is_badvalue(),
            uses_queue,
            "{}: WEBHOOK_URL iff it sends or posts",
            function.name
        );
    }
    assert_eq!(mappings.len(), 1, "one consumer of the queue");
}
