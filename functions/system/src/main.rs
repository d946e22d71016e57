#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run(&system::FUNCTION).await
}
