//! API users and scopes, JWT issue/verify (HS256 pinned), and the per-router scope guard.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::Response;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{ApiError, AuthFailure};

/// A permission a token can carry (OAuth style, space-separated in the `scope` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "clients:read")]
    ClientsRead,
    #[serde(rename = "clients:list")]
    ClientsList,
    #[serde(rename = "clients:write")]
    ClientsWrite,
    #[serde(rename = "tickets:read")]
    TicketsRead,
    #[serde(rename = "tickets:write")]
    TicketsWrite,
    #[serde(rename = "network:ping")]
    NetworkPing,
    #[serde(rename = "network:read")]
    NetworkRead,
    #[serde(rename = "plans:read")]
    PlansRead,
    #[serde(rename = "billing:read")]
    BillingRead,
    #[serde(rename = "billing:write")]
    BillingWrite,
}

impl Scope {
    pub const ALL: &[Scope] = &[
        Scope::ClientsRead,
        Scope::ClientsList,
        Scope::ClientsWrite,
        Scope::TicketsRead,
        Scope::TicketsWrite,
        Scope::NetworkPing,
        Scope::NetworkRead,
        Scope::PlansRead,
        Scope::BillingRead,
        Scope::BillingWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ClientsRead => "clients:read",
            Scope::ClientsList => "clients:list",
            Scope::ClientsWrite => "clients:write",
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::NetworkPing => "network:ping",
            Scope::NetworkRead => "network:read",
            Scope::PlansRead => "plans:read",
            Scope::BillingRead => "billing:read",
            Scope::BillingWrite => "billing:write",
        }
    }
}

impl FromStr for Scope {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Scope::ALL.iter().copied().find(|scope| scope.as_str() == s).ok_or(())
    }
}

/// A configured API user: name, bcrypt hash (secret) and the scopes its tokens get.
#[derive(Debug, Clone)]
pub struct ApiUser {
    username: String,
    password_hash: SecretString,
    scopes: Vec<Scope>,
}

impl ApiUser {
    /// Refuses a hash that is not bcrypt, so a typo stops start-up instead of every login.
    pub fn new(username: String, password_hash: String, scopes: Vec<Scope>) -> Result<Self, String> {
        bcrypt::HashParts::from_str(&password_hash).map_err(|_| format!("the hash of {username:?} is not bcrypt"))?;
        Ok(ApiUser { username, password_hash: SecretString::from(password_hash), scopes })
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
}

/// Checks a password on a blocking thread. Unknown users are checked against a real hash too,
/// so both failures cost the same time.
pub async fn verify_password(users: &[ApiUser], username: &str, password: &str) -> Option<ApiUser> {
    let user = users.iter().find(|u| u.username == username).cloned();
    let hash = match (&user, users.first()) {
        (Some(user), _) => user.password_hash.clone(),
        (None, Some(any)) => any.password_hash.clone(),
        (None, None) => return None,
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || bcrypt::verify(password, hash.expose_secret()).unwrap_or(false))
        .await
        .unwrap_or(false);
    user.filter(|_| matches)
}

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
    pub subject: String,
    pub scopes: Vec<Scope>,
}

/// Issues and verifies our JWTs; built once per process from the configuration.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl Tokens {
    pub fn from_config(config: &Config) -> Self {
        let secret = config.jwt_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_secs: config.jwt_ttl_minutes.max(1) as u64 * 60,
        }
    }

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
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            scope: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    /// The caller behind a raw token, or why not (the reason only goes to a debug log).
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            tracing::debug!(reason = %e, "token refused");
            ApiError::Unauthorized(AuthFailure::InvalidToken)
        })?;
        let scopes = data.claims.scope.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        Ok(Caller { subject: data.claims.sub, scopes })
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

pub fn now_secs() -> u64 {
    now_millis() / 1000
}

pub fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
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
