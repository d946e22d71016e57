//! Who to tell about an outage (docs/api.md §16): the services behind a router or sector, from the
//! directory snapshot, for a broadcast; staff only (`clients:list`), and no WispHub call.

use serde_json::{Value, json};
use shared::Scope;
use wisphub_sandbox::{Estado, FaultyDevice};

use crate::events::{behind, sandbox_records};
use crate::helpers::*;

fn customers(scope: &str, device_id: &str) -> String {
    format!("/api/v1/outages/{scope}/{device_id}/customers")
}

#[tokio::test]
async fn the_services_behind_a_sector_come_from_the_snapshot_with_name_and_phone_but_not_the_cancelled() {
    let app = TestApp::spawn().await;
    app.refresh_directory().await.expect("a snapshot");
    let calls = app.sandbox.total_requests();
    let staff = app.token(&[Scope::ClientsList]);

    let listed = app.get(&customers("sector", "3"), &staff).await;
    let routed = app.get(&customers("router", "4"), &staff).await;

    assert_eq!(kind(&listed), ("success", "outage_customers_listed"), "{}", listed.text);
    let records = sandbox_records(&app);
    let expected: Vec<Value> = behind(&app, "sectorial", 3)
        .into_iter()
        .map(|id| {
            let record = records.iter().find(|r| r["id_servicio"] == id).unwrap();
            json!({"service_id": id, "name": record["nombre"], "phone": record["telefono"]})
        })
        .collect();
    assert_eq!(listed.body["data"], json!(expected), "{}", listed.text);
    assert!(expected.iter().any(|c| c["service_id"] == 1004), "the suspended demo service is told");
    assert!(expected.iter().all(|c| c["service_id"] != 1005), "the cancelled demo service is not");
    assert_eq!(listed.body["meta"]["total"], expected.len());
    assert!(listed.body["meta"]["snapshot_age_secs"].as_u64().is_some_and(|age| age < 60), "{}", listed.text);
    let routed_ids: Vec<i64> =
        routed.body["data"].as_array().unwrap().iter().filter_map(|c| c["service_id"].as_i64()).collect();
    assert_eq!(routed_ids, behind(&app, "router", 4));
    assert_eq!(app.sandbox.total_requests(), calls, "answered from the snapshot alone");
}

#[tokio::test]
async fn a_new_snapshot_shows_who_hangs_from_a_device_now() {
    let app = TestApp::spawn().await;
    app.refresh_directory().await.expect("a snapshot");
    let staff = app.token(&[Scope::ClientsList]);
    let before = app.get(&customers("router", "2"), &staff).await;

    app.sandbox.set_service_status(1002, Estado::Cancelado);
    app.sandbox.set_general_fault(FaultyDevice::Router(2), Some("Tormenta"));
    app.refresh_directory().await.expect("a second snapshot");
    let after = app.get(&customers("router", "2"), &staff).await;

    let ids = |answer: &Answer| -> Vec<i64> {
        answer.body["data"].as_array().unwrap().iter().filter_map(|c| c["service_id"].as_i64()).collect()
    };
    assert!(ids(&before).contains(&1002), "{}", before.text);
    assert!(!ids(&after).contains(&1002), "{}", after.text);
    assert_eq!(ids(&after).len() + 1, ids(&before).len());
}

#[tokio::test]
async fn an_unknown_device_is_info_with_an_empty_list_and_bad_segments_are_422_naming_them() {
    let app = TestApp::spawn().await;
    app.refresh_directory().await.expect("a snapshot");
    let staff = app.token(&[Scope::ClientsList]);

    let unknown = app.get(&customers("router", "99"), &staff).await;
    assert_eq!(kind(&unknown), ("info", "outage_customers_not_found"), "{}", unknown.text);
    assert_eq!(unknown.body["data"], json!([]));

    for (scope, device, field) in [("antena", "3", "scope"), ("sector", "0", "device_id"), ("router", "x", "device_id")]
    {
        let answer = app.get(&customers(scope, device), &staff).await;
        assert_eq!(answer.status.as_u16(), 422, "{scope}/{device}: {}", answer.text);
        answer.assert_envelope();
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("{field}: ")), "{scope}/{device}: {message}");
    }
}

#[tokio::test]
async fn the_customers_route_needs_clients_list_and_a_snapshot() {
    let app = TestApp::spawn().await;

    let without_snapshot = app.get(&customers("sector", "3"), &app.token(&[Scope::ClientsList])).await;
    app.refresh_directory().await.expect("a snapshot");
    let bot = app.get(&customers("sector", "3"), &app.token(&[Scope::ClientsRead, Scope::EventsRead])).await;

    assert_eq!(without_snapshot.status.as_u16(), 503, "{}", without_snapshot.text);
    assert!(without_snapshot.headers.contains_key("retry-after"));
    assert_eq!(without_snapshot.action(), "upstream_unavailable");
    assert_eq!(bot.status.as_u16(), 403, "personal data in bulk is staff only: {}", bot.text);
}
