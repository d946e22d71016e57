//! `AppState`: what every handler can reach, built once per process.

use std::sync::Arc;

use crate::auth::Tokens;
use crate::config::{Config, ConfigError};
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
}

impl AppState {
    /// Builds the WispHub client and token keys once from `config`, around `store`.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Result<Self, ConfigError> {
        Ok(AppState {
            wisphub: WispHub::new(WispHubSettings::from_config(&config))?,
            tokens: Arc::new(Tokens::from_config(&config)),
            proofs: Arc::new(Proofs::from_config(&config)),
            config: Arc::new(config),
            store,
        })
    }
}
