//! The protocol statuses of docs/api.md §1 in the OpenAPI document, added once for every operation from
//! what the operation is (guarded, takes a body, takes parameters, calls WispHub, shares its path
//! shape with another route) instead of being repeated, and forgotten, route by route.

use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};

/// An operation extension set to `false` on a guarded route that never calls WispHub (no 502/503);
/// read here and removed from the published document.
pub const CALLS_WISPHUB: &str = "x-calls-wisphub";

/// One protocol status: its description, example envelope and headers. 409 and 429 are only ever
/// declared by their routes; the table completes them.
struct Common {
    status: &'static str,
    description: &'static str,
    action: &'static str,
    message: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

const RETRY_AFTER: (&str, &str) = ("Retry-After", "Seconds to wait before trying again");

const COMMON: &[Common] = &[
    Common {
        status: "400",
        description: "The body is not JSON, or not a JSON object",
        action: "error",
        message: "Cuerpo JSON inválido.",
        headers: &[],
    },
    Common {
        status: "401",
        description: "No bearer token, or an invalid or expired one",
        action: "error",
        message: "Not authenticated",
        headers: &[("WWW-Authenticate", "Always `Bearer`")],
    },
    Common {
        status: "403",
        description: "The token lacks this route's scope",
        action: "error",
        message: "Permiso insuficiente.",
        headers: &[],
    },
    Common {
        status: "405",
        description: "The URL names another route (a fixed segment where this one has a parameter), \
            which does not take this method",
        action: "error",
        message: "Method Not Allowed",
        headers: &[],
    },
    Common {
        status: "413",
        description: "The body is over 64 KiB",
        action: "error",
        message: "El cuerpo de la solicitud supera el límite de 64 KiB.",
        headers: &[],
    },
    Common {
        status: "415",
        description: "A `Content-Type` the operation does not take (none at all is read as the operation's own)",
        action: "error",
        message: "Tipo de contenido no admitido: envíe el cuerpo como application/json.",
        headers: &[],
    },
    Common {
        status: "422",
        description: "A parameter or body field is missing or invalid; the message names each one",
        action: "error",
        message: "Error de validación: service_id: debe ser un entero positivo",
        headers: &[],
    },
    Common {
        status: "502",
        description: "WispHub answered something unreadable or an unexpected status",
        action: "upstream_error",
        message: "WispHub respondió de forma inesperada.",
        headers: &[],
    },
    Common {
        status: "503",
        description: "WispHub (or the shared store) unreachable, too slow for the request budget, or refusing our key",
        action: "upstream_unavailable",
        message: "WispHub no está disponible en este momento. Intente de nuevo en unos segundos.",
        headers: &[RETRY_AFTER],
    },
    Common {
        status: "409",
        description: "The same Idempotency-Key is still being processed",
        action: "request_in_progress",
        message: "Una solicitud con la misma Idempotency-Key todavía está en curso.",
        headers: &[],
    },
    Common {
        status: "429",
        description: "Too many failed attempts",
        action: "too_many_attempts",
        message: "Demasiados intentos. Intente de nuevo más tarde.",
        headers: &[RETRY_AFTER],
    },
];

/// Adds the statuses each operation can answer, merging with what a route already says about them.
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, document: &mut Document) {
        let shapes: Vec<(Vec<String>, Vec<HttpMethod>)> = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| (segments(path), operations(item).map(|(method, _)| method).collect()))
            .collect();
        for (path, item) in document.paths.paths.iter_mut() {
            let own = segments(path);
            for (method, operation) in operations_mut(item) {
                let shadowed =
                    shapes.iter().any(|(other, methods)| preferred_over(other, &own) && !methods.contains(&method));
                for status in statuses(operation, shadowed) {
                    add(operation, status);
                }
            }
        }
        // A 429 or 503 a route declares itself still carries the Retry-After header.
        for item in document.paths.paths.values_mut() {
            for (_, operation) in operations_mut(item) {
                for common in COMMON {
                    if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(common.status) {
                        complete(response, common);
                    }
                }
            }
        }
    }
}

/// The generic statuses of one operation.
fn statuses(operation: &mut Operation, shadowed: bool) -> Vec<&'static str> {
    let guarded = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let calls_wisphub = match operation.extensions.as_mut().and_then(|e| e.remove(CALLS_WISPHUB)) {
        Some(value) => value != Value::Bool(false),
        None => guarded,
    };
    if operation.extensions.as_ref().is_some_and(|e| e.is_empty()) {
        operation.extensions = None;
    }
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut statuses = Vec::new();
    if has_body {
        statuses.extend(["400", "413", "415", "422"]);
    }
    if has_parameters {
        statuses.push("422");
    }
    if guarded {
        statuses.extend(["401", "403"]);
    }
    if shadowed {
        statuses.push("405");
    }
    if calls_wisphub {
        statuses.extend(["502", "503"]);
    }
    statuses
}

fn add(operation: &mut Operation, status: &str) {
    let common = COMMON.iter().find(|c| c.status == status).expect("a status of the table");
    // Inline, not a `$ref` to a shared response: some clients (schemathesis among them) skip those.
    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(common.response()));
}

impl Common {
    fn response(&self) -> Response {
        let mut response = ResponseBuilder::new().description(self.description).build();
        complete(&mut response, self);
        response
    }
}

/// Gives a response the envelope schema, an example and the status's headers where it lacks them.
fn complete(response: &mut Response, common: &Common) {
    let example = json!({"ok": false, "type": "error", "action": common.action, "data": null,
        "message": common.message, "meta": null});
    match response.content.get_mut("application/json") {
        None => {
            let content =
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Envelope"))).example(Some(example)).build();
            response.content.insert("application/json".into(), content);
        }
        Some(content) if content.example.is_none() && content.examples.is_empty() => content.example = Some(example),
        Some(_) => {}
    }
    for (name, description) in common.headers {
        response.headers.entry((*name).to_owned()).or_insert_with(|| {
            let schema = match *name {
                "Retry-After" => ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)),
                _ => ObjectBuilder::new().schema_type(Type::String),
            };
            HeaderBuilder::new().schema(schema).description(Some(*description)).build()
        });
    }
}

/// A path's segments, slash-insensitive as the router is.
fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/').split('/').map(str::to_owned).collect()
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{')
}

/// Whether some URL matches both templates and the router picks `other` for it: at the first
/// segment where they differ, `other` has a fixed segment and `own` a parameter.
fn preferred_over(other: &[String], own: &[String]) -> bool {
    if other.len() != own.len() || other == own {
        return false;
    }
    let compatible = other.iter().zip(own).all(|(a, b)| a == b || is_parameter(a) || is_parameter(b));
    let first_difference = other.iter().zip(own).find(|(a, b)| a != b && !(is_parameter(a) && is_parameter(b)));
    compatible && first_difference.is_some_and(|(a, b)| !is_parameter(a) && is_parameter(b))
}

const METHODS: [HttpMethod; 8] = [
    HttpMethod::Get,
    HttpMethod::Put,
    HttpMethod::Post,
    HttpMethod::Delete,
    HttpMethod::Options,
    HttpMethod::Head,
    HttpMethod::Patch,
    HttpMethod::Trace,
];

fn slot<'a>(item: &'a PathItem, method: &HttpMethod) -> Option<&'a Operation> {
    match method {
        HttpMethod::Get => item.get.as_ref(),
        HttpMethod::Put => item.put.as_ref(),
        HttpMethod::Post => item.post.as_ref(),
        HttpMethod::Delete => item.delete.as_ref(),
        HttpMethod::Options => item.options.as_ref(),
        HttpMethod::Head => item.head.as_ref(),
        HttpMethod::Patch => item.patch.as_ref(),
        HttpMethod::Trace => item.trace.as_ref(),
    }
}

fn operations(item: &PathItem) -> impl Iterator<Item = (HttpMethod, &Operation)> {
    METHODS.into_iter().filter_map(move |method| slot(item, &method).map(|operation| (method, operation)))
}

fn operations_mut(item: &mut PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Options, item.options.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Trace, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        segments(text)
    }

    #[test]
    fn a_fixed_segment_wins_over_a_parameter_where_both_match() {
        let ping = path("/api/v1/{service_id}/ping");
        assert!(preferred_over(&path("/api/v1/ping/{task_id}"), &ping));
        assert!(preferred_over(&path("/api/v1/internet-plans/{plan_id}"), &ping));
        assert!(!preferred_over(&ping, &path("/api/v1/ping/{task_id}")));
        assert!(preferred_over(&path("/api/v1/clients/search"), &path("/api/v1/clients/{service_id}")));
        assert!(!preferred_over(&path("/api/v1/clients/"), &path("/api/v1/clients/{service_id}")));
        assert!(!preferred_over(&path("/api/v1/tickets/zone-blocked/{zone_id}"), &path("/api/v1/tickets/{ticket_id}")));
    }
}
