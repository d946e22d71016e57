//! A flooded zone (docs/api.md §5.2): a burst of creates shares one count of the zone's open tickets,
//! a full zone answers at once, and the limit holds exactly, on one instance or two sharing the table.

use std::time::{Duration, Instant};

use axum::http::{HeaderValue, Method};
use futures::future::join_all;
use serde_json::json;
use shared::Scope;
use shared::http::App;
use wisphub_sandbox::Faults;

use crate::helpers::*;

const TICKETS_UPSTREAM: &str = "/api/tickets/";
/// Service 1001 sits in zone 1, which already has its 3 open tickets; 1004 in zone 3, which has none.
const IN_FULL_ZONE: i64 = 1001;
const IN_FREE_ZONE: i64 = 1004;

/// An app on a sandbox that takes `latency_ms` per call, so a burst really overlaps.
async fn slow_app(latency_ms: u64, store: Option<std::sync::Arc<dyn shared::store::Store>>) -> TestApp {
    let mut builder = TestApp::builder()
        .setting("REQUEST_BUDGET_MS", "6000")
        .setting("WISPHUB_TIMEOUT_MS", "3000")
        .sandbox(|sandbox| sandbox.faults = Faults { latency_ms, ..Faults::default() });
    if let Some(store) = store {
        builder = builder.store(store);
    }
    builder.spawn().await
}

/// `n` creates for `service_id` at once, spread over `instances`, each with its own Idempotency-Key.
async fn burst(instances: &[App], token: &str, service_id: i64, n: usize) -> Vec<Answer> {
    let calls = (0..n).map(|i| {
        let body = json!({"service_id": service_id, "subject": "Internet Lento",
            "description": format!("Lento desde el lunes, cliente {i} del sector.")});
        let mut request = request(Method::POST, "/api/v1/tickets", Some(token), Some(body));
        let key = HeaderValue::from_str(&format!("burst-{service_id}-{i}")).unwrap();
        request.headers_mut().insert("idempotency-key", key);
        let instance = instances[i % instances.len()].clone();
        tokio::spawn(async move { send_to(&instance, request).await })
    });
    join_all(calls).await.into_iter().map(Result::unwrap).collect()
}

fn actions(answers: &[Answer]) -> Vec<(u16, String)> {
    answers.iter().map(|a| (a.assert_envelope().status.as_u16(), a.action().to_owned())).collect()
}

fn count_of(answers: &[Answer], action: &str) -> usize {
    answers.iter().filter(|a| a.status.as_u16() == 200 && a.action() == action).count()
}

/// Walks of the open tickets the sandbox saw: each walk asks for the first page of state 1 once.
fn walks(app: &TestApp) -> usize {
    let first_pages = app.sandbox.requests().into_iter().filter(|r| {
        let params: Vec<&str> = r.query.split('&').collect();
        r.method == "GET" && r.route == TICKETS_UPSTREAM && params.contains(&"estado=1") && params.contains(&"offset=0")
    });
    first_pages.count()
}

async fn full_zone_burst(app: TestApp, instances: &[App]) {
    let token = app.token(&[Scope::TicketsWrite]);
    let started = Instant::now();

    let answers = burst(instances, &token, IN_FULL_ZONE, 24).await;

    let elapsed = started.elapsed();
    assert_eq!(count_of(&answers, "zone_ticket_limit_reached"), 24, "{:?}", actions(&answers));
    assert!((1..=2).contains(&walks(&app)), "one or two walks of the open tickets, not {}", walks(&app));
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 0);
    // Lookups and one count at 150 ms a call, not 24 counts one after another (over 3.6 s).
    assert!(elapsed < Duration::from_secs(3), "answered at once: {elapsed:?}");
}

async fn free_slots_burst(app: TestApp, instances: &[App]) {
    let token = app.token(&[Scope::TicketsWrite]);

    let answers = burst(instances, &token, IN_FREE_ZONE, 12).await;

    assert_eq!(count_of(&answers, "ticket_created"), 3, "{:?}", actions(&answers));
    assert_eq!(count_of(&answers, "zone_ticket_limit_reached"), 9, "{:?}", actions(&answers));
    assert_eq!(app.sandbox.tickets_created().len(), 3);
    assert_eq!(app.sandbox.open_tickets_in_zone(3), 3, "the limit held exactly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_four_creates_in_a_full_zone_share_one_count_and_are_all_answered_full() {
    let app = slow_app(150, None).await;
    let instances = [app.app.clone()];
    full_zone_burst(app, &instances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twelve_creates_for_three_free_slots_make_exactly_three_tickets() {
    let app = slow_app(150, None).await;
    let instances = [app.app.clone()];
    free_slots_burst(app, &instances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or start it and pass --include-ignored"]
async fn two_instances_on_dynamodb_share_one_count_of_a_full_zone() {
    let app = slow_app(150, Some(dynamo_store().await)).await;
    let instances = [app.app.clone(), app.twin()];
    full_zone_burst(app, &instances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or start it and pass --include-ignored"]
async fn two_instances_on_dynamodb_make_exactly_three_tickets_for_three_free_slots() {
    let app = slow_app(150, Some(dynamo_store().await)).await;
    let instances = [app.app.clone(), app.twin()];
    free_slots_burst(app, &instances).await;
}

#[tokio::test]
async fn a_refused_ticket_gives_its_slot_back() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);
    let create = |technician_id: i64| {
        let body = json!({"service_id": IN_FREE_ZONE, "subject": "Internet Lento",
            "description": "Lento desde el lunes.", "technician_id": technician_id});
        app.post_json("/api/v1/tickets", &token, body)
    };

    // WispHub refuses technician 3 (docs/wisphub.md §3).
    let refused = create(3).await;
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(create(7).await);
    }

    assert_eq!(kind(&refused), ("error", "ticket_creation_failed"), "{}", refused.text);
    let made: Vec<&str> = made.iter().map(Answer::action).collect();
    assert_eq!(made, ["ticket_created", "ticket_created", "ticket_created", "zone_ticket_limit_reached"]);
    assert_eq!(app.sandbox.open_tickets_in_zone(3), 3);
}

/// A create that waited on another instance's count until it could no longer POST inside the budget
/// answers 503 with Retry-After before the budget's edge, having sent nothing; the retry with the
/// same Idempotency-Key creates the one ticket.
#[tokio::test]
async fn a_create_that_waited_too_long_answers_503_early_and_its_retry_creates_once() {
    let app = TestApp::spawn().await; // REQUEST_BUDGET_MS 3000
    let token = app.token(&[Scope::TicketsWrite]);
    let store = app.state.store.clone();
    // Another instance is counting zone 3's open tickets (docs/architecture.md, state) and is slow.
    store.put_if_absent("ZONECOUNT#3", "another instance", shared::clock::now_secs() + 60).await.unwrap();
    let create = || {
        let body = json!({"service_id": IN_FREE_ZONE, "subject": "Internet Lento", "description": "Lento."});
        let mut request = request(Method::POST, "/api/v1/tickets", Some(&token), Some(body));
        request.headers_mut().insert("idempotency-key", HeaderValue::from_static("wamid.planned-1"));
        app.send(request)
    };
    let started = Instant::now();

    let early = create().await;

    let waited = started.elapsed();
    assert_eq!((early.status.as_u16(), early.action()), (503, "upstream_unavailable"), "{}", early.text);
    assert!(early.headers.contains_key("retry-after"));
    assert!(waited < Duration::from_millis(2500), "answered before the 3 s edge: {waited:?}");
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 0, "nothing was sent");
    store.delete("ZONECOUNT#3").await.unwrap();
    let retry = create().await;
    assert_eq!(retry.assert_envelope().action(), "ticket_created", "{}", retry.text);
    assert_eq!(app.sandbox.tickets_created().len(), 1);
}
