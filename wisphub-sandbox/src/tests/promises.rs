//! `POST /api/promesa-pago/`: the echo, the date format, 405 on reading, and a record of every
//! promise kept even when its answer is lost.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::App;
use crate::{DEFAULT_API_KEY, ForcedFault, SERVICE_WITH_SALDO_TRAP};

const ROUTE: &str = "/api/promesa-pago/";

/// The id of the oldest pending invoice of `service`.
pub(super) fn oldest_pending(app: &App, service: i64) -> i64 {
    let usuario = format!("cliente{service}@sandbox");
    let invoices = app.state.invoices();
    let found =
        invoices.iter().find(|i| i["cliente"]["usuario"] == usuario.as_str() && i["estado"] == "Pendiente de Pago");
    found.and_then(|i| i["id_factura"].as_i64()).expect("a pending invoice")
}

fn promise(id_factura: Value, fecha_limite: &str) -> Value {
    json!({"id_factura": id_factura, "fecha_limite": fecha_limite, "comentarios": "Pago el viernes", "accion": 1})
}

#[tokio::test]
async fn a_promise_is_echoed_with_the_date_at_midnight_and_recorded() {
    let app = App::new();
    let id = oldest_pending(&app, SERVICE_WITH_SALDO_TRAP);
    let answer = app.post_json(ROUTE, promise(json!(id), "2026-05-08")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json(), json!({"id_factura": id, "fecha_limite": "2026-05-08 00:00"}));
    let recorded = app.state.payment_promises();
    assert_eq!(recorded.len(), 1);
    let r = &recorded[0];
    assert_eq!((r["id_factura"].clone(), r["id_servicio"].clone()), (json!(id), json!(SERVICE_WITH_SALDO_TRAP)));
    assert_eq!((r["fecha_limite"].clone(), r["accion"].clone()), (json!("2026-05-08"), json!(1)));
    assert_eq!(r["comentarios"], "Pago el viernes");
    let view = app.send("GET", "/_sandbox/payment-promises", None, None).await;
    assert_eq!(view.json()["promises"], json!(recorded));
    assert_eq!(app.state.log().total(), 1, "the view is not a WispHub call");
    assert_eq!(app.state.log().count("POST", ROUTE), 1);
}

#[tokio::test]
async fn the_invoice_id_is_not_checked() {
    let app = App::new();
    let answer = app.post_json(ROUTE, promise(json!("999999"), "2026-05-08")).await;
    assert_eq!(answer.json(), json!({"id_factura": 999_999, "fecha_limite": "2026-05-08 00:00"}));
    assert_eq!(app.state.payment_promises()[0]["id_servicio"], json!(null));
}

#[tokio::test]
async fn slashes_or_no_date_are_a_400_naming_fecha_limite_and_nothing_is_kept() {
    let app = App::new();
    for fecha in ["08/05/2026", "2026/05/08", "el viernes", "2026-02-30"] {
        let answer = app.post_json(ROUTE, promise(json!(40001), fecha)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{fecha}");
        let body = answer.json();
        assert!(body["fecha_limite"][0].as_str().is_some_and(|m| m.contains("YYYY-MM-DD")), "{body}");
    }
    let missing = app.post_json(ROUTE, json!({"id_factura": 40001})).await;
    assert_eq!(missing.json(), json!({"fecha_limite": ["Este campo es requerido."]}));
    assert!(app.state.payment_promises().is_empty());
}

#[tokio::test]
async fn promises_cannot_be_read_back_get_is_405() {
    let app = App::new();
    for method in ["GET", "PUT", "DELETE"] {
        let answer = app.send(method, ROUTE, Some(DEFAULT_API_KEY), None).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.json()["detail"], format!("Método \"{method}\" no permitido."));
    }
    assert_eq!(app.state.log().count("GET", ROUTE), 1);
    assert_eq!(app.send("GET", ROUTE, None, None).await.status, StatusCode::FORBIDDEN, "the key comes first");
    let unslashed = app.post_json("/api/promesa-pago", promise(json!(40001), "2026-05-08")).await;
    assert_eq!(unslashed.status, StatusCode::MOVED_PERMANENTLY);
}

#[tokio::test]
async fn a_promise_whose_answer_stalls_is_still_recorded() {
    let app = App::new();
    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::StallAfterServing);
    let stalled =
        tokio::time::timeout(Duration::from_millis(200), app.post_json(ROUTE, promise(json!(40002), "2026-05-09")))
            .await;
    assert!(stalled.is_err(), "the answer must be withheld");
    assert_eq!(app.state.payment_promises()[0]["fecha_limite"], "2026-05-09");
    let logged = app.state.log().requests();
    assert_eq!((logged[0].route.as_str(), logged[0].status), (ROUTE, 0));

    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::Stall);
    let before =
        tokio::time::timeout(Duration::from_millis(200), app.post_json(ROUTE, promise(json!(40003), "2026-05-10")))
            .await;
    assert!(before.is_err());
    assert_eq!(app.state.payment_promises().len(), 1, "a stall before serving keeps nothing");
}

#[tokio::test]
async fn aimed_faults_hit_the_billing_routes() {
    let app = App::new();
    app.state.force_next_on("GET", "/api/facturas/", 1, ForcedFault::Error5xx);
    app.state.force_next_on("GET", "/api/formas-de-pago/", 1, ForcedFault::Html);
    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::Status(503));
    assert!(app.get("/api/facturas/").await.status.is_server_error());
    assert_eq!(app.get("/api/formas-de-pago/").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.post_json(ROUTE, promise(json!(40001), "2026-05-08")).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(app.state.payment_promises().is_empty(), "a failed answer processed nothing");
    assert_eq!(app.get("/api/facturas/").await.status, StatusCode::OK);
}
