//! The escalations' by-time index: one partition per month, read month after month.

use chrono::{DateTime, Datelike, Utc};

use super::items::{EscalationItem, ESCALATIONS_BY_TIME_INDEX};
use super::{aws, from_item, s, DynamoStore};
use crate::escalation::Escalation;
use crate::ports::StoreError;

impl DynamoStore {
    /// Escalations created in `[since, until]` through the by-time index, one month partition
    /// after another (never a table scan); optionally of one reason, optionally only unresumed.
    pub(super) async fn escalations_by_time(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: Option<&str>,
        only_open: bool,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Escalation>, StoreError> {
        let mut filters = Vec::new();
        if reason.is_some() {
            filters.push("reason = :r");
        }
        if only_open {
            filters.push("attribute_not_exists(resumed_at)");
        }
        let mut out = Vec::new();
        let mut month = since.date_naive().with_day(1).unwrap_or(since.date_naive());
        while month <= until.date_naive() {
            let mut start_key = None;
            loop {
                let mut q = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(ESCALATIONS_BY_TIME_INDEX)
                    .key_condition_expression("gsi1pk = :m AND gsi1sk BETWEEN :since AND :until")
                    .expression_attribute_values(":m", s(format!("ESC#{}", month.format("%Y-%m"))))
                    .expression_attribute_values(
                        ":since",
                        s(format!("{:013}", since.timestamp_millis())),
                    )
                    // "~" sorts after "#": every id of the last millisecond is included.
                    .expression_attribute_values(
                        ":until",
                        s(format!("{:013}~", until.timestamp_millis())),
                    )
                    .set_exclusive_start_key(start_key);
                if !filters.is_empty() {
                    q = q.filter_expression(filters.join(" AND "));
                }
                if let Some(r) = reason {
                    q = q.expression_attribute_values(":r", s(r));
                }
                let page = q.send().await.map_err(aws)?;
                for item in page.items.unwrap_or_default() {
                    out.push(from_item::<EscalationItem>(item)?.escalation);
                }
                progress(out.len());
                start_key = page.last_evaluated_key;
                if start_key.is_none() {
                    break;
                }
            }
            month = month
                .checked_add_months(chrono::Months::new(1))
                .ok_or_else(|| StoreError::Corrupt("month overflow".into()))?;
        }
        Ok(out)
    }
}
