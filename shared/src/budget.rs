//! The request budget: a deadline carried by the task serving a request, so every WispHub call
//! made for it (however many, however nested) stops in time.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `work` with a deadline `budget` from now.
pub async fn within<F: Future>(budget: Duration, work: F) -> F::Output {
    DEADLINE.scope(Instant::now() + budget, work).await
}

/// Time left before the current request's deadline; `fallback` outside a request (background work).
pub fn remaining(fallback: Duration) -> Duration {
    DEADLINE.try_with(|deadline| deadline.saturating_duration_since(Instant::now())).unwrap_or(fallback)
}
