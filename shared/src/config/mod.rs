//! Typed configuration, read once from the environment (SAM sets it; `wisphub-local` adds `.env`).

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::Deserialize;

use crate::users::{ApiUser, Scope};

mod vars;

use vars::{Vars, invalid, split};

/// The default CORS origins of API.md §8: local front-ends and the chatbot on both loopback names.
pub const DEFAULT_CORS_ORIGINS: &[&str] = &[
    "http://localhost",
    "http://localhost:3000",
    "http://localhost:8080",
    "http://localhost:8081",
    "http://localhost:8082",
    "http://127.0.0.1",
    "http://127.0.0.1:3000",
    "http://127.0.0.1:8080",
    "http://127.0.0.1:8081",
    "http://127.0.0.1:8082",
];

/// A setting that stops start-up: missing when required, or present but malformed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// A required variable is unset.
    #[error("configuration error: {0} is required but not set")]
    Missing(&'static str),
    /// `name` must be set because `with` is.
    #[error("configuration error: {name} is required when {with} is set")]
    RequiredWith { name: &'static str, with: &'static str },
    /// `name` is set but cannot be used, for `reason`.
    #[error("configuration error: {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Every setting of API.md §9, parsed. Secrets are `SecretString`, so `Debug` never shows them.
/// Each field is the variable of its name in capitals, a duration's with its unit (`_MS`, `_MINUTES`).
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub wisphub_api_url: String,
    pub wisphub_api_key: Option<SecretString>,
    pub wisphub_timeout: Duration,
    /// How long an idempotent GET waits before one duplicate is sent; zero turns hedging off.
    pub wisphub_hedge: Duration,
    pub wisphub_concurrency: usize,
    pub wisphub_page_size: usize,
    pub request_budget: Duration,
    /// How often the client directory snapshot is rebuilt (the schedule; locally, the loop, which
    /// `0` turns off so a local process reads only what another one publishes).
    pub directory_refresh: Duration,
    /// Least time between two WispHub looks at one ping task (and from its start to the first).
    pub ping_check_interval: Duration,
    pub jwt_secret: SecretString,
    pub jwt_ttl_minutes: i64,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub api_users: Vec<ApiUser>,
    pub login_max_failures: u64,
    pub login_window: Duration,
    pub max_active_tickets_per_zone: u32,
    pub active_ticket_states: Vec<u8>,
    pub default_technician_id: Option<i64>,
    pub ticket_timezone: Tz,
    pub ticket_resolution_business_days: u32,
    pub ticket_holidays: Vec<NaiveDate>,
    pub ticket_priorities: Option<HashMap<String, u8>>,
    /// Whether a high or very high priority ticket is refused while the client's router or sector
    /// has a general fault (everyone behind it is affected; one ticket per customer helps nobody).
    pub outage_blocks_tickets: bool,
    /// How long a verification proof (API.md §10) stays valid.
    pub verification_ttl: Duration,
    /// How far back pending invoices are looked for.
    pub billing_lookback_months: u32,
    /// Where customers pay online, told with balances and payment methods.
    pub payment_portal_url: Option<String>,
    /// Payment promises: latest date (days from today), how many per window, the window, and
    /// whether WispHub reconnects a suspended service until the date.
    pub payment_promise_max_days: u32,
    pub payment_promise_limit: u32,
    pub payment_promise_window_days: u32,
    pub payment_promise_reactivate: bool,
    pub default_country_code: String,
    pub cors_origins: Vec<String>,
    pub table_name: Option<String>,
    pub dynamodb_endpoint: Option<String>,
    pub docs_asset_url: String,
}

/// A value the current program cannot start without, beyond what every program needs.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// `API_USERS` or the `API_USERNAME` + `API_PASSWORD_HASH` pair (the token route).
    ApiUsers,
    /// `WISPHUB_API_KEY` (every function that calls WispHub).
    WispHubKey,
    /// `TABLE_NAME` (every function that keeps state across instances).
    Table,
}

#[derive(Deserialize)]
struct ApiUserEntry {
    username: String,
    password_hash: String,
    scopes: Vec<String>,
}

impl Config {
    /// Reads settings through `lookup`, so tests and `wisphub-local` can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let vars = Vars(&get);
        let jwt_secret = vars.required("JWT_SECRET")?;
        if jwt_secret.len() < 32 {
            return Err(invalid("JWT_SECRET", "must be at least 32 characters"));
        }
        Ok(Config {
            host: vars.or("HOST", "127.0.0.1"),
            port: vars.parsed("PORT", 8000)?,
            wisphub_api_url: vars.or("WISPHUB_API_URL", "https://api.wisphub.net").trim_end_matches('/').to_owned(),
            wisphub_api_key: get("WISPHUB_API_KEY").map(SecretString::from),
            wisphub_timeout: Duration::from_millis(vars.parsed("WISPHUB_TIMEOUT_MS", 4000)?),
            wisphub_hedge: Duration::from_millis(vars.parsed("WISPHUB_HEDGE_MS", 1200)?),
            wisphub_concurrency: vars.parsed::<usize>("WISPHUB_CONCURRENCY", 4)?.max(1),
            wisphub_page_size: vars.parsed::<usize>("WISPHUB_PAGE_SIZE", 1000)?.max(1),
            request_budget: Duration::from_millis(vars.parsed("REQUEST_BUDGET_MS", 10_000)?),
            directory_refresh: Duration::from_secs(60 * vars.parsed::<u64>("DIRECTORY_REFRESH_MINUTES", 5)?),
            ping_check_interval: Duration::from_millis(vars.parsed("PING_CHECK_INTERVAL_MS", 2000)?),
            jwt_secret: SecretString::from(jwt_secret),
            jwt_ttl_minutes: vars.parsed("JWT_TTL_MINUTES", 60)?,
            jwt_issuer: vars.or("JWT_ISSUER", "wisphub-api"),
            jwt_audience: vars.or("JWT_AUDIENCE", "wisphub-api"),
            api_users: api_users(&vars)?,
            login_max_failures: vars.parsed("LOGIN_MAX_FAILURES", 5)?,
            login_window: Duration::from_secs(60 * vars.parsed::<u64>("LOGIN_WINDOW_MINUTES", 15)?),
            max_active_tickets_per_zone: vars.parsed("MAX_ACTIVE_TICKETS_PER_ZONE", 3)?,
            active_ticket_states: vars.list("ACTIVE_TICKET_STATES", "1,2")?,
            default_technician_id: vars.optional("DEFAULT_TECHNICIAN_ID")?,
            ticket_timezone: vars.parsed("TICKET_TIMEZONE", Tz::America__Bogota)?,
            ticket_resolution_business_days: vars.parsed("TICKET_RESOLUTION_BUSINESS_DAYS", 3)?,
            ticket_holidays: vars.list("TICKET_HOLIDAYS", "")?,
            ticket_priorities: ticket_priorities(&vars)?,
            outage_blocks_tickets: vars.parsed("OUTAGE_BLOCKS_TICKETS", true)?,
            verification_ttl: Duration::from_secs(60 * vars.parsed::<u64>("VERIFICATION_TTL_MINUTES", 15)?.max(1)),
            billing_lookback_months: vars.parsed::<u32>("BILLING_LOOKBACK_MONTHS", 12)?.clamp(1, 60),
            payment_portal_url: get("PAYMENT_PORTAL_URL"),
            payment_promise_max_days: vars.parsed::<u32>("PAYMENT_PROMISE_MAX_DAYS", 5)?.max(1),
            payment_promise_limit: vars.parsed::<u32>("PAYMENT_PROMISE_LIMIT", 2)?.max(1),
            payment_promise_window_days: vars.parsed::<u32>("PAYMENT_PROMISE_WINDOW_DAYS", 90)?.max(1),
            payment_promise_reactivate: vars.parsed("PAYMENT_PROMISE_REACTIVATE", true)?,
            default_country_code: country_code(&vars)?,
            cors_origins: match get("CORS_ORIGINS") {
                Some(list) => split(&list).map(str::to_owned).collect(),
                None => DEFAULT_CORS_ORIGINS.iter().map(|o| (*o).to_owned()).collect(),
            },
            table_name: get("TABLE_NAME"),
            dynamodb_endpoint: get("DYNAMODB_ENDPOINT"),
            docs_asset_url: vars.or("DOCS_ASSET_URL", "https://cdn.jsdelivr.net/npm").trim_end_matches('/').to_owned(),
        })
    }

    /// Fails with the first setting `needs` lists that this configuration lacks.
    pub fn require(&self, needs: &[Need]) -> Result<(), ConfigError> {
        for need in needs {
            match need {
                Need::ApiUsers if self.api_users.is_empty() => return Err(ConfigError::Missing("API_USERS")),
                Need::WispHubKey if self.wisphub_api_key.is_none() => {
                    return Err(ConfigError::Missing("WISPHUB_API_KEY"));
                }
                Need::Table if self.table_name.is_none() => return Err(ConfigError::Missing("TABLE_NAME")),
                _ => {}
            }
        }
        Ok(())
    }
}

fn country_code(vars: &Vars) -> Result<String, ConfigError> {
    let code = vars.or("DEFAULT_COUNTRY_CODE", "57");
    let digits = code.trim_start_matches('+');
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("DEFAULT_COUNTRY_CODE", "must be 1 to 3 digits"));
    }
    Ok(digits.to_owned())
}

/// `TICKET_PRIORITIES`: JSON `{"subject": 1..4}`; a code outside 1..4 is a typo, not a priority.
fn ticket_priorities(vars: &Vars) -> Result<Option<HashMap<String, u8>>, ConfigError> {
    let map: Option<HashMap<String, u8>> = vars.json("TICKET_PRIORITIES")?;
    if let Some((subject, code)) = map.iter().flatten().find(|(_, code)| !(1..=4).contains(*code)) {
        return Err(invalid("TICKET_PRIORITIES", format!("{subject:?} has priority {code}; use 1 to 4")));
    }
    Ok(map)
}

/// `API_USERS` (JSON list) and the v1 pair `API_USERNAME` + `API_PASSWORD_HASH` (every scope).
fn api_users(vars: &Vars) -> Result<Vec<ApiUser>, ConfigError> {
    let mut users = Vec::new();
    for entry in vars.json::<Vec<ApiUserEntry>>("API_USERS")?.unwrap_or_default() {
        let scopes = entry
            .scopes
            .iter()
            .map(|s| s.parse::<Scope>().map_err(|_| invalid("API_USERS", format!("unknown scope {s:?}"))))
            .collect::<Result<_, _>>()?;
        users.push(ApiUser::new(entry.username, entry.password_hash, scopes).map_err(|e| invalid("API_USERS", e))?);
    }
    match (vars.get("API_USERNAME"), vars.get("API_PASSWORD_HASH")) {
        (Some(username), Some(hash)) => {
            users.push(ApiUser::new(username, hash, Scope::ALL.to_vec()).map_err(|e| invalid("API_PASSWORD_HASH", e))?)
        }
        (Some(_), None) => return Err(ConfigError::Missing("API_PASSWORD_HASH")),
        (None, Some(_)) => return Err(ConfigError::Missing("API_USERNAME")),
        (None, None) => {}
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const SECRET: (&str, &str) = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");

    #[test]
    fn missing_jwt_secret_names_the_variable() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err.to_string(), "configuration error: JWT_SECRET is required but not set");
    }

    #[test]
    fn malformed_number_names_the_variable() {
        let err = config(&[SECRET, ("PORT", "eighty")]).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: PORT is invalid"), "{err}");
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[SECRET]).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 8000));
        assert_eq!(c.active_ticket_states, vec![1, 2]);
        assert_eq!(c.ticket_timezone, Tz::America__Bogota);
        assert_eq!(c.request_budget, Duration::from_secs(10));
        assert_eq!(c.ping_check_interval, Duration::from_secs(2));
        assert_eq!(c.cors_origins.len(), DEFAULT_CORS_ORIGINS.len());
        assert_eq!(c.default_country_code, "57");
    }

    #[test]
    fn configured_cors_origins_replace_the_default_list() {
        let c = config(&[SECRET, ("CORS_ORIGINS", "https://bot.example.com, https://crm.example.com")]).unwrap();
        assert_eq!(c.cors_origins, vec!["https://bot.example.com", "https://crm.example.com"]);
    }

    #[test]
    fn v1_user_pair_gets_every_scope_and_half_a_pair_is_refused() {
        let hash = "$2b$04$abcdefghijklmnopqrstuu5Ph6jV0KM/eMFY0ZF6Hbq4Yk5vmNVGy";
        let c = config(&[SECRET, ("API_USERNAME", "admin"), ("API_PASSWORD_HASH", hash)]).unwrap();
        assert_eq!(c.api_users[0].scopes(), Scope::ALL);
        let err = config(&[SECRET, ("API_USERNAME", "admin")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("API_PASSWORD_HASH"));
    }

    #[test]
    fn unknown_scope_in_api_users_is_refused() {
        let users = r#"[{"username":"bot","password_hash":"$2b$04$abcdefghijklmnopqrstuu5Ph6jV0KM/eMFY0ZF6Hbq4Yk5vmNVGy","scopes":["clients:everything"]}]"#;
        let err = config(&[SECRET, ("API_USERS", users)]).unwrap_err();
        assert!(err.to_string().contains("API_USERS"), "{err}");
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = config(&[SECRET, ("WISPHUB_API_KEY", "abcdefgh.0123456789abcdef0123456789abcdef")]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("0123456789abcdef0123456789abcdef"));
    }
}
