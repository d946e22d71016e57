//! template.yaml against the code: the HTTP API's routing (API Gateway's rules, modelled below)
//! brings every documented route, in both slash spellings, to the function whose router serves it;
//! and each function gets exactly the table actions its store calls need, and no secret in its
//! environment.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::http::{Method, StatusCode};
use shared::AppState;
use shared::http::{App, stack};
use utoipa::openapi::OpenApi as Document;
use yaml_rust2::{Yaml, YamlLoader};

use crate::helpers::*;

/// One resource group: its binary (the template's `BuildProperties.Binary`), its router, the
/// OpenAPI document of its routes, and the GET routes it serves outside that document.
struct Function {
    binary: &'static str,
    router: fn(AppState) -> Router,
    document: fn() -> Document,
    undocumented: &'static [&'static str],
}

const FUNCTIONS: &[Function] = &[
    Function { binary: "auth", router: auth::router, document: auth::openapi, undocumented: &[] },
    Function {
        binary: "system",
        router: system::router,
        // system documents /health; it serves the whole document and its two viewers besides.
        document: system::openapi,
        undocumented: &["/openapi.json", "/docs", "/redoc"],
    },
    Function { binary: "clients", router: clients::router, document: clients::openapi, undocumented: &[] },
    Function { binary: "tickets", router: tickets::router, document: tickets::openapi, undocumented: &[] },
    Function { binary: "network", router: network::router, document: network::openapi, undocumented: &[] },
    Function { binary: "billing", router: billing::router, document: billing::openapi, undocumented: &[] },
    Function {
        binary: "internet-plans",
        router: internet_plans::router,
        document: internet_plans::openapi,
        undocumented: &[],
    },
];

impl Function {
    /// `(METHOD, path)` of every route it serves, trailing slash trimmed.
    fn routes(&self) -> BTreeSet<(String, String)> {
        let mut routes: BTreeSet<(String, String)> =
            self.undocumented.iter().map(|path| ("GET".to_owned(), (*path).to_owned())).collect();
        for (path, item) in (self.document)().paths.paths {
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

    fn app(&self, state: &AppState) -> App {
        stack((self.router)(state.clone()), &state.config)
    }
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

    for function in FUNCTIONS {
        let served = function.app(&app.state);
        for (method, path) in function.routes() {
            let explicit = routes.iter().any(|r| r.binary == function.binary && r.method == method && r.path == path);
            assert!(explicit, "{method} {path} of {} has no event of its own in template.yaml", function.binary);
            for spelling in [sample(&path), format!("{}/", sample(&path))] {
                let picked = gateway_route(&routes, &method, &spelling).expect("a route or $default");
                assert_eq!(picked.binary, function.binary, "API Gateway sends {method} {spelling} to {picked:?}");
                let method: Method = method.parse().unwrap();
                let answer = send_to(&served, request(method.clone(), &spelling, Some(&token), None)).await;
                assert!(
                    ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&answer.status),
                    "{} does not serve {method} {spelling}: {} {}",
                    function.binary,
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
        let function = FUNCTIONS.iter().find(|f| f.binary == route.binary).expect("a known binary");
        let documented = function.routes();
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
        let function = FUNCTIONS.iter().find(|f| f.binary == binary).unwrap();
        let answer =
            send_to(&function.app(&app.state), request(method.parse().unwrap(), path, Some(&token), None)).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        answer.assert_envelope();
    }
}

#[test]
fn cors_defaults_and_function_timeout_match_the_code() {
    let template = template();
    let parameters = &template["Parameters"];
    let origins: Vec<&str> = parameters["CorsOrigins"]["Default"].as_str().unwrap().split(',').collect();
    assert_eq!(origins, shared::config::DEFAULT_CORS_ORIGINS, "CorsOrigins default is API.md §8's list");

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

/// DynamoDB actions behind each store verb (shared/src/store/dynamo/): `increment` adds with
/// UpdateItem and starts a new window with PutItem; both conditional writes are PutItem, both
/// deletes DeleteItem; `get_many` is BatchGetItem.
const STORE_VERBS: &[(&str, &[&str])] = &[
    ("get", &["dynamodb:GetItem"]),
    ("get_many", &["dynamodb:BatchGetItem"]),
    ("put_if_absent", &["dynamodb:PutItem"]),
    ("update_if_version", &["dynamodb:PutItem"]),
    ("delete", &["dynamodb:DeleteItem"]),
    ("delete_if_value", &["dynamodb:DeleteItem"]),
    ("increment", &["dynamodb:UpdateItem", "dynamodb:PutItem"]),
];

#[test]
fn every_store_verb_has_its_table_actions_listed() {
    let port = include_str!("../../shared/src/store/mod.rs");
    let port = &port[port.find("pub trait Store").expect("the Store trait")..];
    let port = &port[..port.find("\n}").unwrap()];
    for verb in port.split("async fn ").skip(1).map(|rest| rest.split('(').next().unwrap()) {
        assert!(STORE_VERBS.iter().any(|(v, _)| *v == verb), "Store::{verb} is missing from STORE_VERBS");
    }
}

/// The store verbs `code` calls as `store.<verb>(`.
fn verbs_called(code: &str) -> BTreeSet<&'static str> {
    STORE_VERBS.iter().map(|(verb, _)| *verb).filter(|verb| code.contains(&format!("store.{verb}("))).collect()
}

/// The modules of `shared` whose functions call the store for a function: how a function names
/// one (`claim::release(`), and the module's source.
const HELPER_MODULES: &[(&str, &str)] = &[
    ("claim", include_str!("../../shared/src/store/claim.rs")),
    ("snapshot", include_str!("../../shared/src/store/snapshot.rs")),
    ("directory", include_str!("../../shared/src/directory/mod.rs")),
    ("refresh", include_str!("../../shared/src/directory/refresh.rs")),
];

/// Each function of the helper modules (`claim::release`, `refresh::refresh`…) with the store
/// verbs it calls, directly, through a function of its own module or through another helper.
fn helpers() -> BTreeMap<String, BTreeSet<&'static str>> {
    // `name(` not inside a longer name (`claim(` in `try_claim(`).
    let calls = |body: &str, name: &str| {
        body.match_indices(&format!("{name}("))
            .any(|(at, _)| !body[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
    };
    let mut bodies = Vec::new();
    for (module, source) in HELPER_MODULES {
        let source = source.split("#[cfg(test)]\nmod tests").next().unwrap();
        for rest in source.split("async fn ").skip(1) {
            let name = rest.split(['(', '<']).next().unwrap();
            let body = &rest[..rest.find("\n}").unwrap()];
            bodies.push((*module, name.to_owned(), body));
        }
    }
    let mut verbs: BTreeMap<String, BTreeSet<&'static str>> =
        bodies.iter().map(|(module, name, body)| (format!("{module}::{name}"), verbs_called(body))).collect();
    // Calls nest a few levels deep (refresh → publish → current): spread until nothing changes.
    loop {
        let before = verbs.clone();
        for (module, name, body) in &bodies {
            let mut gained = BTreeSet::new();
            for (other_module, other, _) in &bodies {
                let same_module = other_module == module && calls(body, other);
                let itself = other_module == module && other == name;
                if (same_module || body.contains(&format!("{other_module}::{other}("))) && !itself {
                    gained.extend(before[&format!("{other_module}::{other}")].iter().copied());
                }
            }
            verbs.get_mut(&format!("{module}::{name}")).unwrap().extend(gained);
        }
        if verbs == before {
            return verbs;
        }
    }
}

#[test]
fn the_store_helpers_are_read_for_the_store_verbs_they_call() {
    let helpers = helpers();
    assert_eq!(helpers["claim::claim"], BTreeSet::from(["get", "put_if_absent"]));
    assert_eq!(helpers["claim::try_claim"], BTreeSet::from(["put_if_absent"]));
    assert_eq!(helpers["claim::release"], BTreeSet::from(["delete_if_value"]));
    assert_eq!(helpers["directory::current"], BTreeSet::from(["get"]));
    assert_eq!(helpers["directory::load"], BTreeSet::from(["get_many"]));
    let refresh = BTreeSet::from(["get", "put_if_absent", "update_if_version", "delete_if_value"]);
    assert_eq!(helpers["refresh::refresh"], refresh);
}

const IDEMPOTENCY: &str = include_str!("../../shared/src/idempotency.rs");

/// Store verbs `code` calls, through `store.<verb>(` or a `<module>::<helper>(` of `HELPER_MODULES`.
fn store_verbs_of(code: &str) -> BTreeSet<&'static str> {
    let mut verbs = verbs_called(code);
    for (helper, helper_verbs) in helpers() {
        if code.contains(&format!("{helper}(")) {
            verbs.extend(helper_verbs);
        }
    }
    verbs
}

/// The table actions a function's own (non-test) source calls for, through `store.<verb>(` or a
/// `<module>::<helper>(` of `HELPER_MODULES`.
fn table_actions_used(binary: &str) -> BTreeSet<String> {
    let dir = format!("{}/../functions/{binary}/src", env!("CARGO_MANIFEST_DIR"));
    let mut actions = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("function sources") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let mut verbs = store_verbs_of(code);
        // The shared idempotency record is a store user on the function's behalf, its claim's
        // `finish` included.
        if code.contains("idempotency::begin(") {
            verbs.extend(store_verbs_of(IDEMPOTENCY.split("#[cfg(test)]\nmod tests").next().unwrap()));
        }
        for (verb, needs) in STORE_VERBS {
            if verbs.contains(verb) {
                actions.extend(needs.iter().map(|a| (*a).to_owned()));
            }
        }
    }
    actions
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
fn each_function_may_use_exactly_the_table_actions_its_store_calls_need() {
    let template = template();
    let shared_env = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (binary, function) in functions(&template) {
        let used = table_actions_used(&binary);
        let statements = statements(&function);
        let granted: BTreeSet<String> = statements
            .iter()
            .filter(|(actions, _)| actions.iter().any(|a| a.starts_with("dynamodb:")))
            .inspect(|(_, resource)| assert_eq!(resource, "Table.Arn", "{binary}: DynamoDB on the table only"))
            .flat_map(|(actions, _)| actions.clone())
            .collect();
        assert_eq!(granted, used, "{binary}: table actions granted vs needed by its store calls");

        let env = &function["Properties"]["Environment"]["Variables"];
        assert_eq!(!env["TABLE_NAME"].is_badvalue(), !used.is_empty(), "{binary}: TABLE_NAME iff it uses the store");

        // Secrets come from the secret at cold start, never from the environment.
        let secret_read = statements.iter().any(|(actions, resource)| {
            actions.len() == 1 && actions.contains("secretsmanager:GetSecretValue") && resource == "SecretsArn"
        });
        assert!(secret_read, "{binary}: reads the secret SecretsArn names");
        for name in ["WISPHUB_API_KEY", "JWT_SECRET", "API_USERS", "API_USERNAME", "API_PASSWORD_HASH"] {
            assert!(env[name].is_badvalue() && shared_env[name].is_badvalue(), "{binary}: {name} in plain text");
        }
    }
    assert_eq!(shared_env["SECRETS_ARN"].as_str(), Some("SecretsArn"));
}
