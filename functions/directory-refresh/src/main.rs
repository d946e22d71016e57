#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::startup::run(&directory_refresh::FUNCTION).await
}
