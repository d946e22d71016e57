#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run(&mcp::FUNCTION).await
}
