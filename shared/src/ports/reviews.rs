//! The weekly reviews: stored once a week, decided on by people, and the sample of answers they
//! check.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::StoreError;
use crate::review::{AnsweredSample, Review, StoredReview};

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
    /// Up to `n` of `day`'s answers whose entry the customer chose from a "Did you mean".
    async fn chosen_answers(
        &self,
        day: NaiveDate,
        n: usize,
    ) -> Result<Vec<AnsweredSample>, StoreError>;
}
