//! The settings one function group reads, each in its own struct.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use chrono::NaiveDate;
use secrecy::SecretString;

use super::ConfigError;
use super::vars::{Vars, invalid};
use crate::events::webhook::{RetryPolicy, WebhookSettings};

/// What the tickets function reads: the zone limit, the open states, who gets a new ticket, when it
/// is due, the subjects' priorities and the outage guard.
#[derive(Debug, Clone)]
pub struct TicketSettings {
    pub max_active_per_zone: u32,
    /// How old a count of a zone's open tickets may be and still answer "full" or give out a slot
    /// (`ZONE_COUNT_TTL_SECONDS`): a burst shares one count.
    pub zone_count_ttl: Duration,
    pub active_states: Vec<u8>,
    pub default_technician_id: Option<i64>,
    pub resolution_business_days: u32,
    pub holidays: Vec<NaiveDate>,
    pub priorities: Option<HashMap<String, u8>>,
    /// Whether a high or very high priority ticket is refused while the client's router or sector
    /// has a general fault (everyone behind it is affected; one ticket per customer helps nobody).
    pub outage_blocks: bool,
}

impl TicketSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(TicketSettings {
            max_active_per_zone: vars.parsed("MAX_ACTIVE_TICKETS_PER_ZONE", 3)?,
            zone_count_ttl: Duration::from_secs(vars.parsed("ZONE_COUNT_TTL_SECONDS", 20)?),
            active_states: vars.list("ACTIVE_TICKET_STATES", "1,2")?,
            default_technician_id: vars.optional("DEFAULT_TECHNICIAN_ID")?,
            resolution_business_days: vars.parsed("TICKET_RESOLUTION_BUSINESS_DAYS", 3)?,
            holidays: vars.list("TICKET_HOLIDAYS", "")?,
            priorities: ticket_priorities(vars)?,
            outage_blocks: vars.parsed("OUTAGE_BLOCKS_TICKETS", true)?,
        })
    }
}

/// `TICKET_PRIORITIES`: JSON `{"subject": 1..4}`; a code outside 1..4 is a typo, not a priority.
fn ticket_priorities(vars: &Vars) -> Result<Option<HashMap<String, u8>>, ConfigError> {
    let map: Option<HashMap<String, u8>> = vars.json("TICKET_PRIORITIES")?;
    if let Some((subject, code)) = map.iter().flatten().find(|(_, code)| !(1..=4).contains(*code)) {
        return Err(invalid("TICKET_PRIORITIES", format!("{subject:?} has priority {code}; use 1 to 4")));
    }
    Ok(map)
}

/// What the billing function reads: how far back invoices are looked for, the payment portal,
/// the payment promise rules and the payment report rules.
#[derive(Debug, Clone)]
pub struct BillingSettings {
    pub lookback_months: u32,
    /// Where customers pay online, told with balances and payment methods.
    pub payment_portal_url: Option<String>,
    /// Payment promises: latest date (days from today), how many per window, the window, and
    /// whether WispHub reconnects a suspended service until the date.
    pub promise_max_days: u32,
    pub promise_limit: u32,
    pub promise_window_days: u32,
    pub promise_reactivate: bool,
    /// Payment reports (docs/api.md §15): the largest receipt, how far back a payment may be dated,
    /// and reports per service per tenant-local day.
    pub report_max_bytes: usize,
    pub report_max_age_days: u32,
    pub report_daily_limit: u32,
}

impl BillingSettings {
    /// The body limit of a payment report (and of the MCP door, which carries one): a receipt of
    /// `report_max_bytes` in base64 (a third larger than its bytes), plus room for the other fields.
    pub fn report_body_limit(&self) -> usize {
        self.report_max_bytes.div_ceil(3) * 4 + crate::http::BODY_LIMIT_BYTES
    }

    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(BillingSettings {
            lookback_months: vars.parsed::<u32>("BILLING_LOOKBACK_MONTHS", 12)?.clamp(1, 60),
            payment_portal_url: vars.get("PAYMENT_PORTAL_URL"),
            promise_max_days: vars.parsed::<u32>("PAYMENT_PROMISE_MAX_DAYS", 5)?.max(1),
            promise_limit: vars.parsed::<u32>("PAYMENT_PROMISE_LIMIT", 2)?.max(1),
            promise_window_days: vars.parsed::<u32>("PAYMENT_PROMISE_WINDOW_DAYS", 90)?.max(1),
            promise_reactivate: vars.parsed("PAYMENT_PROMISE_REACTIVATE", true)?,
            report_max_bytes: vars.parsed::<usize>("PAYMENT_REPORT_MAX_BYTES", 4 * 1024 * 1024)?.max(1024),
            report_max_age_days: vars.parsed::<u32>("PAYMENT_REPORT_MAX_AGE_DAYS", 30)?.max(1),
            report_daily_limit: vars.parsed::<u32>("PAYMENT_REPORT_DAILY_LIMIT", 3)?.max(1),
        })
    }
}

/// What events read (docs/api.md §16): how long the feed keeps them, and where they are posted.
#[derive(Debug, Clone)]
pub struct EventSettings {
    /// `EVENT_RETENTION_DAYS`: events older than this leave the feed, and a cursor into them is refused.
    pub retention: Duration,
    /// With `WEBHOOK_URL` (and its `WEBHOOK_SECRET`): each event is posted there, signed.
    pub webhook: Option<WebhookSettings>,
    /// `WEBHOOK_QUEUE_URL`: the SQS queue deliveries go through when deployed (the template sets it);
    /// without it a process delivers in-process.
    pub queue_url: Option<String>,
}

/// Bytes a webhook secret's key may hold (Standard Webhooks: 24 to 64 random bytes).
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

impl EventSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let days: u64 = vars.parsed("EVENT_RETENTION_DAYS", 7)?;
        if !(1..=365).contains(&days) {
            return Err(invalid("EVENT_RETENTION_DAYS", "must be 1 to 365 days"));
        }
        Ok(EventSettings {
            retention: Duration::from_secs(days * 24 * 3600),
            webhook: webhook(vars)?,
            queue_url: vars.get("WEBHOOK_QUEUE_URL"),
        })
    }
}

/// `WEBHOOK_URL` (http or https) with its `WEBHOOK_SECRET` and timings; none without the URL.
fn webhook(vars: &Vars) -> Result<Option<WebhookSettings>, ConfigError> {
    let Some(url) = vars.get("WEBHOOK_URL") else { return Ok(None) };
    let parsed = reqwest::Url::parse(&url).map_err(|e| invalid("WEBHOOK_URL", e))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid("WEBHOOK_URL", "must be an http or https URL"));
    }
    let secret =
        vars.get("WEBHOOK_SECRET").ok_or(ConfigError::RequiredWith { name: "WEBHOOK_SECRET", with: "WEBHOOK_URL" })?;
    // The value is never part of the message: it is a secret.
    let key = secret.strip_prefix("whsec_").and_then(|key| base64::engine::general_purpose::STANDARD.decode(key).ok());
    if !key.is_some_and(|key| SECRET_BYTES.contains(&key.len())) {
        return Err(invalid("WEBHOOK_SECRET", "must be whsec_ followed by the base64 of 24 to 64 random bytes"));
    }
    let millis = |name, default| vars.parsed(name, default).map(Duration::from_millis);
    let retry = RetryPolicy {
        first: millis("WEBHOOK_FIRST_RETRY_MS", 30_000)?,
        window: millis("WEBHOOK_RETRY_WINDOW_MS", 24 * 3600 * 1000)?,
    };
    if retry.first.is_zero() || retry.first > Duration::from_secs(60) || retry.window < retry.first {
        return Err(invalid("WEBHOOK_FIRST_RETRY_MS", "must be 1 to 60000, and no more than WEBHOOK_RETRY_WINDOW_MS"));
    }
    Ok(Some(WebhookSettings {
        url,
        secret: SecretString::from(secret),
        timeout: millis("WEBHOOK_TIMEOUT_MS", 10_000)?,
        retry,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn events(pairs: &[(&str, &str)]) -> Result<EventSettings, ConfigError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        let lookup = |name: &str| map.get(name).map(|v| (*v).to_owned());
        EventSettings::read(&Vars(&lookup))
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_webhook_needs_its_secret_and_gets_the_contract_timings() {
        assert!(events(&[]).unwrap().webhook.is_none());
        let missing = events(&[("WEBHOOK_URL", "https://n8n.example.com/webhook/x")]).unwrap_err();
        assert_eq!(missing, ConfigError::RequiredWith { name: "WEBHOOK_SECRET", with: "WEBHOOK_URL" });

        let settings = events(&[("WEBHOOK_URL", "https://n8n.example.com/webhook/x"), ("WEBHOOK_SECRET", SECRET)]);
        let webhook = settings.unwrap().webhook.expect("a webhook");
        assert_eq!((webhook.timeout, webhook.retry), (Duration::from_secs(10), RetryPolicy::default()));
        assert_eq!(webhook.secret.expose_secret(), SECRET);
        assert_eq!(events(&[]).unwrap().retention, Duration::from_secs(7 * 24 * 3600));
    }

    #[test]
    fn a_bad_url_secret_or_timing_stops_start_up_naming_it_and_never_showing_the_secret() {
        let url = ("WEBHOOK_URL", "https://n8n.example.com/webhook/x");
        let cases = [
            (vec![("WEBHOOK_URL", "ftp://files.example.com"), ("WEBHOOK_SECRET", SECRET)], "WEBHOOK_URL"),
            (vec![url, ("WEBHOOK_SECRET", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], "WEBHOOK_SECRET"),
            (vec![url, ("WEBHOOK_SECRET", "whsec_c2hvcnQ=")], "WEBHOOK_SECRET"),
            (vec![url, ("WEBHOOK_SECRET", SECRET), ("WEBHOOK_FIRST_RETRY_MS", "90000")], "WEBHOOK_FIRST_RETRY_MS"),
            (vec![("EVENT_RETENTION_DAYS", "0")], "EVENT_RETENTION_DAYS"),
        ];
        for (pairs, named) in cases {
            let err = events(&pairs).unwrap_err().to_string();
            assert!(err.contains(named), "{pairs:?}: {err}");
            assert!(!err.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") && !err.contains("c2hvcnQ"), "{err}");
        }
    }
}
