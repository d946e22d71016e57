//! HTTP-level tests: requests go through the full router (middleware included) without a socket,
//! except where the transport itself matters.

mod billing;
mod client_status;
mod clients;
mod faults;
mod general_faults;
mod payment_reports;
mod promises;
mod stalls;
mod tickets;
mod wire;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::{DEFAULT_API_KEY, Faults, SandboxConfig, SandboxState, router};

pub(crate) struct App {
    pub state: SandboxState,
    router: Router,
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl App {
    pub fn new() -> App {
        App::with(SandboxConfig::default())
    }

    pub fn with_faults(faults: Faults) -> App {
        App::with(SandboxConfig { faults, ..SandboxConfig::default() })
    }

    pub fn with(config: SandboxConfig) -> App {
        let state = SandboxState::new(config);
        App { router: router(state.clone()), state }
    }

    pub async fn send(&self, method: &str, uri: &str, key: Option<&str>, body: Option<(&str, String)>) -> Answer {
        let mut builder = Request::builder().method(method).uri(uri).header(header::HOST, "127.0.0.1:8001");
        if let Some(key) = key {
            builder = builder.header(header::AUTHORIZATION, format!("Api-Key {key}"));
        }
        let request = match body {
            Some((content_type, body)) => builder.header(header::CONTENT_TYPE, content_type).body(Body::from(body)),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        self.call(request).await
    }

    /// A POST with the key and a body that need not be text (a file upload).
    pub async fn post_bytes(&self, uri: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8001")
            .header(header::AUTHORIZATION, format!("Api-Key {DEFAULT_API_KEY}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request");
        self.call(request).await
    }

    async fn call(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Answer { status, headers, body }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send("GET", uri, Some(DEFAULT_API_KEY), None).await
    }

    pub async fn get_json(&self, uri: &str) -> Value {
        let answer = self.get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "GET {uri}: {}", answer.text());
        answer.json()
    }

    pub async fn post_json(&self, uri: &str, body: Value) -> Answer {
        self.send("POST", uri, Some(DEFAULT_API_KEY), Some(("application/json", body.to_string()))).await
    }

    pub async fn put_json(&self, uri: &str, body: Value) -> Answer {
        self.send("PUT", uri, Some(DEFAULT_API_KEY), Some(("application/json", body.to_string()))).await
    }

    /// Ids of every record over every page of a list, walking offsets (never `next`).
    pub async fn all_results(&self, route: &str, query: &str) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let page = self.get_json(&format!("{route}?{query}&limit=50&offset={}", all.len())).await;
            let results = page["results"].as_array().cloned().unwrap_or_default();
            if results.is_empty() {
                return all;
            }
            all.extend(results);
        }
    }
}

pub(crate) fn multipart(fields: &[(&str, &str)]) -> (&'static str, String) {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--BoUnDaRy\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str("--BoUnDaRy--\r\n");
    ("multipart/form-data; boundary=BoUnDaRy", body)
}

pub(crate) fn ids(page: &Value, key: &str) -> Vec<i64> {
    page["results"].as_array().map(|r| r.iter().filter_map(|v| v[key].as_i64()).collect()).unwrap_or_default()
}
