//! Tickets as WispHub sends them (decoded leniently) and as this API shows them.

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::wisphub::model::{Named, int, lenient, required_int, text};
use utoipa::ToSchema;

/// WispHub's ticket states by code, as its lists show them (docs/wisphub.md §3).
const STATE_LABELS: [(u8, &str); 4] = [(1, "Nuevo"), (2, "En Progreso"), (3, "Resuelto"), (4, "Cerrado")];

/// The label WispHub reads back for a state code; `None` for a code this API does not know.
pub fn state_label(code: u8) -> Option<&'static str> {
    STATE_LABELS.iter().find(|(c, _)| *c == code).map(|(_, label)| *label)
}

/// One ticket of `GET /api/tickets/` (list shape) or `GET /api/tickets/{id}/` (detail adds `respuestas`).
#[derive(Debug, Clone, Deserialize)]
pub struct TicketRecord {
    #[serde(deserialize_with = "required_int")]
    pub id_ticket: i64,
    #[serde(default, deserialize_with = "text")]
    pub asunto: Option<String>,
    /// What the caller wrote; WispHub may give it back as HTML.
    #[serde(default, deserialize_with = "text")]
    pub descripcion: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub estado: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub prioridad: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fecha_creacion: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fecha_inicio: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fecha_fin: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fecha_estimada_fin: Option<String>,
    /// Null on old tickets whose service was deleted.
    #[serde(default, deserialize_with = "lenient")]
    pub servicio: Option<TicketService>,
    #[serde(default, deserialize_with = "lenient")]
    pub respuestas: Option<Vec<Value>>,
}

/// The service snapshot a ticket carries.
#[derive(Debug, Clone, Deserialize)]
pub struct TicketService {
    #[serde(default, deserialize_with = "int")]
    pub id_servicio: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub zona: Option<Named>,
}

impl TicketRecord {
    pub fn service_id(&self) -> Option<i64> {
        self.servicio.as_ref()?.id_servicio
    }

    pub fn zone_id(&self) -> Option<i64> {
        self.servicio.as_ref()?.zona.as_ref()?.id
    }

    /// Whether WispHub's label says the ticket is in state `code` (checked because WispHub drops
    /// filters it does not understand and sends everything). An unknown code cannot be checked.
    pub fn is_in_state(&self, code: u8) -> bool {
        match (state_label(code), self.estado.as_deref()) {
            (Some(label), Some(estado)) => estado.eq_ignore_ascii_case(label),
            (Some(_), None) => false,
            (None, _) => true,
        }
    }

    /// The text of the most recent reply: latest `fecha` when dates are given, else the last listed.
    pub fn latest_answer(&self) -> Option<String> {
        let replies = self.respuestas.as_deref().unwrap_or_default();
        replies
            .iter()
            .enumerate()
            .filter_map(|(index, reply)| {
                let text = reply.get("respuesta")?.as_str()?.trim();
                let when =
                    reply.get("fecha").and_then(Value::as_str).and_then(|f| DateTime::parse_from_rfc3339(f).ok());
                (!text.is_empty()).then(|| ((when, index), text.to_owned()))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, text)| text)
    }
}

/// A ticket as this API shows it (docs/api.md §5); every key always present.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ticket {
    pub ticket_id: i64,
    #[schema(required = true)]
    pub subject: Option<String>,
    /// As WispHub writes it (ISO with offset for the creation time).
    #[schema(required = true)]
    pub created_at: Option<String>,
    /// As WispHub writes it (`DD/MM/YYYY HH:MM`, tenant time).
    #[schema(required = true)]
    pub end_date: Option<String>,
    /// The state label, e.g. `Nuevo`.
    #[schema(required = true)]
    pub status_ticket: Option<String>,
    /// The priority label, e.g. `Alta`.
    #[schema(required = true)]
    pub priority: Option<String>,
    /// The latest reply's text, or null.
    #[schema(required = true)]
    pub answer_text: Option<String>,
    #[schema(required = true)]
    pub service_id: Option<i64>,
    #[schema(required = true)]
    pub zone_id: Option<i64>,
}

impl From<TicketRecord> for Ticket {
    fn from(record: TicketRecord) -> Self {
        Ticket {
            ticket_id: record.id_ticket,
            answer_text: record.latest_answer(),
            zone_id: record.zone_id(),
            service_id: record.service_id(),
            subject: record.asunto,
            created_at: record.fecha_creacion.or(record.fecha_inicio),
            end_date: record.fecha_fin.or(record.fecha_estimada_fin),
            status_ticket: record.estado,
            priority: record.prioridad,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> TicketRecord {
        serde_json::from_value(value).expect("decodes")
    }

    #[test]
    fn a_ticket_without_service_has_no_zone_and_still_decodes() {
        let ticket = record(json!({"id_ticket": "5031", "estado": "Nuevo", "servicio": null}));
        assert_eq!((ticket.id_ticket, ticket.zone_id()), (5031, None));
        assert!(ticket.is_in_state(1) && !ticket.is_in_state(2));
    }

    #[test]
    fn odd_shapes_inside_a_ticket_become_none() {
        let ticket = record(json!({"id_ticket": 1, "servicio": "n/a", "respuestas": {"x": 1}, "asunto": 7}));
        assert_eq!((ticket.servicio.is_none(), ticket.latest_answer()), (true, None));
        assert_eq!(ticket.asunto.as_deref(), Some("7"));
        assert!(serde_json::from_value::<TicketRecord>(json!({"asunto": "sin id"})).is_err());
    }

    #[test]
    fn the_latest_reply_wins_by_date_then_by_position() {
        let dated = record(json!({"id_ticket": 1, "respuestas": [
            {"respuesta": "segunda", "fecha": "2026-04-02T10:00:00-05:00"},
            {"respuesta": "primera", "fecha": "2026-04-01T10:00:00-05:00"},
            {"respuesta": "  ", "fecha": "2026-04-03T10:00:00-05:00"}]}));
        assert_eq!(dated.latest_answer().as_deref(), Some("segunda"));
        let undated = record(json!({"id_ticket": 1, "respuestas": [{"respuesta": "a"}, {"respuesta": "b"}]}));
        assert_eq!(undated.latest_answer().as_deref(), Some("b"));
    }

    #[test]
    fn the_api_shape_takes_labels_and_service_fields() {
        let ticket = Ticket::from(record(json!({
            "id_ticket": 5001, "asunto": "Internet Lento", "estado": "Resuelto", "prioridad": "Normal",
            "fecha_creacion": "2026-04-01T09:00:00-05:00", "fecha_fin": "04/04/2026 09:00",
            "servicio": {"id_servicio": 1001, "zona": {"id": 1, "nombre": "Centro"}}, "respuestas": []
        })));
        assert_eq!((ticket.service_id, ticket.zone_id, ticket.answer_text), (Some(1001), Some(1), None));
        assert_eq!(ticket.status_ticket.as_deref(), Some("Resuelto"));
        assert_eq!(ticket.end_date.as_deref(), Some("04/04/2026 09:00"));
    }
}
