use serde_json::{Value, json};

use super::*;
use crate::directory::Record;
use crate::events::facts::Facts;
use crate::outage::OutageScope;
use crate::wisphub::model::ClientRecord;

/// A directory record as WispHub would give it: service `id` on router `router` and maybe a sector.
fn record(id: i64, estado: &str, facturas: &str, router: Value, sector: Value) -> Record {
    let wire: ClientRecord = serde_json::from_value(json!({"id_servicio": id, "nombre": format!("Cliente {id}"),
        "telefono": "3001234567", "estado": estado, "estado_facturas": facturas, "router": router, "sectorial": sector}))
    .expect("a client record");
    Record::from(&wire)
}

fn router(id: i64, fault: Option<&str>) -> Value {
    json!({"id": id, "nombre": format!("RB-{id}"), "falla_general": fault.is_some(), "falla_general_descripcion": fault})
}

/// Four services: 1 and 2 on router 1 (2 behind sector 3), 3 on router 2, 4 cancelled on router 1.
fn tenant(router_1: Option<&str>, sector_3: Option<&str>, estado_2: &str, facturas_3: &str) -> Vec<Record> {
    let sector = json!({"id": 3, "nombre": "AP-3", "falla_general": sector_3.is_some(),
        "falla_general_descripcion": sector_3});
    vec![
        record(1, "Activo", "Pagadas", router(1, router_1), Value::Null),
        record(2, estado_2, "Pagadas", router(1, router_1), sector),
        record(3, "Activo", facturas_3, router(2, None), Value::Null),
        record(4, "Cancelado", "Vencidas", router(1, router_1), Value::Null),
    ]
}

fn kinds(changes: &[Change]) -> Vec<(EventType, &EventData)> {
    changes.iter().map(|change| (change.kind, &change.data)).collect()
}

fn stored(records: &[Record]) -> Facts {
    Facts::from_snapshot(&serde_json::to_vec(records).unwrap()).expect("a stored version reads back")
}

#[test]
fn each_change_between_two_versions_is_one_event_outages_first() {
    let before = stored(&tenant(None, Some("Viento"), "Activo", "Vencidas"));
    let after = Facts::of(&tenant(Some("Fibra cortada"), None, "Suspendido", "Pagadas"));

    let changes = diff(&before, &after);

    let raised = OutageData {
        scope: OutageScope::Router,
        device_id: 1,
        device_name: Some("RB-1".into()),
        description: Some("Fibra cortada".into()),
        affected_services: 2,
    };
    let cleared = OutageData {
        scope: OutageScope::Sector,
        device_id: 3,
        device_name: Some("AP-3".into()),
        description: None,
        affected_services: 1,
    };
    assert_eq!(
        kinds(&changes),
        [
            (EventType::OutageRaised, &EventData::Outage(raised)),
            (EventType::OutageCleared, &EventData::Outage(cleared)),
            (EventType::ServiceSuspended, &EventData::Service(ServiceData { service_id: 2 })),
            (EventType::BillingSettled, &EventData::Service(ServiceData { service_id: 3 })),
        ]
    );
}

#[test]
fn a_new_description_while_raised_is_an_update_and_a_reactivation_is_told() {
    let before = stored(&tenant(Some("Fibra cortada"), None, "Suspendido", "Pagadas"));
    let after = Facts::of(&tenant(Some("Fibra reparada a las 18:00"), None, "Activo", "Pagadas"));

    let changes = diff(&before, &after);

    let found: Vec<(EventType, Option<&str>)> = changes
        .iter()
        .map(|change| match &change.data {
            EventData::Outage(outage) => (change.kind, outage.description.as_deref()),
            EventData::Service(_) => (change.kind, None),
        })
        .collect();
    assert_eq!(
        found,
        [(EventType::OutageUpdated, Some("Fibra reparada a las 18:00")), (EventType::ServiceReactivated, None)]
    );
}

#[test]
fn the_same_directory_twice_and_unknown_services_or_devices_tell_nothing() {
    let records = tenant(Some("Fibra"), Some("Viento"), "Suspendido", "Vencidas");
    assert_eq!(diff(&stored(&records), &Facts::of(&records)), []);

    // Service 5 is new (behind a new, flagged router 9); service 3 left with its router 2.
    let mut after = records.clone();
    after.retain(|r| r.client.service_id != 3);
    after.push(record(5, "Suspendido", "Pagadas", router(9, Some("Nuevo")), Value::Null));
    let changes = diff(&Facts::of(&records), &Facts::of(&after));
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        matches!(&changes[0].data, EventData::Outage(o) if o.device_id == 9 && changes[0].kind == EventType::OutageRaised)
    );
}

#[test]
fn a_snapshot_written_before_devices_were_kept_tells_no_outage() {
    let records = tenant(Some("Fibra"), None, "Activo", "Pagadas");
    let older: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut stored = serde_json::to_value(r).unwrap();
            stored.as_object_mut().unwrap().retain(|key, _| key != "r" && key != "s");
            stored
        })
        .collect();
    let before = Facts::from_snapshot(&serde_json::to_vec(&older).unwrap()).unwrap();

    assert_eq!(before.services(), 4);
    assert_eq!(diff(&before, &Facts::of(&records)), []);
}

#[test]
fn the_previous_version_is_read_without_its_personal_fields() {
    let records = tenant(None, None, "Activo", "Pagadas");
    let facts = stored(&records);
    let kept = format!("{facts:?}");
    assert!(!kept.contains("Cliente") && !kept.contains("3001234567"), "{kept}");
    assert!(Facts::from_snapshot(b"{\"not\": \"a list\"}").is_err());
}

#[test]
fn facts_kept_beside_a_version_compare_as_its_records_do() {
    let before = tenant(None, Some("Viento"), "Activo", "Vencidas");
    let after = Facts::of(&tenant(Some("Fibra cortada"), None, "Suspendido", "Pagadas"));

    let kept = Facts::from_stored(&Facts::of(&before).to_stored()).expect("stored facts read back");

    assert_eq!(diff(&kept, &after), diff(&stored(&before), &after));
    assert_eq!(diff(&kept, &after).len(), 4);
    assert!(Facts::from_stored(b"[1, 2]").is_err());
}
