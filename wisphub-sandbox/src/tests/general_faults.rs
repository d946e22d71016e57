//! General faults on routers and sectoriales: the demo flags in client records, switching them at
//! run time in process and over the `/_sandbox/` hook.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::App;
use crate::{FaultyDevice, SERVICE_BEHIND_FAULTY_ROUTER, SERVICE_BEHIND_FAULTY_SECTORIAL, SandboxConfig, spawn};

/// `(router, sectorial)` of a service in the list and in the detail, which must agree.
async fn devices(app: &App, service: i64) -> (Value, Value) {
    let listed = app.get_json(&format!("/api/clientes/?id_servicio={service}")).await["results"][0].clone();
    let detail = app.get_json(&format!("/api/clientes/{service}/")).await;
    assert_eq!((&listed["router"], &listed["sectorial"]), (&detail["router"], &detail["sectorial"]), "{service}");
    (listed["router"].clone(), listed["sectorial"].clone())
}

fn flagged(device: &Value) -> (bool, Value) {
    (device["falla_general"].as_bool().unwrap_or(false), device["falla_general_descripcion"].clone())
}

#[tokio::test]
async fn demo_records_show_a_router_fault_a_sector_fault_and_none() {
    let app = App::new();
    let (router, sectorial) = devices(&app, SERVICE_BEHIND_FAULTY_ROUTER).await;
    assert_eq!((router["id"].clone(), router["nombre"].clone()), (json!(4), json!("RB-Centro")));
    assert_eq!(flagged(&router), (true, json!("Corte de fibra en el troncal de la Zona Centro")));
    assert_eq!(sectorial, Value::Null, "zone 4 has no sectorial");

    let (router, sectorial) = devices(&app, SERVICE_BEHIND_FAULTY_SECTORIAL).await;
    assert_eq!(flagged(&router), (false, json!("")));
    assert_eq!(sectorial["nombre"], "Sectorial Rural 90°");
    assert_eq!(flagged(&sectorial), (true, json!("Mantenimiento programado en la torre rural")));

    let (router, sectorial) = devices(&app, 1001).await;
    assert_eq!((flagged(&router), flagged(&sectorial)), ((false, json!("")), (false, Value::Null)));
    let (router, sectorial) = devices(&app, 1009).await;
    assert_eq!((flagged(&router), sectorial), ((false, json!("")), Value::Null));
}

#[tokio::test]
async fn a_fault_raised_and_cleared_shows_on_the_next_read() {
    let app = App::new();
    assert!(app.state.set_general_fault(FaultyDevice::Router(1), Some("Caída del nodo norte")));
    let (router, _) = devices(&app, 1001).await;
    assert_eq!(flagged(&router), (true, json!("Caída del nodo norte")));
    assert_eq!(app.get_json("/api/router/").await["results"][0]["falla_general"], true);

    assert!(app.state.set_general_fault(FaultyDevice::Sectorial(3), None));
    let (_, sectorial) = devices(&app, SERVICE_BEHIND_FAULTY_SECTORIAL).await;
    assert_eq!(flagged(&sectorial), (false, Value::Null));
    assert_eq!(app.get_json("/api/sectorial/").await["results"][1]["falla_general"], false);
    assert!(!app.state.set_general_fault(FaultyDevice::Sectorial(2), Some("no such sector")));
}

#[tokio::test]
async fn the_sandbox_handle_switches_faults_and_refuses_unknown_devices() {
    let sandbox = spawn(SandboxConfig { clients: 10, ..SandboxConfig::default() }).await;
    sandbox.set_general_fault(FaultyDevice::Router(4), None);
    let record = sandbox.client_record(SERVICE_BEHIND_FAULTY_ROUTER).unwrap_or_default();
    assert_eq!(record["router"]["falla_general"], false);
    sandbox.set_general_fault(FaultyDevice::Router(4), Some("Otra vez sin fibra"));
    let record = sandbox.client_record(SERVICE_BEHIND_FAULTY_ROUTER).unwrap_or_default();
    assert_eq!(record["router"]["falla_general_descripcion"], "Otra vez sin fibra");
    let typo = std::panic::catch_unwind(|| sandbox.set_general_fault(FaultyDevice::Router(99), Some("x")));
    assert!(typo.is_err(), "an unknown device is a test bug");
}

#[tokio::test]
async fn the_http_hook_switches_faults_without_being_logged() {
    let app = App::new();
    let raise = json!({ "device": "sectorial", "id": 1, "description": "Viento fuerte en la torre norte" });
    let answer = app.send("POST", "/_sandbox/general-faults", None, Some(("text/plain", raise.to_string()))).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    let (_, sectorial) = devices(&app, 1003).await;
    assert_eq!(flagged(&sectorial), (true, json!("Viento fuerte en la torre norte")));

    let clear = json!({ "device": "router", "id": 4, "description": null });
    assert_eq!(app.post_json("/_sandbox/general-faults", clear).await.status, StatusCode::NO_CONTENT);
    assert_eq!(flagged(&devices(&app, SERVICE_BEHIND_FAULTY_ROUTER).await.0), (false, json!("")));

    let unknown = json!({ "device": "sectorial", "id": 2, "description": "x" });
    assert_eq!(app.post_json("/_sandbox/general-faults", unknown).await.status, StatusCode::NOT_FOUND);
    let garbled = app.post_json("/_sandbox/general-faults", json!({ "device": "antena", "id": 1 })).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(garbled.json()["detail"].is_string());
    assert_eq!(app.state.log().total(), 4, "only the four client reads are logged");
}
