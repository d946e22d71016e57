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

/// A queue of its own on the SQS engine at `AWS_ENDPOINT_URL_SQS`; panics when that is unset.
async fn sqs_queue() -> (aws_sdk_sqs::Client, String) {
    std::env::var("AWS_ENDPOINT_URL_SQS").unwrap_or_else(|_| {
        panic!("no SQS engine: AWS_ENDPOINT_URL_SQS is unset (run ./scripts/test, or eval \"$(scripts/dynamodb-local start)\")")
    });
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_sqs::Client::new(&config);
    let created = client.create_queue().queue_name(format!("webhooks-{}", uuid::Uuid::new_v4().simple())).send();
    let url = created.await.expect("a test queue").queue_url.expect("its URL");
    (client, url)
}

/// Every message the queue hands out within `seconds`: (receive count, body, receipt).
async fn drain(client: &aws_sdk_sqs::Client, url: &str, seconds: u64) -> Vec<(u32, String, String)> {
    let mut received = Vec::new();
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until {
        let answer = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .expect("receive_message");
        for message in answer.messages() {
            let count = message
                .attributes()
                .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let (body, receipt) = (message.body().unwrap_or_default(), message.receipt_handle().unwrap_or_default());
            received.push((count, body.to_owned(), receipt.to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    received
}

#[tokio::test]
#[ignore = "needs an SQS engine: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn events_go_to_sqs_ten_per_call_and_a_failed_one_comes_back_after_its_backoff() {
    use shared::events::queue::EventQueue;
    use shared::events::{Event, EventData, EventId, EventType, ServiceData, SqsQueue};
    let (client, url) = sqs_queue().await;
    let queue = SqsQueue::connect(url.clone()).await;
    let events: Vec<Event> = (0..12)
        .map(|index| Event {
            id: EventId { batch: 7, index },
            kind: EventType::ServiceSuspended,
            occurred_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            data: EventData::Service(ServiceData { service_id: 2001 + i64::from(index) }),
        })
        .collect();

    queue.send(&events).await.expect("twelve events in two calls");
    let first = drain(&client, &url, 2).await;
    let backed_off = &first[0];
    queue.redeliver_after(&backed_off.2, Duration::from_secs(3)).await.expect("its backoff");
    let meanwhile = drain(&client, &url, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = drain(&client, &url, 2).await;

    let mut bodies: Vec<Event> = first.iter().map(|(_, body, _)| serde_json::from_str(body).unwrap()).collect();
    bodies.sort_by_key(|event| event.id);
    assert_eq!(bodies, events, "each event one message, its body the event");
    assert!(meanwhile.is_empty(), "not back before its wait: {meanwhile:?}");
    assert_eq!(
        later.iter().map(|(count, body, _)| (*count, body.as_str())).collect::<Vec<_>>(),
        [(2, backed_off.1.as_str())]
    );
}
