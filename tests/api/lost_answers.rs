//! Tickets on a WispHub that loses answers (docs/wisphub.md §1): a stalled POST may still have created
//! its ticket, so a retry with the same Idempotency-Key looks for it before creating one; the zone
//! that counts is WispHub's; every 503 is `upstream_unavailable`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, Method, StatusCode};
use futures::future::join_all;
use serde_json::{Value, json};
use shared::Scope;
use shared::store::Store;
use wisphub_sandbox::{Faults, ForcedFault};

use crate::helpers::*;

const CREATE: &str = "/api/v1/tickets";
const TICKETS_UPSTREAM: &str = "/api/tickets/";

fn create(token: &str, body: Value, key: Option<&str>) -> axum::http::Request<axum::body::Body> {
    let mut request = request(Method::POST, CREATE, Some(token), Some(body));
    if let Some(key) = key {
        request.headers_mut().insert("idempotency-key", HeaderValue::from_str(key).unwrap());
    }
    request
}

fn report(service_id: i64) -> Value {
    json!({"service_id": service_id, "subject": "Internet Lento", "description": "Lento desde el lunes, conversación 77."})
}

fn assert_unavailable(answer: &Answer) {
    answer.assert_envelope();
    assert_eq!(
        (answer.status, answer.action()),
        (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"),
        "{}",
        answer.text
    );
    assert!(answer.headers.contains_key("retry-after"), "503 carries Retry-After");
}

/// A budget that leaves no time to look for the ticket in the request whose answer was lost (the
/// POST times out after 1 s), so the retry is what finds it.
async fn app_on(store: Option<Arc<dyn Store>>) -> TestApp {
    let builder = TestApp::builder().setting("REQUEST_BUDGET_MS", "2000");
    match store {
        Some(store) => builder.store(store).spawn().await,
        None => builder.spawn().await,
    }
}

/// The POST creates the ticket and its answer never comes: the retry finds it and answers with it.
async fn a_retry_after_a_lost_answer_returns_the_ticket_the_first_post_made(app: TestApp) {
    let token = app.token(&[Scope::TicketsWrite]);
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::StallAfterServing);

    let first = app.send(create(&token, report(1004), Some("wamid.lost-1"))).await;
    let retry = send_to(&app.twin(), create(&token, report(1004), Some("wamid.lost-1"))).await;
    app.sandbox.reset_counters();
    let again = app.send(create(&token, report(1004), Some("wamid.lost-1"))).await;

    assert_unavailable(&first);
    let message = first.body["message"].as_str().unwrap();
    assert!(message.contains("pudo haberse creado") && message.contains("Idempotency-Key"), "{message}");
    let created = app.sandbox.tickets_created();
    assert_eq!(created.len(), 1, "the stalled POST created one ticket and no other was made");
    assert_eq!(retry.assert_envelope().action(), "ticket_created", "{}", retry.text);
    assert_eq!(retry.body["data"]["ticket_id"], created[0]["id_ticket"]);
    assert_eq!(retry.body["data"]["service_id"], 1004);
    assert_eq!(again.assert_envelope().body, retry.body, "later duplicates replay the found ticket");
    assert_eq!(app.sandbox.total_requests(), 0, "a replay asks WispHub nothing");
}

#[tokio::test]
async fn a_lost_answer_is_recovered_not_duplicated_in_memory() {
    a_retry_after_a_lost_answer_returns_the_ticket_the_first_post_made(app_on(None).await).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn a_lost_answer_is_recovered_not_duplicated_on_dynamodb() {
    let store = dynamo_store().await;
    a_retry_after_a_lost_answer_returns_the_ticket_the_first_post_made(app_on(Some(store)).await).await;
}

#[tokio::test]
async fn a_retry_creates_the_ticket_when_the_lost_post_never_reached_wisphub() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::Stall);

    let first = app.send(create(&token, report(1004), Some("wamid.lost-2"))).await;
    let retry = app.send(create(&token, report(1004), Some("wamid.lost-2"))).await;

    assert_unavailable(&first);
    assert_eq!(retry.assert_envelope().action(), "ticket_created", "{}", retry.text);
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 2, "looked first, found nothing, posted again");
    let created = app.sandbox.tickets_created();
    assert_eq!((created.len(), retry.body["data"]["ticket_id"].clone()), (1, created[0]["id_ticket"].clone()));
}

#[tokio::test]
async fn another_services_ticket_with_the_same_text_is_not_taken_for_the_lost_one() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);
    let other = app.send(create(&token, report(1005), None)).await;
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::Stall);

    let first = app.send(create(&token, report(1004), Some("wamid.lost-3"))).await;
    let retry = app.send(create(&token, report(1004), Some("wamid.lost-3"))).await;

    assert_eq!(other.action(), "ticket_created", "{}", other.text);
    assert_unavailable(&first);
    assert_eq!(retry.action(), "ticket_created", "{}", retry.text);
    assert_ne!(retry.body["data"]["ticket_id"], other.body["data"]["ticket_id"]);
    assert_eq!(retry.body["data"]["service_id"], 1004);
}

/// With the budget for it, the request whose answer was lost looks for the ticket itself.
#[tokio::test]
async fn a_lost_answer_is_found_in_the_same_request_when_the_budget_allows() {
    let app = TestApp::spawn().await; // REQUEST_BUDGET_MS 3000, WISPHUB_TIMEOUT_MS 1000
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::StallAfterServing);

    let answer = app.send(create(&app.token(&[Scope::TicketsWrite]), report(1004), Some("wamid.lost-4"))).await;

    assert_eq!(answer.assert_envelope().action(), "ticket_created", "{}", answer.text);
    let created = app.sandbox.tickets_created();
    assert_eq!((created.len(), answer.body["data"]["ticket_id"].clone()), (1, created[0]["id_ticket"].clone()));
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 1);
}

#[tokio::test]
async fn a_lost_answer_without_a_key_says_the_ticket_may_exist() {
    let app = app_on(None).await;
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::StallAfterServing);

    let answer = app.send(create(&app.token(&[Scope::TicketsWrite]), report(1004), None)).await;

    assert_unavailable(&answer);
    assert!(answer.body["message"].as_str().unwrap().contains("Idempotency-Key"), "{}", answer.text);
    assert_eq!(app.sandbox.tickets_created().len(), 1);
}

#[tokio::test]
async fn a_zone_id_other_than_the_clients_is_422_and_cannot_get_around_a_full_zone() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);
    // Service 1001 sits in zone 1, which is full; zone 3 has room.
    let elsewhere = app
        .post_json(
            CREATE,
            &token,
            json!({"service_id": 1001, "subject": "Internet Lento",
        "description": "No navega.", "zone_id": 3}),
        )
        .await;
    let same = app
        .post_json(
            CREATE,
            &token,
            json!({"service_id": 1001, "subject": "Internet Lento",
        "description": "No navega.", "zone_id": 1}),
        )
        .await;

    elsewhere.assert_envelope();
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", elsewhere.text);
    assert!(elsewhere.body["message"].as_str().unwrap().contains("zone_id"), "{}", elsewhere.text);
    assert_eq!(same.assert_envelope().action(), "zone_ticket_limit_reached", "{}", same.text);
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 0);
    assert!(app.sandbox.tickets_created().is_empty());
}

/// Slow WispHub, eight creates for one zone with three free slots at once, on two instances: each
/// ends well inside the budget with a known outcome — three tickets, five "full" — and none queues
/// behind another's POST.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_into_one_zone_on_a_slow_wisphub_end_in_time_with_known_outcomes() {
    let app = TestApp::builder()
        .setting("REQUEST_BUDGET_MS", "2500")
        .sandbox(|sandbox| sandbox.faults = Faults { latency_ms: 250, ..Faults::default() })
        .spawn()
        .await;
    let token = app.token(&[Scope::TicketsWrite]);
    let instances = [app.app.clone(), app.twin()];
    let started = Instant::now();
    let calls = (0..8).map(|i| {
        let request = create(&token, report(1004), Some(&format!("slow-{i}")));
        let instance = instances[i % 2].clone();
        tokio::spawn(async move { send_to(&instance, request).await })
    });
    let answers: Vec<Answer> = join_all(calls).await.into_iter().map(Result::unwrap).collect();

    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    let mut outcomes: Vec<&str> = answers.iter().map(|a| a.assert_envelope().action()).collect();
    outcomes.sort();
    assert_eq!(outcomes, [["ticket_created"; 3].as_slice(), &["zone_ticket_limit_reached"; 5]].concat());
    assert_eq!(app.sandbox.open_tickets_in_zone(3), 3, "the zone limit held");
}

/// A gateway's 5xx to the POST may come after WispHub made the ticket, so it is a lost answer too:
/// the retry looks first, and creates the ticket only because WispHub has none.
#[tokio::test]
async fn a_5xx_answer_to_the_ticket_post_is_a_lost_answer() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);
    app.sandbox.force_next_on("POST", TICKETS_UPSTREAM, 1, ForcedFault::Status(502));

    let first = app.send(create(&token, report(1004), Some("wamid.gateway-1"))).await;
    let lookups_before = app.sandbox.count("GET", TICKETS_UPSTREAM);
    let retry = app.send(create(&token, report(1004), Some("wamid.gateway-1"))).await;

    assert_unavailable(&first);
    assert!(first.body["message"].as_str().unwrap_or_default().contains("pudo haberse creado"), "{}", first.text);
    assert_eq!(retry.assert_envelope().action(), "ticket_created", "{}", retry.text);
    assert!(app.sandbox.count("GET", TICKETS_UPSTREAM) > lookups_before, "the retry looked for the ticket first");
    assert_eq!(app.sandbox.tickets_created().len(), 1);
}
