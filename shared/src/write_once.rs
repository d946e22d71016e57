//! The one home of the writes whose outcome WispHub may leave unknown — tickets, payment promises
//! and payment reports (docs/api.md §5.1, §11.2, §15): the caller records the write first; the POST
//! goes once and is never retried; WispHub refusing it takes the record back; WispHub silent (a
//! timeout, a dropped connection, a gateway's 5xx after the work) keeps it, and the write counts
//! as made, so a retry finds it instead of writing twice.

use std::future::Future;

use axum::http::StatusCode;

use crate::error::{ApiError, Write};
use crate::wisphub::{Answer, UpstreamError, refusal_reason};

/// What the one POST of a write came to.
#[derive(Debug)]
pub enum Settled {
    /// WispHub did it; its answer.
    Done(Answer),
    /// WispHub answered and refused, for this reason; the record was taken back.
    Refused(String),
}

/// Sends `post` once and settles the write's record: `take_back` runs when WispHub certainly did not
/// do it (a refusal, or no connection at all); a lost answer keeps the record and is a 503 that says
/// the write counts as made.
pub async fn send_once<Post, TakeBack>(write: Write, post: Post, take_back: TakeBack) -> Result<Settled, ApiError>
where
    Post: Future<Output = Result<Answer, UpstreamError>>,
    TakeBack: AsyncFnOnce(),
{
    let cause = match post.await {
        Ok(answer) if answer.status.is_success() => return Ok(Settled::Done(answer)),
        Ok(answer) if answer.status.is_client_error() && answer.status != StatusCode::TOO_MANY_REQUESTS => {
            take_back().await;
            return Ok(Settled::Refused(refusal_reason(&answer.body)));
        }
        Ok(answer) => UpstreamError::BadStatus(answer.status.as_u16()),
        Err(cause) => cause,
    };
    if cause.may_have_happened() {
        return Err(ApiError::OutcomeUnknown { write, cause });
    }
    take_back().await;
    Err(cause.into())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use serde_json::json;

    use super::*;

    fn answer(status: u16) -> Result<Answer, UpstreamError> {
        Ok(Answer { status: StatusCode::from_u16(status).unwrap(), body: json!({"detail": "No encontrado."}) })
    }

    async fn settle(post: Result<Answer, UpstreamError>) -> (Result<Settled, ApiError>, bool) {
        let taken_back = AtomicBool::new(false);
        let settled =
            send_once(Write::PaymentReport, async { post }, async || taken_back.store(true, Ordering::SeqCst)).await;
        (settled, taken_back.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_refusal_takes_the_record_back_and_a_lost_answer_keeps_it() {
        let (done, kept_done) = settle(answer(200)).await;
        let (refused, taken_refused) = settle(answer(404)).await;
        let (silent, taken_silent) = settle(Err(UpstreamError::Timeout)).await;
        let (gateway, taken_gateway) = settle(answer(502)).await;
        let (never_sent, taken_never_sent) = settle(Err(UpstreamError::Unreachable("connect".into()))).await;

        assert!(matches!(done, Ok(Settled::Done(_))) && !kept_done);
        assert!(matches!(refused, Ok(Settled::Refused(reason)) if reason.contains("No encontrado")) && taken_refused);
        assert!(matches!(silent, Err(ApiError::OutcomeUnknown { .. })) && !taken_silent);
        assert!(matches!(gateway, Err(ApiError::OutcomeUnknown { .. })) && !taken_gateway);
        assert!(matches!(never_sent, Err(ApiError::Upstream(_))) && taken_never_sent);
    }
}
