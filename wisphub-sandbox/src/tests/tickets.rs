//! Ticket routes, ping tasks: shapes, zone counts over pages, creation and validation.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{App, multipart};
use crate::{
    DEFAULT_API_KEY, Faults, MIGRATED_TICKET_ID, SERVICE_WITH_TICKETS_OVER_PAGES, SERVICE_WITHOUT_TICKETS,
    SandboxConfig,
};

fn open_in_zone(tickets: &[Value], zone: i64) -> usize {
    tickets.iter().filter(|t| t["servicio"]["zona"]["id"] == zone).count()
}

#[tokio::test]
async fn open_tickets_per_zone_over_every_page() {
    let app = App::new();
    let mut open = app.all_results("/api/tickets/", "estado=1").await;
    open.extend(app.all_results("/api/tickets/", "estado=2").await);
    assert_eq!((open_in_zone(&open, 1), open_in_zone(&open, 2), open_in_zone(&open, 3)), (3, 2, 0));
    assert!(open.iter().any(|t| t["servicio"].is_null()));
    let first = app.get_json("/api/tickets/?estado=1&limit=50").await;
    assert!(first["count"].as_u64().unwrap_or(0) > 100, "estado=1 spans at least 3 pages of 50");
    assert_eq!(first["results"][0]["estado"], "Nuevo");
}

#[tokio::test]
async fn ticket_filters_that_do_not_exist_are_ignored() {
    let app = App::new();
    assert_eq!(app.get_json("/api/tickets/?zona=1&servicio=1001").await["count"], 260);
    assert_eq!(app.get_json("/api/tickets/?estado=Nuevo").await["count"], 0);
    let recent = app.get_json("/api/tickets/?fecha_creacion_0=2026-04-01&fecha_creacion_1=2026-04-30").await;
    let count = recent["count"].as_u64().unwrap_or(0);
    assert!(count > 0 && count < 260, "{count} tickets in April");
}

#[tokio::test]
async fn ticket_detail_adds_respuestas() {
    let app = App::new();
    let first = app.get_json("/api/tickets/5001/").await;
    assert_eq!(first["respuestas"].as_array().map(Vec::len), Some(2));
    assert_eq!((first["estado"].clone(), first["prioridad"].clone()), (json!("Resuelto"), json!("Normal")));
    assert_eq!(app.get_json("/api/tickets/5002/").await["respuestas"], json!([]));
    assert!(app.get_json("/api/tickets/5003/").await["descripcion"].as_str().unwrap_or("").contains("<b>"));
    assert_eq!(app.get("/api/tickets/99/").await.status, StatusCode::NOT_FOUND);
}

fn is_open(ticket: &Value) -> bool {
    ticket["estado"] == "Nuevo" || ticket["estado"] == "En Progreso"
}

/// The 1-based pages of `/api/tickets/?{query}` at `limit` holding an open ticket of `service`,
/// and how many pages there are.
async fn pages_with_open_tickets(app: &App, query: &str, limit: usize, service: i64) -> (Vec<usize>, usize) {
    let mut pages = Vec::new();
    for page in 1.. {
        let uri = format!("/api/tickets/?{query}&limit={limit}&offset={}", (page - 1) * limit);
        let results = app.get_json(&uri).await["results"].as_array().cloned().unwrap_or_default();
        if results.is_empty() {
            return (pages, page - 1);
        }
        if results.iter().any(|t| t["servicio"]["id_servicio"] == service && is_open(t)) {
            pages.push(page);
        }
    }
    unreachable!("the ticket list ends")
}

#[tokio::test]
async fn one_service_has_open_tickets_on_many_pages_up_to_the_last() {
    let app = App::new();
    let service = SERVICE_WITH_TICKETS_OVER_PAGES;
    assert_eq!(pages_with_open_tickets(&app, "", 20, service).await, (vec![1, 5, 8, 11, 13], 13));
    assert_eq!(pages_with_open_tickets(&app, "", 100, service).await, (vec![1, 2, 3], 3));
    for (state, limit) in [(1, 20), (1, 100), (2, 20)] {
        let (pages, last) = pages_with_open_tickets(&app, &format!("estado={state}"), limit, service).await;
        assert!(pages.len() > 1 && pages.last() == Some(&last), "estado={state} limit={limit}: {pages:?} of {last}");
    }
    let all = app.all_results("/api/tickets/", "").await;
    let theirs: Vec<&Value> = all.iter().filter(|t| t["servicio"]["id_servicio"] == service).collect();
    assert_eq!((theirs.iter().filter(|t| is_open(t)).count(), theirs.len()), (6, 9), "six open, three closed");
    assert!(all.iter().all(|t| t["servicio"]["id_servicio"] != SERVICE_WITHOUT_TICKETS));
}

#[tokio::test]
async fn the_newest_open_tickets_of_the_paged_service_carry_replies() {
    let app = App::new();
    let newest = app.get_json("/api/tickets/5260/").await;
    assert_eq!((newest["servicio"]["id_servicio"].clone(), newest["estado"].clone()), (json!(1009), json!("Nuevo")));
    let replies: Vec<&str> =
        newest["respuestas"].as_array().into_iter().flatten().filter_map(|r| r["respuesta"].as_str()).collect();
    assert_eq!(replies.last(), Some(&"Visita confirmada para mañana entre 8 y 12."));
    let migrated = app.get_json(&format!("/api/tickets/{MIGRATED_TICKET_ID}/")).await;
    assert_eq!(migrated["servicio"]["id_servicio"], json!(1009));
    assert!(migrated["fecha_creacion"].as_str() > newest["fecha_creacion"].as_str(), "created after the highest id");
    assert_eq!(migrated["respuestas"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get_json("/api/tickets/5253/").await["respuestas"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get_json("/api/tickets/5204/").await["respuestas"], json!([]));
}

fn ticket_fields(asunto: &str) -> Vec<(&'static str, String)> {
    vec![
        ("servicio", "1002".into()),
        ("asunto", asunto.into()),
        ("asuntos_default", asunto.into()),
        ("descripcion", "No navega".into()),
        ("estado", "1".into()),
        ("prioridad", "3".into()),
        ("tecnico", "7".into()),
        ("fecha_inicio", "08/05/2026 10:00".into()),
        ("fecha_final", "11/05/2026 10:00".into()),
        ("departamento", "Soporte Técnico".into()),
        ("departamentos_default", "Soporte Técnico".into()),
        ("origen_reporte", "oficina".into()),
    ]
}

/// A valid ticket for service 1002 as a JSON body.
pub(super) fn ticket_json(asunto: &str) -> Value {
    Value::Object(ticket_fields(asunto).into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
}

#[tokio::test]
async fn multipart_ticket_is_created_with_labels_and_counts_in_its_zone() {
    let app = App::new();
    let fields = ticket_fields("No Tiene Internet");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = app.send("POST", "/api/tickets/", Some(DEFAULT_API_KEY), Some(multipart(&pairs))).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let ticket = answer.json();
    assert_eq!((ticket["id_ticket"].clone(), ticket["estado"].clone()), (json!(5261), json!("Nuevo")));
    assert_eq!((ticket["prioridad"].clone(), ticket["servicio"]["zona"]["id"].clone()), (json!("Alta"), json!(2)));
    let mut open = app.all_results("/api/tickets/", "estado=1").await;
    open.extend(app.all_results("/api/tickets/", "estado=2").await);
    assert_eq!(open_in_zone(&open, 2), 3);
    assert_eq!(app.state.tickets_created(), vec![ticket]);
}

#[tokio::test]
async fn urlencoded_and_json_tickets_are_accepted_too() {
    let app = App::new();
    let form = serde_urlencoded::to_string(ticket_fields("Internet Lento")).unwrap_or_default();
    let answer = app
        .send("POST", "/api/tickets/", Some(DEFAULT_API_KEY), Some(("application/x-www-form-urlencoded", form)))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(app.post_json("/api/tickets/", ticket_json("Revisión General")).await.status, StatusCode::CREATED);
    assert_eq!(app.state.tickets_created().len(), 2);
}

#[tokio::test]
async fn invalid_ticket_gets_drf_400_and_is_not_stored() {
    let app = App::new();
    let answer = app.post_json("/api/tickets/", json!({ "servicio": 1001, "asunto": "Jumper Dañado" })).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let errors = answer.json();
    assert_eq!(errors["descripcion"], json!(["Este campo es requerido."]));
    assert!(errors["asunto"][0].as_str().unwrap_or("").starts_with("Seleccione una opción válida."));
    assert!(app.state.tickets_created().is_empty());
}

#[tokio::test]
async fn sandbox_tickets_view_lists_created_tickets_without_being_logged() {
    let app = App::new();
    let created = app.post_json("/api/tickets/", ticket_json("Internet Lento")).await.json();
    let view = app.get_json("/_sandbox/tickets").await;
    let expected = json!({ "tickets": [{
        "id_ticket": 5261,
        "id_servicio": 1002,
        "asunto": "Internet Lento",
        "descripcion": "No navega",
        "fecha_creacion": created["fecha_creacion"],
    }] });
    assert_eq!(view, expected);
    assert!(created["fecha_creacion"].as_str().is_some_and(|d| d.ends_with("-05:00")));
    assert_eq!(app.state.log().total(), 1, "only the POST is logged");
}

async fn poll(app: &App, task: &str) -> Value {
    app.get_json(&format!("/api/tasks/{task}/")).await["task"].clone()
}

async fn ping(app: &App, service: i64, body: Value) -> String {
    let answer = app.post_json(&format!("/api/clientes/{service}/ping/"), body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    answer.json()["task_id"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn ping_task_goes_pending_process_success_as_time_passes() {
    let app = App::with(SandboxConfig { ping_run_time: Duration::from_millis(1500), ..SandboxConfig::default() });
    let task = ping(&app, 1001, json!({ "pings": 4 })).await;
    assert_eq!(uuid::Uuid::parse_str(&task).map(|u| u.get_version_num()).ok(), Some(4));
    assert_eq!(poll(&app, &task).await["status"], "PENDING");
    assert_eq!(poll(&app, &task).await["status"], "PENDING", "asking again does not move it");
    tokio::time::sleep(Duration::from_millis(750)).await;
    assert_eq!(poll(&app, &task).await["status"], "PROCESS");
    tokio::time::sleep(Duration::from_millis(850)).await;
    let done = poll(&app, &task).await;
    assert_eq!(done["status"], "SUCCESS");
    assert_eq!(done["result"][0]["ping-1"]["host"], "172.16.12.25");
    assert_eq!(done["result"][4], json!({ "ping-exitoso": "4 de 4" }));
    assert_eq!(app.state.log().count("GET", "/api/tasks/{id}/"), 4);
}

#[tokio::test]
async fn ping_scenarios_by_service() {
    let app = App::with(SandboxConfig { ping_run_time: Duration::ZERO, ..SandboxConfig::default() });
    let form = ("application/x-www-form-urlencoded", "pings=4".to_string());
    let answer = app.send("POST", "/api/clientes/1002/ping/", Some(DEFAULT_API_KEY), Some(form)).await;
    let intermittent = answer.json()["task_id"].as_str().unwrap_or_default().to_string();
    let failure = ping(&app, 1005, json!({})).await;
    let pending = ping(&app, 1006, json!({})).await;
    assert_eq!(poll(&app, &intermittent).await["result"][4]["ping-exitoso"], "3 de 4");
    assert_eq!(poll(&app, &failure).await, json!({ "status": "FAILURE", "result": "Router no disponible" }));
    assert_eq!(poll(&app, &pending).await["status"], "PENDING");
}

#[tokio::test]
async fn unknown_client_or_task_is_404() {
    let app = App::new();
    assert_eq!(app.post_json("/api/clientes/9999/ping/", json!({})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/tasks/no-such-task/").await.json(), json!({ "detail": "No encontrado." }));
}

#[tokio::test]
async fn stuck_tasks_fault_keeps_every_task_pending() {
    let app = App::with_faults(Faults { stuck_tasks: true, ..Faults::default() });
    let task = ping(&app, 1001, json!({ "pings": 2 })).await;
    for _ in 0..5 {
        assert_eq!(poll(&app, &task).await["status"], "PENDING");
    }
}
