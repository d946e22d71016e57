#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::startup::run(&internet_plans::FUNCTION).await
}
