//! Benchmark helper: what events cost the directory refresher at 50,000 clients — how far its
//! resident memory grows in a refresh with and without a previous version to compare with, the time
//! of each step of the comparison, and the events a busy day's changes make. Run by `scripts/bench`
//! (BENCH_ONLY=events); prints one JSON line. Linux only (it reads /proc/self).

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;
use shared::clock::now_secs;
use shared::directory::refresh::{Refreshed, facts_of};
use shared::directory::{self, SNAPSHOT};
use shared::events::diff::diff;
use shared::events::facts::Facts;
use shared::events::log;
use shared::store::MemoryStore;
use shared::store::snapshot;
use wisphub_sandbox::{Estado, EstadoFacturas, FaultyDevice};

use helpers::TestApp;

/// This process's resident set in kB: now, or its high-water mark since the last reset.
fn rss_kb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|kb| kb.parse().ok()).unwrap_or(f64::NAN)
}

const CLIENTS: usize = 50_000;

/// How far the resident set grew above where it stood when `work` started (its high-water mark,
/// reset through /proc/self/clear_refs), in MB, and the milliseconds `work` took.
async fn measured<T>(work: impl Future<Output = T>) -> (T, f64, f64) {
    // Linux: "5" resets the peak to the current resident set.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = rss_kb("VmRSS:");
    let started = Instant::now();
    let value = work.await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    (value, (rss_kb("VmHWM:") - base) / 1000.0, ms)
}

#[tokio::main]
async fn main() {
    let app = TestApp::builder()
        .sandbox(|s| s.clients = CLIENTS)
        .setting("WISPHUB_PAGE_SIZE", "1000")
        .setting("WISPHUB_TIMEOUT_MS", "30000")
        .setting("REQUEST_BUDGET_MS", "60000")
        .spawn()
        .await;
    // A first refresh warms the process up; the baseline is then a refresh with nothing to compare
    // with (the pointer dropped), so both measured refreshes start from the same warm state.
    app.refresh_directory().await.expect("a warm-up refresh");
    app.state.store.delete(&shared::store::keys::snapshot_pointer(SNAPSHOT)).await.unwrap();
    let first = measured(app.refresh_directory()).await;
    assert!(matches!(first.0, Ok(Refreshed::Published { events: 0, .. })), "{:?}", first.0);
    let previous = directory::current(&*app.state.store).await.unwrap().expect("a first version");

    // A busy day between two refreshes: one router and one sector down, one outage over,
    // 1 % of the services cut off, 0.5 % reconnected, 2 % settling their bills.
    let sandbox = &app.sandbox;
    sandbox.set_general_fault(FaultyDevice::Router(6), Some("Corte de fibra"));
    sandbox.set_general_fault(FaultyDevice::Sectorial(1), Some("Viento fuerte"));
    sandbox.set_general_fault(FaultyDevice::Router(4), None);
    let generated = 2001..2001 + (CLIENTS as i64 - 9);
    for (n, service) in generated.enumerate() {
        match n % 200 {
            0 | 1 => sandbox.set_service_status(service, Estado::Suspendido),
            2 => sandbox.set_service_status(service, Estado::Activo),
            3..=6 => sandbox.set_billing_status(service, EstadoFacturas::Pagadas),
            _ => {}
        }
    }
    let second = measured(app.refresh_directory()).await;
    let Refreshed::Published { pointer, events, .. } = second.0.expect("the second refresh") else { panic!("busy") };

    // The comparison step by step, as the refresher does it after publishing.
    let store = &*app.state.store;
    let data = snapshot::load(store, SNAPSHOT, &pointer).await.unwrap().expect("the new version");
    let records: Vec<directory::Record> = serde_json::from_slice(&data).unwrap();
    drop(data);
    let (new, _, facts_ms) = measured(async { Facts::of(&records) }).await;
    drop(records);
    let (old, load_mb, load_ms) = measured(async { facts_of(store, &previous).await.unwrap() }).await;
    // What a version stored before facts were costs instead: its records read back.
    let (_, fallback_mb, fallback_ms) = measured(async {
        let data = snapshot::load(store, SNAPSHOT, &previous).await.unwrap().expect("the old version");
        Facts::from_snapshot(&data).unwrap()
    })
    .await;
    let (changes, _, diff_ms) = measured(async { diff(&old, &new) }).await;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for change in &changes {
        *kinds.entry(serde_json::to_value(change.kind).unwrap().as_str().unwrap().to_owned()).or_default() += 1;
    }
    let log_store = MemoryStore::new();
    let week = app.state.config.events.retention;
    let (_, _, record_ms) = measured(log::record(&log_store, changes, now_secs(), week, now_secs())).await;

    let result = json!({
        "clients": CLIENTS,
        "first_refresh": {"rss_growth_mb": first.1, "ms": first.2},
        "second_refresh": {"rss_growth_mb": second.1, "ms": second.2, "events": events},
        "extra_rss_mb": second.1 - first.1,
        "new_facts_ms": facts_ms,
        "previous_load_ms": load_ms,
        "previous_load_peak_mb": load_mb,
        "records_fallback_ms": fallback_ms,
        "records_fallback_peak_mb": fallback_mb,
        "diff_ms": diff_ms,
        "record_ms": record_ms,
        "events_by_type": kinds,
    });
    println!("{result}");
}
