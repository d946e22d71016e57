//! JWT issue/verify (HS256 pinned), API keys at the door, the verified caller, and the per-router
//! scope guard.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use axum::middleware::{self, Next};
use axum::response::Response;
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};

use crate::api_keys;
use crate::clock::now_secs;
use crate::config::Config;
use crate::error::{ApiError, AuthFailure};
use crate::jwt::Signer;
use crate::state::AppState;
use crate::store::{Item, Store, keys};
use crate::users::Scope;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
    iss: String,
    aud: String,
    scope: String,
    jti: String,
}

/// The verified bearer of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's `sub`: the API user it was issued to.
    pub subject: String,
    /// The scopes the token carries (unknown ones dropped).
    pub scopes: Vec<Scope>,
}

/// A handler that names the caller gets it from the scope guard; a route the guard does not cover
/// has none and answers 401, never a 500 for a missing extension.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthorized(AuthFailure::MissingToken))
    }
}

/// Issues and verifies our JWTs; built once per process from the configuration.
pub struct Tokens {
    signer: Signer,
    ttl_secs: u64,
}

impl Tokens {
    /// Keys, issuer, audience and lifetime from the configuration.
    pub fn from_config(config: &Config) -> Self {
        Tokens { signer: Signer::from_config(config, 5), ttl_secs: config.jwt_ttl_minutes.max(1) as u64 * 60 }
    }

    /// How long an issued token lives, in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// A signed HS256 token for `subject` with `scopes`.
    pub fn issue(&self, subject: &str, scopes: &[Scope]) -> Result<String, ApiError> {
        let now = now_secs();
        let claims = Claims {
            sub: subject.to_owned(),
            iat: now,
            exp: now + self.ttl_secs,
            iss: self.signer.issuer.clone(),
            aud: self.signer.audience.clone(),
            scope: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        self.signer.sign(&claims).map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    /// The caller behind a raw token, or why not (the reason only goes to a debug log).
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let claims: Claims = self.signer.read(token).map_err(|e| {
            tracing::debug!(reason = %e, "token refused");
            ApiError::Unauthorized(AuthFailure::InvalidToken)
        })?;
        let scopes = claims.scope.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        Ok(Caller { subject: claims.sub, scopes })
    }
}

/// Who may pass a guarded route: a bearer token or an API key (docs/api.md §2, §13), never both.
/// Failed keys count per source address in the shared store, like failed logins, so every
/// instance sees a lockout.
pub struct Door {
    tokens: Arc<Tokens>,
    config: Arc<Config>,
    store: Arc<dyn Store>,
}

impl Door {
    /// The door of `state`: its token keys, its configured API keys, its store.
    pub fn new(state: &AppState) -> Self {
        Door { tokens: state.tokens.clone(), config: state.config.clone(), store: state.store.clone() }
    }

    /// The caller behind a request's credentials, or why not.
    pub async fn caller(&self, headers: &HeaderMap, source: &str) -> Result<Caller, ApiError> {
        let bearer = headers.get(AUTHORIZATION).map(|v| v.to_str().unwrap_or_default());
        let key = headers.get(api_keys::HEADER).map(|v| v.to_str().unwrap_or_default().trim());
        match (bearer, key) {
            // Two credentials would let one vouch for the other's scopes: neither is trusted.
            (Some(_), Some(_)) => Err(ApiError::Unauthorized(AuthFailure::InvalidToken)),
            (Some(header), None) => {
                let token = header
                    .split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim())
                    .ok_or(ApiError::Unauthorized(AuthFailure::MissingToken))?;
                self.tokens.verify(token)
            }
            (None, Some(key)) => self.key_holder(key, source).await,
            (None, None) => Err(ApiError::Unauthorized(AuthFailure::MissingToken)),
        }
    }

    /// The holder of an API key. While `source` is locked out every key gets 429, a right one too,
    /// so the lock never tells which key was right.
    async fn key_holder(&self, key: &str, source: &str) -> Result<Caller, ApiError> {
        if key.chars().count() < api_keys::MIN_KEY_CHARS {
            return Err(ApiError::Unauthorized(AuthFailure::InvalidToken));
        }
        let counter = keys::login_attempts(&format!("ip:{source}"));
        refuse_if_locked(self.store.get(&counter).await?, self.config.login_max_failures)?;
        match api_keys::find(&self.config.api_keys, key) {
            Some(found) => Ok(Caller { subject: found.name().to_owned(), scopes: found.scopes().to_vec() }),
            None => {
                self.store.increment(&counter, now_secs() + self.config.login_window.as_secs()).await?;
                tracing::info!("API key refused");
                Err(ApiError::Unauthorized(AuthFailure::InvalidToken))
            }
        }
    }
}

/// 429 while a failure counter (logins, API keys) stands at `max_failures` or more, until its window ends.
pub fn refuse_if_locked(counter: Option<Item>, max_failures: u64) -> Result<(), ApiError> {
    match counter.filter(|item| item.value.parse::<u64>().unwrap_or(0) >= max_failures) {
        Some(item) => Err(ApiError::TooManyAttempts { retry_after_secs: item.expires_at.saturating_sub(now_secs()) }),
        None => Ok(()),
    }
}

/// The caller's address: API Gateway's view when deployed, the socket peer locally.
pub fn source_address(extensions: &Extensions) -> String {
    let from_gateway = match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    let from_socket = || extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
    from_gateway.or_else(from_socket).unwrap_or_else(|| "unknown".into())
}

/// Guards every route of `router` (added before this call) with a caller carrying `scope`.
/// Unknown paths and wrong methods are not guarded, so they stay 404/405.
pub fn require_scope<S: Clone + Send + Sync + 'static>(router: Router<S>, door: Arc<Door>, scope: Scope) -> Router<S> {
    router.route_layer(middleware::from_fn_with_state((door, Some(scope)), authorize))
}

/// Guards every route of `router` with a known caller, whatever its scopes (the MCP door, whose
/// tools each check their own route's scope).
pub fn require_caller<S: Clone + Send + Sync + 'static>(router: Router<S>, door: Arc<Door>) -> Router<S> {
    router.route_layer(middleware::from_fn_with_state((door, None), authorize))
}

async fn authorize(
    State((door, scope)): State<(Arc<Door>, Option<Scope>)>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // A door that runs a route in-process (MCP) hands over the caller it already let in; an
    // extension cannot arrive over HTTP.
    let caller = match request.extensions().get::<Caller>() {
        Some(caller) => caller.clone(),
        None => door.caller(request.headers(), &source_address(request.extensions())).await?,
    };
    tracing::Span::current().record("api_user", caller.subject.as_str());
    if scope.is_some_and(|scope| !caller.scopes.contains(&scope)) {
        return Err(ApiError::Forbidden);
    }
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}
