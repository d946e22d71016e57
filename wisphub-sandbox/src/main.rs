//! Standalone WispHub sandbox: `wisphub-sandbox --help` lists the switches.

use clap::Parser;
use tokio::net::TcpListener;
use wisphub_sandbox::{SandboxState, cli::Cli, router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let listener = TcpListener::bind((cli.host.as_str(), cli.port)).await?;
    let state = SandboxState::new(cli.config());
    println!("WispHub sandbox listening on http://{}/api/", listener.local_addr()?);
    println!("Authorization: Api-Key {}", state.api_key());
    axum::serve(listener, router(state)).await
}
