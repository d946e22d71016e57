//! The one middleware every request goes through: record it in the log, count it in flight, apply
//! faults, check the key, add latency. Above the state it reads and the log it writes.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::body::{self, ParsedForm};
use crate::django;
use crate::faults::{self, ForcedFault};
use crate::log::RecordedRequest;
use crate::paging::PageRecords;
use crate::state::{SandboxState, Verdict};

/// Bodies beyond this are refused; WispHub forms are tiny.
const BODY_LIMIT: usize = 1 << 20;
/// The payment report carries a receipt (a phone photo or a scanned PDF runs to several MiB).
const UPLOAD_LIMIT: usize = 10 << 20;

/// Only the route that takes a file gets the larger limit.
fn body_limit(route: Option<&str>) -> usize {
    if route == Some(django::PAYMENT_REPORT) { UPLOAD_LIMIT } else { BODY_LIMIT }
}

fn authorized(headers: &HeaderMap, key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Api-Key "))
        .is_some_and(|given| given.trim() == key)
}

/// Runs around every route and the fallback (it is added with `Router::layer`, so routing already
/// happened and `MatchedPath` tells the template).
pub(crate) async fn track(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let log = state.log();
    let _in_flight = log.enter();
    let faults = state.faults();
    let misspelled = django::has_empty_segment(request.uri().path());
    let matched = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).filter(|_| !misspelled);
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, body_limit(matched.as_deref())).await;
    let form = match (&bytes, &parts.method) {
        (_, &Method::GET | &Method::HEAD | &Method::DELETE | &Method::OPTIONS) => ParsedForm::None,
        (Ok(bytes), _) => body::parse(&parts.headers, bytes.clone()).await,
        (Err(_), _) => ParsedForm::Invalid(413, "La petición es demasiado grande.".into()),
    };
    let path = parts.uri.path().to_string();
    let route = matched.clone().or_else(|| django::template_for(&path).map(String::from)).unwrap_or(path.clone());
    let verdict = state.decide(&faults, parts.method.as_str(), &route);
    let seq = log.begin(RecordedRequest {
        method: parts.method.to_string(),
        route,
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        status: 0,
        form: form.as_log_value(),
    });

    let stall_after_serving = matches!(verdict, Verdict::StallAfterServing);
    let response = match verdict {
        Verdict::Stall => stall().await,
        Verdict::Fail(response) => response,
        // 301 and 404 come before authentication, as in Django (URL resolution runs first).
        _ if misspelled => django::unrouted(&parts.uri),
        _ if matched.is_some() && !authorized(&parts.headers, state.api_key()) => django::forbidden(),
        _ => {
            parts.extensions.insert(form);
            let body = bytes.map(Body::from).unwrap_or_else(|_| Body::empty());
            next.run(Request::from_parts(parts, body)).await.into_response()
        }
    };
    // The handler has returned, so no data lock is held while the answer is withheld.
    let response = if stall_after_serving { stall().await } else { response };

    let records = response.extensions().get::<PageRecords>().map_or(0, |p| p.0) as u64;
    let delay = state.latency(&faults) + Duration::from_micros(faults.per_record_latency_us * records);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    log.finish(seq, response.status().as_u16());
    response
}

/// Hangs far past any client timeout; the client hangs up first, which drops this future.
async fn stall() -> Response {
    tokio::time::sleep(faults::STALL).await;
    faults::fault_response(ForcedFault::Stall, 504)
}
