//! Who a conversation is with: the channel, the page and the customer. It is the table's partition.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Messenger or Instagram Direct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Messenger,
    Instagram,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
        }
    }

    /// The inbox app that humans answer from under Conversation Routing (REFERENCE.md).
    pub fn inbox_app_id(self) -> &'static str {
        match self {
            Channel::Messenger => PAGE_INBOX_APP_ID,
            Channel::Instagram => INSTAGRAM_INBOX_APP_ID,
        }
    }
}

/// Meta Business Suite's Page Inbox app.
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";
/// The Instagram Inbox app.
pub const INSTAGRAM_INBOX_APP_ID: &str = "1217981644879628";

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "messenger" => Ok(Channel::Messenger),
            "instagram" => Ok(Channel::Instagram),
            other => Err(format!(
                "unknown channel {other:?}: expected messenger or instagram"
            )),
        }
    }
}

/// One customer on one page of one channel.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConversationKey {
    pub channel: Channel,
    pub page_id: String,
    pub user_id: String,
}

impl ConversationKey {
    pub fn new(channel: Channel, page_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            channel,
            page_id: page_id.into(),
            user_id: user_id.into(),
        }
    }

    /// The partition key: `C#{channel}#{page_id}#{user_id}`.
    pub fn partition_key(&self) -> String {
        format!("C#{}#{}#{}", self.channel, self.page_id, self.user_id)
    }

    /// Reads a partition key back.
    pub fn from_partition_key(pk: &str) -> Option<Self> {
        let mut parts = pk.splitn(4, '#');
        if parts.next()? != "C" {
            return None;
        }
        let channel = parts.next()?.parse().ok()?;
        let page_id = parts.next()?;
        let user_id = parts.next()?;
        if page_id.is_empty() || user_id.is_empty() || user_id.contains('#') {
            return None;
        }
        Some(Self::new(channel, page_id, user_id))
    }
}

impl fmt::Display for ConversationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.channel, self.page_id, self.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_key_round_trips() {
        let k = ConversationKey::new(Channel::Instagram, "17841400000", "9988");
        assert_eq!(k.partition_key(), "C#instagram#17841400000#9988");
        assert_eq!(
            ConversationKey::from_partition_key(&k.partition_key()),
            Some(k)
        );
        assert_eq!(ConversationKey::from_partition_key("C#fax#1#2"), None);
        assert_eq!(ConversationKey::from_partition_key("X#messenger#1#2"), None);
    }
}
