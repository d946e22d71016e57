//! Run by the EventBridge schedule: one refresh of the client directory snapshot per event (the
//! event itself says nothing we need), recording what changed since the previous version as
//! events (docs/api.md §16). A failed walk is the invocation's error; the previous snapshot stays
//! current and nothing is recorded.

use futures::future::BoxFuture;
use serde_json::{Value, json};
use shared::AppState;
use shared::directory::refresh::{self, Changes, Refreshed};
use shared::events::Recorder;
use shared::function::{Entry, Function, Job, JobError, Secret};
use shared::store::StoreVerb;

/// This function as the template test and the smoke test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "directory-refresh",
    entry: Entry::Scheduled(Job { run: refresh_directory, sends_events: true }),
    // The lease, the chunks and the pointer; the previous version's chunks (get_many) to compare
    // with; the event log's counter (increment), batches and index.
    table: &[
        StoreVerb::Get,
        StoreVerb::GetMany,
        StoreVerb::PutIfAbsent,
        StoreVerb::UpdateIfVersion,
        StoreVerb::DeleteIfValue,
        StoreVerb::Increment,
    ],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

/// One refresh; the answer says what was published and how many events it recorded, or that
/// another refresh holds the lease.
fn refresh_directory(state: AppState) -> BoxFuture<'static, Result<Value, JobError>> {
    Box::pin(async move {
        let recorder = Recorder::of(&state);
        Ok(match refresh::refresh(&*state.store, &state.wisphub, Changes::Record(&recorder)).await? {
            Refreshed::Published { pointer, clients, events } => json!({"published": pointer.version,
                "clients": clients, "compressed_bytes": pointer.compressed_bytes, "events": events}),
            Refreshed::Busy => json!({"published": null, "reason": "another refresh holds the lease"}),
        })
    })
}
