//! The one contract every `Store` adapter keeps: each case runs against `MemoryStore` always and
//! against `DynamoStore` in `dynamo::*`, which a plain `cargo test` lists as ignored: they need a
//! DynamoDB-protocol server (`./scripts/test` starts one and includes them; by hand,
//! `eval "$(scripts/dynamodb-local start)"` then `cargo test -- --include-ignored`).

use futures::future::join_all;
use shared::clock::now_secs;
use shared::store::{DynamoStore, Item, Store, StoreError};
use tokio::sync::OnceCell;

fn unique_key() -> String {
    format!("TEST#{}", uuid::Uuid::new_v4())
}

fn later() -> u64 {
    now_secs() + 600
}

fn earlier() -> u64 {
    now_secs() - 10
}

async fn case_get_of_a_missing_key_is_none(store: &dyn Store) {
    assert_eq!(store.get(&unique_key()).await.unwrap(), None);
}

async fn case_put_if_absent_then_get_returns_the_value_at_version_1(store: &dyn Store) {
    let (key, expires_at) = (unique_key(), later());

    store.put_if_absent(&key, "first", expires_at).await.unwrap();

    let item = store.get(&key).await.unwrap();
    assert_eq!(item, Some(Item { value: "first".into(), version: 1, expires_at }));
}

async fn case_a_second_put_if_absent_fails_the_condition(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "first", later()).await.unwrap();

    let second = store.put_if_absent(&key, "second", later()).await;

    assert!(matches!(second, Err(StoreError::ConditionFailed)), "{second:?}");
    assert_eq!(store.get(&key).await.unwrap().unwrap().value, "first");
}

async fn case_concurrent_put_if_absent_lets_exactly_one_writer_win(store: &dyn Store) {
    let key = unique_key();

    let results = join_all((0..10).map(|i| {
        let (key, value) = (key.clone(), format!("writer-{i}"));
        async move { (value.clone(), store.put_if_absent(&key, &value, later()).await) }
    }))
    .await;

    let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(v, _)| v.clone()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results.iter().all(|(_, r)| matches!(r, Ok(()) | Err(StoreError::ConditionFailed))), "{results:?}");
    assert_eq!(store.get(&key).await.unwrap().unwrap().value, winners[0]);
}

async fn case_put_if_absent_over_an_expired_record_succeeds(store: &dyn Store) {
    let (key, expires_at) = (unique_key(), later());
    store.put_if_absent(&key, "old", earlier()).await.unwrap();

    store.put_if_absent(&key, "new", expires_at).await.unwrap();

    let item = store.get(&key).await.unwrap();
    assert_eq!(item, Some(Item { value: "new".into(), version: 1, expires_at }));
}

async fn case_get_of_an_expired_record_is_none(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "old", earlier()).await.unwrap();

    assert_eq!(store.get(&key).await.unwrap(), None);
}

async fn case_update_if_version_with_the_current_version_bumps_it(store: &dyn Store) {
    let (key, expires_at) = (unique_key(), later() + 60);
    store.put_if_absent(&key, "first", later()).await.unwrap();

    store.update_if_version(&key, 1, "second", expires_at).await.unwrap();

    let item = store.get(&key).await.unwrap();
    assert_eq!(item, Some(Item { value: "second".into(), version: 2, expires_at }));
}

async fn case_update_if_version_with_a_stale_version_fails_the_condition(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "first", later()).await.unwrap();
    store.update_if_version(&key, 1, "second", later()).await.unwrap();

    let stale = store.update_if_version(&key, 1, "third", later()).await;

    assert!(matches!(stale, Err(StoreError::ConditionFailed)), "{stale:?}");
    assert_eq!(store.get(&key).await.unwrap().unwrap().value, "second");
}

async fn case_update_if_version_on_an_expired_record_fails_the_condition(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "old", earlier()).await.unwrap();

    let updated = store.update_if_version(&key, 1, "new", later()).await;

    assert!(matches!(updated, Err(StoreError::ConditionFailed)), "{updated:?}");
    assert_eq!(store.get(&key).await.unwrap(), None);
}

async fn case_update_if_version_of_a_missing_key_fails_the_condition(store: &dyn Store) {
    let updated = store.update_if_version(&unique_key(), 1, "new", later()).await;

    assert!(matches!(updated, Err(StoreError::ConditionFailed)), "{updated:?}");
}

async fn case_concurrent_update_if_version_lets_exactly_one_writer_win(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "first", later()).await.unwrap();

    let results = join_all((0..10).map(|i| {
        let (key, value) = (key.clone(), format!("writer-{i}"));
        async move { (value.clone(), store.update_if_version(&key, 1, &value, later()).await) }
    }))
    .await;

    let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(v, _)| v.clone()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results.iter().all(|(_, r)| matches!(r, Ok(()) | Err(StoreError::ConditionFailed))), "{results:?}");
    let item = store.get(&key).await.unwrap().unwrap();
    assert_eq!((item.value, item.version), (winners[0].clone(), 2));
}

async fn case_delete_then_get_is_none(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "first", later()).await.unwrap();

    store.delete(&key).await.unwrap();

    assert_eq!(store.get(&key).await.unwrap(), None);
    store.put_if_absent(&key, "again", later()).await.unwrap();
}

async fn case_delete_of_a_missing_key_is_ok(store: &dyn Store) {
    store.delete(&unique_key()).await.unwrap();
}

async fn case_increment_counts_up_and_keeps_the_first_expiry(store: &dyn Store) {
    let (key, first_expiry) = (unique_key(), later());

    let counts = [
        store.increment(&key, first_expiry).await.unwrap(),
        store.increment(&key, first_expiry + 60).await.unwrap(),
        store.increment(&key, first_expiry + 120).await.unwrap(),
    ];

    assert_eq!(counts, [1, 2, 3]);
    let item = store.get(&key).await.unwrap().unwrap();
    assert_eq!((item.value.as_str(), item.expires_at), ("3", first_expiry));
}

async fn case_increment_of_an_expired_counter_restarts_at_1_with_the_new_expiry(store: &dyn Store) {
    let (key, new_expiry) = (unique_key(), later());
    assert_eq!(store.increment(&key, earlier()).await.unwrap(), 1);

    let count = store.increment(&key, new_expiry).await.unwrap();

    assert_eq!(count, 1);
    let item = store.get(&key).await.unwrap().unwrap();
    assert_eq!((item.value.as_str(), item.expires_at), ("1", new_expiry));
}

async fn case_concurrent_increments_each_count_exactly_once(store: &dyn Store) {
    let (key, expires_at) = (unique_key(), later());

    let results = join_all((0..20).map(|_| store.increment(&key, expires_at))).await;

    let mut counts: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<_>>());
    assert_eq!(store.get(&key).await.unwrap().unwrap().value, "20");
}

/// The contract table, created once per test process; each test builds its own client because a
/// client's pooled connections belong to the runtime of the test that opened them.
static TABLE: OnceCell<String> = OnceCell::const_new();

/// A `DynamoStore` on the contract table of the server at `AWS_ENDPOINT_URL_DYNAMODB`; panics when
/// that is unset or the server does not answer (the `dynamo` tests are `#[ignore]`d for that reason).
async fn dynamo_store() -> DynamoStore {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "DynamoDB Local is not running: AWS_ENDPOINT_URL_DYNAMODB is unset \
             (run ./scripts/test, or eval \"$(scripts/dynamodb-local start)\" then cargo test -- --include-ignored)"
        )
    });
    let table = TABLE
        .get_or_init(|| async {
            let table = format!("store-contract-{}", uuid::Uuid::new_v4().simple());
            let store = DynamoStore::connect(table.as_str(), Some(&endpoint)).await;
            store.create_table().await.unwrap_or_else(|err| {
                panic!("creating the contract table at AWS_ENDPOINT_URL_DYNAMODB={endpoint}: {err:?}")
            });
            table
        })
        .await;
    DynamoStore::connect(table.as_str(), Some(&endpoint)).await
}

async fn case_delete_if_value_removes_only_the_owners_record(store: &dyn Store) {
    let key = unique_key();
    store.put_if_absent(&key, "owner-a", later()).await.unwrap();

    let stranger = store.delete_if_value(&key, "owner-b").await;
    assert!(matches!(stranger, Err(StoreError::ConditionFailed)), "{stranger:?}");
    assert!(store.get(&key).await.unwrap().is_some(), "a stranger's release leaves the record");
    store.delete_if_value(&key, "owner-a").await.unwrap();
    assert!(store.get(&key).await.unwrap().is_none());
    let gone = store.delete_if_value(&key, "owner-a").await;
    assert!(matches!(gone, Err(StoreError::ConditionFailed)), "{gone:?}");
}

async fn case_get_many_returns_the_live_records_past_the_100_key_batch_limit(store: &dyn Store) {
    let keys: Vec<String> = (0..230).map(|_| unique_key()).collect();
    for (i, key) in keys.iter().enumerate() {
        match i % 3 {
            0 => store.put_if_absent(key, &format!("value {i}"), later()).await.unwrap(),
            1 => store.put_if_absent(key, "expired", earlier()).await.unwrap(),
            _ => {}
        }
    }

    let found = store.get_many(&keys).await.unwrap();

    assert_eq!(found.len(), keys.len().div_ceil(3), "live records only");
    for (i, key) in keys.iter().enumerate().step_by(3) {
        assert_eq!(found[key].value, format!("value {i}"), "{key}");
        assert_eq!(found[key].version, 1);
    }
    assert!(store.get_many(&[]).await.unwrap().is_empty());
}

async fn case_get_many_reads_more_than_one_answer_can_carry(store: &dyn Store) {
    // 45 values of 380 KB: past BatchGetItem's 16 MB answer, so some keys come back unprocessed.
    let big = "x".repeat(380_000);
    let keys: Vec<String> = (0..45).map(|_| unique_key()).collect();
    for key in &keys {
        store.put_if_absent(key, &big, later()).await.unwrap();
    }

    let found = store.get_many(&keys).await.unwrap();

    assert_eq!(found.len(), keys.len());
    assert!(found.values().all(|item| item.value.len() == big.len()));
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod memory {
            use shared::store::MemoryStore;
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&MemoryStore::new()).await;
                }
            )*
        }
        mod dynamo {
            $(
                #[tokio::test]
                #[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
                async fn $case() {
                    super::$case(&super::dynamo_store().await).await;
                }
            )*
        }
    };
}

contract! {
    case_get_many_returns_the_live_records_past_the_100_key_batch_limit,
    case_get_many_reads_more_than_one_answer_can_carry,
    case_delete_if_value_removes_only_the_owners_record,
    case_get_of_a_missing_key_is_none,
    case_put_if_absent_then_get_returns_the_value_at_version_1,
    case_a_second_put_if_absent_fails_the_condition,
    case_concurrent_put_if_absent_lets_exactly_one_writer_win,
    case_put_if_absent_over_an_expired_record_succeeds,
    case_get_of_an_expired_record_is_none,
    case_update_if_version_with_the_current_version_bumps_it,
    case_update_if_version_with_a_stale_version_fails_the_condition,
    case_update_if_version_on_an_expired_record_fails_the_condition,
    case_update_if_version_of_a_missing_key_fails_the_condition,
    case_concurrent_update_if_version_lets_exactly_one_writer_win,
    case_delete_then_get_is_none,
    case_delete_of_a_missing_key_is_ok,
    case_increment_counts_up_and_keeps_the_first_expiry,
    case_increment_of_an_expired_counter_restarts_at_1_with_the_new_expiry,
    case_concurrent_increments_each_count_exactly_once,
}
