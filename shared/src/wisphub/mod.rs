//! Everything upstream: the one WispHub client, its typed errors, routes and wire records.

use serde_json::Value;

mod client;
mod clients;
mod hedge;
pub mod model;
mod paging;
pub mod payment_status;
pub mod plans;

pub use client::{Answer, FilePart, Payload, WispHub, WispHubSettings};

/// A WispHub route we call; the template is what traces show (never ids or personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Clients,
    ClientProfile(i64),
    ClientPing(i64),
    /// An asynchronous WispHub task (a ping), by WispHub's task id.
    Task(String),
    Tickets,
    Ticket(i64),
    TicketSubjects,
    Plans,
    PppoePlan(i64),
    QueuePlan(i64),
    Invoices,
    PaymentMethods,
    PaymentPromise,
    /// A payment report for an invoice (a receipt for the cashiers to review).
    PaymentReport(i64),
}

impl Route {
    /// The path with `{id}` in place of ids: what logs and spans show.
    pub fn template(&self) -> &'static str {
        match self {
            Route::Clients => "/api/clientes/",
            Route::ClientProfile(_) => "/api/clientes/{id}/perfil/",
            Route::ClientPing(_) => "/api/clientes/{id}/ping/",
            Route::Task(_) => "/api/tasks/{id}/",
            Route::Tickets => "/api/tickets/",
            Route::Ticket(_) => "/api/tickets/{id}/",
            Route::TicketSubjects => "/api/tickets/asuntos-tickets/",
            Route::Plans => "/api/plan-internet/",
            Route::PppoePlan(_) => "/api/plan-internet/pppoe/{id}/",
            Route::QueuePlan(_) => "/api/plan-internet/queue/{id}/",
            Route::Invoices => "/api/facturas/",
            Route::PaymentMethods => "/api/formas-de-pago/",
            Route::PaymentPromise => "/api/promesa-pago/",
            Route::PaymentReport(_) => "/api/facturas/reportar-pago/{id}/",
        }
    }

    /// The documented spelling, trailing slash included (the other spelling gets a 301).
    pub fn path(&self) -> String {
        match self {
            Route::ClientProfile(id) => format!("/api/clientes/{id}/perfil/"),
            Route::ClientPing(id) => format!("/api/clientes/{id}/ping/"),
            Route::Task(id) => {
                let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                format!("/api/tasks/{safe}/")
            }
            Route::Ticket(id) => format!("/api/tickets/{id}/"),
            Route::PppoePlan(id) => format!("/api/plan-internet/pppoe/{id}/"),
            Route::QueuePlan(id) => format!("/api/plan-internet/queue/{id}/"),
            Route::PaymentReport(id) => format!("/api/facturas/reportar-pago/{id}/"),
            fixed => fixed.template().to_owned(),
        }
    }
}

/// Why WispHub gave us no usable answer. Unavailable ones become 503, the rest 502.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The per-call timeout passed (503).
    #[error("WispHub did not answer in time")]
    Timeout,
    /// Too little of the request budget was left to call (503).
    #[error("the request budget ran out before WispHub answered")]
    BudgetExhausted,
    /// No answer at all: `connect` when the connection failed, else `transport` (503).
    #[error("WispHub unreachable: {0}")]
    Unreachable(String),
    /// WispHub answered 403 to our `Api-Key` (503).
    #[error("WispHub refused our API key")]
    KeyRefused,
    /// An unexpected HTTP status: a redirect, a 5xx, or an error where data was due (502).
    #[error("WispHub answered HTTP {0}")]
    BadStatus(u16),
    /// A body that is not the expected JSON; says what kind, never quotes it (502).
    #[error("WispHub answered something that is not the expected JSON: {0}")]
    Garbage(String),
}

impl UpstreamError {
    /// Whether the caller should simply retry later (503) rather than report a fault (502).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            UpstreamError::Timeout
                | UpstreamError::BudgetExhausted
                | UpstreamError::Unreachable(_)
                | UpstreamError::KeyRefused
        )
    }

    /// Whether a write that failed this way may still have been carried out by WispHub: the
    /// request left and its answer was lost (a stall, a dropped connection, a gateway's 5xx).
    pub fn may_have_happened(&self) -> bool {
        match self {
            UpstreamError::Timeout | UpstreamError::Garbage(_) => true,
            UpstreamError::Unreachable(kind) => kind != "connect",
            UpstreamError::BadStatus(status) => *status >= 500,
            UpstreamError::BudgetExhausted | UpstreamError::KeyRefused => false,
        }
    }

    /// Worth another try for an idempotent GET.
    fn is_transient(&self) -> bool {
        matches!(self, UpstreamError::Timeout | UpstreamError::Unreachable(_) | UpstreamError::Garbage(_))
            || matches!(self, UpstreamError::BadStatus(status) if *status >= 500)
    }
}

/// Longest reason quoted back to a caller.
const MAX_REASON_CHARS: usize = 500;

/// WispHub's reason for refusing a write, from DRF's error body, in one line for messages:
/// `{"campo": ["msg"]}` → `campo: msg`, `{"detail": "msg"}` → `msg`.
pub fn refusal_reason(body: &Value) -> String {
    let reason = match body {
        Value::Object(fields) => fields
            .iter()
            .map(|(field, problems)| match field.as_str() {
                "detail" | "non_field_errors" => flatten(problems),
                _ => format!("{field}: {}", flatten(problems)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => flatten(other),
    };
    let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
    if reason.trim().is_empty() { "sin detalle".into() } else { reason }
}

fn flatten(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Array(items) => items.iter().map(flatten).collect::<Vec<_>>().join(" "),
        Value::Object(_) => refusal_reason(value),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drf_reasons_are_flattened() {
        let one = json!({"tecnico": ["Clave primaria \"3\" inválida - objeto no existe."]});
        assert_eq!(refusal_reason(&one), "tecnico: Clave primaria \"3\" inválida - objeto no existe.");
        let two = refusal_reason(&json!({"asunto": ["a", "b"], "estado": ["c"]}));
        assert!(two.contains("asunto: a b") && two.contains("estado: c") && two.contains("; "), "{two}");
        assert_eq!(refusal_reason(&json!({"detail": "No permitido."})), "No permitido.");
        assert_eq!(refusal_reason(&Value::Null), "sin detalle");
    }
}
