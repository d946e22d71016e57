//! What WispHub's Django stack answers before or beside any view: the URL table with APPEND_SLASH's
//! 301 and the HTML 404, and DRF's `{"detail"}` error bodies (403 for a key, 404 for an id).
//! Below the fault stage, the request log and the routes, which all speak it.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The payment report route, the one that takes a file (its body limit is larger).
pub(crate) const PAYMENT_REPORT: &str = "/api/facturas/reportar-pago/{id}/";

/// Every route template served, static segments before parameters where both could match.
pub(crate) const ROUTES: [&str; 20] = [
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
    PAYMENT_REPORT,
    "/api/formas-de-pago/",
    "/api/promesa-pago/",
];

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

/// DRF's error body.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lookup_fixes_slashes_and_prefers_static_segments() {
        assert_eq!(template_for("/api/clientes"), Some("/api/clientes/"));
        assert_eq!(template_for("/api/clientes//"), Some("/api/clientes/"));
        assert_eq!(template_for("/api/tasks/abc"), Some("/api/tasks/{id}/"));
        assert_eq!(template_for("/api/tickets/asuntos-tickets"), Some("/api/tickets/asuntos-tickets/"));
        assert_eq!(template_for("/api/facturas/reportar-pago/40001"), Some(PAYMENT_REPORT));
        assert_eq!(template_for("/api/nada/"), None);
    }
}
