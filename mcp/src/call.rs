//! A tool call as the REST request it stands for: the route the arguments choose, its path and
//! query filled in, the body fields as JSON, the proof and the idempotency key as headers.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::catalogue::{Binding, Entry, IDEMPOTENCY_ARGUMENT, PROOF_ARGUMENT};

/// An argument the REST route could not be asked with, named as the agent spelled it.
#[derive(Debug)]
pub struct ArgumentProblem {
    pub argument: String,
    pub problem: &'static str,
}

fn problem(argument: impl Into<String>, problem: &'static str) -> ArgumentProblem {
    ArgumentProblem { argument: argument.into(), problem }
}

/// The REST request for `entry` called with `arguments` by `api_user`.
pub fn rest_request(
    entry: &Entry,
    arguments: &Map<String, Value>,
    api_user: &str,
) -> Result<Request<Body>, ArgumentProblem> {
    if let Some(unknown) = arguments.keys().find(|name| !entry.arguments.contains(name)) {
        return Err(problem(unknown.as_str(), "no es un argumento de esta herramienta"));
    }
    let given = |name: &str| arguments.get(name).filter(|value| !value.is_null());
    let binding = choose(entry, &given)?;
    if let Some(missing) = binding.required.iter().find(|name| given(name).is_none()) {
        return Err(problem(missing.as_str(), "es obligatorio"));
    }
    let mut path = binding.route.path.to_owned();
    for name in &binding.path {
        let value = given(name).map(scalar).transpose().map_err(|p| problem(name.as_str(), p))?.unwrap_or_default();
        path = path.replace(&format!("{{{name}}}"), &path_segment(&value));
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for name in &binding.query {
        if let Some(value) = given(name) {
            query.append_pair(name, &scalar(value).map_err(|p| problem(name.as_str(), p))?);
        }
    }
    let query = query.finish();
    let uri = if query.is_empty() { path } else { format!("{path}?{query}") };

    let mut request = Request::builder().method(binding.route.method).uri(uri);
    if let Some(token) = given(PROOF_ARGUMENT) {
        let token = token.as_str().ok_or_else(|| problem(PROOF_ARGUMENT, "debe ser un texto"))?;
        request = request.header("x-verification-token", token);
    }
    if entry.spec.write {
        let key = match given(IDEMPOTENCY_ARGUMENT) {
            Some(key) => key.as_str().ok_or_else(|| problem(IDEMPOTENCY_ARGUMENT, "debe ser un texto"))?.to_owned(),
            None => derived_key(api_user, entry.spec.name, arguments),
        };
        request = request.header("idempotency-key", key);
    }
    let body = match &binding.body {
        Some(fields) => {
            let body: Map<String, Value> =
                fields.iter().filter_map(|name| given(name).map(|value| (name.clone(), value.clone()))).collect();
            request = request.header("content-type", "application/json");
            Body::from(Value::Object(body).to_string())
        }
        None => Body::empty(),
    };
    // A header value the agent sent that HTTP cannot carry (a line break in a key).
    request.body(body).map_err(|_| problem(IDEMPOTENCY_ARGUMENT, "contiene caracteres no admitidos"))
}

/// The route the arguments choose: the only one, or the one whose selector was given.
fn choose<'a>(entry: &'a Entry, given: &dyn Fn(&str) -> Option<&'a Value>) -> Result<&'a Binding, ArgumentProblem> {
    if let [only] = entry.bindings.as_slice() {
        return Ok(only);
    }
    let chosen: Vec<&Binding> = entry.bindings.iter().filter(|b| given(b.route.selector).is_some()).collect();
    match chosen.as_slice() {
        [one] => Ok(one),
        _ => {
            let selectors: Vec<&str> = entry.bindings.iter().map(|b| b.route.selector).collect();
            Err(problem(selectors.join(" | "), "indique exactamente uno"))
        }
    }
}

/// A path or query value: a string as it is, a number as written.
fn scalar(value: &Value) -> Result<String, &'static str> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err("debe ser un texto o un número"),
    }
}

/// `text` as one path segment: everything but unreserved characters percent-encoded.
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The key of a write the agent sent without one: the same API user, tool and arguments (the
/// proof aside: it changes between conversations, the request does not) give the same key, so a
/// repeated call replays the first answer instead of writing twice.
fn derived_key(api_user: &str, tool: &str, arguments: &Map<String, Value>) -> String {
    let content: Map<String, Value> = arguments
        .iter()
        .filter(|(name, _)| *name != PROOF_ARGUMENT && *name != IDEMPOTENCY_ARGUMENT)
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let canonical = canonical(&Value::Object(content)).to_string();
    let digest = Sha256::digest(format!("{api_user}\n{tool}\n{canonical}").as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("mcp-{hex}")
}

/// `value` with every object's keys in sorted order, so equal arguments print equally.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let sorted: BTreeMap<&String, Value> = object.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_derived_key_ignores_argument_order_and_the_proof_but_not_the_user_or_the_content() {
        let a = json!({"service_id": 1001, "promise_date": "2026-12-04", "verification_token": "one"});
        let b = json!({"verification_token": "two", "promise_date": "2026-12-04", "service_id": 1001});
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        let other = json!({"service_id": 1001, "promise_date": "2026-12-05"});
        assert_eq!(derived_key("bot", "payment_promise", a), derived_key("bot", "payment_promise", b));
        assert_ne!(derived_key("bot", "payment_promise", a), derived_key("other-bot", "payment_promise", a));
        assert_ne!(
            derived_key("bot", "payment_promise", a),
            derived_key("bot", "payment_promise", other.as_object().unwrap())
        );
        assert!(derived_key("bot", "t", a).len() <= 200);
    }

    #[test]
    fn a_path_value_cannot_leave_its_segment() {
        assert_eq!(path_segment("+57 300/1"), "%2B57%20300%2F1");
        assert_eq!(path_segment("1.234.567-8"), "1.234.567-8");
    }
}
