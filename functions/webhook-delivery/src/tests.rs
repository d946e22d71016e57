use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use shared::config::Config;
use shared::store::MemoryStore;

use super::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A receiver refusing (500) the events of service 1002 and taking the rest; it keeps the ids it saw.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = seen.clone();
    let hook = move |headers: HeaderMap, body: Bytes| {
        let kept = kept.clone();
        async move {
            kept.lock().unwrap().push(headers["webhook-id"].to_str().unwrap().to_owned());
            let event: Value = serde_json::from_slice(&body).unwrap();
            if event["data"]["service_id"] == 1002 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(
        async move { axum::serve(listener, axum::Router::new().route("/hook", axum::routing::post(hook))).await },
    );
    (url, seen)
}

fn state(url: &str) -> AppState {
    let settings = HashMap::from([
        ("JWT_SECRET", "delivery-test-secret-0123456789abcdef"),
        ("WEBHOOK_URL", url),
        ("WEBHOOK_SECRET", SECRET),
    ]);
    let config = Config::from_lookup(|name| settings.get(name).map(|v| (*v).to_owned())).unwrap();
    AppState::new(config, Arc::new(MemoryStore::new())).unwrap()
}

fn message(id: &str, body: String, receive_count: u32) -> Value {
    json!({"messageId": id, "receiptHandle": format!("receipt-{id}"), "body": body, "md5OfBody": "x",
        "attributes": {"ApproximateReceiveCount": receive_count.to_string(), "SentTimestamp": "1800000000000"},
        "messageAttributes": {}, "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhooks", "awsRegion": "us-east-1"})
}

fn suspended(batch: u64, service_id: i64) -> String {
    json!({"id": format!("{batch:012}-0000"), "type": "service.suspended", "occurred_at": "2027-01-15T08:00:00Z",
        "data": {"service_id": service_id}})
    .to_string()
}

#[tokio::test]
async fn the_answer_names_exactly_the_messages_that_were_not_delivered() {
    let (url, seen) = receiver().await;
    let batch = json!({"Records": [
        message("m1", suspended(1, 1001), 1),
        message("m2", suspended(2, 1002), 3),
        message("m3", "{\"not\": \"an event\"}".to_owned(), 1),
    ]});

    let answer = deliver_batch(state(&url), batch).await.unwrap();

    assert_eq!(answer, json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}));
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ["000000000001-0000", "000000000002-0000"], "each event posted once, under its own id");
}

#[tokio::test]
async fn an_empty_batch_answers_no_failure_and_a_batch_that_is_not_sqs_is_an_error() {
    let (url, _) = receiver().await;
    assert_eq!(deliver_batch(state(&url), json!({"Records": []})).await.unwrap(), json!({"batchItemFailures": []}));
    assert!(deliver_batch(state(&url), json!({"Records": "nope"})).await.is_err());
}
