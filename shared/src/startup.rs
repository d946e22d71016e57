//! Start-up of a Lambda function: logs, configuration (one line and exit when it is wrong), the
//! secrets, the store, then the router (or a scheduled job) on the Lambda runtime. The store
//! choice is shared with the local server.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::config::{Config, ConfigError};
use crate::events::SqsQueue;
use crate::function::{Entry, Function};
use crate::http::{run_on_lambda, stack};
use crate::state::AppState;
use crate::store::{DynamoStore, MemoryStore, Store};
use crate::telemetry::{self, LogFormat};

/// Runs `function` on Lambda: its router behind the shared stack, its scheduled job once per
/// event (an EventBridge event carries nothing a job needs; a job's error is the invocation's, so
/// a failure shows in the metrics), or its queue consumer once per batch. Its store is limited to
/// the verbs it declares.
pub async fn run(function: &'static Function) -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::Json);
    let state = prepare(function).await.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let state = function.state(&state);
    match &function.entry {
        Entry::Http(http) => run_on_lambda(stack((http.router)(state.clone()), &state.config)).await,
        Entry::Scheduled(job) => {
            let state = &state;
            let handler = move |_: lambda_runtime::LambdaEvent<serde_json::Value>| (job.run)(state.clone());
            lambda_runtime::run(lambda_runtime::service_fn(handler)).await
        }
        Entry::Queue(consume) => {
            let state = &state;
            let handler =
                move |batch: lambda_runtime::LambdaEvent<serde_json::Value>| consume(state.clone(), batch.payload);
            lambda_runtime::run(lambda_runtime::service_fn(handler)).await
        }
    }
}

async fn prepare(function: &Function) -> Result<AppState, ConfigError> {
    let config = load_config().await?;
    config.require(function)?;
    let store = open_store(&config, TableSetup::Existing).await?;
    let mut state = AppState::new(config, store)?;
    // Deployed, events wait in SQS for the delivery function instead of this short-lived process.
    if let (Some(url), Some(_)) = (&state.config.events.queue_url, &state.config.events.webhook) {
        state.queue = Some(Arc::new(SqsQueue::connect(url.clone()).await));
    }
    Ok(state)
}

/// Whether start-up may create the store's table (local runs); deployed, the template owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSetup {
    /// Use the table as it is.
    Existing,
    /// Create the table with its TTL first unless it exists.
    CreateIfMissing,
}

/// The store every host runs on: the DynamoDB table `TABLE_NAME` names, else memory (which only
/// one process shares). A table that cannot be created stops start-up, naming `TABLE_NAME`.
pub async fn open_store(config: &Config, setup: TableSetup) -> Result<Arc<dyn Store>, ConfigError> {
    let Some(table) = &config.table_name else { return Ok(Arc::new(MemoryStore::new())) };
    let store = DynamoStore::connect(table.clone(), config.dynamodb_endpoint.as_deref()).await;
    if setup == TableSetup::CreateIfMissing {
        store.create_table().await.map_err(|e| ConfigError::Invalid { name: "TABLE_NAME", reason: e.to_string() })?;
    }
    Ok(Arc::new(store))
}

/// The environment, plus the secrets (`WISPHUB_API_KEY`, `JWT_SECRET`, `API_USERS`…) held as one
/// JSON object in the Secrets Manager secret named by `SECRETS_ARN`, read once per cold start, so
/// they never appear in the template or the function's configuration.
async fn load_config() -> Result<Config, ConfigError> {
    let secrets = match std::env::var("SECRETS_ARN") {
        Ok(arn) if !arn.is_empty() => read_secret(&arn).await?,
        _ => HashMap::new(),
    };
    Config::from_lookup(|name| std::env::var(name).ok().or_else(|| secrets.get(name).cloned()))
}

async fn read_secret(arn: &str) -> Result<HashMap<String, String>, ConfigError> {
    let unreadable = |reason: String| ConfigError::Invalid { name: "SECRETS_ARN", reason };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let output = aws_sdk_secretsmanager::Client::new(&aws)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| unreadable(format!("cannot read the secret ({})", e.code().unwrap_or("no error code"))))?;
    let text = output.secret_string().ok_or_else(|| unreadable("the secret holds no text".into()))?;
    let values: HashMap<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|_| unreadable("the secret is not a JSON object".into()))?;
    Ok(values
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(s) => (name, s),
            other => (name, other.to_string()),
        })
        .collect())
}
