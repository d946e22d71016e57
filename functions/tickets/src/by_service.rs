//! "¿Cómo va mi reporte?": a service's open tickets, newest first by `fecha_creacion`, the latest
//! few with the reply text that only their detail carries.

use chrono::DateTime;
use futures::future::join_all;
use shared::ids::ServiceId;
use shared::wisphub::{Route, UpstreamError, WispHub};

use crate::model::{Ticket, TicketRecord};
use crate::zone::open_tickets;

/// How many of the newest tickets get their detail read for `answer_text`.
const WITH_ANSWERS: usize = 3;

/// A service's tickets in one of the open states.
#[derive(Debug, PartialEq)]
pub enum ServiceTickets {
    UnknownClient,
    /// Newest first, possibly none; `answers_complete` is false when a detail could not be read,
    /// so some ticket lacks its latest reply.
    Open {
        tickets: Vec<Ticket>,
        answers_complete: bool,
    },
}

/// The service's tickets in one of `states` (the open ones), the newest few with their latest reply.
pub async fn open_tickets_of_service(
    wisphub: &WispHub,
    states: &[u8],
    service_id: ServiceId,
) -> Result<ServiceTickets, UpstreamError> {
    let service_id = service_id.get();
    // The client read (usually cached) and the ticket walk do not depend on each other.
    let (client, tickets) = tokio::try_join!(
        wisphub.client_by_service_id(service_id),
        open_tickets(wisphub, states, |t| t.service_id() == Some(service_id)),
    )?;
    if client.is_none() {
        return Ok(ServiceTickets::UnknownClient);
    }
    let mut tickets = tickets;
    // By creation date, not id: tickets migrated from another system keep ids that do not follow dates.
    tickets.sort_by_key(|t| std::cmp::Reverse((created_at(t), t.id_ticket)));
    let newest = tickets.iter().take(WITH_ANSWERS).map(|t| detail(wisphub, t.id_ticket));
    let details = join_all(newest).await;
    let answers_complete = details.iter().all(Option::is_some);
    let tickets = tickets
        .into_iter()
        .enumerate()
        .map(|(index, listed)| match details.get(index).cloned().flatten() {
            Some(detailed) => Ticket::from(detailed),
            None => Ticket::from(listed),
        })
        .collect();
    Ok(ServiceTickets::Open { tickets, answers_complete })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ports, service};

    #[tokio::test]
    async fn a_service_gets_its_open_tickets_newest_first_with_their_replies() {
        let ports = ports().await;
        let open = |id| open_tickets_of_service(&ports.app.wisphub, &[1, 2], service(id));

        let many = open(wisphub_sandbox::SERVICE_WITH_TICKETS_OVER_PAGES).await.unwrap();
        let none = open(wisphub_sandbox::SERVICE_WITHOUT_TICKETS).await.unwrap();
        let unknown = open(424242).await.unwrap();

        let ServiceTickets::Open { tickets, answers_complete } = many else { panic!("{many:?}") };
        assert!(tickets.len() > 1 && answers_complete, "{tickets:?}");
        let ids: Vec<i64> = tickets.iter().map(|t| t.ticket_id).collect();
        let mut by_date: Vec<(Option<String>, i64)> =
            tickets.iter().map(|t| (t.created_at.clone(), t.ticket_id)).collect();
        by_date.sort_by(|a, b| b.cmp(a));
        assert_eq!(ids, by_date.into_iter().map(|(_, id)| id).collect::<Vec<_>>(), "newest first");
        assert_eq!(ids.first(), Some(&wisphub_sandbox::MIGRATED_TICKET_ID), "by creation date, not by id");
        assert_eq!(none, ServiceTickets::Open { tickets: vec![], answers_complete: true });
        assert_eq!(unknown, ServiceTickets::UnknownClient);
    }
}
