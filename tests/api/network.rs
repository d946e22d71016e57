//! Ping diagnostics against the sandbox's scripted links: validation, dedupe per service,
//! polling to a stored verdict, WispHub failing, and two instances sharing only DynamoDB.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use shared::Scope;
use shared::http::App;
use wisphub_sandbox::{Faults, ForcedFault};

use crate::helpers::*;

const PING_POST: &str = "/api/clientes/{id}/ping/";
const TASK_GET: &str = "/api/tasks/{id}/";
/// Polls a bot makes, `PING_CHECK_INTERVAL` apart, before a test gives up on a task: several
/// times the sandbox's run time.
const MAX_POLLS: usize = 20;

/// Each demo service's link once its task is done: action, type, sent, received, loss and a piece of the message.
type Scenario = (i64, &'static str, &'static str, u64, u64, f64, Option<&'static str>);
const SCENARIOS: [Scenario; 6] = [
    (1001, "stable_connection", "success", 4, 4, 0.0, None),
    (1002, "intermittent_connection", "info", 4, 3, 25.0, None),
    (1003, "no_internet", "info", 4, 0, 100.0, None),
    (1004, "ping_failed", "error", 4, 0, 100.0, Some("input does not match any value of interface")),
    (1005, "ping_failed", "error", 0, 0, 100.0, Some("Router no disponible")),
    (1007, "intermittent_connection", "info", 4, 2, 50.0, None),
];

fn ping_path(service_id: impl std::fmt::Display) -> String {
    format!("/api/v1/{service_id}/ping")
}

fn task_path(task_id: &str) -> String {
    format!("/api/v1/ping/{task_id}")
}

pub(crate) async fn post_ping(app: &App, token: &str, service_id: i64, body: Option<Value>) -> Answer {
    send_to(app, request(Method::POST, &ping_path(service_id), Some(token), body)).await
}

async fn poll(app: &App, token: &str, task_id: &str) -> Answer {
    send_to(app, request(Method::GET, &task_path(task_id), Some(token), None)).await
}

/// Starts a ping and returns our task id, asserting `ping_created`.
pub(crate) async fn start(app: &App, token: &str, service_id: i64) -> String {
    let answer = post_ping(app, token, service_id, None).await;
    answer.assert_envelope();
    assert_eq!((answer.status, answer.action()), (StatusCode::OK, "ping_created"), "{}", answer.text);
    assert_eq!(answer.body["data"]["status"], "pending");
    answer.body["data"]["task_id"].as_str().expect("a task id").to_owned()
}

/// Polls like a bot, one `PING_CHECK_INTERVAL` apart, until the task is no longer pending (or `MAX_POLLS` ran out).
pub(crate) async fn poll_until_done(app: &App, token: &str, task_id: &str) -> Answer {
    for _ in 0..MAX_POLLS {
        tokio::time::sleep(PING_CHECK_INTERVAL).await;
        let answer = poll(app, token, task_id).await;
        answer.assert_envelope();
        if answer.action() != "ping_pending" {
            return answer;
        }
        assert_eq!(answer.body["data"], json!({"task_id": task_id, "status": "pending"}), "{}", answer.text);
    }
    panic!("task {task_id} still pending after {MAX_POLLS} polls");
}

/// Each demo service, pinged and polled through `creator` and `poller`, ends in its verdict.
async fn assert_every_scenario(app: &TestApp, creator: &App, poller: &App) {
    let token = app.token(&[Scope::NetworkPing]);
    for (service, action, kind, sent, received, loss, message) in SCENARIOS {
        let task_id = start(creator, &token, service).await;

        let answer = poll_until_done(poller, &token, &task_id).await;

        let data = &answer.body["data"];
        assert_eq!((answer.action(), answer.body["type"].as_str()), (action, Some(kind)), "{service}");
        assert_eq!((&data["task_id"], &data["status"]), (&json!(task_id), &json!("done")), "{service}");
        let counts = (&data["sent"], &data["received"], &data["loss_pct"]);
        assert_eq!(counts, (&json!(sent), &json!(received), &json!(loss)), "{service}");
        assert!(data["summary"].as_str().is_some_and(|s| !s.is_empty()), "{service}: {}", answer.text);
        assert_eq!(data["avg_rtt_ms"].is_number(), received > 0, "{service}: {}", answer.text);
        let text = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.is_none_or(|m| text.contains(m)), "{service}: {}", answer.text);
    }
}

#[tokio::test]
async fn each_sandbox_scenario_ends_in_its_verdict() {
    let app = TestApp::spawn().await;

    assert_every_scenario(&app, &app.app, &app.app).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn each_sandbox_scenario_ends_in_its_verdict_on_dynamodb_polled_by_another_instance() {
    let store = dynamo_store().await;
    let app = TestApp::builder().store(store).spawn().await;

    assert_every_scenario(&app, &app.app, &app.twin()).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn a_ping_created_on_one_instance_is_polled_on_another_sharing_only_dynamodb() {
    // Given two instances whose only common state is the DynamoDB table
    let store = dynamo_store().await;
    let app = TestApp::builder().store(store).spawn().await;
    let twin = app.twin();
    let token = app.token(&[Scope::NetworkPing]);

    // When the ping starts on one, is asked for again and polled on the other
    let task_id = start(&app.app, &token, 1001).await;
    let again = start(&twin, &token, 1001).await;
    let verdict = poll_until_done(&twin, &token, &task_id).await;
    let from_first = poll(&app.app, &token, &task_id).await;

    // Then both see one task, one WispHub ping, and the same stored verdict
    assert_eq!(again, task_id);
    assert_eq!(app.sandbox.count("POST", PING_POST), 1);
    assert_eq!(verdict.action(), "stable_connection", "{}", verdict.text);
    assert_eq!(from_first.body, verdict.body);
}

#[tokio::test]
async fn a_task_that_never_finishes_stays_pending() {
    for (service_id, stuck_tasks) in [(1006, false), (1001, true)] {
        let app = TestApp::builder().sandbox(|s| s.faults = Faults { stuck_tasks, ..Faults::default() }).spawn().await;
        let token = app.token(&[Scope::NetworkPing]);
        let task_id = start(&app.app, &token, service_id).await;

        for _ in 0..6 {
            tokio::time::sleep(PING_CHECK_INTERVAL).await;
            let answer = poll(&app.app, &token, &task_id).await;

            answer.assert_envelope();
            assert_eq!((answer.body["type"].as_str(), answer.action()), (Some("info"), "ping_pending"), "{service_id}");
            assert_eq!(answer.body["data"], json!({"task_id": task_id, "status": "pending"}));
        }
        assert!(app.sandbox.count("GET", TASK_GET) >= 3, "WispHub was asked again and again");
    }
}

#[tokio::test]
async fn pings_outside_one_to_ten_are_422_and_reach_no_wisphub() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    for pings in [json!(0), json!(11), json!(-1), json!(100), json!(4.5), json!("4"), json!(true), json!([4])] {
        let answer = post_ping(&app.app, &token, 1001, Some(json!({ "pings": pings }))).await;

        answer.assert_envelope();
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "pings = {pings}: {}", answer.text);
        assert!(answer.body["message"].as_str().unwrap_or_default().contains("pings"), "pings = {pings}");
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn a_service_id_that_is_not_a_positive_integer_is_422() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    for service_id in ["0", "-5", "abc", "1.5", "99999999999999999999"] {
        let answer = send_to(&app.app, request(Method::POST, &ping_path(service_id), Some(&token), None)).await;

        answer.assert_envelope();
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{service_id}: {}", answer.text);
        assert!(answer.body["message"].as_str().unwrap_or_default().contains("service_id"), "{service_id}");
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn the_requested_pings_reach_wisphub_and_four_is_the_default() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);
    // The trailing slash case matters: v1 callers use it, and a redirect would drop the body.
    let cases = [
        ("/api/v1/1001/ping", None, 4),
        ("/api/v1/2001/ping", Some(json!({})), 4),
        ("/api/v1/2002/ping", Some(json!({"pings": null})), 4),
        ("/api/v1/2003/ping/", Some(json!({"pings": 7})), 7),
    ];

    for (path, body, expected) in cases {
        let answer = send_to(&app.app, request(Method::POST, path, Some(&token), body.clone())).await;

        answer.assert_envelope();
        assert_eq!(answer.action(), "ping_created", "{path} {body:?}: {}", answer.text);
        let service = path.split('/').nth(3).unwrap_or_default();
        let upstream = format!("/api/clientes/{service}/ping/");
        let sent = app.sandbox.requests().into_iter().find(|r| r.method == "POST" && r.path == upstream);
        assert_eq!(sent.map(|r| r.form), Some(json!({ "pings": expected })), "{path} {body:?}");
    }
}

#[tokio::test]
async fn the_ping_routes_need_a_token_with_network_ping() {
    let app = TestApp::spawn().await;
    let other = app.token(&[Scope::ClientsRead, Scope::PlansRead]);

    let missing = send_to(&app.app, request(Method::POST, &ping_path(1001), None, None)).await;
    let create = post_ping(&app.app, &other, 1001, None).await;
    let read = poll(&app.app, &other, "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b71").await;

    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!((create.status, read.status), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    for answer in [missing, create, read] {
        answer.assert_envelope();
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn an_unknown_service_is_client_not_found_and_nothing_is_posted() {
    let app = TestApp::spawn().await;

    let answer = post_ping(&app.app, &app.token(&[Scope::NetworkPing]), 999_999, None).await;

    answer.assert_envelope();
    assert_eq!((answer.status, answer.body["type"].as_str()), (StatusCode::OK, Some("info")));
    assert_eq!(answer.action(), "client_not_found");
    assert_eq!(app.sandbox.count("POST", PING_POST), 0);
}

#[tokio::test]
async fn a_wisphub_ignoring_the_filter_still_gives_client_not_found_for_an_unknown_service() {
    // Given a tenant that answers every filtered list with all its clients
    let app = TestApp::builder().sandbox(|s| s.faults.ignore_filters = true).spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    // When an unknown and a known service are pinged
    let unknown = post_ping(&app.app, &token, 999_999, None).await;
    let known = post_ping(&app.app, &token, 1003, None).await;

    // Then only the known one reaches WispHub's ping route
    unknown.assert_envelope();
    assert_eq!(unknown.action(), "client_not_found", "{}", unknown.text);
    assert_eq!(known.action(), "ping_created", "{}", known.text);
    let posted: Vec<String> =
        app.sandbox.requests().into_iter().filter(|r| r.method == "POST").map(|r| r.path).collect();
    assert_eq!(posted, ["/api/clientes/1003/ping/"]);
}

#[tokio::test]
async fn a_second_ping_within_a_minute_returns_the_same_task_with_one_wisphub_post() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    let first = start(&app.app, &token, 1002).await;
    let second = start(&app.app, &token, 1002).await;

    assert_eq!(first, second);
    assert_eq!(app.sandbox.count("POST", PING_POST), 1);
}

#[tokio::test]
async fn concurrent_pings_for_one_service_share_one_task() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    let (a, b, c) =
        tokio::join!(start(&app.app, &token, 1001), start(&app.app, &token, 1001), start(&app.app, &token, 1001));

    assert_eq!((&a, &b), (&c, &c));
    assert_eq!(app.sandbox.count("POST", PING_POST), 1);
}

#[tokio::test]
async fn once_the_verdict_is_stored_a_new_ping_can_start_and_polls_make_no_wisphub_call() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);
    let task_id = start(&app.app, &token, 1002).await;
    let verdict = poll_until_done(&app.app, &token, &task_id).await;

    let calls_before = app.sandbox.total_requests();
    let later: Vec<Answer> = futures::future::join_all((0..3).map(|_| poll(&app.app, &token, &task_id))).await;
    let calls_after = app.sandbox.total_requests();
    let next = start(&app.app, &token, 1002).await;

    assert_eq!(calls_after, calls_before, "no WispHub call after the verdict");
    for answer in later {
        assert_eq!(answer.body, verdict.body);
    }
    assert_ne!(next, task_id, "the finished ping no longer blocks the service");
    assert_eq!(app.sandbox.count("POST", PING_POST), 2);
}

#[tokio::test]
async fn a_bot_polling_in_a_tight_loop_costs_one_wisphub_look_per_interval() {
    // Given a ping whose task takes a realistic second and a half, looked at every 2 s (the defaults)
    let app = TestApp::builder()
        .sandbox(|s| s.ping_run_time = Duration::from_millis(1500))
        .setting("PING_CHECK_INTERVAL_MS", "2000")
        .spawn()
        .await;
    let token = app.token(&[Scope::NetworkPing]);
    let task_id = start(&app.app, &token, 1001).await;

    // When a bot polls every 100 ms until the verdict
    let mut polls = 0;
    let verdict = loop {
        polls += 1;
        let answer = poll(&app.app, &token, &task_id).await;
        if answer.action() != "ping_pending" || polls == 40 {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Then the answers were pending until the task had run, and WispHub was asked once
    assert_eq!(verdict.action(), "stable_connection", "{}", verdict.text);
    assert!(polls >= 15, "no verdict before the first look at 2 s: {polls} polls");
    assert_eq!(app.sandbox.count("GET", TASK_GET), 1);
}

#[tokio::test]
async fn an_unknown_task_id_and_a_non_uuid_are_ping_task_not_found() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    for task_id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".into(), "123".into(), "%20".into()] {
        let answer = poll(&app.app, &token, &task_id).await;

        answer.assert_envelope();
        assert_eq!((answer.status, answer.body["type"].as_str()), (StatusCode::OK, Some("info")), "{task_id}");
        assert_eq!(answer.action(), "ping_task_not_found", "{task_id}: {}", answer.text);
    }
    assert_eq!(app.sandbox.count("GET", TASK_GET), 0);
}

#[tokio::test]
async fn our_task_id_is_a_uuid_of_our_own_and_wisphubs_never_shows() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    let created = post_ping(&app.app, &token, 1001, None).await;
    let task_id = created.body["data"]["task_id"].as_str().unwrap_or_default().to_owned();
    let answers = [poll(&app.app, &token, &task_id).await, poll_until_done(&app.app, &token, &task_id).await];

    let polled = app.sandbox.requests().into_iter().find(|r| r.route == TASK_GET).expect("WispHub was polled");
    let wisphub_id = polled.path.trim_start_matches("/api/tasks/").trim_end_matches('/').to_owned();
    assert!(uuid::Uuid::parse_str(&task_id).is_ok(), "{task_id}");
    assert_ne!(task_id, wisphub_id);
    for answer in answers.iter().chain([&created]) {
        assert!(!answer.text.contains(&wisphub_id), "WispHub's id leaked: {}", answer.text);
    }
}

#[tokio::test]
async fn a_wisphub_5xx_on_the_ping_post_is_502_never_retried_and_frees_the_service() {
    // Given a tenant slow enough that the fault can be queued between the lookup and the POST
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);
    app.sandbox.set_faults(Faults { latency_ms: 400, ..Faults::default() });
    let (creator, ping_token) = (app.app.clone(), token.clone());
    let pending = tokio::spawn(async move { post_ping(&creator, &ping_token, 1001, None).await });
    while app.sandbox.count("GET", "/api/clientes/") == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    app.sandbox.force_next(1, ForcedFault::Status(500));

    // When the ping POST meets the 500
    let failed = pending.await.expect("the request task");
    app.sandbox.set_faults(Faults::default());
    let retried = post_ping(&app.app, &token, 1001, None).await;

    // Then the caller gets the 502 envelope, WispHub saw one POST, and the service is not blocked
    failed.assert_envelope();
    assert_eq!((failed.status, failed.action()), (StatusCode::BAD_GATEWAY, "upstream_error"), "{}", failed.text);
    assert_eq!(retried.action(), "ping_created", "{}", retried.text);
    assert_eq!(app.sandbox.count("POST", PING_POST), 2, "one failed POST, never retried, then the new ping");
}
