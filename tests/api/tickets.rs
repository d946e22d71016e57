//! Tickets against the sandbox: the catalogue, lookups, zone counts over every page, creation with
//! every WispHub field, and the races (one key many times, one free slot many callers) on both stores.

use std::sync::Arc;

use axum::http::{HeaderValue, Method, StatusCode};
use chrono::{Duration, NaiveDateTime, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use shared::Scope;
use shared::store::Store;
use wisphub_sandbox::{FaultyDevice, ForcedFault};

use crate::helpers::*;

const CREATE: &str = "/api/v1/tickets";
const SUBJECTS: &str = "/api/v1/tickets/subjects";
const TICKETS_UPSTREAM: &str = "/api/tickets/";

fn ticket(service_id: i64, subject: &str) -> Value {
    json!({"service_id": service_id, "subject": subject, "description": "El cliente no navega desde ayer."})
}

fn create_request(token: &str, body: Value, key: Option<&str>) -> axum::http::Request<axum::body::Body> {
    let mut request = request(Method::POST, CREATE, Some(token), Some(body));
    if let Some(key) = key {
        request.headers_mut().insert("idempotency-key", HeaderValue::from_str(key).unwrap());
    }
    request
}

fn posts(app: &TestApp) -> usize {
    app.sandbox.count("POST", TICKETS_UPSTREAM)
}

#[tokio::test]
async fn subjects_are_the_tenant_catalogue_grouped_by_priority_and_cached() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsRead]);

    let answer = app.get(SUBJECTS, &token).await;
    let again = app.get("/api/v1/tickets/subjects/", &token).await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "ticket_subjects_listed", "{}", answer.text);
    let groups = &answer.body["data"]["by_priority"];
    let has = |group: &str, subject: &str| groups[group].as_array().unwrap().iter().any(|s| s == subject);
    assert!(has("normal", "Revisión General"), "a tenant-only subject is normal");
    assert!(has("low", "Cancelación") && has("normal", "Internet Lento"));
    assert!(has("high", "No Tiene Internet") && has("very_high", "Troncal Dañado"));
    let all = answer.body["data"]["all"].as_array().unwrap();
    assert_eq!(all.len(), 31);
    assert!(!all.iter().any(|s| s == "Jumper Dañado"), "only the tenant's own subjects");
    assert_eq!(answer.body["meta"]["stale"], false);
    assert_eq!(again.assert_envelope().body, answer.body);
    assert_eq!(app.sandbox.count("GET", "/api/tickets/asuntos-tickets/"), 1, "the second list came from the cache");
}

#[tokio::test]
async fn subjects_fall_back_to_the_priority_map_marked_stale_when_wisphub_fails_on_first_load() {
    let app = TestApp::spawn().await;

    app.sandbox.force_next(3, ForcedFault::Error5xx);
    let answer = app.get(SUBJECTS, &app.token(&[Scope::TicketsRead])).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.assert_envelope();
    assert_eq!(answer.action(), "ticket_subjects_listed");
    assert_eq!(answer.body["meta"]["stale"], true);
    assert!(answer.body["data"]["by_priority"]["high"].as_array().unwrap().iter().any(|s| s == "Jumper Dañado"));
}

/// The subjects a fresh instance answers with: the tenant's catalogue, or with WispHub failing
/// (`stale`), the default priority map's own subjects.
async fn answered_subjects(app: &TestApp, stale: bool) -> Vec<String> {
    let answer = app.get(SUBJECTS, &app.token(&[Scope::TicketsRead])).await;
    assert_eq!(answer.assert_envelope().body["meta"]["stale"], stale, "{}", answer.text);
    let all = answer.body["data"]["all"].as_array().expect("data.all").iter();
    all.map(|s| s.as_str().expect("a subject").to_owned()).collect()
}

#[tokio::test]
async fn the_sandbox_catalogue_and_the_default_priority_map_differ_only_by_the_planted_subjects() {
    let without_catalogue = TestApp::spawn().await;
    without_catalogue.sandbox.force_next_on("GET", "/api/tickets/asuntos-tickets/", 20, ForcedFault::Error5xx);
    let with_catalogue = TestApp::spawn().await;

    let mapped = answered_subjects(&without_catalogue, true).await;
    let catalogue = answered_subjects(&with_catalogue, false).await;

    let unmapped: Vec<&String> = catalogue.iter().filter(|s| !mapped.contains(s)).collect();
    let unlisted: Vec<&String> = mapped.iter().filter(|s| !catalogue.contains(s)).collect();
    assert_eq!(unmapped, ["Revisión General"], "every other sandbox subject has a default priority");
    assert_eq!(unlisted, ["Jumper Dañado"], "every other default-map subject is in the sandbox catalogue");
}

#[tokio::test]
async fn subjects_answer_stale_within_the_budget_when_wisphub_stalls() {
    let app = TestApp::spawn().await;

    app.sandbox.force_next(5, ForcedFault::Stall);
    let started = std::time::Instant::now();
    let answer = app.get(SUBJECTS, &app.token(&[Scope::TicketsRead])).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.assert_envelope().body["meta"]["stale"], true);
    assert!(started.elapsed().as_millis() < 3_500, "the 3 s budget held");
}

#[tokio::test]
async fn zone_blocked_counts_open_tickets_over_every_page_one_state_per_query() {
    let app = TestApp::builder().setting("WISPHUB_PAGE_SIZE", "50").spawn().await;
    let token = app.token(&[Scope::TicketsRead]);

    let mut loads = Vec::new();
    for zone in [1, 2, 3] {
        let answer = app.get(&format!("/api/v1/tickets/zone-blocked/{zone}"), &token).await;
        answer.assert_envelope();
        assert_eq!(answer.action(), "ticket_found", "{}", answer.text);
        loads.push(answer.body["data"].clone());
    }

    assert_eq!(loads[0], json!({"is_blocked": true, "max_tickets": 3, "open_tickets": 3}));
    assert_eq!(loads[1], json!({"is_blocked": false, "max_tickets": 3, "open_tickets": 2}));
    assert_eq!(loads[2], json!({"is_blocked": false, "max_tickets": 3, "open_tickets": 0}));
    let calls: Vec<_> = app.sandbox.requests().into_iter().filter(|r| r.route == TICKETS_UPSTREAM).collect();
    assert!(calls.len() / 3 > 2, "several pages per check: {} calls for 3 checks", calls.len());
    assert!(calls.iter().all(|r| r.query.matches("estado=").count() == 1), "one state per query");
}

#[tokio::test]
async fn zone_counts_hold_when_wisphub_ignores_the_state_filter() {
    let app =
        TestApp::builder().setting("WISPHUB_PAGE_SIZE", "50").sandbox(|c| c.faults.ignore_filters = true).spawn().await;
    let token = app.token(&[Scope::TicketsRead]);

    let zone_1 = app.get("/api/v1/tickets/zone-blocked/1", &token).await;
    let zone_2 = app.get("/api/v1/tickets/zone-blocked/2", &token).await;

    assert_eq!(zone_1.body["data"]["open_tickets"], 3, "{}", zone_1.text);
    assert_eq!(zone_2.body["data"]["open_tickets"], 2, "closed tickets and doubles are not counted");
}

#[tokio::test]
async fn a_ticket_whose_service_is_gone_is_found_with_null_service_and_zone() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/tickets/5031", &app.token(&[Scope::TicketsRead])).await;

    assert_eq!(kind(&answer), ("success", "ticket_found"), "{}", answer.text);
    assert!(answer.body["data"]["service_id"].is_null() && answer.body["data"]["zone_id"].is_null());
    assert_eq!(answer.body["data"]["status_ticket"], "Nuevo");
}

#[tokio::test]
async fn a_ticket_shows_its_latest_reply_or_null_and_an_unknown_one_is_info_not_found() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsRead]);

    let answered = app.get("/api/v1/tickets/5001", &token).await;
    let silent = app.get("/api/v1/tickets/5002", &token).await;
    let unknown = app.get("/api/v1/tickets/999999", &token).await;

    let data = &answered.assert_envelope().body["data"];
    assert_eq!(data["answer_text"], "Se cambió el conector RJ45; el cliente confirma servicio estable.");
    assert_eq!(
        (data["ticket_id"].clone(), data["service_id"].clone(), data["zone_id"].clone()),
        (json!(5001), json!(1001), json!(1))
    );
    assert_eq!((data["subject"].as_str(), data["priority"].as_str()), (Some("Internet Lento"), Some("Normal")));
    assert!(silent.assert_envelope().body["data"]["answer_text"].is_null());
    assert_eq!(kind(&unknown), ("info", "ticket_not_found"));
}

#[tokio::test]
async fn creating_in_a_free_zone_posts_once_with_every_field_wisphub_requires() {
    let app = TestApp::spawn().await;
    // The rural sector is back: a connectivity ticket goes through (tests/api/outages.rs covers it down).
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(3), None);

    let answer = app.post_json(CREATE, &app.token(&[Scope::TicketsWrite]), ticket(1004, "No Tiene Internet")).await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "ticket_created", "{}", answer.text);
    let data = &answer.body["data"];
    assert_eq!((data["service_id"].clone(), data["zone_id"].clone()), (json!(1004), json!(3)));
    assert_eq!((data["status_ticket"].as_str(), data["priority"].as_str()), (Some("Nuevo"), Some("Alta")));
    assert_eq!(posts(&app), 1);
    let created = app.sandbox.tickets_created();
    assert_eq!((created.len(), created[0]["id_ticket"].clone()), (1, data["ticket_id"].clone()));
    let form = app.sandbox.requests().into_iter().find(|r| r.method == "POST").unwrap().form;
    let expected = [
        ("servicio", "1004"),
        ("asunto", "No Tiene Internet"),
        ("asuntos_default", "No Tiene Internet"),
        ("descripcion", "El cliente no navega desde ayer."),
        ("estado", "1"),
        ("prioridad", "3"),
        ("tecnico", "7"),
        ("departamento", "Soporte Técnico"),
        ("departamentos_default", "Soporte Técnico"),
        ("origen_reporte", "oficina"),
    ];
    for (field, value) in expected {
        assert_eq!(form[field], value, "form field {field}");
    }
    let date = |field: &str| NaiveDateTime::parse_from_str(form[field].as_str().unwrap(), "%d/%m/%Y %H:%M").unwrap();
    let bogota_now = (Utc::now() - Duration::hours(5)).naive_utc();
    assert!((bogota_now - date("fecha_inicio")).num_minutes().abs() <= 2, "starts now, Bogotá time: {form}");
    let span = date("fecha_final") - date("fecha_inicio");
    assert!((3..=5).contains(&span.num_days()) && span.num_minutes() % (24 * 60) == 0, "3 business days: {form}");
}

#[tokio::test]
async fn creating_in_a_full_zone_is_info_zone_ticket_limit_reached_and_posts_nothing() {
    let app = TestApp::spawn().await;

    let answer = app.post_json(CREATE, &app.token(&[Scope::TicketsWrite]), ticket(1001, "Internet Lento")).await;

    assert_eq!(kind(&answer), ("info", "zone_ticket_limit_reached"), "{}", answer.text);
    assert_eq!(answer.body["data"], json!({"max_tickets": 3}));
    assert_eq!(posts(&app), 0);
}

#[tokio::test]
async fn bad_input_is_422_naming_each_field_and_reaches_no_ticket_route() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);

    let unknown_subject = app.post_json(CREATE, &token, ticket(1004, "Jumper Dañado")).await;
    let empty = app.post_json(CREATE, &token, json!({"description": " "})).await;
    let long_key = app.send(create_request(&token, ticket(1004, "Internet Lento"), Some(&"k".repeat(201)))).await;

    for (answer, fields) in [
        (&unknown_subject, &["subject"][..]),
        (&empty, &["service_id", "subject", "description"][..]),
        (&long_key, &["Idempotency-Key"][..]),
    ] {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
        let message = answer.assert_envelope().body["message"].as_str().unwrap();
        assert!(message.starts_with("Error de validación: "), "{message}");
        assert!(fields.iter().all(|f| message.contains(&format!("{f}: "))), "{message} should name {fields:?}");
    }
    assert_eq!(posts(&app) + app.sandbox.count("GET", "/api/clientes/"), 0);
}

#[tokio::test]
async fn wisphub_refusing_the_ticket_is_ticket_creation_failed_with_its_reason() {
    let app = TestApp::spawn().await;
    let mut body = ticket(1004, "Internet Lento");
    body["technician_id"] = json!(3);

    let answer = app.post_json(CREATE, &app.token(&[Scope::TicketsWrite]), body).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(kind(&answer), ("error", "ticket_creation_failed"), "{}", answer.text);
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains("tecnico") && message.contains("Clave primaria"), "{message}");
}

#[tokio::test]
async fn an_unknown_client_is_info_client_not_found() {
    let app = TestApp::spawn().await;

    let answer = app.post_json(CREATE, &app.token(&[Scope::TicketsWrite]), ticket(999_999, "Internet Lento")).await;

    assert_eq!(kind(&answer), ("info", "client_not_found"), "{}", answer.text);
    assert_eq!(posts(&app), 0);
}

#[tokio::test]
async fn reading_needs_tickets_read_and_creating_needs_tickets_write() {
    let app = TestApp::spawn().await;

    let read_only = app.post_json(CREATE, &app.token(&[Scope::TicketsRead]), ticket(1004, "Internet Lento")).await;
    let write_only = app.get(SUBJECTS, &app.token(&[Scope::TicketsWrite])).await;

    assert_eq!((read_only.status, write_only.status), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn one_create_costs_a_bounded_number_of_wisphub_calls_at_page_size_50() {
    let app = TestApp::builder().setting("WISPHUB_PAGE_SIZE", "50").spawn().await;

    let answer = app.post_json(CREATE, &app.token(&[Scope::TicketsWrite]), ticket(1004, "Internet Lento")).await;

    assert_eq!(answer.action(), "ticket_created", "{}", answer.text);
    let pages = app.sandbox.count("GET", TICKETS_UPSTREAM);
    assert_eq!(app.sandbox.count("GET", "/api/tickets/asuntos-tickets/"), 1);
    assert_eq!(app.sandbox.count("GET", "/api/clientes/"), 1);
    assert!(pages >= 3, "estado=1 spans pages and estado=2 is read too: {pages}");
    assert_eq!(app.sandbox.total_requests(), 3 + pages, "catalogue + client + ticket pages + one POST");
    eprintln!("one create at page size 50: {} WispHub calls ({pages} ticket pages)", app.sandbox.total_requests());
}

#[tokio::test]
async fn one_idempotency_key_belongs_to_one_api_user() {
    let app = TestApp::spawn().await;
    let other = app.state.tokens.issue("other-bot", &[Scope::TicketsWrite]).unwrap();

    let mine =
        app.send(create_request(&app.token(&[Scope::TicketsWrite]), ticket(1004, "Internet Lento"), Some("m-1"))).await;
    let theirs = app.send(create_request(&other, ticket(1005, "Internet Lento"), Some("m-1"))).await;

    assert_eq!((mine.action(), theirs.action()), ("ticket_created", "ticket_created"), "{}", theirs.text);
    assert_ne!(mine.body["data"]["ticket_id"], theirs.body["data"]["ticket_id"]);
}

/// Ten identical creates, half through a second instance: one ticket, the rest replay it or wait.
async fn one_key_sent_ten_times_makes_one_ticket(app: TestApp) {
    let token = app.token(&[Scope::TicketsWrite]);
    let instances = [app.app.clone(), app.twin()];
    let calls = (0..10).map(|i| {
        let (instance, request) =
            (instances[i % 2].clone(), create_request(&token, ticket(1004, "Internet Lento"), Some("wamid.42")));
        tokio::spawn(async move { send_to(&instance, request).await })
    });
    let answers: Vec<Answer> = join_all(calls).await.into_iter().map(Result::unwrap).collect();

    assert_eq!(app.sandbox.tickets_created().len(), 1);
    assert_eq!(posts(&app), 1);
    let id = app.sandbox.tickets_created()[0]["id_ticket"].clone();
    for answer in &answers {
        answer.assert_envelope();
        match answer.action() {
            "ticket_created" => assert_eq!(answer.body["data"]["ticket_id"], id),
            "request_in_progress" => assert_eq!(answer.status, StatusCode::CONFLICT),
            other => panic!("unexpected {other}: {}", answer.text),
        }
    }
}

/// Five callers, different keys, one free slot in zone 2: exactly one ticket.
async fn five_callers_for_one_free_slot_make_one_ticket(app: TestApp) {
    let token = app.token(&[Scope::TicketsWrite]);
    let instances = [app.app.clone(), app.twin()];
    let calls = (0..5).map(|i| {
        let request = create_request(&token, ticket(1002, "Internet Lento"), Some(&format!("slot-{i}")));
        let instance = instances[i % 2].clone();
        tokio::spawn(async move { send_to(&instance, request).await })
    });
    let answers: Vec<Answer> = join_all(calls).await.into_iter().map(Result::unwrap).collect();

    let actions: Vec<&str> = answers.iter().map(|a| a.assert_envelope().action()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "ticket_created").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "zone_ticket_limit_reached").count(), 4, "{actions:?}");
    assert_eq!((app.sandbox.tickets_created().len(), app.sandbox.open_tickets_in_zone(2)), (1, 3));
}

/// A finished key answers again with the same body, from any instance, without calling WispHub.
async fn a_replay_returns_the_first_ticket_without_calling_wisphub(app: TestApp) {
    let token = app.token(&[Scope::TicketsWrite]);
    let first = app.send(create_request(&token, ticket(1004, "Internet Lento"), Some("msg-7"))).await;
    app.sandbox.reset_counters();

    let replay = send_to(&app.twin(), create_request(&token, ticket(1004, "Internet Lento"), Some("msg-7"))).await;

    assert_eq!(first.action(), "ticket_created", "{}", first.text);
    assert_eq!(replay.assert_envelope().body, first.body);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(app.sandbox.total_requests(), 0);
    assert_eq!(app.sandbox.tickets_created().len(), 1);
}

async fn app_on(store: Option<Arc<dyn Store>>) -> TestApp {
    // A generous budget: these tests measure correctness under contention, not speed.
    let builder = TestApp::builder().setting("REQUEST_BUDGET_MS", "8000");
    match store {
        Some(store) => builder.store(store).spawn().await,
        None => builder.spawn().await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_creates_with_one_key_make_one_ticket_in_memory() {
    one_key_sent_ten_times_makes_one_ticket(app_on(None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn ten_concurrent_creates_with_one_key_make_one_ticket_on_dynamodb() {
    let store = dynamo_store().await;
    one_key_sent_ten_times_makes_one_ticket(app_on(Some(store)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_concurrent_creates_into_one_free_slot_make_one_ticket_in_memory() {
    five_callers_for_one_free_slot_make_one_ticket(app_on(None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn five_concurrent_creates_into_one_free_slot_make_one_ticket_on_dynamodb() {
    let store = dynamo_store().await;
    five_callers_for_one_free_slot_make_one_ticket(app_on(Some(store)).await).await;
}

#[tokio::test]
async fn a_replayed_create_returns_the_same_ticket_without_calling_wisphub_in_memory() {
    a_replay_returns_the_first_ticket_without_calling_wisphub(app_on(None).await).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn a_replayed_create_returns_the_same_ticket_without_calling_wisphub_on_dynamodb() {
    let store = dynamo_store().await;
    a_replay_returns_the_first_ticket_without_calling_wisphub(app_on(Some(store)).await).await;
}
