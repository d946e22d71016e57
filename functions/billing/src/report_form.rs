//! The body of a payment report, in either form docs/api.md §15 takes: `multipart/form-data` with the
//! file part `receipt` (a bot forwarding a photo), or JSON with the receipt in base64 (an agent).

use axum::extract::{FromRef, FromRequest, Multipart, Request};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use shared::error::FieldProblem;
use shared::extract::{MediaType, body_rejection, parse_json};
use shared::{ApiError, AppState};
use utoipa::ToSchema;

use crate::receipt::Receipt;
use crate::report::NewReport;

/// The longest bank reference.
const MAX_REFERENCE_CHARS: usize = 64;

/// A report whose fields and receipt passed their checks.
#[derive(Debug)]
pub struct ReportForm {
    pub report: NewReport,
    pub invoice_id: Option<i64>,
}

/// The JSON form of a report (the multipart form has the same fields, and the file part `receipt`).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reference": "TRX-2026-88213", "paid_on": "2026-12-02", "amount": 65000,
    "payment_method_id": 16749, "receipt": {"content_type": "image/jpeg", "data_base64": "/9j/4AAQSkZJRgABAQ…"}}))]
pub struct ReportBody {
    /// The bank's reference: 1 to 64 letters, digits, `-`, `/` or `.`; one report per reference and service.
    #[schema(required = true, min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9./-]{1,64}$")]
    reference: Option<String>,
    /// `YYYY-MM-DD`, tenant time: not in the future, at most `PAYMENT_REPORT_MAX_AGE_DAYS` back.
    #[schema(value_type = String, format = Date, required = true)]
    paid_on: Option<String>,
    /// What the customer says they paid (> 0).
    #[schema(value_type = f64, required = true, exclusive_minimum = 0)]
    amount: Option<Value>,
    /// One of the tenant's payment methods (`GET /api/v1/billing/payment-methods`).
    #[schema(value_type = i64, required = true, minimum = 1)]
    payment_method_id: Option<Value>,
    /// A pending invoice of this service; the oldest pending one when absent.
    #[schema(value_type = Option<i64>, minimum = 1)]
    invoice_id: Option<Value>,
    #[schema(required = true)]
    receipt: Option<ReceiptBody>,
}

/// A receipt in JSON: its declared type and its bytes in base64.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiptBody {
    /// `image/jpeg`, `image/png`, `image/heic`, `image/heif` or `application/pdf`; it must match the bytes.
    content_type: Option<String>,
    /// The file, base64 (standard alphabet), at most `PAYMENT_REPORT_MAX_BYTES` once decoded.
    #[schema(required = true)]
    data_base64: Option<String>,
}

/// The multipart form as the document shows it.
#[expect(dead_code, reason = "only the document reads it: the multipart body is read part by part")]
#[derive(ToSchema)]
pub struct ReportMultipart {
    reference: String,
    #[schema(format = Date)]
    paid_on: String,
    amount: f64,
    payment_method_id: i64,
    invoice_id: Option<i64>,
    /// The receipt photo or PDF.
    #[schema(value_type = String, format = Binary)]
    receipt: Vec<u8>,
}

impl<S> FromRequest<S> for ReportForm
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let max_bytes = AppState::from_ref(state).config.billing.report_max_bytes;
        match MediaType::of(request.headers()) {
            MediaType::Multipart => from_multipart(request, state, max_bytes).await,
            MediaType::Json | MediaType::Absent => {
                let bytes =
                    Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::ReceiptTooLarge { max_bytes },
                        _ => body_rejection(rejection),
                    })?;
                let body: ReportBody = parse_json(&bytes)?;
                let (content_type, data) = match body.receipt {
                    Some(ReceiptBody { content_type, data_base64 }) => (content_type, data_base64),
                    None => (None, None),
                };
                let receipt = match data {
                    Some(data) => Some((
                        Bytes::from(
                            STANDARD
                                .decode(data.trim())
                                .map_err(|_| ApiError::invalid("receipt.data_base64", "no es base64 válido"))?,
                        ),
                        content_type,
                    )),
                    None => None,
                };
                let raw = Raw {
                    reference: body.reference,
                    paid_on: body.paid_on,
                    amount: body.amount,
                    payment_method_id: body.payment_method_id,
                    invoice_id: body.invoice_id,
                    receipt,
                };
                raw.checked(max_bytes)
            }
            MediaType::Form | MediaType::Other => Err(ApiError::UnsupportedMediaType {
                accepted: "multipart/form-data (con el archivo `receipt`) o application/json",
            }),
        }
    }
}

async fn from_multipart<S: Send + Sync>(request: Request, state: &S, max_bytes: usize) -> Result<ReportForm, ApiError> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|e| ApiError::BadJson(e.body_text()))?;
    let mut raw = Raw::default();
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::ReceiptTooLarge { max_bytes }
        } else {
            ApiError::invalid("multipart", "el cuerpo multipart no se pudo leer")
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "receipt" {
            let declared = field.content_type().map(str::to_owned);
            raw.receipt = Some((field.bytes().await.map_err(too_large)?, declared));
            continue;
        }
        let text = field.text().await.map_err(too_large)?;
        let value = Some(Value::String(text.clone()));
        match name.as_str() {
            "reference" => raw.reference = Some(text),
            "paid_on" => raw.paid_on = Some(text),
            "amount" => raw.amount = value,
            "payment_method_id" => raw.payment_method_id = value,
            "invoice_id" => raw.invoice_id = value.filter(|_| !text.trim().is_empty()),
            _ => {}
        }
    }
    raw.checked(max_bytes)
}

/// The fields as they came, before their checks.
#[derive(Default)]
struct Raw {
    reference: Option<String>,
    paid_on: Option<String>,
    amount: Option<Value>,
    payment_method_id: Option<Value>,
    invoice_id: Option<Value>,
    receipt: Option<(Bytes, Option<String>)>,
}

impl Raw {
    /// Every field checked; a 422 names each one that failed. The receipt comes last: its 413 or
    /// its 422 only once the rest is right.
    fn checked(self, max_bytes: usize) -> Result<ReportForm, ApiError> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, text: &str| problems.push(FieldProblem::new(field, text));
        let reference = self.reference.map(|r| r.trim().to_owned()).unwrap_or_default();
        let reference_ok = !reference.is_empty()
            && reference.chars().count() <= MAX_REFERENCE_CHARS
            && reference.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'));
        if !reference_ok {
            problem("reference", "es obligatoria: de 1 a 64 letras, dígitos, '-', '/' o '.'");
        }
        let paid_on = self.paid_on.as_deref().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
        if paid_on.is_none() {
            problem("paid_on", "es obligatoria y debe ser una fecha AAAA-MM-DD");
        }
        let amount = self.amount.as_ref().and_then(number).filter(|a| *a > 0.0 && a.is_finite());
        if amount.is_none() {
            problem("amount", "es obligatorio y debe ser un número mayor que 0");
        }
        let payment_method_id = self.payment_method_id.as_ref().and_then(integer);
        if payment_method_id.is_none() {
            problem("payment_method_id", "es obligatorio y debe ser un número entero");
        }
        let invoice_id = match &self.invoice_id {
            None | Some(Value::Null) => None,
            Some(value) => {
                let id = integer(value);
                if id.is_none() {
                    problem("invoice_id", "debe ser un número entero");
                }
                id
            }
        };
        if self.receipt.is_none() {
            problem("receipt", "es obligatorio: la foto o el PDF del comprobante");
        }
        match (paid_on, amount, payment_method_id, self.receipt) {
            (Some(paid_on), Some(amount), Some(payment_method_id), Some((bytes, declared))) if problems.is_empty() => {
                let receipt = Receipt::check(bytes, declared.as_deref(), max_bytes)?;
                let report = NewReport { reference, paid_on, amount, payment_method_id, receipt };
                Ok(ReportForm { report, invoice_id })
            }
            _ => Err(ApiError::Validation(problems)),
        }
    }
}

/// A number, or a numeric string (multipart fields are text).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A positive whole number, or such a numeric string.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
}
