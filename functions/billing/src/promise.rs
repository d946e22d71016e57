//! "Pago el viernes, no me corten": at most one active payment promise per service and a few per
//! window, kept in the shared store because WispHub cannot list promises (its GET is a 405).
//! The service's promise book is one record updated at a known version, so concurrent requests
//! cannot together pass a limit; a promise is written into the book *before* the one WispHub POST,
//! so a POST whose answer is lost still counts, and one conversation never yields two promises.

use axum::http::Method;
use chrono::{Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::ApiError;
use shared::book::Book;
use shared::clock::now_secs;
use shared::error::Write;
use shared::store::Store;
use shared::wisphub::{Payload, Route, WispHub};
use shared::write_once::{Settled, send_once};

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
    let book = Book::new(store, book_key(service_id));
    let body = json!({
        "id_factura": invoice_id,
        "fecha_limite": promise_date.format("%Y-%m-%d").to_string(),
        "comentarios": comment,
        "accion": u8::from(settings.reactivate),
    });
    let post = wisphub.send(Method::POST, &Route::PaymentPromise, Payload::Json(body));
    Ok(match send_once(Write::PaymentPromise, post, async || book.take_back(&kept).await).await? {
        Settled::Done(_) => {
            PromiseOutcome::Created { invoice_id, promise_date, reactivation_requested: settings.reactivate }
        }
        Settled::Refused(reason) => PromiseOutcome::Refused(reason),
    })
}

/// Writes `kept` into the service's book if the rules allow it as of `today` (one active promise,
/// `limit` within the window); otherwise the rule that says no.
async fn reserve(
    store: &dyn Store,
    settings: &PromiseSettings,
    service_id: i64,
    today: NaiveDate,
    kept: &KeptPromise,
) -> Result<Option<PromiseOutcome>, ApiError> {
    let window_secs = u64::from(settings.window_days) * 24 * 60 * 60;
    let (limit, window_days) = (settings.limit, settings.window_days);
    Book::new(store, book_key(service_id))
        .record(kept, kept.made_at + window_secs, |promises: &mut Vec<KeptPromise>| {
            promises.retain(|p| p.made_at + window_secs > kept.made_at);
            if let Some(active) = promises.iter().find(|p| p.promise_date >= today) {
                return Some(PromiseOutcome::Exists(active.clone()));
            }
            (promises.len() >= limit as usize).then_some(PromiseOutcome::LimitReached { limit, window_days })
        })
        .await
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
        Book::new(&store, book_key(7)).take_back(&second).await;
        assert_eq!(
            reserve(&store, &settings, 7, date(30), &third).await.unwrap(),
            None,
            "a taken-back promise frees its slot"
        );
    }
}
