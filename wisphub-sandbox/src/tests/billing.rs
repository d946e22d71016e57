//! Invoices and payment methods: the default window, the 3-month limit, filters that work and
//! filters that do not, both amount spellings, the saldo trap and paging.

use std::collections::HashSet;

use axum::http::StatusCode;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::App;
use crate::{Faults, SERVICE_ALL_PAID, SERVICE_WITH_OLD_PENDING_INVOICES, SERVICE_WITH_SALDO_TRAP};

fn day(v: &Value) -> NaiveDate {
    let text = v.as_str().unwrap_or_default();
    NaiveDate::parse_from_str(&text[..text.len().min(10)], "%Y-%m-%d").expect("a date")
}

/// An amount in either spelling, in pesos.
fn pesos(v: &Value) -> f64 {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).expect("an amount")
}

fn of_service(invoices: &[Value], id: i64) -> Vec<Value> {
    let usuario = format!("cliente{id}@sandbox");
    invoices.iter().filter(|i| i["cliente"]["usuario"] == usuario.as_str()).cloned().collect()
}

fn pending(invoices: &[Value]) -> Vec<Value> {
    invoices.iter().filter(|i| i["estado"] == "Pendiente de Pago").cloned().collect()
}

fn window(from: NaiveDate, to: NaiveDate) -> String {
    format!("fecha_emision__range_0={from}&fecha_emision__range_1={to}")
}

#[tokio::test]
async fn without_a_range_only_this_months_invoices_come_back_over_several_pages() {
    let app = App::new();
    let today = app.state.today();
    let this_month = |i: &&Value| {
        (day(&i["fecha_emision"]).year(), day(&i["fecha_emision"]).month()) == (today.year(), today.month())
    };
    let expected: Vec<Value> = app.state.invoices().iter().filter(this_month).cloned().collect();
    let first = app.get_json("/api/facturas/").await;
    assert_eq!(first["count"], expected.len());
    assert!(expected.len() > 40, "{} invoices this month", expected.len());
    assert_eq!(first["results"].as_array().map(Vec::len), Some(20));
    assert_eq!(first["next"], "http://127.0.0.1:8001/api/facturas/?limit=20&offset=20");
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        let page = app.get_json(&format!("/api/facturas/?limit=20&offset={}", seen.len())).await;
        seen.extend(page["results"].as_array().cloned().unwrap_or_default());
    }
    assert_eq!(seen, expected, "pages in id order, each invoice once");
    assert_eq!(app.state.log().count("GET", "/api/facturas/"), 1 + expected.len().div_ceil(20));
}

#[tokio::test]
async fn a_range_past_three_months_is_a_400_with_a_detail() {
    let app = App::new();
    assert_eq!(
        app.get("/api/facturas/?fecha_emision__range_0=2026-01-15&fecha_emision__range_1=2026-04-17").await.status,
        StatusCode::OK
    );
    for query in [
        "fecha_emision__range_0=2026-01-15&fecha_emision__range_1=2026-04-18",
        "fecha_pago__range_0=2025-01-01&fecha_pago__range_1=2026-01-01",
        "fecha_vencimiento__range_0=2026-01-15",
    ] {
        let answer = app.get(&format!("/api/facturas/?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(answer.json()["detail"].as_str().is_some_and(|d| d.contains("3 meses")), "{}", answer.text());
    }
    let bad = app.get("/api/facturas/?fecha_emision__range_0=15/01/2026&fecha_emision__range_1=2026-02-01").await;
    assert_eq!(
        (bad.status, bad.json()),
        (StatusCode::BAD_REQUEST, json!({"fecha_emision": ["Introduzca una fecha válida."]}))
    );
}

#[tokio::test]
async fn cliente_matches_the_usuario_and_a_service_id_matches_nothing() {
    let app = App::new();
    let page = app.get_json("/api/facturas/?cliente=cliente1002@sandbox&limit=100").await;
    assert_eq!(page["count"], 1, "this month's only");
    assert_eq!(page["results"][0]["cliente"]["usuario"], "cliente1002@sandbox");
    assert_eq!(app.get_json("/api/facturas/?cliente=1002").await["count"], 0);
    let misspelled = app.get_json("/api/facturas/?clientes=cliente1002@sandbox").await;
    assert_eq!(misspelled["count"], app.get_json("/api/facturas/").await["count"], "ignored: the whole month");
}

#[tokio::test]
async fn ignore_filters_returns_every_invoice_of_the_tenant_all_dates() {
    let app = App::with_faults(Faults { ignore_filters: true, ..Faults::default() });
    let query =
        "cliente=cliente1004@sandbox&estado=1&fecha_emision__range_0=2020-01-01&fecha_emision__range_1=2026-01-01";
    let page = app.get_json(&format!("/api/facturas/?{query}")).await;
    assert_eq!(page["count"], app.state.invoices().len());
    assert!(app.state.invoices().len() > 300);
}

#[tokio::test]
async fn estado_is_written_as_a_code_and_read_as_a_label() {
    let app = App::new();
    let today = app.state.today();
    let recent = window(today - Duration::days(80), today);
    for (code, label) in [(1, "Pendiente de Pago"), (2, "Pagada"), (4, "En Revisión")] {
        let page = app.get_json(&format!("/api/facturas/?estado={code}&{recent}&limit=500")).await;
        let results = page["results"].as_array().cloned().unwrap_or_default();
        assert!(!results.is_empty() && results.iter().all(|i| i["estado"] == label), "estado={code}");
    }
    assert_eq!(app.get_json(&format!("/api/facturas/?estado=Pendiente&{recent}")).await["count"], 0);
    let labels: HashSet<String> =
        app.state.invoices().iter().filter_map(|i| i["estado"].as_str().map(String::from)).collect();
    assert_eq!(labels.len(), 5, "{labels:?}");
    let zone_3 = app.get_json(&format!("/api/facturas/?zona=3&{recent}&limit=500")).await;
    assert!(zone_3["results"].as_array().is_some_and(|r| r.iter().all(|i| i["zona"]["id"] == 3)));
}

#[tokio::test]
async fn records_carry_every_field_and_amounts_come_in_both_spellings() {
    let app = App::new();
    let page = app.get_json("/api/facturas/?limit=500").await;
    let results = page["results"].as_array().cloned().unwrap_or_default();
    let keys = "id_factura folio fecha_emision fecha_vencimiento fecha_pago estado tipo zona sub_total descuento \
                saldo saldo_nuevo impuestos_total total_cobrado total forma_pago cajero cliente articulos";
    let first = &results[0];
    let got: Vec<&str> = first.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(got, keys.split_whitespace().collect::<Vec<_>>());
    let cliente: Vec<&str> =
        first["cliente"].as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(cliente, ["usuario", "nombre", "email", "cedula", "direccion", "localidad", "telefono", "rfc"]);
    assert!(first["fecha_pago"].as_str().is_some_and(|p| p.ends_with("-05:00")), "ISO with offset even unpaid");
    assert!(results.iter().any(|i| i["total"].is_number()) && results.iter().any(|i| i["total"].is_string()));
    let spelled: Vec<&Value> = results.iter().filter(|i| i["total"].is_string()).collect();
    assert!(spelled[0]["total"].as_str().is_some_and(|t| t.ends_with(".00")));
    let a = &results[0]["articulos"][0];
    assert_eq!((a["cantidad"].clone(), pesos(&a["precio"]) > 0.0), (json!(1), true));
}

#[tokio::test]
async fn the_saldo_trap_and_client_records_that_lag_behind() {
    let app = App::new();
    let invoices = app.state.invoices();
    for (service, owed) in [(SERVICE_WITH_SALDO_TRAP, 180_000.0), (SERVICE_WITH_OLD_PENDING_INVOICES, 210_000.0)] {
        let pending = pending(&of_service(&invoices, service));
        assert_eq!(pending.iter().map(|i| pesos(&i["total"])).sum::<f64>(), owed, "service {service}");
        let trapped = pending.iter().find(|i| pesos(&i["saldo"]) == 0.0).expect("a trapped invoice");
        assert_eq!(pesos(&trapped["total_cobrado"]), pesos(&trapped["total"]));
        let record = app.state.client_record(service).expect("a client record");
        assert_ne!(pesos(&record["saldo"]), owed, "the record's saldo lags");
    }
}

#[tokio::test]
async fn old_pending_invoices_need_three_windows_of_a_twelve_month_lookback() {
    let app = App::new();
    let today = app.state.today();
    let mut dates: Vec<NaiveDate> = pending(&of_service(&app.state.invoices(), SERVICE_WITH_OLD_PENDING_INVOICES))
        .iter()
        .map(|i| day(&i["fecha_emision"]))
        .collect();
    dates.sort();
    assert_eq!(dates.len(), 3);
    assert!(dates.windows(2).all(|w| (w[1] - w[0]).num_days() > 92), "{dates:?}");
    assert!(dates[0] > today - Duration::days(365) && dates[2] < today.with_day(1).unwrap_or(today));
    let (mut to, mut owed) = (today, 0.0);
    for _ in 0..4 {
        let from = to.checked_sub_months(chrono::Months::new(3)).unwrap_or(to);
        let query = format!("cliente=cliente1004@sandbox&estado=1&{}&limit=100", window(from, to));
        let page = app.get_json(&format!("/api/facturas/?{query}")).await;
        owed += page["results"].as_array().map_or(0.0, |r| r.iter().map(|i| pesos(&i["total"])).sum());
        to = from - Duration::days(1);
    }
    assert_eq!(owed, 210_000.0);
}

#[tokio::test]
async fn the_all_paid_service_owes_nothing_and_paid_recently() {
    let app = App::new();
    let today = app.state.today();
    let invoices = of_service(&app.state.invoices(), SERVICE_ALL_PAID);
    assert!(pending(&invoices).is_empty() && invoices.len() == 13);
    let latest = invoices.iter().max_by_key(|i| day(&i["fecha_pago"])).expect("invoices");
    assert_eq!(
        (latest["estado"].clone(), latest["forma_pago"].clone()),
        (json!("Pagada"), json!({"id": 16749, "nombre": "Transferencia Bancaria"}))
    );
    assert!((today - day(&latest["fecha_pago"])).num_days() <= 2);
}

#[tokio::test]
async fn payment_methods_are_paged_like_every_list() {
    let app = App::new();
    let page = app.get_json("/api/formas-de-pago/").await;
    assert_eq!(page["count"], 5);
    assert_eq!(page["results"][0], json!({"id": 7, "nombre": "Efectivo"}));
    assert_eq!(page["results"][1], json!({"id": 16749, "nombre": "Transferencia Bancaria"}));
    let small = app.get_json("/api/formas-de-pago/?limit=2").await;
    assert_eq!(small["next"], "http://127.0.0.1:8001/api/formas-de-pago/?limit=2&offset=2");
    assert_eq!(app.state.log().count("GET", "/api/formas-de-pago/"), 2);
}
