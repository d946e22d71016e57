//! Hedged reads: an idempotent GET still unanswered after the hedge delay gets one duplicate, and
//! the first good answer wins (the other request is dropped). About one WispHub call in eight
//! stalls for good; waiting out the per-call timeout for it would cost seconds a duplicate saves.

use std::future::Future;
use std::time::Duration;

use futures::FutureExt;

/// Runs `send(false)`; if it has not answered after `delay`, also `send(true)` (the duplicate).
/// Returns the first `Ok`; when one fails, the other still gets its chance. `delay` zero = no hedge.
/// `worth_hedging` tells, when the delay has passed, whether a duplicate still fits the budget.
pub(super) async fn first_good<T, E, F, Fut>(delay: Duration, worth_hedging: impl Fn() -> bool, send: F) -> Result<T, E>
where
    F: Fn(bool) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let first = send(false).fuse();
    futures::pin_mut!(first);
    if delay.is_zero() {
        return first.await;
    }
    futures::select_biased! {
        answer = first => return answer,
        () = tokio::time::sleep(delay).fuse() => {}
    }
    if !worth_hedging() {
        return first.await;
    }
    let second = send(true).fuse();
    futures::pin_mut!(second);
    futures::select_biased! {
        answer = first => match answer {
            Ok(value) => Ok(value),
            Err(_) => second.await,
        },
        answer = second => match answer {
            Ok(value) => Ok(value),
            Err(_) => first.await,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A fake WispHub: each request's delay and result, in the order requests are sent.
    async fn run(
        delay_ms: u64,
        answers: &[(u64, Result<&'static str, &'static str>)],
    ) -> (Result<&'static str, &'static str>, usize) {
        let sent = Mutex::new(0usize);
        let result = first_good(
            Duration::from_millis(delay_ms),
            || true,
            |_hedge| {
                let index = {
                    let mut sent = sent.lock().unwrap();
                    *sent += 1;
                    *sent - 1
                };
                let (after, answer) = answers[index];
                async move {
                    tokio::time::sleep(Duration::from_millis(after)).await;
                    answer
                }
            },
        )
        .await;
        let count = *sent.lock().unwrap();
        (result, count)
    }

    #[tokio::test]
    async fn a_quick_answer_sends_no_duplicate() {
        assert_eq!(run(200, &[(40, Ok("a"))]).await, (Ok("a"), 1));
    }

    #[tokio::test]
    async fn a_stalled_first_request_is_overtaken_by_the_duplicate() {
        let started = tokio::time::Instant::now();
        assert_eq!(run(100, &[(3_600_000, Ok("late")), (40, Ok("hedge"))]).await, (Ok("hedge"), 2));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(140) && took < Duration::from_secs(2), "{took:?}");
    }

    #[tokio::test]
    async fn a_failure_waits_for_the_other_request() {
        assert_eq!(run(50, &[(150, Err("500")), (200, Ok("hedge"))]).await, (Ok("hedge"), 2));
        assert_eq!(run(50, &[(300, Ok("first")), (20, Err("502"))]).await, (Ok("first"), 2));
        assert_eq!(run(50, &[(150, Err("a")), (200, Err("b"))]).await, (Err("b"), 2));
    }

    #[tokio::test]
    async fn zero_delay_never_hedges() {
        assert_eq!(run(0, &[(200, Ok("slow"))]).await, (Ok("slow"), 1));
    }
}
