//! The zone limit: open tickets of a zone counted over every page (slots.rs shares the count).

use std::collections::HashSet;

use futures::future::try_join_all;
use serde::Serialize;
use shared::wisphub::{Route, UpstreamError, WispHub};
use utoipa::ToSchema;

use crate::model::TicketRecord;

/// `data` of the zone check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoneLoad {
    pub is_blocked: bool,
    pub max_tickets: u32,
    pub open_tickets: u32,
}

impl ZoneLoad {
    pub fn new(open_tickets: u32, max_tickets: u32) -> Self {
        ZoneLoad { is_blocked: open_tickets >= max_tickets, max_tickets, open_tickets }
    }
}

/// Open tickets (in one of `states`) that `keep` accepts, each once. WispHub has no zone or service
/// filter and keeps only the last of a repeated parameter, so each state is listed on its own, over
/// every page; every record's state label is re-checked in case WispHub ignored the filter.
pub async fn open_tickets(
    wisphub: &WispHub,
    states: &[u8],
    keep: impl Fn(&TicketRecord) -> bool + Sync,
) -> Result<Vec<TicketRecord>, UpstreamError> {
    let keep = &keep;
    let lists = try_join_all(states.iter().map(|&state| async move {
        let filter = [("estado", state.to_string())];
        wisphub.find(&Route::Tickets, &filter, |t: &TicketRecord| t.is_in_state(state) && keep(t)).await
    }))
    .await?;
    let mut seen = HashSet::new();
    Ok(lists.into_iter().flatten().filter(|t| seen.insert(t.id_ticket)).collect())
}

/// How many open tickets have their service in `zone`.
pub async fn open_tickets_in_zone(wisphub: &WispHub, states: &[u8], zone: i64) -> Result<u32, UpstreamError> {
    Ok(open_tickets(wisphub, states, |t| t.zone_id() == Some(zone)).await?.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_at_the_maximum() {
        assert!(ZoneLoad::new(3, 3).is_blocked && !ZoneLoad::new(2, 3).is_blocked);
    }
}
