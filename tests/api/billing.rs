//! Billing for verified customers (docs/api.md §10–11) against the sandbox's billing dialect: the proof
//! and its every rejection (no WispHub call), balances over several windows and their traps,
//! payment methods, and payment promises under concurrency and lost answers.

use std::sync::Arc;

use axum::http::{HeaderValue, Method, StatusCode};
use futures::future::join_all;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use shared::Scope;
use shared::store::Store;
use wisphub_sandbox::{
    Faults, ForcedFault, SERVICE_ALL_PAID, SERVICE_WITH_OLD_PENDING_INVOICES, SERVICE_WITH_SALDO_TRAP,
};

use crate::helpers::*;

const SERVICE: i64 = 1001;

fn balance_path(service_id: i64) -> String {
    format!("/api/v1/billing/{service_id}/balance")
}

fn promise_path(service_id: i64) -> String {
    format!("/api/v1/billing/{service_id}/payment-promise")
}

/// A request with a bearer token, an optional proof and an optional JSON body.
pub(crate) fn with_proof(
    method: Method,
    path: &str,
    token: &str,
    proof: Option<&str>,
    body: Option<Value>,
) -> axum::http::Request<axum::body::Body> {
    let mut request = request(method, path, Some(token), body);
    if let Some(proof) = proof {
        request.headers_mut().insert("x-verification-token", HeaderValue::from_str(proof).unwrap());
    }
    request
}

/// A proof signed with the test secret, with the claims given (for the shapes the API never issues).
fn forged(claims: Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap()
}

#[tokio::test]
async fn without_a_valid_proof_money_routes_answer_verification_required_and_ask_wisphub_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::BillingRead, Scope::BillingWrite]);
    let now = chrono::Utc::now().timestamp();
    let claims = |sub: &str, svc: i64, exp: i64| {
        json!({"typ": "client-verification", "sub": sub, "svc": svc, "iss": "wisphub-api", "aud": "wisphub-api",
            "iat": now - 10, "exp": exp, "jti": "x"})
    };
    let other_service = app.state.proofs.issue("tester", 1002).unwrap().token;
    let other_user = app.state.proofs.issue("someone-else", SERVICE).unwrap().token;
    let expired = forged(claims("tester", SERVICE, now - 60));
    let untyped = forged(json!({"sub": "tester", "svc": SERVICE, "iss": "wisphub-api", "aud": "wisphub-api",
        "iat": now, "exp": now + 600, "jti": "x"}));
    let cases: [(&str, Option<&str>); 7] = [
        ("no proof", None),
        ("malformed", Some("not-a-jwt")),
        ("expired", Some(&expired)),
        ("another service", Some(&other_service)),
        ("another API user", Some(&other_user)),
        ("an access token", Some(&token)),
        ("no typ claim", Some(&untyped)),
    ];

    for (case, proof) in cases {
        let balance = app.send(with_proof(Method::GET, &balance_path(SERVICE), &token, proof, None)).await;
        let body = json!({"promise_date": tomorrow()});
        let promise = app.send(with_proof(Method::POST, &promise_path(SERVICE), &token, proof, Some(body))).await;
        for answer in [&balance, &promise] {
            assert_eq!(answer.status, StatusCode::OK, "{case}: {}", answer.text);
            assert_eq!(kind(answer), ("info", "client_verification_required"), "{case}: {}", answer.text);
            assert_eq!(answer.body["data"], Value::Null);
            assert_eq!(answer.body["message"], "Se requiere verificar la identidad del cliente antes de continuar.");
        }
    }
    assert_eq!(app.sandbox.total_requests(), 0, "no WispHub call without a proof");
}

#[tokio::test]
async fn a_proof_is_not_an_access_token() {
    let app = TestApp::spawn().await;
    let proof = app.state.proofs.issue("tester", SERVICE).unwrap().token;

    let answer = app.get(&balance_path(SERVICE), &proof).await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    answer.assert_envelope();
}

/// Tomorrow in the tenant's time zone (Bogotá), `YYYY-MM-DD`.
pub(crate) fn tomorrow() -> String {
    days_ahead(1)
}

pub(crate) fn days_ahead(days: i64) -> String {
    let bogota = chrono::Utc::now() - chrono::Duration::hours(5);
    (bogota.date_naive() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

const INVOICES: &str = "/api/facturas/";
const PROMISES: &str = "/api/promesa-pago/";

/// A bot's token and a proof for `service_id` issued to it, as a verify would give.
fn bot(app: &TestApp, service_id: i64) -> (String, String) {
    let token = app.token(&[Scope::BillingRead, Scope::BillingWrite]);
    (token, app.state.proofs.issue("tester", service_id).unwrap().token)
}

async fn balance(app: &TestApp, service_id: i64) -> Answer {
    let (token, proof) = bot(app, service_id);
    app.send(with_proof(Method::GET, &balance_path(service_id), &token, Some(&proof), None)).await
}

/// `(invoice id, total)` of the service's pending invoices in the last 12 months, as the sandbox holds them.
fn pending_upstream(app: &TestApp, service_id: i64) -> Vec<(i64, f64)> {
    let usuario = app.sandbox.client_record(service_id).expect("a demo client")["usuario"].clone();
    let oldest = app.sandbox.today() - chrono::Months::new(12);
    app.sandbox
        .invoices()
        .into_iter()
        .filter(|i| i["cliente"]["usuario"] == usuario && i["estado"] == "Pendiente de Pago")
        .filter(|i| {
            i["fecha_emision"].as_str().and_then(|d| d.parse::<chrono::NaiveDate>().ok()).is_some_and(|d| d > oldest)
        })
        .map(|i| {
            let total = i["total"].as_f64().or_else(|| i["total"].as_str().and_then(|t| t.parse().ok()));
            (i["id_factura"].as_i64().unwrap(), total.unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_balance_is_the_sum_of_pending_invoices_over_three_windows_never_the_saldo() {
    let app = TestApp::spawn().await;
    let expected = pending_upstream(&app, SERVICE_WITH_OLD_PENDING_INVOICES);

    let answer = balance(&app, SERVICE_WITH_OLD_PENDING_INVOICES).await;

    assert_eq!(kind(&answer), ("success", "client_balance_found"), "{}", answer.text);
    let data = &answer.body["data"];
    assert_eq!(expected.len(), 3, "the sandbox spreads three pending invoices over the year");
    assert_eq!(data["balance"].as_f64(), Some(expected.iter().map(|(_, t)| t).sum::<f64>()));
    assert_eq!(data["balance"].as_f64(), Some(210_000.0));
    let listed: Vec<i64> =
        data["pending_invoices"].as_array().unwrap().iter().map(|i| i["invoice_id"].as_i64().unwrap()).collect();
    let mut oldest_first: Vec<i64> = expected.iter().map(|(id, _)| *id).collect();
    oldest_first.sort();
    assert_eq!(listed, oldest_first, "oldest due first");
    let keys: Vec<&String> = data["pending_invoices"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["invoice_id", "issued_on", "due_on", "total", "status"], "nothing else of an invoice leaves");
    assert!(!answer.text.contains("cedula") && !answer.text.contains("telefono"), "{}", answer.text);
    assert_eq!(data["payment_status"], "Vencidas", "an invoice past its due date");
    assert!(app.sandbox.count("GET", INVOICES) >= 5, "four windows of pending and one of payments");

    let calls = app.sandbox.total_requests();
    let again = balance(&app, SERVICE_WITH_OLD_PENDING_INVOICES).await;
    assert_eq!(again.body["data"], answer.body["data"]);
    assert_eq!(app.sandbox.total_requests(), calls, "a balance read is kept for 60 s");
    eprintln!("balance: {calls} WispHub calls cold, 0 within 60 s");
}

#[tokio::test]
async fn the_saldo_trap_and_wisphub_ignoring_every_filter_change_nothing() {
    let app = TestApp::spawn().await;
    let trap = balance(&app, SERVICE_WITH_SALDO_TRAP).await;
    assert_eq!(kind(&trap), ("success", "client_balance_found"), "{}", trap.text);
    assert_eq!(trap.body["data"]["balance"].as_f64(), Some(180_000.0), "the client record says 45000");

    let lax =
        TestApp::builder().sandbox(|s| s.faults = Faults { ignore_filters: true, ..Faults::default() }).spawn().await;
    let mixed = balance(&lax, SERVICE_WITH_OLD_PENDING_INVOICES).await;
    assert_eq!(kind(&mixed), ("success", "client_balance_found"), "{}", mixed.text);
    assert_eq!(mixed.body["data"]["balance"].as_f64(), Some(210_000.0), "no other customer's invoice counted");
    assert_eq!(mixed.body["data"]["pending_invoices"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn nothing_pending_is_a_zero_balance_with_the_last_payment() {
    let app = TestApp::spawn().await;

    let answer = balance(&app, SERVICE_ALL_PAID).await;

    assert_eq!(kind(&answer), ("success", "client_balance_found"), "{}", answer.text);
    let data = &answer.body["data"];
    assert_eq!((data["balance"].as_f64(), data["pending_invoices"].clone()), (Some(0.0), json!([])));
    assert_eq!(data["payment_status"], "Pagadas", "nothing pending");
    assert!(data["last_payment"]["invoice_id"].is_i64() && data["last_payment"]["paid_on"].is_string(), "{data}");
    let unknown = balance(&app, 999_999).await;
    assert_eq!(kind(&unknown), ("info", "client_not_found"), "{}", unknown.text);
}

/// The due dates of a service's pending invoices of the last 12 months; `None` for a service the
/// sandbox does not serve.
fn pending_due_dates(app: &TestApp, service_id: i64) -> Option<Vec<chrono::NaiveDate>> {
    let usuario = app.sandbox.client_record(service_id)?["usuario"].clone();
    let oldest = app.sandbox.today() - chrono::Months::new(12);
    let date = |value: &Value| value.as_str().and_then(|d| d.parse::<chrono::NaiveDate>().ok());
    let invoices = app.sandbox.invoices().into_iter();
    let pending = invoices.filter(|i| i["cliente"]["usuario"] == usuario && i["estado"] == "Pendiente de Pago");
    Some(
        pending
            .filter(|i| date(&i["fecha_emision"]).is_some_and(|d| d > oldest))
            .filter_map(|i| date(&i["fecha_vencimiento"]))
            .collect(),
    )
}

#[tokio::test]
async fn pending_invoices_none_past_their_due_date_read_pendiente_de_pago() {
    let app = TestApp::spawn().await;
    let today = app.sandbox.today();
    // Which service owes without being late depends on the day of the month the test runs.
    let on_time = (1001..=1009)
        .chain(2001..=2100)
        .find(|&id| pending_due_dates(&app, id).is_some_and(|due| !due.is_empty() && due.iter().all(|d| *d >= today)))
        .expect("some service owes an invoice not yet due");

    let answer = balance(&app, on_time).await;

    assert_eq!(kind(&answer), ("success", "client_balance_found"), "{}", answer.text);
    let data = &answer.body["data"];
    assert!(data["balance"].as_f64().is_some_and(|b| b > 0.0), "{data}");
    assert_eq!(data["payment_status"], "Pendiente de Pago", "service {on_time}: pending, none past due");
}

#[tokio::test]
async fn payment_methods_are_listed_once_per_quarter_hour_with_the_portal() {
    let app = TestApp::builder().setting("PAYMENT_PORTAL_URL", "https://pagos.example.com").spawn().await;
    let token = app.token(&[Scope::BillingRead]);

    let first = app.get("/api/v1/billing/payment-methods", &token).await;
    let second = app.get("/api/v1/billing/payment-methods/", &token).await;

    assert_eq!(kind(&first), ("success", "payment_methods_listed"), "{}", first.text);
    let methods = first.body["data"]["methods"].as_array().unwrap();
    assert!(methods.contains(&json!({"payment_method_id": 7, "name": "Efectivo"})), "{methods:?}");
    assert_eq!(first.body["data"]["payment_url"], "https://pagos.example.com");
    assert_eq!(second.body["data"], first.body["data"]);
    assert_eq!(app.sandbox.count("GET", "/api/formas-de-pago/"), 1, "cached");
}

async fn promise(app: &TestApp, service_id: i64, body: Value) -> Answer {
    let (token, proof) = bot(app, service_id);
    app.send(with_proof(Method::POST, &promise_path(service_id), &token, Some(&proof), Some(body))).await
}

#[tokio::test]
async fn each_promise_rule_in_its_order() {
    let app = TestApp::spawn().await;
    let service = SERVICE_WITH_OLD_PENDING_INVOICES;

    let missing = promise(&app, service, json!({"comment": "x"})).await;
    let today = promise(&app, service, json!({"promise_date": days_ahead(0)})).await;
    let too_far = promise(&app, service, json!({"promise_date": days_ahead(6)})).await;
    let nothing_due = promise(&app, SERVICE_ALL_PAID, json!({"promise_date": tomorrow()})).await;
    let created = promise(&app, service, json!({"promise_date": days_ahead(3), "comment": "Paga el viernes"})).await;
    let again = promise(&app, service, json!({"promise_date": tomorrow()})).await;

    assert_eq!(missing.status, 422, "{}", missing.text);
    assert!(missing.body["message"].as_str().unwrap_or_default().contains("promise_date"));
    assert_eq!(kind(&today), ("info", "payment_promise_rejected"), "{}", today.text);
    assert_eq!(today.body["data"]["max_date"], days_ahead(5));
    assert_eq!(kind(&too_far), ("info", "payment_promise_rejected"));
    assert_eq!(kind(&nothing_due), ("info", "no_pending_invoices"), "{}", nothing_due.text);
    assert_eq!(kind(&created), ("success", "payment_promise_created"), "{}", created.text);
    let oldest = pending_upstream(&app, service).iter().map(|(id, _)| *id).min().unwrap();
    assert_eq!(
        created.body["data"],
        json!({"service_id": service, "invoice_id": oldest,
        "promise_date": days_ahead(3), "reactivation_requested": true})
    );
    let sent = app.sandbox.payment_promises();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0]["id_factura"].clone(), sent[0]["fecha_limite"].clone()), (json!(oldest), json!(days_ahead(3))));
    assert_eq!((sent[0]["accion"].clone(), sent[0]["comentarios"].clone()), (json!(1), json!("Paga el viernes")));
    assert_eq!(kind(&again), ("info", "payment_promise_exists"), "{}", again.text);
    assert_eq!(again.body["data"], json!({"invoice_id": oldest, "promise_date": days_ahead(3)}));
    assert_eq!(app.sandbox.count("POST", PROMISES), 1);
}

#[tokio::test]
async fn a_stalled_promise_is_503_then_exists_and_a_refused_one_is_failed_and_forgotten() {
    let app = TestApp::spawn().await;
    let service = SERVICE_WITH_OLD_PENDING_INVOICES;
    app.sandbox.force_next_on("POST", PROMISES, 1, ForcedFault::StallAfterServing);

    let lost = promise(&app, service, json!({"promise_date": tomorrow()})).await;
    let retry = promise(&app, service, json!({"promise_date": tomorrow()})).await;

    assert_eq!(lost.status, StatusCode::SERVICE_UNAVAILABLE, "{}", lost.text);
    assert_eq!(lost.body["action"], "upstream_unavailable");
    let message = lost.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("promesa de pago pudo haberse registrado"), "{message}");
    assert!(lost.headers.contains_key("retry-after"));
    assert_eq!(kind(&retry), ("info", "payment_promise_exists"), "{}", retry.text);
    assert_eq!(app.sandbox.count("POST", PROMISES), 1, "never retried");
    assert_eq!(app.sandbox.payment_promises().len(), 1);

    app.sandbox.force_next_on("POST", PROMISES, 1, ForcedFault::Status(400));
    let refused = promise(&app, SERVICE_WITH_SALDO_TRAP, json!({"promise_date": tomorrow()})).await;
    assert_eq!(kind(&refused), ("error", "payment_promise_failed"), "{}", refused.text);
    assert!(refused.body["message"].as_str().unwrap_or_default().contains("WispHub"), "{}", refused.text);
    let next = promise(&app, SERVICE_WITH_SALDO_TRAP, json!({"promise_date": tomorrow()})).await;
    assert_eq!(kind(&next), ("success", "payment_promise_created"), "a refused promise is not counted: {}", next.text);
}

async fn six_concurrent_promises_make_one_post(app: TestApp) {
    let service = SERVICE_WITH_OLD_PENDING_INVOICES;
    let answers = join_all((0..6).map(|_| promise(&app, service, json!({"promise_date": tomorrow()})))).await;

    let actions: Vec<&str> = answers.iter().map(|a| a.action()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "payment_promise_created").count(), 1, "{actions:?}");
    assert!(actions.iter().all(|a| ["payment_promise_created", "payment_promise_exists"].contains(a)), "{actions:?}");
    assert_eq!(app.sandbox.count("POST", PROMISES), 1);
}

#[tokio::test]
async fn six_concurrent_promises_for_one_service_make_one_wisphub_post() {
    six_concurrent_promises_make_one_post(TestApp::spawn().await).await;
}

#[tokio::test]
#[ignore = "needs DynamoDB Local: run ./scripts/test, or scripts/dynamodb-local start and cargo test -- --include-ignored"]
async fn six_concurrent_promises_for_one_service_make_one_wisphub_post_on_dynamodb() {
    let store: Arc<dyn Store> = dynamo_store().await;
    six_concurrent_promises_make_one_post(TestApp::builder().store(store).spawn().await).await;
}

#[tokio::test]
async fn verify_and_resolve_hand_out_the_proof_the_balance_takes() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::ClientsRead, Scope::BillingRead]);
    let facts = json!({"address": "El Peñon", "internet_plan_name": "10mb plus", "internet_plan_price": 65000.4});

    let verified = app.post_json(&format!("/api/v1/clients/{SERVICE_ALL_PAID}/verify"), &token, facts).await;
    let wrong = json!({"address": "Otra calle", "internet_plan_name": "10mb plus", "internet_plan_price": 1});
    let failed = app.post_json(&format!("/api/v1/clients/{SERVICE_ALL_PAID}/verify"), &token, wrong).await;
    let resolve = json!({"name": "José Pérez", "address": "Vereda El Peñón", "internet_plan_price": 65000});
    let resolved = app.post_json("/api/v1/clients/resolve", &token, resolve).await;

    assert_eq!(verified.action(), "client_verified", "{}", verified.text);
    let proof = &verified.body["meta"]["verification"];
    assert_eq!((proof["service_id"].clone(), proof["expires_in"].clone()), (json!(SERVICE_ALL_PAID), json!(900)));
    assert_eq!(verified.body["data"]["is_valid"], true, "data unchanged");
    assert_eq!(failed.action(), "client_verification_failed");
    assert!(failed.body["meta"]["verification"].is_null(), "no proof for a failed verify: {}", failed.text);
    assert_eq!(resolved.action(), "client_verified", "{}", resolved.text);
    assert_eq!(resolved.body["meta"]["verification"]["service_id"], SERVICE_ALL_PAID);

    for proof in [&verified.body["meta"]["verification"]["token"], &resolved.body["meta"]["verification"]["token"]] {
        let path = balance_path(SERVICE_ALL_PAID);
        let answer = app.send(with_proof(Method::GET, &path, &token, proof.as_str(), None)).await;
        assert_eq!(kind(&answer), ("success", "client_balance_found"), "{}", answer.text);
        let other = app.send(with_proof(Method::GET, &balance_path(1002), &token, proof.as_str(), None)).await;
        assert_eq!(kind(&other), ("info", "client_verification_required"), "a proof is for its own service only");
    }
}

#[tokio::test]
async fn staff_with_clients_list_need_no_proof() {
    let app = TestApp::spawn().await;
    let staff = app.token(&[Scope::ClientsList, Scope::BillingRead]);

    let answer = app.get(&balance_path(SERVICE_WITH_SALDO_TRAP), &staff).await;

    assert_eq!(kind(&answer), ("success", "client_balance_found"), "{}", answer.text);
}

#[tokio::test]
async fn a_promise_repeated_with_its_idempotency_key_replays_the_first_outcome() {
    let app = TestApp::spawn().await;
    let service = SERVICE_WITH_OLD_PENDING_INVOICES;
    let (token, proof) = bot(&app, service);
    let keyed = |key: &str| {
        let body = json!({"promise_date": tomorrow()});
        let mut request = with_proof(Method::POST, &promise_path(service), &token, Some(&proof), Some(body));
        request.headers_mut().insert("idempotency-key", HeaderValue::from_str(key).unwrap());
        request
    };

    let first = app.send(keyed("wa-msg-1")).await;
    let repeat = app.send(keyed("wa-msg-1")).await;
    let bad = app.send(keyed("clave con espacios")).await;

    assert_eq!(kind(&first), ("success", "payment_promise_created"), "{}", first.text);
    assert_eq!(repeat.body, first.body, "the same outcome, not payment_promise_exists");
    assert_eq!(repeat.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(app.sandbox.count("POST", PROMISES), 1);
}

#[tokio::test]
async fn promises_past_their_date_still_count_toward_the_window_limit() {
    let app = TestApp::builder().setting("PAYMENT_PROMISE_LIMIT", "1").spawn().await;
    let service = SERVICE_WITH_OLD_PENDING_INVOICES;
    // A promise made yesterday for yesterday: no longer active, still inside the 90-day window.
    let made_at = chrono::Utc::now().timestamp() as u64 - 24 * 60 * 60;
    let book = json!({"promises": [{"invoice_id": 1, "promise_date": days_ahead(-1), "made_at": made_at}]});
    let key = format!("PROMISES#{service}"); // the promise book, as billing keys it
    app.state.store.put_if_absent(&key, &book.to_string(), made_at + 90 * 24 * 60 * 60).await.unwrap();

    let answer = promise(&app, service, json!({"promise_date": tomorrow()})).await;

    assert_eq!(kind(&answer), ("info", "payment_promise_limit_reached"), "{}", answer.text);
    assert_eq!(app.sandbox.count("POST", PROMISES), 0);
}
