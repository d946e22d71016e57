//! Logging set-up: JSON lines under Lambda (CloudWatch), readable lines locally. Level from `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy)]
pub enum LogFormat {
    /// One JSON object a line, for CloudWatch under Lambda.
    Json,
    /// Compact lines, coloured only on a terminal.
    Readable,
}

/// Crates held at `warn`, whatever `RUST_LOG` asks of everything else: rmcp's debug lines print
/// whole messages (tool arguments with phones, proofs and receipts), and its info lines mark the
/// start and end of every stateless MCP request, a cost on the hot path and no news to anyone.
const QUIET: &[&str] = &["rmcp=warn"];

/// Installs the global subscriber once; later calls are ignored (tests call it repeatedly).
pub fn init(format: LogFormat) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for directive in QUIET {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).without_time().try_init(),
        // Colour only for a person at a terminal: a file or a log store gets plain text.
        LogFormat::Readable => builder.compact().with_ansi(std::io::stderr().is_terminal()).try_init(),
    };
}
