//! `ApiError`: every protocol failure of docs/api.md §1, and the single place it becomes status + envelope.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::envelope::{Action, Envelope, Outcome, envelope_response};
use crate::store::StoreError;
use crate::wisphub::UpstreamError;

/// Why a bearer token was refused; the caller sees one of two fixed messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization: Bearer` header.
    MissingToken,
    /// A token that fails verification (signature, expiry, issuer or audience).
    InvalidToken,
    /// The token route's wrong username or password.
    BadCredentials,
}

/// One field that failed validation, named as the caller spelled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub problem: String,
}

impl FieldProblem {
    /// `field` failed because of `problem` (a Spanish phrase).
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldProblem { field: field.into(), problem: problem.into() }
    }
}

/// A request that did not get a business answer.
/// A WispHub write whose answer can be lost after it was carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Ticket,
    PaymentPromise,
    PaymentReport,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not the JSON object the route reads.
    #[error("body is not a JSON object: {0}")]
    BadJson(String),
    /// 401 with `WWW-Authenticate: Bearer`.
    #[error("unauthorized: {0:?}")]
    Unauthorized(AuthFailure),
    /// 403: a valid token without the route's scope.
    #[error("scope missing")]
    Forbidden,
    /// 404: no such route.
    #[error("route not found")]
    NotFound,
    /// 405: the route exists for other methods.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: an earlier request with the same `Idempotency-Key` is still running.
    #[error("request with this idempotency key still in progress")]
    RequestInProgress,
    /// 413: over the 64 KiB body limit.
    #[error("body too large")]
    PayloadTooLarge,
    /// 413: a payment receipt over `PAYMENT_REPORT_MAX_BYTES`.
    #[error("receipt too large")]
    ReceiptTooLarge { max_bytes: usize },
    /// `accepted` names the body types the route reads, for the message.
    #[error("unsupported content type")]
    UnsupportedMediaType { accepted: &'static str },
    /// 422: fields that failed validation.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldProblem>),
    /// 429 with `Retry-After`: a login or verification limit was reached.
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// WispHub gave no usable answer: 503 when it is unavailable, else 502.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// A write reached WispHub and its answer was lost: it may have happened.
    #[error("answer to a {write:?} write lost: {cause}")]
    OutcomeUnknown { write: Write, cause: UpstreamError },
    /// 503: the request ran out of its time budget.
    #[error("the request ran past its budget")]
    BudgetExceeded,
    /// 503: the shared store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// 500: a bug; the cause is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldProblem::new(field, problem)])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestInProgress => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge | ApiError::ReceiptTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Upstream(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::OutcomeUnknown { .. } | ApiError::BudgetExceeded | ApiError::Store(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn action(&self) -> Action {
        match self {
            ApiError::RequestInProgress => Action::RequestInProgress,
            ApiError::TooManyAttempts { .. } => Action::TooManyAttempts,
            ApiError::Upstream(_) | ApiError::OutcomeUnknown { .. } | ApiError::BudgetExceeded | ApiError::Store(_)
                if self.status() == StatusCode::SERVICE_UNAVAILABLE =>
            {
                Action::UpstreamUnavailable
            }
            ApiError::Upstream(_) => Action::UpstreamError,
            _ => Action::Error,
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::BadJson(_) => "Cuerpo JSON inválido.".into(),
            ApiError::Unauthorized(AuthFailure::MissingToken) => "Not authenticated".into(),
            ApiError::Unauthorized(AuthFailure::InvalidToken) => "Could not validate credentials.".into(),
            ApiError::Unauthorized(AuthFailure::BadCredentials) => "Incorrect username or password.".into(),
            ApiError::Forbidden => "Permiso insuficiente.".into(),
            ApiError::NotFound => "Not Found".into(),
            ApiError::MethodNotAllowed => "Method Not Allowed".into(),
            ApiError::RequestInProgress => "Una solicitud con la misma Idempotency-Key todavía está en curso.".into(),
            ApiError::PayloadTooLarge => "El cuerpo de la solicitud supera el límite de 64 KiB.".into(),
            ApiError::ReceiptTooLarge { max_bytes } => {
                format!("El comprobante supera el límite de {max_bytes} bytes: envíe una foto más liviana o un PDF.")
            }
            ApiError::UnsupportedMediaType { accepted } => {
                format!("Tipo de contenido no admitido: envíe el cuerpo como {accepted}.")
            }
            ApiError::Validation(problems) => {
                let parts: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.field, p.problem)).collect();
                format!("Error de validación: {}", parts.join("; "))
            }
            ApiError::TooManyAttempts { .. } => "Demasiados intentos. Intente de nuevo más tarde.".into(),
            ApiError::Upstream(e) if e.is_unavailable() => {
                "WispHub no está disponible en este momento. Intente de nuevo en unos segundos.".into()
            }
            ApiError::Upstream(_) => "WispHub respondió de forma inesperada.".into(),
            ApiError::OutcomeUnknown { write: Write::Ticket, .. } => {
                "WispHub no respondió a tiempo y el ticket pudo haberse creado. Reintentar con \
                la misma Idempotency-Key es seguro: nunca se creará un segundo ticket."
                    .into()
            }
            ApiError::OutcomeUnknown { write: Write::PaymentPromise, .. } => {
                "WispHub no respondió a tiempo y la promesa de pago pudo haberse registrado: cuenta como hecha. \
                Reintentar es seguro: nunca se hará una segunda promesa."
                    .into()
            }
            ApiError::OutcomeUnknown { write: Write::PaymentReport, .. } => {
                "WispHub no respondió a tiempo y el reporte de pago pudo haberse enviado: cuenta como enviado. \
                Reintentar es seguro: nunca se enviará un segundo reporte."
                    .into()
            }
            ApiError::BudgetExceeded => "La solicitud tardó demasiado. Intente de nuevo en unos segundos.".into(),
            ApiError::Store(_) => "Servicio temporalmente no disponible. Intente de nuevo.".into(),
            ApiError::Internal(_) => "Ocurrió un error interno en el servidor.".into(),
        }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::TooManyAttempts { retry_after_secs } => Some((*retry_after_secs).max(1)),
            ApiError::Upstream(e) if e.is_unavailable() => Some(5),
            ApiError::OutcomeUnknown { .. } | ApiError::BudgetExceeded => Some(5),
            ApiError::Store(_) => Some(2),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Bugs and outages are logged with their cause; the body only ever carries the fixed message.
        if status.is_server_error() {
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
        } else {
            tracing::debug!(error = %Brief(&self), status = status.as_u16(), "request refused");
        }
        let envelope = Envelope {
            ok: false,
            outcome: Outcome::Error,
            action: self.action(),
            data: None,
            message: Some(self.message()),
            meta: None,
        };
        let mut response = envelope_response(status, envelope);
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Client-side refusals are logged without their payload (it may hold personal data).
struct Brief<'a>(&'a ApiError);

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ApiError::Validation(problems) => {
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                write!(f, "validation failed on {fields:?}")
            }
            ApiError::BadJson(_) => f.write_str("bad json"),
            other => write!(f, "{other}"),
        }
    }
}
