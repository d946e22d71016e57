//! The router: every WispHub route with its documented trailing slash, Django's 301/404
//! behaviour for the rest, and DRF's error bodies.

mod billing;
mod clients;
mod plans;
mod sandbox;
mod tasks;
mod tickets;

use axum::Router;
use axum::http::{Method, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::body::ParsedForm;
use crate::log::track;
use crate::state::SandboxState;

/// Every route template served, static segments before parameters where both could match.
pub(crate) const ROUTES: [&str; 19] = [
    "/api/clientes/",
    "/api/clientes/{id}/",
    "/api/clientes/{id}/perfil/",
    "/api/clientes/{id}/saldo/",
    "/api/clientes/{id}/ping/",
    "/api/tickets/",
    "/api/tickets/asuntos-tickets/",
    "/api/tickets/{id}/",
    "/api/staff/",
    "/api/tasks/{id}/",
    "/api/plan-internet/",
    "/api/plan-internet/pppoe/{id}/",
    "/api/plan-internet/queue/{id}/",
    "/api/zonas/",
    "/api/router/",
    "/api/sectorial/",
    "/api/facturas/",
    "/api/formas-de-pago/",
    "/api/promesa-pago/",
];

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

/// The documented spelling of a path: exactly one trailing slash.
fn documented(path: &str) -> String {
    format!("{}/", path.trim_end_matches('/'))
}

/// The route template a path belongs to once its trailing slash is fixed.
pub(crate) fn template_for(path: &str) -> Option<&'static str> {
    let path = documented(path);
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES.iter().copied().find(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(t, s)| *t == *s || (t.starts_with('{') && !s.is_empty()))
    })
}

/// True when the path has an empty segment (`//`), which axum would happily match to an empty `{id}`.
pub(crate) fn has_empty_segment(path: &str) -> bool {
    path.contains("//")
}

async fn fallback(uri: Uri) -> Response {
    unrouted(&uri)
}

/// Django's APPEND_SLASH: a known route misspelled gets a 301 (a POST body is lost on the way);
/// anything else is Django's HTML 404.
pub(crate) fn unrouted(uri: &Uri) -> Response {
    let fixed = documented(uri.path());
    if fixed != uri.path() && template_for(&fixed).is_some() {
        let location = match uri.query() {
            Some(query) => format!("{fixed}?{query}"),
            None => fixed,
        };
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
    }
    let page = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  \
                <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    detail(StatusCode::METHOD_NOT_ALLOWED, &format!("Método \"{method}\" no permitido."))
}

pub(crate) fn detail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "detail": message }))).into_response()
}

/// A missing and a wrong key get the same answer on WispHub.
pub(crate) fn forbidden() -> Response {
    detail(StatusCode::FORBIDDEN, "Las credenciales de autenticación no se proveyeron.")
}

pub(crate) fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "No encontrado.")
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
        ParsedForm::Fields(map) => Ok(map),
        ParsedForm::None => Ok(Map::new()),
        ParsedForm::Invalid(status, message) => Err(BadBody(status, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lookup_fixes_slashes_and_prefers_static_segments() {
        assert_eq!(template_for("/api/clientes"), Some("/api/clientes/"));
        assert_eq!(template_for("/api/clientes//"), Some("/api/clientes/"));
        assert_eq!(template_for("/api/tasks/abc"), Some("/api/tasks/{id}/"));
        assert_eq!(template_for("/api/tickets/asuntos-tickets"), Some("/api/tickets/asuntos-tickets/"));
        assert_eq!(template_for("/api/nada/"), None);
    }

    #[test]
    fn router_builds() {
        let _ = router(SandboxState::new(crate::SandboxConfig { clients: 10, ..Default::default() }));
    }
}
