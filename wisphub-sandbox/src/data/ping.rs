//! Ping tasks: WispHub's async task store, with one scripted network scenario per demo service.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the customer's link does when pinged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// Every reply received (1001 and generated services).
    Stable,
    /// floor(3n/4) of n replies received (1002).
    Intermittent,
    /// Every reply lost, as timeouts and "host unreachable" (1003).
    NoInternet,
    /// Every entry a MikroTik error string (1004).
    RouterError,
    /// The task itself fails; `result` is a message or null (1005, alternating).
    Failure { message: bool },
    /// Never leaves PENDING (1006).
    Pending,
    /// Replies, a timeout and a router error together (1007).
    Mixed,
}

impl Scenario {
    /// `failures_so_far` counts earlier tasks for 1005, so its results alternate string / null.
    pub(crate) fn for_service(service_id: i64, failures_so_far: usize) -> Scenario {
        match service_id {
            1002 => Scenario::Intermittent,
            1003 => Scenario::NoInternet,
            1004 => Scenario::RouterError,
            1005 => Scenario::Failure { message: failures_so_far.is_multiple_of(2) },
            1006 => Scenario::Pending,
            1007 => Scenario::Mixed,
            _ => Scenario::Stable,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct PingTask {
    pub scenario: Scenario,
    pub host: String,
    pub pings: u32,
    started: Instant,
    /// How long the router takes: PENDING for the first third, PROCESS for the rest, then final.
    run_time: Duration,
}

const ROUTER_ERROR: &str = "('Error \"input does not match any value of interface\" executing command /ping ...', \
                            'input does not match any value of interface')";
const UNREACHABLE_MAC: &str = "DC:EF:80:2C:CA:31";
const TIMES: [&str; 4] = ["1ms287us", "12ms", "3ms512us", "2ms"];

enum Reply {
    Ok,
    Timeout,
    Unreachable,
    Error,
}

impl PingTask {
    pub(crate) fn new(scenario: Scenario, host: String, pings: u32, run_time: Duration) -> Self {
        PingTask { scenario, host, pings, started: Instant::now(), run_time }
    }

    /// One poll of `GET /api/tasks/{id}/`: how the task stands now. Like WispHub's, it moves with
    /// time, not with how often it is asked.
    pub(crate) fn poll(&self, stuck: bool) -> Value {
        self.state_after(self.started.elapsed(), stuck)
    }

    fn state_after(&self, elapsed: Duration, stuck: bool) -> Value {
        let (status, result) = if stuck || self.scenario == Scenario::Pending || elapsed < self.run_time / 3 {
            ("PENDING", Value::Null)
        } else if elapsed < self.run_time {
            ("PROCESS", Value::Null)
        } else if let Scenario::Failure { message } = self.scenario {
            ("FAILURE", if message { json!("Router no disponible") } else { Value::Null })
        } else {
            ("SUCCESS", self.result())
        };
        json!({ "task": { "status": status, "result": result } })
    }

    fn reply(&self, i: u32) -> Reply {
        match self.scenario {
            // Ping i is received when floor(3i/4) grows, so exactly floor(3n/4) of n arrive.
            Scenario::Intermittent if (3 * i) / 4 == (3 * (i - 1)) / 4 => Reply::Timeout,
            Scenario::NoInternet if i % 2 == 1 => Reply::Timeout,
            Scenario::NoInternet => Reply::Unreachable,
            Scenario::RouterError => Reply::Error,
            Scenario::Mixed => [Reply::Ok, Reply::Ok, Reply::Timeout, Reply::Error]
                .into_iter()
                .nth(((i - 1) % 4) as usize)
                .unwrap_or(Reply::Ok),
            _ => Reply::Ok,
        }
    }

    /// The SUCCESS result: one single-key object per ping, every value a string, then the summary.
    pub(crate) fn result(&self) -> Value {
        let mut entries = Vec::with_capacity(self.pings as usize + 1);
        let mut received = 0;
        for i in 1..=self.pings {
            let entry = match self.reply(i) {
                Reply::Ok => {
                    received += 1;
                    let time = TIMES[((i - 1) % 4) as usize];
                    json!({ "host": self.host, "sent": "1", "received": "1", "packet-loss": "0",
                            "time": time, "avg-rtt": time })
                }
                Reply::Timeout => json!({ "host": self.host, "status": "timeout", "sent": "1", "received": "0",
                                          "packet-loss": "100" }),
                Reply::Unreachable => json!({ "host": UNREACHABLE_MAC, "status": "host unreachable", "sent": "1",
                                              "received": "0", "packet-loss": "100" }),
                Reply::Error => json!(ROUTER_ERROR),
            };
            entries.push(json!({ format!("ping-{i}"): entry }));
        }
        entries.push(json!({ "ping-exitoso": format!("{received} de {}", self.pings) }));
        Value::Array(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(scenario: Scenario, pings: u32) -> String {
        let result = PingTask::new(scenario, "172.16.12.25".into(), pings, Duration::ZERO).result();
        let entries = result.as_array().cloned().unwrap_or_default();
        assert_eq!(entries.len(), pings as usize + 1);
        entries.last().and_then(|e| e["ping-exitoso"].as_str()).unwrap_or("").to_string()
    }

    #[test]
    fn summaries_follow_each_scenario() {
        assert_eq!(summary(Scenario::Stable, 4), "4 de 4");
        assert_eq!(summary(Scenario::Intermittent, 4), "3 de 4");
        assert_eq!(summary(Scenario::Intermittent, 10), "7 de 10");
        assert_eq!(summary(Scenario::NoInternet, 4), "0 de 4");
        assert_eq!(summary(Scenario::RouterError, 4), "0 de 4");
        assert_eq!(summary(Scenario::Mixed, 4), "2 de 4");
    }

    fn task(scenario: Scenario) -> PingTask {
        PingTask::new(scenario, "172.16.12.25".into(), 4, Duration::from_millis(900))
    }

    fn status(task: &PingTask, elapsed_ms: u64, stuck: bool) -> String {
        task.state_after(Duration::from_millis(elapsed_ms), stuck)["task"]["status"].as_str().unwrap_or("").into()
    }

    #[test]
    fn task_goes_pending_then_process_then_stays_final_with_time() {
        let task = task(Scenario::Stable);
        let statuses: Vec<String> = [0, 299, 300, 899, 900, 60_000].map(|ms| status(&task, ms, false)).into();
        assert_eq!(statuses, ["PENDING", "PENDING", "PROCESS", "PROCESS", "SUCCESS", "SUCCESS"]);
    }

    #[test]
    fn stuck_and_pending_scenario_never_finish() {
        for elapsed_ms in [0, 900, 60_000] {
            assert_eq!(status(&task(Scenario::Stable), elapsed_ms, true), "PENDING");
            assert_eq!(status(&task(Scenario::Pending), elapsed_ms, false), "PENDING");
        }
    }

    #[test]
    fn failure_result_is_a_string_or_null() {
        let done = Duration::from_secs(1);
        let first = task(Scenario::for_service(1005, 0)).state_after(done, false);
        assert_eq!(first["task"], json!({ "status": "FAILURE", "result": "Router no disponible" }));
        assert_eq!(task(Scenario::for_service(1005, 1)).state_after(done, false)["task"]["result"], Value::Null);
    }

    #[test]
    fn every_value_in_a_reply_is_a_string() {
        let result = PingTask::new(Scenario::Mixed, "172.16.12.26".into(), 4, Duration::ZERO).result();
        let first = &result[0]["ping-1"];
        assert!(first.as_object().is_some_and(|o| o.values().all(Value::is_string)));
        assert!(result[3]["ping-4"].is_string());
    }
}
