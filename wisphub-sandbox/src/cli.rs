//! Command-line switches of the standalone sandbox binary.

use std::time::Duration;

use clap::Parser;

use crate::config::{DEFAULT_API_KEY, SandboxConfig};
use crate::faults::Faults;

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
    /// Total client records (10 to 50000): 9 demo services, the rest generated from 2001 upward.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(10..=50_000))]
    pub clients: u32,
    /// Seed of the data generator and of the fault dice.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Milliseconds a ping task runs before its final state (PENDING for the first third, then PROCESS).
    #[arg(long, default_value_t = 1500)]
    pub ping_task_ms: u64,
    /// The realistic preset: 300–600 ms per call, 1 call in 8 processed then never answered; flags override it.
    #[arg(long)]
    pub realistic: bool,
    /// Share of requests that hang for an hour (0.125 is what real tenants do; default 0).
    #[arg(long, value_parser = ratio)]
    pub stall_ratio: Option<f64>,
    /// A stall comes after the request is processed: a stalled POST still creates its ticket.
    #[arg(long)]
    pub stall_after_processing: bool,
    /// Share of requests answered 500/502/503 (default 0).
    #[arg(long = "error-5xx-ratio", value_parser = ratio)]
    pub error_5xx_ratio: Option<f64>,
    /// Share of requests answered 500 with an HTML page (default 0).
    #[arg(long, value_parser = ratio)]
    pub html_error_ratio: Option<f64>,
    /// Ignore every filter: lists always come back whole (paged).
    #[arg(long)]
    pub ignore_filters: bool,
    /// Milliseconds added to every answer (default 0).
    #[arg(long)]
    pub latency_ms: Option<u64>,
    /// Up to this many more milliseconds, drawn uniformly per answer (default 0).
    #[arg(long)]
    pub latency_jitter_ms: Option<u64>,
    /// Microseconds added per record of a list page ("slow pages"; default 0).
    #[arg(long)]
    pub per_record_latency_us: Option<u64>,
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
    /// The faults start from the preset (or a healthy tenant) and every flag given replaces its part.
    pub fn config(&self) -> SandboxConfig {
        let base = if self.realistic { Faults::realistic() } else { Faults::default() };
        SandboxConfig {
            api_key: self.api_key.clone(),
            clients: self.clients as usize,
            seed: self.seed,
            ping_run_time: Duration::from_millis(self.ping_task_ms),
            faults: Faults {
                stall_ratio: self.stall_ratio.unwrap_or(base.stall_ratio),
                stall_after_processing: self.stall_after_processing || base.stall_after_processing,
                error_5xx_ratio: self.error_5xx_ratio.unwrap_or(base.error_5xx_ratio),
                html_error_ratio: self.html_error_ratio.unwrap_or(base.html_error_ratio),
                ignore_filters: self.ignore_filters || base.ignore_filters,
                latency_ms: self.latency_ms.unwrap_or(base.latency_ms),
                latency_jitter_ms: self.latency_jitter_ms.unwrap_or(base.latency_jitter_ms),
                per_record_latency_us: self.per_record_latency_us.unwrap_or(base.per_record_latency_us),
                stuck_tasks: self.stuck_tasks || base.stuck_tasks,
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
            "--stall-after-processing",
            "--error-5xx-ratio=0.1",
            "--html-error-ratio=0.05",
            "--ignore-filters",
            "--latency-ms=300",
            "--latency-jitter-ms=200",
            "--per-record-latency-us=50",
            "--stuck-tasks",
            "--drop-profile-field=telefono",
            "--drop-profile-field=cedula",
        ]);
        let config = cli.config();
        assert_eq!((config.clients, config.seed, config.api_key.as_str()), (5000, 9, DEFAULT_API_KEY));
        let f = config.faults;
        assert_eq!((f.stall_ratio, f.error_5xx_ratio, f.html_error_ratio), (0.125, 0.1, 0.05));
        assert!(f.stall_after_processing && f.ignore_filters && f.stuck_tasks);
        assert_eq!((f.latency_ms, f.latency_jitter_ms, f.per_record_latency_us), (300, 200, 50));
        assert_eq!(f.drop_profile_fields, ["telefono", "cedula"]);
    }

    #[test]
    fn no_fault_switch_means_a_healthy_tenant() {
        assert_eq!(Cli::parse_from(["wisphub-sandbox"]).config().faults, Faults::default());
    }

    #[test]
    fn realistic_preset_takes_an_error_ratio_and_explicit_flags_override_it() {
        let with_errors = Cli::parse_from(["wisphub-sandbox", "--realistic", "--error-5xx-ratio=0.05"]);
        assert_eq!(with_errors.config().faults, Faults::realistic_with_errors());
        let faster = Cli::parse_from(["wisphub-sandbox", "--realistic", "--latency-ms=0", "--stall-ratio=0"]);
        let f = faster.config().faults;
        assert_eq!((f.latency_ms, f.latency_jitter_ms, f.stall_ratio), (0, 300, 0.0));
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
