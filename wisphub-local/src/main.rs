mod setup;

use clap::{Args, Parser, Subcommand};
use shared::Scope;

/// Every WispHub API function in one local process (the sandbox unless WISPHUB_API_KEY is set).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the registry of functions as JSON (what the Lambda smoke test walks).
    Functions,
    /// API keys for bots that send one fixed `X-API-Key` header.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Mint a key: prints it once, and the `API_KEYS` entry to add (nothing is stored).
    New(NewKey),
}

#[derive(Args)]
struct NewKey {
    /// The API user the key acts as (proofs, lockouts, logs); not also a username of API_USERS.
    #[arg(long)]
    name: String,
    /// Comma-separated scopes, e.g. clients:read,tickets:write,billing:read.
    #[arg(long, value_delimiter = ',', value_parser = parse_scope, required = true)]
    scopes: Vec<Scope>,
}

fn parse_scope(name: &str) -> Result<Scope, String> {
    name.trim().parse().map_err(|()| {
        let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown scope {name:?}; known: {}", known.join(", "))
    })
}

#[tokio::main]
async fn main() {
    match Cli::parse().command {
        Some(Command::Functions) => println!("{:#}", registry::manifest(&mcp::deployed())),
        Some(Command::Keys { command: KeysCommand::New(new) }) => {
            let (key, sha256) = shared::api_keys::mint();
            let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
            let entry = serde_json::json!({"name": new.name, "sha256": sha256, "scopes": scopes});
            println!("X-API-Key for {:?} (shown once; keep it in the bot's credentials):\n  {key}", new.name);
            println!("Add this entry to the API_KEYS list (JSON) of the deployed secret or .env:\n  {entry}");
        }
        None => serve().await,
    }
}

async fn serve() {
    shared::telemetry::init(shared::telemetry::LogFormat::Readable);
    let server = setup::Server::prepare().await.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    server.run().await;
}
