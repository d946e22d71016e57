//! The harness: the whole API in-process (the app `wisphub-local` serves) against a fresh sandbox.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use shared::AppState;
use shared::Scope;
use shared::config::Config;
use shared::directory::refresh::{Changes, RefreshError, Refreshed, refresh};
use shared::events::Recorder;
use shared::http::App;
use shared::store::{DynamoStore, MemoryStore, Store};
use tower::ServiceExt;
use wisphub_sandbox::{Sandbox, SandboxConfig};

pub const JWT_SECRET: &str = "test-secret-0123456789abcdef-0123456789";
pub const BOT_USER: &str = "bot";
pub const BOT_PASSWORD: &str = "correct horse battery";
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "staple";
/// How long the sandbox's ping tasks run, and how often the API looks at one: a test's time scale.
pub const PING_RUN_TIME: Duration = Duration::from_millis(120);
pub const PING_CHECK_INTERVAL: Duration = Duration::from_millis(60);

/// Hashes are costly even at bcrypt's lowest cost; make them once per test binary.
fn hashes() -> &'static (String, String) {
    static HASHES: OnceLock<(String, String)> = OnceLock::new();
    HASHES.get_or_init(|| (bcrypt::hash(BOT_PASSWORD, 4).unwrap(), bcrypt::hash(ADMIN_PASSWORD, 4).unwrap()))
}

pub struct TestApp {
    pub app: App,
    pub state: AppState,
    pub sandbox: Sandbox,
}

/// What a caller sees of a response.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn action(&self) -> &str {
        self.body["action"].as_str().unwrap_or_default()
    }

    /// Asserts the envelope shape of docs/api.md §1 (all six keys, ok/type consistent).
    pub fn assert_envelope(&self) -> &Self {
        let object = self.body.as_object().unwrap_or_else(|| panic!("not an envelope: {}", self.text));
        for key in ["ok", "type", "action", "data", "message", "meta"] {
            assert!(object.contains_key(key), "envelope lacks {key}: {}", self.text);
        }
        assert_eq!(object.len(), 6, "envelope has extra keys: {}", self.text);
        assert_eq!(self.body["ok"] == false, self.body["type"] == "error", "ok/type disagree: {}", self.text);
        self
    }
}

pub struct Builder {
    settings: HashMap<String, String>,
    sandbox: SandboxConfig,
    store: Option<Arc<dyn Store>>,
}

impl Builder {
    pub fn setting(mut self, name: &str, value: impl Into<String>) -> Self {
        self.settings.insert(name.into(), value.into());
        self
    }

    pub fn sandbox(mut self, configure: impl FnOnce(&mut SandboxConfig)) -> Self {
        configure(&mut self.sandbox);
        self
    }

    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    pub async fn spawn(self) -> TestApp {
        let sandbox = wisphub_sandbox::spawn(self.sandbox).await;
        let (bot_hash, admin_hash) = hashes();
        let bot_scopes = r#"["clients:read","tickets:read","tickets:write","network:ping","plans:read"]"#;
        let mut settings: HashMap<String, String> = HashMap::from([
            ("JWT_SECRET".into(), JWT_SECRET.into()),
            (
                "API_USERS".into(),
                format!(r#"[{{"username":"{BOT_USER}","password_hash":"{bot_hash}","scopes":{bot_scopes}}}]"#),
            ),
            ("API_USERNAME".into(), ADMIN_USER.into()),
            ("API_PASSWORD_HASH".into(), admin_hash.clone()),
            ("WISPHUB_API_URL".into(), sandbox.url()),
            ("WISPHUB_API_KEY".into(), sandbox.api_key().to_owned()),
            ("WISPHUB_TIMEOUT_MS".into(), "1000".into()),
            ("REQUEST_BUDGET_MS".into(), "3000".into()),
            ("DEFAULT_TECHNICIAN_ID".into(), "7".into()),
            ("PING_CHECK_INTERVAL_MS".into(), PING_CHECK_INTERVAL.as_millis().to_string()),
        ]);
        settings.extend(self.settings);
        let config = Config::from_lookup(|name| settings.get(name).cloned()).expect("test configuration");
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let state = AppState::new(config, store).expect("test state");
        TestApp { app: wisphub_local::app(state.clone()), state, sandbox }
    }
}

impl TestApp {
    pub fn builder() -> Builder {
        let sandbox = SandboxConfig { ping_run_time: PING_RUN_TIME, ..SandboxConfig::default() };
        Builder { settings: HashMap::new(), sandbox, store: None }
    }

    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    /// A second instance (another Lambda container) sharing only the store and the sandbox.
    pub fn twin(&self) -> App {
        let state = AppState::new((*self.state.config).clone(), self.state.store.clone()).expect("test state");
        wisphub_local::app(state)
    }

    /// One run of the directory refresher against this app's store and sandbox (the schedule's
    /// work, done when a test needs a snapshot in place first).
    pub async fn refresh_directory(&self) -> Result<Refreshed, RefreshError> {
        refresh(&*self.state.store, &self.state.wisphub, Changes::Record(&Recorder::of(&self.state))).await
    }

    pub fn token(&self, scopes: &[Scope]) -> String {
        self.state.tokens.issue("tester", scopes).unwrap()
    }

    pub fn full_token(&self) -> String {
        self.token(Scope::ALL)
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        send_to(&self.app, request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(request(Method::GET, path, Some(token), None)).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(request(Method::POST, path, Some(token), Some(body))).await
    }

    pub async fn put_json(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(request(Method::PUT, path, Some(token), Some(body))).await
    }

    pub async fn post_form(&self, path: &str, form: &str) -> Answer {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        self.send(request).await
    }
}

/// `(type, action)` of an answer, after checking it is an envelope.
pub fn kind(answer: &Answer) -> (&str, &str) {
    (answer.assert_envelope().body["type"].as_str().unwrap_or_default(), answer.action())
}

/// A request with an optional bearer token and JSON body.
pub fn request(method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder.header("content-type", "application/json").body(Body::from(body.to_string())).unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

pub async fn send_to<B>(app: &App, request: Request<B>) -> Answer
where
    App: tower::Service<Request<B>, Response = axum::response::Response, Error = std::convert::Infallible>,
{
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, body, text }
}

/// A store on a fresh table of the DynamoDB engine at `AWS_ENDPOINT_URL_DYNAMODB` (the test script
/// starts one); panics when that is unset or the engine does not answer. Tests using it are
/// `#[ignore]`d, so a plain `cargo test` lists them as ignored instead of passing them unrun.
pub async fn dynamo_store() -> Arc<dyn Store> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "DynamoDB Local is not running: AWS_ENDPOINT_URL_DYNAMODB is unset \
             (run ./scripts/test, or eval \"$(scripts/dynamodb-local start)\" then cargo test -- --include-ignored)"
        )
    });
    let store = DynamoStore::connect(format!("api-tests-{}", uuid::Uuid::new_v4().simple()), None).await;
    store
        .create_table()
        .await
        .unwrap_or_else(|err| panic!("creating a test table at AWS_ENDPOINT_URL_DYNAMODB={endpoint}: {err:?}"));
    Arc::new(store)
}
