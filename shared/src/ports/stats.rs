//! Daily counters for the report.

use async_trait::async_trait;

use super::StoreError;

/// Daily counters for the report.
#[async_trait]
pub trait Stats: Send + Sync {
    /// Counts one answer on its day (for the report's answered-vs-escalated share).
    async fn count_answer(&self, day: chrono::NaiveDate) -> Result<(), StoreError>;
    /// Answers per day in `[from, to]`.
    async fn answers_per_day(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError>;
}
