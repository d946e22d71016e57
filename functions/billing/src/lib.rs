//! Billing for verified customers (docs/api.md §10–11): the balance, the tenant's payment methods, and
//! payment promises. Balance and promise act on one person's money, so both need the verification
//! proof of that service (`X-Verification-Token`) and check it before any WispHub call.

mod balance;
mod invoices;
mod methods;
mod promise;
mod receipt;
mod report;
mod report_form;
mod reports;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use shared::extract::Json;
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::idempotency::{self, Begin};
use shared::ids::IdempotencyKey;
use shared::openapi::Guard;
use shared::store::StoreVerb;
use shared::verification::VerifiedService;
use shared::{Action, ApiError, AppState, Reply, Scope};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use balance::{Balance, BalanceOutcome, BalanceSettings, LastPayment, PaymentStatus, PendingInvoice, RecentBalances};
use methods::{PaymentMethod, PaymentMethodCatalogue, PaymentMethods};
use promise::{PromiseOutcome, PromiseSettings};
use report::{ReportSettings, ReportedPayment};
use report_form::{ReceiptBody, ReportBody, ReportMultipart};

#[derive(OpenApi)]
#[openapi(components(schemas(
    Balance,
    PendingInvoice,
    LastPayment,
    PaymentStatus,
    PaymentMethods,
    PaymentMethod,
    PromiseBody,
    ReportBody,
    ReceiptBody,
    ReportMultipart,
    ReportedPayment
)))]
struct BillingApi;

pub(crate) const NOTHING_PENDING: &str = "El cliente no tiene facturas pendientes.";

/// A comment longer than this is refused (WispHub keeps it with the promise).
const MAX_COMMENT_CHARS: usize = 200;

#[derive(Clone)]
struct BillingState {
    app: AppState,
    balances: Arc<RecentBalances>,
    methods: Arc<PaymentMethodCatalogue>,
}

impl FromRef<BillingState> for AppState {
    fn from_ref(billing: &BillingState) -> AppState {
        billing.app.clone()
    }
}

impl BillingState {
    fn balance_settings(&self) -> BalanceSettings {
        let config = &self.app.config;
        BalanceSettings {
            lookback_months: config.billing.lookback_months,
            zone: config.tenant_timezone,
            payment_url: config.billing.payment_portal_url.clone(),
        }
    }

    fn promise_settings(&self) -> PromiseSettings {
        let config = &self.app.config;
        PromiseSettings {
            max_days: config.billing.promise_max_days,
            limit: config.billing.promise_limit,
            window_days: config.billing.promise_window_days,
            reactivate: config.billing.promise_reactivate,
            zone: config.tenant_timezone,
        }
    }

    fn report_settings(&self) -> ReportSettings {
        let config = &self.app.config;
        ReportSettings {
            max_age_days: config.billing.report_max_age_days,
            daily_limit: config.billing.report_daily_limit,
            zone: config.tenant_timezone,
        }
    }
}

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
/// The payment report alone takes a body as large as a receipt (its base64 JSON form included).
fn api(guard: &Guard, report_body_limit: usize) -> OpenApiRouter<BillingState> {
    let read = OpenApiRouter::new().routes(routes!(get_balance)).routes(routes!(list_payment_methods));
    let report = OpenApiRouter::new()
        .routes(routes!(reports::create_payment_report))
        .layer(DefaultBodyLimit::max(report_body_limit));
    let write = OpenApiRouter::new().routes(routes!(create_payment_promise)).merge(report);
    OpenApiRouter::with_openapi(BillingApi::openapi())
        .merge(guard.require(Scope::BillingRead, read))
        .merge(guard.require(Scope::BillingWrite, write))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "billing",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::BillingRead, Scope::BillingWrite],
        undocumented: &[],
        probe: Probe {
            method: "GET",
            path: "/api/v1/billing/payment-methods",
            form: None,
            status: 401,
            action: "error",
        },
    }),
    table: &[StoreVerb::Get, StoreVerb::PutIfAbsent, StoreVerb::UpdateIfVersion, StoreVerb::DeleteIfValue],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

pub fn router(state: AppState) -> Router {
    let guard = Guard::serving(&state);
    let billing = BillingState {
        app: state,
        balances: Arc::new(RecentBalances::default()),
        methods: Arc::new(PaymentMethodCatalogue::new()),
    };
    let report_body_limit = billing.app.config.billing.report_body_limit();
    Router::from(api(&guard, report_body_limit)).with_state(billing)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly, 0).into_openapi()
}

/// What the customer owes: the sum of their pending invoices, oldest due first, and their last payment.
#[utoipa::path(get, path = "/api/v1/billing/{service_id}/balance", tag = "billing",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub service id"),
        ("X-Verification-Token" = Option<String>, Header,
            description = "The proof `meta.verification.token` of a successful verify or resolve of this service \
                by the same API user (not needed with `clients:list`)")),
    security(("OAuth2PasswordBearer" = ["billing:read"])),
    responses((status = 200, description = "`client_balance_found` (balance 0 and `[]` when nothing is pending); \
        info `client_verification_required` (no valid proof: nothing was asked of WispHub) or `client_not_found`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_balance_found",
            "data": {"service_id": 1001, "balance": 130000.0,
                "pending_invoices": [{"invoice_id": 9012, "issued_on": "2026-10-01", "due_on": "2026-10-10",
                    "total": 65000.0, "status": "Pendiente de Pago"}],
                "last_payment": {"invoice_id": 8950, "paid_on": "2026-09-08", "total": 65000.0},
                "payment_status": "Vencidas", "cut_off_date": "2026-12-10", "payment_url": null},
            "message": "El cliente tiene un saldo pendiente de 130000.", "meta": null})),
        (status = 422, description = "`service_id` is not a positive integer", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = verified.service_id.get()))]
async fn get_balance(State(state): State<BillingState>, verified: VerifiedService) -> Result<Reply, ApiError> {
    let service_id = verified.service_id.get();
    let settings = state.balance_settings();
    Ok(match balance::balance(&state.app.wisphub, &state.balances, &settings, service_id).await? {
        BalanceOutcome::UnknownClient => Reply::client_not_found(),
        BalanceOutcome::Found(mut balance) => {
            balance.reported_payments = report::recent(&*state.app.store, service_id).await?;
            let message = if balance.pending_invoices.is_empty() {
                NOTHING_PENDING.to_owned()
            } else {
                format!("El cliente tiene un saldo pendiente de {}.", balance.balance)
            };
            Reply::success(Action::ClientBalanceFound, balance).with_message(message)
        }
    })
}

/// How customers can pay: the tenant's payment methods and the payment portal.
#[utoipa::path(get, path = "/api/v1/billing/payment-methods", tag = "billing",
    security(("OAuth2PasswordBearer" = ["billing:read"])),
    responses((status = 200, description = "`payment_methods_listed`, or info `payment_methods_not_found` when \
        WispHub lists none and no portal is configured", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "payment_methods_listed",
            "data": {"methods": [{"payment_method_id": 7, "name": "Efectivo"},
                {"payment_method_id": 16749, "name": "Transferencia Bancaria"}], "payment_url": null},
            "message": null, "meta": null}))))]
#[tracing::instrument(skip_all)]
async fn list_payment_methods(State(state): State<BillingState>) -> Result<Reply, ApiError> {
    let methods = state.methods.all(&state.app.wisphub).await?;
    let payment_url = state.app.config.billing.payment_portal_url.clone();
    if methods.is_empty() && payment_url.is_none() {
        return Ok(Reply::info(Action::PaymentMethodsNotFound, "No hay medios de pago registrados."));
    }
    Ok(Reply::success(Action::PaymentMethodsListed, PaymentMethods { methods: methods.to_vec(), payment_url }))
}

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
async fn create_payment_promise(
    State(state): State<BillingState>,
    verified: VerifiedService,
    key: Result<Option<IdempotencyKey>, ApiError>,
    Json(body): Json<PromiseBody>,
) -> Result<Response, ApiError> {
    let VerifiedService { service_id, caller } = verified;
    let service_id = service_id.get();
    let (promise_date, comment) = body.validate()?;
    let key = key?;
    let Some(key) = key else {
        return Ok(state.promise(service_id, promise_date, &comment).await?.into_response());
    };
    let lease = shared::budget::lease(state.app.config.request_budget);
    // A retry after a lost answer simply runs again: the promise book already counts the first.
    let claim =
        match idempotency::begin(&state.app.store, &caller.subject, &key, (service_id, promise_date), lease).await? {
            Begin::Replay(envelope) => return Ok(idempotency::replay(&envelope)),
            Begin::Started(claim) | Begin::Recover(claim, _) => claim,
        };
    let outcome = state.promise(service_id, promise_date, &comment).await;
    claim.finish(&outcome).await;
    Ok(outcome?.into_response())
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
