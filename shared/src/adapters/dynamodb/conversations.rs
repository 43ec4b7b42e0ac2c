//! `Conversations`: message items (`M#…`) and the STATE item of each conversation's partition.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{aws, from_item, s, state_unchanged, to_item, DynamoStore, Item};
use crate::adapters::dynamodb::items::{expiry, MessageItem, StateItem, STATE_SK};
use crate::conversation::ConversationKey;
use crate::message::Message;
use crate::ports::StoreError;
use crate::ports::{ConversationSnapshot, Conversations, Delivery, Stored};
use crate::state::PauseFlag;

/// An echo can overtake the response of the send it echoes by this much.
const ECHO_OVERTAKES_MS: i64 = 60_000;

/// Meta's echo of a send is kept as long as a stream redelivery can come (24 h) and a day more.
const ECHO_RECEIPT_SECONDS: i64 = 2 * 86_400;

fn receipt_sort_key(sent_key: &str) -> String {
    format!("R#{}", crate::state::send_digest(sent_key))
}

impl DynamoStore {
    /// The partition newest first: STATE sorts after every `M#` item, `E#` items before them.
    async fn newest_items(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        Ok(self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(key.partition_key()))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit((limit + 1) as i32)
            .send()
            .await
            .map_err(aws)?
            .items
            .unwrap_or_default())
    }
}

fn sort_key(item: &Item) -> &str {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_default()
}

#[async_trait]
impl Conversations for DynamoStore {
    async fn record_message(&self, message: &Message) -> Result<Stored, StoreError> {
        let mut item = MessageItem::from_message(message);
        item.expires_at = expiry(message.timestamp_ms, self.retention.message_days);
        let item = to_item(&item)?;
        let new = self.put_if(item, "attribute_not_exists(pk)", None).await?;
        Ok(if new { Stored::New } else { Stored::Duplicate })
    }

    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError> {
        let mut snapshot = ConversationSnapshot::default();
        for item in self.newest_items(key, limit).await? {
            let sk = sort_key(&item);
            if sk == STATE_SK {
                snapshot.state = from_item::<StateItem>(item)?.into();
            } else if sk.starts_with("M#") {
                if let Some(m) = from_item::<MessageItem>(item)?.into_message() {
                    snapshot.messages.push(m);
                }
            }
        }
        snapshot.messages.reverse();
        Ok(snapshot)
    }

    async fn messages_through(
        &self,
        key: &ConversationKey,
        through: &Message,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let items = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :first AND :through")
            .expression_attribute_values(":pk", s(key.partition_key()))
            .expression_attribute_values(":first", s("M#".to_string()))
            .expression_attribute_values(":through", s(through.sort_key()))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit as i32)
            .send()
            .await
            .map_err(aws)?
            .items
            .unwrap_or_default();
        let mut messages = Vec::with_capacity(items.len());
        for item in items {
            if let Some(m) = from_item::<MessageItem>(item)?.into_message() {
                messages.push(m);
            }
        }
        messages.reverse();
        Ok(messages)
    }

    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::state_key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws)?;
        match out.item {
            Some(item) => Ok(from_item::<StateItem>(item)?.into()),
            None => Ok(PauseFlag::default()),
        }
    }

    async fn save_state(
        &self,
        key: &ConversationKey,
        next: &PauseFlag,
        read_version: u64,
    ) -> Result<bool, StoreError> {
        let (condition, version) = state_unchanged(read_version);
        let mut item = StateItem::new(key, next);
        item.expires_at = Some(expiry(0, self.retention.state_days));
        self.put_if(to_item(&item)?, condition, version.map(|v| (":v", v)))
            .await
    }

    async fn record_send(&self, sent: &Message, delivery: &Delivery) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&{
                let mut item = MessageItem::from_send(sent, delivery);
                item.expires_at = expiry(sent.timestamp_ms, self.retention.message_days);
                item
            })?))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn confirm_send(
        &self,
        key: &ConversationKey,
        sent_key: &str,
        sent_mid: &str,
    ) -> Result<(), StoreError> {
        let mut item = Self::key(key.partition_key(), receipt_sort_key(sent_key));
        item.insert("sent_mid".into(), s(sent_mid));
        item.insert(
            "expires_at".into(),
            super::n(Utc::now().timestamp() + ECHO_RECEIPT_SECONDS),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(aws)?;
        Ok(())
    }

    async fn send_delivery(&self, sent: &Message) -> Result<Option<Delivery>, StoreError> {
        let get = |sk: String| {
            self.client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(sent.conversation.partition_key(), sk)))
                .consistent_read(true)
                .send()
        };
        if let Some(item) = get(sent.sort_key()).await.map_err(aws)?.item {
            if let Some(delivery) = from_item::<MessageItem>(item)?.delivery() {
                return Ok(Some(delivery));
            }
        }
        Ok(get(receipt_sort_key(&sent.mid))
            .await
            .map_err(aws)?
            .item
            .and_then(|item| item.get("sent_mid")?.as_s().ok().cloned())
            .map(Delivery::Sent))
    }

    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let items = self.newest_items(key, 30).await?;
        let mut state = PauseFlag::default();
        let mut recorded = Vec::new();
        for item in items {
            if sort_key(&item) == STATE_SK {
                state = from_item::<StateItem>(item)?.into();
            } else if sort_key(&item).starts_with("M#") {
                let m = from_item::<MessageItem>(item)?;
                if m.sent_mid.as_deref() == Some(mid) {
                    return Ok(true);
                }
                recorded.push(crate::state::send_digest(&m.mid));
            }
        }
        let recent = now.timestamp_millis() - ECHO_OVERTAKES_MS;
        Ok(state
            .sends
            .iter()
            .any(|r| r.at_ms >= recent && !recorded.contains(&r.key)))
    }
}
