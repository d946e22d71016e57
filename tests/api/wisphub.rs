//! The WispHub client against the sandbox's faults (docs/wisphub.md §1, §9), seen from the sandbox side.

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use shared::budget;
use shared::wisphub::model::ClientRecord;
use shared::wisphub::{Payload, Route, UpstreamError, WispHub, WispHubSettings};
use wisphub_sandbox::{Faults, ForcedFault, Sandbox, SandboxConfig};

fn client_for(sandbox: &Sandbox, page_size: usize) -> WispHub {
    WispHub::new(WispHubSettings {
        base_url: sandbox.url(),
        api_key: Some(sandbox.api_key().to_owned().into()),
        timeout: Duration::from_millis(500),
        hedge: Duration::ZERO,
        budget: Duration::from_secs(2),
        concurrency: 4,
        page_size,
    })
    .expect("a WispHub client")
}

#[tokio::test]
async fn fifty_thousand_clients_page_correctly_within_the_concurrency_bound() {
    let faults = Faults { latency_ms: 20, ..Faults::default() };
    let sandbox = wisphub_sandbox::spawn(SandboxConfig { clients: 50_000, faults, ..SandboxConfig::default() }).await;
    let wisphub = WispHub::new(WispHubSettings {
        timeout: Duration::from_secs(5),
        budget: Duration::from_secs(60),
        ..client_for(&sandbox, 1000).settings().clone()
    })
    .expect("a WispHub client");

    let records: Vec<ClientRecord> = wisphub.list(&Route::Clients, &[]).await.unwrap();

    assert_eq!(records.len(), 50_000);
    let mut ids: Vec<i64> = records.iter().map(|r| r.id_servicio).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50_000, "every client exactly once");
    assert_eq!(sandbox.count("GET", "/api/clientes/"), 50);
    assert_eq!(sandbox.max_in_flight(), 4, "pages fetched four at a time, never more");
}

#[tokio::test]
async fn offsets_are_computed_by_us_and_next_links_are_never_followed() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;

    let records: Vec<ClientRecord> = client_for(&sandbox, 7).list(&Route::Clients, &[]).await.unwrap();

    assert_eq!(records.len(), 60);
    let mut offsets: Vec<usize> = sandbox
        .requests()
        .iter()
        .map(|r| r.query.split('&').find_map(|p| p.strip_prefix("offset=")).unwrap().parse().unwrap())
        .collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (0..60).step_by(7).collect::<Vec<_>>(), "each page once, none from a next link");
}

#[tokio::test]
async fn a_stall_times_out_within_the_budget_and_is_unavailable() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    sandbox.force_next(10, ForcedFault::Stall);
    let wisphub = client_for(&sandbox, 100);

    let started = Instant::now();
    let result = budget::within(Duration::from_millis(1500), wisphub.get(&Route::Plans, &[])).await;
    let waited = started.elapsed();

    let error = result.unwrap_err();
    assert!(error.is_unavailable(), "{error:?}");
    assert!(waited < Duration::from_millis(1700), "nothing waits past the budget: {waited:?}");
    assert!(sandbox.count("GET", "/api/plan-internet/") >= 2, "a stalled GET is retried while budget remains");
}

#[tokio::test]
async fn server_errors_and_html_pages_become_typed_errors_after_retries() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    let wisphub = client_for(&sandbox, 100);

    sandbox.force_next(3, ForcedFault::Error5xx);
    let server_error = wisphub.get(&Route::Plans, &[]).await.unwrap_err();
    sandbox.force_next(3, ForcedFault::Html);
    let html = wisphub.get(&Route::Plans, &[]).await.unwrap_err();

    assert!(matches!(server_error, UpstreamError::BadStatus(500..=599)), "{server_error:?}");
    assert!(!server_error.is_unavailable());
    assert!(!html.is_unavailable(), "{html:?}");
    assert_eq!(sandbox.count("GET", "/api/plan-internet/"), 6, "two retries each");
}

/// A client that hedges after 100 ms, well inside its 1 s per-call timeout.
fn hedging_client(sandbox: &Sandbox) -> WispHub {
    WispHub::new(WispHubSettings {
        timeout: Duration::from_secs(1),
        hedge: Duration::from_millis(100),
        ..client_for(sandbox, 100).settings().clone()
    })
    .expect("a WispHub client")
}

#[tokio::test]
async fn a_stalled_get_is_overtaken_by_one_duplicate_long_before_its_timeout() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    sandbox.force_next(1, ForcedFault::Stall);

    let started = Instant::now();
    let plans = budget::within(Duration::from_secs(2), hedging_client(&sandbox).get(&Route::Plans, &[])).await;
    let waited = started.elapsed();

    assert!(plans.unwrap().is_some());
    assert!(waited < Duration::from_millis(700), "the duplicate answered, not the timeout: {waited:?}");
    assert_eq!(sandbox.count("GET", "/api/plan-internet/"), 2, "one duplicate, no more");
}

#[tokio::test]
async fn a_quick_get_is_never_duplicated_and_a_post_is_never_hedged() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    let wisphub = hedging_client(&sandbox);

    wisphub.get(&Route::Plans, &[]).await.unwrap();
    sandbox.force_next(1, ForcedFault::Stall);
    let posted = budget::within(
        Duration::from_secs(2),
        wisphub.send(Method::POST, &Route::ClientPing(1001), Payload::Json(json!({"pings": 4}))),
    )
    .await;

    assert_eq!(sandbox.count("GET", "/api/plan-internet/"), 1);
    assert_eq!(posted.unwrap_err(), UpstreamError::Timeout);
    assert_eq!(sandbox.count("POST", "/api/clientes/{id}/ping/"), 1, "a write is sent once, stall or not");
}

#[tokio::test]
async fn a_post_is_never_retried() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    sandbox.force_next(1, ForcedFault::Error5xx);

    let result = client_for(&sandbox, 100)
        .send(Method::POST, &Route::ClientPing(1001), Payload::Json(json!({"pings": 4})))
        .await;

    assert!(matches!(result, Err(UpstreamError::BadStatus(500..=599))), "{result:?}");
    assert_eq!(sandbox.count("POST", "/api/clientes/{id}/ping/"), 1);
}

#[tokio::test]
async fn a_refused_key_is_unavailable_not_a_bug() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig::default()).await;
    let wisphub = WispHub::new(WispHubSettings {
        api_key: Some("wrongkey.0000".to_owned().into()),
        ..client_for(&sandbox, 100).settings().clone()
    })
    .expect("a WispHub client");

    let error = wisphub.get(&Route::Plans, &[]).await.unwrap_err();

    assert_eq!(error, UpstreamError::KeyRefused);
    assert!(error.is_unavailable());
    assert_eq!(sandbox.count("GET", "/api/plan-internet/"), 1, "a refused key is not retried");
}

#[tokio::test]
async fn an_ignored_filter_is_caught_record_by_record() {
    let sandbox = wisphub_sandbox::spawn(SandboxConfig {
        faults: Faults { ignore_filters: true, ..Faults::default() },
        ..SandboxConfig::default()
    })
    .await;

    let found = client_for(&sandbox, 1000).client_by_service_id(1003).await.unwrap();
    let unknown = client_for(&sandbox, 1000).client_by_service_id(999_999).await.unwrap();

    assert_eq!(found.map(|r| r.id_servicio), Some(1003));
    assert!(unknown.is_none(), "the whole list came back, yet no stranger is returned");
}
