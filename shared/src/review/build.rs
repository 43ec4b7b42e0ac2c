//! Building the week's review (the template's weekly schedule, or `handoff review now`): once per
//! day whatever the redeliveries, then the digest published to the team once.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::digest::render_digest;
use super::proposal::proposals;
use super::record::{AnsweredSample, Review};
use super::token::ReviewToken;
use super::StoredReview;
use crate::app::{App, FlowError};
use crate::cases::Case;
use crate::live::current_content;
use crate::policy::Knowledge;
use crate::ports::BoundaryVersions;
use crate::ports::Reviews;

/// The days a review covers (its figures and its sample).
pub const REVIEW_DAYS: i64 = 7;
/// How far back labelled escalations are read for proposals: labels come when a person resumes,
/// often days after the escalation.
const LABEL_DAYS: i64 = 42;
/// Answered conversations drawn for a right / wrong click.
pub const SAMPLE_SIZE: usize = 10;
/// The most "Did you mean" choices a review keeps as labels (the record stays far under
/// DynamoDB's 400 KB item limit).
const MAX_CHOICES: usize = 100;
/// Weeks the digest compares.
const WEEKS_SHOWN: u32 = 6;
/// How long the review link works.
pub const REVIEW_LINK_DAYS: i64 = 7;

/// A review and where it can be opened.
#[derive(Debug)]
pub struct BuiltReview {
    pub review: Review,
    pub url: String,
    /// Built by this call (else it was there: a redelivery, or a second run the same day).
    pub created: bool,
    /// The digest went out with this call.
    pub published: bool,
}

fn stores(app: &App) -> Result<(&dyn Reviews, &dyn BoundaryVersions), FlowError> {
    match (&app.reviews, &app.versions) {
        (Some(r), Some(v)) => Ok((r.as_ref(), v.as_ref())),
        _ => Err(FlowError::BadEvent(
            "this function has no review store".into(),
        )),
    }
}

/// The signed link to `review`'s page.
pub fn review_url(app: &App, review: &Review) -> Result<String, FlowError> {
    let keys = app
        .settings
        .link_keys
        .as_ref()
        .ok_or_else(|| FlowError::BadEvent("no LINK_KEYS to sign the review link".into()))?;
    let token = ReviewToken {
        review: review.id,
        expires_at: review.built_at + Duration::days(REVIEW_LINK_DAYS),
    }
    .sign(keys);
    Ok(format!("{}/review/{token}", app.settings.resume_base_url))
}

/// Builds today's review if there is none, and publishes its digest if nobody did.
pub async fn build_review(app: &App, now: DateTime<Utc>) -> Result<BuiltReview, FlowError> {
    let (reviews, _) = stores(app)?;
    let id = now.date_naive();
    let (stored, created) = match reviews.get_review(id).await? {
        Some(s) => (s, false),
        None => {
            let review = assemble(app, now).await?;
            let created = reviews.create_review(&review).await?;
            let stored = reviews.get_review(id).await?.unwrap_or(StoredReview {
                review,
                revision: 0,
                notified: false,
            });
            (stored, created)
        }
    };
    let url = review_url(app, &stored.review)?;
    let mut published = false;
    if !stored.notified {
        app.notifier
            .publish(&render_digest(&stored.review, &url))
            .await?;
        reviews.mark_review_notified(id).await?;
        published = true;
    }
    Ok(BuiltReview {
        review: stored.review,
        url,
        created,
        published,
    })
}

/// The week a review built at `now` reports: the last whole week, Monday 00:00 to the next
/// Monday 00:00 (UTC), before the one `now` is in. The schedule runs on Monday at 07:00: a review on
/// Monday 7 December reports Monday 30 November to Sunday 6 December.
pub fn reviewed_week(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = crate::report::monday(now.date_naive())
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    (end - Duration::days(REVIEW_DAYS), end)
}

/// How many answers to draw from each day of the week from `from`: a uniform sample of the
/// week's answers, each draw picking a day in proportion to the answers it has left (the day's
/// store then draws that many at random).
fn draws_per_day(from: DateTime<Utc>, answers: &[(NaiveDate, u64)]) -> Vec<(NaiveDate, usize)> {
    let days: Vec<(NaiveDate, u64)> = (0..REVIEW_DAYS)
        .map(|i| (from + Duration::days(i)).date_naive())
        .map(|d| {
            (
                d,
                answers.iter().find(|(a, _)| *a == d).map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    let mut left: Vec<u64> = days.iter().map(|(_, n)| *n).collect();
    let mut take = vec![0usize; days.len()];
    for _ in 0..SAMPLE_SIZE {
        let total: u64 = left.iter().sum();
        if total == 0 {
            break;
        }
        let mut pick = u64::from(uuid::Uuid::new_v4().as_u128() as u32) % total;
        for (i, n) in left.iter_mut().enumerate() {
            if pick < *n {
                *n -= 1;
                take[i] += 1;
                break;
            }
            pick -= *n;
        }
    }
    days.into_iter().map(|(d, _)| d).zip(take).collect()
}

/// The week's answers whose entry the customer chose from a "Did you mean": each is the
/// customer's own label for the question they were asked about.
async fn week_choices(
    reviews: &dyn Reviews,
    from: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<AnsweredSample>, FlowError> {
    let mut choices = Vec::new();
    for day in (0..REVIEW_DAYS).map(|i| (from + Duration::days(i)).date_naive()) {
        let left = MAX_CHOICES - choices.len();
        choices.extend(reviews.chosen_answers(day, left).await?);
        if choices.len() >= MAX_CHOICES {
            break;
        }
    }
    choices.retain(|s| s.at >= from && s.at < end && !s.question.trim().is_empty());
    Ok(choices)
}

async fn assemble(app: &App, now: DateTime<Utc>) -> Result<Review, FlowError> {
    let (reviews, versions) = stores(app)?;
    let (from, end) = reviewed_week(now);
    // The report's last week is the reviewed one, the five before it for comparison.
    let last_moment = end - Duration::milliseconds(1);
    let escalations = app
        .escalations
        .escalations_between(
            now - Duration::days(LABEL_DAYS.max(i64::from(WEEKS_SHOWN) * 7)),
            now,
            None,
            &mut |_| {},
        )
        .await?;
    let cases: Vec<Case> = escalations
        .iter()
        .filter(|e| e.created_at >= now - Duration::days(LABEL_DAYS))
        .map(Case::from_escalation)
        .collect();
    let (current, content) = current_content(versions, &app.settings.layer)
        .await
        .map_err(|e| FlowError::BadEvent(e.to_string()))?;
    let knowledge = Knowledge::from_toml(&content.knowledge)
        .map_err(|e| FlowError::BadEvent(format!("the current knowledge file: {e}")))?;
    let rejected = reviews.rejected_proposals().await?;
    let choices = week_choices(reviews, from, end).await?;
    let (proposals, wordless) = proposals(&cases, &choices, &knowledge, &rejected);

    let first_day = crate::report::monday(
        (last_moment - Duration::weeks(i64::from(WEEKS_SHOWN) - 1)).date_naive(),
    );
    let answers = app
        .stats
        .answers_per_day(first_day, last_moment.date_naive())
        .await?;
    let mut report = crate::report::build_report(&escalations, &answers, WEEKS_SHOWN, last_moment);
    report.mark_versions(&versions.history().await?);
    report.add_sampled_verdicts(&reviews.reviews_since(first_day).await?);

    let per_day = draws_per_day(from, &answers);
    let mut sample: Vec<AnsweredSample> = Vec::new();
    for (day, n) in per_day {
        sample.extend(reviews.sample_answers(day, n).await?);
    }
    sample.retain(|s| s.at >= from && s.at < end && !s.question.trim().is_empty());

    Ok(Review {
        id: now.date_naive(),
        built_at: now,
        from,
        // The week's last moment: shown as its Sunday.
        to: last_moment,
        version: current.version,
        proposals,
        sample,
        choices,
        weeks: report.weeks,
        median_minutes_to_resume: report.median_minutes_to_resume,
        wordless,
        decisions: Vec::new(),
    })
}
