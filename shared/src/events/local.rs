//! The in-process webhook queue (local runs and tests): each event is posted from a task of its
//! own and tried again on the retry policy's schedule, as SQS and the delivery function do when
//! deployed. What still fails at the end of the window is kept as failed (and logged); a process
//! that stops loses what it had not delivered yet.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::Semaphore;

use super::queue::{EventQueue, QueueError};
use super::webhook::{RetryPolicy, Webhook};
use super::{Event, EventId};

/// Posts in flight at once, so a burst of events never floods the receiver.
const IN_FLIGHT: usize = 4;

/// The queue in this process; clones share it.
#[derive(Clone)]
pub struct LocalQueue {
    inner: Arc<Inner>,
}

struct Inner {
    webhook: Webhook,
    retry: RetryPolicy,
    posting: Semaphore,
    failed: Mutex<Vec<EventId>>,
}

impl LocalQueue {
    /// A queue posting through `webhook`, retrying on `retry`'s schedule.
    pub fn new(webhook: Webhook, retry: RetryPolicy) -> Self {
        let inner = Inner { webhook, retry, posting: Semaphore::new(IN_FLIGHT), failed: Mutex::new(Vec::new()) };
        LocalQueue { inner: Arc::new(inner) }
    }

    /// Events whose every try failed, oldest first.
    pub fn failed(&self) -> Vec<EventId> {
        self.inner.failed.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl EventQueue for LocalQueue {
    async fn send(&self, events: &[Event]) -> Result<(), QueueError> {
        for event in events {
            tokio::spawn(self.inner.clone().deliver(event.clone()));
        }
        Ok(())
    }
}

impl Inner {
    async fn deliver(self: Arc<Self>, event: Event) {
        let mut failures = 0;
        loop {
            let tried = match self.posting.acquire().await {
                Ok(_permit) => self.webhook.deliver(&event).await,
                Err(_) => return,
            };
            let Err(error) = tried else {
                tracing::info!(event = %event.id, kind = ?event.kind, tries = failures + 1, "webhook delivered");
                return;
            };
            failures += 1;
            let Some(wait) = self.retry.delay(failures) else {
                tracing::error!(event = %event.id, %error, tries = failures, "webhook delivery failed for good; kept as failed");
                self.failed.lock().unwrap_or_else(|p| p.into_inner()).push(event.id);
                return;
            };
            tracing::warn!(event = %event.id, %error, retry_in_ms = wait.as_millis() as u64, "webhook delivery failed");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::SecretString;

    use super::*;
    use crate::events::webhook::WebhookSettings;
    use crate::events::{EventData, EventType, ServiceData};

    #[tokio::test]
    async fn an_event_no_try_delivers_is_kept_as_failed_at_the_end_of_the_window() {
        // A port nobody listens on: every try is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let retry = RetryPolicy { first: Duration::from_millis(20), window: Duration::from_millis(50) };
        let settings = WebhookSettings {
            url: format!("http://127.0.0.1:{port}/hook"),
            secret: SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            timeout: Duration::from_secs(1),
            retry,
        };
        let queue = LocalQueue::new(Webhook::new(&settings).unwrap(), retry);
        let event = Event {
            id: EventId { batch: 7, index: 1 },
            kind: EventType::BillingSettled,
            occurred_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            data: EventData::Service(ServiceData { service_id: 1001 }),
        };

        let started = std::time::Instant::now();
        queue.send(std::slice::from_ref(&event)).await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(20), "sending does not wait for the delivery");
        while queue.failed().is_empty() && started.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        assert_eq!(queue.failed(), [event.id]);
        assert!(started.elapsed() >= Duration::from_millis(50), "tried until the window ended");
    }
}
