#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run(&clients::FUNCTION).await
}
