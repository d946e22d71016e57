//! Billing for verified customers (API.md §10–11) against the sandbox's billing dialect: the proof
//! and its every rejection (no WispHub call), balances over several windows and their traps,
//! payment methods, and payment promises under concurrency and lost answers.

use axum::http::{HeaderValue, Method, StatusCode};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use shared::auth::Scope;

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
