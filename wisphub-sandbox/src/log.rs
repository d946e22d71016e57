//! The request log: every request as the sandbox saw it, with in-flight counts. Written by the
//! middleware every request goes through, read by tests and `/_sandbox/stats`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde_json::Value;

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

    pub(crate) fn begin(&self, request: RecordedRequest) -> u64 {
        let mut entries = self.entries();
        // Taken under the lock so sequence order is log order.
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        entries.push((seq, request));
        seq
    }

    pub(crate) fn finish(&self, seq: u64, status: u16) {
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
