use shared::config::Need;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run_function(&[Need::WispHubKey, Need::Table], billing::router).await
}
