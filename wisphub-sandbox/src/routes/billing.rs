//! `/api/facturas/`, `/api/formas-de-pago/` and `/api/promesa-pago/` (POST only: GET is 405).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::{BadBody, fields};
use crate::body::ParsedForm;
use crate::data::billing::filter::{InvoiceFilter, Refusal};
use crate::data::billing::{Invoice, PAYMENT_METHODS, promise};
use crate::paging::{ListQuery, page_of};
use crate::state::SandboxState;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/facturas/", get(list_invoices))
        .route("/api/formas-de-pago/", get(list_payment_methods))
        .route("/api/promesa-pago/", post(create_promise))
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
