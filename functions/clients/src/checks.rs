//! The two identity checks as the API answers them, with the verification lockout kept in the
//! shared store so every instance agrees.

use serde_json::json;
use shared::auth::now_secs;
use shared::envelope::CLIENT_NOT_FOUND;
use shared::store::{StoreError, keys};
use shared::{Action, ApiError, Reply};

use crate::ClientsState;
use crate::client::Client;
use crate::identity::{Claim, MIN_FIELDS, PlanPrices, distinct_people, full_matches, matched_fields};

/// Failed verifications of one service allowed per window, and the window (and lockout) length.
const MAX_FAILED_VERIFICATIONS: u64 = 5;
const VERIFY_WINDOW_SECS: u64 = 15 * 60;

/// API.md §4.1: the one person matching every given field.
pub async fn resolve(state: &ClientsState, claim: Claim) -> Result<Reply, ApiError> {
    if claim.fields().len() < MIN_FIELDS {
        return Ok(Reply::failure(
            Action::ClientVerificationFailed,
            "Se requieren al menos 3 campos para resolver la identidad (nombre, dirección, plan, precio).",
        ));
    }
    let wisphub = &state.app.wisphub;
    let directory = state.directory.current().await?;
    let words = claim.search_words();
    let candidates = directory.index.containing(&words).map(|e| (&e.client, e.plan_id));
    let found = full_matches(&claim, candidates, wisphub).await?;
    Ok(match distinct_people(&found) {
        0 => Reply::failure(Action::ClientNotFound, "Ningún cliente coincide con todos los datos proporcionados."),
        1 => {
            let service_ids: Vec<i64> = found.iter().map(|c| c.service_id).collect();
            Reply::success(Action::ClientVerified, found[0])
                .with_message("Cliente identificado y verificado exitosamente.")
                .with_meta(json!({ "service_ids": service_ids, "snapshot_age_secs": directory.age_secs() }))
        }
        _ => Reply::failure(Action::ClientAmbiguous, "Varios clientes coinciden; se necesita otro dato."),
    })
}

/// API.md §4.2: does the claim match this service's holder? Says which fields matched, nothing else.
pub async fn verify(state: &ClientsState, service_id: i64, claim: Claim) -> Result<Reply, ApiError> {
    let fields = claim.fields();
    if fields.len() < MIN_FIELDS {
        return Ok(Reply::failure(
            Action::ClientVerificationFailed,
            "Se requieren al menos 3 campos para verificar la identidad (nombre, dirección, plan, precio).",
        ));
    }
    let store = &state.app.store;
    if let Some(lockout) = store.get(&keys::verify_lockout(service_id)).await? {
        return Err(ApiError::TooManyAttempts { retry_after_secs: lockout.expires_at.saturating_sub(now_secs()) });
    }
    let wisphub = &state.app.wisphub;
    let Some(record) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(Reply::failure(Action::ClientNotFound, CLIENT_NOT_FOUND));
    };
    let plan_id = record.plan_internet.as_ref().and_then(|p| p.id);
    let mut matched =
        matched_fields(&claim, &Client::from(&record), plan_id, wisphub, &mut PlanPrices::default()).await?;
    matched.sort();
    let is_valid = matched.len() == fields.len();
    let data = json!({ "is_valid": is_valid, "matched_fields": matched });
    if is_valid {
        return Ok(Reply::success(Action::ClientVerified, data).with_message("Identidad validada de manera exitosa."));
    }
    let failures = store.increment(&keys::verify_attempts(service_id), now_secs() + VERIFY_WINDOW_SECS).await?;
    if failures >= MAX_FAILED_VERIFICATIONS {
        tracing::warn!(service_id, "verification locked after repeated failures");
        match store.put_if_absent(&keys::verify_lockout(service_id), "locked", now_secs() + VERIFY_WINDOW_SECS).await {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Reply::success(Action::ClientVerificationFailed, data)
        .with_message("Los datos proporcionados no coinciden con la información registrada."))
}
