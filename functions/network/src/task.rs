//! Ping tasks in the shared store: at most one running ping per service, tasks under our own ids
//! (WispHub's id never leaves the store), and the verdict kept so later polls cost no upstream call.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::ApiError;
use shared::clock::{now_millis, now_secs};
use shared::outage::Outage;
use shared::store::claim::{self, Claimed};
use shared::store::{Item, Store, StoreError};
use shared::wisphub::{Payload, Route, UpstreamError, WispHub};

use crate::ping::{self, TaskState, Verdict};

/// A ping younger than this is handed back instead of starting another (docs/api.md §6).
const CLAIM_SECS: u64 = 60;
/// Task records expire a day after creation.
const TASK_SECS: u64 = 24 * 60 * 60;

/// What asking for a ping led to.
#[derive(Debug)]
pub enum Started {
    Created(String),
    AlreadyRunning(String),
    UnknownClient,
}

/// Where a task stands for the caller.
#[derive(Debug)]
pub enum Progress {
    NotFound,
    Pending,
    /// The verdict, with the general outage the client's record showed when the ping started.
    Done(Verdict, Option<Outage>),
}

/// The stored task. `wisphub_task_id` is null only while WispHub has not yet answered the POST.
#[derive(Debug, Serialize, Deserialize)]
struct TaskRecord {
    wisphub_task_id: Option<String>,
    service_id: i64,
    state: RecordState,
    verdict: Option<Verdict>,
    /// Read from the client record the start looked up anyway, so the verdict costs no extra call.
    #[serde(default)]
    outage: Option<Outage>,
    created_at: u64,
    /// Epoch ms before which WispHub is not asked about the task: a router takes seconds, and a
    /// bot polling in a tight loop should not turn into as many WispHub calls.
    #[serde(default)]
    next_check_ms: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RecordState {
    Pending,
    Done,
}

impl TaskRecord {
    fn encode(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|e| ApiError::Internal(format!("encoding a ping task: {e}")))
    }
}

/// Epoch ms `check_every` from now: the earliest next WispHub look at a task.
fn next_check_ms(check_every: Duration) -> u64 {
    now_millis() + check_every.as_millis() as u64
}

/// Starts a ping of `service_id` with `pings` echo requests, or hands back the one already running.
pub async fn start(
    store: &dyn Store,
    wisphub: &WispHub,
    service_id: i64,
    pings: u8,
    check_every: Duration,
) -> Result<Started, ApiError> {
    // Looked up before claiming, so an unknown service never blocks anything.
    let Some(client) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(Started::UnknownClient);
    };
    let task_id = uuid::Uuid::new_v4().to_string();
    if let Some(running) = claim_running_ping(store, service_id, &task_id).await? {
        return Ok(Started::AlreadyRunning(running));
    }
    let ping = Ping { service_id, pings, outage: Outage::of(&client) };
    let launched = launch(store, wisphub, ping, &task_id, check_every).await;
    if !matches!(launched, Ok(Started::Created(_))) {
        forget(store, service_id, &task_id).await;
    }
    launched
}

/// Takes the service's running-ping claim for `task_id`, or names the task holding it.
async fn claim_running_ping(store: &dyn Store, service_id: i64, task_id: &str) -> Result<Option<String>, StoreError> {
    match claim::claim(store, &running_ping_key(service_id), task_id, now_secs() + CLAIM_SECS).await? {
        Claimed::Taken => Ok(None),
        Claimed::HeldBy(holder) => Ok(Some(holder.value)),
        Claimed::Contended => Err(StoreError::Unavailable("running ping claim: too much contention".into())),
    }
}

/// The ping asked for, and what the client record said about an outage.
struct Ping {
    service_id: i64,
    pings: u8,
    outage: Option<Outage>,
}

/// Records the task, then asks WispHub. The record exists before the POST so that a duplicate
/// request, already handed this task id, can poll it as pending rather than not found.
async fn launch(
    store: &dyn Store,
    wisphub: &WispHub,
    Ping { service_id, pings, outage }: Ping,
    task_id: &str,
    check_every: Duration,
) -> Result<Started, ApiError> {
    let key = ping_task_key(task_id);
    let mut record = TaskRecord {
        wisphub_task_id: None,
        service_id,
        state: RecordState::Pending,
        verdict: None,
        outage,
        created_at: now_secs(),
        next_check_ms: 0,
    };
    // Until WispHub answers, the record lives no longer than the claim.
    store.put_if_absent(&key, &record.encode()?, record.created_at + CLAIM_SECS).await?;
    let payload = Payload::Json(json!({ "pings": pings }));
    let answer = wisphub.send(Method::POST, &Route::ClientPing(service_id), payload).await?;
    if answer.status == StatusCode::NOT_FOUND {
        return Ok(Started::UnknownClient);
    }
    if !answer.status.is_success() {
        return Err(UpstreamError::BadStatus(answer.status.as_u16()).into());
    }
    let wisphub_task_id =
        upstream_task_id(&answer.body).ok_or_else(|| UpstreamError::Garbage("a ping answer without task_id".into()))?;
    record.wisphub_task_id = Some(wisphub_task_id);
    record.next_check_ms = next_check_ms(check_every);
    store.update_if_version(&key, 1, &record.encode()?, record.created_at + TASK_SECS).await?;
    Ok(Started::Created(task_id.to_owned()))
}

fn upstream_task_id(body: &Value) -> Option<String> {
    match body.get("task_id")? {
        Value::String(id) if !id.trim().is_empty() => Some(id.trim().to_owned()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Drops a task that never started, and its claim (taken moments ago, so still ours).
async fn forget(store: &dyn Store, service_id: i64, task_id: &str) {
    let dropped = [
        store.delete(&ping_task_key(task_id)).await,
        claim::release(store, &running_ping_key(service_id), task_id).await,
    ];
    for e in dropped.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, "could not drop an unstarted ping task; it expires by itself");
    }
}

/// The task's state: the stored verdict, pending while too soon to ask again, or WispHub's answer
/// (judged and stored once final).
pub async fn poll(
    store: &dyn Store,
    wisphub: &WispHub,
    task_id: &str,
    check_every: Duration,
) -> Result<Progress, ApiError> {
    let key = ping_task_key(task_id);
    let Some((item, record)) = load(store, &key).await? else { return Ok(Progress::NotFound) };
    if let Some(verdict) = record.verdict {
        return Ok(Progress::Done(verdict, record.outage));
    }
    let Some(wisphub_task_id) = record.wisphub_task_id.clone() else { return Ok(Progress::Pending) };
    if now_millis() < record.next_check_ms {
        return Ok(Progress::Pending);
    }
    let Some(body) = wisphub.get(&Route::Task(wisphub_task_id), &[]).await? else {
        return Ok(Progress::NotFound);
    };
    let verdict = match ping::read_task(&body) {
        None => return Err(UpstreamError::Garbage("a task without status".into()).into()),
        Some(TaskState::Running) => {
            let record = TaskRecord { next_check_ms: next_check_ms(check_every), ..record };
            // Another instance may have looked at the same moment; its time serves as well as ours.
            match store.update_if_version(&key, item.version, &record.encode()?, item.expires_at).await {
                Ok(()) | Err(StoreError::ConditionFailed) => return Ok(Progress::Pending),
                Err(e) => return Err(e.into()),
            }
        }
        Some(TaskState::Finished(verdict)) => verdict,
    };
    let (service_id, outage) = (record.service_id, record.outage.clone());
    let verdict =
        keep(store, &key, &item, TaskRecord { state: RecordState::Done, verdict: Some(verdict), ..record }).await?;
    release(store, service_id, task_id).await;
    Ok(Progress::Done(verdict, outage))
}

/// The live record under `key`; an unreadable one counts as absent (and is logged).
async fn load(store: &dyn Store, key: &str) -> Result<Option<(Item, TaskRecord)>, StoreError> {
    let Some(item) = store.get(key).await? else { return Ok(None) };
    match serde_json::from_str(&item.value) {
        Ok(record) => Ok(Some((item, record))),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable ping task record treated as absent");
            Ok(None)
        }
    }
}

/// Stores the finished record. Another instance may have judged the same task first: then its
/// stored verdict is the answer, so every poller reports the same thing.
async fn keep(store: &dyn Store, key: &str, item: &Item, record: TaskRecord) -> Result<Verdict, ApiError> {
    let ours = record.verdict.clone().ok_or_else(|| ApiError::Internal("keeping a task without verdict".into()))?;
    match store.update_if_version(key, item.version, &record.encode()?, item.expires_at).await {
        Ok(()) => Ok(ours),
        Err(StoreError::ConditionFailed) => {
            let stored = load(store, key).await?.and_then(|(_, record)| record.verdict);
            Ok(stored.unwrap_or(ours))
        }
        Err(e) => Err(e.into()),
    }
}

/// Frees the service for a new ping, unless the claim already belongs to a newer task.
async fn release(store: &dyn Store, service_id: i64, task_id: &str) {
    if let Err(e) = claim::release(store, &running_ping_key(service_id), task_id).await {
        tracing::warn!(error = %e, "could not free the running-ping claim; it expires by itself");
    }
}
/// The store key of a ping task, under our own task id.
fn ping_task_key(task_id: &str) -> String {
    format!("PING#{task_id}")
}

/// The store key of the claim on the one running ping of a service.
fn running_ping_key(service_id: i64) -> String {
    format!("PINGSVC#{service_id}")
}
