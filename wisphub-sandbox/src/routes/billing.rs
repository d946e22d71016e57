//! `/api/facturas/`, `/api/formas-de-pago/`, `/api/promesa-pago/` (POST only: GET is 405) and
//! `/api/facturas/reportar-pago/{id}/` (multipart POST only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::{BadBody, fields, parse_id};
use crate::body::ParsedForm;
use crate::data::billing::filter::{InvoiceFilter, Refusal};
use crate::data::billing::{Invoice, PAYMENT_METHODS, promise, report};
use crate::django::{PAYMENT_REPORT, detail, not_found};
use crate::paging::{ListQuery, page_of};
use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/facturas/", get(list_invoices))
        .route("/api/formas-de-pago/", get(list_payment_methods))
        .route("/api/promesa-pago/", post(create_promise))
        .route(PAYMENT_REPORT, post(report_payment))
}

/// The filtered page, or 400 for a window past 3 months; with the ignore-filters fault every
/// invoice of the tenant, all dates.
async fn list_invoices(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let ignore = state.faults().ignore_filters;
    let data = state.data();
    let filter = if ignore { Ok(InvoiceFilter::default()) } else { InvoiceFilter::from_query(&query, data.today) };
    match filter {
        Ok(filter) => {
            let matches: Vec<&Invoice> = data.invoices.iter().filter(|i| filter.matches(i)).collect();
            page_of(&query, &matches, |i| i.record())
        }
        Err(Refusal(body)) => (StatusCode::BAD_REQUEST, Json(body)).into_response(),
    }
}

async fn list_payment_methods(query: ListQuery) -> Response {
    page_of(&query, &PAYMENT_METHODS, |(id, nombre)| json!({ "id": id, "nombre": nombre }))
}

/// 200 echoing the invoice and the date at midnight, or DRF's 400 naming the bad fields. The
/// promise is recorded before the answer leaves, so a stall after serving still keeps it.
async fn create_promise(
    State(state): State<SandboxState>,
    Extension(form): Extension<ParsedForm>,
) -> Result<Response, BadBody> {
    let input = fields(form)?;
    Ok(match promise::validate(&input) {
        Ok(promise) => Json(state.data().record_promise(&promise)).into_response(),
        Err(errors) => (StatusCode::BAD_REQUEST, Json(Value::Object(errors))).into_response(),
    })
}

/// 200 with a task id, 404 for an invoice the tenant lacks (looked up first, whatever the body),
/// 400 for a body that is not multipart or DRF's 400 naming every bad part. The report is recorded
/// before the answer leaves, so a stall after serving still keeps it; no invoice changes.
async fn report_payment(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Extension(form): Extension<ParsedForm>,
) -> Response {
    let Some(id_factura) = parse_id(&id).filter(|id| state.data().has_invoice(*id)) else {
        return not_found();
    };
    let (input, files) = match form {
        ParsedForm::Multipart(input, files) => (input, files),
        // A multipart body that does not parse, or one past the size limit, says why.
        ParsedForm::Invalid(status, message) if status != 415 => return BadBody(status, message).into_response(),
        _ => return detail(StatusCode::BAD_REQUEST, "Se esperaba multipart/form-data con el comprobante de pago."),
    };
    match report::validate(&input, &files) {
        Ok(report) => {
            let task_id = state.new_task_id();
            Json(state.data().record_payment_report(id_factura, &report, &task_id)).into_response()
        }
        Err(errors) => (StatusCode::BAD_REQUEST, Json(Value::Object(errors))).into_response(),
    }
}
