//! `Idempotency-Key` as a small state machine in the shared store, for every write a bot may
//! repeat (tickets, payment promises). A request claims the key (`Running`, with a lease), then
//! keeps its outcome for 24 h (`Done`, replayed to every later duplicate). When the write's POST
//! left but its answer was lost (`ApiError::OutcomeUnknown`), the key keeps the attempt `A` as
//! `Unknown`: the retry that takes it over can look for what that POST made before writing again.
//! An error before any POST frees the key, so a retry simply runs.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::now_secs;
use crate::envelope::{Reply, envelope_response};
use crate::error::ApiError;
use crate::ids::IdempotencyKey;
use crate::store::claim::{self, Claimed};
use crate::store::{Item, Store, StoreError};

/// What an attempt keeps about itself for a retry after a lost answer (the ticket's service,
/// subject and description fingerprint, say).
pub trait Attempt: Serialize + DeserializeOwned + Clone + Send + Sync {}

impl<T: Serialize + DeserializeOwned + Clone + Send + Sync> Attempt for T {}

const KEEP_OUTCOME: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", bound = "A: Attempt")]
enum Record<A> {
    /// A request is working on the key until `lease_until`; past it the holder died mid-way
    /// (its POST may have left), which reads as `Unknown`.
    Running {
        attempt: A,
        lease_until: u64,
    },
    /// The POST left and no answer came back: what it writes may exist.
    Unknown {
        attempt: A,
    },
    Done {
        envelope: Value,
    },
}

/// What a request holding a key should do.
enum Begin<A> {
    /// This request owns a fresh key: write, then `finish`.
    Started(Claim<A>),
    /// This request took over a key whose earlier POST got no answer: look for what it made
    /// first (the earlier attempt), write only if WispHub has nothing, then `finish`.
    Recover(Claim<A>, A),
    /// An earlier request with this key finished: answer its envelope again.
    Replay(Value),
}

/// The claim of a request that owns its key, at the record version it wrote. A request dropped
/// mid-way leaves the record to its lease rather than deleting it: the POST may already have left.
pub struct Claim<A> {
    store: Arc<dyn Store>,
    key: String,
    /// The running record this request wrote: a release frees the key only while it still holds it.
    running: String,
    version: u64,
    attempt: A,
    /// An earlier attempt's POST may have made its write: the key is never simply freed.
    after_lost_answer: bool,
}

/// Answers a write at most once per `key` of `caller`: a duplicate gets the kept answer again, a
/// retry that takes over a lost attempt runs `work(Some(earlier))` so it can look for what that
/// attempt made, and a fresh key (or none) runs `work(None)`. The outcome is kept as `finish` says.
pub async fn answer_once<A: Attempt>(
    store: &Arc<dyn Store>,
    caller: &str,
    key: Option<IdempotencyKey>,
    attempt: A,
    lease: Duration,
    work: impl AsyncFnOnce(Option<A>) -> Result<Reply, ApiError>,
) -> Result<Response, ApiError> {
    let Some(key) = key else {
        return Ok(work(None).await?.into_response());
    };
    let (claim, earlier) = match begin(store, caller, &key, attempt, lease).await? {
        Begin::Replay(envelope) => return Ok(replay(envelope)),
        Begin::Started(claim) => (claim, None),
        Begin::Recover(claim, earlier) => (claim, Some(earlier)),
    };
    let outcome = work(earlier).await;
    claim.finish(&outcome).await;
    Ok(outcome?.into_response())
}

/// Claims `key` for `caller`; a duplicate still running is a 409.
async fn begin<A: Attempt>(
    store: &Arc<dyn Store>,
    caller: &str,
    key: &IdempotencyKey,
    attempt: A,
    lease: Duration,
) -> Result<Begin<A>, ApiError> {
    let record_key = key.record_key(caller);
    let running =
        |attempt: &A| encode(&Record::Running { attempt: attempt.clone(), lease_until: now_secs() + lease.as_secs() });
    let mine = running(&attempt)?;
    let item = match claim::claim(&**store, &record_key, &mine, keep_until()).await? {
        Claimed::Taken => {
            let claim = Claim {
                store: store.clone(),
                key: record_key,
                running: mine,
                version: 1,
                attempt,
                after_lost_answer: false,
            };
            return Ok(Begin::Started(claim));
        }
        Claimed::HeldBy(item) => item,
        Claimed::Contended => return Err(ApiError::RequestInProgress),
    };
    let earlier = match decode(&item)? {
        Record::Done { envelope } => return Ok(Begin::Replay(envelope)),
        Record::Running { lease_until, .. } if lease_until > now_secs() => return Err(ApiError::RequestInProgress),
        Record::Running { attempt, .. } | Record::Unknown { attempt } => attempt,
    };
    // Only one retry at a time takes over a lost attempt; the others see it running.
    let taken_over = running(&earlier)?;
    match store.update_if_version(&record_key, item.version, &taken_over, keep_until()).await {
        Ok(()) => {
            let claim = Claim {
                store: store.clone(),
                key: record_key,
                running: taken_over,
                version: item.version + 1,
                attempt: earlier.clone(),
                after_lost_answer: true,
            };
            Ok(Begin::Recover(claim, earlier))
        }
        Err(StoreError::ConditionFailed) => Err(ApiError::RequestInProgress),
        Err(e) => Err(e.into()),
    }
}

impl<A: Attempt> Claim<A> {
    /// A business outcome is kept for 24 h. A lost answer (now or in an earlier attempt) keeps the
    /// attempt for the retry to look up; any other error frees the key so the caller can retry.
    async fn finish(self, outcome: &Result<Reply, ApiError>) {
        let settled = match outcome {
            Ok(reply) => self.keep(reply).await,
            Err(ApiError::OutcomeUnknown { .. }) => self.keep_unknown().await,
            Err(_) if self.after_lost_answer => self.keep_unknown().await,
            Err(_) => claim::release(&*self.store, &self.key, &self.running).await,
        };
        if let Err(e) = settled {
            // The outcome is answered anyway. The running record then ends with its lease and reads
            // as unknown, so a duplicate still looks for the write rather than making a second.
            tracing::error!(error = %e, "could not settle an idempotency record");
        }
    }

    async fn keep(&self, reply: &Reply) -> Result<(), StoreError> {
        let unencodable = |_| StoreError::Corrupt("IDEM item: outcome not encodable".into());
        let envelope = serde_json::to_value(reply.envelope()).map_err(unencodable)?;
        self.write(&Record::Done { envelope }).await
    }

    async fn keep_unknown(&self) -> Result<(), StoreError> {
        self.write(&Record::Unknown { attempt: self.attempt.clone() }).await
    }

    async fn write(&self, record: &Record<A>) -> Result<(), StoreError> {
        let value =
            serde_json::to_string(record).map_err(|_| StoreError::Corrupt("IDEM item: record not encodable".into()))?;
        self.store.update_if_version(&self.key, self.version, &value, keep_until()).await
    }
}

fn keep_until() -> u64 {
    now_secs() + KEEP_OUTCOME.as_secs()
}

fn decode<A: Attempt>(item: &Item) -> Result<Record<A>, ApiError> {
    serde_json::from_str(&item.value).map_err(|_| StoreError::Corrupt("IDEM item: unreadable state".into()).into())
}

/// A stored envelope answered again, marked so a caller can tell it from a fresh outcome.
fn replay(envelope: Value) -> Response {
    let mut response = envelope_response(StatusCode::OK, envelope);
    response.headers_mut().insert(HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true"));
    response
}

fn encode<A: Attempt>(record: &Record<A>) -> Result<String, ApiError> {
    serde_json::to_string(record).map_err(|e| ApiError::Internal(format!("encoding an idempotency record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Action;
    use crate::store::MemoryStore;

    /// Any serializable value serves as an attempt.
    fn attempt() -> String {
        "ticket 1004: Internet Lento".to_owned()
    }

    #[tokio::test]
    async fn a_running_key_is_409_a_finished_one_replays_and_an_error_frees_it() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let key = IdempotencyKey::parse("msg-1").unwrap();
        let lease = Duration::from_secs(15);
        let begin = |key| begin(&store, "bot", key, attempt(), lease);
        let Begin::Started(claim) = begin(&key).await.unwrap() else { panic!("first claims") };
        assert!(matches!(begin(&key).await, Err(ApiError::RequestInProgress)));
        claim.finish(&Ok(Reply::success(Action::TicketCreated, serde_json::json!({"ticket_id": 9})))).await;
        let Begin::Replay(envelope) = begin(&key).await.unwrap() else { panic!("replays") };
        assert_eq!(envelope["data"]["ticket_id"], 9);

        let other = IdempotencyKey::parse("msg-2").unwrap();
        let Begin::Started(claim) = begin(&other).await.unwrap() else { panic!("claims") };
        claim.finish(&Err(ApiError::invalid("subject", "x"))).await;
        assert!(matches!(begin(&other).await, Ok(Begin::Started(_))));
    }

    #[tokio::test]
    async fn a_lost_answer_keeps_the_attempt_for_one_retry_to_look_up() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let key = IdempotencyKey::parse("msg-3").unwrap();
        let lease = Duration::from_secs(15);
        let first = "ticket 1: otro".to_owned();
        let Begin::Started(claim) = begin(&store, "bot", &key, first.clone(), lease).await.unwrap() else {
            panic!("first claims")
        };
        let begin = || begin(&store, "bot", &key, attempt(), lease);
        let cause = crate::wisphub::UpstreamError::Timeout;
        claim.finish(&Err(ApiError::OutcomeUnknown { write: crate::error::Write::Ticket, cause })).await;

        let Begin::Recover(claim, earlier) = begin().await.unwrap() else { panic!("the retry recovers") };
        assert_eq!(earlier, first, "the first attempt is what gets looked up");
        assert!(matches!(begin().await, Err(ApiError::RequestInProgress)), "one recovery at a time");
        // A recovery that fails again (WispHub still away) never frees the key.
        claim.finish(&Err(ApiError::invalid("zone_id", "x"))).await;
        assert!(matches!(begin().await, Ok(Begin::Recover(..))));
    }

    #[tokio::test]
    async fn a_holder_that_died_past_its_lease_reads_as_a_lost_answer() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let key = IdempotencyKey::parse("msg-4").unwrap();
        let Begin::Started(claim) = begin(&store, "bot", &key, attempt(), Duration::ZERO).await.unwrap() else {
            panic!("claims")
        };
        drop(claim);
        let next = begin(&store, "bot", &key, attempt(), Duration::from_secs(15)).await.unwrap();
        assert!(matches!(next, Begin::Recover(_, earlier) if earlier == attempt()));
    }
}
