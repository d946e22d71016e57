//! What one function is to the programs that compose functions (the local server, the OpenAPI
//! document, the template test, the Lambda smoke test): each function crate exports one
//! [`Function`], and the `registry` crate lists them all (docs/architecture.md).

use std::sync::Arc;

use axum::Router;
use futures::future::BoxFuture;
use utoipa::openapi::OpenApi;

use crate::state::AppState;
use crate::store::{Permitted, StoreVerb};
use crate::users::Scope;

/// What the guard of protected routes calls: the failed-key counter of a source address.
const GUARD_VERBS: &[StoreVerb] = &[StoreVerb::Get, StoreVerb::Increment];

/// A job's failure, as the Lambda runtime takes it.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// A function: how it is entered, and what it may use.
pub struct Function {
    /// The binary's name (template.yaml's `BuildProperties.Binary`, `<Name>Function` its resource).
    pub name: &'static str,
    /// HTTP routes behind the API, or a job run by a schedule.
    pub entry: Entry,
    /// The store verbs its own code calls; with the guard's (`store_verbs`) they are its table
    /// policy in template.yaml, and all its store may do.
    pub table: &'static [StoreVerb],
    /// The secrets it cannot start without.
    pub secrets: &'static [Secret],
}

/// A job's run or a batch's handling: its value is the invocation's answer.
pub type Invoked = BoxFuture<'static, Result<serde_json::Value, JobError>>;

/// How a function is entered.
pub enum Entry {
    /// Routes behind the HTTP API.
    Http(Http),
    /// A job an EventBridge schedule runs.
    Scheduled(Job),
    /// A consumer of the webhook queue (an SQS event source with partial batch responses): it
    /// gets the batch as Lambda hands it over and answers which messages failed.
    Queue(fn(AppState, serde_json::Value) -> Invoked),
}

/// A scheduled function's work.
pub struct Job {
    pub run: fn(AppState) -> Invoked,
    /// Whether it hands events to the webhook queue (`sqs:SendMessage` on it, when deployed).
    pub sends_events: bool,
}

/// A function's HTTP side.
pub struct Http {
    /// Its routes, guards included.
    pub router: fn(AppState) -> Router,
    /// The OpenAPI document of those routes.
    pub openapi: fn() -> OpenApi,
    /// The scopes its routes ask for (checked against the document's security requirements).
    pub scopes: &'static [Scope],
    /// `(method, path)` of routes it serves outside its document: the document itself and its
    /// viewers, and the MCP door (another protocol than the document describes).
    pub undocumented: &'static [(&'static str, &'static str)],
    /// One request the deployed binary must answer without WispHub: the Lambda smoke test's.
    pub probe: Probe,
}

/// A request and the answer it must get (status and envelope action).
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub method: &'static str,
    pub path: &'static str,
    /// A form body, if the route takes one.
    pub form: Option<&'static str>,
    pub status: u16,
    pub action: &'static str,
}

/// A value held in the deployed secret (never in the template or the function's environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// `JWT_SECRET`: signs and checks access tokens and verification proofs.
    JwtSecret,
    /// `WISPHUB_API_KEY`: every call to WispHub.
    WispHubKey,
    /// `API_USERS` or `API_USERNAME` + `API_PASSWORD_HASH`: the token route's users.
    ApiUsers,
    /// `WEBHOOK_SECRET` (with `WEBHOOK_URL`): signs each webhook delivery.
    WebhookSecret,
}

impl Function {
    /// The template resource of this function: `internet-plans` → `InternetPlansFunction`.
    pub fn logical_id(&self) -> String {
        let words = self.name.split('-').map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
        });
        format!("{}Function", words.collect::<String>())
    }

    /// The HTTP side, for functions behind the API.
    pub fn http(&self) -> Option<&Http> {
        match &self.entry {
            Entry::Http(http) => Some(http),
            Entry::Scheduled(_) | Entry::Queue(_) => None,
        }
    }

    /// Every store verb it may call: its own, and the guard's when it has guarded routes (the
    /// lockout of failed API keys is read and counted in the store).
    pub fn store_verbs(&self) -> Vec<StoreVerb> {
        let guarded = self.http().is_some_and(|http| !http.scopes.is_empty());
        let guard: &[StoreVerb] = if guarded { GUARD_VERBS } else { &[] };
        let mut verbs: Vec<StoreVerb> = self.table.iter().chain(guard).copied().collect();
        verbs.sort();
        verbs.dedup();
        verbs
    }

    /// `state` with its store limited to this function's verbs, as its table policy limits it
    /// when deployed: a verb it does not declare fails in every test that reaches it.
    pub fn state(&self, state: &AppState) -> AppState {
        let store = Arc::new(Permitted::new(state.store.clone(), self.name, self.store_verbs()));
        AppState { store, ..state.clone() }
    }

    /// Its router on `state` (HTTP functions), the store limited to its verbs.
    pub fn router(&self, state: &AppState) -> Option<Router> {
        self.http().map(|http| (http.router)(self.state(state)))
    }
}
