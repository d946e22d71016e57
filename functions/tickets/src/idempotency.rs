//! `Idempotency-Key` as a tiny state machine in the shared store: claim in-flight → store the
//! outcome for 24 h (replayed to every later duplicate) or, on an error, drop the claim so a retry runs.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::auth::now_secs;
use shared::envelope::json_response;
use shared::store::{Store, StoreError, keys};
use shared::{ApiError, Reply};

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 200;
const KEEP_OUTCOME: Duration = Duration::from_secs(24 * 60 * 60);
/// Put-then-read can meet a record that vanished in between (finished with an error, or expired).
const CLAIM_TRIES: usize = 3;

/// A caller-chosen key: 1..=200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request's key, if it sent one; a malformed one is a 422 naming the header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let Some(raw) = headers.get(HEADER) else { return Ok(None) };
        let key = raw.to_str().ok().filter(|k| (1..=MAX_KEY_LEN).contains(&k.len()));
        match key.filter(|k| k.bytes().all(|b| b.is_ascii_graphic())) {
            Some(key) => Ok(Some(IdempotencyKey(key.to_owned()))),
            None => Err(ApiError::invalid("Idempotency-Key", "debe tener de 1 a 200 caracteres ASCII visibles")),
        }
    }

    /// Scoped to the caller, so two API users choosing the same key never see each other's tickets.
    /// The length prefix keeps `a#b` + `c` apart from `a` + `b#c`.
    fn record_key(&self, caller: &str) -> String {
        keys::idempotency(&format!("{}:{caller}:{}", caller.len(), self.0))
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InProgress,
    Done { envelope: Value },
}

/// What a request holding a key should do.
pub enum Begin {
    /// This request owns the key: run, then `finish`.
    Started(Claim),
    /// An earlier request with this key finished: answer its envelope again.
    Replay(Value),
}

/// The in-flight record of a request that owns its key. A request dropped mid-way leaves it to
/// its lease rather than deleting it: the POST may already have reached WispHub.
pub struct Claim {
    store: Arc<dyn Store>,
    key: String,
}

/// Claims `key` for `caller`; a duplicate still running is a 409.
pub async fn begin(
    store: &Arc<dyn Store>,
    caller: &str,
    key: &IdempotencyKey,
    lease: Duration,
) -> Result<Begin, ApiError> {
    let record_key = key.record_key(caller);
    let in_progress = encode(&Record::InProgress)?;
    for _ in 0..CLAIM_TRIES {
        match store.put_if_absent(&record_key, &in_progress, now_secs() + lease.as_secs()).await {
            Ok(()) => {
                return Ok(Begin::Started(Claim { store: store.clone(), key: record_key }));
            }
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(item) = store.get(&record_key).await? else { continue };
        return match serde_json::from_str(&item.value) {
            Ok(Record::InProgress) => Err(ApiError::RequestInProgress),
            Ok(Record::Done { envelope }) => Ok(Begin::Replay(envelope)),
            Err(_) => Err(StoreError::Corrupt("IDEM item: unreadable state".into()).into()),
        };
    }
    Err(ApiError::RequestInProgress)
}

impl Claim {
    /// A business outcome is kept for 24 h; an error frees the key so the caller can retry.
    pub async fn finish(self, outcome: &Result<Reply, ApiError>) {
        let settled = match outcome {
            Ok(reply) => self.keep(reply).await,
            Err(_) => self.store.delete(&self.key).await,
        };
        if let Err(e) = settled {
            // The outcome is answered anyway. The in-flight record then ends with its lease, so an
            // immediate duplicate still gets 409 rather than a second ticket.
            tracing::error!(error = %e, "could not settle an idempotency record");
        }
    }

    async fn keep(&self, reply: &Reply) -> Result<(), StoreError> {
        let unencodable = |_| StoreError::Corrupt("IDEM item: outcome not encodable".into());
        let envelope = serde_json::to_value(reply.envelope()).map_err(unencodable)?;
        let value = serde_json::to_string(&Record::Done { envelope }).map_err(unencodable)?;
        // Version 1 is the in-flight record this request wrote.
        self.store.update_if_version(&self.key, 1, &value, now_secs() + KEEP_OUTCOME.as_secs()).await
    }
}

/// A stored envelope answered again, marked so a caller can tell it from a fresh outcome.
pub fn replay(envelope: &Value) -> Response {
    let mut response = json_response(StatusCode::OK, envelope);
    response.headers_mut().insert(HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true"));
    response
}

fn encode(record: &Record) -> Result<String, ApiError> {
    serde_json::to_string(record).map_err(|e| ApiError::Internal(format!("encoding an idempotency record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Action;
    use shared::store::MemoryStore;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(value).expect("header value"));
        headers
    }

    #[test]
    fn keys_must_be_1_to_200_visible_ascii_characters() {
        assert!(IdempotencyKey::from_headers(&HeaderMap::new()).unwrap().is_none());
        assert!(IdempotencyKey::from_headers(&headers("wamid.HBgM=")).unwrap().is_some());
        for bad in ["", "con espacio", &"x".repeat(201)] {
            assert!(IdempotencyKey::from_headers(&headers(bad)).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn two_callers_with_one_key_get_two_records() {
        let key = IdempotencyKey("k".into());
        assert_ne!(key.record_key("a#b"), IdempotencyKey("b#k".into()).record_key("a"));
        assert!(key.record_key("bot").starts_with("IDEM#"));
    }

    #[tokio::test]
    async fn a_running_key_is_409_a_finished_one_replays_and_an_error_frees_it() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let key = IdempotencyKey("msg-1".into());
        let lease = Duration::from_secs(15);
        let Begin::Started(claim) = begin(&store, "bot", &key, lease).await.unwrap() else { panic!("first claims") };
        assert!(matches!(begin(&store, "bot", &key, lease).await, Err(ApiError::RequestInProgress)));
        claim.finish(&Ok(Reply::success(Action::TicketCreated, serde_json::json!({"ticket_id": 9})))).await;
        let Begin::Replay(envelope) = begin(&store, "bot", &key, lease).await.unwrap() else { panic!("replays") };
        assert_eq!(envelope["data"]["ticket_id"], 9);

        let other = IdempotencyKey("msg-2".into());
        let Begin::Started(claim) = begin(&store, "bot", &other, lease).await.unwrap() else { panic!("claims") };
        claim.finish(&Err(ApiError::invalid("subject", "x"))).await;
        assert!(matches!(begin(&store, "bot", &other, lease).await, Ok(Begin::Started(_))));
    }
}
