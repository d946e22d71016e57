use super::*;
use crate::events::{EventData, EventType, ServiceData};
use crate::store::MemoryStore;

const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
const NOW: u64 = 1_900_000_000;

fn suspended(ids: std::ops::Range<i64>) -> Vec<Change> {
    ids.map(|service_id| Change {
        kind: EventType::ServiceSuspended,
        data: EventData::Service(ServiceData { service_id }),
    })
    .collect()
}

fn services(page: &Page) -> Vec<i64> {
    let Page::Events { events, .. } = page else { panic!("not a page of events: {page:?}") };
    events
        .iter()
        .map(|event| match event.data {
            EventData::Service(service) => service.service_id,
            EventData::Outage(_) => 0,
        })
        .collect()
}

fn last_id(page: &Page) -> EventId {
    let Page::Events { events, .. } = page else { panic!("not a page of events: {page:?}") };
    events.last().expect("an event").id
}

#[tokio::test]
async fn pages_follow_the_cursor_across_refreshes_and_batches_oldest_first() {
    let store = MemoryStore::new();
    let first = record(&store, suspended(0..3), NOW - 60, WEEK, NOW - 60).await.unwrap();
    // A refresh with more changes than one batch holds.
    let second = record(&store, suspended(100..100 + BATCH_SIZE as i64 + 2), NOW, WEEK, NOW).await.unwrap();
    assert_eq!((first[0].id.to_string().as_str(), first.len()), ("000000000001-0000", 3));
    assert_eq!(second.last().map(|e| e.id), Some(EventId { batch: 3, index: 1 }));

    let start = page(&store, None, 2, WEEK, NOW).await.unwrap();
    let next = page(&store, Some(last_id(&start)), 2, WEEK, NOW).await.unwrap();
    let across = page(&store, Some(EventId { batch: 2, index: 498 }), 3, WEEK, NOW).await.unwrap();
    let end = page(&store, Some(EventId { batch: 3, index: 1 }), 100, WEEK, NOW).await.unwrap();

    assert_eq!(services(&start), [0, 1]);
    assert!(matches!(start, Page::Events { more: true, .. }));
    assert_eq!(services(&next), [2, 100]);
    assert_eq!(services(&across), [599, 600, 601]);
    assert!(matches!(across, Page::Events { more: false, .. }));
    assert_eq!(end, Page::Events { events: vec![], more: false });
}

#[tokio::test]
async fn a_cursor_past_the_retention_is_expired_and_one_from_the_future_unknown() {
    let store = MemoryStore::new();
    let old = record(&store, suspended(0..2), NOW - WEEK.as_secs() - 10, WEEK, NOW - WEEK.as_secs() - 10).await;
    let recent = record(&store, suspended(5..6), NOW, WEEK, NOW).await.unwrap();

    let from_old = page(&store, Some(old.unwrap()[0].id), 10, WEEK, NOW).await.unwrap();
    let from_start = page(&store, None, 10, WEEK, NOW).await.unwrap();
    let from_future = page(&store, Some(EventId { batch: 99, index: 0 }), 10, WEEK, NOW).await.unwrap();

    assert_eq!(from_old, Page::Expired);
    assert_eq!(services(&from_start), [5], "only what is kept");
    assert_eq!(from_future, Page::Unknown);
    assert_eq!(page(&store, Some(recent[0].id), 10, WEEK, NOW + WEEK.as_secs()).await.unwrap(), Page::Expired);
}

#[tokio::test]
async fn nothing_recorded_reads_as_an_empty_page_and_a_cursor_then_as_expired() {
    let store = MemoryStore::new();
    assert!(record(&store, vec![], NOW, WEEK, NOW).await.unwrap().is_empty());
    assert_eq!(store.get(keys::EVENT_COUNTER).await.unwrap(), None, "no batch number spent");

    assert_eq!(page(&store, None, 10, WEEK, NOW).await.unwrap(), Page::Events { events: vec![], more: false });
    assert_eq!(page(&store, Some(EventId { batch: 1, index: 0 }), 10, WEEK, NOW).await.unwrap(), Page::Expired);
}

#[tokio::test]
async fn a_batch_whose_writer_stopped_before_the_index_is_skipped_not_waited_for() {
    let store = MemoryStore::new();
    record(&store, suspended(0..1), NOW, WEEK, NOW).await.unwrap();
    // Batch 2 numbered and written, never listed: its refresher died.
    store.increment(keys::EVENT_COUNTER, u64::MAX).await.unwrap();
    store.put_if_absent(&keys::event_batch(2), "[]", NOW + 60).await.unwrap();
    record(&store, suspended(7..8), NOW, WEEK, NOW).await.unwrap();

    let all = page(&store, None, 10, WEEK, NOW).await.unwrap();
    let from_unlisted = page(&store, Some(EventId { batch: 2, index: 0 }), 10, WEEK, NOW).await.unwrap();

    assert_eq!(services(&all), [0, 7]);
    assert_eq!(services(&from_unlisted), [7]);
}
