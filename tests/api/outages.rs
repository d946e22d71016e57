//! Outage awareness and a customer's open tickets (docs/api.md §12) against the sandbox's flagged
//! devices: the outage route, the ping verdict's outage, tickets refused during an outage, and
//! tickets by service over every page while WispHub ignores filters.

use serde_json::{Value, json};
use shared::Scope;
use wisphub_sandbox::{
    Faults, FaultyDevice, MIGRATED_TICKET_ID, SERVICE_BEHIND_FAULTY_ROUTER, SERVICE_BEHIND_FAULTY_SECTORIAL,
    SERVICE_WITH_TICKETS_OVER_PAGES, SERVICE_WITHOUT_TICKETS,
};

use crate::helpers::*;
use crate::network::{poll_until_done, start};

const CLIENTS_UPSTREAM: &str = "/api/clientes/";
const TICKETS_UPSTREAM: &str = "/api/tickets/";
const TICKET_UPSTREAM: &str = "/api/tickets/{id}/";
/// Zone 1, router and sector without fault at start; zone 1 holds its maximum of open tickets.
const SERVICE_IN_FULL_ZONE: i64 = 1001;
/// Zone 1 too: its ping loses every reply.
const SERVICE_WITHOUT_LINK: i64 = 1003;
/// Zone 2: no sector, router without fault; its ping is intermittent.
const SERVICE_INTERMITTENT: i64 = 1002;

fn outage_path(service_id: i64) -> String {
    format!("/api/v1/{service_id}/outage")
}

fn by_service_path(service_id: i64) -> String {
    format!("/api/v1/tickets/by-service/{service_id}")
}

fn ticket(service_id: i64, subject: &str) -> Value {
    json!({"service_id": service_id, "subject": subject, "description": "Sin servicio desde esta mañana."})
}

#[tokio::test]
async fn the_outage_route_reads_the_router_then_the_sector_from_one_cached_client_read() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::NetworkRead]);

    let router = app.get(&outage_path(SERVICE_BEHIND_FAULTY_ROUTER), &token).await;
    let sector = app.get(&format!("{}/", outage_path(SERVICE_BEHIND_FAULTY_SECTORIAL)), &token).await;
    let none = app.get(&outage_path(SERVICE_IN_FULL_ZONE), &token).await;
    let unknown = app.get(&outage_path(999_999), &token).await;

    assert_eq!(kind(&router), ("info", "general_outage"), "{}", router.text);
    let data = &router.body["data"];
    assert_eq!(
        (data["service_id"].clone(), data["scope"].clone()),
        (json!(SERVICE_BEHIND_FAULTY_ROUTER), json!("router"))
    );
    assert!(data["device_name"].as_str().is_some_and(|n| !n.is_empty()), "{data}");
    let description = data["description"].as_str().unwrap_or_default();
    assert!(!description.is_empty() && router.body["message"].as_str().unwrap_or_default().contains(description));
    assert_eq!(kind(&sector), ("info", "general_outage"), "{}", sector.text);
    assert_eq!(sector.body["data"]["scope"], "sector");
    assert_eq!(sector.body["data"]["device_name"], "Sectorial Rural 90°");
    assert_eq!(kind(&none), ("success", "no_general_outage"), "{}", none.text);
    let nulls = json!({"service_id": SERVICE_IN_FULL_ZONE, "scope": null, "device_name": null, "description": null});
    assert_eq!(none.body["data"], nulls);
    assert_eq!(kind(&unknown), ("info", "client_not_found"), "{}", unknown.text);
    assert_eq!(app.sandbox.total_requests(), 4, "one client read each: {:?}", app.sandbox.requests());

    let again = app.get(&outage_path(SERVICE_BEHIND_FAULTY_ROUTER), &token).await;
    assert_eq!(kind(&again), ("info", "general_outage"));
    assert_eq!(app.sandbox.total_requests(), 4, "the 60 s client cache answers the repeat");
    let without_scope = app.get(&outage_path(SERVICE_IN_FULL_ZONE), &app.token(&[Scope::NetworkPing])).await;
    assert_eq!(without_scope.status, 403, "{}", without_scope.text);
}

#[tokio::test]
async fn an_outage_raised_at_run_time_is_seen_and_a_cleared_one_is_gone() {
    let app = TestApp::spawn().await;
    app.sandbox.set_general_fault(FaultyDevice::Router(2), Some("Corte de energía en el nodo Sur"));
    app.sandbox.set_general_fault(FaultyDevice::Router(4), None);
    let token = app.token(&[Scope::NetworkRead]);

    let raised = app.get(&outage_path(SERVICE_INTERMITTENT), &token).await;
    let cleared = app.get(&outage_path(SERVICE_BEHIND_FAULTY_ROUTER), &token).await;

    assert_eq!(kind(&raised), ("info", "general_outage"), "{}", raised.text);
    assert_eq!(raised.body["data"]["description"], "Corte de energía en el nodo Sur");
    assert_eq!(kind(&cleared), ("success", "no_general_outage"), "{}", cleared.text);
}

#[tokio::test]
async fn the_ping_verdict_carries_the_outage_both_ways() {
    let app = TestApp::spawn().await;
    app.sandbox.set_general_fault(FaultyDevice::Sectorial(1), Some("Antena sectorial sin energía"));
    let token = app.token(&[Scope::NetworkPing]);

    let down = start(&app.app, &token, SERVICE_WITHOUT_LINK).await;
    let fine = start(&app.app, &token, SERVICE_INTERMITTENT).await;
    let down = poll_until_done(&app.app, &token, &down).await;
    let fine = poll_until_done(&app.app, &token, &fine).await;

    assert_eq!(down.action(), "no_internet", "{}", down.text);
    let outage = json!({"scope": "sector", "device_name": "Sectorial Norte 120°", "description": "Antena sectorial sin energía"});
    assert_eq!(down.body["data"]["outage"], outage);
    assert_eq!(fine.action(), "intermittent_connection", "{}", fine.text);
    assert!(fine.body["data"].as_object().is_some_and(|d| d.contains_key("outage")), "{}", fine.text);
    assert_eq!(fine.body["data"]["outage"], Value::Null);
    assert_eq!(app.sandbox.count("GET", CLIENTS_UPSTREAM), 2, "the verdict costs no client read of its own");
}

#[tokio::test]
async fn a_connectivity_ticket_behind_a_flagged_device_is_general_outage_with_no_post() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsWrite]);

    let high =
        app.post_json("/api/v1/tickets", &token, ticket(SERVICE_BEHIND_FAULTY_ROUTER, "No Tiene Internet")).await;
    let very_high =
        app.post_json("/api/v1/tickets", &token, ticket(SERVICE_BEHIND_FAULTY_SECTORIAL, "Troncal Dañado")).await;

    assert_eq!(kind(&high), ("info", "general_outage"), "{}", high.text);
    assert_eq!(high.body["data"]["service_id"], SERVICE_BEHIND_FAULTY_ROUTER);
    assert_eq!(high.body["data"]["scope"], "router");
    assert_eq!(kind(&very_high), ("info", "general_outage"), "{}", very_high.text);
    assert_eq!(very_high.body["data"]["scope"], "sector");
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 0, "no ticket sent to WispHub");
    assert_eq!(app.sandbox.count("GET", TICKETS_UPSTREAM), 0, "decided before the zone count");

    let low = app.post_json("/api/v1/tickets", &token, ticket(SERVICE_BEHIND_FAULTY_ROUTER, "Internet Lento")).await;
    assert_eq!(kind(&low), ("success", "ticket_created"), "{}", low.text);
    assert_eq!(app.sandbox.count("POST", TICKETS_UPSTREAM), 1);
}

#[tokio::test]
async fn the_outage_is_checked_before_the_zone_count_and_can_be_turned_off() {
    let app = TestApp::spawn().await;
    app.sandbox.set_general_fault(FaultyDevice::Router(1), Some("Falla eléctrica"));
    let token = app.token(&[Scope::TicketsWrite]);

    let full_zone = app.post_json("/api/v1/tickets", &token, ticket(SERVICE_IN_FULL_ZONE, "No Tiene Internet")).await;

    assert_eq!(kind(&full_zone), ("info", "general_outage"), "{}", full_zone.text);
    assert_eq!(app.sandbox.count("GET", TICKETS_UPSTREAM), 0);

    let permissive = TestApp::builder().setting("OUTAGE_BLOCKS_TICKETS", "false").spawn().await;
    let token = permissive.token(&[Scope::TicketsWrite]);
    let created = permissive
        .post_json("/api/v1/tickets", &token, ticket(SERVICE_BEHIND_FAULTY_ROUTER, "No Tiene Internet"))
        .await;
    assert_eq!(kind(&created), ("success", "ticket_created"), "{}", created.text);
    assert_eq!(permissive.sandbox.count("POST", TICKETS_UPSTREAM), 1);
}

#[tokio::test]
async fn tickets_by_service_walks_every_page_while_wisphub_ignores_filters() {
    let app = TestApp::builder()
        .setting("WISPHUB_PAGE_SIZE", "5")
        .sandbox(|sandbox| sandbox.faults = Faults { ignore_filters: true, ..Faults::default() })
        .spawn()
        .await;
    let token = app.token(&[Scope::TicketsRead]);
    let expected = open_tickets_upstream(&app, SERVICE_WITH_TICKETS_OVER_PAGES);
    app.sandbox.reset_counters();

    let answer = app.get(&format!("{}/", by_service_path(SERVICE_WITH_TICKETS_OVER_PAGES)), &token).await;

    assert_eq!(kind(&answer), ("success", "tickets_listed"), "{}", answer.text);
    let tickets = answer.body["data"].as_array().expect("a list");
    let ids: Vec<i64> = tickets.iter().filter_map(|t| t["ticket_id"].as_i64()).collect();
    assert_eq!(ids, expected.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "every open ticket, newest first");
    assert_eq!(answer.body["meta"]["total"], expected.len());
    assert!(tickets.iter().all(|t| t["service_id"] == SERVICE_WITH_TICKETS_OVER_PAGES), "no stranger's ticket");
    assert!(
        tickets.iter().all(|t| ["Nuevo", "En Progreso"].contains(&t["status_ticket"].as_str().unwrap_or_default()))
    );
    for (ticket, (_, answer_text)) in tickets.iter().zip(&expected).take(3) {
        assert_eq!(ticket["answer_text"].as_str(), answer_text.as_deref(), "the newest three carry their reply");
    }
    assert_eq!(app.sandbox.count("GET", TICKET_UPSTREAM), 3, "one detail read for each of the newest three");
    let pages = app.sandbox.count("GET", TICKETS_UPSTREAM);
    assert!(pages >= 4, "several pages per open state were read: {pages}");
    eprintln!("tickets/by-service: {} WispHub calls ({pages} list pages)", app.sandbox.total_requests());
}

#[tokio::test]
async fn tickets_by_service_are_newest_first_by_creation_date_not_by_id() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsRead]);
    let expected = open_tickets_upstream(&app, SERVICE_WITH_TICKETS_OVER_PAGES);

    let answer = app.get(&by_service_path(SERVICE_WITH_TICKETS_OVER_PAGES), &token).await;

    assert_eq!(kind(&answer), ("success", "tickets_listed"), "{}", answer.text);
    let tickets = answer.body["data"].as_array().expect("a list");
    let ids: Vec<i64> = tickets.iter().filter_map(|t| t["ticket_id"].as_i64()).collect();
    assert_eq!(ids.first(), Some(&MIGRATED_TICKET_ID), "the migrated ticket: the lowest id, created last");
    assert_eq!(ids, expected.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "by fecha_creacion");
    let mut by_id = ids.clone();
    by_id.sort_by(|a, b| b.cmp(a));
    assert_ne!(ids, by_id, "ids do not follow dates");
    let created: Vec<&str> = tickets.iter().filter_map(|t| t["created_at"].as_str()).collect();
    assert_eq!(created.len(), tickets.len(), "every ticket has its creation date");
    assert!(created.windows(2).all(|pair| pair[0] >= pair[1]), "newest first: {created:?}");
    let answered: Vec<bool> = tickets.iter().map(|t| t["answer_text"].is_string()).collect();
    assert_eq!(answered[..3], [true, true, true], "the three newest by date carry their latest reply");
    assert_eq!(tickets[0]["answer_text"].as_str(), expected[0].1.as_deref());
    assert_eq!(app.sandbox.count("GET", TICKET_UPSTREAM), 3, "a detail read for each of those three only");
}

#[tokio::test]
async fn tickets_by_service_with_none_or_an_unknown_service() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Scope::TicketsRead]);

    let none = app.get(&by_service_path(SERVICE_WITHOUT_TICKETS), &token).await;
    let unknown = app.get(&by_service_path(999_999), &token).await;
    let bad = app.get(&by_service_path(0), &token).await;

    assert_eq!(kind(&none), ("info", "ticket_not_found"), "{}", none.text);
    assert_eq!((none.body["data"].clone(), none.body["meta"]["total"].clone()), (json!([]), json!(0)));
    assert_eq!(kind(&unknown), ("info", "client_not_found"), "{}", unknown.text);
    assert_eq!(bad.status, 422, "{}", bad.text);
}

/// `(ticket id, latest reply)` of the service's open tickets as the sandbox holds them, newest first.
fn open_tickets_upstream(app: &TestApp, service_id: i64) -> Vec<(i64, Option<String>)> {
    let mut open: Vec<(String, i64, Option<String>)> = app
        .sandbox
        .tickets()
        .into_iter()
        .filter(|t| t["servicio"]["id_servicio"] == service_id)
        .filter(|t| ["Nuevo", "En Progreso"].contains(&t["estado"].as_str().unwrap_or_default()))
        .map(|t| {
            let latest = t["respuestas"].as_array().and_then(|r| r.last()).and_then(|r| r["respuesta"].as_str());
            (
                t["fecha_creacion"].as_str().unwrap_or_default().to_owned(),
                t["id_ticket"].as_i64().unwrap_or_default(),
                latest.map(str::to_owned),
            )
        })
        .collect();
    assert!(open.len() > 3, "the sandbox seeds several open tickets for {service_id}");
    open.sort_by(|a, b| (&b.0, b.1).cmp(&(&a.0, a.1)));
    open.into_iter().map(|(_, id, latest)| (id, latest)).collect()
}
