use serde_json::json;

use super::*;
use crate::testing::{ports, service};

fn body(value: Value) -> Result<NewTicket, ApiError> {
    serde_json::from_value::<CreateTicketBody>(value).expect("decodes").validate(Some(7))
}

fn fields(error: ApiError) -> Vec<String> {
    match error {
        ApiError::Validation(problems) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn a_complete_body_takes_the_default_technician_and_string_ids() {
    let new = body(json!({"service_id": "1004", "subject": " Internet Lento ", "description": "lento"})).unwrap();
    assert_eq!((new.service_id.get(), new.technician_id, new.zone_id), (1004, 7, None));
    assert_eq!(new.subject, "Internet Lento");
}

#[test]
fn every_missing_field_is_named_at_once() {
    let error = body(json!({"description": "   ", "zone_id": -1})).unwrap_err();
    assert_eq!(fields(error), ["subject", "description", "service_id", "zone_id"]);
}

#[test]
fn no_technician_and_no_default_names_technician_id() {
    let parsed: CreateTicketBody =
        serde_json::from_value(json!({"service_id": 1, "subject": "x", "description": "y", "technician_id": null}))
            .unwrap();
    assert_eq!(fields(parsed.validate(None).unwrap_err()), ["technician_id"]);
}

#[test]
fn a_non_numeric_id_is_refused_by_the_decoder() {
    assert!(serde_json::from_value::<CreateTicketBody>(json!({"service_id": "diez"})).is_err());
    assert!(serde_json::from_value::<CreateTicketBody>(json!({"service_id": 1.5})).is_err());
}

fn new_ticket(service_id: i64, subject: &str) -> NewTicket {
    body(json!({"service_id": service_id, "subject": subject, "description": "El cliente reporta lentitud."}))
        .expect("a valid body")
}

#[tokio::test]
async fn a_ticket_is_created_in_a_zone_under_its_limit() {
    let ports = ports().await;
    let (wisphub, store, config) = (&ports.app.wisphub, &ports.app.store, &*ports.app.config);

    let created = create_ticket(wisphub, store, config, &ports.subjects, new_ticket(1004, "Internet Lento")).await;

    let Ok(Creation::Created(Some(ticket))) = created else { panic!("not created: {created:?}") };
    assert_eq!((ticket.service_id, ticket.subject.as_deref()), (Some(1004), Some("Internet Lento")));
    assert_eq!(ports.sandbox.tickets_created().len(), 1);
}

#[tokio::test]
async fn a_full_zone_an_unknown_client_and_an_outage_are_outcomes_that_create_nothing() {
    let ports = ports().await;
    let create = |service_id, subject| {
        let ports = &ports;
        let (app, new) = (&ports.app, new_ticket(service_id, subject));
        async move { create_ticket(&app.wisphub, &app.store, &app.config, &ports.subjects, new).await.unwrap() }
    };

    assert_eq!(create(1001, "Internet Lento").await, Creation::ZoneFull { open: 3, max: 3 });
    assert_eq!(create(424242, "Internet Lento").await, Creation::UnknownClient);
    let behind = create(wisphub_sandbox::SERVICE_BEHIND_FAULTY_SECTORIAL, "No Tiene Internet").await;
    let Creation::BehindOutage { service_id, .. } = behind else { panic!("not an outage: {behind:?}") };
    assert_eq!(service_id, service(wisphub_sandbox::SERVICE_BEHIND_FAULTY_SECTORIAL));
    assert!(ports.sandbox.tickets_created().is_empty());
}

#[tokio::test]
async fn a_subject_outside_the_catalogue_is_a_422_naming_subject() {
    let ports = ports().await;
    let app = &ports.app;

    let refused = create_ticket(&app.wisphub, &app.store, &app.config, &ports.subjects, new_ticket(1004, "Pizza"));

    assert_eq!(fields(refused.await.unwrap_err()), ["subject"]);
    assert!(ports.sandbox.tickets_created().is_empty());
}
