//! Benchmark helper: the WispHub calls one typical chatbot conversation costs, cold and warm.
//! identify by phone → verify → ping → poll until the verdict → create a ticket.
//! Run by `scripts/bench`; prints one JSON line.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::Duration;

use serde_json::{Value, json};
use wisphub_sandbox::SandboxConfig;

use helpers::TestApp;

/// WispHub calls in all, of them task looks, and the bot's polls.
async fn conversation(app: &TestApp, service_id: i64) -> (usize, usize, usize) {
    let token = app.full_token();
    let client = app.get(&format!("/api/v1/clients/by-service-id/{service_id}"), &token).await.body["data"].clone();
    let text = |key: &str| client[key].as_str().unwrap_or_default().to_owned();
    app.sandbox.reset_counters();

    let phone = text("phone").split(',').next().unwrap_or_default().trim().to_owned();
    let found = app.get(&format!("/api/v1/clients/by-phone/{phone}"), &token).await;
    assert_eq!(found.body["data"]["service_id"], service_id, "{}", found.text);
    let claim =
        json!({"name": text("name"), "address": text("address"), "internet_plan_name": text("internet_plan_name")});
    let verified = app.post_json(&format!("/api/v1/clients/{service_id}/verify"), &token, claim).await;
    assert_eq!(verified.body["data"]["is_valid"], true, "{}", verified.text);
    let ping = app.post_json(&format!("/api/v1/{service_id}/ping"), &token, json!({"pings": 4})).await;
    let task_id = ping.body["data"]["task_id"].as_str().unwrap().to_owned();
    let mut polls = 0;
    loop {
        // A bot asks about once a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        polls += 1;
        let poll = app.get(&format!("/api/v1/ping/{task_id}"), &token).await;
        if poll.body["data"]["status"] == "done" || polls == 10 {
            break;
        }
    }
    let ticket = app
        .post_json(
            "/api/v1/tickets",
            &token,
            json!({"service_id": service_id, "subject": "Internet Lento", "description": "Lento desde ayer"}),
        )
        .await;
    assert_eq!(ticket.body["action"], "ticket_created", "{}", ticket.text);
    (app.sandbox.total_requests(), app.sandbox.count("GET", "/api/tasks/{id}/"), polls)
}

#[tokio::main]
async fn main() {
    // The product's timings, not the tests' shortened ones: a ping task runs 1.5 s in the sandbox
    // (WispHub's take a few seconds) and the API looks at it every 2 s at most (the default).
    let app = TestApp::builder()
        .sandbox(|s| s.ping_run_time = SandboxConfig::default().ping_run_time)
        .setting("PING_CHECK_INTERVAL_MS", "2000")
        .spawn()
        .await;
    let mut result = serde_json::Map::new();
    for (name, service_id) in [("cold", 2003), ("warm", 2012)] {
        let (calls, task_looks, bot_polls) = conversation(&app, service_id).await;
        result.insert(name.into(), json!({"calls": calls, "task_looks": task_looks, "bot_polls": bot_polls}));
    }
    let result = Value::Object(result);
    println!("{result}");
}
