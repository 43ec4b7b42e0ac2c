//! Meta's events, turned into what they mean for a conversation.

use serde_json::Value;
use thiserror::Error;

use super::event::WebhookEvent;
use super::payload::{Entry, WebhookBody};
use crate::conversation::Channel;

/// A signed body that cannot be used at all.
#[derive(Debug, Error)]
pub enum UnusableBody {
    #[error("body is not a Meta webhook: {0}")]
    Shape(String),
    #[error("webhook object {0:?} is neither \"page\" nor \"instagram\"")]
    Object(String),
}

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
            events.push(super::normalize::normalize(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::message::{Direction, Role};
    use crate::webhook::event::thread_requested_by;
    use crate::webhook::normalize::{MAX_ATTACHMENTS, MAX_TEXT_CHARS};

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
