#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::startup::run(&webhook_delivery::FUNCTION).await
}
