//! Hedged reads: an idempotent GET still unanswered after the hedge delay gets a duplicate, and
//! the first good answer wins (the others are dropped). About one WispHub call in eight stalls for
//! good; waiting out the per-call timeout for it would cost seconds a duplicate saves. Two stalls
//! in a row are one call in 64, more than the 1 % a p99 can hide, hence a second duplicate at half
//! the delay again; three in a row (1 in 512) are left to the timeout and the retry.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::Instant;

/// When the duplicates go out, after the first request, for a hedge delay `delay` (none if zero).
pub(super) fn schedule(delay: Duration) -> Vec<Duration> {
    if delay.is_zero() { Vec::new() } else { vec![delay, delay + delay / 2] }
}

/// Runs `send(Duration::ZERO)`, then `send(offset)` for each offset of `hedges` (after the first
/// request) while no answer came and `worth_hedging()` says one still fits the budget. Returns
/// the first `Ok`; a failure only ends the wait when nothing else is still out.
pub(super) async fn first_good<T, E, F, Fut>(
    hedges: &[Duration],
    worth_hedging: impl Fn() -> bool,
    send: F,
) -> Result<T, E>
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut out = FuturesUnordered::new();
    out.push(send(Duration::ZERO));
    let mut pending_hedges = hedges.iter().copied();
    let mut next_hedge = pending_hedges.next();
    loop {
        let timer = async {
            match next_hedge {
                Some(offset) => tokio::time::sleep_until(started + offset).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            Some(answer) = out.next() => match answer {
                Ok(value) => return Ok(value),
                Err(error) if out.is_empty() => return Err(error),
                Err(_) => {}
            },
            () = timer => {
                if let Some(offset) = next_hedge.take().filter(|_| worth_hedging()) {
                    out.push(send(offset));
                }
                next_hedge = pending_hedges.next();
            }
        }
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
            &schedule(Duration::from_millis(delay_ms)),
            || true,
            |_offset| {
                let index = {
                    let mut sent = sent.lock().unwrap();
                    *sent += 1;
                    *sent - 1
                };
                // Requests past the listed ones fail at once.
                let (after, answer) = answers.get(index).copied().unwrap_or((0, Err("refused")));
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
    async fn two_stalls_are_overtaken_by_the_second_duplicate_at_one_and_a_half_delays() {
        let started = tokio::time::Instant::now();
        let stall = (3_600_000, Ok("late"));
        assert_eq!(run(100, &[stall, stall, (40, Ok("second hedge"))]).await, (Ok("second hedge"), 3));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(190) && took < Duration::from_secs(2), "{took:?}");
    }

    #[tokio::test]
    async fn a_failure_with_nothing_else_out_ends_at_once() {
        let started = tokio::time::Instant::now();
        assert_eq!(run(1000, &[(10, Err("503"))]).await, (Err("503"), 1));
        assert!(started.elapsed() < Duration::from_millis(500));
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
        assert_eq!(run(50, &[(150, Err("500")), (200, Ok("hedge"))]).await, (Ok("hedge"), 3));
        assert_eq!(run(50, &[(300, Ok("first")), (20, Err("502"))]).await, (Ok("first"), 3));
        assert_eq!(run(50, &[(150, Err("a")), (200, Err("b"))]).await, (Err("b"), 3));
        assert_eq!(schedule(Duration::from_millis(1200)), [Duration::from_millis(1200), Duration::from_millis(1800)]);
    }

    #[tokio::test]
    async fn zero_delay_never_hedges() {
        assert_eq!(run(0, &[(200, Ok("slow"))]).await, (Ok("slow"), 1));
    }
}
