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

/// How long a lock or an in-flight claim may outlive a crashed holder. Longer than any request can
/// run (the budget plus the stack's one-second guard), so a live holder never loses it.
pub fn lease(request_budget: Duration) -> Duration {
    (request_budget + Duration::from_secs(5)).max(Duration::from_secs(15))
}

/// Time left before the current request's deadline; `fallback` outside a request (background work).
pub fn remaining(fallback: Duration) -> Duration {
    DEADLINE.try_with(|deadline| deadline.saturating_duration_since(Instant::now())).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_outlives_the_request_budget() {
        assert_eq!(lease(Duration::from_secs(10)), Duration::from_secs(15));
        assert_eq!(lease(Duration::from_secs(20)), Duration::from_secs(25));
    }
}
