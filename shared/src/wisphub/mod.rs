//! Everything upstream: the one WispHub client, its typed errors, routes and wire records.

mod client;
pub mod model;
pub mod plans;

pub use client::{Answer, Payload, WispHub, WispHubSettings};

/// A WispHub route we call; the template is what traces show (never ids or personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Clients,
    ClientProfile(i64),
    ClientPing(i64),
    Task(String),
    Tickets,
    Ticket(i64),
    TicketSubjects,
    Plans,
    PppoePlan(i64),
    QueuePlan(i64),
}

impl Route {
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
            fixed => fixed.template().to_owned(),
        }
    }
}

/// Why WispHub gave us no usable answer. Unavailable ones become 503, the rest 502.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("WispHub did not answer in time")]
    Timeout,
    #[error("the request budget ran out before WispHub answered")]
    BudgetExhausted,
    #[error("WispHub unreachable: {0}")]
    Unreachable(String),
    #[error("WispHub refused our API key")]
    KeyRefused,
    #[error("WispHub answered HTTP {0}")]
    BadStatus(u16),
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

    /// Worth another try for an idempotent GET.
    fn is_transient(&self) -> bool {
        matches!(self, UpstreamError::Timeout | UpstreamError::Unreachable(_) | UpstreamError::Garbage(_))
            || matches!(self, UpstreamError::BadStatus(status) if *status >= 500)
    }
}

/// WispHub's reason for refusing a write, flattened from DRF's `{"detail": ".."}` or
/// `{"campo": ["msg", ..]}` into one line ("campo: msg"), for error messages.
pub fn refusal_reason(body: &serde_json::Value) -> String {
    use serde_json::Value;
    let text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    };
    match body {
        Value::Object(fields) => fields
            .iter()
            .map(|(field, value)| if field == "detail" { text(value) } else { format!("{field}: {}", text(value)) })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => "sin detalle".into(),
        other => text(other),
    }
}
