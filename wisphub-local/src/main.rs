mod setup;

#[tokio::main]
async fn main() {
    shared::telemetry::init(shared::telemetry::LogFormat::Readable);
    let server = setup::Server::prepare().await.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    server.run().await;
}
