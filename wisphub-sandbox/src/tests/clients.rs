//! Client routes: record shapes, filters over HTTP, writes that stick and writes that do not.

use axum::http::StatusCode;
use serde_json::json;

use super::{App, ids, multipart};
use crate::{DEFAULT_API_KEY, Faults};

#[tokio::test]
async fn list_record_of_1001_matches_the_demo_facts() {
    let app = App::new();
    let page = app.get_json("/api/clientes/?id_servicio=1001").await;
    let r = &page["results"][0];
    assert_eq!(page["count"], 1);
    assert_eq!(r["nombre"], "José Pérez Gómez");
    assert_eq!((r["cedula"].clone(), r["telefono"].clone()), (json!("1023456789"), json!("3001234567")));
    assert_eq!((r["saldo"].clone(), r["precio_plan"].clone()), (json!("0.00"), json!("65000.00")));
    assert_eq!((r["fecha_corte"].clone(), r["estado"].clone()), (json!("8/05/2026"), json!("Activo")));
    assert_eq!(r["plan_internet"], json!({ "id": 1, "nombre": "10MB PLUS" }));
    assert_eq!(r["zona"], json!({ "id": 1, "nombre": "Zona Norte" }));
    assert_eq!(r["tecnico"], json!({ "id": 7, "nombre": "Técnico Uno" }));
    assert_eq!(r["password_servicio"], "s3cr3t-1001");
    assert_eq!(r["coordenadas"], "4.60971,-74.08175");
    for key in ["router", "sectorial", "mac_cpe", "mac_router", "interfaz_lan", "password_cpe", "estado_facturas"] {
        assert!(r.get(key).is_some(), "{key} missing");
    }
}

#[tokio::test]
async fn ticket_1004_has_no_plan_price_in_the_list() {
    let app = App::new();
    let r = app.get_json("/api/clientes/?cedula=39876543").await["results"][0].clone();
    assert_eq!((r["id_servicio"].clone(), r["precio_plan"].clone()), (json!(1004), json!(null)));
    assert_eq!(r["estado"], "Suspendido");
}

#[tokio::test]
async fn filters_work_over_http_and_unknown_ones_return_everything() {
    let app = App::new();
    assert_eq!(ids(&app.get_json("/api/clientes/?telefono=3001234567").await, "id_servicio"), [1001, 1002]);
    assert_eq!(app.get_json("/api/clientes/?telefono=3157654321").await["count"], 0);
    assert_eq!(app.get_json("/api/clientes/?estado=Activo").await["count"], 0);
    assert_eq!(app.get_json("/api/clientes/?zona=1").await["count"], 60);
    assert_eq!(ids(&app.get_json("/api/clientes/?estado=1&estado=3").await, "id_servicio")[0], 1005);
}

#[tokio::test]
async fn ignore_filters_fault_returns_the_whole_list() {
    let app = App::with_faults(Faults { ignore_filters: true, ..Faults::default() });
    let page = app.get_json("/api/clientes/?cedula=1023456789").await;
    assert_eq!(page["count"], 60);
}

#[tokio::test]
async fn detail_uses_the_poorer_serializer() {
    let app = App::new();
    let detail = app.get_json("/api/clientes/1001/").await;
    assert_eq!(detail["nombre"], json!(null));
    for key in ["telefono", "saldo", "estado_facturas", "fecha_corte"] {
        assert!(detail.get(key).is_none(), "{key} should not be in the detail");
    }
    assert_eq!(app.get("/api/clientes/9999/").await.json(), json!({ "detail": "No encontrado." }));
    assert_eq!(app.get("/api/clientes/abc/").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn put_on_the_client_echoes_but_stores_nothing() {
    let app = App::new();
    let answer = app.put_json("/api/clientes/1001/", json!({ "telefono": "3110000000", "estado": 2 })).await;
    assert_eq!((answer.status, answer.json()["telefono"].clone()), (StatusCode::OK, json!("3110000000")));
    let record = app.state.client_record(1001).expect("1001");
    assert_eq!((record["telefono"].clone(), record["estado"].clone()), (json!("3001234567"), json!("Activo")));
}

#[tokio::test]
async fn profile_put_stores_fields_in_any_encoding() {
    let app = App::new();
    let json_answer = app.put_json("/api/clientes/1003/perfil/", json!({ "telefono": "3000000001" })).await;
    assert_eq!(json_answer.json()["telefono"], "3000000001");
    let form = ("application/x-www-form-urlencoded", "cedula=52345678".to_string());
    app.send("PUT", "/api/clientes/1003/perfil/", Some(DEFAULT_API_KEY), Some(form)).await;
    let multi = multipart(&[("email", "nueva@correo.example"), ("apellidos", "Núñez Ríos")]);
    app.send("PUT", "/api/clientes/1003/perfil/", Some(DEFAULT_API_KEY), Some(multi)).await;
    let record = app.state.client_record(1003).expect("1003");
    assert_eq!(record["telefono"], "3000000001");
    assert_eq!(record["cedula"], "52345678");
    assert_eq!(record["nombre"], "María Fernanda Núñez Ríos");
    assert_eq!(app.get_json("/api/clientes/1003/perfil/").await["email"], "nueva@correo.example");
    let logged = app.state.log().requests();
    assert_eq!(logged[2].form, json!({ "email": "nueva@correo.example", "apellidos": "Núñez Ríos" }));
}

#[tokio::test]
async fn dropped_profile_field_is_acknowledged_but_not_kept() {
    let faults = Faults { drop_profile_fields: vec!["telefono".into()], ..Faults::default() };
    let app = App::with_faults(faults);
    let answer = app.put_json("/api/clientes/1001/perfil/", json!({ "telefono": "3110000000", "cedula": "1" })).await;
    assert_eq!(answer.status, StatusCode::OK);
    let record = app.state.client_record(1001).expect("1001");
    assert_eq!((record["telefono"].clone(), record["cedula"].clone()), (json!("3001234567"), json!("1")));
}

#[tokio::test]
async fn balance_lists_open_invoices() {
    let app = App::new();
    let balance = app.get_json("/api/clientes/1002/saldo/").await;
    assert_eq!(balance["saldo"], "45000.00");
    assert_eq!(balance["facturas"][0]["total"], "45000.00");
    assert_eq!(app.get_json("/api/clientes/1001/saldo/").await["facturas"], json!([]));
}

#[tokio::test]
async fn fifty_thousand_clients_page_and_filter() {
    let app = App::with(crate::SandboxConfig { clients: 50_000, ..Default::default() });
    let page = app.get_json("/api/clientes/?limit=1000&offset=49000").await;
    assert_eq!((page["count"].clone(), page["results"].as_array().map(Vec::len)), (json!(50_000), Some(1000)));
    assert_eq!(page["next"], json!(null));
    assert_eq!(app.get_json("/api/clientes/?nombre=pérez").await["count"], 3);
}
