//! The webhook queue on SQS (deployed): the refresher sends each event as one message (ten per
//! call), and the delivery function, fed by the queue's event source, pushes a failed message's
//! next receive out to the retry policy's wait. The queue's redrive policy moves a message that
//! used every try to the dead-letter queue, where it is kept as failed.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use super::Event;
use super::queue::{EventQueue, QueueError};

/// SendMessageBatch's limit on messages per call.
const PER_CALL: usize = 10;
/// SQS's longest visibility timeout (12 h): a longer wait is cut to it.
const MAX_WAIT: Duration = Duration::from_secs(12 * 3600);

/// The queue `WEBHOOK_QUEUE_URL` names.
#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    /// Builds a client from the default AWS configuration (`AWS_ENDPOINT_URL_SQS` points it
    /// elsewhere) for the queue at `url`.
    pub async fn connect(url: String) -> Self {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        SqsQueue { client: Client::new(&config), url }
    }
}

fn unavailable(sent: usize, call: &str, error: &impl ProvideErrorMetadata) -> QueueError {
    QueueError::Unavailable { sent, reason: format!("{call}: {}", error.code().unwrap_or("no error code")) }
}

#[async_trait]
impl EventQueue for SqsQueue {
    async fn send(&self, events: &[Event]) -> Result<(), QueueError> {
        let mut sent = 0;
        for chunk in events.chunks(PER_CALL) {
            let entries = chunk
                .iter()
                .map(|event| {
                    let body = serde_json::to_string(event).map_err(|e| e.to_string())?;
                    // An event id (digits and a hyphen) is a valid batch entry id.
                    SendMessageBatchRequestEntry::builder()
                        .id(event.id.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<_>, String>>()
                .map_err(|reason| QueueError::Unavailable { sent, reason })?;
            let answer = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| unavailable(sent, "send_message_batch", &e))?;
            if let Some(refused) = answer.failed().first() {
                let reason = format!("{} of {} refused ({})", answer.failed().len(), chunk.len(), refused.code());
                return Err(QueueError::Unavailable { sent: sent + answer.successful().len(), reason });
            }
            sent += chunk.len();
        }
        Ok(())
    }

    async fn redeliver_after(&self, receipt: &str, wait: Duration) -> Result<(), QueueError> {
        let seconds = wait.min(MAX_WAIT).as_secs().max(1) as i32;
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(0, "change_message_visibility", &e))
    }
}
