//! `Stats`: one counter item per day under the `STATS` partition.

use async_trait::async_trait;

use super::{aws, n, s, DynamoStore};
use crate::adapters::dynamodb::items::STATS_PK;
use crate::ports::Stats;
use crate::ports::StoreError;

#[async_trait]
impl Stats for DynamoStore {
    async fn count_answer(&self, day: chrono::NaiveDate) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(STATS_PK.to_string(), format!("D#{day}"))))
            .update_expression("ADD answers :one")
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn answers_per_day(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
            .expression_attribute_values(":pk", s(STATS_PK))
            .expression_attribute_values(":a", s(format!("D#{from}")))
            .expression_attribute_values(":b", s(format!("D#{to}")))
            .send()
            .await
            .map_err(aws)?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| {
                let day = item
                    .get("sk")?
                    .as_s()
                    .ok()?
                    .strip_prefix("D#")?
                    .parse()
                    .ok()?;
                let n = item.get("answers")?.as_n().ok()?.parse().ok()?;
                Some((day, n))
            })
            .collect())
    }
}
