//! The zone limit: open tickets of a zone counted over every page, and the per-zone lock that
//! serialises check-then-create across instances.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::try_join_all;
use serde::Serialize;
use shared::budget;
use shared::clock::now_secs;
use shared::store::{Store, StoreError, claim};
use shared::wisphub::{Route, UpstreamError, WispHub};
use utoipa::ToSchema;

use crate::lease::Held;
use crate::model::TicketRecord;

/// Below this much budget a lock is not worth taking: counting and creating would not fit.
const CRITICAL_SECTION_RESERVE: Duration = Duration::from_millis(1000);

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

/// Takes the zone's lock, waiting in short jittered steps while another request holds it.
/// Gives up (503, retry shortly) when what is left of the budget could not fit the critical section.
pub async fn lock_zone(store: &Arc<dyn Store>, zone: i64, request_budget: Duration) -> Result<Held, StoreError> {
    let key = lock_key(zone);
    let lease_secs = budget::lease(request_budget).as_secs();
    let owner = uuid::Uuid::new_v4().to_string();
    loop {
        if claim::try_claim(&**store, &key, &owner, now_secs() + lease_secs).await? {
            return Ok(Held::new(store.clone(), key, owner));
        }
        let pause = Duration::from_millis(rand::random_range(100..=200));
        if budget::remaining(request_budget) < pause + CRITICAL_SECTION_RESERVE {
            return Err(StoreError::Unavailable("zone lock still held when the budget ran low".into()));
        }
        tokio::time::sleep(pause).await;
    }
}

/// The store key of the lock serialising ticket creation in a zone.
fn lock_key(zone_id: i64) -> String {
    format!("ZONELOCK#{zone_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::store::MemoryStore;

    #[test]
    fn the_limit_blocks_at_the_maximum() {
        assert!(ZoneLoad::new(3, 3).is_blocked && !ZoneLoad::new(2, 3).is_blocked);
    }

    #[tokio::test]
    async fn a_held_lock_makes_the_next_taker_wait_and_give_up_within_the_budget() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let budget = Duration::from_millis(1500);
        let held = lock_zone(&store, 2, budget).await.expect("free lock");
        let started = tokio::time::Instant::now();
        let second = budget::within(budget, lock_zone(&store, 2, budget)).await;
        assert!(matches!(second, Err(StoreError::Unavailable(_))));
        assert!(started.elapsed() < budget, "gave up before the budget ended");
        held.release().await;
        assert!(lock_zone(&store, 2, budget).await.is_ok(), "released locks can be taken again");
    }

    #[tokio::test]
    async fn a_dropped_holder_still_releases_its_lock() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        drop(lock_zone(&store, 5, Duration::from_secs(3)).await.expect("free lock"));
        tokio::task::yield_now().await;
        assert!(store.get(&lock_key(5)).await.expect("store").is_none());
    }
}
