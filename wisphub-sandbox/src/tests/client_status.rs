//! A client's service and billing status, switched at run time in process and over the
//! `/_sandbox/` hook, as the ISP's cut-off, a reconnection or a payment does in WispHub.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::App;
use crate::{Estado, EstadoFacturas, SandboxConfig, spawn};

/// `(estado, estado_facturas)` of a service in the list and in the detail, which must agree.
async fn status(app: &App, service: i64) -> (Value, Value) {
    let listed = app.get_json(&format!("/api/clientes/?id_servicio={service}")).await["results"][0].clone();
    let detail = app.get_json(&format!("/api/clientes/{service}/")).await;
    assert_eq!(listed["estado"], detail["estado"], "{service}");
    (listed["estado"].clone(), listed["estado_facturas"].clone())
}

#[tokio::test]
async fn the_http_hook_suspends_settles_and_reactivates_without_being_logged() {
    let app = App::new();
    assert_eq!(status(&app, 1002).await, (json!("Activo"), json!("Pendiente de Pago")));

    let suspend = json!({"service_id": 1002, "estado": "Suspendido"});
    let answer = app.send("POST", "/_sandbox/client-status", None, Some(("text/plain", suspend.to_string()))).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    assert_eq!(status(&app, 1002).await, (json!("Suspendido"), json!("Pendiente de Pago")));
    let filtered = app.get_json("/api/clientes/?estado=2&id_servicio=1002").await;
    assert_eq!(filtered["count"], 1, "the estado filter follows the switch");

    let settle = json!({"service_id": 1002, "estado": "Activo", "estado_facturas": "Pagadas"});
    assert_eq!(app.post_json("/_sandbox/client-status", settle).await.status, StatusCode::NO_CONTENT);
    assert_eq!(status(&app, 1002).await, (json!("Activo"), json!("Pagadas")));

    let unknown = json!({"service_id": 99, "estado": "Activo"});
    assert_eq!(app.post_json("/_sandbox/client-status", unknown).await.status, StatusCode::NOT_FOUND);
    let garbled = app.post_json("/_sandbox/client-status", json!({"service_id": 1002, "estado": "Dormido"})).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.state.log().total(), 7, "only the client reads are logged");
}

#[tokio::test]
async fn the_sandbox_handle_switches_a_status_and_refuses_unknown_services() {
    let sandbox = spawn(SandboxConfig { clients: 10, ..SandboxConfig::default() }).await;
    sandbox.set_service_status(1001, Estado::Suspendido);
    sandbox.set_billing_status(1001, EstadoFacturas::Vencidas);
    let record = sandbox.client_record(1001).unwrap_or_default();
    assert_eq!((record["estado"].clone(), record["estado_facturas"].clone()), (json!("Suspendido"), json!("Vencidas")));
    let typo = std::panic::catch_unwind(|| sandbox.set_service_status(99, Estado::Activo));
    assert!(typo.is_err(), "an unknown service is a test bug");
}
