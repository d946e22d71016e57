//! How a sandbox is set up: its key, its size, its seed and how badly it behaves.

use std::time::Duration;

use crate::faults::Faults;

/// The key the sandbox accepts unless told otherwise (WispHub shape: 8 chars, a dot, 32 chars).
pub const DEFAULT_API_KEY: &str = "sandbox0.sandboxkey0000000000000000000000";

/// What a sandbox serves and how badly it behaves.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The only key answered with data; anything else gets 403.
    pub api_key: String,
    /// Total client records: the 9 demo records, then generated ones from 2001 upward.
    pub clients: usize,
    /// Drives the generator and the fault dice.
    pub seed: u64,
    /// How long a ping task runs before its final state (WispHub's take a few seconds).
    pub ping_run_time: Duration,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_string(),
            clients: 60,
            seed: 7,
            ping_run_time: Duration::from_millis(1500),
            faults: Faults::default(),
        }
    }
}
