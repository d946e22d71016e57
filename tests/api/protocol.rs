//! docs/api.md §1 protocol failures, slashes, request ids, CORS and the public system routes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use shared::Scope;

use crate::helpers::*;

const PROTECTED: &str = "/api/v1/internet-plans";

fn signed(claims: serde_json::Value, secret: &str) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn claims(exp_offset: i64, iss: &str, aud: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "tester", "iat": now, "exp": now + exp_offset, "iss": iss, "aud": aud,
           "scope": "plans:read", "jti": "x"})
}

#[tokio::test]
async fn every_bad_token_gets_401_with_the_bearer_challenge() {
    let app = TestApp::spawn().await;
    let unsigned_payload = URL_SAFE_NO_PAD.encode(claims(600, "wisphub-api", "wisphub-api").to_string());
    let alg_none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), unsigned_payload);
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no header", None, "Not authenticated"),
        ("other scheme", Some("Basic Ym90OnB3".into()), "Not authenticated"),
        ("garbage", Some("Bearer not.a.jwt".into()), "Could not validate credentials."),
        (
            "expired",
            Some(format!("Bearer {}", signed(claims(-600, "wisphub-api", "wisphub-api"), JWT_SECRET))),
            "Could not validate credentials.",
        ),
        ("alg none", Some(format!("Bearer {alg_none}")), "Could not validate credentials."),
        (
            "wrong signature",
            Some(format!(
                "Bearer {}",
                signed(claims(600, "wisphub-api", "wisphub-api"), "another-secret-another-secret-xx")
            )),
            "Could not validate credentials.",
        ),
        (
            "wrong audience",
            Some(format!("Bearer {}", signed(claims(600, "wisphub-api", "someone-else"), JWT_SECRET))),
            "Could not validate credentials.",
        ),
        (
            "wrong issuer",
            Some(format!("Bearer {}", signed(claims(600, "someone-else", "wisphub-api"), JWT_SECRET))),
            "Could not validate credentials.",
        ),
    ];

    for (case, header, message) in cases {
        let mut request = Request::get(PROTECTED);
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let answer = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{case}: {}", answer.text);
        answer.assert_envelope();
        assert_eq!(answer.body["message"], message, "{case}");
        assert_eq!(answer.headers["www-authenticate"], "Bearer", "{case}");
    }
    assert_eq!(app.sandbox.total_requests(), 0, "no upstream call for a refused token");
}

#[tokio::test]
async fn a_token_without_the_routes_scope_gets_403() {
    let app = TestApp::spawn().await;

    let answer = app.get(PROTECTED, &app.token(&[Scope::ClientsRead])).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    answer.assert_envelope();
    assert_eq!(answer.body["message"], "Permiso insuficiente.");
}

#[tokio::test]
async fn unknown_route_wrong_method_and_oversize_body_get_enveloped_statuses() {
    let app = TestApp::spawn().await;
    let big = json!({"username": "x".repeat(70 * 1024), "password": "y"});

    let unknown = app.get("/api/v1/nothing-here", &app.full_token()).await;
    let wrong_method = app.get("/api/v1/auth/token", "").await;
    let oversize = app.post_json("/api/v1/auth/token", "", big).await;

    assert_eq!((unknown.status, unknown.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Not Found")));
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", oversize.text);
    for answer in [unknown, wrong_method, oversize] {
        answer.assert_envelope();
        assert_eq!(answer.action(), "error");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_gets_400() {
    let app = TestApp::spawn().await;
    for body in ["{not json", "[1, 2]", "\"text\""] {
        let request = Request::post("/api/v1/auth/token")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.text);
        answer.assert_envelope();
        assert_eq!(answer.body["message"], "Cuerpo JSON inválido.");
    }
}

#[tokio::test]
async fn a_path_parameter_of_the_wrong_type_is_a_422_naming_it() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/internet-plans/abc", &app.full_token()).await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
    answer.assert_envelope();
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.starts_with("Error de validación: plan_id"), "{message}");
}

#[tokio::test]
async fn every_route_answers_with_and_without_the_trailing_slash() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let routes = ["/health", "/openapi.json", "/docs", "/redoc", "/api/v1/internet-plans", "/api/v1/internet-plans/1"];

    for route in routes {
        let bare = app.get(route, &token).await;
        let slashed = app.get(&format!("{route}/"), &token).await;
        assert_eq!(bare.status, StatusCode::OK, "{route}: {}", bare.text);
        assert_eq!(slashed.status, bare.status, "{route}/ differs");
    }
    let token_route =
        app.post_form("/api/v1/auth/token/", &format!("username={BOT_USER}&password=correct+horse+battery")).await;
    assert_eq!(token_route.status, StatusCode::OK, "{}", token_route.text);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;

    let first = app.get("/health", "").await;
    let second = app.get("/nowhere", "").await;

    let ids: Vec<_> =
        [&first, &second].iter().map(|a| a.headers["x-request-id"].to_str().unwrap().to_owned()).collect();
    assert!(ids.iter().all(|id| id.len() >= 16), "{ids:?}");
    assert_ne!(ids[0], ids[1]);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(PROTECTED)
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_preflight_answers_listed_origins_only() {
    let app = TestApp::spawn().await;

    let allowed = app.send(preflight("http://localhost:8081")).await;
    let refused = app.send(preflight("http://evil.example")).await;

    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(allowed.headers["access-control-allow-origin"], "http://localhost:8081");
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    assert!(allowed.headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert!(!refused.headers.contains_key("access-control-allow-origin"));
    assert!(!refused.headers.contains_key("access-control-allow-credentials"));
}

#[tokio::test]
async fn configured_cors_origins_replace_the_defaults() {
    let app = TestApp::builder().setting("CORS_ORIGINS", "https://bot.example.com").spawn().await;

    let configured = app.send(preflight("https://bot.example.com")).await;
    let default_one = app.send(preflight("http://localhost:8081")).await;

    assert_eq!(configured.headers["access-control-allow-origin"], "https://bot.example.com");
    assert!(!default_one.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn health_is_public_and_makes_no_upstream_call() {
    let app = TestApp::spawn().await;

    let answer = app.get("/health", "").await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "health_ok");
    assert_eq!(answer.body["data"]["status"], "ok");
    assert_eq!(answer.body["data"]["service"], "WispHub Local API");
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn openapi_document_is_3_1_with_every_route_and_the_token_flow() {
    let app = TestApp::spawn().await;

    let answer = app.get("/openapi.json", "").await;

    assert!(answer.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = answer.body["paths"].as_object().unwrap();
    for path in ["/health", "/api/v1/auth/token", "/api/v1/internet-plans", "/api/v1/internet-plans/{plan_id}"] {
        assert!(paths.contains_key(path), "missing {path}: {:?}", paths.keys());
    }
    let flow = &answer.body["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/api/v1/auth/token");
}

#[tokio::test]
async fn docs_pages_load_their_assets_from_the_configured_base() {
    let app = TestApp::builder().setting("DOCS_ASSET_URL", "https://assets.example.com/npm").spawn().await;

    let docs = app.get("/docs", "").await;
    let redoc = app.get("/redoc", "").await;

    assert!(docs.text.contains("https://assets.example.com/npm/swagger-ui-dist@5/swagger-ui-bundle.js"));
    assert!(docs.text.contains("/openapi.json"));
    assert!(redoc.text.contains("https://assets.example.com/npm/redoc@2/bundles/redoc.standalone.js"));
}
