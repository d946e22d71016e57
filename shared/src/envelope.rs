//! The response envelope of docs/api.md §1, the `Action` enum (the only home of action strings) and `Reply`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// What happened, in the v1 action strings chatbots already branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    HealthOk,
    Error,
    TooManyAttempts,
    UpstreamError,
    UpstreamUnavailable,
    RequestInProgress,
    ClientFound,
    ClientNotFound,
    ClientsListed,
    ClientVerified,
    ClientVerificationFailed,
    ClientAmbiguous,
    ClientUpdated,
    ClientUpdateFailed,
    ClientVerificationRequired,
    ClientBalanceFound,
    PaymentMethodsListed,
    PaymentMethodsNotFound,
    NoPendingInvoices,
    PaymentPromiseCreated,
    PaymentPromiseRejected,
    PaymentPromiseExists,
    PaymentPromiseLimitReached,
    PaymentPromiseFailed,
    PaymentReported,
    PaymentReportExists,
    PaymentReportLimitReached,
    PaymentReportFailed,
    TicketSubjectsListed,
    TicketCreated,
    TicketFound,
    TicketNotFound,
    TicketCreationFailed,
    ZoneTicketLimitReached,
    TicketsListed,
    GeneralOutage,
    NoGeneralOutage,
    PingCreated,
    PingPending,
    PingTaskNotFound,
    PingFailed,
    NoInternet,
    IntermittentConnection,
    StableConnection,
    InternetPlansListed,
    InternetPlanFound,
    InternetPlanNotFound,
    EventsListed,
    NoNewEvents,
    OutageCustomersListed,
    OutageCustomersNotFound,
}

/// `success`, `info` (a valid answer that is not a success) or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Info,
    Error,
}

/// The body of every response but the token's; all six keys always present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Envelope {
    /// `false` only when `type` is `error`.
    pub ok: bool,
    #[serde(rename = "type")]
    pub outcome: Outcome,
    /// What happened; the string a bot branches on.
    pub action: Action,
    /// The answer's payload, or null.
    #[schema(required = true)]
    pub data: Option<Value>,
    /// A Spanish sentence for a person, or null.
    #[schema(required = true)]
    pub message: Option<String>,
    /// Paging, cache age, related ids, or null.
    #[schema(required = true)]
    pub meta: Option<Value>,
}

/// A handled business outcome: always HTTP 200, the action tells the bot what happened.
#[derive(Debug, Clone)]
pub struct Reply(Envelope);

/// What a caller hears when WispHub has no such service.
pub const CLIENT_NOT_FOUND: &str = "El cliente especificado no fue encontrado en el sistema.";

impl Reply {
    fn new(outcome: Outcome, action: Action, data: Option<Value>, message: Option<String>) -> Self {
        Reply(Envelope { ok: outcome != Outcome::Error, outcome, action, data, message, meta: None })
    }

    /// `type: success` with data.
    pub fn success(action: Action, data: impl Serialize) -> Self {
        Self::new(Outcome::Success, action, Some(to_value(data)), None)
    }

    /// `type: info`: a valid answer that is not a success (not found, pending, zone full…).
    pub fn info(action: Action, message: impl Into<String>) -> Self {
        Self::new(Outcome::Info, action, None, Some(message.into()))
    }

    /// Info `client_not_found`: WispHub has no such service.
    pub fn client_not_found() -> Self {
        Self::info(Action::ClientNotFound, CLIENT_NOT_FOUND)
    }

    /// `type: error` for a business failure the caller can act on (still HTTP 200).
    pub fn failure(action: Action, message: impl Into<String>) -> Self {
        Self::new(Outcome::Error, action, None, Some(message.into()))
    }

    /// Sets the Spanish `message`.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    /// Sets `data`.
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.0.data = Some(to_value(data));
        self
    }

    /// Sets `meta` (paging, staleness, related ids).
    pub fn with_meta(mut self, meta: impl Serialize) -> Self {
        self.0.meta = Some(to_value(meta));
        self
    }

    /// Adds one key to an object `meta` (or starts one), keeping the keys already there.
    pub fn with_meta_entry(mut self, key: &str, value: impl Serialize) -> Self {
        let mut meta = match self.0.meta.take() {
            Some(Value::Object(meta)) => meta,
            _ => serde_json::Map::new(),
        };
        meta.insert(key.to_owned(), to_value(value));
        self.0.meta = Some(Value::Object(meta));
        self
    }

    /// The body this reply answers with.
    pub fn envelope(&self) -> &Envelope {
        &self.0
    }
}

fn to_value(data: impl Serialize) -> Value {
    // Our own data types always serialise; Null would only hide a bug, so it is logged.
    serde_json::to_value(data).unwrap_or_else(|e| {
        tracing::error!(error = %e, "response data failed to serialise");
        Value::Null
    })
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        envelope_response(StatusCode::OK, self.0)
    }
}

impl From<Envelope> for Value {
    /// The envelope as serde writes it (same keys, same order), its data and meta moved, not copied.
    fn from(envelope: Envelope) -> Value {
        let Envelope { ok, outcome, action, data, message, meta } = envelope;
        let mut object = serde_json::Map::with_capacity(6);
        object.insert("ok".into(), Value::Bool(ok));
        object.insert("type".into(), to_value(outcome));
        object.insert("action".into(), to_value(action));
        object.insert("data".into(), data.unwrap_or(Value::Null));
        object.insert("message".into(), message.map_or(Value::Null, Value::String));
        object.insert("meta".into(), meta.unwrap_or(Value::Null));
        Value::Object(object)
    }
}

tokio::task_local! {
    /// Set while a door runs a route in-process (the MCP door's tools): the route hands its
    /// envelope over as a value, so the door neither parses JSON the route just wrote nor pays
    /// for writing it.
    static IN_PROCESS: ();
}

/// The envelope a route answered an in-process call with, in the response's extensions (the
/// response's body is then empty).
#[derive(Debug, Clone)]
pub struct HandedOver(pub Value);

/// Runs `route` (a router's answer to one request) so that its envelope is handed over in the
/// response's extensions as a [`HandedOver`] instead of being written out as JSON.
pub async fn in_process<F: Future>(route: F) -> F::Output {
    IN_PROCESS.scope((), route).await
}

/// An envelope with its status: JSON for an HTTP caller, handed over as it is in-process.
pub fn envelope_response(status: StatusCode, envelope: impl Into<Value> + Serialize) -> Response {
    if IN_PROCESS.try_with(|()| ()).is_err() {
        return json_response(status, &envelope);
    }
    let mut response = status.into_response();
    response.extensions_mut().insert(HandedOver(envelope.into()));
    response
}

/// Serialises a body as UTF-8 JSON (not ASCII-escaped) with the right content type.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_present_and_accents_are_not_escaped() {
        let body = serde_json::to_value(Reply::info(Action::ClientNotFound, "No se encontró.").envelope()).unwrap();
        let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        assert_eq!(body["ok"], true);
        assert_eq!(body["type"], "info");
        assert_eq!(body["action"], "client_not_found");
        let text = serde_json::to_string(Reply::info(Action::ClientNotFound, "Sí").envelope()).unwrap();
        assert!(text.contains("Sí"));
    }

    #[test]
    fn the_envelope_as_a_value_is_what_serde_writes() {
        let reply = Reply::success(Action::InternetPlansListed, serde_json::json!([{"id": 1, "name": "Fibra"}]))
            .with_message("Planes.")
            .with_meta_entry("count", 1);
        let written = serde_json::to_string(reply.envelope()).unwrap();
        assert_eq!(Value::from(reply.envelope().clone()).to_string(), written);
        let bare = Reply::info(Action::ClientNotFound, "No.").envelope().clone();
        assert_eq!(Value::from(bare.clone()).to_string(), serde_json::to_string(&bare).unwrap());
    }

    #[tokio::test]
    async fn in_process_the_envelope_is_handed_over_and_not_written() {
        let reply = || Reply::failure(Action::ClientAmbiguous, "Varios.");
        let written = reply().into_response();
        assert!(written.extensions().get::<HandedOver>().is_none());
        let handed = in_process(async { reply().into_response() }).await;
        assert_eq!(handed.status(), StatusCode::OK);
        let HandedOver(envelope) = handed.extensions().get::<HandedOver>().cloned().expect("handed over");
        assert_eq!(envelope["action"], "client_ambiguous");
        let body = axum::body::to_bytes(handed.into_body(), 1024).await.unwrap();
        assert!(body.is_empty(), "nothing written in-process");
    }

    #[test]
    fn a_business_failure_is_not_ok() {
        let body = serde_json::to_value(Reply::failure(Action::ClientAmbiguous, "x").envelope()).unwrap();
        assert_eq!((body["ok"].clone(), body["type"].clone()), (Value::Bool(false), "error".into()));
    }
}
