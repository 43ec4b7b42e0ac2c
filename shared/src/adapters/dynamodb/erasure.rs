//! Erasure: everything the table holds about one customer lives in their partition (messages,
//! STATE, escalations, echo receipts), so forgetting them is one query and batched deletes.
//! The daily answer counters hold no personal data and stay.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::DynamoStore;
use crate::conversation::ConversationKey;
use crate::ports::StoreError;

/// What one customer's partition holds, by kind (sort keys).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CustomerItems {
    pub messages: Vec<String>,
    pub state: bool,
    pub escalations: Vec<String>,
    pub echo_receipts: Vec<String>,
}

impl CustomerItems {
    pub fn total(&self) -> usize {
        self.messages.len()
            + usize::from(self.state)
            + self.escalations.len()
            + self.echo_receipts.len()
    }

    fn sort_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.messages.clone();
        if self.state {
            keys.push(super::items::STATE_SK.to_string());
        }
        keys.extend(self.escalations.iter().cloned());
        keys.extend(self.echo_receipts.iter().cloned());
        keys
    }
}

/// DynamoDB takes at most 25 writes per batch.
const BATCH: usize = 25;

impl DynamoStore {
    /// Every item of the customer's partition, by kind.
    pub async fn customer_items(&self, key: &ConversationKey) -> Result<CustomerItems, StoreError> {
        let mut items = CustomerItems::default();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(
                    ":pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(key.partition_key()),
                )
                .projection_expression("sk")
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| {
                    StoreError::Aws(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
                })?;
            for item in page.items() {
                let Some(sk) = item.get("sk").and_then(|v| v.as_s().ok()) else {
                    continue;
                };
                match sk.split_once('#').map(|(kind, _)| kind) {
                    Some("M") => items.messages.push(sk.clone()),
                    Some("E") => items.escalations.push(sk.clone()),
                    Some("R") => items.echo_receipts.push(sk.clone()),
                    _ if sk == super::items::STATE_SK => items.state = true,
                    _ => items.messages.push(sk.clone()),
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Deletes everything the table holds about the customer; returns what it deleted.
    pub async fn forget(&self, key: &ConversationKey) -> Result<CustomerItems, StoreError> {
        let items = self.customer_items(key).await?;
        let requests: Vec<WriteRequest> = items
            .sort_keys()
            .into_iter()
            .map(|sk| {
                let delete = DeleteRequest::builder()
                    .key(
                        "pk",
                        aws_sdk_dynamodb::types::AttributeValue::S(key.partition_key()),
                    )
                    .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk))
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<_, StoreError>>()?;
        for chunk in requests.chunks(BATCH) {
            let mut pending = chunk.to_vec();
            // Unprocessed writes (throttling) are retried with a growing pause.
            for attempt in 0..8u32 {
                let out = self
                    .client()
                    .batch_write_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await
                    .map_err(|e| {
                        StoreError::Aws(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
                    })?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(self.table()))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            if !pending.is_empty() {
                return Err(StoreError::Aws(format!(
                    "{} deletes still unprocessed after retries; run the command again",
                    pending.len()
                )));
            }
        }
        Ok(items)
    }
}
