//! The Lambda entry path: API Gateway HTTP API (payload v2) events through lambda_http's own
//! conversion give the same status and body as the same requests through the local server.

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::helpers::*;

/// An event as API Gateway HTTP API sends it to a function (payload format 2.0).
pub(crate) fn v2_event(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: Value,
    body: Option<&[u8]>,
    base64: bool,
) -> String {
    let body = body.map(|b| if base64 { STANDARD.encode(b) } else { String::from_utf8_lossy(b).into_owned() });
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": "r3pmxmplak.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "r3pmxmplak",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.40", "userAgent": "n8n"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:16:00:00 +0000",
            "timeEpoch": 1795708800000u64
        },
        "body": body,
        "isBase64Encoded": base64
    })
    .to_string()
}

struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    query: &'static str,
    body: Option<String>,
    content_type: Option<&'static str>,
    base64: bool,
}

fn cases() -> Vec<Case> {
    let case =
        |name, method, path, query| Case { name, method, path, query, body: None, content_type: None, base64: false };
    let post = |name, body: &str, content_type, base64| Case {
        name,
        method: Method::POST,
        path: "/api/v1/auth/token",
        query: "",
        body: Some(body.to_owned()),
        content_type: Some(content_type),
        base64,
    };
    vec![
        case("health", Method::GET, "/health", ""),
        case("health with slash", Method::GET, "/health/", ""),
        case("plan list", Method::GET, "/api/v1/internet-plans/", ""),
        case("plan by path parameter", Method::GET, "/api/v1/internet-plans/1", ""),
        case("bad path parameter", Method::GET, "/api/v1/internet-plans/abc", ""),
        case("unknown route", Method::GET, "/api/v1/unknown", "x=1"),
        case("wrong method", Method::DELETE, "/api/v1/internet-plans", ""),
        post("form login, base64 body", "username=nobody&password=x", "application/x-www-form-urlencoded", true),
        post("bad json", "{oops", "application/json", false),
    ]
}

#[tokio::test]
async fn api_gateway_v2_events_get_the_same_answers_as_the_local_server() {
    let app = TestApp::spawn().await;
    let token = app.full_token();

    for case in cases() {
        let mut headers = json!({"authorization": format!("Bearer {token}"), "host": "r3pmxmplak.execute-api.us-east-1.amazonaws.com"});
        let mut local = Request::builder().method(case.method.clone()).uri(format!(
            "{}{}",
            case.path,
            if case.query.is_empty() { String::new() } else { format!("?{}", case.query) }
        ));
        local = local.header("authorization", format!("Bearer {token}"));
        if let Some(content_type) = case.content_type {
            headers["content-type"] = json!(content_type);
            local = local.header("content-type", content_type);
        }
        let body = case.body.as_deref().map(str::as_bytes);
        let event = v2_event(case.method.as_str(), case.path, case.query, headers, body, case.base64);
        let lambda_request = lambda_http::request::from_str(&event).expect("a valid v2 event");

        let through_lambda = send_to(&app.app, lambda_request).await;
        let through_local = app.send(local.body(Body::from(case.body.clone().unwrap_or_default())).unwrap()).await;

        assert_eq!(through_lambda.status, through_local.status, "{}: {}", case.name, through_lambda.text);
        assert_eq!(through_lambda.body, through_local.body, "{}", case.name);
        assert_eq!(
            through_lambda.headers["x-request-id"], "JKJaXmPLvHcESHA=",
            "{}: API Gateway's request id",
            case.name
        );
    }
}
