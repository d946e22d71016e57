//! Start-up of the local server: `.env` and environment, development defaults (a demo user, a
//! per-run JWT secret, the in-process WispHub sandbox), the store, the directory refresher's
//! schedule, and the start-up banner.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::ServiceExt;
use axum::extract::Request;
use shared::AppState;
use shared::config::{Config, ConfigError};
use shared::function::{Entry, Job};
use shared::startup::{TableSetup, open_store};

const DEMO_USER: &str = "admin";
const DEMO_PASSWORD: &str = "wisphub-demo";

pub struct Server {
    state: AppState,
    notes: Vec<String>,
    /// The form the token route takes, with the demo user's credentials when that user is in use.
    login: String,
    // Kept alive for the life of the server.
    _sandbox: Option<wisphub_sandbox::Sandbox>,
}

impl Server {
    pub async fn prepare() -> Result<Self, ConfigError> {
        let dotenv: HashMap<String, String> =
            dotenvy::dotenv_iter().map(|vars| vars.filter_map(Result::ok).collect()).unwrap_or_default();
        let mut settings: HashMap<String, String> = dotenv;
        settings.extend(std::env::vars());
        let mut notes = Vec::new();
        let mut login = "username=<user>&password=<password>".to_owned();

        if let Some(secret) = run_jwt_secret(&settings)? {
            settings.insert("JWT_SECRET".into(), secret);
            notes
                .push("JWT_SECRET not set: the sandbox run uses a random secret (tokens end with the process).".into());
        }
        if !settings.contains_key("API_USERS") && !settings.contains_key("API_USERNAME") {
            let hash = bcrypt::hash(DEMO_PASSWORD, 10).expect("bcrypt hashing a constant");
            settings.insert("API_USERNAME".into(), DEMO_USER.into());
            settings.insert("API_PASSWORD_HASH".into(), hash);
            login = format!("username={DEMO_USER}&password={DEMO_PASSWORD}");
            notes
                .push(format!("No API users configured: demo user '{DEMO_USER}' / '{DEMO_PASSWORD}' has every scope."));
        }
        let sandbox = if is_set(&settings, "WISPHUB_API_KEY") {
            notes
                .push(format!("WispHub: {}", settings.get("WISPHUB_API_URL").map_or("https://api.wisphub.net", |u| u)));
            None
        } else {
            let sandbox = wisphub_sandbox::spawn(wisphub_sandbox::SandboxConfig::default()).await;
            settings.insert("WISPHUB_API_URL".into(), sandbox.url());
            settings.insert("WISPHUB_API_KEY".into(), sandbox.api_key().to_owned());
            if !is_set(&settings, "DEFAULT_TECHNICIAN_ID") {
                let technician = wisphub_sandbox::DEMO_TECHNICIAN_ID.to_string();
                notes.push(format!(
                    "DEFAULT_TECHNICIAN_ID not set: tickets go to the sandbox's technician {technician}."
                ));
                settings.insert("DEFAULT_TECHNICIAN_ID".into(), technician);
            }
            notes.push(format!(
                "WISPHUB_API_KEY not set: using the built-in WispHub sandbox with demo data at {}.",
                sandbox.url()
            ));
            Some(sandbox)
        };

        let config = Config::from_lookup(|name| settings.get(name).cloned())?;
        let create = settings.get("CREATE_TABLE").is_some_and(|v| v == "true" || v == "1");
        let store =
            open_store(&config, if create { TableSetup::CreateIfMissing } else { TableSetup::Existing }).await?;
        notes.push(match &config.table_name {
            Some(table) => format!("Store: DynamoDB table '{table}'."),
            None => "Store: in memory (set TABLE_NAME to use DynamoDB).".into(),
        });
        notes.push(match config.directory_refresh.as_secs_f64() {
            0.0 => "Client directory: no refresher here (DIRECTORY_REFRESH_MINUTES=0); reading what another publishes."
                .into(),
            secs => format!("Client directory: refreshed now and every {secs} s (DIRECTORY_REFRESH_MINUTES)."),
        });
        if config.events.webhook.is_some() {
            // Not the URL itself: a webhook path often works as the receiver's password.
            notes.push("Events: each one posted, signed, to WEBHOOK_URL (in-process queue).".into());
        }
        Ok(Server { state: AppState::new(config, store)?, notes, login, _sandbox: sandbox })
    }

    pub async fn run(self) {
        let config = self.state.config.clone();
        let address = format!("{}:{}", config.host, config.port);
        let listener = tokio::net::TcpListener::bind(&address).await.unwrap_or_else(|e| {
            eprintln!("cannot listen on {address}: {e} (set HOST/PORT)");
            std::process::exit(1)
        });
        let url = format!("http://{address}");
        println!("WispHub API (local) listening on {url}");
        println!("  docs:   {url}/docs   (ReDoc: {url}/redoc, OpenAPI: {url}/openapi.json)");
        println!("  health: curl {url}/health");
        println!("  token:  curl -s -X POST {url}/api/v1/auth/token -d '{}'", self.login);
        println!(
            "  then:   curl -s {url}/api/v1/clients/by-phone/3001234567 -H 'Authorization: Bearer <access_token>'"
        );
        for note in &self.notes {
            println!("  - {note}");
        }
        spawn_scheduled_functions(&self.state);
        let app = wisphub_local::app(self.state);
        let service = ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app);
        if let Err(e) = axum::serve(listener, service).with_graceful_shutdown(shutdown()).await {
            eprintln!("server error: {e}");
        }
    }
}

/// The deployed schedule, in-process: each scheduled function of the registry (the directory
/// refresh) runs now, so the first search finds a snapshot, and every `DIRECTORY_REFRESH_MINUTES`
/// (`0`: never, like a Lambda instance reading what the refresher publishes); each logs its outcome.
fn spawn_scheduled_functions(state: &AppState) {
    let every = state.config.directory_refresh;
    if every.is_zero() {
        return;
    }
    for function in registry::FUNCTIONS {
        let Entry::Scheduled(Job { run, .. }) = function.entry else { continue };
        let state = function.state(state);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                // Failures are logged by the job and retried at the next tick.
                let _ = run(state.clone()).await;
            }
        });
    }
}

fn is_set(settings: &HashMap<String, String>, name: &str) -> bool {
    settings.get(name).is_some_and(|value| !value.trim().is_empty())
}

/// A secret made up for this run, only for the zero-configuration sandbox run: with a real tenant
/// tokens must outlive a restart and match on every instance, so the secret must be configured.
fn run_jwt_secret(settings: &HashMap<String, String>) -> Result<Option<String>, ConfigError> {
    match (is_set(settings, "JWT_SECRET"), is_set(settings, "WISPHUB_API_KEY")) {
        (true, _) => Ok(None),
        (false, true) => Err(ConfigError::RequiredWith { name: "JWT_SECRET", with: "WISPHUB_API_KEY" }),
        (false, false) => Ok(Some(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()))),
    }
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn only_the_sandbox_run_makes_up_a_jwt_secret() {
        let made = run_jwt_secret(&settings(&[])).unwrap().expect("sandbox run gets a secret");
        assert!(made.len() >= 32);
        assert_eq!(run_jwt_secret(&settings(&[("WISPHUB_API_KEY", "  ")])).unwrap().map(|s| s.len()), Some(64));
        let real_tenant = run_jwt_secret(&settings(&[("WISPHUB_API_KEY", "abcdefgh.key")])).unwrap_err();
        assert_eq!(real_tenant.to_string(), "configuration error: JWT_SECRET is required when WISPHUB_API_KEY is set");
        let given = settings(&[("WISPHUB_API_KEY", "abcdefgh.key"), ("JWT_SECRET", "configured")]);
        assert_eq!(run_jwt_secret(&given), Ok(None));
    }
}
