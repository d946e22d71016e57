use serde_json::{Value, json};
use wisphub_sandbox::SandboxConfig;

use super::*;
use crate::identity::IdentityClaim;
use crate::testing::ports;

fn claim(body: Value) -> Claim {
    Claim::parse(serde_json::from_value::<IdentityClaim>(body).expect("a claim")).expect("parses")
}

fn service(id: i64) -> ServiceId {
    ServiceId::new(id).expect("positive")
}

#[tokio::test]
async fn resolving_two_fields_is_too_few_and_looks_nothing_up() {
    let ports = ports(SandboxConfig::default()).await;

    let found =
        resolve(&ports.app.wisphub, &ports.directory, &claim(json!({"name": "José", "address": "Peñón"}))).await;

    assert_eq!(found.unwrap(), Resolution::TooFewFields);
    assert_eq!(ports.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn resolving_identifies_one_person_and_tells_none_from_several() {
    let ports = ports(SandboxConfig::default()).await;
    let resolve = |body| {
        let claim = claim(body);
        let ports = &ports;
        async move { resolve(&ports.app.wisphub, &ports.directory, &claim).await.expect("resolves") }
    };

    let one =
        resolve(json!({"name": "jose perez", "address": "vereda el penon", "internet_plan_price": "65000"})).await;
    let several = resolve(json!({"name": "Pérez", "address": "Vereda El Peñón", "internet_plan_price": 65000})).await;
    let none = resolve(json!({"name": "José Pérez", "address": "Vereda El Peñón", "internet_plan_price": 12345})).await;

    let Resolution::Identified { client, service_ids, .. } = one else { panic!("not identified: {one:?}") };
    assert_eq!(client.service_id, 1001);
    assert!(service_ids.contains(&1001), "{service_ids:?}");
    assert_eq!(several, Resolution::Ambiguous);
    assert_eq!(none, Resolution::NoMatch);
}

#[tokio::test]
async fn verifying_says_which_fields_matched_and_knows_unknown_services() {
    let ports = ports(SandboxConfig::default()).await;
    let store = &*ports.app.store;
    let wisphub = &ports.app.wisphub;

    let right =
        claim(json!({"address": "El Peñon", "internet_plan_name": "10mb plus", "internet_plan_price": 65000.4}));
    let wrong = claim(json!({"name": "Jose Perez", "address": "Calle Falsa 123", "internet_plan_price": 70000}));
    let anyone = claim(json!({"name": "Ana", "address": "Calle", "internet_plan_name": "10MB"}));

    let matched = vec![Field::Address, Field::InternetPlanName, Field::InternetPlanPrice];
    assert_eq!(verify(store, wisphub, service(1001), &right).await.unwrap(), Verification::Verified { matched });
    let mismatch = Verification::Mismatch { matched: vec![Field::Name] };
    assert_eq!(verify(store, wisphub, service(1001), &wrong).await.unwrap(), mismatch);
    assert_eq!(verify(store, wisphub, service(424242), &anyone).await.unwrap(), Verification::UnknownClient);
}

#[tokio::test]
async fn five_mismatches_lock_the_service_out_for_the_window() {
    let ports = ports(SandboxConfig::default()).await;
    let (store, wisphub) = (&*ports.app.store, &ports.app.wisphub);
    let wrong = claim(json!({"name": "Nadie", "address": "Ninguna parte", "internet_plan_price": 1}));
    for attempt in 0..5 {
        let outcome = verify(store, wisphub, service(1003), &wrong).await.unwrap();
        assert!(matches!(outcome, Verification::Mismatch { .. }), "attempt {attempt}: {outcome:?}");
    }
    let calls = ports.sandbox.total_requests();

    let locked = verify(store, wisphub, service(1003), &wrong).await.unwrap();

    let Verification::LockedOut { retry_after_secs } = locked else { panic!("not locked: {locked:?}") };
    assert!((800..=900).contains(&retry_after_secs), "{retry_after_secs}");
    assert_eq!(ports.sandbox.total_requests(), calls, "a locked service costs no WispHub call");
}
