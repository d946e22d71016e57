//! Billing for verified customers (docs/api.md §10–11): the balance, the tenant's payment methods, and
//! payment promises. Balance and promise act on one person's money, so both need the verification
//! proof of that service (`X-Verification-Token`) and check it before any WispHub call.

mod balance;
mod invoices;
mod methods;
mod promise;
mod promises;
mod receipt;
mod report;
mod report_form;
mod reports;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::openapi::Guard;
use shared::store::StoreVerb;
use shared::verification::VerifiedService;
use shared::{Action, ApiError, AppState, Reply, Scope};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use balance::{Balance, BalanceOutcome, BalanceSettings, LastPayment, PaymentStatus, PendingInvoice, RecentBalances};
use methods::{PaymentMethod, PaymentMethodCatalogue, PaymentMethods};
use promise::PromiseSettings;
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
    promises::PromiseBody,
    ReportBody,
    ReceiptBody,
    ReportMultipart,
    ReportedPayment
)))]
struct BillingApi;

pub(crate) const NOTHING_PENDING: &str = "El cliente no tiene facturas pendientes.";

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
    let write = OpenApiRouter::new().routes(routes!(promises::create_payment_promise)).merge(report);
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
