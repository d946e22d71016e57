//! The verification proof of docs/api.md §10: a short-lived token a successful verify or resolve hands
//! the bot, naming the service and the API user, that personal routes (balance, payment promise)
//! require in `X-Verification-Token`. It is signed with the JWT secret but is not an access token:
//! its `typ` claim tells them apart in both directions.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Scope;
use crate::auth::Caller;
use crate::clock::now_secs;
use crate::config::Config;
use crate::envelope::{Action, Reply};
use crate::error::ApiError;
use crate::extract::Path;
use crate::ids::ServiceId;
use crate::jwt::Signer;
use crate::state::AppState;

/// The header a proof travels in.
pub const HEADER: &str = "x-verification-token";
/// The `typ` claim of a proof; access tokens have none.
const PROOF_TYPE: &str = "client-verification";
/// What a caller without a valid proof hears (docs/api.md §10).
pub const PROOF_REQUIRED: &str = "Se requiere verificar la identidad del cliente antes de continuar.";

#[derive(Debug, Serialize, Deserialize)]
struct ProofClaims {
    typ: String,
    sub: String,
    svc: i64,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

/// `meta.verification` of a successful verify or resolve.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proof {
    pub token: String,
    pub service_id: i64,
    /// Seconds the proof stays valid.
    pub expires_in: u64,
}

/// Issues and checks proofs; built once per process from the configuration.
pub struct Proofs {
    signer: Signer,
    ttl_secs: u64,
}

impl Proofs {
    /// Keys from the JWT secret, lifetime from `VERIFICATION_TTL_MINUTES`.
    pub fn from_config(config: &Config) -> Self {
        // No leeway: a proof is short-lived by design.
        Proofs { signer: Signer::from_config(config, 0), ttl_secs: config.verification_ttl.as_secs().max(1) }
    }

    /// A proof that `api_user` verified the holder of `service_id` just now.
    pub fn issue(&self, api_user: &str, service_id: i64) -> Result<Proof, ApiError> {
        let now = now_secs();
        let claims = ProofClaims {
            typ: PROOF_TYPE.to_owned(),
            sub: api_user.to_owned(),
            svc: service_id,
            iss: self.signer.issuer.clone(),
            aud: self.signer.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let token =
            self.signer.sign(&claims).map_err(|e| ApiError::Internal(format!("signing a verification proof: {e}")))?;
        Ok(Proof { token, service_id, expires_in: self.ttl_secs })
    }

    /// Whether `token` proves that `api_user` verified `service_id` and has not expired.
    pub fn holds(&self, token: &str, api_user: &str, service_id: i64) -> bool {
        match self.signer.read::<ProofClaims>(token) {
            Ok(claims) => claims.typ == PROOF_TYPE && claims.sub == api_user && claims.svc == service_id,
            Err(e) => {
                tracing::debug!(reason = %e, "verification proof refused");
                false
            }
        }
    }

    /// Whether the request may act on `service_id`'s personal data: staff with `clients:list`, or a
    /// proof in the header for this service and this caller.
    fn allows(&self, caller: &Caller, headers: &HeaderMap, service_id: i64) -> bool {
        if caller.scopes.contains(&Scope::ClientsList) {
            return true;
        }
        let token = headers.get(HEADER).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or_default();
        !token.is_empty() && self.holds(token, &caller.subject, service_id)
    }
}

/// The answer to a request without a valid proof: HTTP 200, info `client_verification_required`,
/// sent before any upstream call.
fn proof_required() -> Reply {
    Reply::info(Action::ClientVerificationRequired, PROOF_REQUIRED)
}

/// The guard of every proof route: the path's service, once the caller has shown it may act on
/// that service's personal data. Without a valid proof the route answers `proof_required()`
/// before its handler runs, so nothing reaches WispHub.
#[derive(Debug, Clone)]
pub struct VerifiedService {
    pub service_id: ServiceId,
    pub caller: Caller,
}

impl<S> FromRequestParts<S> for VerifiedService
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let caller = Caller::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Path(service_id) =
            Path::<ServiceId>::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        if !AppState::from_ref(state).proofs.allows(&caller, &parts.headers, service_id.get()) {
            return Err(proof_required().into_response());
        }
        Ok(VerifiedService { service_id, caller })
    }
}
