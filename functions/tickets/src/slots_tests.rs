use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::join_all;
use shared::store::{Item, MemoryStore, StoreError};

use super::*;
use crate::testing::{Ports, ports};

const TICKETS_UPSTREAM: &str = "/api/tickets/";

fn tallies(ports: &Ports) -> Tallies<'_> {
    Tallies::new(&ports.app.store, &ports.app.wisphub, &ports.app.config)
}

/// `n` creates asking for a slot in `zone` at once.
async fn burst(ports: &Ports, zone: i64, n: usize) -> Vec<Room> {
    let tallies = tallies(ports);
    let asks = (0..n).map(|_| budget::within(Duration::from_secs(3), tallies.take_slot(zone)));
    join_all(asks).await.into_iter().map(|room| room.expect("a room or a full zone")).collect()
}

fn taken(rooms: &[Room]) -> usize {
    rooms.iter().filter(|room| matches!(room, Room::Slot(_))).count()
}

#[tokio::test]
async fn a_burst_on_a_full_zone_shares_one_count_and_is_answered_full() {
    let ports = ports().await;
    // One walk of the open tickets, alone, to know what one costs.
    tallies(&ports).open_in(2).await.expect("a count");
    let one_walk = ports.sandbox.count("GET", TICKETS_UPSTREAM);
    ports.sandbox.reset_counters();

    let rooms = burst(&ports, 1, 24).await;

    assert!(rooms.iter().all(|room| matches!(room, Room::Full { open: 3, max: 3 })));
    assert_eq!(ports.sandbox.count("GET", TICKETS_UPSTREAM), one_walk, "24 creates, one walk");
}

#[tokio::test]
async fn a_burst_for_three_free_slots_takes_exactly_three() {
    let ports = ports().await;

    let rooms = burst(&ports, 3, 12).await;

    assert_eq!(taken(&rooms), 3);
    assert!(rooms.iter().all(|room| matches!(room, Room::Slot(_) | Room::Full { open: 3, max: 3 })));
}

#[tokio::test]
async fn a_slot_given_back_is_free_again_and_a_made_one_is_not() {
    let ports = ports().await;
    let tallies = tallies(&ports);
    let mut slots = Vec::new();
    for _ in 0..3 {
        let Room::Slot(slot) = tallies.take_slot(3).await.expect("room") else { panic!("zone 3 has room") };
        slots.push(slot);
    }
    assert!(matches!(tallies.take_slot(3).await, Ok(Room::Full { open: 3, .. })));

    slots[0].made().await;
    slots[1].give_back().await;

    assert!(matches!(tallies.take_slot(3).await, Ok(Room::Slot(_))), "the slot given back");
    assert!(matches!(tallies.take_slot(3).await, Ok(Room::Full { .. })), "the made one still counts");
}

#[test]
fn a_count_keeps_the_slots_it_may_have_missed() {
    let slot = |owner: &str, until, made| Slot { owner: owner.into(), until, made };
    let tally = Tally {
        open: 1,
        counted_at: 1_000,
        slots: vec![slot("made-before", 1_900, true), slot("made-after", 2_100, true), slot("running", 9_000, false)],
    };

    let recounted = tally.recounted(2, 2_000);

    let owners: Vec<&str> = recounted.slots.iter().map(|slot| slot.owner.as_str()).collect();
    assert_eq!((recounted.open, recounted.counted_at, owners), (2, 2_000, vec!["made-after", "running"]));
    assert_eq!(recounted.used(), 4);
}

#[tokio::test]
async fn a_stale_count_is_walked_again_and_a_fresh_one_is_not() {
    let ports = ports().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let mut config = (*ports.app.config).clone();
    config.tickets.zone_count_ttl = Duration::ZERO;
    let stale = Tallies::new(&store, &ports.app.wisphub, &config);

    stale.open_in(2).await.expect("a count");
    let one_walk = ports.sandbox.count("GET", TICKETS_UPSTREAM);
    stale.open_in(2).await.expect("a count");
    tallies(&ports).open_in(2).await.expect("a count");
    tallies(&ports).open_in(2).await.expect("a count");

    assert_eq!(ports.sandbox.count("GET", TICKETS_UPSTREAM), 3 * one_walk, "TTL 0: two walks; default: one");
}

#[tokio::test]
async fn waiting_on_a_count_that_does_not_come_ends_early_with_nothing_taken() {
    let ports = ports().await;
    let store = &ports.app.store;
    // Another instance is counting zone 3 and is slow about it.
    assert!(claim::try_claim(&**store, &counting_key(3), "another instance", now_secs() + 60).await.unwrap());
    let started = tokio::time::Instant::now();

    let late = budget::within(Duration::from_secs(2), tallies(&ports).take_slot(3)).await;

    assert!(matches!(late, Err(ApiError::BudgetExceeded)), "a 503 with Retry-After");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_millis(1500),
        "gave up with about a second of its 2 s left, time a POST would have had: {waited:?}"
    );
    assert!(store.get(&tally_key(3)).await.unwrap().is_none(), "no slot was written");
    claim::release(&**store, &counting_key(3), "another instance").await.unwrap();
    assert!(matches!(tallies(&ports).take_slot(3).await, Ok(Room::Slot(_))), "the next create counts and goes on");
}

/// The memory store, counting its reads: what a slot costs the store on a create's path.
#[derive(Default)]
struct CountingReads {
    store: MemoryStore,
    reads: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for CountingReads {
    async fn get(&self, key: &str) -> Result<Option<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.store.get(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.store.get_many(keys).await
    }
    async fn put_if_absent(&self, key: &str, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.store.put_if_absent(key, value, expires_at).await
    }
    async fn update_if_version(&self, key: &str, version: u64, value: &str, expires_at: u64) -> Result<(), StoreError> {
        self.store.update_if_version(key, version, value, expires_at).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await
    }
    async fn delete_if_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.store.delete_if_value(key, value).await
    }
    async fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        self.store.increment(key, expires_at).await
    }
}

#[tokio::test]
async fn a_slot_on_a_fresh_tally_costs_one_read() {
    let ports = ports().await;
    let counting = Arc::new(CountingReads::default());
    let store: Arc<dyn Store> = counting.clone();
    let tallies = Tallies::new(&store, &ports.app.wisphub, &ports.app.config);
    tallies.open_in(3).await.expect("a count");
    let before = counting.reads.load(Ordering::SeqCst);

    let room = tallies.take_slot(3).await.expect("room");

    assert!(matches!(room, Room::Slot(_)), "zone 3 has room");
    assert_eq!(
        counting.reads.load(Ordering::SeqCst) - before,
        1,
        "the tally is read once, then the slot written over it"
    );
}
