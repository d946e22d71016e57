//! Reading a WispHub task and judging the customer's link from its ping result. Pure functions,
//! lenient with every shape WispHub sends (string counts, router error strings, missing keys),
//! and never panicking: whatever arrives, the caller gets a verdict.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rtt::duration_ms;

/// At or above this share of replies received, the link is stable (docs/api.md §6).
const STABLE_RATIO: f64 = 0.8;
/// Router messages are quoted to the caller; a runaway one is cut here.
const MAX_MESSAGE_CHARS: usize = 200;
const ROUTER_FAILED: &str = "El router no pudo ejecutar el ping.";
const TASK_FAILED: &str = "WispHub no pudo completar el ping.";

/// What a finished task says about the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Stable,
    Intermittent,
    NoInternet,
    Failed,
}

/// The judgement with its numbers, as stored with the task and shown to the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub judgement: Judgement,
    /// The router's (or WispHub's) own words when the ping could not run.
    pub failure: Option<String>,
    pub sent: u32,
    pub received: u32,
    pub loss_pct: f64,
    pub avg_rtt_ms: Option<f64>,
    pub summary: String,
}

/// Where a WispHub task stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskState {
    Running,
    Finished(Verdict),
}

/// Reads `{"task": {"status", "result"}}`; `None` when the body is not a task at all.
/// Celery states other than the final ones (PENDING, PROCESS, STARTED, RETRY…) count as running.
pub fn read_task(body: &Value) -> Option<TaskState> {
    let task = body.get("task").filter(|t| t.is_object()).unwrap_or(body);
    let status = task.get("status")?.as_str()?.trim().to_ascii_uppercase();
    let result = task.get("result").unwrap_or(&Value::Null);
    Some(match status.as_str() {
        "SUCCESS" => TaskState::Finished(judge(result, false)),
        "FAILURE" | "REVOKED" => TaskState::Finished(judge(result, true)),
        _ => TaskState::Running,
    })
}

/// What the entries of a result add up to.
#[derive(Debug, Default)]
struct Tally {
    replies: u32,
    sent: u32,
    received: u32,
    rtts: Vec<f64>,
    router_errors: Vec<String>,
    /// WispHub's own `"ping-exitoso": "k de n"`, used only when no reply entry can be read.
    reported: Option<(u32, u32)>,
    /// A result that is a bare string (a FAILURE's reason).
    text: Option<String>,
}

fn tally(result: &Value) -> Tally {
    let mut tally = Tally::default();
    match result {
        Value::Array(entries) => {
            let pairs = entries.iter().filter_map(Value::as_object).flat_map(|entry| entry.iter());
            for (key, value) in pairs {
                tally.add(key, value);
            }
        }
        Value::String(text) => tally.text = router_message(text),
        Value::Object(object) => {
            tally.text = ["exc_message", "message", "detail", "error"]
                .iter()
                .find_map(|key| object.get(*key)?.as_str().and_then(router_message))
        }
        _ => {}
    }
    tally
}

impl Tally {
    fn add(&mut self, key: &str, value: &Value) {
        if key == "ping-exitoso" {
            self.reported = value.as_str().and_then(parse_reported);
        } else if key.starts_with("ping-") {
            match value {
                Value::Object(reply) => self.add_reply(reply),
                // A string in place of a reply is the router refusing the command (MikroTik error).
                Value::String(error) => {
                    self.sent = self.sent.saturating_add(1);
                    self.router_errors.push(router_message(error).unwrap_or_else(|| ROUTER_FAILED.into()));
                }
                _ => {}
            }
        }
    }

    fn add_reply(&mut self, reply: &serde_json::Map<String, Value>) {
        let rtt = reply.get("avg-rtt").and_then(duration_ms).or_else(|| reply.get("time").and_then(duration_ms));
        let sent = reply.get("sent").and_then(count).unwrap_or(1);
        let received = reply.get("received").and_then(count).unwrap_or(if rtt.is_some() { sent } else { 0 });
        let received = received.min(sent);
        if sent == 0 {
            return;
        }
        self.replies += 1;
        self.sent = self.sent.saturating_add(sent);
        self.received = self.received.saturating_add(received);
        if let (Some(rtt), true) = (rtt, received > 0) {
            self.rtts.push(rtt);
        }
    }
}

/// `failed` is WispHub's FAILURE: whatever the result holds, the ping did not complete.
fn judge(result: &Value, failed: bool) -> Verdict {
    let mut tally = tally(result);
    let mut measured = tally.replies > 0;
    if !measured
        && !failed
        && tally.router_errors.is_empty()
        && let Some((received, sent)) = tally.reported.filter(|(_, sent)| *sent > 0)
    {
        (tally.sent, tally.received, measured) = (sent, received.min(sent), true);
    }
    let judgement = if failed || !measured {
        Judgement::Failed
    } else if tally.received == 0 {
        Judgement::NoInternet
    } else if f64::from(tally.received) / f64::from(tally.sent) < STABLE_RATIO {
        Judgement::Intermittent
    } else {
        Judgement::Stable
    };
    let failure = (judgement == Judgement::Failed).then(|| {
        let generic = if failed { TASK_FAILED } else { ROUTER_FAILED };
        tally.router_errors.first().cloned().or(tally.text.clone()).unwrap_or_else(|| generic.into())
    });
    verdict(judgement, failure, &tally)
}

fn verdict(judgement: Judgement, failure: Option<String>, tally: &Tally) -> Verdict {
    let (sent, received) = (tally.sent, tally.received);
    let loss_pct = if sent == 0 { 100.0 } else { round(100.0 * f64::from(sent - received) / f64::from(sent), 1) };
    let avg_rtt_ms =
        (!tally.rtts.is_empty()).then(|| round(tally.rtts.iter().sum::<f64>() / tally.rtts.len() as f64, 3));
    let latency = match avg_rtt_ms {
        Some(ms) => format!("latencia media {} ms", decimal(ms)),
        None => "sin latencia medida".to_owned(),
    };
    let summary = match &failure {
        Some(reason) => format!("El ping no se completó: {reason}"),
        None => format!("{received} de {sent} paquetes recibidos; pérdida {}%; {latency}", decimal(loss_pct)),
    };
    Verdict { judgement, failure, sent, received, loss_pct, avg_rtt_ms, summary }
}

/// A count sent as `"1"`, `1` or `1.0`.
fn count(value: &Value) -> Option<u32> {
    let number = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (number.is_finite() && number >= 0.0).then(|| number.min(f64::from(u32::MAX)) as u32)
}

/// `"3 de 4"` → (3, 4).
fn parse_reported(text: &str) -> Option<(u32, u32)> {
    let (received, sent) = text.split_once(" de ")?;
    Some((received.trim().parse().ok()?, sent.trim().parse().ok()?))
}

/// The error text inside a MikroTik error, which WispHub passes on as a Python tuple's repr:
/// `('Error "<text>" executing command /ping ...', '<text>')`. Anything else is quoted as is.
pub fn router_message(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let message = tuple_last_item(raw).or_else(|| quoted_after(raw, "Error \"")).unwrap_or(raw).trim();
    if message.is_empty() {
        return None;
    }
    Some(message.chars().take(MAX_MESSAGE_CHARS).collect())
}

fn tuple_last_item(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('(')?.strip_suffix(')')?.trim().trim_end_matches(',').trim_end();
    let quote = inner.chars().last().filter(|c| *c == '\'' || *c == '"')?;
    let body = &inner[..inner.len() - 1];
    match body.rfind(&format!(", {quote}")) {
        Some(start) => Some(&body[start + 3..]),
        None => body.strip_prefix(quote),
    }
}

fn quoted_after<'a>(raw: &'a str, opening: &str) -> Option<&'a str> {
    let start = raw.find(opening)? + opening.len();
    let length = raw[start..].find('"')?;
    Some(&raw[start..start + length])
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

/// `25` → "25", `12.4` → "12.4", `4.69975` → "4.7": one decimal at most, none when whole.
fn decimal(value: f64) -> String {
    let tenths = round(value, 1);
    if tenths.fract() == 0.0 { format!("{tenths:.0}") } else { format!("{tenths:.1}") }
}

#[cfg(test)]
#[path = "ping_tests.rs"]
mod tests;
