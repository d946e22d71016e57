//! Extractors whose rejection is our `ApiError`: bad input always gets the envelope, never plain text,
//! and every 422 names the field with a short Spanish problem (serde's English never reaches a caller).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldProblem};

/// What a request's `Content-Type` says its body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// No `Content-Type` at all (v1 callers often send JSON without one).
    Absent,
    /// `application/json` or `application/<something>+json`, any parameters.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` (a payment receipt).
    Multipart,
    /// Anything else, or a header that is not readable text.
    Other,
}

impl MediaType {
    pub fn of(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(header::CONTENT_TYPE) else { return MediaType::Absent };
        let Ok(value) = value.to_str() else { return MediaType::Other };
        let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.split_once('/') {
            Some(("application", "json")) => MediaType::Json,
            Some(("application", "x-www-form-urlencoded")) => MediaType::Form,
            Some(("multipart", "form-data")) => MediaType::Multipart,
            Some(("application", subtype)) if subtype.ends_with("+json") && subtype.len() > "+json".len() => {
                MediaType::Json
            }
            _ => MediaType::Other,
        }
    }

    /// A JSON route reads an absent type as JSON; an explicit other type is a 415.
    pub fn require_json(self) -> Result<(), ApiError> {
        match self {
            MediaType::Absent | MediaType::Json => Ok(()),
            MediaType::Form | MediaType::Multipart | MediaType::Other => {
                Err(ApiError::UnsupportedMediaType { accepted: "application/json" })
            }
        }
    }

    /// A form route reads an absent type as a form (OAuth2 clients often omit it); another one is a 415.
    pub fn require_form(self) -> Result<(), ApiError> {
        match self {
            MediaType::Absent | MediaType::Form => Ok(()),
            MediaType::Json | MediaType::Multipart | MediaType::Other => {
                Err(ApiError::UnsupportedMediaType { accepted: "application/x-www-form-urlencoded" })
            }
        }
    }
}

/// A JSON object body. A missing content type is read as JSON (v1 callers omit it), another one is a
/// 415; syntax → 400, shape → 422.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        MediaType::of(request.headers()).require_json()?;
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

/// An `application/x-www-form-urlencoded` body. A missing content type is read as a form, another
/// one is a 415; a bad field → 422.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        MediaType::of(request.headers()).require_form()?;
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        parse_form(&bytes).map(Form)
    }
}

/// A body a route takes either way: a form (also when no content type is given), or JSON when the
/// type says so; anything else is a 415 naming both.
pub struct FormOrJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormOrJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match MediaType::of(request.headers()) {
            MediaType::Json => Json::from_request(request, state).await.map(|Json(value)| FormOrJson(value)),
            MediaType::Absent | MediaType::Form => {
                Form::from_request(request, state).await.map(|Form(value)| FormOrJson(value))
            }
            MediaType::Multipart | MediaType::Other => {
                Err(ApiError::UnsupportedMediaType { accepted: "application/x-www-form-urlencoded o application/json" })
            }
        }
    }
}

/// Parses a JSON object into `T`, naming the failing field in a 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BadJson(e.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::BadJson("not an object".into()));
    }
    serde_path_to_error::deserialize(value).map_err(|e| field_problem(&e.path().to_string(), &e.into_inner()))
}

/// Parses an `application/x-www-form-urlencoded` body into `T`, naming the failing field in a 422.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|e| field_problem(&e.path().to_string(), &e.into_inner()))
}

/// Query parameters, with the failing parameter named in a 422.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_form(parts.uri.query().unwrap_or_default().as_bytes()).map(Query)
    }
}

/// A value a path parameter can hold, parsed from what the segment is first read as (see
/// `crate::ids`: every WispHub id must be positive, text is checked by the type that knows it).
pub trait PathValue: Sized + Send {
    /// The segment as read before the check: a number, or text.
    type Raw: DeserializeOwned + Send;

    /// The value, or why the segment cannot name anything (in Spanish).
    fn parse(raw: Self::Raw) -> Result<Self, &'static str>;
}

impl PathValue for String {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, &'static str> {
        Ok(raw)
    }
}

/// Path parameters, parsed into typed values; a wrong one is a 422 naming it.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: PathValue> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A single-value path error does not name its parameter; the raw parameters do.
        let only_name = match RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) if raw.iter().count() == 1 => raw.iter().next().map(|(name, _)| name.to_owned()),
            _ => None,
        };
        let name = || only_name.clone().unwrap_or_else(|| "path".into());
        match axum::extract::Path::<T::Raw>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(raw)) => {
                T::parse(raw).map(Path).map_err(|problem| ApiError::invalid(name(), problem))
            }
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                use axum::extract::path::ErrorKind;
                let problem = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
                        FieldProblem::new(key.clone(), format!("debe ser {}", spanish_kind(expected_type)))
                    }
                    ErrorKind::ParseError { expected_type, .. } => {
                        FieldProblem::new(name(), format!("debe ser {}", spanish_kind(expected_type)))
                    }
                    ErrorKind::InvalidUtf8InPathParam { key } => FieldProblem::new(key.clone(), "no es UTF-8 válido"),
                    ErrorKind::DeserializeError { key, message, .. } => {
                        FieldProblem::new(key.clone(), spanish_problem(message).1)
                    }
                    _ => FieldProblem::new(name(), "valor inválido"),
                };
                Err(ApiError::Validation(vec![problem]))
            }
            Err(other) => Err(ApiError::Internal(format!("path extraction: {other}"))),
        }
    }
}

/// A 422 for the field at `path` (serde_path_to_error's spelling; `.` is the whole body).
fn field_problem(path: &str, error: &impl std::fmt::Display) -> ApiError {
    let (inner_field, problem) = spanish_problem(&error.to_string());
    let field = match (path, inner_field) {
        (".", Some(inner)) => inner,
        (".", None) => "body".to_owned(),
        (outer, Some(inner)) => format!("{outer}.{inner}"),
        (outer, None) => outer.to_owned(),
    };
    ApiError::invalid(field, problem)
}

/// serde's (and the standard parsers') English messages as a short Spanish problem; the field is
/// returned too when the message names one inside the value (a missing or unknown field).
fn spanish_problem(message: &str) -> (Option<String>, String) {
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let expected = |text: &str| text.rsplit_once(", expected ").map(|(_, e)| e.to_owned()).unwrap_or_default();
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (quoted(rest), "es obligatorio".into());
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return (quoted(rest), "no es un campo admitido".into());
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return (quoted(rest), "está repetido".into());
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let options: Vec<&str> = rest.split('`').skip(3).step_by(2).collect();
        let problem = if options.is_empty() {
            "no es un valor admitido".to_owned()
        } else {
            format!("debe ser uno de: {}", options.join(", "))
        };
        return (None, problem);
    }
    let problem = if message.starts_with("invalid type: ") {
        format!("debe ser {}", spanish_kind(&expected(message)))
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let wanted = expected(rest);
        if is_unsigned(&wanted) && rest.starts_with("integer `-") {
            "debe ser un número entero no negativo".into()
        } else if is_integer(&wanted) {
            "está fuera de rango".into()
        } else {
            format!("debe ser {}", spanish_kind(&wanted))
        }
    } else if message.starts_with("invalid length ") {
        "tiene una longitud inválida".into()
    } else if message.starts_with("data did not match any variant") {
        "tiene un formato inválido".into()
    } else if message.starts_with("number too large") || message.starts_with("number too small") {
        "está fuera de rango".into()
    } else if message.contains("parse integer") || message.starts_with("invalid digit") {
        "debe ser un número entero".into()
    } else if message.starts_with("invalid float literal") {
        "debe ser un número".into()
    } else if message.contains("`true` or `false`") {
        "debe ser true o false".into()
    } else if ["debe ", "es ", "no ", "solo "].iter().any(|p| message.starts_with(p)) {
        // Our own deserializers already speak Spanish.
        message.to_owned()
    } else {
        "valor inválido".into()
    };
    (None, problem)
}

fn is_unsigned(rust_type: &str) -> bool {
    matches!(rust_type, "u8" | "u16" | "u32" | "u64" | "u128" | "usize")
}

fn is_integer(rust_type: &str) -> bool {
    is_unsigned(rust_type) || matches!(rust_type, "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "an integer")
}

/// What serde expected, said in Spanish ("a string" → "texto", "i64" → "un número entero").
fn spanish_kind(expected: &str) -> &'static str {
    let expected = expected.trim();
    if is_integer(expected) {
        "un número entero"
    } else if matches!(expected, "f32" | "f64") || expected.contains("number") || expected.contains("float") {
        "un número"
    } else if expected.contains("string") || expected.contains("str") || expected.contains("char") {
        "texto"
    } else if expected.contains("bool") {
        "true o false"
    } else if expected.starts_with("struct") || expected.contains("map") {
        "un objeto"
    } else if expected.contains("sequence") || expected.contains("tuple") || expected.contains("array") {
        "una lista"
    } else {
        "un valor válido"
    }
}

/// The body-limit and read failures of a request body.
pub fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadJson(rejection.body_text())
    }
}

#[cfg(test)]
mod tests;
