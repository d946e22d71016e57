//! The WispHub transport: `Api-Key`, per-call timeout inside the request budget, GET retries with
//! jittered backoff and hedging, typed errors, one span per call (paging is in `paging.rs`).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;
use tracing::{Span, field};

use super::clients::recent_clients;
use super::model::ClientRecord;
use super::{Route, UpstreamError};
use crate::budget;
use crate::config::{Config, ConfigError};
use crate::recent::Recent;

/// Retries after the first attempt of an idempotent GET.
const MAX_GET_RETRIES: u32 = 2;
/// Below this much budget a call is not worth starting.
const MIN_CALL_TIME: Duration = Duration::from_millis(100);

/// How to reach and treat the tenant.
#[derive(Debug, Clone)]
pub struct WispHubSettings {
    /// The tenant's API root, without a trailing slash.
    pub base_url: String,
    /// Sent as `Authorization: Api-Key …`; never logged.
    pub api_key: Option<SecretString>,
    /// Longest wait for one exchange (a hedge's duplicate shares its deadline).
    pub timeout: Duration,
    /// Unanswered this long, an idempotent GET gets one duplicate (zero: never).
    pub hedge: Duration,
    /// Time calls may take outside a request (background refreshes); in one, its own deadline rules.
    pub budget: Duration,
    /// Pages of one list fetched at once.
    pub concurrency: usize,
    /// The `limit` asked of each page.
    pub page_size: usize,
}

impl WispHubSettings {
    /// The `WISPHUB_*` and `REQUEST_BUDGET_MS` settings.
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
    /// A JSON body.
    Json(Value),
    /// `multipart/form-data` text fields, in order.
    Multipart(Vec<(&'static str, String)>),
    /// `multipart/form-data` text fields and one file part.
    MultipartWithFile(Vec<(&'static str, String)>, FilePart),
}

/// A file sent in a multipart body: its part name, file name, content type and bytes.
#[derive(Clone)]
pub struct FilePart {
    pub name: &'static str,
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: bytes::Bytes,
}

// Never the bytes (a customer's receipt): its name, type and size.
impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
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
    recent_clients: Recent<ClientRecord>,
}

impl WispHub {
    /// The client for `settings`; built once per process, its connections reused. A client that
    /// cannot be built stops start-up: a default one would follow WispHub's redirects.
    pub fn new(settings: WispHubSettings) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            // A redirect from WispHub is a wrong-slash 301 or an http:// link: never follow either.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .user_agent(concat!("wisphub-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Unbuildable { what: "the WispHub HTTP client", reason: e.to_string() })?;
        Ok(WispHub { inner: Arc::new(Inner { http, settings, recent_clients: recent_clients() }) })
    }

    /// What this client was built with.
    pub fn settings(&self) -> &WispHubSettings {
        &self.inner.settings
    }

    /// Client records read in the last minute (see `clients.rs`).
    pub(super) fn recent_clients(&self) -> &Recent<ClientRecord> {
        &self.inner.recent_clients
    }

    /// One JSON document from a GET route; `None` when WispHub answers 404.
    // Spans record the route template only: queries carry phones and documents, ids are customers'.
    #[tracing::instrument(name = "wisphub_get", target = "wisphub", skip_all, fields(route = route.template()))]
    pub async fn get(&self, route: &Route, query: &[(&str, String)]) -> Result<Option<Value>, UpstreamError> {
        self.get_decoded(route, query, |body| decode(body)).await
    }

    /// A GET, retried with backoff while it fails transiently (a body that does not decode counts:
    /// a proxy's HTML page is usually a passing fault), decoded by `decode_body`.
    pub(super) async fn get_decoded<R>(
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

    /// A POST or PUT, sent once: a write is never retried blindly (it may have happened).
    #[tracing::instrument(name = "wisphub_send", target = "wisphub", skip_all,
        fields(%method, route = route.template(), status = field::Empty))]
    pub async fn send(&self, method: Method, route: &Route, payload: Payload) -> Result<Answer, UpstreamError> {
        let once = Try { attempt: 0, hedge: false, timeout: self.settings().timeout };
        let (status, body) = self.call(method, route, &[], Some(payload), once).await?;
        Span::current().record("status", status.as_u16());
        let body = if body.is_empty() { Value::Null } else { decode(&body)? };
        Ok(Answer { status, body })
    }

    /// One HTTP exchange within the budget, traced by route template, status, time and which try
    /// it was (never the query, body or key).
    #[tracing::instrument(name = "wisphub_call", target = "wisphub", skip_all, fields(%method,
        route = route.template(), attempt = attempt.attempt, hedge = attempt.hedge, status = field::Empty))]
    async fn call(
        &self,
        method: Method,
        route: &Route,
        query: &[(&str, String)],
        payload: Option<Payload>,
        attempt: Try,
    ) -> Result<(StatusCode, bytes::Bytes), UpstreamError> {
        let timeout = attempt.timeout;
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
            Some(Payload::Multipart(fields)) => request.multipart(text_form(fields)),
            Some(Payload::MultipartWithFile(fields, file)) => {
                let part = |file: &FilePart| {
                    reqwest::multipart::Part::stream(file.bytes.clone()).file_name(file.file_name.clone())
                };
                // Our content types are fixed, well-formed names; an unparsable one goes untyped.
                let typed = part(&file).mime_str(file.content_type).unwrap_or_else(|_| part(&file));
                request.multipart(text_form(fields).part(file.name, typed))
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
        match result {
            Ok((status, body)) => {
                Span::current().record("status", status.as_u16());
                // Method, route, attempt, hedge and status are the `wisphub_call` span's fields.
                tracing::info!(target: "wisphub", ms, "upstream call");
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
                tracing::warn!(target: "wisphub", ms, error = %error, "upstream call failed");
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

pub(super) fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, UpstreamError> {
    serde_json::from_slice(body).map_err(|_| {
        let looks_html = first_byte(body) == Some(b'<');
        UpstreamError::Garbage(if looks_html { "an HTML page".into() } else { "undecodable body".into() })
    })
}

/// The first byte of a body that is not white space: what kind of document it is.
pub(super) fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}
/// Text fields as a multipart form, in their order.
fn text_form(fields: Vec<(&'static str, String)>) -> reqwest::multipart::Form {
    fields.into_iter().fold(reqwest::multipart::Form::new(), |form, (k, v)| form.text(k, v))
}
