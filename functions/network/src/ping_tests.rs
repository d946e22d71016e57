use serde_json::{Value, json};

use super::*;

const ROUTER_ERROR: &str = "('Error \"input does not match any value of interface\" executing command /ping ...', \
                            'input does not match any value of interface')";

fn ok(time: &str) -> Value {
    json!({"host": "172.16.12.25", "sent": "1", "received": "1", "packet-loss": "0", "time": time, "avg-rtt": time})
}

fn timeout() -> Value {
    json!({"host": "172.16.12.25", "status": "timeout", "sent": "1", "received": "0", "packet-loss": "100"})
}

fn unreachable() -> Value {
    json!({"host": "DC:EF:80:2C:CA:31", "status": "host unreachable", "sent": "1", "received": "0", "packet-loss": "100"})
}

/// A SUCCESS result: one `ping-N` entry per reply, then WispHub's summary.
fn success(replies: Vec<Value>, reported: &str) -> Value {
    let mut entries: Vec<Value> =
        replies.into_iter().enumerate().map(|(i, reply)| json!({ format!("ping-{}", i + 1): reply })).collect();
    entries.push(json!({"ping-exitoso": reported}));
    json!({"task": {"status": "SUCCESS", "result": entries}})
}

fn verdict_of(body: Value) -> Verdict {
    match read_task(&body) {
        Some(TaskState::Finished(verdict)) => verdict,
        other => panic!("not finished: {other:?} for {body}"),
    }
}

#[test]
fn every_reply_received_is_stable_with_the_mean_round_trip() {
    let verdict = verdict_of(success(vec![ok("1ms287us"), ok("12ms"), ok("3ms512us"), ok("2ms")], "4 de 4"));

    assert_eq!(verdict.judgement, Judgement::Stable);
    assert_eq!((verdict.sent, verdict.received, verdict.loss_pct), (4, 4, 0.0));
    assert_eq!(verdict.avg_rtt_ms, Some(4.7));
    assert_eq!(verdict.summary, "4 de 4 paquetes recibidos; pérdida 0%; latencia media 4.7 ms");
    assert_eq!(verdict.failure, None);
}

#[test]
fn three_of_four_is_intermittent_and_four_of_five_is_still_stable() {
    let three = verdict_of(success(vec![ok("12ms"), ok("12ms"), ok("13ms"), timeout()], "3 de 4"));
    let four = verdict_of(success(vec![ok("1ms"), ok("1ms"), ok("1ms"), ok("1ms"), timeout()], "4 de 5"));

    assert_eq!((three.judgement, three.loss_pct, three.avg_rtt_ms), (Judgement::Intermittent, 25.0, Some(12.333)));
    assert_eq!(three.summary, "3 de 4 paquetes recibidos; pérdida 25%; latencia media 12.3 ms");
    assert_eq!((four.judgement, four.loss_pct), (Judgement::Stable, 20.0));
}

#[test]
fn every_reply_lost_is_no_internet_whatever_the_host() {
    let verdict = verdict_of(success(vec![timeout(), unreachable(), timeout(), unreachable()], "0 de 4"));

    assert_eq!(verdict.judgement, Judgement::NoInternet);
    assert_eq!((verdict.sent, verdict.received, verdict.loss_pct, verdict.avg_rtt_ms), (4, 0, 100.0, None));
    assert_eq!(verdict.summary, "0 de 4 paquetes recibidos; pérdida 100%; sin latencia medida");
}

#[test]
fn only_router_errors_fail_with_the_routers_own_words() {
    let verdict = verdict_of(success(vec![json!(ROUTER_ERROR); 4], "0 de 4"));

    assert_eq!(verdict.judgement, Judgement::Failed);
    assert_eq!(verdict.failure.as_deref(), Some("input does not match any value of interface"));
    assert_eq!((verdict.sent, verdict.received, verdict.avg_rtt_ms), (4, 0, None));
    assert!(verdict.summary.contains("input does not match any value of interface"), "{}", verdict.summary);
}

#[test]
fn a_router_error_among_replies_counts_as_a_lost_ping() {
    let verdict = verdict_of(success(vec![ok("2ms"), ok("12ms"), timeout(), json!(ROUTER_ERROR)], "2 de 4"));

    assert_eq!(verdict.judgement, Judgement::Intermittent);
    assert_eq!((verdict.sent, verdict.received, verdict.loss_pct), (4, 2, 50.0));
    assert_eq!(verdict.avg_rtt_ms, Some(7.0));
}

#[test]
fn a_failed_task_fails_with_its_reason_or_a_generic_message() {
    let with_reason = verdict_of(json!({"task": {"status": "FAILURE", "result": "Router no disponible"}}));
    let without = verdict_of(json!({"task": {"status": "FAILURE", "result": null}}));

    assert_eq!(with_reason.judgement, Judgement::Failed);
    assert_eq!(with_reason.failure.as_deref(), Some("Router no disponible"));
    assert_eq!(without.failure.as_deref(), Some(TASK_FAILED));
    assert_eq!((without.sent, without.received, without.loss_pct), (0, 0, 100.0));
}

#[test]
fn unfinished_states_are_running_and_a_body_without_status_is_not_a_task() {
    for status in ["PENDING", "PROCESS", "STARTED", "RETRY", "pending", "SOMETHING_NEW"] {
        let body = json!({"task": {"status": status, "result": null}});
        assert_eq!(read_task(&body), Some(TaskState::Running), "{status}");
    }
    for body in [json!({}), json!({"task": {}}), json!({"task": {"status": 3}}), json!([]), json!("SUCCESS")] {
        assert_eq!(read_task(&body), None, "{body}");
    }
}

#[test]
fn numbers_as_numbers_missing_keys_and_unknown_entries_are_tolerated() {
    let result = json!([
        {"ping-1": {"sent": 1, "received": 1, "time": "850us"}},
        {"ping-2": {"host": "172.16.12.25", "avg-rtt": 2}},
        {"ping-3": {"status": "timeout"}},
        {"ping-4": 17},
        {"something-else": {"sent": "9"}},
        "stray",
        null,
        {"ping-exitoso": "garbled"}
    ]);
    let verdict = verdict_of(json!({"task": {"status": "SUCCESS", "result": result}}));

    assert_eq!((verdict.sent, verdict.received), (3, 2));
    assert_eq!(verdict.avg_rtt_ms, Some(1.425));
    assert_eq!(verdict.judgement, Judgement::Intermittent);
}

#[test]
fn a_success_without_entries_falls_back_to_the_summary_or_fails() {
    let summary_only = verdict_of(json!({"task": {"status": "SUCCESS", "result": [{"ping-exitoso": "3 de 4"}]}}));
    let string = verdict_of(json!({"task": {"status": "SUCCESS", "result": "interface not found"}}));
    let null = verdict_of(json!({"task": {"status": "SUCCESS", "result": null}}));
    let empty = verdict_of(json!({"task": {"status": "SUCCESS"}}));

    assert_eq!((summary_only.judgement, summary_only.sent, summary_only.received), (Judgement::Intermittent, 4, 3));
    assert_eq!(string.failure.as_deref(), Some("interface not found"));
    assert_eq!(null.failure.as_deref(), Some(ROUTER_FAILED));
    assert_eq!(empty.judgement, Judgement::Failed);
}

#[test]
fn router_messages_come_out_of_every_quoting() {
    assert_eq!(router_message(ROUTER_ERROR).as_deref(), Some("input does not match any value of interface"));
    assert_eq!(router_message("('x', \"can't resolve host\")").as_deref(), Some("can't resolve host"));
    assert_eq!(router_message("('solo',)").as_deref(), Some("solo"));
    assert_eq!(router_message("Error \"no such item\" executing command").as_deref(), Some("no such item"));
    assert_eq!(router_message("  timeout del router ").as_deref(), Some("timeout del router"));
    assert_eq!(router_message("   "), None);
    assert_eq!(router_message("('', '')").as_deref(), None);
    assert_eq!(router_message(&"ñ".repeat(500)).map(|m| m.chars().count()), Some(MAX_MESSAGE_CHARS));
}

#[test]
fn odd_shapes_never_panic() {
    let odd = [
        json!(null),
        json!(42),
        json!({"a": 1}),
        json!({"exc_message": "worker lost"}),
        json!([{"ping-1": {"sent": "-1", "received": "x", "time": "1e308s"}}]),
        json!([{"ping-1": {"sent": "4294967296", "received": "99999999999"}}]),
        json!([{"ping-1": {"sent": "0", "received": "0"}}, {"ping-exitoso": "5 de 0"}]),
        json!([{"ping-1": "("}, {"ping-2": "(')"}, {"ping-3": "Error \""}, {"ping-4": "('\"', \"')"}]),
    ];
    for result in odd {
        for status in ["SUCCESS", "FAILURE"] {
            let verdict = verdict_of(json!({"task": {"status": status, "result": result}}));
            assert!((0.0..=100.0).contains(&verdict.loss_pct), "{result}");
            assert!(verdict.received <= verdict.sent, "{result}");
            assert!(verdict.avg_rtt_ms.is_none_or(f64::is_finite), "{result}");
        }
    }
}
