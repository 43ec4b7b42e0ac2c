//! A flood from one sender (a script, a stuck client, someone pasting): past a few messages a
//! minute the bot stops answering that customer and hands them to a person, once. Everything they
//! send is still stored; while they are paused each further message costs one read and no
//! decision, no sentence encoder, no send, so one sender's flood costs that sender, not the shop.

use chrono::Duration;

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::message::{Direction, Role};
use crate::policy::decision::Decision;
use crate::policy::trace::DecisionTrace;

/// Messages from one customer within `FLOOD_WINDOW` that make a flood (the bot has answered at
/// most `FLOOD_MESSAGES - 1` of them).
pub const FLOOD_MESSAGES: usize = 6;
pub const FLOOD_WINDOW_SECONDS: i64 = 60;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let now = ctx.now.timestamp_millis();
    // Messages the bot had to decide: since a minute ago, and since a person last acted (what the
    // customer wrote while a person held the conversation was for the person). The history may
    // already hold messages written after this one: they are not counted for it.
    let person_acted = ctx
        .turn
        .history
        .iter()
        .filter(|m| m.role == Role::Human && m.timestamp_ms <= now)
        .map(|m| m.timestamp_ms)
        .max()
        .unwrap_or(i64::MIN);
    let since = (ctx.now - Duration::seconds(FLOOD_WINDOW_SECONDS))
        .timestamp_millis()
        .max(person_acted.saturating_add(1));
    let recent = ctx
        .turn
        .history
        .iter()
        .filter(|m| {
            m.role == Role::Customer
                && m.direction == Direction::In
                && !m.standby
                && (since..=now).contains(&m.timestamp_ms)
        })
        .count()
        + 1;
    if recent < FLOOD_MESSAGES {
        trace.record(
            "flood",
            false,
            format!("{recent} message(s) from the customer in the last minute"),
        );
        return None;
    }
    trace.record(
        "flood",
        true,
        format!("{recent} messages from the customer within a minute"),
    );
    Some(ctx.escalate(
        ReasonCode::Flood,
        format!(
            "{recent} messages within a minute: the bot stopped answering this customer (everything they send is kept)"
        ),
        None,
        trace,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use crate::conversation::{Channel, ConversationKey};
    use crate::message::{Direction, Message, Role};
    use crate::policy::{decide, Knowledge, Policy, Turn};

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn message(role: Role, second: i64) -> Message {
        Message {
            conversation: ConversationKey::new(Channel::Messenger, "1", "2"),
            timestamp_ms: at(second).timestamp_millis(),
            mid: format!("m{second}{role:?}"),
            role,
            direction: if role == Role::Customer {
                Direction::In
            } else {
                Direction::Out
            },
            text: Some("hi".into()),
            payload: None,
            attachments: vec![],
            event: None,
            standby: false,
            answer: None,
        }
    }

    fn headline(history: &[Message], second: i64) -> String {
        let policy = Policy::from_toml("").unwrap();
        let knowledge = Knowledge::from_toml(
            "[[entry]]\nid='hours'\nquestions=['When are you open?']\nanswer='9-5'\n",
        )
        .unwrap();
        decide(
            &policy,
            &knowledge,
            Turn {
                text: Some("When are you open?"),
                history,
                ..Default::default()
            },
            at(second),
        )
        .headline()
    }

    #[test]
    fn the_sixth_message_within_a_minute_is_a_flood() {
        let five: Vec<Message> = (0..5).map(|i| message(Role::Customer, i * 10)).collect();
        assert_eq!(headline(&five, 50), "escalate flood");
        assert_eq!(
            headline(&five[..4], 50),
            "answer hours",
            "five is not yet a flood"
        );
        // Spread over more than a minute: not a flood.
        let spread: Vec<Message> = (0..5).map(|i| message(Role::Customer, i * 15)).collect();
        assert_eq!(headline(&spread, 75), "answer hours");
    }

    #[test]
    fn what_came_after_or_before_a_persons_act_is_not_counted() {
        // Written later than the message decided (the stream lags): not counted for it.
        let later: Vec<Message> = (1..=5).map(|i| message(Role::Customer, 100 + i)).collect();
        assert_eq!(headline(&later, 100), "answer hours");
        // Written while a person held the conversation, then handed back: not counted.
        let mut held: Vec<Message> = (0..6).map(|i| message(Role::Customer, i)).collect();
        held.push(message(Role::Human, 10));
        assert_eq!(headline(&held, 20), "answer hours");
    }
}
