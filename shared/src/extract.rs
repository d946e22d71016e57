//! Extractors whose rejection is our `ApiError`: bad input always gets the envelope, never plain text.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldProblem};

/// A JSON object body. Content type is not insisted on (v1 callers omit it); syntax → 400, shape → 422.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses a JSON object into `T`, naming the failing field in a 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BadJson(e.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::BadJson("not an object".into()));
    }
    serde_path_to_error::deserialize(value).map_err(|e| field_problem(e.path().to_string(), e.into_inner()))
}

/// Query parameters, with the failing parameter named in a 422.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|e| field_problem(e.path().to_string(), e.into_inner()))
    }
}

/// Path parameters, parsed into typed values; a wrong one is a 422 naming it.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A single-value path error does not name its parameter; the raw parameters do.
        let only_name = match RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) if raw.iter().count() == 1 => raw.iter().next().map(|(name, _)| name.to_owned()),
            _ => None,
        };
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                use axum::extract::path::ErrorKind;
                let problem = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
                        FieldProblem::new(key.clone(), format!("debe ser de tipo {}", friendly_type(expected_type)))
                    }
                    ErrorKind::ParseError { expected_type, .. } => {
                        let name = only_name.unwrap_or_else(|| "path".into());
                        FieldProblem::new(name, format!("debe ser de tipo {}", friendly_type(expected_type)))
                    }
                    other => FieldProblem::new("path", other.to_string()),
                };
                Err(ApiError::Validation(vec![problem]))
            }
            Err(other) => Err(ApiError::Internal(format!("path extraction: {other}"))),
        }
    }
}

fn friendly_type(rust_type: &str) -> &'static str {
    if rust_type.starts_with('i') || rust_type.starts_with('u') { "entero" } else { "texto" }
}

fn field_problem(path: String, error: impl std::fmt::Display) -> ApiError {
    let field = if path == "." { "body".to_owned() } else { path };
    ApiError::invalid(field, error.to_string())
}

/// The body-limit and read failures of a request body.
pub fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadJson(rejection.body_text())
    }
}
