//! Stalls that come after the work is done, and the realistic preset that rolls them.

use std::time::{Duration, Instant};

use serde_json::json;

use super::tickets::ticket_json;
use super::{App, ids};
use crate::{Faults, ForcedFault};

/// What a careful client waits before giving up on a call.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(200);

#[tokio::test]
async fn realistic_preset_answers_in_300_to_600_ms() {
    let app = App::with_faults(Faults { stall_ratio: 0.0, ..Faults::realistic() });
    let timed = (0..4).map(|_| async {
        let started = Instant::now();
        app.get("/api/zonas/").await;
        started.elapsed()
    });
    for took in futures::future::join_all(timed).await {
        // Loose upper bound: the machine running the tests may be busy.
        assert!(took >= Duration::from_millis(300) && took < Duration::from_millis(900), "took {took:?}");
    }
}

#[tokio::test]
async fn a_post_stalled_after_serving_creates_its_ticket_but_never_answers() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::StallAfterServing);
    let (stalled, page) = tokio::join!(
        tokio::time::timeout(CLIENT_TIMEOUT, app.post_json("/api/tickets/", ticket_json("No Tiene Internet"))),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            app.get_json("/api/tickets/?limit=1&offset=260").await
        },
    );
    assert!(stalled.is_err(), "the answer must be withheld");
    assert_eq!(ids(&page, "id_ticket"), [5261], "listed while the POST still hangs");
    let created = app.state.tickets_created();
    assert_eq!((created.len(), created[0]["asunto"].clone()), (1, json!("No Tiene Internet")));
    let logged = app.state.log().requests();
    assert_eq!((logged[0].route.as_str(), logged[0].status), ("/api/tickets/", 0));
}

#[tokio::test]
async fn a_post_stalled_before_serving_creates_nothing() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::Stall);
    let stalled =
        tokio::time::timeout(CLIENT_TIMEOUT, app.post_json("/api/tickets/", ticket_json("Internet Lento"))).await;
    assert!(stalled.is_err(), "a stall must not answer");
    assert!(app.state.tickets_created().is_empty());
    assert_eq!(app.get_json("/api/tickets/").await["count"], 260);
}

#[tokio::test]
async fn a_ping_stalled_after_serving_still_starts_its_task() {
    let app = App::new();
    app.state.force_next(1, ForcedFault::StallAfterServing);
    let stalled = tokio::time::timeout(CLIENT_TIMEOUT, app.post_json("/api/clientes/1001/ping/", json!({}))).await;
    assert!(stalled.is_err(), "the answer must be withheld");
    assert_eq!(app.state.data().tasks.len(), 1);
}

#[tokio::test]
async fn realistic_stalls_process_the_request_first() {
    let app = App::with_faults(Faults { stall_ratio: 1.0, ..Faults::realistic() });
    let stalled =
        tokio::time::timeout(CLIENT_TIMEOUT, app.post_json("/api/tickets/", ticket_json("Internet Lento"))).await;
    assert!(stalled.is_err(), "every call stalls at ratio 1");
    assert_eq!(app.state.tickets_created().len(), 1);
}
