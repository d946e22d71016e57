//! Test wiring: the ports a domain function takes, on a fresh sandbox and an in-memory store.

use std::sync::Arc;

use shared::AppState;
use shared::config::Config;
use shared::store::MemoryStore;
use wisphub_sandbox::{Sandbox, SandboxConfig};

use crate::directory::Directory;

pub struct Ports {
    pub sandbox: Sandbox,
    pub app: AppState,
    pub directory: Directory,
}

pub async fn ports(sandbox: SandboxConfig) -> Ports {
    let sandbox = wisphub_sandbox::spawn(sandbox).await;
    let settings = [
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef".to_owned()),
        ("WISPHUB_API_URL", sandbox.url()),
        ("WISPHUB_API_KEY", sandbox.api_key().to_owned()),
    ];
    let lookup = |name: &str| settings.iter().find(|(n, _)| *n == name).map(|(_, value)| value.clone());
    let app = AppState::new(Config::from_lookup(lookup).expect("test configuration"), Arc::new(MemoryStore::new()))
        .expect("test state");
    let directory = Directory::new(&app);
    Ports { sandbox, app, directory }
}
