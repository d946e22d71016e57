//! Events (docs/api.md §16): changes between two directory refreshes become events in the feed,
//! once; the first refresh, a failed one and a refresh that lost the pointer race tell nothing; the
//! feed pages with stable cursors and refuses one past the retention.

use std::time::Duration;

use serde_json::{Value, json};
use shared::Scope;
use shared::clock::now_secs;
use shared::directory::refresh::Refreshed;
use shared::events::{Change, EventData, EventType, ServiceData, log};
use shared::store::keys;
use wisphub_sandbox::{Estado, EstadoFacturas, Faults, FaultyDevice};

use crate::helpers::*;

const CLIENT_LIST: (&str, &str) = ("GET", "/api/clientes/");

/// Every client record the sandbox holds, as WispHub lists it.
pub fn sandbox_records(app: &TestApp) -> Vec<Value> {
    (1001..=1009).chain(2001..=2100).filter_map(|id| app.sandbox.client_record(id)).collect()
}

/// Services behind a device (`router` or `sectorial` in WispHub's words) that are not cancelled.
pub fn behind(app: &TestApp, device: &str, id: i64) -> Vec<i64> {
    let records = sandbox_records(app);
    let kept = records.iter().filter(|r| r[device]["id"] == id && r["estado"] != "Cancelado");
    kept.filter_map(|r| r["id_servicio"].as_i64()).collect()
}

/// `GET /api/v1/events?<query>` as a poller with `events:read`.
async fn feed(app: &TestApp, query: &str) -> Answer {
    app.get(&format!("/api/v1/events?{query}"), &app.token(&[Scope::EventsRead])).await
}

/// `(type, data)` of each event of a page.
fn told(answer: &Answer) -> Vec<(String, Value)> {
    let events = answer.body["data"].as_array().cloned().unwrap_or_default();
    events.iter().map(|e| (e["type"].as_str().unwrap_or_default().to_owned(), e["data"].clone())).collect()
}

async fn refreshed(app: &TestApp) -> usize {
    match app.refresh_directory().await {
        Ok(Refreshed::Published { events, .. }) => events,
        other => panic!("a refresh that publishes: {other:?}"),
    }
}

#[tokio::test]
async fn each_change_between_two_refreshes_is_one_event_in_the_feed_in_order() {
    let app = TestApp::spawn().await;
    assert_eq!(refreshed(&app).await, 0, "the first snapshot tells nothing");
    let sandbox = &app.sandbox;
    sandbox.set_general_fault(FaultyDevice::Router(1), Some("Caída del nodo norte"));
    sandbox.set_general_fault(FaultyDevice::Router(4), Some("Fibra reparada; vuelve a las 18:00"));
    sandbox.set_general_fault(FaultyDevice::Sectorial(3), None);
    sandbox.set_service_status(1001, Estado::Suspendido);
    sandbox.set_billing_status(1002, EstadoFacturas::Pagadas);
    sandbox.set_service_status(1004, Estado::Activo);

    assert_eq!(refreshed(&app).await, 6);
    let page = feed(&app, "").await;

    assert_eq!(kind(&page), ("success", "events_listed"), "{}", page.text);
    let outage = |scope: &str, id: i64, name: &str, description: Value, device: &str| {
        json!({"scope": scope, "device_id": id, "device_name": name, "description": description,
            "affected_services": behind(&app, device, id).len()})
    };
    let expected = [
        ("outage.raised", outage("router", 1, "RB-Norte", json!("Caída del nodo norte"), "router")),
        ("outage.updated", outage("router", 4, "RB-Centro", json!("Fibra reparada; vuelve a las 18:00"), "router")),
        ("outage.cleared", outage("sector", 3, "Sectorial Rural 90°", Value::Null, "sectorial")),
        ("service.suspended", json!({"service_id": 1001})),
        ("billing.settled", json!({"service_id": 1002})),
        ("service.reactivated", json!({"service_id": 1004})),
    ];
    let expected: Vec<(String, Value)> = expected.into_iter().map(|(t, d)| (t.to_owned(), d)).collect();
    assert_eq!(told(&page), expected, "{}", page.text);
    let first = &page.body["data"][0];
    assert!(first["id"].as_str().is_some_and(|id| id.len() == 17) && first["occurred_at"].is_string(), "{first}");
    assert_eq!(page.body["meta"]["next_cursor"], page.body["data"][5]["id"]);
    assert_eq!(refreshed(&app).await, 0, "nothing changed since: nothing more to tell");
}

#[tokio::test]
async fn nothing_is_told_by_the_first_refresh_or_a_failed_one_and_the_change_comes_with_the_next() {
    let app = TestApp::builder().setting("WISPHUB_PAGE_SIZE", "20").spawn().await;
    app.sandbox.set_general_fault(FaultyDevice::Router(2), Some("Tormenta"));
    assert_eq!(refreshed(&app).await, 0);
    app.sandbox.set_general_fault(FaultyDevice::Router(5), Some("Corte de energía"));

    app.sandbox.set_faults(Faults { error_5xx_ratio: 1.0, ..Faults::default() });
    let failed = app.refresh_directory().await;
    let after_failure = feed(&app, "").await;
    app.sandbox.set_faults(Faults::default());
    assert_eq!(refreshed(&app).await, 1);
    let later = feed(&app, "").await;

    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(kind(&after_failure), ("info", "no_new_events"), "{}", after_failure.text);
    assert_eq!(after_failure.body["data"], json!([]));
    let types: Vec<String> = told(&later).into_iter().map(|(t, d)| format!("{t} {}", d["device_id"])).collect();
    assert_eq!(types, ["outage.raised 5"], "{}", later.text);
}

#[tokio::test]
async fn two_refreshers_racing_past_the_lease_record_one_set_of_events() {
    let app = TestApp::builder()
        .setting("WISPHUB_PAGE_SIZE", "20")
        .sandbox(|s| s.faults = Faults { latency_ms: 60, ..Faults::default() })
        .spawn()
        .await;
    refreshed(&app).await;
    app.sandbox.set_service_status(1003, Estado::Suspendido);
    let walks_before = app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1);

    // The first walker's lease is lost mid-walk (as if it expired), so a second one walks too.
    let first = tokio::spawn({
        let app_state = app.state.clone();
        async move {
            let recorder = shared::events::Recorder::of(&app_state);
            let changes = shared::directory::refresh::Changes::Record(&recorder);
            shared::directory::refresh::refresh(&*app_state.store, &app_state.wisphub, changes).await
        }
    });
    while app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1) == walks_before {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    app.state.store.delete(keys::DIRECTORY_LEASE).await.unwrap();
    let second = app.refresh_directory().await.expect("the second refresher");
    let first = first.await.unwrap().expect("the first refresher");

    let outcomes = [first, second];
    let told_by: Vec<usize> = outcomes
        .iter()
        .filter_map(|o| if let Refreshed::Published { events, .. } = o { Some(*events) } else { None })
        .collect();
    assert_eq!(app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1) - walks_before, 6, "both walked: 3 pages each");
    assert_eq!(told_by, [1], "one pointer switch wins, the other refresher stands down: {outcomes:?}");
    let page = feed(&app, "").await;
    assert_eq!(told(&page), [("service.suspended".to_owned(), json!({"service_id": 1003}))], "{}", page.text);
}

#[tokio::test]
async fn the_feed_pages_oldest_first_with_stable_cursors() {
    let app = TestApp::spawn().await;
    refreshed(&app).await;
    for service in [2001, 2002, 2003] {
        app.sandbox.set_service_status(service, Estado::Cancelado);
    }
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(1), Some("Viento fuerte"));
    for service in [1001, 1003, 1007] {
        app.sandbox.set_service_status(service, Estado::Suspendido);
    }
    refreshed(&app).await;
    app.sandbox.set_service_status(1001, Estado::Activo);
    refreshed(&app).await;

    let first = feed(&app, "limit=2").await;
    let second = feed(&app, &format!("limit=2&after={}", first.body["meta"]["next_cursor"].as_str().unwrap())).await;
    let rest = feed(&app, &format!("after={}", second.body["meta"]["next_cursor"].as_str().unwrap())).await;
    let cursor = rest.body["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let none = feed(&app, &format!("after={cursor}")).await;
    let again = feed(&app, &format!("limit=2&after={}", first.body["meta"]["next_cursor"].as_str().unwrap())).await;

    let ids =
        |answer: &Answer| told(answer).iter().map(|(t, d)| format!("{t} {}", d["service_id"])).collect::<Vec<_>>();
    assert_eq!(ids(&first), ["outage.raised null", "service.suspended 1001"]);
    assert_eq!((first.body["meta"]["more"].clone(), first.body["meta"]["limit"].clone()), (json!(true), json!(2)));
    assert_eq!(ids(&second), ["service.suspended 1003", "service.suspended 1007"]);
    assert_eq!(ids(&rest), ["service.reactivated 1001"], "the next refresh's event follows");
    assert_eq!(rest.body["meta"]["more"], false);
    assert_eq!(kind(&none), ("info", "no_new_events"));
    assert_eq!((none.body["data"].clone(), none.body["meta"]["next_cursor"].clone()), (json!([]), json!(cursor)));
    assert_eq!(again.body["data"], second.body["data"], "a cursor reads the same page twice");
}

#[tokio::test]
async fn bad_cursors_and_limits_are_422_naming_them_and_one_past_the_retention_names_after() {
    let app = TestApp::spawn().await;
    let week = app.state.config.events.retention;
    let long_ago = now_secs() - week.as_secs() - 3600;
    let change = Change { kind: EventType::BillingSettled, data: EventData::Service(ServiceData { service_id: 1001 }) };
    let old = log::record(&*app.state.store, vec![change.clone()], long_ago, week, long_ago).await.unwrap();
    log::record(&*app.state.store, vec![change], now_secs(), week, now_secs()).await.unwrap();

    let cases = [
        (format!("after={}", old[0].id), "after: es anterior a los eventos que se conservan (7 días)"),
        ("after=999999999999-0000".to_owned(), "after: no corresponde a ningún evento"),
        ("after=42".to_owned(), "after: no es un id de evento"),
        ("limit=0".to_owned(), "limit: debe estar entre 1 y 500"),
        ("limit=501".to_owned(), "limit: debe estar entre 1 y 500"),
        ("limit=muchos".to_owned(), "limit: debe ser un número entero"),
    ];
    for (query, message) in cases {
        let answer = feed(&app, &query).await;
        assert_eq!(answer.status.as_u16(), 422, "{query}: {}", answer.text);
        answer.assert_envelope();
        assert!(answer.body["message"].as_str().unwrap_or_default().contains(message), "{query}: {}", answer.text);
    }
    let kept = feed(&app, "after=").await;
    assert_eq!(told(&kept), [("billing.settled".to_owned(), json!({"service_id": 1001}))], "{}", kept.text);
    let scoped = app.get("/api/v1/events", &app.token(&[Scope::ClientsList])).await;
    assert_eq!(scoped.status.as_u16(), 403, "{}", scoped.text);
}

#[tokio::test]
async fn no_event_holds_a_name_phone_document_address_or_email() {
    let app = TestApp::spawn().await;
    refreshed(&app).await;
    app.sandbox.set_general_fault(FaultyDevice::Router(1), Some("Caída del nodo norte"));
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(3), None);
    for service in [1001, 1002, 1003, 1007, 2001, 2002] {
        app.sandbox.set_service_status(service, Estado::Suspendido);
        app.sandbox.set_billing_status(service, EstadoFacturas::Pagadas);
    }
    refreshed(&app).await;

    let page = feed(&app, "limit=500").await;

    assert!(told(&page).len() >= 8, "{}", page.text);
    let text = page.body["data"].to_string().to_lowercase();
    for record in sandbox_records(&app) {
        for field in ["nombre", "telefono", "cedula", "direccion", "email", "usuario", "ip"] {
            let value = record[field].as_str().unwrap_or_default().trim().to_lowercase();
            assert!(value.len() < 4 || !text.contains(&value), "{field} {value:?} of a client is in an event: {text}");
        }
    }
    for event in page.body["data"].as_array().unwrap() {
        let keys: Vec<&String> = event["data"].as_object().unwrap().keys().collect();
        let allowed = ["service_id", "scope", "device_id", "device_name", "description", "affected_services"];
        assert!(keys.iter().all(|key| allowed.contains(&key.as_str())), "{event}");
    }
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn events_recorded_on_dynamodb_are_read_by_another_instance_and_racers_tell_them_once() {
    let app = TestApp::builder().store(dynamo_store().await).spawn().await;
    refreshed(&app).await;
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(1), Some("Viento fuerte"));
    app.sandbox.set_service_status(1002, Estado::Suspendido);

    let (first, second) = tokio::join!(app.refresh_directory(), app.refresh_directory());
    let token = app.token(&[Scope::EventsRead]);
    let page =
        send_to(&app.twin(), request(axum::http::Method::GET, "/api/v1/events?limit=1", Some(&token), None)).await;
    let cursor = page.body["meta"]["next_cursor"].as_str().unwrap_or_default().to_owned();
    let rest = send_to(
        &app.twin(),
        request(axum::http::Method::GET, &format!("/api/v1/events?after={cursor}"), Some(&token), None),
    )
    .await;

    let busy = [&first, &second].iter().filter(|o| matches!(o, Ok(Refreshed::Busy))).count();
    assert_eq!(busy, 1, "{first:?} {second:?}");
    assert_eq!(told(&page).len(), 1, "{}", page.text);
    assert_eq!(told(&page)[0].0, "outage.raised");
    assert_eq!(told(&rest), [("service.suspended".to_owned(), json!({"service_id": 1002}))], "{}", rest.text);
}
