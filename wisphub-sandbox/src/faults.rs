//! The faults of docs/wisphub.md §9 that hit a whole request, and the answers they produce.

use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use rand::rngs::StdRng;

use crate::django::{detail, forbidden};

/// Runtime switches for misbehaviour; the default is a perfectly healthy tenant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Share of requests that hang (sleep an hour, never answer); 0.125 is what real tenants do.
    pub stall_ratio: f64,
    /// A stall comes after the request is processed (a stalled POST still creates its ticket),
    /// instead of before.
    pub stall_after_processing: bool,
    /// Share answered 500/502/503 with a DRF-ish or empty body.
    pub error_5xx_ratio: f64,
    /// Share answered 500 with an HTML page.
    pub html_error_ratio: f64,
    /// Every filter ignored: the whole (paged) list comes back.
    pub ignore_filters: bool,
    /// Added to every answer.
    pub latency_ms: u64,
    /// Up to this much more, drawn uniformly per answer (`0..=latency_jitter_ms`).
    pub latency_jitter_ms: u64,
    /// Extra delay per record in a list page ("slow pages").
    pub per_record_latency_us: u64,
    /// Every ping task stays PENDING forever.
    pub stuck_tasks: bool,
    /// Profile fields that `PUT /perfil/` acknowledges with 200 but does not store.
    pub drop_profile_fields: Vec<String>,
}

impl Faults {
    /// What real tenants do (docs/wisphub.md §1): 300–600 ms per call, one call in eight processed and
    /// then never answered.
    pub fn realistic() -> Faults {
        Faults {
            stall_ratio: 0.125,
            stall_after_processing: true,
            latency_ms: 300,
            latency_jitter_ms: 300,
            ..Faults::default()
        }
    }

    /// The realistic preset plus 5 % of 5xx among the calls that do not stall (the product's soak test).
    pub fn realistic_with_errors() -> Faults {
        Faults { error_5xx_ratio: 0.05, ..Faults::realistic() }
    }
}

/// A fault imposed on the next requests, ahead of the ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForcedFault {
    /// Hang before the request is processed: nothing happens, nothing answers.
    Stall,
    /// Process the request, then hang: the write happened but its answer is lost.
    StallAfterServing,
    Error5xx,
    Html,
    Status(u16),
}

/// How long a stall lasts: far past any sane client timeout.
pub(crate) const STALL: Duration = Duration::from_secs(3600);

/// Rolls the dice in the documented order: stall, then 5xx, then HTML.
pub(crate) fn roll(faults: &Faults, rng: &mut StdRng) -> Option<ForcedFault> {
    let hit = |rng: &mut StdRng, ratio: f64| ratio > 0.0 && rng.random::<f64>() < ratio;
    if hit(rng, faults.stall_ratio) {
        Some(if faults.stall_after_processing { ForcedFault::StallAfterServing } else { ForcedFault::Stall })
    } else if hit(rng, faults.error_5xx_ratio) {
        Some(ForcedFault::Error5xx)
    } else if hit(rng, faults.html_error_ratio) {
        Some(ForcedFault::Html)
    } else {
        None
    }
}

/// `latency_ms` plus a uniform draw from `0..=latency_jitter_ms`.
pub(crate) fn latency(faults: &Faults, rng: &mut StdRng) -> Duration {
    let jitter = if faults.latency_jitter_ms == 0 { 0 } else { rng.random_range(0..=faults.latency_jitter_ms) };
    Duration::from_millis(faults.latency_ms + jitter)
}

/// Picks which 5xx a `Error5xx` fault becomes, so clients see the usual gateway mix.
pub(crate) fn pick_5xx(rng: &mut StdRng) -> u16 {
    [500, 502, 503][rng.random_range(0..3)]
}

/// The answer for a non-stall fault (`status` is only read for `Error5xx` and `Status`).
pub(crate) fn fault_response(fault: ForcedFault, status_5xx: u16) -> Response {
    match fault {
        ForcedFault::Stall | ForcedFault::StallAfterServing => StatusCode::GATEWAY_TIMEOUT.into_response(),
        ForcedFault::Html => html_server_error(),
        ForcedFault::Error5xx => match status_5xx {
            // A proxy in front of Django answers 502 with nothing useful in the body.
            502 => StatusCode::BAD_GATEWAY.into_response(),
            503 => detail(StatusCode::SERVICE_UNAVAILABLE, "Servicio no disponible temporalmente."),
            _ => detail(StatusCode::INTERNAL_SERVER_ERROR, "Ha ocurrido un error en el servidor."),
        },
        ForcedFault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::FORBIDDEN {
                return forbidden();
            }
            detail(status, status.canonical_reason().unwrap_or("Error"))
        }
    }
}

/// Django's stock 500 page with debug off.
pub(crate) fn html_server_error() -> Response {
    let page = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n\
                <body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn zero_ratios_never_fire() {
        let mut rng = StdRng::seed_from_u64(1);
        let faults = Faults::default();
        assert!((0..1000).all(|_| roll(&faults, &mut rng).is_none()));
    }

    #[test]
    fn realistic_preset_stalls_about_one_in_eight_after_serving() {
        let mut rng = StdRng::seed_from_u64(7);
        let faults = Faults::realistic();
        let stalls = (0..8000).filter(|_| roll(&faults, &mut rng) == Some(ForcedFault::StallAfterServing)).count();
        assert!((800..1200).contains(&stalls), "got {stalls} stalls of 8000");
    }

    #[test]
    fn realistic_latency_is_300_to_600_ms_and_spreads_over_the_range() {
        let mut rng = StdRng::seed_from_u64(11);
        let draws: Vec<u128> = (0..1000).map(|_| latency(&Faults::realistic(), &mut rng).as_millis()).collect();
        assert!(draws.iter().all(|ms| (300..=600).contains(ms)), "a draw fell outside 300..=600");
        assert!(draws.iter().any(|ms| *ms < 350) && draws.iter().any(|ms| *ms > 550), "jitter spans the range");
    }

    #[test]
    fn ratio_of_one_always_fires_and_stall_comes_first() {
        let mut rng = StdRng::seed_from_u64(3);
        let faults = Faults { stall_ratio: 1.0, error_5xx_ratio: 1.0, ..Faults::default() };
        assert_eq!(roll(&faults, &mut rng), Some(ForcedFault::Stall));
    }
}
