//! When a create's POST got no answer, WispHub may still have made the ticket: the attempt is kept
//! in the idempotency record, and a retry looks for the ticket before creating another.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::wisphub::{Route, UpstreamError, WispHub};

use crate::create::NewTicket;
use crate::model::{Ticket, TicketRecord};

/// What a create asked of WispHub, kept in the idempotency record so a retry after a lost answer
/// can recognise the ticket: the service, the subject, a fingerprint of the description (not the
/// text itself) and when the attempt started (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    service_id: i64,
    subject: String,
    description_sha256: String,
    started_at: i64,
}

/// How far before an attempt's start a ticket may say it was created (clocks differ).
const CLOCK_SLACK_SECS: i64 = 120;

impl Attempt {
    pub fn new(service_id: i64, subject: &str, description: &str, started_at: i64) -> Self {
        Attempt { service_id, subject: fold(subject), description_sha256: fingerprint(description), started_at }
    }

    pub fn of(new: &NewTicket) -> Self {
        Self::new(new.service_id.get(), &new.subject, &new.description, Utc::now().timestamp())
    }

    /// Whether a ticket read from WispHub is the one this attempt may have created.
    fn made(&self, ticket: &TicketRecord) -> bool {
        let created = ticket.fecha_creacion.as_deref().and_then(|at| DateTime::parse_from_rfc3339(at).ok());
        ticket.service_id() == Some(self.service_id)
            && ticket.asunto.as_deref().map(fold).as_deref() == Some(self.subject.as_str())
            && ticket.descripcion.as_deref().map(fingerprint).as_deref() == Some(self.description_sha256.as_str())
            && created.is_none_or(|at| at.timestamp() >= self.started_at - CLOCK_SLACK_SECS)
    }
}

/// Subjects compare as the tenant spells them, give or take case and spacing.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The description as WispHub may give it back (wrapped in HTML, spacing changed), hashed.
fn fingerprint(description: &str) -> String {
    let mut text = String::with_capacity(description.len());
    let mut in_tag = false;
    for c in description.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let digest = Sha256::digest(fold(&text).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ticket an attempt whose answer was lost did create, if WispHub has it: tickets created
/// since the attempt (WispHub has no service filter, and may ignore the date one) checked one by
/// one, their dates read in the tenant's `timezone`.
pub async fn find_created(wisphub: &WispHub, timezone: Tz, attempt: &Attempt) -> Result<Option<Ticket>, UpstreamError> {
    let today = Utc::now().with_timezone(&timezone).date_naive();
    let started =
        DateTime::from_timestamp(attempt.started_at, 0).map_or(today, |at| at.with_timezone(&timezone).date_naive());
    let day = |date: chrono::NaiveDate| date.format("%Y-%m-%d").to_string();
    let window = [
        ("fecha_creacion_0", day(started.checked_sub_days(Days::new(1)).unwrap_or(started))),
        ("fecha_creacion_1", day(today.checked_add_days(Days::new(1)).unwrap_or(today))),
    ];
    let found: Vec<TicketRecord> = wisphub.find(&Route::Tickets, &window, |t| attempt.made(t)).await?;
    tracing::info!(found = found.len(), "looked for the ticket of a lost answer");
    Ok(found.into_iter().min_by_key(|t| t.id_ticket).map(Ticket::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::create::{Creation, create_ticket};
    use crate::testing::ports;

    #[tokio::test]
    async fn the_ticket_of_a_lost_answer_is_found_and_no_other() {
        let ports = ports().await;
        let app = &ports.app;
        let timezone = app.config.tenant_timezone;
        let started = Utc::now().timestamp() - 5;
        let description = "Sin señal desde la tormenta.";
        let body = serde_json::json!({"service_id": 1004, "subject": "Internet Lento", "description": description});
        let new = serde_json::from_value::<crate::CreateTicketBody>(body).unwrap().validate(Some(7)).unwrap();
        let made = create_ticket(&app.wisphub, &app.store, &app.config, &ports.subjects, new).await.unwrap();
        let Creation::Created(Some(made)) = made else { panic!("not created: {made:?}") };

        let lost = Attempt::new(1004, "internet  lento", description, started);
        let other = Attempt::new(1004, "Internet Lento", "Otra cosa.", started);

        assert_eq!(find_created(&app.wisphub, timezone, &lost).await.unwrap(), Some(made));
        assert_eq!(find_created(&app.wisphub, timezone, &other).await.unwrap(), None);
    }
}
