//! The WispHub client: `Api-Key`, per-call timeout inside the request budget, GET retries with
//! jittered backoff, limit/offset paging with bounded concurrency, typed errors, one trace per call.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use futures::{StreamExt, TryStreamExt, stream};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::time::Instant;

use super::clients::RecentClients;
use super::{Route, UpstreamError};
use crate::budget;
use crate::config::Config;

/// Retries after the first attempt of an idempotent GET.
const MAX_GET_RETRIES: u32 = 2;
/// Below this much budget a call is not worth starting.
const MIN_CALL_TIME: Duration = Duration::from_millis(100);

/// How to reach and treat the tenant.
#[derive(Debug, Clone)]
pub struct WispHubSettings {
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub timeout: Duration,
    /// Unanswered this long, an idempotent GET gets one duplicate (zero: never).
    pub hedge: Duration,
    pub budget: Duration,
    pub concurrency: usize,
    pub page_size: usize,
}

impl WispHubSettings {
    pub fn from_config(config: &Config) -> Self {
        WispHubSettings {
            base_url: config.wisphub_api_url.clone(),
            api_key: config.wisphub_api_key.clone(),
            timeout: config.wisphub_timeout,
            hedge: config.wisphub_hedge,
            budget: config.request_budget,
            concurrency: config.wisphub_concurrency,
            page_size: config.wisphub_page_size,
        }
    }
}

/// A POST or PUT body. WispHub takes JSON everywhere and multipart where its web forms do.
#[derive(Debug, Clone)]
pub enum Payload {
    Json(Value),
    Multipart(Vec<(&'static str, String)>),
}

/// The status and decoded body of a write (2xx or a 4xx with its DRF reasons).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

/// The one way to WispHub; cheap to clone, built once per process.
#[derive(Clone)]
pub struct WispHub {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: WispHubSettings,
    recent_clients: RecentClients,
}

impl WispHub {
    pub fn new(settings: WispHubSettings) -> Self {
        let http = reqwest::Client::builder()
            // A redirect from WispHub is a wrong-slash 301 or an http:// link: never follow either.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .user_agent(concat!("wisphub-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        WispHub { inner: Arc::new(Inner { http, settings, recent_clients: RecentClients::default() }) }
    }

    pub fn settings(&self) -> &WispHubSettings {
        &self.inner.settings
    }

    /// Client records read in the last minute (see `clients.rs`).
    pub(super) fn recent_clients(&self) -> &RecentClients {
        &self.inner.recent_clients
    }

    /// One JSON document from a GET route; `None` when WispHub answers 404.
    pub async fn get(&self, route: &Route, query: &[(&str, String)]) -> Result<Option<Value>, UpstreamError> {
        self.get_decoded(route, query, |body| decode(body)).await
    }

    /// A GET, retried with backoff while it fails transiently (a body that does not decode counts:
    /// a proxy's HTML page is usually a passing fault), decoded by `decode_body`.
    async fn get_decoded<R>(
        &self,
        route: &Route,
        query: &[(&str, String)],
        decode_body: impl Fn(&[u8]) -> Result<R, UpstreamError>,
    ) -> Result<Option<R>, UpstreamError> {
        let mut attempt = 0;
        loop {
            let settings = self.settings();
            let hedges = super::hedge::schedule(settings.hedge);
            // Every request of one try shares the first one's deadline: a duplicate sent late
            // has less time, so a try never outlasts the per-call timeout.
            let exchange = super::hedge::first_good(
                &hedges,
                || budget::remaining(settings.budget) >= MIN_CALL_TIME,
                |offset| {
                    let timeout = settings.timeout.saturating_sub(offset);
                    self.call(Method::GET, route, query, None, Try { attempt, hedge: !offset.is_zero(), timeout })
                },
            );
            let result = exchange.await.and_then(|(status, body)| match status {
                StatusCode::NOT_FOUND => Ok(None),
                s if s.is_success() => decode_body(&body).map(Some),
                s => Err(UpstreamError::BadStatus(s.as_u16())),
            });
            match result {
                Err(e) if e.is_transient() && attempt < MAX_GET_RETRIES => {
                    attempt += 1;
                    let pause = backoff(attempt);
                    if budget::remaining(self.settings().budget) < pause + MIN_CALL_TIME {
                        return Err(e);
                    }
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// Every record of a paged list: the first page tells the count, the other offsets are computed
    /// by us (WispHub's `next` is an `http://` link) and fetched with bounded concurrency.
    /// A record that does not decode is skipped and logged.
    pub async fn list<T: DeserializeOwned + Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, UpstreamError> {
        self.list_kept(route, filters, Some).await
    }

    /// Like `list`, but each record is passed through `keep` as its page arrives and only what it
    /// returns is held, so a 50,000-client list never sits in memory whole in its wire form.
    pub async fn list_kept<T: DeserializeOwned, U: Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        keep: impl Fn(T) -> Option<U> + Sync,
    ) -> Result<Vec<U>, UpstreamError> {
        let size = self.settings().page_size.max(1);
        let keep = &keep;
        let (count, returned, mut kept) = self.page(route, filters, size, 0, keep).await?;
        // WispHub may cap `limit` silently: step by what it really returned.
        let step = if returned < size && returned < count { returned.max(1) } else { size };
        let offsets: Vec<usize> = (1..count.div_ceil(step)).map(|page| page * step).collect();
        let mut pages = stream::iter(offsets)
            .map(|offset| async move { self.page(route, filters, step, offset, keep).await.map(|(_, _, rows)| rows) })
            .buffered(self.settings().concurrency);
        while let Some(rows) = pages.try_next().await? {
            kept.extend(rows);
        }
        // Callers may hold a list for minutes: give back the growth slack.
        kept.shrink_to_fit();
        Ok(kept)
    }

    /// The records of a filtered list that really match: WispHub ignores filters it does not know
    /// (and then sends its whole list), so each record is checked.
    pub async fn find<T: DeserializeOwned + Send>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        matches: impl Fn(&T) -> bool + Sync,
    ) -> Result<Vec<T>, UpstreamError> {
        self.list_kept(route, filters, |record| matches(&record).then_some(record)).await
    }

    /// A POST or PUT, sent once: a write is never retried blindly (it may have happened).
    pub async fn send(&self, method: Method, route: &Route, payload: Payload) -> Result<Answer, UpstreamError> {
        let once = Try { attempt: 0, hedge: false, timeout: self.settings().timeout };
        let (status, body) = self.call(method, route, &[], Some(payload), once).await?;
        let body = if body.is_empty() { Value::Null } else { decode(&body)? };
        Ok(Answer { status, body })
    }

    /// One page: the list's total count, how many rows WispHub returned and the rows kept.
    async fn page<T: DeserializeOwned, U>(
        &self,
        route: &Route,
        filters: &[(&str, String)],
        limit: usize,
        offset: usize,
        keep: &impl Fn(T) -> Option<U>,
    ) -> Result<(usize, usize, Vec<U>), UpstreamError> {
        let mut query = filters.to_vec();
        query.push(("limit", limit.to_string()));
        query.push(("offset", offset.to_string()));
        let page = self.get_decoded(route, &query, |body| decode_page(route, body, keep)).await?;
        page.ok_or(UpstreamError::BadStatus(404))
    }

    /// One HTTP exchange within the budget, traced by route template, status, time and which try
    /// it was (never the query, body or key).
    async fn call(
        &self,
        method: Method,
        route: &Route,
        query: &[(&str, String)],
        payload: Option<Payload>,
        attempt: Try,
    ) -> Result<(StatusCode, bytes::Bytes), UpstreamError> {
        let Try { attempt, hedge, timeout } = attempt;
        let settings = self.settings();
        let time_left = budget::remaining(settings.budget);
        if time_left < MIN_CALL_TIME {
            return Err(UpstreamError::BudgetExhausted);
        }
        let url = format!("{}{}", settings.base_url, route.path());
        let mut request = self.inner.http.request(method.clone(), url).timeout(timeout.min(time_left));
        if let Some(key) = &settings.api_key {
            request = request.header("Authorization", format!("Api-Key {}", key.expose_secret()));
        }
        if !query.is_empty() {
            request = request.query(query);
        }
        request = match payload {
            Some(Payload::Json(body)) => request.json(&body),
            Some(Payload::Multipart(fields)) => {
                let form = fields.into_iter().fold(reqwest::multipart::Form::new(), |form, (k, v)| form.text(k, v));
                request.multipart(form)
            }
            None => request,
        };
        let started = Instant::now();
        let result = async {
            let response = request.send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
        .await;
        let ms = started.elapsed().as_millis() as u64;
        let route_template = route.template();
        match result {
            Ok((status, body)) => {
                tracing::info!(target: "wisphub", %method, route = route_template, status = status.as_u16(), ms, attempt, hedge, "upstream call");
                match status {
                    StatusCode::FORBIDDEN => Err(UpstreamError::KeyRefused),
                    s if s.is_redirection() => Err(UpstreamError::BadStatus(s.as_u16())),
                    s if s.is_server_error() => Err(UpstreamError::BadStatus(s.as_u16())),
                    s => Ok((s, body)),
                }
            }
            Err(e) => {
                let error = if e.is_timeout() {
                    UpstreamError::Timeout
                } else {
                    // reqwest's message would carry the URL; keep only the kind.
                    UpstreamError::Unreachable(if e.is_connect() { "connect".into() } else { "transport".into() })
                };
                tracing::warn!(target: "wisphub", %method, route = route_template, ms, attempt, hedge, error = %error, "upstream call failed");
                Err(error)
            }
        }
    }
}

/// Which try of a call this is (the retry number, whether it is a hedge's duplicate) and how long
/// it may take.
#[derive(Debug, Clone, Copy)]
struct Try {
    attempt: u32,
    hedge: bool,
    timeout: Duration,
}

fn backoff(attempt: u32) -> Duration {
    let base = 150.0 * f64::from(1u32 << attempt.min(4));
    Duration::from_millis((base * rand::random_range(0.5..1.5)) as u64)
}

fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, UpstreamError> {
    serde_json::from_slice(body).map_err(|_| {
        let looks_html = first_byte(body) == Some(b'<');
        UpstreamError::Garbage(if looks_html { "an HTML page".into() } else { "undecodable body".into() })
    })
}

/// The first byte of a body that is not white space: what kind of document it is.
fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// A DRF page, its rows left undecoded until `decode_page`.
#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(default)]
    count: Value,
    #[serde(borrow)]
    results: Option<Vec<&'a RawValue>>,
}

/// The count, the number of rows and the kept rows of one page body. Each row is decoded on its
/// own; a malformed one is logged by field path (never its content) and skipped.
fn decode_page<T: DeserializeOwned, U>(
    route: &Route,
    body: &[u8],
    keep: &impl Fn(T) -> Option<U>,
) -> Result<(usize, usize, Vec<U>), UpstreamError> {
    // Some list routes answer a bare array instead of a page (serde's untagged enums cannot hold raw rows).
    let (count, rows) = if first_byte(body) == Some(b'[') {
        let rows: Vec<&RawValue> = decode(body)?;
        (rows.len(), rows)
    } else {
        let page: RawPage = decode(body)?;
        let rows = page.results.ok_or_else(|| UpstreamError::Garbage("a page without results".into()))?;
        (super::model::lenient_count(&page.count).unwrap_or(rows.len()), rows)
    };
    let returned = rows.len();
    let kept = rows
        .into_iter()
        .enumerate()
        .filter_map(|(index, row)| {
            match serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_str(row.get())) {
                Ok(record) => keep(record),
                Err(e) => {
                    tracing::warn!(target: "wisphub", route = route.template(), index, field = %e.path(), "malformed record skipped");
                    None
                }
            }
        })
        .collect();
    Ok((count, returned, kept))
}

#[cfg(test)]
mod tests {
    use super::super::model::ClientRecord;
    use super::*;

    fn ids(body: &str) -> Result<(usize, usize, Vec<i64>), UpstreamError> {
        decode_page(&Route::Clients, body.as_bytes(), &|record: ClientRecord| Some(record.id_servicio))
    }

    #[test]
    fn a_page_gives_its_count_rows_and_the_records_that_decode() {
        let page = r#"{"count": "7", "next": "http://x/?offset=3", "results": [
            {"id_servicio": 1, "nombre": "Ana"}, {"nombre": "sin id"}, {"id_servicio": "3"}]}"#;
        assert_eq!(ids(page), Ok((7, 3, vec![1, 3])), "string count read, the row without id skipped");
        assert_eq!(ids(r#"[{"id_servicio": 5}]"#), Ok((1, 1, vec![5])), "a bare array is one whole page");
    }

    #[test]
    fn a_body_that_is_not_a_page_is_garbage() {
        assert_eq!(ids(r#"{"detail": "x"}"#), Err(UpstreamError::Garbage("a page without results".into())));
        assert_eq!(ids("<html>"), Err(UpstreamError::Garbage("an HTML page".into())));
        assert_eq!(ids("42"), Err(UpstreamError::Garbage("undecodable body".into())));
    }

    #[test]
    fn keep_decides_what_is_held() {
        let page = r#"{"count": 3, "results": [{"id_servicio": 1}, {"id_servicio": 2}, {"id_servicio": 3}]}"#;
        let odd =
            decode_page(&Route::Clients, page.as_bytes(), &|r: ClientRecord| (r.id_servicio % 2 == 1).then_some(r));
        assert_eq!(odd.map(|(count, returned, kept)| (count, returned, kept.len())), Ok((3, 3, 2)));
    }
}
