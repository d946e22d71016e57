//! Typed configuration, read once from the environment (SAM sets it; `wisphub-local` adds `.env`).

use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;
use serde::Deserialize;

use crate::api_keys::ApiKey;
use crate::function::{Function, Secret};
use crate::users::{ApiUser, Scope};

mod groups;
mod vars;

pub use groups::{BillingSettings, EventSettings, TicketSettings};
use vars::{Vars, invalid, split};

/// The default CORS origins of docs/api.md §8: local front-ends and the chatbot on both loopback names.
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
    /// A part the process needs could not be built (`what`), for `reason`.
    #[error("start-up error: cannot build {what}: {reason}")]
    Unbuildable { what: &'static str, reason: String },
}

/// Every setting of docs/api.md §9, parsed. Secrets are `SecretString`, so `Debug` never shows them.
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
    /// `0` turns off so a local process reads only what another one publishes, and a fraction
    /// quickens for checks: `0.05` is 3 s).
    pub directory_refresh: Duration,
    /// Least time between two WispHub looks at one ping task (and from its start to the first).
    pub ping_check_interval: Duration,
    pub jwt_secret: SecretString,
    pub jwt_ttl_minutes: i64,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub api_users: Vec<ApiUser>,
    /// `API_KEYS`: digests of the keys bots send in `X-API-Key` (docs/api.md §13).
    pub api_keys: Vec<ApiKey>,
    pub login_max_failures: u64,
    pub login_window: Duration,
    /// The tenant's time zone: ticket dates, promise and payment dates, "today" (`TENANT_TIMEZONE`,
    /// or its first name `TICKET_TIMEZONE`).
    pub tenant_timezone: Tz,
    /// The tickets function's settings.
    pub tickets: TicketSettings,
    /// How long a verification proof (docs/api.md §10) stays valid.
    pub verification_ttl: Duration,
    /// The billing function's settings.
    pub billing: BillingSettings,
    /// Events: the feed's retention (and, with a webhook, its delivery).
    pub events: EventSettings,
    pub default_country_code: String,
    pub cors_origins: Vec<String>,
    pub table_name: Option<String>,
    pub dynamodb_endpoint: Option<String>,
    pub docs_asset_url: String,
    /// `Host` names the MCP door answers (a guard against DNS rebinding of a local server); behind
    /// API Gateway the API's own domain is added per request.
    pub mcp_allowed_hosts: Vec<String>,
}

#[derive(Deserialize)]
struct ApiKeyEntry {
    name: String,
    sha256: String,
    scopes: Vec<String>,
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
        let users = api_users(&vars)?;
        let keys = api_keys(&vars, &users)?;
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
            directory_refresh: vars.minutes("DIRECTORY_REFRESH_MINUTES", 5.0)?,
            ping_check_interval: Duration::from_millis(vars.parsed("PING_CHECK_INTERVAL_MS", 2000)?),
            jwt_secret: SecretString::from(jwt_secret),
            jwt_ttl_minutes: vars.parsed("JWT_TTL_MINUTES", 60)?,
            jwt_issuer: vars.or("JWT_ISSUER", "wisphub-api"),
            jwt_audience: vars.or("JWT_AUDIENCE", "wisphub-api"),
            api_users: users,
            api_keys: keys,
            login_max_failures: vars.parsed("LOGIN_MAX_FAILURES", 5)?,
            login_window: Duration::from_secs(60 * vars.parsed::<u64>("LOGIN_WINDOW_MINUTES", 15)?),
            tenant_timezone: tenant_timezone(&vars)?,
            tickets: TicketSettings::read(&vars)?,
            verification_ttl: Duration::from_secs(60 * vars.parsed::<u64>("VERIFICATION_TTL_MINUTES", 15)?.max(1)),
            billing: BillingSettings::read(&vars)?,
            events: EventSettings::read(&vars)?,
            default_country_code: country_code(&vars)?,
            cors_origins: match get("CORS_ORIGINS") {
                Some(list) => split(&list).map(str::to_owned).collect(),
                None => DEFAULT_CORS_ORIGINS.iter().map(|o| (*o).to_owned()).collect(),
            },
            table_name: get("TABLE_NAME"),
            dynamodb_endpoint: get("DYNAMODB_ENDPOINT"),
            docs_asset_url: vars.or("DOCS_ASSET_URL", "https://cdn.jsdelivr.net/npm").trim_end_matches('/').to_owned(),
            mcp_allowed_hosts: split(&vars.or("MCP_ALLOWED_HOSTS", "localhost,127.0.0.1,::1"))
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Fails with the first setting `function` cannot start without (its secrets, its table).
    pub fn require(&self, function: &Function) -> Result<(), ConfigError> {
        for secret in function.secrets {
            match secret {
                Secret::ApiUsers if self.api_users.is_empty() => return Err(ConfigError::Missing("API_USERS")),
                Secret::WispHubKey if self.wisphub_api_key.is_none() => {
                    return Err(ConfigError::Missing("WISPHUB_API_KEY"));
                }
                // WEBHOOK_SECRET is required with WEBHOOK_URL (`from_lookup`).
                Secret::WebhookSecret if self.events.webhook.is_none() => {
                    return Err(ConfigError::Missing("WEBHOOK_URL"));
                }
                // JWT_SECRET is required of every program (`from_lookup`).
                _ => {}
            }
        }
        if !function.table.is_empty() && self.table_name.is_none() {
            return Err(ConfigError::Missing("TABLE_NAME"));
        }
        Ok(())
    }
}

/// `TENANT_TIMEZONE`, else the earlier name `TICKET_TIMEZONE` (billing uses the same zone).
fn tenant_timezone(vars: &Vars) -> Result<Tz, ConfigError> {
    match vars.optional("TENANT_TIMEZONE")? {
        Some(zone) => Ok(zone),
        None => vars.parsed("TICKET_TIMEZONE", Tz::America__Bogota),
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

/// `API_KEYS` (JSON list of `{name, sha256, scopes}`); a name that is also a username would make two
/// callers one API user (one proof, one lockout), so it stops start-up.
fn api_keys(vars: &Vars, users: &[ApiUser]) -> Result<Vec<ApiKey>, ConfigError> {
    let mut keys: Vec<ApiKey> = Vec::new();
    for entry in vars.json::<Vec<ApiKeyEntry>>("API_KEYS")?.unwrap_or_default() {
        let taken = users.iter().any(|u| u.username() == entry.name) || keys.iter().any(|k| k.name() == entry.name);
        if taken {
            return Err(invalid("API_KEYS", format!("the name {:?} is already an API user", entry.name)));
        }
        let scopes = scopes("API_KEYS", &entry.scopes)?;
        keys.push(ApiKey::new(entry.name, &entry.sha256, scopes).map_err(|e| invalid("API_KEYS", e))?);
    }
    Ok(keys)
}

/// Scope names as configured in `variable`, each known.
fn scopes(variable: &'static str, names: &[String]) -> Result<Vec<Scope>, ConfigError> {
    names.iter().map(|s| s.parse::<Scope>().map_err(|_| invalid(variable, format!("unknown scope {s:?}")))).collect()
}

/// `API_USERS` (JSON list) and the v1 pair `API_USERNAME` + `API_PASSWORD_HASH` (every scope).
fn api_users(vars: &Vars) -> Result<Vec<ApiUser>, ConfigError> {
    let mut users = Vec::new();
    for entry in vars.json::<Vec<ApiUserEntry>>("API_USERS")?.unwrap_or_default() {
        let scopes = scopes("API_USERS", &entry.scopes)?;
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
    use std::collections::HashMap;

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
        assert_eq!(c.tickets.active_states, vec![1, 2]);
        assert_eq!(c.tenant_timezone, Tz::America__Bogota);
        assert_eq!(c.request_budget, Duration::from_secs(10));
        assert_eq!(c.ping_check_interval, Duration::from_secs(2));
        assert_eq!(c.cors_origins.len(), DEFAULT_CORS_ORIGINS.len());
        assert_eq!(c.default_country_code, "57");
    }

    #[test]
    fn the_tenant_time_zone_keeps_its_first_name() {
        let earlier = config(&[SECRET, ("TICKET_TIMEZONE", "America/Lima")]).unwrap();
        let named = config(&[SECRET, ("TENANT_TIMEZONE", "America/Mexico_City"), ("TICKET_TIMEZONE", "America/Lima")]);
        assert_eq!(earlier.tenant_timezone, Tz::America__Lima);
        assert_eq!(named.unwrap().tenant_timezone, Tz::America__Mexico_City);
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
    fn api_keys_are_digests_with_scopes_and_a_bad_entry_stops_start_up_naming_api_keys() {
        let digest = "a".repeat(64);
        let keys = format!(r#"[{{"name":"n8n","sha256":"{digest}","scopes":["plans:read"]}}]"#);
        let c = config(&[SECRET, ("API_KEYS", &keys)]).unwrap();
        assert_eq!((c.api_keys[0].name(), c.api_keys[0].scopes()), ("n8n", &[Scope::PlansRead][..]));

        let hash = "$2b$04$abcdefghijklmnopqrstuu5Ph6jV0KM/eMFY0ZF6Hbq4Yk5vmNVGy";
        let clash = [SECRET, ("API_USERNAME", "n8n"), ("API_PASSWORD_HASH", hash), ("API_KEYS", &keys)];
        let short = format!(r#"[{{"name":"k","sha256":"{}","scopes":[]}}]"#, "a".repeat(40));
        for (case, pairs) in [
            ("not JSON", vec![SECRET, ("API_KEYS", "n8n:abc")]),
            ("short digest", vec![SECRET, ("API_KEYS", short.as_str())]),
            ("name clash", clash.to_vec()),
        ] {
            let err = config(&pairs).unwrap_err().to_string();
            assert!(err.contains("API_KEYS"), "{case}: {err}");
        }
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = config(&[SECRET, ("WISPHUB_API_KEY", "abcdefgh.0123456789abcdef0123456789abcdef")]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("0123456789abcdef0123456789abcdef"));
    }
}
