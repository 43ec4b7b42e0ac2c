//! The stores on one DynamoDB table. Every write is a single-item conditional write except the
//! opening of an escalation (STATE and the escalation item together, one transaction), so each
//! step is idempotent and the bot stays silent while a customer is paused.

#[cfg(feature = "tools")]
mod bootstrap;
mod boundary;
mod by_time;
pub mod call_log;
mod conversations;
#[cfg(feature = "tools")]
pub mod erasure;
mod escalations;
pub mod items;
mod reviews;
mod stats;
#[cfg(feature = "tools")]
mod stream_reader;

#[cfg(feature = "tools")]
pub use bootstrap::{bootstrap, stream_arn, Bootstrapped};
#[cfg(feature = "tools")]
pub use stream_reader::{StartAt, StreamReader};

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use crate::conversation::ConversationKey;
use crate::ports::StoreError;
use items::STATE_SK;

/// The DynamoDB adapter of `Conversations`, `Escalations` and `Stats`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    retention: crate::policy::Retention,
}

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn aws<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    StoreError::Aws(DisplayErrorContext(e).to_string())
}

fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One value as DynamoDB stores it (through the same serde shape as whole items).
fn to_attr<T: serde::Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    to_item(&HashMap::from([("v", value)]))?
        .remove("v")
        .ok_or_else(|| StoreError::Corrupt("value".into()))
}

pub(super) fn update_condition_failed(err: &SdkError<UpdateItemError>) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

fn put_condition_failed(err: &SdkError<PutItemError>) -> bool {
    matches!(
        err.as_service_error(),
        Some(PutItemError::ConditionalCheckFailedException(_))
    )
}

fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(format!("request: {e}")))
}

/// Condition that STATE is still what was read at `version` (0: it did not exist).
fn state_unchanged(version: u64) -> (&'static str, Option<AttributeValue>) {
    if version == 0 {
        ("attribute_not_exists(pk)", None)
    } else {
        ("version = :v", Some(n(version)))
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: crate::policy::Retention::default(),
        }
    }

    /// Keeps items as long as the policy's `[retention]` says (TTL on `expires_at`).
    pub fn with_retention(mut self, retention: crate::policy::Retention) -> Self {
        self.retention = retention;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: impl Into<String>) -> Item {
        HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
    }

    fn state_key(key: &ConversationKey) -> Item {
        Self::key(key.partition_key(), STATE_SK)
    }

    /// A conditional put: true when written, false when the condition failed.
    async fn put_if(
        &self,
        item: Item,
        condition: &str,
        value: Option<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some((name, v)) = value {
            req = req.expression_attribute_values(name, v);
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) if put_condition_failed(&e) => Ok(false),
            Err(e) => Err(aws(e)),
        }
    }
}
