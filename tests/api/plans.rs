//! Internet plans against the sandbox: every page, each plan type, malformed plans, WispHub failing.

use std::time::Instant;

use axum::http::StatusCode;
use shared::Scope;
use wisphub_sandbox::ForcedFault;

use crate::helpers::*;

const LIST: &str = "/api/v1/internet-plans";

#[tokio::test]
async fn the_list_reads_every_page_skips_the_malformed_plan_and_is_cached() {
    let app = TestApp::builder().setting("WISPHUB_PAGE_SIZE", "7").spawn().await;
    let token = app.token(&[Scope::PlansRead]);

    let answer = app.get(LIST, &token).await;
    let pages = app.sandbox.count("GET", "/api/plan-internet/");
    let again = app.get(LIST, &token).await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "internet_plans_listed");
    let plans = answer.body["data"].as_array().unwrap();
    assert_eq!(plans.len(), 30, "30 valid plans; the malformed one is skipped");
    assert_eq!(pages, 5, "31 records at 7 a page");
    assert_eq!(plans[0], serde_json::json!({"plan_id": 1, "name": "10MB PLUS", "type": "PPPoE"}));
    assert!(plans.iter().any(|p| p["type"] == "Simple Queue") && plans.iter().any(|p| p["type"] == "PCQ"));
    assert_eq!(again.body, answer.body);
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/"), pages, "the second list is served from the cache");
}

#[tokio::test]
async fn a_pppoe_plan_comes_from_its_detail_route_with_a_numeric_price() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/internet-plans/1", &app.token(&[Scope::PlansRead])).await;

    assert_eq!(answer.action(), "internet_plan_found", "{}", answer.text);
    let plan = &answer.body["data"];
    assert_eq!(plan["type"], "PPPoE");
    assert_eq!(plan["price"], 65000.0);
    assert!(plan["download_speed"].is_string() && plan["upload_speed"].is_string());
    assert!(plan["note"].is_null());
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/queue/{id}/"), 0);
}

#[tokio::test]
async fn a_simple_queue_plan_comes_from_the_queue_route() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/internet-plans/2", &app.token(&[Scope::PlansRead])).await;

    assert_eq!(answer.body["data"]["type"], "Simple Queue", "{}", answer.text);
    assert_eq!(answer.body["data"]["price"], 90000.0);
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/queue/{id}/"), 1);
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/pppoe/{id}/"), 0);
}

#[tokio::test]
async fn a_pcq_plan_says_wisphub_has_no_detail_and_makes_no_detail_call() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/internet-plans/3", &app.token(&[Scope::PlansRead])).await;

    assert_eq!(answer.action(), "internet_plan_found", "{}", answer.text);
    assert_eq!(answer.body["data"]["type"], "PCQ");
    assert!(answer.body["data"]["price"].is_null());
    assert!(answer.body["data"]["note"].as_str().unwrap().contains("PCQ"));
    let detail_calls = app.sandbox.count("GET", "/api/plan-internet/queue/{id}/")
        + app.sandbox.count("GET", "/api/plan-internet/pppoe/{id}/");
    assert_eq!(detail_calls, 0);
}

#[tokio::test]
async fn a_listed_plans_detail_is_read_from_wisphub_once() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::PlansRead]);

    let first = app.get("/api/v1/internet-plans/1", &token).await;
    let again = app.get("/api/v1/internet-plans/1", &token).await;

    assert_eq!(first.action(), "internet_plan_found", "{}", first.text);
    assert_eq!(again.body, first.body);
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/pppoe/{id}/"), 1, "the second answer comes from the cache");
}

#[tokio::test]
async fn a_plan_missing_from_the_list_is_asked_again_every_time() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::PlansRead]);
    let detail_calls = || {
        app.sandbox.count("GET", "/api/plan-internet/pppoe/{id}/")
            + app.sandbox.count("GET", "/api/plan-internet/queue/{id}/")
    };

    let first = app.get("/api/v1/internet-plans/987654", &token).await;
    let after_first = detail_calls();
    let again = app.get("/api/v1/internet-plans/987654", &token).await;

    assert_eq!((first.action(), again.action()), ("internet_plan_not_found", "internet_plan_not_found"));
    assert!(after_first > 0, "an unlisted plan is looked up on the detail routes");
    assert_eq!(detail_calls(), 2 * after_first, "a plan created since the list was cached would be found");
}

#[tokio::test]
async fn an_unknown_plan_is_info_not_found() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/internet-plans/987654", &app.token(&[Scope::PlansRead])).await;

    assert_eq!(answer.status, StatusCode::OK);
    answer.assert_envelope();
    assert_eq!((answer.body["type"].as_str(), answer.action()), (Some("info"), "internet_plan_not_found"));
}

#[tokio::test]
async fn wisphub_errors_become_502_and_stalls_503_within_the_budget() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::PlansRead]);

    app.sandbox.force_next(3, ForcedFault::Html);
    let html = app.get(LIST, &token).await;
    app.sandbox.force_next(10, ForcedFault::Stall);
    let started = Instant::now();
    let stalled = app.get(LIST, &token).await;
    let waited = started.elapsed();

    assert_eq!(html.status, StatusCode::BAD_GATEWAY, "{}", html.text);
    assert_eq!(html.action(), "upstream_error");
    assert_eq!(stalled.status, StatusCode::SERVICE_UNAVAILABLE, "{}", stalled.text);
    assert_eq!(stalled.action(), "upstream_unavailable");
    assert!(stalled.headers.contains_key("retry-after"));
    assert!(waited.as_millis() < 3_500, "the 3 s budget held: {waited:?}");
    for answer in [html, stalled] {
        answer.assert_envelope();
        assert!(!answer.text.contains("sandbox0"), "no key in a body");
    }
}

#[tokio::test]
async fn a_failed_upstream_call_is_retried_for_a_get() {
    let app = TestApp::spawn().await;

    app.sandbox.force_next(2, ForcedFault::Error5xx);
    let answer = app.get(LIST, &app.token(&[Scope::PlansRead])).await;

    assert_eq!(answer.action(), "internet_plans_listed", "{}", answer.text);
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/"), 3, "two failures and a success");
}
