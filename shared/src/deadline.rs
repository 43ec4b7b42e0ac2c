//! The invocation's deadline. Lambda stops a function at its timeout wherever it is, so an outside
//! call (Graph, the LLM, SNS) that runs past it leaves its step half done. Every such call takes
//! its timeout from what is left, keeping a margin to record the outcome; a stream record is not
//! begun when too little is left, so it is retried instead of cut.

use std::future::Future;
use std::time::{Duration, Instant};

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Kept back from every outside call: the time to record what it did (a DynamoDB write or two).
pub const RECORD_MARGIN: Duration = Duration::from_millis(1_500);

/// Runs `work` under `deadline` (none: no bound but the calls' own timeouts).
pub async fn scope<F: Future>(deadline: Option<Instant>, work: F) -> F::Output {
    match deadline {
        Some(d) => DEADLINE.scope(d, work).await,
        None => work.await,
    }
}

/// Lambda's deadline (milliseconds since the epoch, from the invocation's context) as an instant.
pub fn from_epoch_ms(deadline_ms: u64) -> Option<Instant> {
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).ok()?;
    (deadline_ms > 0)
        .then(|| Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
}

/// Time left before the deadline, less the margin; `None` outside any deadline.
pub fn remaining() -> Option<Duration> {
    DEADLINE
        .try_with(|d| {
            d.saturating_duration_since(Instant::now())
                .saturating_sub(RECORD_MARGIN)
        })
        .ok()
}

/// `timeout`, or less when the deadline is nearer.
pub fn bound(timeout: Duration) -> Duration {
    remaining().map_or(timeout, |left| left.min(timeout))
}

/// `timeout`, or less so that `keep` is still left after it.
pub fn bound_leaving(timeout: Duration, keep: Duration) -> Duration {
    remaining().map_or(timeout, |left| left.saturating_sub(keep).min(timeout))
}

/// Whether at least `needed` is left (always, outside any deadline).
pub fn has_left(needed: Duration) -> bool {
    remaining().is_none_or(|left| left >= needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_bounded_by_what_is_left() {
        assert_eq!(bound(Duration::from_secs(5)), Duration::from_secs(5));
        assert!(has_left(Duration::from_secs(3600)));
        let deadline = Instant::now() + RECORD_MARGIN + Duration::from_secs(2);
        scope(Some(deadline), async {
            let b = bound(Duration::from_secs(5));
            assert!(b <= Duration::from_secs(2), "{b:?}");
            assert!(!has_left(Duration::from_secs(3)));
            assert_eq!(bound(Duration::from_millis(10)), Duration::from_millis(10));
        })
        .await;
        let past = Instant::now();
        scope(Some(past), async {
            assert_eq!(bound(Duration::from_secs(5)), Duration::ZERO);
        })
        .await;
    }

    #[test]
    fn lambda_deadlines_become_instants() {
        let in_ten = chrono::Utc::now().timestamp_millis() as u64 + 10_000;
        let d = from_epoch_ms(in_ten).unwrap();
        let left = d.saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_secs(10) && left > Duration::from_secs(8),
            "{left:?}"
        );
        assert_eq!(from_epoch_ms(0), None);
    }
}
