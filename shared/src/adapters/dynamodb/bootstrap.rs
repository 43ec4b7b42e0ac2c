//! Creates the table and the topic when missing (local runs; in AWS the template does this).

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
    TimeToLiveSpecification,
};

use super::items::ESCALATIONS_BY_TIME_INDEX;
use crate::ports::StoreError;

/// What exists after bootstrapping.
#[derive(Clone, Debug)]
pub struct Bootstrapped {
    pub table_created: bool,
    pub stream_arn: String,
    pub topic_arn: String,
}

fn err(e: impl std::error::Error + 'static) -> StoreError {
    StoreError::Aws(DisplayErrorContext(e).to_string())
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn attr(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Ensures the table `table` (stream NEW_IMAGE, TTL on `expires_at`, the by-time index) and the
/// topic `topic` exist.
pub async fn bootstrap(
    dynamodb: &aws_sdk_dynamodb::Client,
    sns: &aws_sdk_sns::Client,
    table: &str,
    topic: &str,
) -> Result<Bootstrapped, StoreError> {
    let table_created = dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .is_err();
    if table_created {
        create_table(dynamodb, table).await?;
    }
    let stream_arn = active_stream(dynamodb, table).await?;
    let topic_arn = sns
        .create_topic()
        .name(topic)
        .send()
        .await
        .map_err(|e| StoreError::Aws(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?
        .topic_arn
        .unwrap_or_default();
    Ok(Bootstrapped {
        table_created,
        stream_arn,
        topic_arn,
    })
}

/// Creates the table: on demand, the by-time index, the stream (NEW_IMAGE), TTL on `expires_at`.
async fn create_table(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), StoreError> {
    dynamodb
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .attribute_definitions(attr("gsi1pk")?)
        .attribute_definitions(attr("gsi1sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(ESCALATIONS_BY_TIME_INDEX)
                .key_schema(key("gsi1pk", KeyType::Hash)?)
                .key_schema(key("gsi1sk", KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .send()
        .await
        .map_err(err)?;
    dynamodb
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires_at")
                .build()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .send()
        .await
        .map_err(err)?;
    tracing::info!(table, "table created");
    Ok(())
}

/// The table's stream, once the table is active (a new table takes a moment).
async fn active_stream(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<String, StoreError> {
    let mut stream_arn = None;
    for _ in 0..50 {
        let d = dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(err)?;
        if let Some(t) = d.table {
            if t.table_status == Some(TableStatus::Active) {
                stream_arn = t.latest_stream_arn;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stream_arn.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "table {table} is not active or has no stream (enable NEW_IMAGE streams)"
        ))
    })
}

/// The stream of an existing table.
pub async fn stream_arn(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<String>, StoreError> {
    let d = dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(err)?;
    Ok(d.table.and_then(|t| t.latest_stream_arn))
}
