//! Command-line switches of the standalone sandbox binary.

use std::time::Duration;

use clap::Parser;

use crate::{DEFAULT_API_KEY, Faults, SandboxConfig};

/// A WispHub look-alike (Django REST Framework wire format) with demo data and switchable faults.
#[derive(Debug, Parser)]
#[command(name = "wisphub-sandbox", version, about)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 8001)]
    pub port: u16,
    /// The only key accepted in `Authorization: Api-Key <key>`.
    #[arg(long, default_value = DEFAULT_API_KEY)]
    pub api_key: String,
    /// Total client records (10 to 50000): 7 demo services, the rest generated from 2001 upward.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(10..=50_000))]
    pub clients: u32,
    /// Seed of the data generator and of the fault dice.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Milliseconds a ping task runs before its final state (PENDING for the first third, then PROCESS).
    #[arg(long, default_value_t = 1500)]
    pub ping_task_ms: u64,
    /// Share of requests that hang for an hour (0.125 is what real tenants do).
    #[arg(long, default_value_t = 0.0, value_parser = ratio)]
    pub stall_ratio: f64,
    /// Share of requests answered 500/502/503.
    #[arg(long = "error-5xx-ratio", default_value_t = 0.0, value_parser = ratio)]
    pub error_5xx_ratio: f64,
    /// Share of requests answered 500 with an HTML page.
    #[arg(long, default_value_t = 0.0, value_parser = ratio)]
    pub html_error_ratio: f64,
    /// Ignore every filter: lists always come back whole (paged).
    #[arg(long)]
    pub ignore_filters: bool,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Microseconds added per record of a list page ("slow pages").
    #[arg(long, default_value_t = 0)]
    pub per_record_latency_us: u64,
    /// Every ping task stays PENDING forever.
    #[arg(long)]
    pub stuck_tasks: bool,
    /// Profile field that PUT /perfil/ acknowledges but does not store (repeatable, e.g. telefono).
    #[arg(long = "drop-profile-field", value_name = "NAME")]
    pub drop_profile_fields: Vec<String>,
}

fn ratio(raw: &str) -> Result<f64, String> {
    let value: f64 = raw.parse().map_err(|_| format!("`{raw}` is not a number"))?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(format!("`{raw}` is not between 0 and 1")) }
}

impl Cli {
    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            api_key: self.api_key.clone(),
            clients: self.clients as usize,
            seed: self.seed,
            ping_run_time: Duration::from_millis(self.ping_task_ms),
            faults: Faults {
                stall_ratio: self.stall_ratio,
                error_5xx_ratio: self.error_5xx_ratio,
                html_error_ratio: self.html_error_ratio,
                ignore_filters: self.ignore_filters,
                latency_ms: self.latency_ms,
                per_record_latency_us: self.per_record_latency_us,
                stuck_tasks: self.stuck_tasks,
                drop_profile_fields: self.drop_profile_fields.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_switch_reaches_the_config() {
        let cli = Cli::parse_from([
            "wisphub-sandbox",
            "--clients=5000",
            "--seed=9",
            "--stall-ratio=0.125",
            "--error-5xx-ratio=0.1",
            "--html-error-ratio=0.05",
            "--ignore-filters",
            "--latency-ms=300",
            "--per-record-latency-us=50",
            "--stuck-tasks",
            "--drop-profile-field=telefono",
            "--drop-profile-field=cedula",
        ]);
        let config = cli.config();
        assert_eq!((config.clients, config.seed, config.api_key.as_str()), (5000, 9, DEFAULT_API_KEY));
        let f = config.faults;
        assert_eq!((f.stall_ratio, f.error_5xx_ratio, f.html_error_ratio), (0.125, 0.1, 0.05));
        assert!(f.ignore_filters && f.stuck_tasks);
        assert_eq!((f.latency_ms, f.per_record_latency_us), (300, 50));
        assert_eq!(f.drop_profile_fields, ["telefono", "cedula"]);
    }

    #[test]
    fn client_count_outside_10_to_50000_is_refused() {
        assert!(Cli::try_parse_from(["wisphub-sandbox", "--clients=5"]).is_err());
        assert!(Cli::try_parse_from(["wisphub-sandbox", "--clients=50001"]).is_err());
        assert!(Cli::try_parse_from(["wisphub-sandbox", "--stall-ratio=2"]).is_err());
    }

    #[test]
    fn default_key_has_the_wisphub_shape() {
        let (head, tail) = DEFAULT_API_KEY.split_once('.').unwrap_or_default();
        assert_eq!((head.len(), tail.len()), (8, 32));
    }
}
