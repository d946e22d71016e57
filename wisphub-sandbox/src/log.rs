//! The request log and the one middleware every request goes through: record, count in-flight,
//! apply faults, check the key, add latency.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::body::{self, ParsedForm};
use crate::faults::{self, ForcedFault};
use crate::paging::PageRecords;
use crate::routes;
use crate::state::{SandboxState, Verdict};

/// Bodies beyond this are refused; WispHub forms are tiny.
const BODY_LIMIT: usize = 1 << 20;

/// One request as the sandbox saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// Route template (`/api/clientes/{id}/`); for a 301 the template it redirects to; else the raw path.
    pub route: String,
    pub path: String,
    pub query: String,
    /// 0 while unanswered (a stall never gets one).
    pub status: u16,
    /// POST/PUT fields as a JSON object, whatever the encoding; null for GET.
    pub form: Value,
}

#[derive(Default)]
pub(crate) struct RequestLog {
    /// Sequence-numbered so an answer after `reset` cannot overwrite a newer entry.
    entries: Mutex<Vec<(u64, RecordedRequest)>>,
    next_seq: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts a request as in flight until dropped, which also covers a stalled request whose
/// connection the client finally closes.
pub(crate) struct InFlight<'a>(&'a RequestLog);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl RequestLog {
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<(u64, RecordedRequest)>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn begin(&self, request: RecordedRequest) -> u64 {
        let mut entries = self.entries();
        // Taken under the lock so sequence order is log order.
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        entries.push((seq, request));
        seq
    }

    fn finish(&self, seq: u64, status: u16) {
        let mut entries = self.entries();
        if let Ok(i) = entries.binary_search_by_key(&seq, |(s, _)| *s) {
            entries[i].1.status = status;
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.entries().iter().map(|(_, r)| r.clone()).collect()
    }

    pub(crate) fn count(&self, method: &str, route: &str) -> usize {
        self.entries().iter().filter(|(_, r)| r.method.eq_ignore_ascii_case(method) && r.route == route).count()
    }

    pub(crate) fn total(&self) -> usize {
        self.entries().len()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Clears the log; the peak restarts from what is in flight right now.
    pub(crate) fn reset(&self) {
        self.entries().clear();
        self.max_in_flight.store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
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
    let misspelled = routes::has_empty_segment(request.uri().path());
    let matched = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).filter(|_| !misspelled);
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await;
    let form = match (&bytes, &parts.method) {
        (_, &Method::GET | &Method::HEAD | &Method::DELETE | &Method::OPTIONS) => ParsedForm::None,
        (Ok(bytes), _) => body::parse(&parts.headers, bytes.clone()).await,
        (Err(_), _) => ParsedForm::Invalid(413, "La petición es demasiado grande.".into()),
    };
    let path = parts.uri.path().to_string();
    let route = matched.clone().or_else(|| routes::template_for(&path).map(String::from)).unwrap_or(path.clone());
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
        _ if misspelled => routes::unrouted(&parts.uri),
        _ if matched.is_some() && !authorized(&parts.headers, state.api_key()) => routes::forbidden(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, route: &str) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            route: route.into(),
            path: route.into(),
            query: String::new(),
            status: 0,
            form: Value::Null,
        }
    }

    #[test]
    fn an_answer_arriving_after_reset_does_not_touch_new_entries() {
        let log = RequestLog::default();
        let old = log.begin(request("GET", "/api/clientes/"));
        log.reset();
        let new = log.begin(request("GET", "/api/zonas/"));
        log.finish(old, 200);
        assert_eq!(log.requests()[0].status, 0);
        log.finish(new, 200);
        assert_eq!(log.requests()[0].status, 200);
    }

    #[test]
    fn in_flight_peak_tracks_overlapping_requests() {
        let log = RequestLog::default();
        let a = log.enter();
        let b = log.enter();
        drop(a);
        let _c = log.enter();
        drop(b);
        assert_eq!(log.max_in_flight(), 2);
    }

    #[test]
    fn count_matches_method_and_template() {
        let log = RequestLog::default();
        log.begin(request("GET", "/api/tasks/{id}/"));
        log.begin(request("POST", "/api/tickets/"));
        assert_eq!((log.count("GET", "/api/tasks/{id}/"), log.count("GET", "/api/tickets/")), (1, 0));
    }
}
