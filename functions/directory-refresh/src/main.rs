//! Run by the EventBridge schedule: one refresh of the client directory snapshot per event (the
//! event itself says nothing we need). A failed walk is the invocation's error; the previous
//! snapshot stays current.

use serde_json::json;
use shared::config::Need;
use shared::directory::refresh::{self, Refreshed};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::startup::run_scheduled(&[Need::WispHubKey, Need::Table], |state| async move {
        Ok(match refresh::refresh(&*state.store, &state.wisphub).await? {
            Refreshed::Published { pointer, clients } => {
                json!({"published": pointer.version, "clients": clients, "compressed_bytes": pointer.compressed_bytes})
            }
            Refreshed::Busy => json!({"published": null, "reason": "another refresh holds the lease"}),
        })
    })
    .await
}
