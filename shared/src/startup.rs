//! Start-up of a Lambda function: logs, configuration (one line and exit when it is wrong),
//! the store, then the router on the Lambda runtime.

use std::sync::Arc;

use axum::Router;

use crate::config::{Config, Need};
use crate::http::{run_on_lambda, stack};
use crate::state::AppState;
use crate::store::{DynamoStore, MemoryStore, Store};
use crate::telemetry::{self, LogFormat};

/// Runs one function's router on Lambda; `needs` are the settings this function cannot start without.
pub async fn run_function(needs: &[Need], router: fn(AppState) -> Router) -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    let config = Config::from_env().and_then(|config| config.require(needs).map(|()| config)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let store: Arc<dyn Store> = match &config.table_name {
        Some(table) => Arc::new(DynamoStore::connect(table.clone(), config.dynamodb_endpoint.as_deref()).await),
        None => Arc::new(MemoryStore::new()),
    };
    let state = AppState::new(config, store);
    let app = stack(router(state.clone()), &state.config);
    run_on_lambda(app).await
}
