//! `BoundaryVersions` on the table: the pointer (`BOUNDARY`/`CURRENT`), the history
//! (`BOUNDARY`/`V#{version:06}`) and the blobs (`BLOB#{digest}`/`P#{part:04}`, 300 KB of binary
//! each: an item holds at most 400 KB). Blobs are named by their digest, so a retried or
//! concurrent upload writes the same bytes; only the transaction that appends a version moves the
//! pointer.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::{aws, build, from_item, n, s, to_item, DynamoStore, Item};
use crate::live::{CurrentVersion, Publication, VersionRecord};
use crate::ports::BoundaryVersions;
use crate::ports::StoreError;

pub const BOUNDARY_PK: &str = "BOUNDARY";
const CURRENT_SK: &str = "CURRENT";
const PART_BYTES: usize = 300 * 1024;

fn blob_pk(digest: &str) -> String {
    format!("BLOB#{digest}")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RecordItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    record: VersionRecord,
}

impl DynamoStore {
    async fn query_all(
        &self,
        pk: &str,
        prefix: &str,
        newest_first: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":p", s(prefix))
                .scan_index_forward(!newest_first)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(aws)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }
}

#[async_trait]
impl BoundaryVersions for DynamoStore {
    async fn current(&self) -> Result<CurrentVersion, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(BOUNDARY_PK.into(), CURRENT_SK)))
            .projection_expression("version, content")
            .send()
            .await
            .map_err(aws)?;
        let Some(item) = out.item else {
            return Ok(CurrentVersion::layer());
        };
        let version = item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::Corrupt("the boundary pointer has no version".into()))?;
        let content = item
            .get("content")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        Ok(CurrentVersion { version, content })
    }

    async fn put_content(&self, digest: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let parts: Vec<&[u8]> = if bytes.is_empty() {
            vec![&[]]
        } else {
            bytes.chunks(PART_BYTES).collect()
        };
        for (i, part) in parts.iter().enumerate() {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(
                    [
                        ("pk".to_string(), s(blob_pk(digest))),
                        ("sk".to_string(), s(format!("P#{i:04}"))),
                        ("parts".to_string(), n(parts.len())),
                        (
                            "data".to_string(),
                            AttributeValue::B(Blob::new(part.to_vec())),
                        ),
                    ]
                    .into(),
                ))
                .send()
                .await
                .map_err(aws)?;
        }
        Ok(())
    }

    async fn content(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let items = self.query_all(&blob_pk(digest), "P#", false).await?;
        if items.is_empty() {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        for item in items {
            if let Some(AttributeValue::B(b)) = item.get("data") {
                bytes.extend_from_slice(b.as_ref());
            }
        }
        Ok(Some(bytes))
    }

    async fn make_current(&self, record: &VersionRecord) -> Result<Publication, StoreError> {
        let history = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&RecordItem {
                pk: BOUNDARY_PK.into(),
                sk: format!("V#{:06}", record.version),
                record: record.clone(),
            })?))
            .condition_expression("attribute_not_exists(pk)");
        let mut pointer = Put::builder().table_name(&self.table).set_item(Some(
            [
                ("pk".to_string(), s(BOUNDARY_PK)),
                ("sk".to_string(), s(CURRENT_SK)),
                ("version".to_string(), n(record.version)),
                ("content".to_string(), s(&record.content)),
                ("at".to_string(), s(record.at.to_rfc3339())),
                ("by".to_string(), s(&record.by)),
            ]
            .into(),
        ));
        pointer = if record.base == crate::live::LAYER_VERSION {
            pointer.condition_expression("attribute_not_exists(pk)")
        } else {
            pointer
                .condition_expression("version = :base")
                .expression_attribute_values(":base", n(record.base))
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(build(history.build())?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(build(pointer.build())?)
                    .build(),
            )
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Publication::Published(record.clone())),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c))
                    if c.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Ok(Publication::CurrentMoved)
                }
                _ => Err(aws(e)),
            },
        }
    }

    async fn history(&self) -> Result<Vec<VersionRecord>, StoreError> {
        self.query_all(BOUNDARY_PK, "V#", true)
            .await?
            .into_iter()
            .map(|item| from_item::<RecordItem>(item).map(|r| r.record))
            .collect()
    }
}
