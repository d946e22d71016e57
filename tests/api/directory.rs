//! The client directory snapshot: built by the refresher, shared through the table, read whole by
//! every instance; no request waits for a walk of the tenant once one exists.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;
use shared::Scope;
use shared::directory::refresh::{Changes, Refreshed, refresh};
use shared::directory::{self, Record};
use shared::events::Recorder;
use shared::store::keys;
use shared::wisphub::Route;
use shared::wisphub::model::ClientRecord;
use wisphub_sandbox::{Faults, ForcedFault};

use crate::helpers::*;

const CLIENT_LIST: (&str, &str) = ("GET", "/api/clientes/");

fn lister(app: &TestApp) -> String {
    app.token(&[Scope::ClientsList, Scope::ClientsRead])
}

/// The version the table's pointer names now.
async fn current_version(app: &TestApp) -> Option<String> {
    directory::current(&*app.state.store).await.expect("store").map(|pointer| pointer.version)
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn a_second_instance_serves_search_list_and_resolve_from_the_shared_snapshot_without_wisphub() {
    let store = dynamo_store().await;
    let app = TestApp::builder().store(store).spawn().await;
    assert!(matches!(app.refresh_directory().await, Ok(Refreshed::Published { .. })));
    let calls = app.sandbox.total_requests();
    let twin = app.twin();
    let token = lister(&app);

    let search =
        send_to(&twin, request(Method::GET, "/api/v1/clients/search?q=maria%20nunez", Some(&token), None)).await;
    let list = send_to(&twin, request(Method::GET, "/api/v1/clients?limit=3", Some(&token), None)).await;
    let claim = json!({"name": "jose perez", "address": "vereda el penon", "internet_plan_price": 65000});
    let resolve = send_to(&twin, request(Method::POST, "/api/v1/clients/resolve", Some(&token), Some(claim))).await;

    assert_eq!(search.body["data"][0]["service_id"], 1003, "{}", search.text);
    assert!(search.body["meta"]["snapshot_age_secs"].as_u64().is_some_and(|age| age < 60), "{}", search.text);
    assert_eq!(list.body["meta"]["limit"], 3, "{}", list.text);
    assert!(list.body["meta"]["snapshot_age_secs"].is_u64(), "{}", list.text);
    assert_eq!(resolve.body["data"]["service_id"], 1001, "{}", resolve.text);
    assert_eq!(app.sandbox.total_requests(), calls, "the second instance never asked WispHub");
}

#[tokio::test]
async fn a_refresh_that_fails_half_way_leaves_the_old_snapshot_current() {
    let app = TestApp::builder().setting("WISPHUB_PAGE_SIZE", "20").sandbox(|s| s.clients = 120).spawn().await;
    app.refresh_directory().await.expect("the first refresh");
    let before = current_version(&app).await.expect("a snapshot");
    app.sandbox.set_faults(Faults { latency_ms: 150, ..Faults::default() });
    let pages_before = app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1);

    // The first page is answered; every later page (and its retries) gets a gateway error.
    let walk = tokio::spawn({
        let (store, wisphub, recorder) = (app.state.store.clone(), app.state.wisphub.clone(), Recorder::of(&app.state));
        async move { refresh(&*store, &wisphub, Changes::Record(&recorder)).await }
    });
    while app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1) == pages_before {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    app.sandbox.force_next_on(CLIENT_LIST.0, CLIENT_LIST.1, 40, ForcedFault::Error5xx);
    let failed = walk.await.unwrap();

    assert!(failed.is_err(), "{failed:?}");
    assert!(app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1) > pages_before + 1, "it failed after the first page");
    assert_eq!(current_version(&app).await, Some(before), "the old version stays current");
    assert_eq!(app.state.store.get(keys::DIRECTORY_LEASE).await.unwrap(), None, "the lease was released");
    let search =
        send_to(&app.twin(), request(Method::GET, "/api/v1/clients/search?q=carlos", Some(&lister(&app)), None)).await;
    assert_eq!(search.body["meta"]["total"], 1, "{}", search.text);
}

#[tokio::test]
async fn two_refreshers_at_once_walk_wisphub_once() {
    let app = TestApp::builder()
        .setting("WISPHUB_PAGE_SIZE", "50")
        .sandbox(|s| {
            s.clients = 250;
            s.faults = Faults { latency_ms: 50, ..Faults::default() };
        })
        .spawn()
        .await;

    let (first, second) = tokio::join!(app.refresh_directory(), app.refresh_directory());

    let outcomes = [first.expect("first refresher"), second.expect("second refresher")];
    let published = outcomes.iter().filter(|o| matches!(o, Refreshed::Published { clients: 250, .. })).count();
    let busy = outcomes.iter().filter(|o| matches!(o, Refreshed::Busy)).count();
    assert_eq!((published, busy), (1, 1), "{outcomes:?}");
    assert_eq!(app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1), 5, "one walk: 250 clients in pages of 50");
}

#[tokio::test]
async fn with_no_snapshot_yet_a_slow_first_build_answers_503_and_the_next_request_is_served() {
    let app = TestApp::builder()
        .setting("REQUEST_BUDGET_MS", "1000")
        .sandbox(|s| s.faults = Faults { latency_ms: 900, ..Faults::default() })
        .spawn()
        .await;
    let token = lister(&app);

    let first = app.get("/api/v1/clients/search?q=carlos", &token).await;
    while current_version(&app).await.is_none() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let later = app.get("/api/v1/clients/search?q=carlos", &token).await;

    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE, "{}", first.text);
    assert_eq!(first.action(), "upstream_unavailable");
    assert!(first.headers.contains_key("retry-after"));
    assert_eq!(later.body["meta"]["total"], 1, "{}", later.text);
    assert_eq!(app.sandbox.count(CLIENT_LIST.0, CLIENT_LIST.1), 1, "the walk the first request started, once");
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn a_snapshot_of_50000_clients_round_trips_through_dynamodb_intact() {
    let store = dynamo_store().await;
    let app = TestApp::builder().store(store).sandbox(|s| s.clients = 50_000).spawn().await;
    let refreshed = app.refresh_directory().await.expect("a refresh");
    let Refreshed::Published { pointer, clients, .. } = refreshed else { panic!("{refreshed:?}") };

    let loaded = directory::load(&*app.state.store, pointer).await.expect("store").expect("every chunk");
    let walked: Vec<Record> = app
        .state
        .wisphub
        .list_kept(&Route::Clients, &[], |record: ClientRecord| Some(Record::from(&record)))
        .await
        .expect("a walk");

    assert_eq!(clients, 50_000);
    assert!(loaded.pointer.chunks > 1, "{:?}", loaded.pointer);
    assert_eq!(loaded.records.len(), walked.len());
    assert!(loaded.records == walked, "the snapshot holds exactly what WispHub listed");
}
