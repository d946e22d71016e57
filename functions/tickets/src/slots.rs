//! The zone's shared tally (docs/api.md §5.2): the last count of its open tickets and the creates
//! that took a slot since. A burst for one zone, on one instance or many, shares one walk of
//! WispHub's tickets (a single flight through the store); only taking a slot is exclusive (one
//! conditional write), so creates with a free slot POST side by side and the rest are answered at once.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::budget;
use shared::clock::{now_millis, now_secs};
use shared::config::Config;
use shared::store::{Item, Store, StoreError, claim};
use shared::wisphub::WispHub;

use crate::lease::Held;
use crate::zone::open_tickets_in_zone;

/// A POST takes 300–600 ms on a busy WispHub: with less budget left, one is not started (503 early,
/// nothing done, so a retry with the same Idempotency-Key simply creates).
const POST_RESERVE: Duration = Duration::from_millis(1000);
/// How long the tally record outlives its last write; its count goes stale long before.
const KEEP_TALLY: Duration = Duration::from_secs(24 * 3600);
/// Waiting for another request's count, the store is read this often (jittered).
const POLL_MS: std::ops::RangeInclusive<u64> = 100..=200;

/// What the last count of a zone found, and who took a slot since.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Tally {
    /// Open tickets the count found.
    open: u32,
    /// When the count began (Unix ms): a ticket WispHub made before then is in `open`.
    counted_at: u64,
    /// Creates whose ticket may not be in `open`.
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Slot {
    owner: String,
    /// Unix ms: when the POST ended (`made`), else when its holder's lease ends.
    until: u64,
    /// The POST ended and its ticket counts as made (answered, or its answer lost).
    made: bool,
}

impl Tally {
    fn used(&self) -> u32 {
        self.open + self.slots.len() as u32
    }

    fn age(&self) -> Duration {
        Duration::from_millis(now_millis().saturating_sub(self.counted_at))
    }

    /// A count that began at `began` found `open`: slots that ended before it are in it. A slot still
    /// running then, or whose holder vanished after, may not be, so it keeps counting: the limit
    /// may be under-used until the next count, never overshot.
    fn recounted(&self, open: u32, began: u64) -> Tally {
        let slots = self.slots.iter().filter(|slot| slot.until >= began).cloned().collect();
        Tally { open, counted_at: began, slots }
    }
}

/// What a create may do in its zone.
pub enum Room {
    /// A slot is held for this create's one POST.
    Slot(TakenSlot),
    /// `open` tickets (counted, or being made) against a limit of `max`.
    Full { open: u32, max: u32 },
}

/// The ports and settings a zone's tally is kept with.
pub struct Tallies<'a> {
    store: &'a Arc<dyn Store>,
    wisphub: &'a WispHub,
    active_states: &'a [u8],
    max: u32,
    /// How old a count may be and still answer (`ZONE_COUNT_TTL_SECONDS`).
    fresh_for: Duration,
    request_budget: Duration,
}

impl<'a> Tallies<'a> {
    pub fn new(store: &'a Arc<dyn Store>, wisphub: &'a WispHub, config: &'a Config) -> Self {
        let tickets = &config.tickets;
        Tallies {
            store,
            wisphub,
            active_states: &tickets.active_states,
            max: tickets.max_active_per_zone,
            fresh_for: tickets.zone_count_ttl,
            request_budget: config.request_budget,
        }
    }

    /// Open tickets of the zone (counted, or being made) from a count at most `fresh_for` old.
    pub async fn open_in(&self, zone: i64) -> Result<u32, ApiError> {
        let (tally, _) = self.fresh(zone).await?;
        Ok(tally.used())
    }

    /// A slot for one create, or the zone's fullness; a full zone answers without waiting for anyone.
    pub async fn take_slot(&self, zone: i64) -> Result<Room, ApiError> {
        let (key, max) = (tally_key(zone), self.max);
        let owner = uuid::Uuid::new_v4().to_string();
        let lease = budget::lease(self.request_budget).as_millis() as u64;
        loop {
            let (tally, version) = self.fresh(zone).await?;
            if tally.used() >= max {
                return Ok(Room::Full { open: tally.used(), max });
            }
            // Nothing is sent that could not finish inside the budget: 503 now, a retry creates.
            if budget::remaining(self.request_budget) < POST_RESERVE {
                return Err(ApiError::BudgetExceeded);
            }
            // The slot is written over the tally just read; it is read again only if it changed.
            let known = version.map(|version| (tally, version));
            let taking = update(&**self.store, &key, known, |tally| match tally {
                Some(tally) if tally.used() >= max => Decision::Keep(Taking::Full(tally.used())),
                Some(mut tally) => {
                    tally.slots.push(Slot { owner: owner.clone(), until: now_millis() + lease, made: false });
                    Decision::Write(tally, Taking::Taken)
                }
                None => Decision::Keep(Taking::Recount),
            });
            match taking.await? {
                Taking::Full(open) => return Ok(Room::Full { open, max }),
                Taking::Taken => return Ok(Room::Slot(TakenSlot { store: self.store.clone(), key, owner })),
                // The record went away since it was read: count again.
                Taking::Recount => continue,
            }
        }
    }

    /// A tally at most `fresh_for` old, or one counted after this request found it stale. One
    /// request counts; the others read the store until its tally is there. With the version it
    /// was read at, unless this request counted it.
    async fn fresh(&self, zone: i64) -> Result<(Tally, Option<u64>), ApiError> {
        let key = tally_key(zone);
        let mut stale_from: Option<u64> = None;
        loop {
            let current = read(&**self.store, &key).await?;
            let counted_at = current.as_ref().map_or(0, |(tally, _)| tally.counted_at);
            let recent = |tally: &Tally| tally.age() <= self.fresh_for || stale_from.is_some_and(|s| counted_at > s);
            if let Some((tally, version)) = current.filter(|(tally, _)| recent(tally)) {
                return Ok((tally, Some(version)));
            }
            stale_from.get_or_insert(counted_at);
            let owner = uuid::Uuid::new_v4().to_string();
            let until = now_secs() + budget::lease(self.request_budget).as_secs();
            let counting_key = counting_key(zone);
            if claim::try_claim(&**self.store, &counting_key, &owner, until).await? {
                let counting = Held::new(self.store.clone(), counting_key, owner);
                let counted = self.count(zone).await;
                counting.release().await;
                return counted.map(|tally| (tally, None));
            }
            let pause = Duration::from_millis(rand::random_range(POLL_MS));
            if budget::remaining(self.request_budget) < pause + POST_RESERVE {
                return Err(ApiError::BudgetExceeded);
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// Walks the zone's open tickets and stores the count with the slots it may not include.
    async fn count(&self, zone: i64) -> Result<Tally, ApiError> {
        let began = now_millis();
        let open = open_tickets_in_zone(self.wisphub, self.active_states, zone).await?;
        let tally = update(&**self.store, &tally_key(zone), None, |current| match current {
            // A later count got there first (this one's claim ended with its lease): it stands.
            Some(current) if current.counted_at > began => Decision::Keep(current),
            current => {
                let recounted = current.unwrap_or_default().recounted(open, began);
                Decision::Write(recounted.clone(), recounted)
            }
        })
        .await?;
        Ok(tally)
    }
}

/// A slot this create holds for its POST; settled by `made` or `give_back`. One left unsettled
/// (the request was dropped mid-POST) counts as made until the count after its lease.
pub struct TakenSlot {
    store: Arc<dyn Store>,
    key: String,
    owner: String,
}

impl TakenSlot {
    /// The POST ended and its ticket counts (WispHub answered, or its answer was lost).
    pub async fn made(&self) {
        let ended = now_millis();
        self.settle(|slot| Some(Slot { until: ended, made: true, ..slot.clone() })).await;
    }

    /// WispHub certainly made no ticket: the slot is free for the next create.
    pub async fn give_back(&self) {
        self.settle(|_| None).await;
    }

    async fn settle(&self, change: impl Fn(&Slot) -> Option<Slot>) {
        let settled = update(&*self.store, &self.key, None, |tally| {
            let Some(mut tally) = tally else { return Decision::Keep(()) };
            let Some(at) = tally.slots.iter().position(|slot| slot.owner == self.owner) else {
                return Decision::Keep(()); // a count after its lease already let it go
            };
            match change(&tally.slots[at]) {
                Some(slot) => tally.slots[at] = slot,
                None => drop(tally.slots.remove(at)),
            }
            Decision::Write(tally, ())
        });
        if let Err(e) = settled.await {
            // The slot then counts as taken until the count after its lease: safe, only less room.
            tracing::warn!(error = %e, "could not settle a zone slot");
        }
    }
}

enum Taking {
    Full(u32),
    Taken,
    Recount,
}

enum Decision<T> {
    Write(Tally, T),
    Keep(T),
}

/// Reads the tally (or starts from `known`, a tally just read with its version), lets `decide`
/// change it, and writes the change only if no one wrote in between (else reads again): every
/// writer of the record goes through here.
async fn update<T>(
    store: &dyn Store,
    key: &str,
    mut known: Option<(Tally, u64)>,
    mut decide: impl FnMut(Option<Tally>) -> Decision<T>,
) -> Result<T, StoreError> {
    loop {
        let current = match known.take() {
            Some(known) => Some(known),
            None => read(store, key).await?,
        };
        let version = current.as_ref().map(|(_, version)| *version);
        let (tally, answer) = match decide(current.map(|(tally, _)| tally)) {
            Decision::Keep(answer) => return Ok(answer),
            Decision::Write(tally, answer) => (tally, answer),
        };
        let value = serde_json::to_string(&tally).map_err(|e| StoreError::Corrupt(format!("zone tally: {e}")))?;
        let expires_at = now_secs() + KEEP_TALLY.as_secs();
        let written = match version {
            Some(version) => store.update_if_version(key, version, &value, expires_at).await,
            None => store.put_if_absent(key, &value, expires_at).await,
        };
        match written {
            Ok(()) => return Ok(answer),
            // Another create or count wrote first: decide again on what it wrote.
            Err(StoreError::ConditionFailed) => tokio::task::yield_now().await,
            Err(e) => return Err(e),
        }
    }
}

async fn read(store: &dyn Store, key: &str) -> Result<Option<(Tally, u64)>, StoreError> {
    let Some(Item { value, version, .. }) = store.get(key).await? else { return Ok(None) };
    let tally = serde_json::from_str(&value).map_err(|e| StoreError::Corrupt(format!("zone tally: {e}")))?;
    Ok(Some((tally, version)))
}

/// The store key of a zone's tally.
fn tally_key(zone: i64) -> String {
    format!("ZONETALLY#{zone}")
}

/// The store key of the claim of the one request counting a zone's open tickets.
fn counting_key(zone: i64) -> String {
    format!("ZONECOUNT#{zone}")
}

#[cfg(test)]
#[path = "slots_tests.rs"]
mod tests;
