//! Payment reports (docs/api.md §15) against the sandbox's `reportar-pago`: each check before any
//! upstream write, both body forms, the same reference never filed twice (also under concurrency
//! and after a lost answer), the balance's `reported_payments`, and the Lambda entry path.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::future::join_all;
use serde_json::{Value, json};
use shared::Scope;
use shared::store::Store;
use wisphub_sandbox::{ForcedFault, SERVICE_WITH_OLD_PENDING_INVOICES};

use crate::billing::{days_ahead, with_proof};
use crate::helpers::*;
use crate::lambda::v2_event;

const SERVICE: i64 = SERVICE_WITH_OLD_PENDING_INVOICES;
const REPORTS: &str = "/api/facturas/reportar-pago/{id}/";
const TRANSFER: i64 = 16749;
const BOUNDARY: &str = "receipt-boundary-7d1c";

fn path(service_id: i64) -> String {
    format!("/api/v1/billing/{service_id}/payment-report")
}

/// A small real PNG (1×1), padded to `size` bytes when asked.
fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    bytes.resize(size.max(bytes.len()), 0);
    bytes
}

fn fields(reference: &str) -> Vec<(&'static str, String)> {
    vec![
        ("reference", reference.to_owned()),
        ("paid_on", days_ahead(-1)),
        ("amount", "65000".to_owned()),
        ("payment_method_id", TRANSFER.to_string()),
    ]
}

/// A multipart body: the text fields, then the file part `receipt` with its declared type.
fn multipart(fields: &[(&str, String)], receipt: &[u8], content_type: &str) -> Vec<u8> {
    let mut body = text_parts(fields);
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"receipt\"; filename=\"foto.png\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(receipt);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    body
}

fn text_parts(fields: &[(&str, String)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body
}

struct Reporter {
    token: String,
    proof: String,
}

impl Reporter {
    fn new(app: &TestApp) -> Reporter {
        let token = app.token(&[Scope::BillingRead, Scope::BillingWrite]);
        Reporter { token, proof: app.state.proofs.issue("tester", SERVICE).unwrap().token }
    }

    fn multipart(&self, body: Vec<u8>) -> Request<Body> {
        Request::post(path(SERVICE))
            .header("authorization", format!("Bearer {}", self.token))
            .header("x-verification-token", &self.proof)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(body))
            .unwrap()
    }

    fn json(&self, body: Value) -> Request<Body> {
        with_proof(Method::POST, &path(SERVICE), &self.token, Some(&self.proof), Some(body))
    }
}

fn json_report(reference: &str, receipt: &[u8], content_type: &str) -> Value {
    let mut body: serde_json::Map<String, Value> =
        fields(reference).into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    body.insert("amount".into(), json!(65000));
    body.insert("payment_method_id".into(), json!(TRANSFER));
    body.insert("receipt".into(), json!({"content_type": content_type, "data_base64": STANDARD.encode(receipt)}));
    Value::Object(body)
}

fn posts(app: &TestApp) -> usize {
    app.sandbox.count("POST", REPORTS)
}

#[tokio::test]
async fn a_multipart_report_files_the_receipt_for_the_oldest_pending_invoice_and_shows_in_the_balance() {
    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    let receipt = png(5000);

    let answer = app.send(reporter.multipart(multipart(&fields("TRX-001"), &receipt, "image/png"))).await;
    let balance = app
        .send(with_proof(
            Method::GET,
            &format!("/api/v1/billing/{SERVICE}/balance"),
            &reporter.token,
            Some(&reporter.proof),
            None,
        ))
        .await;

    assert_eq!(kind(&answer), ("success", "payment_reported"), "{}", answer.text);
    let oldest = balance.body["data"]["pending_invoices"][0]["invoice_id"].clone();
    assert_eq!(
        answer.body["data"],
        json!({"service_id": SERVICE, "invoice_id": oldest, "reference": "TRX-001",
        "amount": 65000.0, "paid_on": days_ahead(-1), "status": "in_review"})
    );
    let sent = app.sandbox.payment_reports();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["id_factura"], oldest);
    assert_eq!(sent[0]["forma_pago"], TRANSFER);
    assert_eq!(sent[0]["fecha_pago"], format!("{} 00:00", days_ahead(-1)));
    assert_eq!(sent[0]["referencia"], "TRX-001");
    assert_eq!((sent[0]["file_type"].as_str(), sent[0]["file_size"].as_u64()), (Some("image/png"), Some(5000)));
    assert!(sent[0]["comprobante_pago"].as_str().unwrap().contains("65000"), "the amount goes in the note");
    assert_eq!(
        balance.body["data"]["reported_payments"],
        json!([{"reference": "TRX-001", "amount": 65000.0, "paid_on": days_ahead(-1), "status": "in_review"}])
    );
}

#[tokio::test]
async fn the_json_form_carries_the_receipt_in_base64_and_no_answer_echoes_it() {
    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    let receipt = png(3000);

    let answer = app.send(reporter.json(json_report("TRX-JSON-1", &receipt, "image/png"))).await;
    let again = app.send(reporter.json(json_report("TRX-JSON-1", &receipt, "image/png"))).await;

    assert_eq!(kind(&answer), ("success", "payment_reported"), "{}", answer.text);
    assert_eq!(kind(&again), ("info", "payment_report_exists"), "{}", again.text);
    assert_eq!(again.body["data"], answer.body["data"], "the first report");
    assert_eq!(posts(&app), 1, "the same reference is filed once");
    let encoded = STANDARD.encode(&receipt);
    for text in [&answer.text, &again.text] {
        assert!(!text.contains(&encoded[..40]), "receipt bytes in an answer: {text}");
    }
}

#[tokio::test]
async fn each_check_refuses_before_anything_reaches_wisphubs_report_route() {
    let app = TestApp::builder().setting("PAYMENT_REPORT_MAX_BYTES", "4096").spawn().await;
    let reporter = Reporter::new(&app);
    let mut future = fields("TRX-F");
    future[1].1 = days_ahead(1);
    let mut too_old = fields("TRX-O");
    too_old[1].1 = days_ahead(-31);
    let mut unknown_method = fields("TRX-M");
    unknown_method[3].1 = "99".into();
    let mut other_invoice = fields("TRX-I");
    other_invoice.push(("invoice_id", "1".into()));

    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "text under an image type",
            multipart(&fields("TRX-T"), b"hola, esto no es una foto", "image/jpeg"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "receipt",
        ),
        (
            "a PNG declared as a PDF",
            multipart(&fields("TRX-P"), &png(100), "application/pdf"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "receipt",
        ),
        ("too big", multipart(&fields("TRX-B"), &png(5000), "image/png"), StatusCode::PAYLOAD_TOO_LARGE, ""),
        ("future date", multipart(&future, &png(100), "image/png"), StatusCode::UNPROCESSABLE_ENTITY, "paid_on"),
        ("too old", multipart(&too_old, &png(100), "image/png"), StatusCode::UNPROCESSABLE_ENTITY, "paid_on"),
        (
            "unknown method",
            multipart(&unknown_method, &png(100), "image/png"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "payment_method_id",
        ),
        (
            "another service's invoice",
            multipart(&other_invoice, &png(100), "image/png"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invoice_id",
        ),
        (
            "no receipt",
            [text_parts(&fields("TRX-N")), format!("--{BOUNDARY}--\r\n").into_bytes()].concat(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "receipt",
        ),
    ];
    for (case, body, status, field) in cases {
        let answer = app.send(reporter.multipart(body)).await;
        assert_eq!(answer.status, status, "{case}: {}", answer.text);
        answer.assert_envelope();
        assert!(answer.body["message"].as_str().unwrap_or_default().contains(field), "{case}: {}", answer.text);
    }
    assert_eq!(posts(&app), 0);
}

#[tokio::test]
async fn without_the_proof_nothing_is_read_or_sent() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::BillingWrite]);
    let request = Request::post(path(SERVICE))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(multipart(&fields("TRX-X"), &png(100), "image/png")))
        .unwrap();

    let answer = app.send(request).await;

    assert_eq!(kind(&answer), ("info", "client_verification_required"), "{}", answer.text);
    assert_eq!(app.sandbox.total_requests(), 0);
}

async fn six_at_once(app: &TestApp) {
    let reporter = Reporter::new(app);
    let body = multipart(&fields("TRX-SIX"), &png(800), "image/png");
    let answers = join_all((0..6).map(|_| app.send(reporter.multipart(body.clone())))).await;
    let actions: Vec<&str> = answers.iter().map(Answer::action).collect();
    assert_eq!(actions.iter().filter(|a| **a == "payment_reported").count(), 1, "{actions:?}");
    assert!(actions.iter().all(|a| ["payment_reported", "payment_report_exists"].contains(a)), "{actions:?}");
    assert_eq!(posts(app), 1);
}

#[tokio::test]
async fn six_concurrent_reports_of_one_reference_make_one_post() {
    six_at_once(&TestApp::spawn().await).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn six_concurrent_reports_of_one_reference_make_one_post_on_dynamodb() {
    let store: Arc<dyn Store> = dynamo_store().await;
    six_at_once(&TestApp::builder().store(store).spawn().await).await;
}

#[tokio::test]
async fn a_stalled_report_is_503_then_exists_with_one_report_upstream() {
    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    app.sandbox.force_next_on("POST", REPORTS, 1, ForcedFault::StallAfterServing);
    let body = multipart(&fields("TRX-STALL"), &png(800), "image/png");

    let lost = app.send(reporter.multipart(body.clone())).await;
    let retry = app.send(reporter.multipart(body)).await;

    assert_eq!(lost.status, StatusCode::SERVICE_UNAVAILABLE, "{}", lost.text);
    assert!(lost.body["message"].as_str().unwrap().contains("cuenta como enviado"), "{}", lost.text);
    assert_eq!(kind(&retry), ("info", "payment_report_exists"), "{}", retry.text);
    assert_eq!(app.sandbox.payment_reports().len(), 1);
}

#[tokio::test]
async fn a_refused_report_is_failed_and_taken_back() {
    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    app.sandbox.force_next_on("POST", REPORTS, 1, ForcedFault::Status(400));
    let body = multipart(&fields("TRX-REFUSED"), &png(800), "image/png");

    let refused = app.send(reporter.multipart(body.clone())).await;
    let again = app.send(reporter.multipart(body)).await;

    assert_eq!(kind(&refused), ("error", "payment_report_failed"), "{}", refused.text);
    assert_eq!(kind(&again), ("success", "payment_reported"), "not counted: {}", again.text);
}

#[tokio::test]
async fn the_daily_limit_counts_reports_per_service() {
    let app = TestApp::builder().setting("PAYMENT_REPORT_DAILY_LIMIT", "2").spawn().await;
    let reporter = Reporter::new(&app);

    let mut actions = Vec::new();
    for reference in ["TRX-D1", "TRX-D2", "TRX-D3"] {
        let answer = app.send(reporter.multipart(multipart(&fields(reference), &png(200), "image/png"))).await;
        actions.push(answer.action().to_owned());
    }

    assert_eq!(actions, ["payment_reported", "payment_reported", "payment_report_limit_reached"]);
    assert_eq!(posts(&app), 2);
}

#[tokio::test]
async fn a_four_mebibyte_receipt_arrives_through_an_api_gateway_event() {
    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    let receipt = png(4 * 1024 * 1024);
    let body = multipart(&fields("TRX-LAMBDA"), &receipt, "image/png");
    let headers = json!({"authorization": format!("Bearer {}", reporter.token), "x-verification-token": reporter.proof,
        "content-type": format!("multipart/form-data; boundary={BOUNDARY}"),
        "host": "r3pmxmplak.execute-api.us-east-1.amazonaws.com"});
    // API Gateway hands a binary body over base64-encoded; a Lambda request holds 6 MB.
    let event = v2_event("POST", &path(SERVICE), "", headers, Some(&body), true);
    assert!(event.len() < 6_000_000, "the event fits a Lambda request: {} bytes", event.len());

    let answer = send_to(&app.app, lambda_http::request::from_str(&event).expect("a v2 event")).await;

    assert_eq!(kind(&answer), ("success", "payment_reported"), "{}", answer.text);
    assert_eq!(app.sandbox.payment_reports()[0]["file_size"], receipt.len());
}

#[tokio::test]
async fn a_report_costs_one_post_after_the_bots_balance_and_methods_reads() {
    let cold_app = TestApp::spawn().await;
    let reporter = Reporter::new(&cold_app);
    let cold = cold_app.send(reporter.multipart(multipart(&fields("TRX-COLD"), &png(300), "image/png"))).await;
    let cold_calls = cold_app.sandbox.total_requests();

    let app = TestApp::spawn().await;
    let reporter = Reporter::new(&app);
    app.send(with_proof(
        Method::GET,
        &format!("/api/v1/billing/{SERVICE}/balance"),
        &reporter.token,
        Some(&reporter.proof),
        None,
    ))
    .await;
    app.get("/api/v1/billing/payment-methods", &reporter.token).await;
    let before = app.sandbox.total_requests();
    let warm = app.send(reporter.multipart(multipart(&fields("TRX-WARM"), &png(300), "image/png"))).await;
    let warm_calls = app.sandbox.total_requests() - before;

    assert_eq!((cold.action(), warm.action()), ("payment_reported", "payment_reported"));
    // Cold: the balance's 6 reads (client, 4 pending windows, payments), the payment methods, the POST.
    assert_eq!(cold_calls, 8, "cold");
    assert_eq!(warm_calls, 1, "warm: the POST alone");
}
