//! The token route: OAuth2 password grant, form-urlencoded or JSON, with brute-force limits.

mod login;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use shared::auth::source_address;
use shared::envelope::json_response;
use shared::extract::FormOrJson;
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::store::StoreVerb;
use shared::{ApiError, AppState};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use login::{Credentials, TokenResponse};

#[derive(OpenApi)]
#[openapi(components(schemas(Credentials, TokenResponse)))]
struct AuthApi;

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AuthApi::openapi()).routes(routes!(issue_token))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "auth",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[],
        undocumented: &[],
        probe: Probe {
            method: "POST",
            path: "/api/v1/auth/token",
            form: Some("username=smoke&password=wrong"),
            status: 401,
            action: "error",
        },
    }),
    table: &[StoreVerb::Get, StoreVerb::Delete, StoreVerb::Increment],
    secrets: &[Secret::JwtSecret, Secret::ApiUsers],
};

pub fn router(state: AppState) -> Router {
    Router::from(api()).with_state(state)
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    request_body(
        content(
            (Credentials = "application/x-www-form-urlencoded"),
            (Credentials = "application/json", example = json!({"username": "admin", "password": "secret"}))
        )
    ),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse,
         example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "bearer", "expires_in": 3600})),
        (status = 401, description = "Incorrect username or password", body = shared::envelope::Envelope,
         example = json!({"ok": false, "type": "error", "action": "error", "data": null,
            "message": "Incorrect username or password.", "meta": null})),
        (status = 415, description = "A body that is neither a form nor JSON (no `Content-Type` is read as a form)",
         body = shared::envelope::Envelope,
         example = json!({"ok": false, "type": "error", "action": "error", "data": null,
            "message": "Tipo de contenido no admitido: envíe el cuerpo como application/x-www-form-urlencoded o application/json.",
            "meta": null})),
        (status = 422, description = "`username` or `password` missing, or a `grant_type` other than `password`"),
        (status = 429, description = "5 failed logins for this username or from this address within 15 minutes; \
            see Retry-After", body = shared::envelope::Envelope),
        (status = 503, description = "The shared store (login counters) is unavailable; see Retry-After",
         body = shared::envelope::Envelope),
    )
)]
#[tracing::instrument(skip_all)]
async fn issue_token(
    State(state): State<AppState>,
    SourceIp(source_ip): SourceIp,
    // OAuth2 clients send a form, some without saying so; JSON when declared; anything else is a 415.
    FormOrJson(credentials): FormOrJson<Credentials>,
) -> Result<Response, ApiError> {
    let token = login::login(&state, credentials, &source_ip).await?;
    Ok(json_response(StatusCode::OK, &token).into_response())
}

/// The caller's address (`auth::source_address`), for the per-address login counter.
struct SourceIp(String);

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SourceIp(source_address(&parts.extensions)))
    }
}
