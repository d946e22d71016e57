//! Signed webhooks (docs/api.md §16) through the in-process queue: each recorded event is posted
//! with the Standard Webhooks headers, retried with the same id after a failure, and the refresh
//! never waits for the receiver. (scripts/webhook-check verifies with the PyPI package too.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use shared::Scope;
use wisphub_sandbox::FaultyDevice;

use crate::helpers::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the receiver saw of one delivery, and what it answered.
#[derive(Clone)]
struct Delivery {
    at: Instant,
    headers: HeaderMap,
    body: Bytes,
    answered: StatusCode,
}

/// A tenant's webhook endpoint on 127.0.0.1: answers 500 to the first `refuse` deliveries, waits
/// `stall` before each answer, and keeps every delivery.
struct Receiver {
    url: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    async fn spawn(refuse: usize, stall: Duration) -> Receiver {
        let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let kept = deliveries.clone();
        let hook = move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                tokio::time::sleep(stall).await;
                let mut kept = kept.lock().unwrap();
                let answered =
                    if kept.len() < refuse { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT };
                kept.push(Delivery { at: Instant::now(), headers, body, answered });
                answered
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/wisphub", listener.local_addr().unwrap());
        tokio::spawn(
            async move { axum::serve(listener, axum::Router::new().route("/hooks/wisphub", post(hook))).await },
        );
        Receiver { url, deliveries }
    }

    async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        for _ in 0..200 {
            let seen = self.deliveries.lock().unwrap().clone();
            if seen.len() >= count {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {count} deliveries in 5 s");
    }
}

async fn app_posting_to(receiver: &Receiver) -> TestApp {
    TestApp::builder()
        .setting("WEBHOOK_URL", receiver.url.clone())
        .setting("WEBHOOK_SECRET", SECRET)
        .setting("WEBHOOK_FIRST_RETRY_MS", "200")
        .spawn()
        .await
}

#[tokio::test]
async fn an_event_is_posted_signed_and_after_a_500_the_same_id_comes_again_and_is_accepted() {
    let receiver = Receiver::spawn(1, Duration::ZERO).await;
    let app = app_posting_to(&receiver).await;
    app.refresh_directory().await.unwrap();
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(1), Some("Viento fuerte en la torre norte"));
    app.refresh_directory().await.unwrap();

    let deliveries = receiver.wait_for(2).await;
    let feed = app.get("/api/v1/events", &app.token(&[Scope::EventsRead])).await;

    let event = &feed.body["data"][0];
    assert_eq!(event["type"], "outage.raised", "{}", feed.text);
    assert_eq!(deliveries.iter().map(|d| d.answered).collect::<Vec<_>>(), [500, 204]);
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    for delivery in &deliveries {
        let headers = &delivery.headers;
        assert_eq!(headers["webhook-id"], event["id"].as_str().unwrap(), "the event's id on every try");
        assert!(headers["webhook-signature"].to_str().unwrap().starts_with("v1,"));
        assert_eq!(headers["content-type"], "application/json");
        verifier.verify(&delivery.body, headers).expect("a valid Standard Webhooks signature");
        assert_eq!(&serde_json::from_slice::<Value>(&delivery.body).unwrap(), event, "the body is the feed's event");
    }
    assert!(deliveries[1].at - deliveries[0].at >= Duration::from_millis(190), "retried after the first wait");
    assert!(verifier.verify(b"{}", &deliveries[0].headers).is_err(), "the signature covers the body");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.deliveries.lock().unwrap().len(), 2, "an accepted event is not posted again");
}

#[tokio::test]
async fn the_refresh_never_waits_for_a_slow_receiver() {
    let receiver = Receiver::spawn(0, Duration::from_secs(2)).await;
    let app = app_posting_to(&receiver).await;
    app.refresh_directory().await.unwrap();
    for service in [1001, 1002, 1003] {
        app.sandbox.set_service_status(service, wisphub_sandbox::Estado::Suspendido);
    }

    let started = Instant::now();
    app.refresh_directory().await.unwrap();
    let took = started.elapsed();

    assert!(took < Duration::from_secs(1), "the refresh took {took:?}");
    let deliveries = receiver.wait_for(3).await;
    let mut ids: Vec<String> =
        deliveries.iter().map(|d| d.headers["webhook-id"].to_str().unwrap().to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each event once");
}
