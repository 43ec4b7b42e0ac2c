//! One click instead of a reply: a person sends the bot's suggested answer (or another entry's)
//! from the handoff. The send, the hand-back and the label are one act: the customer gets the
//! answer once however often the button is pressed (two colleagues, a double click, a browser
//! retry), is back with the bot, and the escalation records the verdict ("answered right with X",
//! or "could have answered with Y") with who and when.
//!
//! It refuses, saying why, whenever the suggestion may no longer fit: the customer wrote again
//! since, a person already replied in the inbox, the customer was handed back another way, or
//! Meta's 24-hour window closed.

use chrono::{DateTime, Duration, Utc};

use super::resume::{resume_reserving, take_thread_back, ResumeResult};
use super::{App, FlowError};
use crate::escalation::{
    Escalation, HumanLabel, OneClick, OutcomeLabel, ResumedBy, TranscriptLine,
    STANDARD_WINDOW_HOURS,
};
use crate::message::{Message, Role};
use crate::policy::KnowledgeEntry;
use crate::ports::{Delivery, ResumeRequest};
use crate::resume::ResumeToken;

/// How many recent messages are read to see whether the customer or a person wrote since.
const RECENT: usize = 50;

/// What a person asks for on the answer page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneClickRequest {
    /// The entry to send (the suggested one, or another the person chose).
    pub entry: String,
    /// The name the person typed.
    pub by: Option<String>,
    /// The newest customer message the person saw on the page (ms), when the page showed
    /// messages written after the suggestion: those no longer refuse the send.
    pub seen_until_ms: Option<i64>,
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum OneClickOutcome {
    /// The answer went out (Meta's id) and the customer is back with the bot.
    Sent {
        entry: String,
    },
    /// The answer went out before (another click, a colleague): nothing sent again.
    /// `recorded` is false when the click that claimed it left no record of the send (it died
    /// before Meta answered, or Meta refused it): a person should check the inbox.
    AlreadySent {
        entry: String,
        at: Option<DateTime<Utc>>,
        by: Option<String>,
        recorded: bool,
    },
    /// The customer wrote again since the suggestion; a fresh choice is needed.
    CustomerWroteAgain {
        since: Vec<TranscriptLine>,
    },
    /// A person replied in the inbox since the escalation.
    PersonReplied {
        at: DateTime<Utc>,
    },
    /// The customer was handed back another way (resume link, inbox, the pause ran out).
    HandedBack {
        at: DateTime<Utc>,
        by: Option<ResumedBy>,
    },
    /// Meta's standard window closed: only a person may reply now, with the human-agent tag.
    WindowClosed {
        closed_at: DateTime<Utc>,
    },
    /// A newer escalation holds the customer.
    Superseded,
    /// The customer is back with the bot, but Meta refused the answer: a person must send it.
    NotDelivered {
        entry: String,
        error: String,
    },
    NotFound,
}

/// Why the suggestion may no longer be sent, if it may not.
pub fn refusal(
    e: &Escalation,
    recent: &[Message],
    seen_until_ms: Option<i64>,
    now: DateTime<Utc>,
) -> Option<OneClickOutcome> {
    if let Some(one_click) = &e.one_click {
        let key = answer_key(&e.escalation_id);
        return Some(OneClickOutcome::AlreadySent {
            entry: one_click.entry.clone(),
            at: e.resumed_at,
            by: e.labelled_by.clone(),
            recorded: recent.iter().any(|m| m.mid == key && m.role == Role::Bot),
        });
    }
    if let Some(at) = e.resumed_at {
        return Some(OneClickOutcome::HandedBack {
            at,
            by: e.resumed_by,
        });
    }
    let asked_ms = e.last_customer_at.timestamp_millis();
    let seen = seen_until_ms.unwrap_or(asked_ms).max(asked_ms);
    let since: Vec<TranscriptLine> = recent
        .iter()
        .filter(|m| m.role == Role::Customer && m.timestamp_ms > seen)
        .map(TranscriptLine::from)
        .collect();
    if !since.is_empty() {
        return Some(OneClickOutcome::CustomerWroteAgain { since });
    }
    let escalated_ms = e.created_at.timestamp_millis();
    if let Some(m) = recent
        .iter()
        .find(|m| m.role == Role::Human && m.timestamp_ms >= escalated_ms)
    {
        return Some(OneClickOutcome::PersonReplied {
            at: DateTime::from_timestamp_millis(m.timestamp_ms).unwrap_or(now),
        });
    }
    let closed_at = e.last_customer_at + Duration::hours(STANDARD_WINDOW_HOURS);
    if now >= closed_at {
        return Some(OneClickOutcome::WindowClosed { closed_at });
    }
    None
}

/// The key of the one-click answer's send: one per escalation, so it is reserved once.
fn answer_key(escalation_id: &str) -> String {
    format!("answered-{escalation_id}")
}

/// Sends `request.entry`'s answer for the escalation `token` grants, hands the customer back and
/// records the verdict; or says why not.
pub async fn send_one_click(
    app: &App,
    token: &ResumeToken,
    request: &OneClickRequest,
    now: DateTime<Utc>,
) -> Result<OneClickOutcome, FlowError> {
    let key = &token.conversation;
    let Some(e) = app
        .escalations
        .get_escalation(key, &token.escalation_id)
        .await?
    else {
        return Ok(OneClickOutcome::NotFound);
    };
    let snapshot = app.conversations.load_conversation(key, RECENT).await?;
    if let Some(why) = refusal(&e, &snapshot.messages, request.seen_until_ms, now) {
        return Ok(why);
    }
    if snapshot
        .state
        .last_human_at
        .is_some_and(|at| at >= e.created_at)
    {
        return Ok(OneClickOutcome::PersonReplied {
            at: snapshot.state.last_human_at.unwrap_or(now),
        });
    }
    let entry = app.knowledge.get(&request.entry).ok_or_else(|| {
        FlowError::BadEvent(format!(
            "entry {:?} is not in the knowledge file",
            request.entry
        ))
    })?;
    let language = e
        .suggestion
        .as_ref()
        .map(|s| s.language.clone())
        .unwrap_or_else(|| "en".into());
    let label = one_click_label(&e, &entry.id, request.by.clone());
    let send_key = answer_key(&e.escalation_id);
    // The answer's send is reserved in the very write that hands the customer back: of two clicks
    // only the one whose write lands sends.
    let result = resume_reserving(
        app,
        ResumeRequest {
            conversation: key,
            escalation_id: &e.escalation_id,
            by: ResumedBy::Link,
            label: &label,
            now,
        },
        Some(&send_key),
    )
    .await?;
    match result {
        ResumeResult::Resumed => {}
        // Another click won the race: report what it did.
        ResumeResult::AlreadyResumed { .. } => return lost_race(app, token, now).await,
        ResumeResult::Superseded { .. } => return Ok(OneClickOutcome::Superseded),
        ResumeResult::NotFound => return Ok(OneClickOutcome::NotFound),
    }
    // Two colleagues choosing different answers at once: the label written first is the one kept,
    // and it is what the customer gets, so the verdict always names the answer sent.
    let recorded = app
        .escalations
        .get_escalation(key, &e.escalation_id)
        .await?
        .and_then(|e| e.one_click)
        .map(|c| c.entry);
    let entry = match recorded.as_deref().and_then(|id| app.knowledge.get(id)) {
        Some(kept) => kept,
        None => entry,
    };
    deliver(app, &e, entry, &language, send_key, now).await
}

/// What the click that handed the customer back first did, for the one that lost the race.
async fn lost_race(
    app: &App,
    token: &ResumeToken,
    now: DateTime<Utc>,
) -> Result<OneClickOutcome, FlowError> {
    let e = app
        .escalations
        .get_escalation(&token.conversation, &token.escalation_id)
        .await?
        .ok_or(FlowError::Busy("the escalation vanished".into()))?;
    Ok(
        refusal(&e, &[], None, now).unwrap_or(OneClickOutcome::HandedBack {
            at: e.resumed_at.unwrap_or(now),
            by: e.resumed_by,
        }),
    )
}

/// The verdict a one-click answer records: the bot could have handled it, with `entry`.
fn one_click_label(e: &Escalation, entry: &str, by: Option<String>) -> HumanLabel {
    HumanLabel {
        outcome: Some(OutcomeLabel::BotCouldHandle),
        entry: Some(entry.to_string()),
        by,
        one_click: Some(OneClick {
            entry: entry.to_string(),
            suggested: e.suggestion.as_ref().map(|s| s.entry.clone()),
        }),
        ..HumanLabel::default()
    }
}

/// Sends `entry`'s answer (the customer is handed back already): the thread taken back from the
/// inbox first, the send recorded whatever Graph said.
async fn deliver(
    app: &App,
    e: &Escalation,
    entry: &KnowledgeEntry,
    language: &str,
    send_key: String,
    now: DateTime<Utc>,
) -> Result<OneClickOutcome, FlowError> {
    let key = &e.conversation;
    let text = entry.answer_in(language).to_string();
    crate::metrics::emit("Resumes", 1.0, "Count", Some(("By", "one_click")));
    crate::metrics::emit(
        "TimeToOneClick",
        (now - e.created_at).num_seconds().max(0) as f64,
        "Seconds",
        None,
    );
    tracing::info!(escalation_id = %e.escalation_id, entry = %entry.id, replaced = e.suggestion.as_ref().is_none_or(|s| s.entry != entry.id), "answered with one click");
    // The inbox holds the thread since the handoff: take it back before the bot speaks.
    take_thread_back(app, key, &e.escalation_id).await;
    let answer = Message::bot_send(key, now.timestamp_millis(), send_key, &text);
    let metadata = format!("{}{}", crate::webhook::OWN_METADATA_PREFIX, answer.mid);
    let delivery = app.messenger.send_text(key, &text, &[], &metadata).await;
    let outcome = match &delivery {
        Ok(_) => OneClickOutcome::Sent {
            entry: entry.id.clone(),
        },
        Err(err) => {
            tracing::error!(escalation_id = %e.escalation_id, error = %err, "one-click answer not delivered");
            OneClickOutcome::NotDelivered {
                entry: entry.id.clone(),
                error: err.to_string(),
            }
        }
    };
    let delivery = match delivery {
        Ok(mid) => Delivery::Sent(mid),
        Err(_) => Delivery::Failed,
    };
    app.conversations.record_send(&answer, &delivery).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Channel, ConversationKey};
    use crate::message::Direction;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn escalation() -> Escalation {
        serde_json::from_value(serde_json::json!({
            "escalation_id": "1764064800000-3fa2c1d9",
            "conversation": ConversationKey::new(Channel::Messenger, "1", "2"),
            "reason": "low_confidence", "reason_detail": "",
            "summary": {"intent": "x", "tried": [], "next_step": "y"},
            "transcript": [], "trace": {"steps": []},
            "created_at": "2026-12-01T10:00:01Z", "paused_until": "2026-12-02T10:00:01Z",
            "last_customer_at": "2026-12-01T10:00:00Z",
        }))
        .unwrap()
    }

    fn message(role: Role, at_ms: i64) -> Message {
        Message {
            conversation: ConversationKey::new(Channel::Messenger, "1", "2"),
            timestamp_ms: at_ms,
            mid: format!("m{at_ms}"),
            role,
            direction: Direction::In,
            text: Some("hello?".into()),
            payload: None,
            attachments: vec![],
            event: None,
            standby: true,
            answer: None,
        }
    }

    #[test]
    fn refuses_when_the_suggestion_may_no_longer_fit() {
        let e = escalation();
        let now = at("2026-12-01T10:30:00Z");
        assert_eq!(refusal(&e, &[], None, now), None);
        let later = at("2026-12-01T10:10:00Z").timestamp_millis();
        let wrote = refusal(&e, &[message(Role::Customer, later)], None, now);
        assert!(
            matches!(wrote, Some(OneClickOutcome::CustomerWroteAgain { ref since }) if since.len() == 1)
        );
        // Once the page showed that message, it no longer refuses.
        assert_eq!(
            refusal(&e, &[message(Role::Customer, later)], Some(later), now),
            None
        );
        assert!(matches!(
            refusal(&e, &[message(Role::Human, later)], None, now),
            Some(OneClickOutcome::PersonReplied { .. })
        ));
        assert!(matches!(
            refusal(&e, &[], None, at("2026-12-02T10:00:00Z")),
            Some(OneClickOutcome::WindowClosed { .. })
        ));
        let mut resumed = e.clone();
        resumed.resumed_at = Some(now);
        resumed.resumed_by = Some(ResumedBy::Inbox);
        assert!(matches!(
            refusal(&resumed, &[], None, now),
            Some(OneClickOutcome::HandedBack { .. })
        ));
        resumed.one_click = Some(OneClick {
            entry: "a".into(),
            suggested: Some("a".into()),
        });
        assert!(matches!(
            refusal(&resumed, &[], None, now),
            Some(OneClickOutcome::AlreadySent { .. })
        ));
    }
}
