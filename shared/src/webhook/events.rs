//! Meta's events, turned into what they mean for a conversation.

use serde_json::Value;
use thiserror::Error;

use super::payload::{Entry, MessagePart, MessagingEvent, RawAttachment, WebhookBody};
use crate::conversation::{Channel, ConversationKey};
use crate::message::{Attachment, Direction, Message, Role};

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

/// A signed body that cannot be used at all.
#[derive(Debug, Error)]
pub enum UnusableBody {
    #[error("body is not a Meta webhook: {0}")]
    Shape(String),
    #[error("webhook object {0:?} is neither \"page\" nor \"instagram\"")]
    Object(String),
}

/// Marker our sends put in `message.metadata`, echoed back by Meta so we can tell our own echoes
/// even where `app_id` is missing.
pub const OWN_METADATA_PREFIX: &str = "handoff:";

/// Parses a verified body into events. `our_app_id` tells our echoes from a human's.
pub fn parse_webhook(body: &[u8], our_app_id: &str) -> Result<Vec<WebhookEvent>, UnusableBody> {
    parse_webhook_at(body, our_app_id, chrono::Utc::now().timestamp_millis())
}

/// `parse_webhook`, with the receipt time: the last fallback for an event without a timestamp
/// (after its entry's `time`), so no event is dropped for the lack of one.
pub fn parse_webhook_at(
    body: &[u8],
    our_app_id: &str,
    received_ms: i64,
) -> Result<Vec<WebhookEvent>, UnusableBody> {
    let (body, replaced) = super::repair::decodable(body);
    if replaced > 0 {
        tracing::warn!(
            replaced,
            "undecodable characters in the webhook body replaced with U+FFFD"
        );
    }
    let parsed: WebhookBody =
        serde_json::from_slice(&body).map_err(|e| UnusableBody::Shape(e.to_string()))?;
    let channel = match parsed.object.as_str() {
        "page" => Channel::Messenger,
        "instagram" => Channel::Instagram,
        other => return Err(UnusableBody::Object(other.to_string())),
    };
    let mut events = Vec::new();
    for raw in parsed.entry {
        let entry: Entry = match serde_json::from_value(raw) {
            Ok(entry) => entry,
            Err(e) => {
                events.push(WebhookEvent::Unusable {
                    reason: format!("entry shape: {e}"),
                });
                continue;
            }
        };
        let fallback_ms = entry.time.unwrap_or(received_ms);
        events.extend(entry.changes.iter().map(|c| WebhookEvent::Ignored {
            kind: format!(
                "changes ({})",
                c.get("field").and_then(Value::as_str).unwrap_or("unknown field")
            ),
        }));
        for (raw, standby) in entry
            .messaging
            .into_iter()
            .map(|v| (v, false))
            .chain(entry.standby.into_iter().map(|v| (v, true)))
        {
            events.push(normalize(
                raw,
                channel,
                entry.id.as_deref(),
                standby,
                our_app_id,
                fallback_ms,
            ));
        }
    }
    Ok(events)
}

/// What a `request_thread_control` record says: `request_thread_control by <app id>`, then the
/// requester's metadata in parentheses. The policy function reads the app id back from it
/// (`thread_requested_by`) to pass the thread.
fn thread_request_event(app_id: Option<&str>, metadata: Option<&str>) -> String {
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

/// Longest text a stored message keeps, in characters (Meta's own limit for a text is 2,000; a
/// body that carries more is cut here, so that no message item nears DynamoDB's 400 KB).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Attachments a stored message keeps.
const MAX_ATTACHMENTS: usize = 20;
/// Longest link an attachment keeps.
const MAX_URL_BYTES: usize = 4_096;

fn bounded_text(text: Option<&str>) -> Option<String> {
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
fn attachments(m: &MessagePart) -> Vec<Attachment> {
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

fn normalize(
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
    let (Some(sender), Some(recipient)) = (&ev.sender, &ev.recipient) else {
        return WebhookEvent::Unusable {
            reason: "event without sender or recipient".into(),
        };
    };
    let timestamp_ms = ev.timestamp.unwrap_or(fallback_ms);
    let is_echo = ev.message.as_ref().is_some_and(|m| m.is_echo);
    // The page is the recipient of customer events and the sender of echoes.
    let (page, user) = if is_echo {
        (sender.id.as_deref(), recipient)
    } else {
        (recipient.id.as_deref(), sender)
    };
    let Some(user_id) = user.id.as_deref() else {
        // A checkbox-plugin person known only by `user_ref`: no page-scoped id to store or
        // answer yet; Meta sends an opt-in with the real id once they write.
        return WebhookEvent::Ignored {
            kind: format!(
                "event from a user_ref without an id ({})",
                if user.user_ref.is_some() {
                    "checkbox plugin"
                } else {
                    "no id at all"
                }
            ),
        };
    };
    let Some(page_id) = entry_id.or(page) else {
        return WebhookEvent::Unusable {
            reason: "event without a page id".into(),
        };
    };
    let conversation = ConversationKey::new(channel, page_id, user_id);
    let base = |mid: String, role: Role, direction: Direction| Message {
        conversation: conversation.clone(),
        timestamp_ms,
        mid,
        role,
        direction,
        text: None,
        payload: None,
        attachments: Vec::new(),
        event: None,
        standby,
        answer: None,
    };

    if let Some(m) = &ev.message {
        let derived = || format!("{}-{}", if is_echo { "echo" } else { "msg" }, timestamp_ms);
        let mid = m.mid.clone().unwrap_or_else(derived);
        if m.is_deleted {
            let mut rec = base(format!("unsend-{mid}"), Role::Customer, Direction::Event);
            rec.event = Some(format!("unsend {mid}"));
            return WebhookEvent::Activity(rec);
        }
        if is_echo {
            let sent_key = m
                .metadata
                .as_deref()
                .and_then(|md| md.strip_prefix(OWN_METADATA_PREFIX))
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            let own_metadata = sent_key.is_some();
            match m.app_id.as_deref() {
                Some(app) if app == our_app_id => {
                    return WebhookEvent::OwnEcho {
                        conversation,
                        mid,
                        sent_key,
                    }
                }
                _ if own_metadata => {
                    return WebhookEvent::OwnEcho {
                        conversation,
                        mid,
                        sent_key,
                    }
                }
                _ => {}
            }
            let mut msg = base(mid, Role::Human, Direction::Out);
            msg.text = bounded_text(m.text.as_deref());
            msg.attachments = attachments(m);
            msg.event = Some(match m.app_id.as_ref() {
                Some(a) => format!("echo from app {a}"),
                None => "echo without app id".to_string(),
            });
            if m.app_id.is_none() && channel == Channel::Instagram {
                return WebhookEvent::UnattributedEcho(msg);
            }
            return WebhookEvent::Human(msg);
        }
        let mut msg = base(mid, Role::Customer, Direction::In);
        msg.text = bounded_text(m.text.as_deref());
        msg.payload = m.quick_reply.as_ref().map(|q| q.payload.clone());
        msg.attachments = attachments(m);
        if m.is_unsupported {
            // Something the bot cannot see at all: a person looks.
            msg.attachments.push(Attachment {
                kind: "unsupported".into(),
                url: None,
            });
        }
        return WebhookEvent::Customer(msg);
    }
    if let Some(p) = &ev.postback {
        let mid = p
            .mid
            .clone()
            .unwrap_or_else(|| format!("postback-{timestamp_ms}"));
        let mut msg = base(mid, Role::Customer, Direction::In);
        msg.text = bounded_text(p.title.as_deref());
        msg.payload = p.payload.clone();
        return WebhookEvent::Customer(msg);
    }
    if let Some(r) = &ev.reaction {
        let target = r.mid.clone().unwrap_or_default();
        let action = r.action.clone().unwrap_or_else(|| "react".into());
        let mut rec = base(
            format!("reaction-{target}-{action}-{timestamp_ms}"),
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
    for (kind, tc) in [
        ("pass_thread_control", &ev.pass_thread_control),
        ("take_thread_control", &ev.take_thread_control),
    ] {
        if let Some(tc) = tc {
            let mut rec = base(
                format!("{kind}-{timestamp_ms}"),
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
            return WebhookEvent::ThreadControl {
                record: rec,
                new_owner_app_id: tc.new_owner_app_id.clone(),
                previous_owner_app_id: tc.previous_owner_app_id.clone(),
            };
        }
    }
    if let Some(tr) = &ev.request_thread_control {
        let mut rec = base(
            format!("request_thread_control-{timestamp_ms}"),
            Role::Human,
            Direction::Event,
        );
        rec.event = Some(thread_request_event(
            tr.requested_owner_app_id.as_deref(),
            tr.metadata.as_deref(),
        ));
        return WebhookEvent::ThreadRequested {
            record: rec,
            requested_owner_app_id: tr.requested_owner_app_id.clone(),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    const OUR_APP: &str = "555000111222333";

    fn parse(name: &str) -> Vec<WebhookEvent> {
        let path = format!("{}/../events/meta/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse_webhook(&body, OUR_APP).unwrap()
    }

    fn customer(e: &WebhookEvent) -> &Message {
        match e {
            WebhookEvent::Customer(m) => m,
            other => panic!("expected a customer message, got {other:?}"),
        }
    }

    #[test]
    fn messenger_text_names_page_and_customer() {
        let events = parse("messenger-text");
        let m = customer(&events[0]);
        assert_eq!(
            m.conversation.partition_key(),
            "C#messenger#104729384756123#7654321098765432"
        );
        assert_eq!(m.text.as_deref(), Some("What are your opening hours?"));
        assert_eq!(m.mid, "m_text_1");
        assert_eq!(m.timestamp_ms, 1764064800000);
        assert!(!m.standby);
    }

    #[test]
    fn quick_replies_and_postbacks_carry_their_payload() {
        let qr = parse("messenger-quick-reply");
        assert_eq!(customer(&qr[0]).payload.as_deref(), Some("BOOK_WORKSHOP"));
        let pb = parse("messenger-postback");
        let m = customer(&pb[0]);
        assert_eq!(m.payload.as_deref(), Some("TALK_TO_HUMAN"));
        assert_eq!(m.mid, "m_pb_1");
    }

    #[test]
    fn attachments_keep_type_and_link_and_stickers_are_named() {
        let events = parse("messenger-attachments");
        let kinds: Vec<String> = events
            .iter()
            .map(|e| customer(e).attachments[0].kind.clone())
            .collect();
        assert_eq!(
            kinds,
            [
                "audio",
                "image",
                "video",
                "file",
                "sticker",
                "appointment_booking"
            ]
        );
        let voice = customer(&events[0]);
        assert_eq!(
            voice.attachments[0].url.as_deref(),
            Some("https://cdn.fbsbx.example/v/voice.mp4")
        );
        assert!(voice.text.is_none());
        assert!(voice.display_text().contains("voice.mp4"));
    }

    #[test]
    fn echoes_from_the_page_inbox_are_a_human_and_ours_are_not() {
        match &parse("messenger-echo-page-inbox")[0] {
            WebhookEvent::Human(m) => {
                assert_eq!(m.conversation.user_id, "7654321098765432");
                assert_eq!(m.role, Role::Human);
                assert!(m.event.as_deref().unwrap().contains("263902037430900"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            &parse("messenger-echo-own")[0],
            WebhookEvent::OwnEcho { .. }
        ));
    }

    #[test]
    fn reads_and_deliveries_are_ignored_reactions_kept() {
        let events = parse("messenger-read-delivery");
        assert_eq!(
            events,
            vec![
                WebhookEvent::Ignored {
                    kind: "read".into()
                },
                WebhookEvent::Ignored {
                    kind: "delivery".into()
                },
            ]
        );
        match &parse("messenger-reaction")[0] {
            WebhookEvent::Activity(m) => {
                assert_eq!(m.direction, Direction::Event);
                assert!(m.event.as_deref().unwrap().contains("love"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unsend_as_string_or_bool() {
        for name in ["instagram-unsend-string", "instagram-unsend-bool"] {
            match &parse(name)[0] {
                WebhookEvent::Activity(m) => {
                    assert!(m.event.as_deref().unwrap().starts_with("unsend"), "{name}");
                    assert_eq!(m.conversation.channel, Channel::Instagram);
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn thread_control_and_standby() {
        match &parse("messenger-take-thread-control")[0] {
            WebhookEvent::ThreadControl {
                new_owner_app_id, ..
            } => {
                assert_eq!(new_owner_app_id.as_deref(), Some("263902037430900"))
            }
            other => panic!("{other:?}"),
        }
        match &parse("messenger-pass-thread-control-to-us")[0] {
            WebhookEvent::ThreadControl {
                new_owner_app_id, ..
            } => {
                assert_eq!(new_owner_app_id.as_deref(), Some(OUR_APP))
            }
            other => panic!("{other:?}"),
        }
        assert!(customer(&parse("messenger-standby")[0]).standby);
    }

    #[test]
    fn instagram_uses_the_account_id_and_igsid() {
        let m = customer(&parse("instagram-text")[0]).clone();
        assert_eq!(
            m.conversation.partition_key(),
            "C#instagram#17841400000000001#5566778899001122"
        );
    }

    #[test]
    fn every_entry_is_read_and_a_bad_event_does_not_spoil_the_batch() {
        let events = parse("messenger-batch");
        assert_eq!(events.len(), 3);
        assert_eq!(customer(&events[0]).text.as_deref(), Some("first"));
        assert_eq!(customer(&events[1]).text.as_deref(), Some("second"));
        assert!(matches!(events[2], WebhookEvent::Unusable { .. }));
    }

    #[test]
    fn a_request_for_the_thread_names_the_app_that_asked() {
        let events = parse("messenger-request-thread-control");
        match &events[..] {
            [WebhookEvent::ThreadRequested {
                record,
                requested_owner_app_id,
            }] => {
                assert_eq!(requested_owner_app_id.as_deref(), Some("263902037430900"));
                assert_eq!(record.role, Role::Human);
                assert_eq!(record.conversation.user_id, "7654321098765432");
                assert_eq!(thread_requested_by(record), Some("263902037430900"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_huge_message_is_cut_to_what_a_record_holds() {
        let body = serde_json::json!({"object": "page", "entry": [{"id": "1", "messaging": [{
            "sender": {"id": "2"}, "recipient": {"id": "1"}, "timestamp": 1,
            "message": {"mid": "m", "text": "😀".repeat(1_000_000),
                "attachments": (0..1000).map(|_| serde_json::json!({"type": "file", "payload": {"url": "https://x.example/f"}})).collect::<Vec<_>>()}
        }]}]});
        let events = parse_webhook(body.to_string().as_bytes(), OUR_APP).unwrap();
        let m = customer(&events[0]);
        assert_eq!(m.text.as_ref().unwrap().chars().count(), MAX_TEXT_CHARS + 1);
        assert_eq!(m.attachments.len(), MAX_ATTACHMENTS);
    }

    #[test]
    fn a_broken_character_costs_only_itself() {
        let events = parse("messenger-lone-surrogate");
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(
            customer(&events[0]).text.as_deref(),
            Some("look at this \u{FFFD}")
        );
        assert_eq!(
            customer(&events[1]).text.as_deref(),
            Some("What are your opening hours?")
        );
        assert_eq!(
            customer(&events[2]).text.as_deref(),
            Some("I want to file a complaint \u{FFFD}😀")
        );
        assert!(matches!(events[3], WebhookEvent::Unusable { .. }));
    }

    #[test]
    fn unusable_bodies_are_reported_not_panicked_on() {
        assert!(parse_webhook(b"{not json", OUR_APP).is_err());
        assert!(parse_webhook(br#"{"object":"page"}"#, OUR_APP).is_err());
        assert!(matches!(
            parse_webhook(br#"{"object":"user","entry":[]}"#, OUR_APP),
            Err(UnusableBody::Object(_))
        ));
        assert!(matches!(
            &parse_webhook(
                br#"{"object":"page","entry":[{"messaging":"nope"}]}"#,
                OUR_APP
            )
            .unwrap()[..],
            [WebhookEvent::Unusable { .. }]
        ));
        assert_eq!(
            parse_webhook(br#"{"object":"page","entry":[]}"#, OUR_APP).unwrap(),
            vec![]
        );
    }

    fn wild(name: &str, received_ms: i64) -> Vec<WebhookEvent> {
        let path = format!(
            "{}/../events/meta/wild/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse_webhook_at(&body, OUR_APP, received_ms).unwrap()
    }

    #[test]
    fn wild_float_timestamps_and_numeric_app_ids_still_pause_for_a_person() {
        // bottender's echo: floats everywhere, another app's id as a number.
        let events = wild("bottender-echo-float-timestamps", 0);
        match &events[..] {
            [WebhookEvent::Human(m)] => {
                assert_eq!(m.timestamp_ms, 1_492_414_608_982);
                assert_eq!(m.conversation.user_id, "1244813222196986");
                assert_eq!(m.event.as_deref(), Some("echo from app 1821152484774199"));
            }
            other => panic!("a person's echo must never be dropped: {other:?}"),
        }
    }

    #[test]
    fn wild_echoes_on_standby_are_a_person() {
        match &wild("messenger-standby-echo", 0)[..] {
            [WebhookEvent::Human(m)] => assert!(m.standby),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wild_ids_above_2_pow_53_stay_exact() {
        let events = wild("instagram-ids-as-large-numbers", 0);
        let m = customer(&events[0]);
        assert_eq!(m.conversation.page_id, "17841400000000001");
        assert_eq!(m.conversation.user_id, "9900000000000000123");
    }

    #[test]
    fn wild_unreadable_instagram_messages_reach_a_person() {
        let m = customer(&wild("instagram-is-unsupported", 0)[0]).clone();
        assert_eq!(m.attachments[0].kind, "unsupported");
        let m = customer(&wild("instagram-story-mention", 0)[0]).clone();
        assert_eq!(m.attachments[0].kind, "story_mention");
        assert!(m.text.is_none());
    }

    #[test]
    fn wild_missing_timestamps_fall_back_to_the_entry_then_the_receipt() {
        let events = wild("messenger-no-timestamps", 1_764_000_999_999);
        assert_eq!(customer(&events[0]).timestamp_ms, 1_764_000_000_123);
        assert_eq!(customer(&events[1]).timestamp_ms, 1_764_000_999_999);
    }

    #[test]
    fn wild_user_refs_and_feed_changes_are_ignored_not_unusable() {
        assert!(matches!(
            &wild("messenger-user-ref-sender", 0)[..],
            [WebhookEvent::Ignored { kind }] if kind.contains("user_ref")
        ));
        assert!(matches!(
            &wild("page-feed-changes", 0)[..],
            [WebhookEvent::Ignored { kind }] if kind == "changes (feed)"
        ));
    }
}
