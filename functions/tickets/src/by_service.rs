//! "¿Cómo va mi reporte?": a service's open tickets, newest first, the latest few with the reply
//! text that only their detail carries.

use chrono::DateTime;
use futures::future::join_all;
use serde_json::json;
use shared::config::Config;
use shared::wisphub::{Route, UpstreamError, WispHub};
use shared::{Action, Reply};

use crate::model::{Ticket, TicketRecord};
use crate::zone::open_tickets;

/// How many of the newest tickets get their detail read for `answer_text`.
const WITH_ANSWERS: usize = 3;

/// The service's open tickets as the by-service route answers them.
pub async fn open_tickets_of_service(
    wisphub: &WispHub,
    config: &Config,
    service_id: i64,
) -> Result<Reply, UpstreamError> {
    // The client read (usually cached) and the ticket walk do not depend on each other.
    let (client, tickets) = tokio::try_join!(
        wisphub.client_by_service_id(service_id),
        open_tickets(wisphub, &config.active_ticket_states, |t| t.service_id() == Some(service_id)),
    )?;
    if client.is_none() {
        return Ok(Reply::client_not_found());
    }
    if tickets.is_empty() {
        let message = "El cliente no tiene tickets abiertos.";
        return Ok(Reply::info(Action::TicketNotFound, message).with_data(json!([])).with_meta(json!({"total": 0})));
    }
    let total = tickets.len();
    let mut tickets = tickets;
    tickets.sort_by_key(|t| std::cmp::Reverse((created_at(t), t.id_ticket)));
    let newest = tickets.iter().take(WITH_ANSWERS).map(|t| detail(wisphub, t.id_ticket));
    let details = join_all(newest).await;
    let complete = details.iter().all(Option::is_some);
    let shown: Vec<Ticket> = tickets
        .into_iter()
        .enumerate()
        .map(|(index, listed)| match details.get(index).cloned().flatten() {
            Some(detailed) => Ticket::from(detailed),
            None => Ticket::from(listed),
        })
        .collect();
    let message = format!("El cliente tiene {total} ticket(s) abierto(s).");
    Ok(Reply::success(Action::TicketsListed, shown)
        .with_message(message)
        .with_meta(json!({"total": total, "answers_complete": complete})))
}

/// Creation time in seconds, when WispHub wrote a readable one.
fn created_at(ticket: &TicketRecord) -> Option<i64> {
    let at = ticket.fecha_creacion.as_deref()?;
    DateTime::parse_from_rfc3339(at).ok().map(|at| at.timestamp())
}

/// A ticket's detail (it adds the replies). A detail WispHub would not give leaves the listed record
/// in place: the list still answers the question, only without the latest reply.
async fn detail(wisphub: &WispHub, ticket_id: i64) -> Option<TicketRecord> {
    match wisphub.get(&Route::Ticket(ticket_id), &[]).await {
        Ok(Some(body)) => serde_json::from_value(body).ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a ticket's detail could not be read; listed without its latest reply");
            None
        }
    }
}
