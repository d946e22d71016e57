//! The front door: input limits, media types, request ids, Spanish 422s, and an OpenAPI document
//! that lists what each operation really answers and the constraints the server really enforces.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use serde_json::{Value, json};
use shared::Scope;

use crate::helpers::*;

fn with_type(method: Method, path: &str, token: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn message(answer: &Answer) -> &str {
    answer.body["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_profile_update_over_wisphubs_limits_is_422_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::ClientsWrite]);
    let cases = [
        (json!({"phone": "3".repeat(5000)}), "phone"),
        (json!({"phone": "+57 3001234567 1234"}), "phone"),
        (json!({"phone": "1234567890123456"}), "phone"),
        (json!({"document": "1".repeat(21)}), "document"),
        (json!({"document": "AB-1234567890-1234567890"}), "document"),
        (json!({"document": format!("1{}", ".".repeat(100))}), "document"),
    ];

    for (body, field) in cases {
        let answer = app.put_json("/api/v1/clients/1001", &token, body.clone()).await;

        answer.assert_envelope();
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", answer.text);
        assert!(message(&answer).starts_with(&format!("Error de validación: {field}: ")), "{body}: {}", answer.text);
    }
    assert_eq!(app.sandbox.count("PUT", "/api/clientes/{id}/perfil/"), 0, "nothing written to WispHub");
    assert_eq!(app.sandbox.total_requests(), 0, "refused before any WispHub call");
}

#[tokio::test]
async fn a_phone_of_fifteen_digits_with_its_country_code_and_a_twenty_character_document_are_accepted() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::ClientsWrite]);

    let answer = app
        .put_json("/api/v1/clients/1001", &token, json!({"phone": "+57 3001234567890", "document": "1".repeat(20)}))
        .await;

    answer.assert_envelope();
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn a_body_of_another_media_type_is_a_415_envelope_and_reaches_no_wisphub() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let claim = r#"{"name": "José Pérez", "address": "Vereda El Peñón", "internet_plan_name": "10MB PLUS"}"#;
    let cases = [
        ("text on a JSON route", Method::POST, "/api/v1/clients/resolve", "text/plain", claim.to_owned()),
        (
            "form on a JSON route",
            Method::POST,
            "/api/v1/clients/1001/verify",
            "application/x-www-form-urlencoded",
            "name=x".into(),
        ),
        (
            "multipart on a JSON route",
            Method::PUT,
            "/api/v1/clients/1001",
            "multipart/form-data; boundary=x",
            "--x--".into(),
        ),
        ("text on the ping", Method::POST, "/api/v1/1001/ping", "text/plain", r#"{"pings": 4}"#.into()),
        ("xml on tickets", Method::POST, "/api/v1/tickets", "application/xml", "<ticket/>".into()),
        ("text on the token route", Method::POST, "/api/v1/auth/token", "text/plain", "username=bot&password=x".into()),
        (
            "multipart on the token route",
            Method::POST,
            "/api/v1/auth/token",
            "multipart/form-data; boundary=x",
            "--x--".into(),
        ),
    ];

    for (case, method, path, content_type, body) in cases {
        let answer = app.send(with_type(method, path, &token, content_type, &body)).await;

        answer.assert_envelope();
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{case}: {}", answer.text);
        assert_eq!(answer.action(), "error", "{case}");
        assert!(message(&answer).starts_with("Tipo de contenido no admitido"), "{case}: {}", answer.text);
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn json_without_a_content_type_and_json_with_parameters_are_still_read() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let two_fields = r#"{"name": "José Pérez", "address": "Vereda El Peñón"}"#;

    let untyped = app
        .send(
            Request::post("/api/v1/clients/resolve")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(two_fields))
                .unwrap(),
        )
        .await;
    let with_charset = app
        .send(with_type(Method::POST, "/api/v1/clients/resolve", &token, "application/json; charset=utf-8", two_fields))
        .await;
    let empty_ping_with_a_type = app.send(with_type(Method::POST, "/api/v1/1001/ping", &token, "text/plain", "")).await;

    for answer in [&untyped, &with_charset] {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.action(), "client_verification_failed", "{}", answer.text);
    }
    assert_eq!(empty_ping_with_a_type.action(), "ping_created", "{}", empty_ping_with_a_type.text);
}

#[tokio::test]
async fn a_callers_request_id_is_kept_only_when_it_is_short_visible_ascii() {
    let app = TestApp::spawn().await;
    let id_of = |value: HeaderValue| {
        let request = Request::get("/health").header("x-request-id", value).body(Body::empty()).unwrap();
        async { app.send(request).await.headers["x-request-id"].as_bytes().to_vec() }
    };
    let longest = "r".repeat(128);

    for kept in ["abc-123", "n8n:exec/42#7", longest.as_str(), "~"] {
        assert_eq!(id_of(HeaderValue::from_str(kept).unwrap()).await, kept.as_bytes(), "{kept}");
    }
    let unfit: Vec<(&str, HeaderValue)> = vec![
        ("a space", HeaderValue::from_static("two words")),
        ("129 characters", HeaderValue::from_str(&"r".repeat(129)).unwrap()),
        ("empty", HeaderValue::from_static("")),
        ("a tab", HeaderValue::from_static("a\tb")),
        ("not ASCII", HeaderValue::from_bytes(b"caf\xe9").unwrap()),
    ];
    for (case, value) in unfit {
        let sent = value.as_bytes().to_vec();
        let got = id_of(value).await;
        assert_ne!(got, sent, "{case}: replaced");
        assert!(got.len() >= 16 && got.iter().all(u8::is_ascii_graphic), "{case}: a fresh id, got {got:?}");
    }
}

#[tokio::test]
async fn every_422_is_spanish_and_names_the_field() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let post = |path: &str, body: Value| with_type(Method::POST, path, &token, "application/json", &body.to_string());
    let cases: Vec<(&str, Request<Body>, &str)> = vec![
        (
            "price as a list",
            post("/api/v1/clients/1001/verify", json!({"internet_plan_price": [1]})),
            "internet_plan_price",
        ),
        (
            "price as an object",
            post("/api/v1/clients/resolve", json!({"internet_plan_price": {"a": 1}})),
            "internet_plan_price",
        ),
        (
            "price not numeric",
            post("/api/v1/clients/resolve", json!({"internet_plan_price": "caro"})),
            "internet_plan_price",
        ),
        ("name as a number", post("/api/v1/clients/resolve", json!({"name": 5})), "name"),
        (
            "phone as a list",
            with_type(Method::PUT, "/api/v1/clients/1001", &token, "application/json", r#"{"phone": ["3"]}"#),
            "phone",
        ),
        ("pings as text", post("/api/v1/1001/ping", json!({"pings": "cuatro"})), "pings"),
        (
            "ticket id as text",
            post("/api/v1/tickets", json!({"service_id": "diez", "subject": "x", "description": "y"})),
            "service_id",
        ),
        (
            "ticket subject as a list",
            post("/api/v1/tickets", json!({"service_id": 1001, "subject": ["x"], "description": "y"})),
            "subject",
        ),
        ("login without password", post("/api/v1/auth/token", json!({"username": "bot"})), "password"),
        ("login username as a number", post("/api/v1/auth/token", json!({"username": 7, "password": "x"})), "username"),
        ("search without q", request(Method::GET, "/api/v1/clients/search", Some(&token), None), "q"),
        ("limit as text", request(Method::GET, "/api/v1/clients?limit=diez", Some(&token), None), "limit"),
        (
            "limit too large",
            request(Method::GET, "/api/v1/clients?limit=99999999999999999999", Some(&token), None),
            "limit",
        ),
        ("negative offset", request(Method::GET, "/api/v1/clients?offset=-1", Some(&token), None), "offset"),
        ("plan id as text", request(Method::GET, "/api/v1/internet-plans/diez", Some(&token), None), "plan_id"),
        (
            "invalid UTF-8 in a path",
            request(Method::GET, "/api/v1/clients/by-phone/%FF%FE", Some(&token), None),
            "phone",
        ),
    ];
    let english =
        ["invalid", "expected", "missing", "untagged", "enum", "struct", "variant", "PriceInput", "i64", "u8"];

    for (case, request, field) in cases {
        let answer = app.send(request).await;

        answer.assert_envelope();
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {}", answer.text);
        let text = message(&answer);
        assert!(text.starts_with(&format!("Error de validación: {field}: ")), "{case}: {text}");
        assert!(!english.iter().any(|word| text.contains(word)), "{case}: English or Rust in {text}");
    }
}

#[tokio::test]
async fn four_point_zero_pings_are_four() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    let answer = app.post_json("/api/v1/1001/ping", &token, json!({"pings": 4.0})).await;

    assert_eq!(answer.action(), "ping_created", "{}", answer.text);
    let sent = app.sandbox.requests().into_iter().find(|r| r.method == "POST" && r.path == "/api/clientes/1001/ping/");
    assert_eq!(sent.map(|r| r.form), Some(json!({"pings": 4})));
}

#[tokio::test]
async fn a_json_null_ping_body_means_four_pings() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkPing]);

    let answer = app.send(with_type(Method::POST, "/api/v1/1001/ping", &token, "application/json", "null")).await;

    assert_eq!(answer.action(), "ping_created", "{}", answer.text);
}

#[tokio::test]
async fn every_id_in_a_path_must_be_positive() {
    let app = TestApp::spawn().await;
    let token = app.full_token();
    let routes = [
        (Method::GET, "/api/v1/clients/by-service-id/{}", "service_id"),
        (Method::POST, "/api/v1/clients/{}/verify", "service_id"),
        (Method::PUT, "/api/v1/clients/{}", "service_id"),
        (Method::POST, "/api/v1/{}/ping", "service_id"),
        (Method::GET, "/api/v1/internet-plans/{}", "plan_id"),
        (Method::GET, "/api/v1/tickets/{}", "ticket_id"),
        (Method::GET, "/api/v1/tickets/zone-blocked/{}", "zone_id"),
    ];

    for (method, template, field) in routes {
        for id in ["0", "-1"] {
            let path = template.replace("{}", id);
            let body = (method != Method::GET).then(|| json!({"phone": "3001234567"}));
            let answer = app.send(request(method.clone(), &path, Some(&token), body)).await;

            answer.assert_envelope();
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {}", answer.text);
            assert_eq!(
                message(&answer),
                format!("Error de validación: {field}: debe ser un entero positivo"),
                "{path}"
            );
        }
    }
    assert_eq!(app.sandbox.total_requests(), 0);
}

/// The served document, and each of its operations as (method, path, operation).
async fn document(app: &TestApp) -> Value {
    app.get("/openapi.json", "").await.body
}

fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    all
}

fn documented(operation: &Value) -> Vec<u16> {
    operation["responses"].as_object().unwrap().keys().map(|s| s.parse().unwrap()).collect()
}

fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    let parameters = operation["parameters"].as_array().unwrap();
    &parameters.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no parameter {name}"))["schema"]
}

/// A URL for an operation: ids 1001, text parameters a real phone.
fn concrete(path: &str) -> String {
    let mut url = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        url.push('/');
        url.push_str(match segment {
            "{task_id}" => "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b71",
            s if s.ends_with("_id}") => "1001",
            s if s.starts_with('{') => "3001234567",
            s => s,
        });
    }
    url
}

#[tokio::test]
async fn every_protocol_failure_an_operation_answers_is_listed_with_the_envelope() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let no_scope = app.token(&[]);
    let token = app.full_token();

    for (method, path, operation) in operations(&document) {
        let method: Method = method.parse().unwrap();
        let url = concrete(&path);
        let listed = documented(&operation);
        let guarded = operation["security"].as_array().is_some_and(|s| !s.is_empty());
        let mut probes: Vec<(&str, Request<Body>)> = Vec::new();
        if guarded {
            probes.push(("no token", request(method.clone(), &url, None, None)));
            probes.push(("no scope", request(method.clone(), &url, Some(&no_scope), None)));
        }
        if operation.get("requestBody").is_some() {
            probes.push(("broken JSON", with_type(method.clone(), &url, &token, "application/json", "{")));
            probes.push(("text body", with_type(method.clone(), &url, &token, "text/plain", "x")));
            let big = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024));
            probes.push(("oversize body", with_type(method.clone(), &url, &token, "application/json", &big)));
        }
        for (case, probe) in probes {
            let answer = app.send(probe).await;
            answer.assert_envelope();
            let status = answer.status.as_u16();
            assert!(listed.contains(&status), "{method} {path}, {case}: {status} not in {listed:?}");
            let content = &operation["responses"][status.to_string()]["content"]["application/json"];
            assert_eq!(content["schema"]["$ref"], "#/components/schemas/Envelope", "{method} {path} {status}");
            assert_eq!(content["example"]["message"], answer.body["message"], "{method} {path}, {case}: the example");
        }
    }
}

#[tokio::test]
async fn the_document_says_which_operations_can_meet_a_405_and_every_status_carries_an_envelope_example() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let token = app.full_token();
    // A fixed segment of another route where this one has a parameter.
    let shadowed = [
        ("PUT", "/api/v1/clients/{service_id}", "/api/v1/clients/search"),
        ("POST", "/api/v1/clients/{service_id}/verify", "/api/v1/clients/by-phone/verify"),
        ("POST", "/api/v1/{service_id}/ping", "/api/v1/ping/ping"),
    ];

    for (method, path, url) in shadowed {
        let operation = &document["paths"][path][method.to_lowercase()];
        let answer = app.send(request(method.parse().unwrap(), url, Some(&token), Some(json!({})))).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
        assert!(documented(operation).contains(&405), "{method} {path}");
    }
    assert!(!documented(&document["paths"]["/api/v1/clients/by-service-id/{service_id}"]["get"]).contains(&405));
    for (method, path, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            let example = &response["content"]["application/json"]["example"];
            if path == "/api/v1/auth/token" && status == "200" {
                continue;
            }
            let keys: Vec<&String> = example.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            assert_eq!(keys, ["ok", "type", "action", "data", "message", "meta"], "{method} {path} {status}");
            assert_eq!(example["ok"] == false, example["type"] == "error", "{method} {path} {status}");
        }
    }
}

#[tokio::test]
async fn the_documented_constraints_are_the_enforced_ones() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let paths = &document["paths"];

    let list = &paths["/api/v1/clients"]["get"];
    assert_eq!(
        (parameter(list, "limit")["minimum"].clone(), parameter(list, "limit")["maximum"].clone()),
        (json!(1), json!(1000))
    );
    assert_eq!(parameter(list, "offset")["minimum"], 0);
    assert_eq!(parameter(&paths["/api/v1/clients/search"]["get"], "q")["minLength"], 3);
    let key = parameter(&paths["/api/v1/tickets"]["post"], "Idempotency-Key");
    assert_eq!((key["minLength"].clone(), key["maxLength"].clone()), (json!(1), json!(200)));
    assert_eq!(key["pattern"], "^[!-~]{1,200}$");
    for (method, path, operation) in operations(&document) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" && parameter["schema"]["type"] == "integer" {
                assert_eq!(parameter["schema"]["minimum"], 1, "{method} {path} {}", parameter["name"]);
            }
        }
    }
    let ticket = &document["components"]["schemas"]["CreateTicketBody"]["properties"];
    for id in ["service_id", "technician_id", "zone_id"] {
        assert_eq!(ticket[id]["minimum"], 1, "{id}");
    }
    let pings = &document["components"]["schemas"]["PingRequest"]["properties"]["pings"];
    assert_eq!((pings["minimum"].clone(), pings["maximum"].clone()), (json!(1), json!(10)));
    let envelope = &document["components"]["schemas"]["Envelope"]["required"];
    assert_eq!(envelope, &json!(["ok", "type", "action", "data", "message", "meta"]));
}

#[tokio::test]
async fn ticket_examples_carry_dates_as_the_api_gives_them() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let real = app.get("/api/v1/tickets/5001", &app.full_token()).await.body["data"].clone();
    let shape = |text: &str| text.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect::<String>();

    for (path, method) in [("/api/v1/tickets/{ticket_id}", "get"), ("/api/v1/tickets", "post")] {
        let example = &document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["example"];
        for date in ["created_at", "end_date"] {
            let documented = example["data"][date].as_str().unwrap_or_default();
            let served = real[date].as_str().unwrap_or_default();
            assert_eq!(shape(documented), shape(served), "{path} {date}: {documented} vs {served}");
        }
    }
}
