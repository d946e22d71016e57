//! The webhook queue port: where a recorded event waits for its delivery, so the refresh hands it
//! over and never waits for the tenant's URL. Adapters: in-process (`local`, delivering with the
//! retry policy itself) and SQS when deployed (`sqs`, drained by the delivery function).

use async_trait::async_trait;

use super::Event;

/// Takes events for delivery.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Hands `events` over; returns once the queue holds them, never after their delivery.
    async fn send(&self, events: &[Event]) -> Result<(), QueueError>;
}

/// Why the queue did not take events (they stay in the feed either way).
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The queue could not be reached or refused them; `sent` of them were taken before.
    #[error("webhook queue unavailable after {sent} events: {reason}")]
    Unavailable { sent: usize, reason: String },
}
