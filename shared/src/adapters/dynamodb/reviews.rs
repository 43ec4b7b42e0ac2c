//! `Reviews` on the table: one item per review (`REVIEW`/`R#{date}`, the review as JSON, a
//! revision for conditional saves), the rejected proposals' keys (`REVIEW`/`REJECTED`, a string
//! set), and the sample of answers through the by-time index (`ANS#{day}`, random sort keys), with
//! the day's answers a customer chose from a "Did you mean" (`chosen`) through the same index.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{NaiveDate, Utc};

use super::{aws, n, s, DynamoStore};
use crate::adapters::dynamodb::items::{answers_partition, ESCALATIONS_BY_TIME_INDEX};
use crate::ports::Reviews;
use crate::ports::StoreError;
use crate::review::{AnsweredSample, Review, StoredReview};

const REVIEW_PK: &str = "REVIEW";
const REJECTED_SK: &str = "REJECTED";

fn review_sk(id: NaiveDate) -> String {
    format!("R#{id}")
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[async_trait]
impl Reviews for DynamoStore {
    async fn get_review(&self, id: NaiveDate) -> Result<Option<StoredReview>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(REVIEW_PK.into(), review_sk(id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let doc = item
            .get("doc")
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| corrupt("a review without its document"))?;
        Ok(Some(StoredReview {
            review: serde_json::from_str(doc).map_err(corrupt)?,
            revision: item
                .get("revision")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            notified: item.contains_key("notified_at"),
        }))
    }

    async fn create_review(&self, review: &Review) -> Result<bool, StoreError> {
        let mut item = Self::key(REVIEW_PK.into(), review_sk(review.id));
        item.insert(
            "doc".into(),
            s(serde_json::to_string(review).map_err(corrupt)?),
        );
        item.insert("revision".into(), n(0));
        self.put_if(item, "attribute_not_exists(pk)", None).await
    }

    async fn reviews_since(&self, since: NaiveDate) -> Result<Vec<Review>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
                .expression_attribute_values(":pk", s(REVIEW_PK))
                .expression_attribute_values(":a", s(review_sk(since)))
                .expression_attribute_values(":b", s("R#9999"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(aws)?;
            for item in page.items.unwrap_or_default() {
                if let Some(doc) = item.get("doc").and_then(|v| v.as_s().ok()) {
                    out.push(serde_json::from_str(doc).map_err(corrupt)?);
                }
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    async fn mark_review_notified(&self, id: NaiveDate) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(REVIEW_PK.into(), review_sk(id))))
            .update_expression("SET notified_at = :t")
            .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn save_decisions(&self, review: &Review, revision: u64) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(REVIEW_PK.into(), review_sk(review.id))))
            .update_expression("SET doc = :d, revision = :next")
            .condition_expression("revision = :rev")
            .expression_attribute_values(":d", s(serde_json::to_string(review).map_err(corrupt)?))
            .expression_attribute_values(":next", n(revision + 1))
            .expression_attribute_values(":rev", n(revision))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if super::update_condition_failed(&e) => Ok(false),
            Err(e) => Err(aws(e)),
        }
    }

    async fn rejected_proposals(&self) -> Result<HashSet<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(REVIEW_PK.into(), REJECTED_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        Ok(out
            .item
            .and_then(|i| i.get("keys").and_then(|v| v.as_ss().ok()).cloned())
            .unwrap_or_default()
            .into_iter()
            .collect())
    }

    async fn reject_proposals(&self, keys: &[String]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(REVIEW_PK.into(), REJECTED_SK)))
            .update_expression("ADD #k :keys")
            .expression_attribute_names("#k", "keys")
            .expression_attribute_values(":keys", AttributeValue::Ss(keys.to_vec()))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn sample_answers(
        &self,
        day: NaiveDate,
        n: usize,
    ) -> Result<Vec<AnsweredSample>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        // Random sort keys: the first n by key are n drawn at random. Start at a random key so
        // two reviews of the same day do not always show the same ones.
        let start = uuid::Uuid::new_v4().simple().to_string();
        let mut found = Vec::new();
        for (cond, value) in [("gsi1sk >= :s", start.clone()), ("gsi1sk < :s", start)] {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(ESCALATIONS_BY_TIME_INDEX)
                .key_condition_expression(format!("gsi1pk = :pk AND {cond}"))
                .expression_attribute_values(":pk", s(answers_partition(day)))
                .expression_attribute_values(":s", s(value))
                .limit((n - found.len()) as i32)
                .send()
                .await
                .map_err(aws)?;
            found.extend(out.items.unwrap_or_default().iter().map(answered_sample));
            if found.len() >= n {
                break;
            }
        }
        Ok(found)
    }

    async fn chosen_answers(
        &self,
        day: NaiveDate,
        n: usize,
    ) -> Result<Vec<AnsweredSample>, StoreError> {
        // The day's answers, only the chosen ones returned: a read of the day's answers once a
        // week (a "Did you mean" is rare, and a flag on the answer costs the answer path nothing).
        let mut found = Vec::new();
        let mut start = None;
        while found.len() < n {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(ESCALATIONS_BY_TIME_INDEX)
                .key_condition_expression("gsi1pk = :pk")
                .filter_expression("chosen = :t")
                .expression_attribute_values(":pk", s(answers_partition(day)))
                .expression_attribute_values(":t", AttributeValue::Bool(true))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(aws)?;
            found.extend(out.items.unwrap_or_default().iter().map(answered_sample));
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        found.truncate(n);
        Ok(found)
    }
}

/// An answer's item in the by-time index as the review shows it.
fn answered_sample(item: &HashMap<String, AttributeValue>) -> AnsweredSample {
    let get = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    AnsweredSample {
        key: format!("{}|{}", get("pk"), get("sk")),
        at: item
            .get("ts")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(chrono::DateTime::from_timestamp_millis)
            .unwrap_or_default(),
        question: get("asked"),
        entry: get("entry"),
        answer: get("text"),
        confidence: item
            .get("confidence")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
    }
}
