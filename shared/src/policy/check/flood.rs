//! A flood from one sender (a script, a stuck client, someone pasting): past a few messages a
//! minute the bot stops answering that customer and hands them to a person, once. Everything they
//! send is still stored; while they are paused each further message costs one read and no
//! decision, no sentence encoder, no send, so one sender's flood costs that sender, not the shop.

use chrono::Duration;

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::message::Role;
use crate::policy::decide::Decision;
use crate::policy::trace::DecisionTrace;

/// Messages from one customer within `FLOOD_WINDOW` that make a flood (the bot has answered at
/// most `FLOOD_MESSAGES - 1` of them).
pub const FLOOD_MESSAGES: usize = 6;
pub const FLOOD_WINDOW_SECONDS: i64 = 60;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let since = ctx.now - Duration::seconds(FLOOD_WINDOW_SECONDS);
    let recent = ctx
        .turn
        .history
        .iter()
        .filter(|m| m.role == Role::Customer && m.timestamp_ms >= since.timestamp_millis())
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
