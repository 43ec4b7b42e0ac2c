//! One messaging event of Meta's webhook, as the domain reads it: a customer's message or
//! postback, a person's act (an echo from another app, a thread passed, taken or requested),
//! our own echo, activity to keep (an unsend, a reaction), or something to ignore.

use serde_json::Value;

use super::event::{thread_request_event, WebhookEvent, OWN_METADATA_PREFIX};
use super::payload::{MessagePart, MessagingEvent, RawAttachment};
use crate::conversation::{Channel, ConversationKey};
use crate::message::{Attachment, Direction, Message, Role};

/// What every record of one event shares.
struct Base {
    conversation: ConversationKey,
    timestamp_ms: i64,
    standby: bool,
}

impl Base {
    fn record(&self, mid: String, role: Role, direction: Direction) -> Message {
        Message {
            conversation: self.conversation.clone(),
            timestamp_ms: self.timestamp_ms,
            mid,
            role,
            direction,
            text: None,
            payload: None,
            attachments: Vec::new(),
            event: None,
            standby: self.standby,
            answer: None,
        }
    }
}

pub(super) fn normalize(
    raw: Value,
    channel: Channel,
    entry_id: Option<&str>,
    standby: bool,
    our_app_id: &str,
    fallback_ms: i64,
) -> WebhookEvent {
    let ev: MessagingEvent = match serde_json::from_value(raw) {
        Ok(ev) => ev,
        Err(e) => {
            return WebhookEvent::Unusable {
                reason: format!("event shape: {e}"),
            }
        }
    };
    let base = match base_of(&ev, channel, entry_id, standby, fallback_ms) {
        Ok(base) => base,
        Err(event) => return event,
    };
    if let Some(m) = &ev.message {
        if m.is_echo {
            return echo_event(&base, m, channel, our_app_id);
        }
        return message_event(&base, m);
    }
    if let Some(p) = &ev.postback {
        let mid = p
            .mid
            .clone()
            .unwrap_or_else(|| format!("postback-{}", base.timestamp_ms));
        let mut msg = base.record(mid, Role::Customer, Direction::In);
        msg.text = bounded_text(p.title.as_deref());
        msg.payload = p.payload.clone();
        return WebhookEvent::Customer(msg);
    }
    if let Some(r) = &ev.reaction {
        let target = r.mid.clone().unwrap_or_default();
        let action = r.action.clone().unwrap_or_else(|| "react".into());
        let mut rec = base.record(
            format!("reaction-{target}-{action}-{}", base.timestamp_ms),
            Role::Customer,
            Direction::Event,
        );
        let what = [r.reaction.as_deref(), r.emoji.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        rec.event = Some(format!("reaction {action} {what} on {target}"));
        return WebhookEvent::Activity(rec);
    }
    if let Some(event) = thread_event(&base, &ev) {
        return event;
    }
    let kind = if ev.read.is_some() {
        "read"
    } else if ev.delivery.is_some() {
        "delivery"
    } else {
        "unknown"
    };
    WebhookEvent::Ignored {
        kind: kind.to_string(),
    }
}

/// Whose conversation the event belongs to. The page is the recipient of customer events and the
/// sender of echoes.
#[allow(clippy::result_large_err)] // the Err is the event itself, returned at once
fn base_of(
    ev: &MessagingEvent,
    channel: Channel,
    entry_id: Option<&str>,
    standby: bool,
    fallback_ms: i64,
) -> Result<Base, WebhookEvent> {
    let (Some(sender), Some(recipient)) = (&ev.sender, &ev.recipient) else {
        return Err(WebhookEvent::Unusable {
            reason: "event without sender or recipient".into(),
        });
    };
    let is_echo = ev.message.as_ref().is_some_and(|m| m.is_echo);
    let (page, user) = if is_echo {
        (sender.id.as_deref(), recipient)
    } else {
        (recipient.id.as_deref(), sender)
    };
    let Some(user_id) = user.id.as_deref() else {
        // A checkbox-plugin person known only by `user_ref`: no page-scoped id to store or
        // answer yet; Meta sends an opt-in with the real id once they write.
        return Err(WebhookEvent::Ignored {
            kind: format!(
                "event from a user_ref without an id ({})",
                if user.user_ref.is_some() {
                    "checkbox plugin"
                } else {
                    "no id at all"
                }
            ),
        });
    };
    let Some(page_id) = entry_id.or(page) else {
        return Err(WebhookEvent::Unusable {
            reason: "event without a page id".into(),
        });
    };
    Ok(Base {
        conversation: ConversationKey::new(channel, page_id, user_id),
        timestamp_ms: ev.timestamp.unwrap_or(fallback_ms),
        standby,
    })
}

fn mid_of(base: &Base, m: &MessagePart) -> String {
    m.mid.clone().unwrap_or_else(|| {
        format!(
            "{}-{}",
            if m.is_echo { "echo" } else { "msg" },
            base.timestamp_ms
        )
    })
}

fn unsent(base: &Base, mid: &str) -> WebhookEvent {
    let mut rec = base.record(format!("unsend-{mid}"), Role::Customer, Direction::Event);
    rec.event = Some(format!("unsend {mid}"));
    WebhookEvent::Activity(rec)
}

/// The customer wrote (or sent something the bot cannot see at all: a person looks).
fn message_event(base: &Base, m: &MessagePart) -> WebhookEvent {
    let mid = mid_of(base, m);
    if m.is_deleted {
        return unsent(base, &mid);
    }
    let mut msg = base.record(mid, Role::Customer, Direction::In);
    msg.text = bounded_text(m.text.as_deref());
    msg.payload = m.quick_reply.as_ref().map(|q| q.payload.clone());
    msg.attachments = attachments(m);
    if m.is_unsupported {
        msg.attachments.push(Attachment {
            kind: "unsupported".into(),
            url: None,
        });
    }
    WebhookEvent::Customer(msg)
}

/// A message the page sent: ours (by app id, or by the metadata we put on every send), or a
/// person's from another app (on Instagram, without an app id: to be told apart from ours).
fn echo_event(base: &Base, m: &MessagePart, channel: Channel, our_app_id: &str) -> WebhookEvent {
    let mid = mid_of(base, m);
    if m.is_deleted {
        return unsent(base, &mid);
    }
    let sent_key = m
        .metadata
        .as_deref()
        .and_then(|md| md.strip_prefix(OWN_METADATA_PREFIX))
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    if m.app_id.as_deref() == Some(our_app_id) || sent_key.is_some() {
        return WebhookEvent::OwnEcho {
            conversation: base.conversation.clone(),
            mid,
            sent_key,
        };
    }
    let mut msg = base.record(mid, Role::Human, Direction::Out);
    msg.text = bounded_text(m.text.as_deref());
    msg.attachments = attachments(m);
    msg.event = Some(match m.app_id.as_ref() {
        Some(a) => format!("echo from app {a}"),
        None => "echo without app id".to_string(),
    });
    if m.app_id.is_none() && channel == Channel::Instagram {
        return WebhookEvent::UnattributedEcho(msg);
    }
    WebhookEvent::Human(msg)
}

/// The thread passed, taken or requested (Conversation Routing).
fn thread_event(base: &Base, ev: &MessagingEvent) -> Option<WebhookEvent> {
    for (kind, tc) in [
        ("pass_thread_control", &ev.pass_thread_control),
        ("take_thread_control", &ev.take_thread_control),
    ] {
        if let Some(tc) = tc {
            let mut rec = base.record(
                format!("{kind}-{}", base.timestamp_ms),
                Role::Human,
                Direction::Event,
            );
            rec.event = Some(format!(
                "{kind} from {} to {}{}",
                tc.previous_owner_app_id.as_deref().unwrap_or("?"),
                tc.new_owner_app_id.as_deref().unwrap_or("?"),
                tc.metadata
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ));
            return Some(WebhookEvent::ThreadControl {
                record: rec,
                new_owner_app_id: tc.new_owner_app_id.clone(),
                previous_owner_app_id: tc.previous_owner_app_id.clone(),
            });
        }
    }
    let tr = ev.request_thread_control.as_ref()?;
    let mut rec = base.record(
        format!("request_thread_control-{}", base.timestamp_ms),
        Role::Human,
        Direction::Event,
    );
    rec.event = Some(thread_request_event(
        tr.requested_owner_app_id.as_deref(),
        tr.metadata.as_deref(),
    ));
    Some(WebhookEvent::ThreadRequested {
        record: rec,
        requested_owner_app_id: tr.requested_owner_app_id.clone(),
    })
}

/// Longest text a stored message keeps, in characters (Meta's own limit for a text is 2,000; a
/// body that carries more is cut here, so that no message item nears DynamoDB's 400 KB).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Attachments a stored message keeps.
pub(super) const MAX_ATTACHMENTS: usize = 20;
/// Longest link an attachment keeps.
const MAX_URL_BYTES: usize = 4_096;

pub(super) fn bounded_text(text: Option<&str>) -> Option<String> {
    let text = text?;
    Some(match text.char_indices().nth(MAX_TEXT_CHARS) {
        None => text.to_string(),
        Some((at, _)) => {
            tracing::warn!(
                chars = text.chars().count(),
                kept = MAX_TEXT_CHARS,
                "message text cut to the stored limit"
            );
            format!("{}…", &text[..at])
        }
    })
}

/// A message's attachments, as many as a stored message keeps.
pub(super) fn attachments(m: &MessagePart) -> Vec<Attachment> {
    m.attachments
        .iter()
        .take(MAX_ATTACHMENTS)
        .map(attachment)
        .collect()
}

fn attachment(raw: &RawAttachment) -> Attachment {
    let url = raw
        .payload
        .as_ref()
        .and_then(|p| p.get("url"))
        .and_then(Value::as_str)
        .filter(|u| u.len() <= MAX_URL_BYTES)
        .map(str::to_string);
    // Stickers are images with a sticker_id; name them so the policy never treats one as a photo.
    let is_sticker = raw
        .payload
        .as_ref()
        .is_some_and(|p| p.get("sticker_id").is_some());
    let kind = match raw.kind.as_deref() {
        _ if is_sticker => "sticker".to_string(),
        Some(k) if !k.is_empty() => k.chars().take(64).collect(),
        _ => "unknown".to_string(),
    };
    Attachment { kind, url }
}
