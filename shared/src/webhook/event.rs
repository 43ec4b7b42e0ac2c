//! What one webhook event means for a conversation, and the marks our own records carry.

use crate::conversation::ConversationKey;
use crate::message::Message;

/// What one webhook event means.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEvent {
    /// The customer wrote, tapped a button or sent an attachment. From `standby[]` when
    /// `message.standby` is set: another app (a person) owns the thread.
    Customer(Message),
    /// A person replied from another app (the Page Inbox): the bot must stay out.
    Human(Message),
    /// Our own send echoed back (our app id, or our metadata marker).
    OwnEcho {
        conversation: ConversationKey,
        mid: String,
        /// The key of our send it echoes (from the metadata we attach), when Meta carried it.
        sent_key: Option<String>,
    },
    /// An Instagram echo without an app id: ours only if its mid is one our sends got back;
    /// otherwise a person replied (the message is prepared as theirs).
    UnattributedEcho(Message),
    /// Kept for the record, never answered: reactions and unsends.
    Activity(Message),
    /// Conversation Routing moved the thread.
    ThreadControl {
        record: Message,
        new_owner_app_id: Option<String>,
        previous_owner_app_id: Option<String>,
    },
    /// Another app asks for the thread (`request_thread_control`): a person wants the
    /// conversation, so the bot pauses and passes it.
    ThreadRequested {
        record: Message,
        requested_owner_app_id: Option<String>,
    },
    /// Reads, deliveries and event kinds we do not use.
    Ignored { kind: String },
    /// An event we could not understand; logged and skipped.
    Unusable { reason: String },
}

impl WebhookEvent {
    /// The conversation the event belongs to, when it names one.
    pub fn conversation(&self) -> Option<&ConversationKey> {
        match self {
            WebhookEvent::Customer(m)
            | WebhookEvent::Human(m)
            | WebhookEvent::UnattributedEcho(m)
            | WebhookEvent::Activity(m)
            | WebhookEvent::ThreadControl { record: m, .. }
            | WebhookEvent::ThreadRequested { record: m, .. } => Some(&m.conversation),
            WebhookEvent::OwnEcho { conversation, .. } => Some(conversation),
            WebhookEvent::Ignored { .. } | WebhookEvent::Unusable { .. } => None,
        }
    }
}

/// What a `request_thread_control` record says: `request_thread_control by <app id>`, then the
/// requester's metadata in parentheses. The policy function reads the app id back from it
/// (`thread_requested_by`) to pass the thread.
pub(super) fn thread_request_event(app_id: Option<&str>, metadata: Option<&str>) -> String {
    format!(
        "{THREAD_REQUEST} by {}{}",
        app_id.unwrap_or("?"),
        metadata.map(|m| format!(" ({m})")).unwrap_or_default()
    )
}

/// The event kind of a stored `request_thread_control` record.
pub const THREAD_REQUEST: &str = "request_thread_control";

/// The app that asked for the thread, from a stored `request_thread_control` record.
pub fn thread_requested_by(record: &Message) -> Option<&str> {
    let rest = record
        .event
        .as_deref()?
        .strip_prefix(THREAD_REQUEST)?
        .strip_prefix(" by ")?;
    let id = rest.split(' ').next()?;
    (!id.is_empty() && id != "?" && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Marker our sends put in `message.metadata`, echoed back by Meta so we can tell our own echoes
/// even where `app_id` is missing.
pub const OWN_METADATA_PREFIX: &str = "handoff:";
