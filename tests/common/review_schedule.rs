//! When the weekly review runs (Monday 07:00 UTC), relative to now.

/// The weekly review's schedule time (Monday 07:00 UTC) after `now`, as RFC 3339: a review then
/// reports the week `now` is in.
pub fn next_review_time() -> String {
    use chrono::{Datelike, Duration as Days};
    let now = chrono::Utc::now();
    let monday = now.date_naive() - Days::days(now.weekday().num_days_from_monday().into());
    let mut at = monday.and_hms_opt(7, 0, 0).unwrap().and_utc();
    if at <= now {
        at += Days::weeks(1);
    }
    at.to_rfc3339()
}

/// The last schedule time (Monday 07:00 UTC) at or before now: a review then reports a week that
/// is wholly past.
pub fn last_review_time() -> chrono::DateTime<chrono::Utc> {
    let next = chrono::DateTime::parse_from_rfc3339(&next_review_time())
        .unwrap()
        .with_timezone(&chrono::Utc);
    next - chrono::Duration::weeks(1)
}
