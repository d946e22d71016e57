//! Fed by the webhook queue's SQS event source (docs/api.md §16): each message is one event the
//! directory refresher recorded, posted here, signed, to `WEBHOOK_URL`. The answer names the
//! messages that failed (partial batch response), so SQS receives only those again; each one's next
//! receive is pushed out to the retry policy's wait (the first within a minute, then doubling), and
//! one that used every try moves to the dead-letter queue by the queue's redrive policy.

use futures::future::join_all;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::AppState;
use shared::events::Event;
use shared::events::queue::EventQueue;
use shared::events::webhook::{RetryPolicy, Webhook};
use shared::function::{Entry, Function, Invoked, Secret};

/// This function as the template test and the smoke test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "webhook-delivery",
    entry: Entry::Queue(deliver_batch),
    table: &[],
    secrets: &[Secret::JwtSecret, Secret::WebhookSecret],
};

/// The SQS event Lambda hands over: only what delivery reads of it.
#[derive(Debug, Deserialize)]
struct Batch {
    #[serde(rename = "Records", default)]
    records: Vec<Message>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    message_id: String,
    receipt_handle: String,
    body: String,
    #[serde(default)]
    attributes: Attributes,
}

#[derive(Debug, Default, Deserialize)]
struct Attributes {
    /// How many times SQS handed this message out, this time included.
    #[serde(rename = "ApproximateReceiveCount")]
    receive_count: Option<String>,
}

/// Posts every event of the batch at once; answers `{"batchItemFailures": [{"itemIdentifier"}]}`.
fn deliver_batch(state: AppState, batch: Value) -> Invoked {
    Box::pin(async move {
        let batch: Batch = serde_json::from_value(batch)?;
        let webhook = state.webhook.as_ref().ok_or("WEBHOOK_URL is not set")?;
        let retry = state.config.events.webhook.as_ref().map(|settings| settings.retry).unwrap_or_default();
        let queue = state.queue.as_deref();
        let tried = join_all(batch.records.iter().map(|message| deliver(webhook, queue, retry, message))).await;
        let failures: Vec<Value> =
            tried.into_iter().flatten().map(|message_id| json!({ "itemIdentifier": message_id })).collect();
        Ok(json!({ "batchItemFailures": failures }))
    })
}

/// One message: `None` when its event was delivered, else its id (SQS hands it out again).
async fn deliver(
    webhook: &Webhook,
    queue: Option<&dyn EventQueue>,
    retry: RetryPolicy,
    message: &Message,
) -> Option<String> {
    let tries = message.attributes.receive_count.as_deref().and_then(|n| n.parse().ok()).unwrap_or(1u32);
    let Ok(event) = serde_json::from_str::<Event>(&message.body) else {
        // No try will make it an event: it ends in the dead-letter queue, where it can be looked at.
        tracing::error!(message = %message.message_id, "a message that is not an event; left to the dead-letter queue");
        return Some(message.message_id.clone());
    };
    let Err(error) = webhook.deliver(&event).await else {
        tracing::info!(event = %event.id, kind = ?event.kind, tries, "webhook delivered");
        return None;
    };
    match retry.delay(tries) {
        Some(wait) => {
            tracing::warn!(event = %event.id, %error, tries, retry_in_s = wait.as_secs(), "webhook delivery failed");
            let pushed = match queue {
                Some(queue) => queue.redeliver_after(&message.receipt_handle, wait).await,
                None => Ok(()),
            };
            if let Err(e) = pushed {
                tracing::warn!(event = %event.id, error = %e, "backoff not set; the queue's own timeout applies");
            }
        }
        None => {
            tracing::error!(event = %event.id, %error, tries, "webhook delivery failed for good; the dead-letter queue keeps it")
        }
    }
    Some(message.message_id.clone())
}

#[cfg(test)]
mod tests;
