use serde_json::{Value, json};
use wisphub_sandbox::{Faults, SandboxConfig};

use super::*;
use crate::testing::ports;

fn changes(body: Value) -> Result<Changes, ApiError> {
    serde_json::from_value::<ProfileUpdate>(body).expect("an update").parse("57")
}

fn refused_field(body: Value) -> String {
    match changes(body.clone()) {
        Err(ApiError::Validation(problems)) => problems[0].field.clone(),
        other => panic!("{body}: not a 422: {other:?}"),
    }
}

fn service(id: i64) -> ServiceId {
    ServiceId::new(id).expect("positive")
}

#[test]
fn an_update_over_wisphubs_limits_names_the_field() {
    for (body, field) in [
        (json!({"phone": "3".repeat(65)}), "phone"),
        (json!({"phone": "12"}), "phone"),
        (json!({"phone": "1234567890123456"}), "phone"),
        (json!({"document": "1".repeat(21)}), "document"),
        (json!({"document": "1.2.3"}), "document"),
        (json!({"phone": "12", "document": "1"}), "document"),
    ] {
        assert_eq!(refused_field(body.clone()), field, "{body}");
    }
}

#[tokio::test]
async fn an_update_is_written_read_back_and_answered_with_the_stored_client() {
    let ports = ports(SandboxConfig::default()).await;
    let wanted = changes(json!({"phone": "+57 300-999 8877", "document": "80.111.333"})).unwrap();

    let outcome = update(&ports.app.wisphub, &ports.directory, "57", service(1005), wanted).await.unwrap();

    let Updated::Kept(client) = outcome else { panic!("not kept: {outcome:?}") };
    assert_eq!((client.phone.as_deref(), client.document.as_deref()), (Some("+573009998877"), Some("80111333")));
    assert_eq!(ports.sandbox.client_record(1005).unwrap()["telefono"], "+573009998877");
}

#[tokio::test]
async fn nothing_given_an_unknown_client_and_a_dropped_field_are_outcomes() {
    let faults = Faults { drop_profile_fields: vec!["telefono".into()], ..Faults::default() };
    let ports = ports(SandboxConfig { faults, ..SandboxConfig::default() }).await;
    let (wisphub, directory) = (&ports.app.wisphub, &ports.directory);

    let nothing = update(wisphub, directory, "57", service(1001), changes(json!({"phone": " "})).unwrap()).await;
    assert_eq!(nothing.unwrap(), Updated::NothingGiven);
    assert_eq!(ports.sandbox.total_requests(), 0, "nothing given calls no WispHub");

    let both = || changes(json!({"phone": "3112223399", "document": "1023456789"})).unwrap();
    assert_eq!(update(wisphub, directory, "57", service(424242), both()).await.unwrap(), Updated::UnknownClient);
    assert_eq!(update(wisphub, directory, "57", service(1001), both()).await.unwrap(), Updated::NotKept(vec!["phone"]));
}
