//! "Ya pagué, aquí está el comprobante" (docs/api.md §15): a payment report files the customer's
//! receipt for the ISP's cashiers to review; it registers no payment. Each service's reports are a
//! book in the shared store, written before the one WispHub POST, so the same bank reference is never
//! filed twice and a lost answer still counts as sent.

use axum::http::Method;
use chrono::{Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::book::Book;
use shared::clock::now_secs;
use shared::error::Write;
use shared::store::Store;
use shared::wisphub::{FilePart, Payload, Route, WispHub};
use shared::write_once::{Settled, send_once};
use utoipa::ToSchema;

use crate::receipt::Receipt;

/// Reports are kept this long: the balance shows those of the last 30 days.
const KEEP_DAYS: u64 = 30;
const DAY_SECS: u64 = 24 * 60 * 60;

/// What the report rules need from the configuration.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub max_age_days: u32,
    pub daily_limit: u32,
    pub zone: Tz,
}

/// A report as the book keeps it: what the customer said and what the receipt was, never its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptReport {
    pub reference: String,
    pub invoice_id: i64,
    pub amount: f64,
    pub paid_on: NaiveDate,
    /// The tenant-local day it was reported (the daily limit counts these).
    pub reported_on: NaiveDate,
    pub reported_at: u64,
    pub receipt_type: String,
    pub receipt_bytes: usize,
    pub receipt_sha256: String,
}

/// An entry of the balance's `reported_payments`: a report the cashiers have not settled yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportedPayment {
    pub reference: String,
    pub amount: f64,
    #[schema(value_type = String, format = Date)]
    pub paid_on: NaiveDate,
    /// Always `in_review`: WispHub's cashiers decide.
    #[schema(example = "in_review")]
    pub status: &'static str,
}

impl From<&KeptReport> for ReportedPayment {
    fn from(kept: &KeptReport) -> Self {
        ReportedPayment {
            reference: kept.reference.clone(),
            amount: kept.amount,
            paid_on: kept.paid_on,
            status: "in_review",
        }
    }
}

/// What the customer reports.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub reference: String,
    pub paid_on: NaiveDate,
    pub amount: f64,
    pub payment_method_id: i64,
    pub receipt: Receipt,
}

/// What reporting led to.
#[derive(Debug, Clone)]
pub enum ReportOutcome {
    /// This reference was already reported for the service: the first report.
    Exists(KeptReport),
    LimitReached(u32),
    Reported(KeptReport),
    /// WispHub answered and refused; nothing was kept.
    Refused(String),
}

/// Today in the tenant's time zone.
pub fn today(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

/// `paid_on` may not lie in the future nor more than `max_age_days` back (tenant time).
pub fn check_paid_on(settings: &ReportSettings, paid_on: NaiveDate) -> Result<(), ApiError> {
    let today = today(settings.zone);
    let earliest = today.checked_sub_days(Days::new(settings.max_age_days.into())).unwrap_or(today);
    if paid_on > today {
        return Err(ApiError::invalid("paid_on", "no puede ser una fecha futura"));
    }
    if paid_on < earliest {
        return Err(ApiError::invalid("paid_on", format!("no puede ser anterior al {earliest}")));
    }
    Ok(())
}

/// Records and files a report for `invoice_id`, unless the book says no. The multipart POST is
/// sent once; an answer lost on the way leaves the report counted (503).
pub async fn report(
    wisphub: &WispHub,
    store: &dyn Store,
    settings: &ReportSettings,
    service_id: i64,
    invoice_id: i64,
    new: NewReport,
    api_user: &str,
) -> Result<ReportOutcome, ApiError> {
    let reported_at = now_secs();
    let kept = KeptReport {
        reference: new.reference.clone(),
        invoice_id,
        amount: new.amount,
        paid_on: new.paid_on,
        reported_on: today(settings.zone),
        reported_at,
        receipt_type: new.receipt.kind.mime().to_owned(),
        receipt_bytes: new.receipt.bytes.len(),
        receipt_sha256: new.receipt.sha256(),
    };
    let book = Book::new(store, book_key(service_id));
    let limit = settings.daily_limit;
    let refusal = book
        .record(&kept, reported_at + KEEP_DAYS * DAY_SECS, |reports: &mut Vec<KeptReport>| {
            reports.retain(|r| r.reported_at + KEEP_DAYS * DAY_SECS > reported_at);
            if let Some(first) = reports.iter().find(|r| r.reference == kept.reference) {
                return Some(ReportOutcome::Exists(first.clone()));
            }
            let today = reports.iter().filter(|r| r.reported_on == kept.reported_on).count();
            (today >= limit as usize).then_some(ReportOutcome::LimitReached(limit))
        })
        .await?;
    if let Some(refusal) = refusal {
        return Ok(refusal);
    }
    tracing::info!(receipt_type = %kept.receipt_type, receipt_bytes = kept.receipt_bytes,
        receipt_sha256 = %kept.receipt_sha256, "payment report recorded");
    // WispHub's report has no amount: the customer's figure goes into the note for the cashier.
    let fields = vec![
        ("forma_pago", new.payment_method_id.to_string()),
        ("fecha_pago", format!("{} 00:00", new.paid_on.format("%Y-%m-%d"))),
        ("referencia", new.reference.clone()),
        ("comprobante_pago", format!("Monto reportado por el cliente: {}. Reportado vía {api_user}.", new.amount)),
        ("nombre_user", api_user.to_owned()),
    ];
    let file = FilePart {
        name: "comprobante_pago_archivo",
        file_name: new.receipt.file_name(),
        content_type: new.receipt.kind.mime(),
        bytes: new.receipt.bytes,
    };
    let route = Route::PaymentReport(invoice_id);
    let post = wisphub.send(Method::POST, &route, Payload::MultipartWithFile(fields, file));
    Ok(match send_once(Write::PaymentReport, post, async || book.take_back(&kept).await).await? {
        Settled::Done(_) => ReportOutcome::Reported(kept),
        Settled::Refused(reason) => ReportOutcome::Refused(reason),
    })
}

/// The service's reports of the last 30 days, oldest first.
pub async fn recent(store: &dyn Store, service_id: i64) -> Result<Vec<ReportedPayment>, ApiError> {
    let since = now_secs().saturating_sub(KEEP_DAYS * DAY_SECS);
    let reports: Vec<KeptReport> = Book::new(store, book_key(service_id)).entries().await?;
    Ok(reports.iter().filter(|r| r.reported_at > since).map(ReportedPayment::from).collect())
}

/// The store key of a service's report book.
fn book_key(service_id: i64) -> String {
    format!("REPORTS#{service_id}")
}
