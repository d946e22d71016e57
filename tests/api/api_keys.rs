//! API keys (docs/api.md §13): one `X-API-Key` header with the effect of a bearer token, its name as
//! the API user, failed keys counted per source address like failed logins.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use shared::api_keys;

use crate::helpers::*;

const BOT_KEY_NAME: &str = "n8n-bot";
const PLANS: &str = "/api/v1/internet-plans";

/// A fresh key for `name` with `scopes`, and the `API_KEYS` entry for it.
pub fn key_entry(name: &str, scopes: &[&str]) -> (String, Value) {
    let (key, sha256) = api_keys::mint();
    (key, json!({"name": name, "sha256": sha256, "scopes": scopes}))
}

/// An app whose only bot credential is one key with `scopes`.
async fn app_with_key(scopes: &[&str], max_failures: u32) -> (TestApp, String) {
    let (key, entry) = key_entry(BOT_KEY_NAME, scopes);
    let app = TestApp::builder()
        .setting("API_KEYS", json!([entry]).to_string())
        .setting("LOGIN_MAX_FAILURES", max_failures.to_string())
        .spawn()
        .await;
    (app, key)
}

fn with_key(method: Method, path: &str, key: &str, body: Option<Value>) -> Request<Body> {
    let mut request = request(method, path, None, body);
    request.headers_mut().insert("x-api-key", key.parse().unwrap());
    request
}

#[tokio::test]
async fn a_key_opens_the_routes_its_scopes_allow_and_no_others() {
    let (app, key) = app_with_key(&["plans:read"], 5).await;

    let plans = app.send(with_key(Method::GET, PLANS, &key, None)).await;
    let clients = app.send(with_key(Method::GET, "/api/v1/clients/by-service-id/1001", &key, None)).await;

    assert_eq!(kind(&plans), ("success", "internet_plans_listed"), "{}", plans.text);
    assert_eq!(clients.status, StatusCode::FORBIDDEN, "{}", clients.text);
    clients.assert_envelope();
}

#[tokio::test]
async fn the_key_name_is_the_api_user_the_proof_names() {
    let (app, key) = app_with_key(&["clients:read", "billing:read"], 5).await;
    let facts = json!({"address": "El Peñon", "internet_plan_name": "10mb plus", "internet_plan_price": 65000.4});

    let verified = app.send(with_key(Method::POST, "/api/v1/clients/1001/verify", &key, Some(facts))).await;
    let proof = verified.body["meta"]["verification"]["token"].as_str().expect("a proof").to_owned();
    let mut balance = with_key(Method::GET, "/api/v1/billing/1001/balance", &key, None);
    balance.headers_mut().insert("x-verification-token", proof.parse().unwrap());
    let balance = app.send(balance).await;
    // The same proof in another API user's hands (a bearer token issued to `tester`) proves nothing.
    let other_user = app.token(&[shared::Scope::BillingRead]);
    let mut other = request(Method::GET, "/api/v1/billing/1001/balance", Some(&other_user), None);
    other.headers_mut().insert("x-verification-token", proof.parse().unwrap());
    let other = app.send(other).await;

    assert_eq!(kind(&verified), ("success", "client_verified"), "{}", verified.text);
    assert_eq!(kind(&balance), ("success", "client_balance_found"), "{}", balance.text);
    assert_eq!(kind(&other), ("info", "client_verification_required"), "{}", other.text);
}

#[tokio::test]
async fn an_unknown_or_short_key_or_two_credentials_are_401_like_a_bad_token() {
    let (app, key) = app_with_key(&["plans:read"], 5).await;
    let unknown = format!("{key}0");
    let mut both = with_key(Method::GET, PLANS, &key, None);
    both.headers_mut().insert("authorization", format!("Bearer {}", app.full_token()).parse().unwrap());

    for (case, answer) in [
        ("unknown key", app.send(with_key(Method::GET, PLANS, &unknown, None)).await),
        ("short key", app.send(with_key(Method::GET, PLANS, "short-key", None)).await),
        ("key and token", app.send(both).await),
    ] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{case}: {}", answer.text);
        assert_eq!(answer.body["message"], "Could not validate credentials.", "{case}");
        assert_eq!(answer.headers.get("www-authenticate").unwrap(), "Bearer", "{case}");
        assert!(!answer.text.contains(&key[4..20]), "{case}: the key is not echoed");
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn failed_keys_lock_the_address_and_then_even_the_right_key_gets_429() {
    let (app, key) = app_with_key(&["plans:read"], 3).await;
    let wrong = api_keys::mint().0;

    for _ in 0..10 {
        // Keys too short to be ours are refused at the door and never counted.
        app.send(with_key(Method::GET, PLANS, "short", None)).await;
    }
    let still_open = app.send(with_key(Method::GET, PLANS, &key, None)).await;
    let mut failures = Vec::new();
    for _ in 0..3 {
        failures.push(app.send(with_key(Method::GET, PLANS, &wrong, None)).await.status);
    }
    let locked_wrong = app.send(with_key(Method::GET, PLANS, &wrong, None)).await;
    let locked_right = app.send(with_key(Method::GET, PLANS, &key, None)).await;
    let by_token = app.get(PLANS, &app.full_token()).await;

    assert_eq!(still_open.status, StatusCode::OK, "{}", still_open.text);
    assert_eq!(failures, [StatusCode::UNAUTHORIZED; 3]);
    for answer in [&locked_wrong, &locked_right] {
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{}", answer.text);
        assert_eq!(answer.action(), "too_many_attempts");
        assert!(answer.headers.contains_key("retry-after"));
    }
    assert_eq!(by_token.status, StatusCode::OK, "a token is not a key: {}", by_token.text);
}
