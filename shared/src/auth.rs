//! JWT issue/verify (HS256 pinned), the verified caller, and the per-router scope guard.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::clock::now_secs;
use crate::config::Config;
use crate::error::{ApiError, AuthFailure};
use crate::jwt::Signer;
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

    /// The caller of a request carrying `Authorization: Bearer <token>`.
    pub fn caller(&self, request: &Request) -> Result<Caller, ApiError> {
        let header = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = header
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ApiError::Unauthorized(AuthFailure::MissingToken))?;
        self.verify(token)
    }
}

/// Guards every route of `router` (added before this call) with a valid token carrying `scope`.
/// Unknown paths and wrong methods are not guarded, so they stay 404/405.
pub fn require_scope<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    tokens: Arc<Tokens>,
    scope: Scope,
) -> Router<S> {
    router.route_layer(middleware::from_fn_with_state((tokens, scope), authorize))
}

async fn authorize(
    State((tokens, scope)): State<(Arc<Tokens>, Scope)>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let caller = tokens.caller(&request)?;
    if !caller.scopes.contains(&scope) {
        return Err(ApiError::Forbidden);
    }
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}
