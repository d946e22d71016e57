//! Clients against the sandbox: lookups in every spelling, the directory, identity checks, updates.

use axum::http::StatusCode;
use serde_json::{Value, json};
use shared::Scope;
use wisphub_sandbox::Faults;

use crate::helpers::*;

const CLIENT_KEYS: [&str; 17] = [
    "service_id",
    "name",
    "document",
    "phone",
    "address",
    "city",
    "locality",
    "payment_status",
    "service_status",
    "zone_id",
    "antenna_ip",
    "cut_off_date",
    "outstanding_balance",
    "lan_interface",
    "internet_plan_name",
    "internet_plan_price",
    "technician_id",
];

fn reader(app: &TestApp) -> String {
    app.token(&[Scope::ClientsRead])
}

fn service_ids(answer: &Answer) -> Vec<i64> {
    answer.body["meta"]["service_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_client_has_exactly_the_contract_keys_and_no_secrets() {
    let app = TestApp::spawn().await;

    let answer = app.get("/api/v1/clients/by-service-id/1001", &reader(&app)).await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "client_found");
    let client = answer.body["data"].as_object().unwrap();
    let mut keys: Vec<&str> = client.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = CLIENT_KEYS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(client["cut_off_date"], "2026-05-08");
    assert_eq!(client["outstanding_balance"], 0.0);
    assert_eq!(client["internet_plan_price"], 65000.0);
    assert_eq!(client["zone_id"], 1);
    for secret in ["password", "s3cr3t", "mac", "4.60971", "coordenadas"] {
        assert!(!answer.text.to_lowercase().contains(secret), "{secret} leaked: {}", answer.text);
    }
}

#[tokio::test]
async fn a_document_matches_whatever_its_separators() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    let dotted_query = app.get("/api/v1/clients/by-document/1.023.456-789", &token).await;
    let dotted_store = app.get("/api/v1/clients/by-document/52345678", &token).await;

    assert_eq!(dotted_query.body["data"]["service_id"], 1001, "{}", dotted_query.text);
    assert_eq!(service_ids(&dotted_query), vec![1001, 1002], "one person, two services");
    assert_eq!(dotted_store.body["data"]["service_id"], 1003, "{}", dotted_store.text);
}

#[tokio::test]
async fn a_phone_matches_in_every_spelling() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    for spelling in ["+57 300-123 4567", "00573001234567", "573001234567", "3001234567"] {
        let path = format!("/api/v1/clients/by-phone/{}", spelling.replace(' ', "%20"));
        let answer = app.get(&path, &token).await;
        assert_eq!(answer.action(), "client_found", "{spelling}: {}", answer.text);
        assert_eq!(service_ids(&answer), vec![1001, 1002], "{spelling}");
    }
}

#[tokio::test]
async fn a_field_holding_two_numbers_matches_either() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    let first = app.get("/api/v1/clients/by-phone/3157654321", &token).await;
    let second = app.get("/api/v1/clients/by-phone/3209876543", &token).await;
    let formatted = app.get("/api/v1/clients/by-phone/3105550101", &token).await;

    assert_eq!(first.body["data"]["service_id"], 1003, "{}", first.text);
    assert_eq!(second.body["data"]["service_id"], 1003, "{}", second.text);
    assert_eq!(formatted.body["data"]["service_id"], 1004, "stored as +57 310 555 0101: {}", formatted.text);
}

#[tokio::test]
async fn unknown_lookups_are_info_not_found() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    for path in [
        "/api/v1/clients/by-document/99999999",
        "/api/v1/clients/by-phone/3999999999",
        "/api/v1/clients/by-service-id/424242",
    ] {
        let answer = app.get(path, &token).await;
        answer.assert_envelope();
        assert_eq!((answer.body["type"].as_str(), answer.action()), (Some("info"), "client_not_found"), "{path}");
        assert!(answer.body["data"].is_null());
    }
}

#[tokio::test]
async fn a_wisphub_that_ignores_every_filter_never_yields_a_stranger() {
    let app =
        TestApp::builder().sandbox(|s| s.faults = Faults { ignore_filters: true, ..Faults::default() }).spawn().await;
    let token = reader(&app);

    let by_document = app.get("/api/v1/clients/by-document/52345678", &token).await;
    let by_id = app.get("/api/v1/clients/by-service-id/1004", &token).await;
    let unknown = app.get("/api/v1/clients/by-service-id/424242", &token).await;

    assert_eq!(service_ids(&by_document), vec![1003], "{}", by_document.text);
    assert_eq!(by_id.body["data"]["service_id"], 1004);
    assert_eq!(unknown.action(), "client_not_found");
}

#[tokio::test]
async fn the_list_holds_active_clients_only_paged_and_needs_clients_list() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::ClientsList]);

    let page = app.get("/api/v1/clients?limit=2&offset=1", &token).await;
    let everything = app.get("/api/v1/clients?limit=1000", &token).await;
    let too_big = app.get("/api/v1/clients?limit=5000", &token).await;
    let chatbot = app.get("/api/v1/clients", &reader(&app)).await;

    assert_eq!(page.action(), "clients_listed");
    assert_eq!(page.body["data"].as_array().unwrap().len(), 2);
    assert_eq!((page.body["meta"]["limit"].as_i64(), page.body["meta"]["offset"].as_i64()), (Some(2), Some(1)));
    let all = everything.body["data"].as_array().unwrap();
    assert_eq!(everything.body["meta"]["total"].as_u64(), Some(all.len() as u64));
    assert!(all.iter().all(|c| c["service_status"] == "Activo"));
    assert!(all.iter().all(|c| c["service_id"] != 1004 && c["service_id"] != 1005));
    assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(chatbot.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn search_is_case_and_accent_insensitive_over_every_field_and_cached() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::ClientsList]);

    let by_name = app.get("/api/v1/clients/search?q=maria%20NUNEZ", &token).await;
    let calls_after_first = app.sandbox.count("GET", "/api/clientes/");
    let by_surname = app.get("/api/v1/clients/search?q=P%C3%A9rez", &token).await;
    let by_address_and_phone = app.get("/api/v1/clients/search?q=san%20jose%203209876543", &token).await;
    let nobody = app.get("/api/v1/clients/search?q=zzzzqqq", &token).await;
    let short = app.get("/api/v1/clients/search?q=ab", &token).await;

    assert_eq!(by_name.body["data"][0]["service_id"], 1003, "{}", by_name.text);
    let ids: Vec<i64> =
        by_surname.body["data"].as_array().unwrap().iter().map(|c| c["service_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![1001, 1002, 1007]);
    assert_eq!(by_address_and_phone.body["meta"]["total"], 1);
    assert_eq!((nobody.body["type"].as_str(), nobody.action()), (Some("success"), "client_not_found"));
    assert_eq!(nobody.body["data"], json!([]));
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.sandbox.count("GET", "/api/clientes/"), calls_after_first, "later searches use the directory");
}

#[tokio::test]
async fn resolve_finds_the_one_person_from_unaccented_input() {
    let app = TestApp::spawn().await;

    let answer = app
        .post_json(
            "/api/v1/clients/resolve",
            &reader(&app),
            json!({"name": "jose perez", "address": "vereda el penon", "internet_plan_price": "65000"}),
        )
        .await;

    answer.assert_envelope();
    assert_eq!(answer.action(), "client_verified", "{}", answer.text);
    assert_eq!(answer.body["message"], "Cliente identificado y verificado exitosamente.");
    assert_eq!(answer.body["data"]["service_id"], 1001);
}

#[tokio::test]
async fn resolve_refuses_fewer_than_three_fields_before_any_lookup() {
    let app = TestApp::spawn().await;

    let answer =
        app.post_json("/api/v1/clients/resolve", &reader(&app), json!({"name": "José Pérez", "address": "  "})).await;

    assert_eq!((answer.body["type"].as_str(), answer.action()), (Some("error"), "client_verification_failed"));
    assert!(answer.body["message"].as_str().unwrap().starts_with("Se requieren al menos 3 campos para resolver"));
    assert_eq!(app.sandbox.total_requests(), 0);
}

#[tokio::test]
async fn resolve_says_ambiguous_when_two_people_match_and_not_found_when_none() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    let two_people = app
        .post_json(
            "/api/v1/clients/resolve",
            &token,
            json!({"name": "Pérez", "address": "Vereda El Peñón", "internet_plan_price": 65000}),
        )
        .await;
    let nobody = app
        .post_json(
            "/api/v1/clients/resolve",
            &token,
            json!({"name": "José Pérez", "address": "Vereda El Peñón", "internet_plan_price": 12345}),
        )
        .await;
    let fragment = app
        .post_json(
            "/api/v1/clients/resolve",
            &token,
            json!({"name": "jo", "address": "el", "internet_plan_name": "10"}),
        )
        .await;

    assert_eq!(two_people.action(), "client_ambiguous", "{}", two_people.text);
    assert!(two_people.body["data"].is_null());
    assert_eq!((nobody.body["type"].as_str(), nobody.action()), (Some("error"), "client_not_found"));
    assert_eq!(fragment.action(), "client_not_found", "fragments under 3 characters never match alone");
}

#[tokio::test]
async fn a_missing_client_price_comes_from_the_plan_detail() {
    let app = TestApp::spawn().await;

    let answer = app
        .post_json(
            "/api/v1/clients/1004/verify",
            &reader(&app),
            json!({"name": "Ana Lucia Rodriguez", "address": "vereda la esperanza", "internet_plan_price": "65.000"}),
        )
        .await;

    assert_eq!(answer.action(), "client_verified", "{}", answer.text);
    assert_eq!(answer.body["data"]["matched_fields"], json!(["name", "address", "internet_plan_price"]));
    assert_eq!(app.sandbox.count("GET", "/api/plan-internet/pppoe/{id}/"), 1);
}

#[tokio::test]
async fn verify_names_the_matched_fields_and_echoes_nothing_stored() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    let right = app
        .post_json(
            "/api/v1/clients/1001/verify",
            &token,
            json!({"address": "El Peñon", "internet_plan_name": "10mb plus", "internet_plan_price": 65000.4}),
        )
        .await;
    let wrong = app
        .post_json(
            "/api/v1/clients/1001/verify",
            &token,
            json!({"name": "Jose Perez", "address": "Calle Falsa 123", "internet_plan_price": 70000}),
        )
        .await;

    assert_eq!(right.action(), "client_verified", "{}", right.text);
    assert_eq!(right.body["message"], "Identidad validada de manera exitosa.");
    assert_eq!(
        right.body["data"],
        json!({"is_valid": true, "matched_fields": ["address", "internet_plan_name", "internet_plan_price"]})
    );
    assert_eq!((wrong.body["type"].as_str(), wrong.action()), (Some("success"), "client_verification_failed"));
    assert_eq!(wrong.body["data"], json!({"is_valid": false, "matched_fields": ["name"]}));
    for stored in ["Casa 4", "65000", "Peñón", "Gómez", "1023456789"] {
        assert!(!wrong.text.contains(stored), "{stored} echoed: {}", wrong.text);
    }
}

#[tokio::test]
async fn verify_checks_the_field_count_first_and_knows_unknown_services() {
    let app = TestApp::spawn().await;
    let token = reader(&app);

    let two_fields = app.post_json("/api/v1/clients/424242/verify", &token, json!({"name": "x", "address": "y"})).await;
    let calls = app.sandbox.total_requests();
    let unknown = app
        .post_json(
            "/api/v1/clients/424242/verify",
            &token,
            json!({"name": "Ana", "address": "Calle", "internet_plan_name": "10MB"}),
        )
        .await;

    assert_eq!(two_fields.action(), "client_verification_failed");
    assert!(two_fields.body["message"].as_str().unwrap().starts_with("Se requieren al menos 3 campos para verificar"));
    assert_eq!(calls, 0, "no lookup before the field count");
    assert_eq!((unknown.body["type"].as_str(), unknown.action()), (Some("error"), "client_not_found"));
    assert_eq!(unknown.body["message"], "El cliente especificado no fue encontrado en el sistema.");
}

#[tokio::test]
async fn five_failed_verifications_lock_the_service_for_every_instance() {
    let app = TestApp::spawn().await;
    let token = reader(&app);
    let wrong = json!({"name": "Nadie", "address": "Ninguna parte", "internet_plan_price": 1});
    for attempt in 0..5 {
        let answer = app.post_json("/api/v1/clients/1003/verify", &token, wrong.clone()).await;
        assert_eq!(answer.action(), "client_verification_failed", "attempt {attempt}");
    }

    let other_instance = send_to(
        &app.twin(),
        request(axum::http::Method::POST, "/api/v1/clients/1003/verify", Some(&token), Some(wrong)),
    )
    .await;
    let other_service = app
        .post_json(
            "/api/v1/clients/1001/verify",
            &token,
            json!({"name": "José", "address": "Peñón", "internet_plan_name": "10MB"}),
        )
        .await;

    assert_eq!(other_instance.status, StatusCode::TOO_MANY_REQUESTS, "{}", other_instance.text);
    assert_eq!(other_instance.action(), "too_many_attempts");
    let retry_after: u64 = other_instance.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(other_service.action(), "client_verified", "other services are not locked");
}

#[tokio::test]
async fn an_update_is_normalised_written_read_back_and_searchable() {
    let app = TestApp::spawn().await;
    let lister = app.token(&[Scope::ClientsList]);
    let warm = app.get("/api/v1/clients/search?q=carlos", &lister).await;
    assert_eq!(warm.body["meta"]["total"], 1);

    let answer = app
        .put_json(
            "/api/v1/clients/1005",
            &app.token(&[Scope::ClientsWrite]),
            json!({"phone": "+57 300-999 8877", "document": "80.111.333"}),
        )
        .await;

    assert_eq!(answer.action(), "client_updated", "{}", answer.text);
    assert_eq!(answer.body["message"], "Perfil del cliente actualizado exitosamente.");
    let stored: Value = app.sandbox.client_record(1005).unwrap();
    assert_eq!(stored["telefono"], "+573009998877");
    assert_eq!(stored["cedula"], "80111333");
    assert_eq!(app.sandbox.count("PUT", "/api/clientes/{id}/perfil/"), 1);
    let found = app.get("/api/v1/clients/search?q=3009998877", &lister).await;
    assert_eq!(found.body["data"][0]["service_id"], 1005, "the directory entry was refreshed: {}", found.text);
}

#[tokio::test]
async fn an_update_wisphub_silently_drops_is_reported_with_the_field() {
    let app = TestApp::builder()
        .sandbox(|s| s.faults = Faults { drop_profile_fields: vec!["telefono".into()], ..Faults::default() })
        .spawn()
        .await;

    let answer = app
        .put_json(
            "/api/v1/clients/1001",
            &app.token(&[Scope::ClientsWrite]),
            json!({"phone": "3112223399", "document": "1023456789"}),
        )
        .await;

    answer.assert_envelope();
    assert_eq!(
        (answer.body["type"].as_str(), answer.action()),
        (Some("error"), "client_update_failed"),
        "{}",
        answer.text
    );
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains("phone") && !message.contains("document"), "{message}");
}

#[tokio::test]
async fn an_update_without_data_is_refused_without_calling_wisphub() {
    let app = TestApp::spawn().await;

    let answer = app.put_json("/api/v1/clients/1001", &app.token(&[Scope::ClientsWrite]), json!({"phone": " "})).await;

    assert_eq!(answer.action(), "client_update_failed");
    assert_eq!(answer.body["message"], "No se brindaron datos válidos para actualizar.");
    assert_eq!(app.sandbox.total_requests(), 0);
}
