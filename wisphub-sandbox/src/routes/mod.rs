//! The router: every WispHub route with its documented trailing slash under the request
//! middleware, Django's 301/404 (`crate::django`) for the rest, and DRF's body errors.

mod billing;
mod clients;
mod plans;
mod sandbox;
mod tasks;
mod tickets;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::body::ParsedForm;
use crate::django::{detail, unrouted};
use crate::middleware::track;
use crate::state::SandboxState;

/// The sandbox app; serve it as-is (it already carries its request-log middleware).
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .merge(clients::routes())
        .merge(tickets::routes())
        .merge(tasks::routes())
        .merge(plans::routes())
        .merge(billing::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(fallback)
        // `Router::layer` runs after routing, which is what we want here: `MatchedPath` is known.
        .layer(from_fn_with_state(state.clone(), track))
        // Merged after the log layer, so these views are not logged as requests.
        .merge(sandbox::routes())
        .with_state(state)
}

async fn fallback(uri: Uri) -> Response {
    unrouted(&uri)
}

async fn method_not_allowed(method: Method) -> Response {
    detail(StatusCode::METHOD_NOT_ALLOWED, &format!("Método \"{method}\" no permitido."))
}

/// Path ids arrive as text; anything that is not a number is simply not found, as in Django.
pub(crate) fn parse_id(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

/// A body DRF refuses before any field is looked at (bad JSON, unknown media type).
pub(crate) struct BadBody(u16, String);

impl IntoResponse for BadBody {
    fn into_response(self) -> Response {
        detail(StatusCode::from_u16(self.0).unwrap_or(StatusCode::BAD_REQUEST), &self.1)
    }
}

/// The body fields, or the DRF error a broken body earns.
pub(crate) fn fields(form: ParsedForm) -> Result<Map<String, Value>, BadBody> {
    match form {
        // Routes taking no file ignore file parts, as a DRF serializer ignores undeclared fields.
        ParsedForm::Fields(map) | ParsedForm::Multipart(map, _) => Ok(map),
        ParsedForm::None => Ok(Map::new()),
        ParsedForm::Invalid(status, message) => Err(BadBody(status, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_builds() {
        let _ = router(SandboxState::new(crate::config::SandboxConfig { clients: 10, ..Default::default() }));
    }
}
