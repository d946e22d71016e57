//! "¿Cuánto debo?": the sum of the client's pending invoices (never WispHub's `saldo`, which lags
//! behind payments), the invoices themselves, the last payment, and the cut-off date.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use shared::recent::Recent;
pub use shared::wisphub::payment_status::PaymentStatus;
use shared::wisphub::{UpstreamError, WispHub};
use utoipa::ToSchema;

use crate::invoices::{DateField, InvoiceQuery, InvoiceRecord, InvoiceState, invoices, windows};
use crate::report::ReportedPayment;

/// How long a balance answers repeated questions of one conversation, and how many are kept.
const BALANCE_TTL: Duration = Duration::from_secs(60);
const BALANCE_CAPACITY: usize = 5_000;
/// How far back the last payment is looked for.
const LAST_PAYMENT_MONTHS: u32 = 3;

/// What the balance needs from the configuration.
#[derive(Debug, Clone)]
pub struct BalanceSettings {
    pub lookback_months: u32,
    pub zone: Tz,
    pub payment_url: Option<String>,
}

/// `data` of `client_balance_found`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Balance {
    pub service_id: i64,
    /// The sum of the pending invoices' totals.
    pub balance: f64,
    /// Oldest due first.
    pub pending_invoices: Vec<PendingInvoice>,
    pub last_payment: Option<LastPayment>,
    /// As on the client object, but derived from the pending invoices above: the client record lags.
    pub payment_status: PaymentStatus,
    /// The client's cut-off date in WispHub (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>, format = Date)]
    pub cut_off_date: Option<NaiveDate>,
    /// `PAYMENT_PORTAL_URL`, when configured.
    pub payment_url: Option<String>,
    /// This service's payment reports of the last 30 days, under the cashiers' review (docs/api.md §15).
    pub reported_payments: Vec<ReportedPayment>,
}

/// A pending invoice, without any of the customer data WispHub embeds in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingInvoice {
    pub invoice_id: i64,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
    pub total: f64,
    /// WispHub's label, e.g. `Pendiente de Pago`.
    pub status: String,
}

/// The most recently paid invoice of the last 3 months.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LastPayment {
    pub invoice_id: i64,
    /// The tenant-local day of the payment.
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<NaiveDate>,
    pub total: f64,
}

/// What a balance question led to.
#[derive(Debug, Clone)]
pub enum BalanceOutcome {
    UnknownClient,
    Found(Balance),
}

/// Balances read in the last minute, by service id (per instance).
pub struct RecentBalances(Recent<Balance>);

impl RecentBalances {
    /// Drops a service's balance, so the next read shows what just changed (a payment report).
    pub fn forget(&self, service_id: i64) {
        self.0.forget(service_id);
    }
}

impl Default for RecentBalances {
    fn default() -> Self {
        RecentBalances(Recent::new(BALANCE_TTL, BALANCE_CAPACITY))
    }
}

/// The client's balance: the client record (cut-off date, `usuario`), then pending invoices over
/// the lookback and paid ones of the last 3 months, read at once.
pub async fn balance(
    wisphub: &WispHub,
    recent: &RecentBalances,
    settings: &BalanceSettings,
    service_id: i64,
) -> Result<BalanceOutcome, UpstreamError> {
    if let Some(balance) = recent.0.get(service_id) {
        return Ok(BalanceOutcome::Found(balance));
    }
    let Some(client) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(BalanceOutcome::UnknownClient);
    };
    // Without `usuario` WispHub's invoices cannot be asked for, and "owes nothing" would be a guess.
    let usuario = client.usuario.clone().ok_or_else(|| UpstreamError::Garbage("a client without usuario".into()))?;
    let today = Utc::now().with_timezone(&settings.zone).date_naive();
    let query = |state, field, months| InvoiceQuery {
        usuario: &usuario,
        state,
        field,
        windows: windows(today, months),
        zone: settings.zone,
    };
    let pending_query = query(InvoiceState::Pending, DateField::Issued, settings.lookback_months);
    let paid_query = query(InvoiceState::Paid, DateField::Paid, LAST_PAYMENT_MONTHS);
    let (pending, paid) = tokio::try_join!(invoices(wisphub, &pending_query), invoices(wisphub, &paid_query))?;
    let balance = summarise(service_id, pending, paid, today, settings, client.fecha_corte);
    recent.0.keep([(service_id, balance.clone())]);
    Ok(BalanceOutcome::Found(balance))
}

fn summarise(
    service_id: i64,
    pending: Vec<InvoiceRecord>,
    paid: Vec<InvoiceRecord>,
    today: NaiveDate,
    settings: &BalanceSettings,
    cut_off_date: Option<NaiveDate>,
) -> Balance {
    let mut pending_invoices: Vec<PendingInvoice> = pending
        .into_iter()
        .map(|invoice| PendingInvoice {
            invoice_id: invoice.id_factura,
            issued_on: invoice.issued_on(),
            due_on: invoice.due_on(),
            total: invoice.total.unwrap_or_default(),
            status: invoice.estado.clone().unwrap_or_default(),
        })
        .collect();
    pending_invoices.sort_by_key(|i| (i.due_on.is_none(), i.due_on, i.issued_on, i.invoice_id));
    let sum: f64 = pending_invoices.iter().map(|i| i.total).sum();
    let payment_status = if pending_invoices.is_empty() {
        PaymentStatus::Paid
    } else if pending_invoices.iter().any(|i| i.due_on.is_some_and(|due| due < today)) {
        PaymentStatus::Overdue
    } else {
        PaymentStatus::Pending
    };
    let last_payment =
        paid.into_iter().max_by_key(|invoice| (invoice.paid_on(settings.zone), invoice.id_factura)).map(|invoice| {
            LastPayment {
                invoice_id: invoice.id_factura,
                paid_on: invoice.paid_on(settings.zone),
                total: invoice.total.unwrap_or_default(),
            }
        });
    Balance {
        service_id,
        balance: (sum * 100.0).round() / 100.0,
        pending_invoices,
        last_payment,
        payment_status,
        cut_off_date,
        payment_url: settings.payment_url.clone(),
        // Read from the report book on every answer, never from this per-instance memory.
        reported_payments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pending(id: i64, due_on: &str) -> InvoiceRecord {
        let record = json!({"id_factura": id, "fecha_emision": "2026-11-01", "fecha_vencimiento": due_on,
            "estado": "Pendiente de Pago", "total": "65000.00"});
        serde_json::from_value(record).expect("an invoice")
    }

    #[test]
    fn payment_status_speaks_the_client_objects_words_from_the_pending_invoices() {
        let settings = BalanceSettings { lookback_months: 12, zone: chrono_tz::America::Bogota, payment_url: None };
        let today = NaiveDate::from_ymd_opt(2026, 11, 11).expect("a date");
        let status = |pending: Vec<InvoiceRecord>| {
            let balance = summarise(1001, pending, Vec::new(), today, &settings, None);
            serde_json::to_value(&balance).expect("serialises")["payment_status"].clone()
        };

        assert_eq!(status(Vec::new()), "Pagadas");
        assert_eq!(status(vec![pending(1, "2026-11-11")]), "Pendiente de Pago", "due today is not late yet");
        assert_eq!(status(vec![pending(1, "2026-11-20"), pending(2, "2026-11-10")]), "Vencidas");
    }
}
