//! One delivery of an event to the tenant's webhook URL, signed by the Standard Webhooks scheme
//! (the `standardwebhooks` crate signs; any of its verifiers checks), and the retry policy every
//! queue applies: the first retry within a minute, then doubling, for up to a day.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::Event;
use crate::clock::now_secs;

/// Where and how events are posted (`WEBHOOK_URL`, `WEBHOOK_SECRET`, timings).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub url: String,
    /// `whsec_` + base64 of the key, as Standard Webhooks spells it.
    pub secret: SecretString,
    /// One POST's timeout: no answer within it counts as a failure.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// When a failed delivery is tried again: `first` after the first failure, then twice as long
/// each time, the last wait cut so no retry comes later than `window` after the first failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first: Duration,
    pub window: Duration,
}

impl Default for RetryPolicy {
    /// The deployed policy: the first retry after 30 s, the last within 24 h.
    fn default() -> Self {
        RetryPolicy { first: Duration::from_secs(30), window: Duration::from_secs(24 * 3600) }
    }
}

impl RetryPolicy {
    /// The wait before the next try after `failures` failed ones; `None` once the window is used
    /// up (the event is then kept as failed).
    pub fn delay(&self, failures: u32) -> Option<Duration> {
        let mut waited = Duration::ZERO;
        let mut wait = self.first.max(Duration::from_millis(1));
        for _ in 1..failures {
            waited = waited.saturating_add(wait);
            wait = wait.saturating_mul(2);
        }
        let left = self.window.saturating_sub(waited);
        (!left.is_zero() && failures > 0).then(|| wait.min(left))
    }

    /// How many tries an event gets in all, the first included.
    pub fn attempts(&self) -> u32 {
        (1..).find(|failures| self.delay(*failures).is_none()).unwrap_or(1)
    }
}

/// Why one POST did not deliver an event.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The receiver answered, but not with a 2xx.
    #[error("the receiver answered {0}")]
    Refused(u16),
    /// No answer within the timeout, or no connection.
    #[error("no answer from the receiver: {0}")]
    Unreachable(String),
}

/// Posts events to the tenant's URL, each signed; built once, cloned freely.
#[derive(Clone)]
pub struct Webhook {
    client: reqwest::Client,
    url: String,
    signer: Arc<standardwebhooks::Webhook>,
}

impl Webhook {
    /// A poster for `settings` (its secret already checked by the configuration).
    pub fn new(settings: &WebhookSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("wisphub-api-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let signer = standardwebhooks::Webhook::new(settings.secret.expose_secret()).map_err(|e| e.to_string())?;
        Ok(Webhook { client, url: settings.url.clone(), signer: Arc::new(signer) })
    }

    /// One POST of `event`: the body is the event object, `webhook-id` its id (the same on every
    /// retry, so receivers drop duplicates), and the signature covers id, this try's time and body.
    pub async fn deliver(&self, event: &Event) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(event).map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
        let id = event.id.to_string();
        let timestamp = now_secs() as i64;
        let signature =
            self.signer.sign(&id, timestamp, &body).map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
        let answer = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &id)
            .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string())
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            // Without the URL in the error: it may carry a token of the receiver's.
            .map_err(|e| DeliveryError::Unreachable(e.without_url().to_string()))?;
        match answer.status() {
            status if status.is_success() => Ok(()),
            status => Err(DeliveryError::Refused(status.as_u16())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_at_the_first_wait_double_and_stop_at_the_window() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=13).map_while(|failures| policy.delay(failures)).map(|d| d.as_secs()).collect();

        assert_eq!(waits[..4], [30, 60, 120, 240]);
        assert!(waits[0] <= 60, "the first retry within a minute");
        assert_eq!(waits.iter().sum::<u64>(), 24 * 3600, "the last retry a day after the first failure");
        assert_eq!(waits.len(), 12);
        assert_eq!(policy.attempts(), 13);
        assert_eq!(policy.delay(0), None);
    }

    #[test]
    fn a_short_window_allows_few_retries() {
        let policy = RetryPolicy { first: Duration::from_millis(100), window: Duration::from_millis(250) };
        let waits: Vec<Option<Duration>> = (1..=4).map(|failures| policy.delay(failures)).collect();
        assert_eq!(
            waits,
            [Some(Duration::from_millis(100)), Some(Duration::from_millis(150)), None, None],
            "100, then the 200 cut to the 150 left"
        );
        assert_eq!(policy.attempts(), 3);
    }
}
