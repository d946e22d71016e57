//! Run by the EventBridge schedule: one refresh of the client directory snapshot per event (the
//! event itself says nothing we need). A failed walk is the invocation's error; the previous
//! snapshot stays current.

use futures::future::BoxFuture;
use serde_json::{Value, json};
use shared::AppState;
use shared::directory::refresh::{self, Refreshed};
use shared::function::{Entry, Function, JobError, Secret};
use shared::store::StoreVerb;

/// This function as the template test and the smoke test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "directory-refresh",
    entry: Entry::Scheduled(refresh_directory),
    table: &[StoreVerb::Get, StoreVerb::PutIfAbsent, StoreVerb::UpdateIfVersion, StoreVerb::DeleteIfValue],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

/// One refresh; the answer says what was published, or that another refresh holds the lease.
fn refresh_directory(state: AppState) -> BoxFuture<'static, Result<Value, JobError>> {
    Box::pin(async move {
        Ok(match refresh::refresh(&*state.store, &state.wisphub).await? {
            Refreshed::Published { pointer, clients } => {
                json!({"published": pointer.version, "clients": clients, "compressed_bytes": pointer.compressed_bytes})
            }
            Refreshed::Busy => json!({"published": null, "reason": "another refresh holds the lease"}),
        })
    })
}
