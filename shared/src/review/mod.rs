//! The weekly review: the week's labelled escalations become proposals, a random sample of the
//! week's answers asks for a right / wrong click, a digest goes to the team with one signed
//! link, and what a person accepts on the review page goes live as a new boundary version.
//! See `docs/review.md`.

mod apply;
mod build;
mod digest;
pub mod evaluate;
mod form;
mod page;
mod proposal;
mod record;
mod token;

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;

pub use apply::{apply_review, preview_review, ApplyOutcome, ReviewForm, ReviewPreview};
pub use build::{build_review, review_url, BuiltReview, REVIEW_DAYS};
pub use digest::render_digest;
pub use page::{render_review_page, ReviewPageView};
pub use proposal::{apply as apply_proposals, proposals};
pub use record::{AnsweredSample, Change, Proposal, Review, ReviewDecision, ThresholdProposal};
pub use token::ReviewToken;

use crate::store::StoreError;

/// A stored review and the revision its decisions are at.
#[derive(Clone, Debug)]
pub struct StoredReview {
    pub review: Review,
    pub revision: u64,
    pub notified: bool,
}

/// Where reviews live (the table, `docs/state.md`).
#[async_trait]
pub trait Reviews: Send + Sync {
    async fn get_review(&self, id: NaiveDate) -> Result<Option<StoredReview>, StoreError>;
    /// Stores a new review; false when one with its id exists (a redelivered schedule).
    async fn create_review(&self, review: &Review) -> Result<bool, StoreError>;
    /// Reviews built on or after `since`, oldest first.
    async fn reviews_since(&self, since: NaiveDate) -> Result<Vec<Review>, StoreError>;
    async fn mark_review_notified(&self, id: NaiveDate) -> Result<(), StoreError>;
    /// Saves the decisions if the review is still at `revision`; false when another person saved
    /// first (read again and merge).
    async fn save_decisions(&self, review: &Review, revision: u64) -> Result<bool, StoreError>;
    /// Keys of proposals rejected in any review.
    async fn rejected_proposals(&self) -> Result<HashSet<String>, StoreError>;
    async fn reject_proposals(&self, keys: &[String]) -> Result<(), StoreError>;
    /// Up to `n` of `day`'s answers, drawn at random.
    async fn sample_answers(
        &self,
        day: NaiveDate,
        n: usize,
    ) -> Result<Vec<AnsweredSample>, StoreError>;
}
