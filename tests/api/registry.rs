//! The registry of functions, held to what it says: every route outside the public list refuses a
//! caller without credentials, each function's declared scopes are the ones its routes ask for,
//! and each function's smoke probe gets the answer it declares.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::Value;
use utoipa::openapi::path::Operation;

use crate::helpers::*;
use crate::template::{function_app, http_functions, routes};

/// A concrete path for a route template: every `{parameter}` becomes `1`.
fn sample(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn every_route_but_the_public_ones_refuses_a_caller_without_credentials() {
    let app = TestApp::spawn().await;
    let mut walked = 0;
    for (method, path) in http_functions().flat_map(|(_, http)| routes(http)) {
        let public = registry::PUBLIC_ROUTES.contains(&(method.as_str(), path.as_str()));
        let method: Method = method.parse().unwrap();
        let answer = app.send(request(method.clone(), &sample(&path), None, None)).await;
        if public {
            assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path} is public: {}", answer.text);
            continue;
        }
        walked += 1;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path} without credentials: {}", answer.text);
        answer.assert_envelope();
        assert_eq!(answer.headers.get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"), "{path}");
    }
    assert!(walked >= 20, "only {walked} protected routes walked");
    assert_eq!(app.sandbox.total_requests(), 0, "nothing reached WispHub");
}

/// The scopes an operation's `security` names.
fn operation_scopes(operation: &Operation) -> BTreeSet<String> {
    let security = serde_json::to_value(&operation.security).unwrap();
    let requirements = security.as_array().cloned().unwrap_or_default();
    requirements
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.values().flat_map(|scopes| scopes.as_array().cloned().unwrap_or_default()))
        .filter_map(|scope| scope.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn each_function_declares_the_scopes_its_routes_ask_for_and_only_public_routes_ask_none() {
    for (function, http) in http_functions() {
        let mut asked = BTreeSet::new();
        for (path, item) in (http.openapi)().paths.paths {
            let operations = [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put), ("DELETE", &item.delete)];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let scopes = operation_scopes(operation);
                let public = registry::PUBLIC_ROUTES.contains(&(method, path.trim_end_matches('/')));
                assert_eq!(scopes.is_empty(), public, "{method} {path}: scopes {scopes:?}");
                asked.extend(scopes);
            }
        }
        let declared: BTreeSet<String> = http.scopes.iter().map(|scope| scope.as_str().to_owned()).collect();
        assert_eq!(declared, asked, "{}: declared scopes vs the scopes its routes ask for", function.name);
    }
}

#[tokio::test]
async fn each_function_answers_its_smoke_probe_as_declared() {
    let app = TestApp::spawn().await;
    for (function, http) in http_functions() {
        let probe = http.probe;
        let mut request = request(probe.method.parse().unwrap(), probe.path, None, None);
        if let Some(form) = probe.form {
            *request.body_mut() = form.to_owned().into();
            request.headers_mut().insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
        }
        let answer = send_to(&function_app(function, &app.state), request).await;
        assert_eq!(answer.status.as_u16(), probe.status, "{}: {}", function.name, answer.text);
        assert_eq!(answer.action(), probe.action, "{}: {}", function.name, answer.text);
    }
}

#[test]
fn the_manifest_names_each_function_with_its_template_resource() {
    let manifest = registry::manifest(&mcp::deployed());
    let names: Vec<(&str, &str)> = manifest["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["logical_id"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&("InternetPlansFunction", "http")), "{names:?}");
    assert!(names.contains(&("DirectoryRefreshFunction", "scheduled")), "{names:?}");
    assert!(names.contains(&("McpFunction", "http")), "{names:?}");
    assert_eq!(names.len(), registry::FUNCTIONS.len() + 1);
}
