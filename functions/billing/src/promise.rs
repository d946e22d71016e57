//! "Pago el viernes, no me corten": at most one active payment promise per service and a few per
//! window, kept in the shared store because WispHub cannot list promises (its GET is a 405).
//! The service's promise book is one record updated at a known version, so concurrent requests
//! cannot together pass a limit; a promise is written into the book *before* the one WispHub POST,
//! so a POST whose answer is lost still counts, and one conversation never yields two promises.

use axum::http::{Method, StatusCode};
use chrono::{Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::ApiError;
use shared::clock::now_secs;
use shared::error::Write;
use shared::store::{Store, StoreError};
use shared::wisphub::{Payload, Route, UpstreamError, WispHub, refusal_reason};

/// Tries of read-check-write before the store is called too contended (503).
const BOOK_TRIES: usize = 5;

/// What the promise rules need from the configuration.
#[derive(Debug, Clone)]
pub struct PromiseSettings {
    pub max_days: u32,
    pub limit: u32,
    pub window_days: u32,
    pub reactivate: bool,
    pub zone: Tz,
}

/// A promise as the book keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptPromise {
    pub invoice_id: i64,
    pub promise_date: NaiveDate,
    /// Unix seconds when it was written to the book (before the POST).
    pub made_at: u64,
}

/// A service's promises within the window.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Book {
    promises: Vec<KeptPromise>,
}

/// What asking for a promise led to.
#[derive(Debug, Clone, PartialEq)]
pub enum PromiseOutcome {
    /// A promise whose date has not passed yet.
    Exists(KeptPromise),
    LimitReached {
        limit: u32,
        window_days: u32,
    },
    Created {
        invoice_id: i64,
        promise_date: NaiveDate,
        reactivation_requested: bool,
    },
    /// WispHub answered and refused; nothing was kept.
    Refused(String),
}

/// The latest date a promise may name, and whether `date` is acceptable, in the tenant's time zone.
pub fn date_window(settings: &PromiseSettings, date: NaiveDate) -> Result<(), NaiveDate> {
    let today = Utc::now().with_timezone(&settings.zone).date_naive();
    let max_date = today.checked_add_days(Days::new(settings.max_days.into())).unwrap_or(today);
    if date > today && date <= max_date { Ok(()) } else { Err(max_date) }
}

/// Records and sends a promise for `invoice_id` (the oldest pending invoice), unless the book says
/// no. The POST is sent once; an answer lost on the way leaves the promise counted (503).
pub async fn promise(
    wisphub: &WispHub,
    store: &dyn Store,
    settings: &PromiseSettings,
    service_id: i64,
    invoice_id: i64,
    promise_date: NaiveDate,
    comment: &str,
) -> Result<PromiseOutcome, ApiError> {
    let today = Utc::now().with_timezone(&settings.zone).date_naive();
    let kept = KeptPromise { invoice_id, promise_date, made_at: now_secs() };
    if let Some(refusal) = reserve(store, settings, service_id, today, &kept).await? {
        return Ok(refusal);
    }
    let body = json!({
        "id_factura": invoice_id,
        "fecha_limite": promise_date.format("%Y-%m-%d").to_string(),
        "comentarios": comment,
        "accion": u8::from(settings.reactivate),
    });
    let answer = match wisphub.send(Method::POST, &Route::PaymentPromise, Payload::Json(body)).await {
        Ok(answer) => answer,
        // The promise may exist upstream: it stays in the book, so a retry answers `exists`.
        Err(cause) if cause.may_have_happened() => return Err(lost(cause)),
        Err(e) => {
            unreserve(store, service_id, &kept).await;
            return Err(e.into());
        }
    };
    if answer.status.is_success() {
        return Ok(PromiseOutcome::Created { invoice_id, promise_date, reactivation_requested: settings.reactivate });
    }
    if answer.status.is_client_error() && answer.status != StatusCode::TOO_MANY_REQUESTS {
        unreserve(store, service_id, &kept).await;
        return Ok(PromiseOutcome::Refused(refusal_reason(&answer.body)));
    }
    // A 5xx may come from a gateway after WispHub did the work: counted, like a lost answer.
    Err(lost(UpstreamError::BadStatus(answer.status.as_u16())))
}

fn lost(cause: UpstreamError) -> ApiError {
    ApiError::OutcomeUnknown { write: Write::PaymentPromise, cause }
}

/// Writes `kept` into the service's book if the rules allow it; otherwise the rule that says no.
async fn reserve(
    store: &dyn Store,
    settings: &PromiseSettings,
    service_id: i64,
    today: NaiveDate,
    kept: &KeptPromise,
) -> Result<Option<PromiseOutcome>, ApiError> {
    let key = book_key(service_id);
    let window_secs = u64::from(settings.window_days) * 24 * 60 * 60;
    for _ in 0..BOOK_TRIES {
        let item = store.get(&key).await?;
        let mut book: Book = match &item {
            Some(item) => serde_json::from_str(&item.value).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => Book::default(),
        };
        book.promises.retain(|p| p.made_at + window_secs > kept.made_at);
        if let Some(active) = book.promises.iter().find(|p| p.promise_date >= today) {
            return Ok(Some(PromiseOutcome::Exists(active.clone())));
        }
        if book.promises.len() >= settings.limit as usize {
            let (limit, window_days) = (settings.limit, settings.window_days);
            return Ok(Some(PromiseOutcome::LimitReached { limit, window_days }));
        }
        book.promises.push(kept.clone());
        let value = serde_json::to_string(&book).map_err(|e| ApiError::Internal(format!("a promise book: {e}")))?;
        let expires_at = kept.made_at + window_secs;
        let written = match &item {
            Some(item) => store.update_if_version(&key, item.version, &value, expires_at).await,
            None => store.put_if_absent(&key, &value, expires_at).await,
        };
        match written {
            Ok(()) => return Ok(None),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Unavailable("the promise book is too contended".into()).into())
}

/// Takes back a promise WispHub certainly did not make. A failure here only leaves it counted
/// until the window passes, which errs on the side of never promising twice.
async fn unreserve(store: &dyn Store, service_id: i64, kept: &KeptPromise) {
    let key = book_key(service_id);
    for _ in 0..BOOK_TRIES {
        let Ok(Some(item)) = store.get(&key).await else { return };
        let Ok(mut book) = serde_json::from_str::<Book>(&item.value) else { return };
        book.promises.retain(|p| p != kept);
        let Ok(value) = serde_json::to_string(&book) else { return };
        match store.update_if_version(&key, item.version, &value, item.expires_at).await {
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "a refused promise stays counted until its window passes");
                return;
            }
            Ok(()) => return,
        }
    }
}

/// The store key of a service's promise book.
fn book_key(service_id: i64) -> String {
    format!("PROMISES#{service_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::store::MemoryStore;

    fn settings() -> PromiseSettings {
        PromiseSettings { max_days: 5, limit: 2, window_days: 90, reactivate: true, zone: chrono_tz::America::Bogota }
    }

    fn today() -> NaiveDate {
        Utc::now().with_timezone(&chrono_tz::America::Bogota).date_naive()
    }

    #[test]
    fn the_date_runs_from_tomorrow_to_the_maximum() {
        let day = |n: u64| today().checked_add_days(Days::new(n)).unwrap();
        assert_eq!(date_window(&settings(), today()), Err(day(5)));
        assert!(date_window(&settings(), day(1)).is_ok() && date_window(&settings(), day(5)).is_ok());
        assert_eq!(date_window(&settings(), day(6)), Err(day(5)));
    }

    #[tokio::test]
    async fn an_active_promise_then_the_window_limit_hold_in_the_book() {
        let store = MemoryStore::new();
        let (settings, now) = (settings(), now_secs());
        let date = |n: u64| today().checked_add_days(Days::new(n)).unwrap();
        let first = KeptPromise { invoice_id: 1, promise_date: date(2), made_at: now };
        assert_eq!(reserve(&store, &settings, 7, today(), &first).await.unwrap(), None);
        let second = KeptPromise { invoice_id: 1, promise_date: date(3), made_at: now };
        let exists = reserve(&store, &settings, 7, today(), &second).await.unwrap();
        assert_eq!(exists, Some(PromiseOutcome::Exists(first.clone())));
        // Once the first promise's date has passed, a second is allowed; a third is over the limit.
        let later = date(10);
        assert_eq!(reserve(&store, &settings, 7, later, &second).await.unwrap(), None);
        let third = KeptPromise { invoice_id: 1, promise_date: date(40), made_at: now };
        let limited = reserve(&store, &settings, 7, date(30), &third).await.unwrap();
        assert_eq!(limited, Some(PromiseOutcome::LimitReached { limit: 2, window_days: 90 }));
        unreserve(&store, 7, &second).await;
        assert_eq!(
            reserve(&store, &settings, 7, date(30), &third).await.unwrap(),
            None,
            "a taken-back promise frees its slot"
        );
    }
}
