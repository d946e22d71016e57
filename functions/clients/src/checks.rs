//! The two identity checks as outcomes, with the verification lockout kept in the shared store so
//! every instance agrees.

use shared::ApiError;
use shared::clock::now_secs;
use shared::ids::ServiceId;
use shared::store::{Store, StoreError};
use shared::wisphub::WispHub;

use crate::client::Client;
use crate::directory::Directory;
use crate::identity::{Claim, Field, MIN_FIELDS, PlanPrices, distinct_people, full_matches, matched_fields};

/// Failed verifications of one service allowed per window, and the window (and lockout) length.
const MAX_FAILED_VERIFICATIONS: u64 = 5;
const VERIFY_WINDOW_SECS: u64 = 15 * 60;

/// What resolving a claim found (docs/api.md §4.1).
#[derive(Debug, PartialEq)]
pub enum Resolution {
    /// Fewer than 3 fields given; nothing was looked up.
    TooFewFields,
    NoMatch,
    /// One person: their first matching service, and the ids of all of them.
    Identified {
        client: Box<Client>,
        service_ids: Vec<i64>,
        /// How old the directory snapshot searched was.
        snapshot_age_secs: u64,
    },
    /// Several people match every given field.
    Ambiguous,
}

/// What verifying a claim against one service found (docs/api.md §4.2).
#[derive(Debug, PartialEq)]
pub enum Verification {
    /// Fewer than 3 fields given; nothing was looked up.
    TooFewFields,
    /// Too many failures lately: refused for this many more seconds.
    LockedOut {
        retry_after_secs: u64,
    },
    UnknownClient,
    /// Every given field matched (sorted).
    Verified {
        matched: Vec<Field>,
    },
    /// Some given field did not match; the ones that did (sorted). Counts towards the lockout.
    Mismatch {
        matched: Vec<Field>,
    },
}

/// The one person matching every given field.
pub async fn resolve(wisphub: &WispHub, directory: &Directory, claim: &Claim) -> Result<Resolution, ApiError> {
    if claim.fields().len() < MIN_FIELDS {
        return Ok(Resolution::TooFewFields);
    }
    let directory = directory.current().await?;
    let words = claim.search_words();
    let candidates = directory.index.containing(&words).map(|e| (&e.client, e.plan_id));
    let found = full_matches(claim, candidates, wisphub).await?;
    Ok(match distinct_people(&found) {
        0 => Resolution::NoMatch,
        1 => Resolution::Identified {
            client: Box::new(found[0].clone()),
            service_ids: found.iter().map(|c| c.service_id).collect(),
            snapshot_age_secs: directory.age_secs(),
        },
        _ => Resolution::Ambiguous,
    })
}

/// Does the claim match this service's holder? Says which fields matched, nothing else.
pub async fn verify(
    store: &dyn Store,
    wisphub: &WispHub,
    service_id: ServiceId,
    claim: &Claim,
) -> Result<Verification, ApiError> {
    let fields = claim.fields();
    if fields.len() < MIN_FIELDS {
        return Ok(Verification::TooFewFields);
    }
    let service_id = service_id.get();
    if let Some(lockout) = store.get(&lockout_key(service_id)).await? {
        return Ok(Verification::LockedOut { retry_after_secs: lockout.expires_at.saturating_sub(now_secs()) });
    }
    let Some(record) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(Verification::UnknownClient);
    };
    let plan_id = record.plan_internet.as_ref().and_then(|p| p.id);
    let mut matched =
        matched_fields(claim, &Client::from(&record), plan_id, wisphub, &mut PlanPrices::default()).await?;
    matched.sort();
    if matched.len() == fields.len() {
        return Ok(Verification::Verified { matched });
    }
    let failures = store.increment(&attempts_key(service_id), now_secs() + VERIFY_WINDOW_SECS).await?;
    if failures >= MAX_FAILED_VERIFICATIONS {
        tracing::warn!(service_id, "verification locked after repeated failures");
        match store.put_if_absent(&lockout_key(service_id), "locked", now_secs() + VERIFY_WINDOW_SECS).await {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Verification::Mismatch { matched })
}

/// The store key counting failed verifications of a service.
fn attempts_key(service_id: i64) -> String {
    format!("ATTEMPT#verify#{service_id}")
}

/// The store key of a service locked out of verification after too many failures.
fn lockout_key(service_id: i64) -> String {
    format!("LOCKOUT#verify#{service_id}")
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
