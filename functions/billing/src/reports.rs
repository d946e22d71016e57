//! The payment report route (docs/api.md §15): its handler, and its rules in their order.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use shared::idempotency;
use shared::ids::IdempotencyKey;
use shared::verification::VerifiedService;
use shared::{Action, ApiError, Reply};

use crate::balance::{self, BalanceOutcome};
use crate::report::{self, KeptReport, ReportOutcome};
use crate::report_form::ReportForm;
use crate::{BillingState, NOTHING_PENDING};

/// Files the customer's receipt of a transfer for the cashiers to review (one report per bank reference).
#[utoipa::path(post, path = "/api/v1/billing/{service_id}/payment-report", tag = "billing",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub service id"),
        ("X-Verification-Token" = Option<String>, Header,
            description = "The proof of a successful verify or resolve of this service by the same API user"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]{1,200}$",
            description = "1 to 200 visible ASCII characters, e.g. the chat message id; repeats within 24 h replay the first outcome")),
    request_body(content(
        (crate::ReportMultipart = "multipart/form-data"),
        (crate::ReportBody = "application/json"))),
    security(("OAuth2PasswordBearer" = ["billing:write"])),
    responses((status = 200, description = "`payment_reported` (status `in_review`: WispHub's cashiers decide); info \
        `client_verification_required`, `client_not_found`, `no_pending_invoices`, `payment_report_exists` (the first \
        report of this reference) or `payment_report_limit_reached`; error `payment_report_failed` with WispHub's reason",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "payment_reported",
            "data": {"service_id": 1001, "invoice_id": 9012, "reference": "TRX-2026-88213", "amount": 65000.0,
                "paid_on": "2026-12-02", "status": "in_review"},
            "message": "Pago reportado: queda en revisión.", "meta": null})),
        (status = 409, description = "`request_in_progress`: the same Idempotency-Key is still running", body = shared::envelope::Envelope),
        (status = 413, description = "The receipt is over `PAYMENT_REPORT_MAX_BYTES`", body = shared::envelope::Envelope,
            example = json!({"ok": false, "type": "error", "action": "error", "data": null, "message":
                "El comprobante supera el límite de 4194304 bytes: envíe una foto más liviana o un PDF.", "meta": null})),
        (status = 415, description = "A body that is neither multipart/form-data nor JSON", body = shared::envelope::Envelope,
            example = json!({"ok": false, "type": "error", "action": "error", "data": null, "message":
                "Tipo de contenido no admitido: envíe el cuerpo como multipart/form-data (con el archivo `receipt`) o application/json.",
                "meta": null})),
        (status = 422, description = "A field is missing or invalid: `reference`, `paid_on` (future or too old), `amount`, \
            `payment_method_id` (not one of the tenant's), `invoice_id` (not a pending invoice of this service), `receipt` \
            (not a JPEG, PNG, HEIC/HEIF or PDF, or not what its type says)", body = shared::envelope::Envelope,
            example = json!({"ok": false, "type": "error", "action": "error", "data": null, "message":
                "Error de validación: reference: es obligatoria: de 1 a 64 letras, dígitos, '-', '/' o '.'; paid_on: es \
                obligatoria y debe ser una fecha AAAA-MM-DD; amount: es obligatorio y debe ser un número mayor que 0; \
                payment_method_id: es obligatorio y debe ser un número entero; receipt: es obligatorio: la foto o el PDF \
                del comprobante", "meta": null})),
        (status = 503, description = "WispHub did not answer: the report counts as sent (a retry answers \
            `payment_report_exists`); see Retry-After", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = verified.service_id.get()))]
pub async fn create_payment_report(
    State(state): State<BillingState>,
    verified: VerifiedService,
    key: Result<Option<IdempotencyKey>, ApiError>,
    form: ReportForm,
) -> Result<Response, ApiError> {
    let VerifiedService { service_id, caller } = verified;
    let service_id = service_id.get();
    let lease = shared::budget::lease(state.app.config.request_budget);
    let attempt = (service_id, form.report.reference.clone());
    // A retry after a lost answer simply runs again: the report book already counts the first.
    let work = async |_| state.report(service_id, form, &caller.subject).await;
    idempotency::answer_once(&state.app.store, &caller.subject, key?, attempt, lease, work).await
}

impl BillingState {
    /// The report rules in their order (docs/api.md §15), each answered as its reply.
    async fn report(&self, service_id: i64, form: ReportForm, api_user: &str) -> Result<Reply, ApiError> {
        let settings = self.report_settings();
        report::check_paid_on(&settings, form.report.paid_on)?;
        let wisphub = &self.app.wisphub;
        let methods = self.methods.all(wisphub).await?;
        if !methods.iter().any(|m| m.payment_method_id == form.report.payment_method_id) {
            return Err(ApiError::invalid("payment_method_id", "no es un medio de pago de la empresa"));
        }
        let balance = match balance::balance(wisphub, &self.balances, &self.balance_settings(), service_id).await? {
            BalanceOutcome::UnknownClient => return Ok(Reply::client_not_found()),
            BalanceOutcome::Found(balance) => balance,
        };
        let pending = |id: i64| balance.pending_invoices.iter().any(|invoice| invoice.invoice_id == id);
        let invoice_id = match form.invoice_id {
            Some(id) if pending(id) => id,
            Some(_) => return Err(ApiError::invalid("invoice_id", "no es una factura pendiente de este servicio")),
            None => match balance.pending_invoices.first() {
                Some(oldest) => oldest.invoice_id,
                None => return Ok(Reply::info(Action::NoPendingInvoices, NOTHING_PENDING)),
            },
        };
        let store = &*self.app.store;
        Ok(match report::report(wisphub, store, &settings, service_id, invoice_id, form.report, api_user).await? {
            ReportOutcome::Exists(first) => {
                Reply::info(Action::PaymentReportExists, "Este pago ya fue reportado; está en revisión.")
                    .with_data(data(service_id, &first))
            }
            ReportOutcome::LimitReached(limit) => Reply::info(
                Action::PaymentReportLimitReached,
                format!("El cliente ya reportó {limit} pagos hoy; un asesor revisará los siguientes."),
            ),
            ReportOutcome::Reported(kept) => {
                // The next balance read shows it at once on this instance too.
                self.balances.forget(service_id);
                Reply::success(Action::PaymentReported, data(service_id, &kept))
                    .with_message("Pago reportado: queda en revisión.")
            }
            ReportOutcome::Refused(reason) => {
                Reply::failure(Action::PaymentReportFailed, format!("WispHub rechazó el reporte de pago: {reason}"))
            }
        })
    }
}

/// `data` of a report: what was reported, never the receipt.
fn data(service_id: i64, kept: &KeptReport) -> serde_json::Value {
    json!({"service_id": service_id, "invoice_id": kept.invoice_id, "reference": kept.reference,
        "amount": kept.amount, "paid_on": kept.paid_on, "status": "in_review"})
}
