//! `AppState`: what every handler can reach, built once per process.

use std::sync::Arc;

use crate::auth::Tokens;
use crate::config::{Config, ConfigError};
use crate::events::LocalQueue;
use crate::events::queue::EventQueue;
use crate::events::webhook::Webhook;
use crate::store::Store;
use crate::verification::Proofs;
use crate::wisphub::{WispHub, WispHubSettings};

/// Configuration, the shared store, the WispHub client and the token keys; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub wisphub: WispHub,
    pub tokens: Arc<Tokens>,
    /// Issues and checks the verification proofs of docs/api.md §10.
    pub proofs: Arc<Proofs>,
    /// Posts events to `WEBHOOK_URL`, signed (when one is configured).
    pub webhook: Option<Webhook>,
    /// Where recorded events wait for their delivery: in-process here, SQS when deployed
    /// (`startup` swaps it in).
    pub queue: Option<Arc<dyn EventQueue>>,
}

impl AppState {
    /// Builds the WispHub client and token keys once from `config`, around `store`.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Result<Self, ConfigError> {
        let unbuildable = |reason| ConfigError::Unbuildable { what: "the webhook client", reason };
        let webhook = config.events.webhook.as_ref().map(Webhook::new).transpose().map_err(unbuildable)?;
        let queue = match (&webhook, &config.events.webhook) {
            (Some(webhook), Some(settings)) => {
                Some(Arc::new(LocalQueue::new(webhook.clone(), settings.retry)) as Arc<dyn EventQueue>)
            }
            _ => None,
        };
        Ok(AppState {
            webhook,
            queue,
            wisphub: WispHub::new(WispHubSettings::from_config(&config))?,
            tokens: Arc::new(Tokens::from_config(&config)),
            proofs: Arc::new(Proofs::from_config(&config)),
            config: Arc::new(config),
            store,
        })
    }
}
