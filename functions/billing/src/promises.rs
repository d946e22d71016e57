//! The payment promise route (docs/api.md §11.2): its body, its handler, and its rules in order.

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use shared::extract::Json;
use shared::idempotency;
use shared::ids::IdempotencyKey;
use shared::verification::VerifiedService;
use shared::{Action, ApiError, Reply};
use utoipa::ToSchema;

use crate::balance::{self, BalanceOutcome};
use crate::promise::{self, PromiseOutcome};
use crate::{BillingState, NOTHING_PENDING};

/// A comment longer than this is refused (WispHub keeps it with the promise).
const MAX_COMMENT_CHARS: usize = 200;

/// The body of a payment promise.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"promise_date": "2026-12-04", "comment": "Paga el viernes en efectivo."}))]
pub struct PromiseBody {
    /// `YYYY-MM-DD`, from tomorrow to `PAYMENT_PROMISE_MAX_DAYS` days ahead (tenant time).
    #[schema(value_type = String, format = Date, required = true)]
    promise_date: Option<String>,
    /// Up to 200 characters, kept with the promise in WispHub.
    #[schema(max_length = 200)]
    comment: Option<String>,
}

impl PromiseBody {
    fn validate(self) -> Result<(NaiveDate, String), ApiError> {
        let date = self.promise_date.as_deref().map(str::trim).unwrap_or_default();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("promise_date", "es obligatorio y debe ser una fecha AAAA-MM-DD"))?;
        let comment = self.comment.unwrap_or_default().trim().to_owned();
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ApiError::invalid("comment", format!("admite hasta {MAX_COMMENT_CHARS} caracteres")));
        }
        Ok((date, comment))
    }
}

/// Promises a payment by a date for the customer's oldest pending invoice (one active promise per service).
#[utoipa::path(post, path = "/api/v1/billing/{service_id}/payment-promise", tag = "billing",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub service id"),
        ("X-Verification-Token" = Option<String>, Header,
            description = "The proof of a successful verify or resolve of this service by the same API user"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]{1,200}$",
            description = "1 to 200 visible ASCII characters, e.g. the chat message id; repeats within 24 h replay the first outcome")),
    request_body = PromiseBody,
    security(("OAuth2PasswordBearer" = ["billing:write"])),
    responses((status = 200, description = "`payment_promise_created`; info `client_verification_required`, \
        `client_not_found`, `no_pending_invoices`, `payment_promise_rejected` (data `{max_date}`), \
        `payment_promise_exists` (data `{invoice_id, promise_date}`) or `payment_promise_limit_reached`; \
        error `payment_promise_failed` with WispHub's reason", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "payment_promise_created",
            "data": {"service_id": 1001, "invoice_id": 9012, "promise_date": "2026-12-04", "reactivation_requested": true},
            "message": "Promesa de pago registrada.", "meta": null})),
        (status = 409, description = "`request_in_progress`: the same Idempotency-Key is still running", body = shared::envelope::Envelope),
        (status = 422, description = "`promise_date` missing or not a date, `comment` too long, a bad `service_id` \
            or Idempotency-Key", body = shared::envelope::Envelope),
        (status = 503, description = "WispHub did not answer: the promise counts as made (a retry answers \
            `payment_promise_exists`); see Retry-After", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = verified.service_id.get()))]
pub async fn create_payment_promise(
    State(state): State<BillingState>,
    verified: VerifiedService,
    key: Result<Option<IdempotencyKey>, ApiError>,
    Json(body): Json<PromiseBody>,
) -> Result<Response, ApiError> {
    let VerifiedService { service_id, caller } = verified;
    let service_id = service_id.get();
    let (promise_date, comment) = body.validate()?;
    let lease = shared::budget::lease(state.app.config.request_budget);
    // A retry after a lost answer simply runs again: the promise book already counts the first.
    let work = async |_| state.promise(service_id, promise_date, &comment).await;
    idempotency::answer_once(&state.app.store, &caller.subject, key?, (service_id, promise_date), lease, work).await
}

impl BillingState {
    /// The promise rules in their order (docs/api.md §11.2), each answered as its reply.
    async fn promise(&self, service_id: i64, promise_date: NaiveDate, comment: &str) -> Result<Reply, ApiError> {
        let settings = self.promise_settings();
        if let Err(max_date) = promise::date_window(&settings, promise_date) {
            let message = format!("La fecha de la promesa debe estar entre mañana y el {max_date}.");
            return Ok(Reply::info(Action::PaymentPromiseRejected, message).with_data(json!({ "max_date": max_date })));
        }
        let wisphub = &self.app.wisphub;
        let balance = match balance::balance(wisphub, &self.balances, &self.balance_settings(), service_id).await? {
            BalanceOutcome::UnknownClient => return Ok(Reply::client_not_found()),
            BalanceOutcome::Found(balance) => balance,
        };
        let Some(oldest) = balance.pending_invoices.first() else {
            return Ok(Reply::info(Action::NoPendingInvoices, NOTHING_PENDING));
        };
        let store = &*self.app.store;
        let outcome =
            promise::promise(wisphub, store, &settings, service_id, oldest.invoice_id, promise_date, comment).await?;
        Ok(match outcome {
            PromiseOutcome::Exists(active) => {
                Reply::info(Action::PaymentPromiseExists, "El cliente ya tiene una promesa de pago activa.")
                    .with_data(json!({"invoice_id": active.invoice_id, "promise_date": active.promise_date}))
            }
            PromiseOutcome::LimitReached { limit, window_days } => Reply::info(
                Action::PaymentPromiseLimitReached,
                format!("El cliente ya hizo {limit} promesas de pago en los últimos {window_days} días."),
            ),
            PromiseOutcome::Created { invoice_id, promise_date, reactivation_requested } => Reply::success(
                Action::PaymentPromiseCreated,
                json!({"service_id": service_id, "invoice_id": invoice_id,
                    "promise_date": promise_date, "reactivation_requested": reactivation_requested}),
            )
            .with_message("Promesa de pago registrada."),
            PromiseOutcome::Refused(reason) => {
                Reply::failure(Action::PaymentPromiseFailed, format!("WispHub rechazó la promesa de pago: {reason}"))
            }
        })
    }
}
