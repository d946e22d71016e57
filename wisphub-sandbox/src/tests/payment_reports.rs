//! `POST /api/facturas/reportar-pago/{id}/`: multipart only, six parts, the receipt described and
//! never kept, 404 for an invoice the tenant lacks, and a report kept even when its answer is lost.

use std::time::Duration;

use axum::http::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::promises::oldest_pending;
use super::{Answer, App};
use crate::{ForcedFault, SERVICE_WITH_SALDO_TRAP, SandboxConfig};

/// What `count`, `force_next_on` and the request log call the route.
const ROUTE: &str = "/api/facturas/reportar-pago/{id}/";
const BOUNDARY: &str = "----SandboxReceipt7MA4YWxk";
const TEXT_PARTS: [(&str, &str); 5] = [
    ("forma_pago", "16749"),
    ("fecha_pago", "2026-05-08 14:30"),
    ("referencia", "M12345678"),
    ("comprobante_pago", "Pagué 90000 por Bancolombia"),
    ("nombre_user", ""),
];

/// A small PNG-looking receipt with bytes that are not UTF-8; its SHA-256 was computed outside Rust.
fn png_receipt() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..2048u32).map(|i| (i % 256) as u8));
    png
}
const PNG_SHA256: &str = "7630fc84b891c670090a8e14448c7dc0b1c338ea47f86be5bb07363d4cd75619";

/// A multipart body with `text` parts and, when given, the file part `(file_name, type, bytes)`.
fn form(text: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in text {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    if let Some((file_name, content_type, bytes)) = file {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"comprobante_pago_archivo\"; \
             filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        );
        body.extend(head.bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

async fn report(app: &App, id_factura: impl std::fmt::Display, body: Vec<u8>) -> Answer {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    app.post_bytes(&format!("/api/facturas/reportar-pago/{id_factura}/"), &content_type, body).await
}

async fn good_report(app: &App, id_factura: i64) -> Answer {
    report(app, id_factura, form(&TEXT_PARTS, Some(("recibo.png", "image/png", &png_receipt())))).await
}

#[tokio::test]
async fn a_multipart_report_is_answered_200_and_recorded_with_the_receipts_size_type_and_sha() {
    // Given a pending invoice
    let app = App::new();
    let id = oldest_pending(&app, SERVICE_WITH_SALDO_TRAP);
    let invoices_before = app.state.invoices();

    // When it is reported with a receipt
    let answer = good_report(&app, id).await;

    // Then WispHub's answer comes back and the report is kept, described, not stored
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    let task_id = body["task_id"].as_str().expect("task_id");
    assert!(uuid::Uuid::parse_str(task_id).is_ok(), "{task_id}");
    assert!(body["messages"].as_array().is_some_and(|m| !m.is_empty()), "{body}");
    let reports = app.state.payment_reports();
    let mut recorded = reports.first().cloned().expect("one report");
    assert!(recorded.as_object_mut().and_then(|r| r.remove("recibida")).is_some());
    let expected = json!({
        "id_factura": id, "forma_pago": 16749, "fecha_pago": "2026-05-08 14:30", "referencia": "M12345678",
        "comprobante_pago": "Pagué 90000 por Bancolombia", "nombre_user": "", "file_name": "recibo.png",
        "file_type": "image/png", "file_size": 2056, "file_sha256": PNG_SHA256, "task_id": task_id,
    });
    assert_eq!((reports.len(), recorded), (1, expected));
    assert_eq!(app.state.invoices(), invoices_before, "a report registers no payment");
    let view = app.send("GET", "/_sandbox/payment-reports", None, None).await;
    assert_eq!(view.json(), json!({ "reports": reports }));
    assert_eq!(app.state.log().count("POST", ROUTE), 1, "the view is not a WispHub call");
    let logged = app.state.log().requests().pop().expect("logged");
    assert_eq!((logged.status, logged.form["comprobante_pago_archivo"]["file_size"].clone()), (200, json!(2056)));
}

/// Over a real socket, as reqwest's multipart (what a client sends) builds it: hyper, not just the
/// router, must let the receipt through.
#[tokio::test]
async fn a_six_mib_receipt_is_accepted_over_a_socket() {
    let sandbox = crate::spawn(SandboxConfig { clients: 10, ..SandboxConfig::default() }).await;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(6 << 20, b'x');
    let file = Part::bytes(pdf).file_name("recibo.pdf").mime_str("application/pdf").expect("mime");
    let form = TEXT_PARTS.iter().fold(Form::new(), |f, (k, v)| f.text(*k, *v)).part("comprobante_pago_archivo", file);

    let answer = reqwest::Client::new()
        .post(format!("{}/api/facturas/reportar-pago/40001/", sandbox.url()))
        .header("Authorization", format!("Api-Key {}", sandbox.api_key()))
        .multipart(form)
        .send()
        .await
        .expect("answered");

    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let recorded = &sandbox.payment_reports()[0];
    assert_eq!(
        (recorded["file_size"].clone(), recorded["file_type"].clone()),
        (json!(6 << 20), json!("application/pdf"))
    );
    assert_eq!(recorded["file_sha256"], "6fafbce8f5cf2669eea201d9d42dcdce4e4f04fdb0216afb1a2585efa0980f82");
    assert_eq!(sandbox.count("POST", ROUTE), 1);
}

#[tokio::test]
async fn other_routes_keep_the_one_mib_limit() {
    let app = App::new();
    let big = vec![b'x'; 2 << 20];
    let body = form(&TEXT_PARTS, Some(("recibo.pdf", "application/pdf", &big)));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");

    let reported = report(&app, 40001, body.clone()).await;
    let ticket = app.post_bytes("/api/tickets/", &content_type, body).await;

    assert_eq!(reported.status, StatusCode::OK, "{}", reported.text());
    assert_eq!(ticket.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn each_missing_part_is_a_400_naming_it_and_nothing_is_kept() {
    let app = App::new();
    for (missing, _) in TEXT_PARTS {
        let parts: Vec<(&str, &str)> = TEXT_PARTS.into_iter().filter(|(name, _)| *name != missing).collect();
        let answer = report(&app, 40001, form(&parts, Some(("r.png", "image/png", &png_receipt())))).await;
        assert_eq!(
            (answer.status, answer.json()),
            (StatusCode::BAD_REQUEST, json!({ missing: ["Este campo es requerido."] })),
            "{missing}"
        );
    }
    let answer = report(&app, 40001, form(&TEXT_PARTS, None)).await;
    assert_eq!(answer.json(), json!({ "comprobante_pago_archivo": ["Este campo es requerido."] }));
    assert!(app.state.payment_reports().is_empty());
}

#[tokio::test]
async fn bad_parts_are_a_400_naming_each() {
    let app = App::new();
    let parts = [
        ("forma_pago", "99"),
        ("fecha_pago", "08/05/2026"),
        ("referencia", "M1"),
        ("comprobante_pago", ""),
        ("nombre_user", "Ana"),
    ];
    let answer = report(&app, 40001, form(&parts, Some(("r.webp", "image/webp", b"RIFF")))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let body = answer.json();
    let mut named: Vec<&String> = body.as_object().map(|b| b.keys().collect()).unwrap_or_default();
    named.sort();
    assert_eq!(named, ["comprobante_pago_archivo", "fecha_pago", "forma_pago"], "{body}");
    assert!(app.state.payment_reports().is_empty());
}

#[tokio::test]
async fn a_json_or_urlencoded_body_is_a_400() {
    let app = App::new();
    let route = "/api/facturas/reportar-pago/40001/";
    let fields: Value =
        TEXT_PARTS.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>().into();
    let json = app.post_json(route, fields).await;
    let urlencoded = app
        .send(
            "POST",
            route,
            Some(crate::DEFAULT_API_KEY),
            Some(("application/x-www-form-urlencoded", "forma_pago=7".into())),
        )
        .await;
    let plain = app.send("POST", route, Some(crate::DEFAULT_API_KEY), Some(("text/plain", "hola".into()))).await;
    for (case, answer) in [("json", json), ("urlencoded", urlencoded), ("text/plain", plain)] {
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{case}");
        assert!(
            answer.json()["detail"].as_str().is_some_and(|d| d.contains("multipart/form-data")),
            "{case}: {}",
            answer.text()
        );
    }
    assert!(app.state.payment_reports().is_empty());
}

#[tokio::test]
async fn an_unknown_invoice_is_a_404_whatever_the_body() {
    let app = App::new();
    let beyond = app.state.invoices().len() as i64 + 40001;
    for id in [beyond.to_string(), "999999".into(), "abc".into()] {
        let answer = report(&app, &id, form(&TEXT_PARTS, Some(("r.png", "image/png", &png_receipt())))).await;
        assert_eq!(
            (answer.status, answer.json()),
            (StatusCode::NOT_FOUND, json!({"detail": "No encontrado."})),
            "{id}"
        );
    }
    let json = app.post_json("/api/facturas/reportar-pago/999999/", json!({})).await;
    assert_eq!(json.status, StatusCode::NOT_FOUND);
    assert_eq!(app.state.log().count("POST", ROUTE), 4);
    assert!(app.state.payment_reports().is_empty());
}

#[tokio::test]
async fn a_report_whose_answer_stalls_is_still_recorded() {
    let app = App::new();
    let id = oldest_pending(&app, SERVICE_WITH_SALDO_TRAP);
    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::StallAfterServing);

    let stalled = tokio::time::timeout(Duration::from_millis(200), good_report(&app, id)).await;

    assert!(stalled.is_err(), "the answer must be withheld");
    let reports = app.state.payment_reports();
    assert_eq!((reports.len(), reports[0]["id_factura"].clone()), (1, json!(id)));
    let logged = app.state.log().requests();
    assert_eq!((logged[0].route.as_str(), logged[0].status), (ROUTE, 0));
}

#[tokio::test]
async fn a_stall_before_serving_or_a_5xx_keeps_nothing() {
    let app = App::new();
    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::Stall);
    app.state.force_next_on("POST", ROUTE, 1, ForcedFault::Error5xx);

    let stalled = tokio::time::timeout(Duration::from_millis(200), good_report(&app, 40001)).await;
    let failed = good_report(&app, 40001).await;

    assert!(stalled.is_err(), "a stall must not answer");
    assert!(failed.status.is_server_error(), "{}", failed.status);
    assert!(app.state.payment_reports().is_empty());
    assert_eq!(good_report(&app, 40001).await.status, StatusCode::OK, "faults aimed at the route are used up");
}
