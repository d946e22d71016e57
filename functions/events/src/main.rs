#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run(&events::FUNCTION).await
}
