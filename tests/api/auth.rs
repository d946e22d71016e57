//! The token route: both encodings, uniform refusals, brute-force limits.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::json;
use shared::Scope;

use crate::helpers::*;

const TOKEN: &str = "/api/v1/auth/token";

fn form_from(ip: &str, form: String) -> Request<Body> {
    let mut request = Request::post(TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let address: SocketAddr = format!("{ip}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

#[tokio::test]
async fn form_login_returns_a_bearer_token_that_opens_protected_routes() {
    let app = TestApp::spawn().await;

    let answer =
        app.post_form(TOKEN, &format!("grant_type=password&username={BOT_USER}&password=correct+horse+battery")).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["token_type"], "bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    let token = answer.body["access_token"].as_str().unwrap();
    let plans = app.get("/api/v1/internet-plans", token).await;
    assert_eq!(plans.status, StatusCode::OK, "{}", plans.text);
}

#[tokio::test]
async fn json_login_returns_a_token_with_the_users_scopes() {
    let app = TestApp::spawn().await;

    let answer = app.post_json(TOKEN, "unused", json!({"username": BOT_USER, "password": BOT_PASSWORD})).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let caller = app.state.tokens.verify(answer.body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(caller.subject, BOT_USER);
    assert!(caller.scopes.contains(&Scope::NetworkPing));
    assert!(!caller.scopes.contains(&Scope::ClientsList), "a chatbot user lacks clients:list");
}

#[tokio::test]
async fn the_v1_user_pair_gets_every_scope_and_a_requested_scope_narrows_it() {
    let app = TestApp::spawn().await;

    let full = app.post_form(TOKEN, &format!("username={ADMIN_USER}&password={ADMIN_PASSWORD}")).await;
    let narrow =
        app.post_form(TOKEN, &format!("username={ADMIN_USER}&password={ADMIN_PASSWORD}&scope=plans%3Aread")).await;

    let full = app.state.tokens.verify(full.body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(full.scopes, Scope::ALL);
    let narrow = app.state.tokens.verify(narrow.body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(narrow.scopes, vec![Scope::PlansRead]);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;

    let unknown = app.post_form(TOKEN, "username=nobody&password=whatever").await;
    let wrong = app.post_form(TOKEN, &format!("username={BOT_USER}&password=whatever")).await;

    for answer in [&unknown, &wrong] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        answer.assert_envelope();
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
        assert_eq!(answer.body["message"], "Incorrect username or password.");
    }
    assert_eq!(unknown.text, wrong.text);
}

#[tokio::test]
async fn five_failures_for_one_username_lock_it_with_retry_after() {
    let app = TestApp::spawn().await;
    for attempt in 0..5 {
        let ip = format!("198.51.100.{attempt}");
        let answer = app.send(form_from(&ip, format!("username={BOT_USER}&password=nope"))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }

    let locked =
        app.send(form_from("198.51.100.99", format!("username={BOT_USER}&password=correct+horse+battery"))).await;

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.text);
    locked.assert_envelope();
    assert_eq!(locked.action(), "too_many_attempts");
    let retry_after: u64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "Retry-After {retry_after}");
}

#[tokio::test]
async fn five_failures_from_one_address_lock_that_address_only() {
    let app = TestApp::spawn().await;
    for attempt in 0..5 {
        let answer = app.send(form_from("203.0.113.5", format!("username=guess{attempt}&password=nope"))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }

    let same_address =
        app.send(form_from("203.0.113.5", format!("username={BOT_USER}&password=correct+horse+battery"))).await;
    let other_address =
        app.send(form_from("203.0.113.6", format!("username={BOT_USER}&password=correct+horse+battery"))).await;

    assert_eq!(same_address.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(other_address.status, StatusCode::OK, "{}", other_address.text);
}

#[tokio::test]
async fn a_login_body_without_password_is_a_422_naming_it() {
    let app = TestApp::spawn().await;

    let json_answer = app.post_json(TOKEN, "unused", json!({"username": BOT_USER})).await;
    let form_answer = app.post_form(TOKEN, "username=bot").await;

    for answer in [json_answer, form_answer] {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
        answer.assert_envelope();
        assert!(answer.body["message"].as_str().unwrap().contains("password"), "{}", answer.text);
    }
}
