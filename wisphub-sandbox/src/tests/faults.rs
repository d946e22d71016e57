//! Faults and the request log, plus one real-socket check of `spawn`.

use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};

use super::App;
use crate::{Faults, ForcedFault, SandboxConfig, spawn};

#[tokio::test]
async fn forced_faults_hit_the_next_requests_in_order_then_stop() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::Html);
    app.state.force_next(1, ForcedFault::Status(429));
    app.state.force_next(1, ForcedFault::Error5xx);
    let html = app.get("/api/zonas/").await;
    assert_eq!(
        (html.status, html.headers[header::CONTENT_TYPE].to_str().ok()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("text/html"))
    );
    assert_eq!(app.get("/api/zonas/").await.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(app.get("/api/zonas/").await.status.is_server_error());
    assert_eq!(app.get("/api/zonas/").await.status, StatusCode::OK);
    let statuses: Vec<u16> = app.state.log().requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..2], [500, 429]);
}

#[tokio::test]
async fn faults_come_before_the_key_check_and_are_logged() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::Error5xx);
    let answer = app.send("GET", "/api/clientes/", None, None).await;
    assert!(answer.status.is_server_error());
    assert_eq!(app.state.log().count("GET", "/api/clientes/"), 1);
}

#[tokio::test]
async fn full_error_ratio_answers_every_request_with_5xx() {
    let app = App::with_faults(Faults { error_5xx_ratio: 1.0, ..Faults::default() });
    for _ in 0..10 {
        let status = app.get("/api/zonas/").await.status.as_u16();
        assert!([500, 502, 503].contains(&status), "got {status}");
    }
}

#[tokio::test]
async fn a_stall_never_answers_and_counts_as_in_flight() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::Stall);
    let stalled = tokio::time::timeout(Duration::from_millis(200), app.get("/api/clientes/")).await;
    assert!(stalled.is_err(), "a stall must not answer");
    let logged = app.state.log().requests();
    assert_eq!((logged.len(), logged[0].status), (1, 0));
    assert_eq!(app.state.log().max_in_flight(), 1);
    assert_eq!(app.get("/api/clientes/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn latency_and_slow_pages_delay_the_answer() {
    let app = App::with_faults(Faults { latency_ms: 50, per_record_latency_us: 2_000, ..Faults::default() });
    let started = Instant::now();
    app.get("/api/clientes/?limit=50").await;
    assert!(started.elapsed() >= Duration::from_millis(150), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn concurrent_requests_raise_max_in_flight_and_reset_clears_it() {
    let app = App::with_faults(Faults { latency_ms: 100, ..Faults::default() });
    let calls = (0..4).map(|_| app.get("/api/zonas/"));
    futures::future::join_all(calls).await;
    assert_eq!(app.state.log().max_in_flight(), 4);
    app.state.log().reset();
    assert_eq!((app.state.log().max_in_flight(), app.state.log().total()), (0, 0));
}

#[tokio::test]
async fn set_faults_switches_at_runtime() {
    let app = App::new();
    app.state.set_faults(Faults { html_error_ratio: 1.0, ..Faults::default() });
    assert_eq!(app.get("/api/zonas/").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    app.state.set_faults(Faults::default());
    assert_eq!(app.get("/api/zonas/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn spawned_sandbox_answers_on_a_real_socket_with_host_based_links() {
    let sandbox = spawn(SandboxConfig { clients: 10, ..Default::default() }).await;
    let url = sandbox.url();
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}/api/clientes/?limit=5"))
        .header("Authorization", format!("Api-Key {}", sandbox.api_key()))
        .send()
        .await
        .expect("sandbox answers")
        .json()
        .await
        .expect("json page");
    assert_eq!(page["next"], format!("{url}/api/clientes/?limit=5&offset=5"));
    assert_eq!(sandbox.count("GET", "/api/clientes/"), 1);
    assert_eq!(sandbox.requests()[0].query, "limit=5");
}

#[tokio::test]
async fn a_stall_leaves_in_flight_when_its_client_gives_up() {
    let sandbox = spawn(SandboxConfig { clients: 10, ..Default::default() }).await;
    sandbox.force_next(1, ForcedFault::Stall);
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().expect("client");
    let url = format!("{}/api/zonas/", sandbox.url());
    let stalled = client.get(&url).header("Authorization", format!("Api-Key {}", sandbox.api_key())).send().await;
    assert!(stalled.is_err(), "the stalled call must time out");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!((sandbox.in_flight(), sandbox.max_in_flight()), (0, 1));
}
