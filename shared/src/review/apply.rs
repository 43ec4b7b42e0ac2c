//! The review page's two actions. Preview measures the chosen changes on the brand's labelled
//! history (before → after) and refuses one that takes a wrong share over the bound; apply does
//! the same, then publishes the new version on the current one (read again and re-applied if
//! someone else published meanwhile) and records every decision, so two people reviewing at once
//! lose nothing.

use chrono::{DateTime, Duration, Utc};

use super::evaluate::{
    labelled_history, measure, propose_threshold, refusal, threshold_evidence, with_threshold,
    Measured,
};
pub use super::form::ReviewForm;
use super::proposal::apply as apply_proposals;
use super::record::{Change, Proposal, Review, ReviewDecision, ThresholdProposal};
use super::StoredReview;
use crate::app::{App, FlowError};
use crate::cases::Case;
use crate::live::{current_content, prepare, publish, PublishError};
use crate::ports::BoundaryVersions;
use crate::ports::Reviews;

/// Labelled escalations measured before → after.
const HISTORY_DAYS: i64 = 90;
/// What the chosen changes would do.
#[derive(Clone, Debug, Default)]
pub struct ReviewPreview {
    pub before: Measured,
    pub after: Measured,
    pub refusal: Option<String>,
    pub threshold: Option<ThresholdProposal>,
    /// Proposals accepted in this form (new ones; decided ones are not applied twice).
    pub accepted: usize,
    /// The version the preview was measured on.
    pub version: u32,
    /// The threshold in force and whose it is ("0.12 (earned by the knowledge file)").
    pub threshold_now: String,
    /// Entries of the current knowledge the engine cannot tell apart.
    pub pairs: Vec<crate::policy::ConfusablePair>,
}

/// Result of applying a review form.
#[derive(Debug)]
pub enum ApplyOutcome {
    /// A new version went live (its number), and the decisions were recorded.
    Published(u32, ReviewPreview),
    /// Only decisions (rejections, right / wrong) were recorded.
    Recorded(ReviewPreview),
    Refused(ReviewPreview),
    Invalid(String),
}

fn stores(app: &App) -> Result<(&dyn Reviews, &dyn BoundaryVersions), FlowError> {
    match (&app.reviews, &app.versions) {
        (Some(r), Some(v)) => Ok((r.as_ref(), v.as_ref())),
        _ => Err(FlowError::BadEvent(
            "this function has no review store".into(),
        )),
    }
}

fn bad(e: impl std::fmt::Display) -> FlowError {
    FlowError::BadEvent(e.to_string())
}

/// The new files and their check, with the preview; `None` files when nothing changes.
struct Prepared {
    preview: ReviewPreview,
    next: Option<(crate::live::BoundaryContent, crate::live::Checked)>,
    base: crate::live::CurrentVersion,
    old: crate::live::BoundaryContent,
}

async fn prepare_change(
    app: &App,
    review: &Review,
    form: &ReviewForm,
    now: DateTime<Utc>,
) -> Result<Result<Prepared, String>, FlowError> {
    let (_, versions) = stores(app)?;
    let (base, old) = current_content(versions, &app.settings.layer)
        .await
        .map_err(bad)?;
    let escalations = app
        .escalations
        .escalations_between(now - Duration::days(HISTORY_DAYS), now, None, &mut |_| {})
        .await?;
    let cases: Vec<Case> = escalations.iter().map(Case::from_escalation).collect();
    let labels = review_labels(review, form, &cases);
    let accepted = newly_accepted(review, form);
    let knowledge_file = app.settings.layer.knowledge.clone();
    let form = form.clone();
    // The engine's work (the encoder, the new index) runs off the async threads.
    let result = tokio::task::spawn_blocking(move || -> Result<Prepared, String> {
        let compile = crate::app::deciding_compiler(&knowledge_file);
        let digest = old.digest();
        let (policy, knowledge) = compile(old.clone(), &digest)?;
        let (before, judged) = measure(&policy, &knowledge, &labels, now);
        let evidence = threshold_evidence(&policy, &knowledge, &labels, &judged);
        let threshold = propose_threshold(&evidence, policy.threshold_for(&knowledge).value);
        let mut preview = ReviewPreview {
            before,
            after: before,
            threshold: threshold.clone(),
            accepted: accepted.len(),
            version: base.version,
            threshold_now: policy.threshold_for(&knowledge).to_string(),
            pairs: knowledge
                .earned()
                .map(|e| e.pairs.clone())
                .unwrap_or_default(),
            ..Default::default()
        };
        let take_threshold = form.threshold && threshold.is_some();
        if accepted.is_empty() && !take_threshold {
            return Ok(Prepared {
                preview,
                next: None,
                base,
                old,
            });
        }
        let refs: Vec<&Proposal> = accepted.iter().collect();
        let new_knowledge = apply_proposals(&old.knowledge, &refs, &form.answers)?;
        let new_policy = match (&threshold, take_threshold) {
            (Some(t), true) => with_threshold(&old.policy, t.proposed)?,
            _ => old.policy.clone(),
        };
        let encoder = crate::app::encoder_path(&knowledge_file)
            .map(|p| crate::encoder::SentenceEncoder::open(&p).map(std::sync::Arc::new))
            .transpose()
            .map_err(|e| e.to_string())?;
        let (content, checked) =
            prepare(new_policy, new_knowledge, encoder).map_err(|e| e.to_string())?;
        let (after, _) = measure(&checked.policy, &checked.knowledge, &labels, now);
        preview.after = after;
        preview.refusal = refusal(&before, &after);
        Ok(Prepared {
            preview,
            next: Some((content, checked)),
            base,
            old,
        })
    })
    .await
    .map_err(bad)?;
    Ok(result)
}

/// Every label the review's measures rest on: the labelled escalations, the sample's right /
/// wrong verdicts (on the form, else decided before), and the drafts' escalations as their new entry.
fn review_labels(
    review: &Review,
    form: &ReviewForm,
    cases: &[Case],
) -> Vec<crate::policy::evaluation::LabelledMessage> {
    let verdict = |key: &str| {
        form.choices
            .get(key)
            .map(String::as_str)
            .or_else(|| review.decision(key).map(|d| d.verdict.as_str()))
    };
    let verdicts: Vec<_> = review
        .sample
        .iter()
        .filter_map(|s| match verdict(&s.key) {
            Some("right") => Some((s, true)),
            Some("wrong") => Some((s, false)),
            _ => None,
        })
        .collect();
    let drafted: std::collections::HashMap<String, String> = review
        .proposals
        .iter()
        .filter_map(|p| match &p.change {
            Change::Draft { id, .. } => {
                Some(p.escalations.iter().map(move |e| (e.clone(), id.clone())))
            }
            _ => None,
        })
        .flatten()
        .collect();
    labelled_history(cases, &verdicts, &review.choices, &drafted)
}

/// The proposals the form accepts that no earlier apply did.
fn newly_accepted(review: &Review, form: &ReviewForm) -> Vec<Proposal> {
    // Accepted before: already in the current version.
    form.accepted(review)
        .into_iter()
        .filter(|p| {
            review
                .decision(&p.key)
                .is_none_or(|d| d.verdict != "accept")
        })
        .cloned()
        .collect()
}

/// Measures what the form would do, changing nothing.
pub async fn preview_review(
    app: &App,
    review: &Review,
    form: &ReviewForm,
    now: DateTime<Utc>,
) -> Result<Result<ReviewPreview, String>, FlowError> {
    Ok(prepare_change(app, review, form, now)
        .await?
        .map(|p| p.preview))
}

fn decisions_of(
    review: &Review,
    form: &ReviewForm,
    version: Option<u32>,
    now: DateTime<Utc>,
) -> Vec<ReviewDecision> {
    form.choices
        .iter()
        .filter(|(key, verdict)| review.decision(key).map(|d| &d.verdict) != Some(verdict))
        .map(|(key, verdict)| ReviewDecision {
            key: key.clone(),
            verdict: verdict.clone(),
            by: if form.by.is_empty() {
                "someone with the link".into()
            } else {
                form.by.clone()
            },
            at: now,
            answer: form.answers.get(key).cloned(),
            version: (verdict == "accept").then_some(version).flatten(),
        })
        .collect()
}

/// Why the form cannot be applied: an accepted new entry without an answer.
fn unanswered_draft(review: &Review, form: &ReviewForm) -> Option<String> {
    let p = form.accepted(review).into_iter().find(|p| {
        matches!(p.change, Change::Draft { .. })
            && form.answers.get(&p.key).is_none_or(|a| a.trim().is_empty())
            && !matches!(&p.change, Change::Draft { answer: Some(a), .. } if !a.trim().is_empty())
    })?;
    let Change::Draft { id, .. } = &p.change else {
        unreachable!("only drafts are found")
    };
    Some(format!(
        "The new entry {id} needs an answer before it can be accepted: write it in its field, or leave the proposal open."
    ))
}

/// Applies the form: a new version for what was accepted (unless it is refused), and every
/// decision recorded.
pub async fn apply_review(
    app: &App,
    review_id: chrono::NaiveDate,
    form: &ReviewForm,
    now: DateTime<Utc>,
) -> Result<ApplyOutcome, FlowError> {
    let (reviews, versions) = stores(app)?;
    let Some(stored) = reviews.get_review(review_id).await? else {
        return Ok(ApplyOutcome::Invalid(
            "This review no longer exists.".into(),
        ));
    };
    if let Some(why) = unanswered_draft(&stored.review, form) {
        return Ok(ApplyOutcome::Invalid(why));
    }
    let mut published = None;
    let mut preview = ReviewPreview::default();
    for _attempt in 0..3 {
        let prepared = match prepare_change(app, &stored.review, form, now).await? {
            Ok(p) => p,
            Err(e) => return Ok(ApplyOutcome::Invalid(e)),
        };
        preview = prepared.preview;
        if preview.refusal.is_some() {
            return Ok(ApplyOutcome::Refused(preview));
        }
        let Some((content, checked)) = prepared.next else {
            break;
        };
        let by = format!(
            "{} (review {})",
            if form.by.is_empty() {
                "someone with the link"
            } else {
                &form.by
            },
            stored.review.id
        );
        match publish(
            versions,
            &prepared.base,
            Some(&prepared.old),
            (&content, &checked),
            &by,
        )
        .await
        {
            Ok(record) => {
                published = Some(record.version);
                break;
            }
            // Someone published meanwhile: apply the same choices on their version.
            Err(PublishError::Conflict(now_current)) => {
                tracing::info!(
                    version = now_current,
                    "another version went live meanwhile; applying the choices again on it"
                );
                continue;
            }
            Err(e) => return Ok(ApplyOutcome::Invalid(e.to_string())),
        }
    }
    if preview.accepted > 0 && published.is_none() && preview.refusal.is_none() {
        return Err(FlowError::Busy(
            "the boundary kept changing while this review was applied; try again".into(),
        ));
    }
    record_decisions(reviews, stored, form, published, now).await?;
    Ok(match published {
        Some(v) => ApplyOutcome::Published(v, preview),
        None => ApplyOutcome::Recorded(preview),
    })
}

async fn record_decisions(
    reviews: &dyn Reviews,
    mut stored: StoredReview,
    form: &ReviewForm,
    version: Option<u32>,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let rejected: Vec<String> = form
        .choices
        .iter()
        .filter(|(_, v)| *v == "reject")
        .map(|(k, _)| k.clone())
        .collect();
    reviews.reject_proposals(&rejected).await?;
    for _ in 0..5 {
        let mut review = stored.review.clone();
        review
            .decisions
            .extend(decisions_of(&review, form, version, now));
        if reviews.save_decisions(&review, stored.revision).await? {
            return Ok(());
        }
        // Another person saved first: add ours to theirs.
        stored = reviews
            .get_review(review.id)
            .await?
            .ok_or_else(|| bad("the review disappeared"))?;
    }
    Err(FlowError::Busy(
        "the review kept changing; try again".into(),
    ))
}
