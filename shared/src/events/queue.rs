//! The webhook queue port: where a recorded event waits for its delivery, so the refresh hands it
//! over and never waits for the tenant's URL. Adapters: in-process (`local`, delivering with the
//! retry policy itself) and SQS when deployed (`sqs`, drained by the delivery function).

use std::time::Duration;

use async_trait::async_trait;

use super::Event;

/// Takes events for delivery, and brings a failed one back later.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Hands `events` over; returns once the queue holds them, never after their delivery.
    async fn send(&self, events: &[Event]) -> Result<(), QueueError>;

    /// Brings back the received message `receipt` (one whose delivery failed) no sooner than
    /// `wait` from now: the backoff of a queue that redelivers what its consumer did not finish.
    /// A queue that retries by itself has nothing to do.
    async fn redeliver_after(&self, receipt: &str, wait: Duration) -> Result<(), QueueError> {
        let _ = (receipt, wait);
        Ok(())
    }
}

/// Why the queue did not do what it was asked (events stay in the feed either way).
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The queue could not be reached or refused; `sent` events were taken before.
    #[error("webhook queue unavailable after {sent} events: {reason}")]
    Unavailable { sent: usize, reason: String },
}
