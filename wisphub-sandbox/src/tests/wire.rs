//! Transport traps: slashes, keys, unknown paths, paging envelope, plans.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::{App, ids};

#[tokio::test]
async fn missing_and_wrong_key_get_the_same_403() {
    let app = App::new();
    let missing = app.send("GET", "/api/clientes/", None, None).await;
    let wrong = app.send("GET", "/api/clientes/", Some("nope1234.00000000000000000000000000000000"), None).await;
    let expected = json!({ "detail": "Las credenciales de autenticación no se proveyeron." });
    assert_eq!((missing.status, missing.json()), (StatusCode::FORBIDDEN, expected.clone()));
    assert_eq!((wrong.status, wrong.json()), (StatusCode::FORBIDDEN, expected));
    assert_eq!(app.state.log().count("GET", "/api/clientes/"), 2);
}

#[tokio::test]
async fn wrong_slash_spellings_get_301_to_the_documented_form() {
    let app = App::new();
    for (path, location) in [
        ("/api/clientes?limit=5", "/api/clientes/?limit=5"),
        ("/api/clientes//", "/api/clientes/"),
        ("/api/tasks/abc", "/api/tasks/abc/"),
    ] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(answer.headers[header::LOCATION], location, "{path}");
    }
    let post = app.post_json("/api/tickets", json!({ "asunto": "x" })).await;
    assert_eq!(post.status, StatusCode::MOVED_PERMANENTLY);
    let logged = app.state.log().requests().pop().expect("logged");
    assert_eq!((logged.route.as_str(), logged.status), ("/api/tickets/", 301));
}

#[tokio::test]
async fn unknown_path_is_an_html_404_even_without_key() {
    let app = App::new();
    let answer = app.send("GET", "/api/no-existe/", None, None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "text/html");
    assert!(answer.text().contains("<h1>Not Found</h1>"));
}

#[tokio::test]
async fn wrong_method_is_a_drf_405() {
    let app = App::new();
    let answer = app.send("DELETE", "/api/clientes/", Some(crate::DEFAULT_API_KEY), None).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.json()["detail"], "Método \"DELETE\" no permitido.");
}

#[tokio::test]
async fn default_page_is_20_with_absolute_http_links() {
    let app = App::new();
    let page = app.get_json("/api/clientes/?page=2").await;
    assert_eq!(page["count"], 60);
    assert_eq!(page["results"].as_array().map(Vec::len), Some(20));
    assert_eq!(page["next"], "http://127.0.0.1:8001/api/clientes/?limit=20&offset=20&page=2");
    assert_eq!(page["previous"], json!(null));
    let last = app.get_json("/api/clientes/?limit=20&offset=40").await;
    assert_eq!(
        (last["next"].clone(), last["previous"].clone()),
        (json!(null), json!("http://127.0.0.1:8001/api/clientes/?limit=20&offset=20"))
    );
}

#[tokio::test]
async fn limit_above_1000_is_capped() {
    let app = App::with(crate::SandboxConfig { clients: 1500, ..Default::default() });
    let page = app.get_json("/api/clientes/?limit=5000").await;
    assert_eq!(page["results"].as_array().map(Vec::len), Some(1000));
}

#[tokio::test]
async fn plan_list_needs_two_pages_and_holds_one_malformed_record() {
    let app = App::new();
    let first = app.get_json("/api/plan-internet/").await;
    assert_eq!(first["count"], 31);
    assert!(first["next"].is_string());
    let malformed: Vec<_> = first["results"].as_array().into_iter().flatten().filter(|p| !p["id"].is_i64()).collect();
    assert_eq!(malformed, [&json!({ "id": "x9", "nombre": null, "tipo": 7 })]);
    assert_eq!(ids(&first, "id")[..5], [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn plan_detail_lives_only_under_its_type() {
    let app = App::new();
    let pppoe = app.get_json("/api/plan-internet/pppoe/1/").await;
    assert_eq!((pppoe["precio"].clone(), pppoe["bajada"].clone()), (json!("65000.00"), json!("10M")));
    assert_eq!(app.get_json("/api/plan-internet/queue/2/").await["precio"], "90000.00");
    assert_eq!(app.get_json("/api/plan-internet/pppoe/6/").await["precio"], json!(null));
    for path in ["/api/plan-internet/queue/1/", "/api/plan-internet/pppoe/3/", "/api/plan-internet/queue/3/"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = App::new();
    for template in crate::django::ROUTES {
        let path = template.replace("{id}", "1001");
        let answer = app.get(&path).await;
        // 404 JSON (unknown id) or 405 (POST-only) are fine; Django's HTML 404 means "not routed".
        assert!(!answer.text().contains("<h1>Not Found</h1>"), "{template} is not routed");
    }
}

#[tokio::test]
async fn zones_staff_and_subjects_are_paged() {
    let app = App::new();
    assert_eq!(app.get_json("/api/zonas/").await["count"], 9);
    assert_eq!(ids(&app.get_json("/api/staff/").await, "id"), [7, 8]);
    let subjects = app.get_json("/api/tickets/asuntos-tickets/").await;
    assert_eq!(subjects["count"], 31);
    assert_eq!(subjects["results"][0], json!({ "id": 1, "nombre": "Cambio de Contraseña en Router Wifi" }));
}
