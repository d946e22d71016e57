//! Query strings and DRF's `LimitOffsetPagination`, quirks included: last value wins, absolute
//! `http://` links with sorted parameters, defaults on nonsense.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 1000;

/// The query string of a list request plus what is needed to rebuild its absolute URL.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListQuery {
    pairs: Vec<(String, String)>,
    host: String,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
        Ok(ListQuery::new(&host, parts.uri.path(), parts.uri.query().unwrap_or("")))
    }
}

impl ListQuery {
    pub(crate) fn new(host: &str, path: &str, query: &str) -> Self {
        let pairs = serde_urlencoded::from_str(query).unwrap_or_default();
        ListQuery { pairs, host: host.to_string(), path: path.to_string() }
    }

    /// Django's `QueryDict.get`: a repeated parameter keeps only its last value.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A filter value as django-filter applies it: an empty value means "no filter".
    pub(crate) fn filter(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub(crate) fn paging(&self) -> Paging {
        // DRF falls back to the defaults on anything it cannot read, and caps the limit silently.
        let limit = match self.get("limit").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(n) if n > 0 => (n as usize).min(MAX_LIMIT),
            _ => DEFAULT_LIMIT,
        };
        let offset = match self.get("offset").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(n) if n >= 0 => n as usize,
            _ => 0,
        };
        Paging { limit, offset }
    }

    /// This request's absolute URL with `limit`/`offset` replaced (or `offset` removed), as DRF builds it.
    fn link(&self, limit: usize, offset: Option<usize>) -> String {
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in &self.pairs {
            match grouped.iter_mut().find(|(gk, _)| gk == k) {
                Some((_, values)) => values.push(v.clone()),
                None => grouped.push((k.clone(), vec![v.clone()])),
            }
        }
        grouped.retain(|(k, _)| k != "limit" && k != "offset");
        grouped.push(("limit".into(), vec![limit.to_string()]));
        if let Some(offset) = offset {
            grouped.push(("offset".into(), vec![offset.to_string()]));
        }
        grouped.sort_by(|a, b| a.0.cmp(&b.0));
        let flat: Vec<(String, String)> =
            grouped.into_iter().flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v))).collect();
        let query = serde_urlencoded::to_string(flat).unwrap_or_default();
        // WispHub sits behind a TLS proxy but Django still believes it speaks plain http.
        format!("http://{}{}?{}", self.host, self.path, query)
    }
}

/// One page window over a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    pub limit: usize,
    pub offset: usize,
}

impl Paging {
    pub(crate) fn window<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = self.offset.min(items.len());
        let end = self.offset.saturating_add(self.limit).min(items.len());
        &items[start..end]
    }

    pub(crate) fn next(&self, query: &ListQuery, count: usize) -> Option<String> {
        (self.offset + self.limit < count).then(|| query.link(self.limit, Some(self.offset + self.limit)))
    }

    pub(crate) fn previous(&self, query: &ListQuery) -> Option<String> {
        if self.offset == 0 {
            None
        } else if self.offset <= self.limit {
            Some(query.link(self.limit, None))
        } else {
            Some(query.link(self.limit, Some(self.offset - self.limit)))
        }
    }
}

/// How many records a list page carried; the request middleware turns it into "slow page" delay.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageRecords(pub usize);

#[derive(Serialize)]
struct Envelope<'a, T> {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
    results: &'a [T],
}

/// Pages `items` (already filtered) and serializes only the window, so 50,000 records stay cheap.
pub(crate) fn page_of<T, R: Serialize>(query: &ListQuery, items: &[T], to_record: impl Fn(&T) -> R) -> Response {
    let paging = query.paging();
    let results: Vec<R> = paging.window(items).iter().map(to_record).collect();
    let envelope = Envelope {
        count: items.len(),
        next: paging.next(query, items.len()),
        previous: paging.previous(query),
        results: &results,
    };
    let mut response = axum::Json(envelope).into_response();
    response.extensions_mut().insert(PageRecords(results.len()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> ListQuery {
        ListQuery::new("127.0.0.1:9000", "/api/clientes/", query)
    }

    #[test]
    fn defaults_apply_when_limit_is_absent_zero_or_garbage() {
        for query in ["", "limit=0", "limit=-3", "limit=abc", "page=3"] {
            assert_eq!(q(query).paging(), Paging { limit: 20, offset: 0 }, "query {query:?}");
        }
    }

    #[test]
    fn limit_is_capped_at_1000() {
        assert_eq!(q("limit=5000&offset=10").paging(), Paging { limit: 1000, offset: 10 });
    }

    #[test]
    fn first_page_has_next_and_no_previous() {
        let query = q("");
        let p = query.paging();
        assert_eq!(p.next(&query, 60).as_deref(), Some("http://127.0.0.1:9000/api/clientes/?limit=20&offset=20"));
        assert_eq!(p.previous(&query), None);
    }

    #[test]
    fn last_page_has_no_next() {
        let query = q("limit=20&offset=40");
        assert_eq!(query.paging().next(&query, 60), None);
        assert_eq!(
            query.paging().previous(&query).as_deref(),
            Some("http://127.0.0.1:9000/api/clientes/?limit=20&offset=20")
        );
    }

    #[test]
    fn previous_of_second_page_drops_offset_and_other_params_are_kept_sorted() {
        let query = q("offset=20&limit=20&zona=3");
        assert_eq!(
            query.paging().previous(&query).as_deref(),
            Some("http://127.0.0.1:9000/api/clientes/?limit=20&zona=3")
        );
        assert_eq!(
            query.paging().next(&query, 100).as_deref(),
            Some("http://127.0.0.1:9000/api/clientes/?limit=20&offset=40&zona=3")
        );
    }

    #[test]
    fn window_past_the_end_is_empty() {
        let items: Vec<u32> = (0..10).collect();
        assert!(Paging { limit: 20, offset: 50 }.window(&items).is_empty());
        assert_eq!(Paging { limit: 4, offset: 8 }.window(&items), &[8, 9]);
    }

    #[test]
    fn repeated_parameter_keeps_last_value_and_empty_filter_is_none() {
        let query = q("estado=1&estado=2&cedula=");
        assert_eq!(query.get("estado"), Some("2"));
        assert_eq!(query.filter("cedula"), None);
    }
}
