//! Escalations as the policy function opens them: the record, the pause, the notice, the write.

/// An escalation of `conv` opened at `now`, with an empty id (set it per test).
pub fn sample_escalation(
    conv: &handoff::conversation::ConversationKey,
    now: chrono::DateTime<chrono::Utc>,
) -> handoff::escalation::Escalation {
    use handoff::escalation::{Escalation, EscalationSummary, ReasonCode};
    Escalation::opened(
        String::new(),
        conv.clone(),
        ReasonCode::Complaint,
        "the word \"complaint\"".into(),
        EscalationSummary {
            intent: "complaint".into(),
            tried: vec![],
            next_step: "Reply to the complaint.".into(),
            ai_summary: None,
        },
        now,
        now + chrono::Duration::hours(24),
    )
}

/// The STATE that pauses `e`'s customer for it, as the policy function writes it when opening `e`.
pub fn paused_for(e: &handoff::escalation::Escalation) -> handoff::state::PauseFlag {
    match handoff::state::PauseFlag::default().apply(
        &handoff::state::StateEvent::Escalated {
            escalation_id: &e.escalation_id,
            until: e.paused_until,
            notice_key: "handoff-sample",
        },
        e.created_at,
    ) {
        handoff::state::Transition::Changed(s) => s,
        other => panic!("{other:?}"),
    }
}

/// The customer's handoff notice the policy function records with `e`'s opening.
pub fn notice_for(e: &handoff::escalation::Escalation) -> handoff::message::Message {
    handoff::message::Message::bot_send(
        &e.conversation,
        e.created_at.timestamp_millis() + 1,
        format!("handoff-{}", e.escalation_id),
        "Thanks for your patience. A person from our team will reply here.",
    )
}

/// Opens `e` as the policy function does: the pause, the escalation and the customer's notice in
/// one write, the opener holding the team notice's job for a minute from `e.created_at` (long
/// past for an old sample, so anyone may claim it).
pub async fn open_as_policy(
    store: &dyn handoff::ports::Escalations,
    e: &handoff::escalation::Escalation,
    paused: &handoff::state::PauseFlag,
    read_version: u64,
) -> handoff::ports::EscalationOpening {
    store
        .open_escalation(
            e,
            paused,
            read_version,
            &notice_for(e),
            e.created_at + chrono::Duration::seconds(60),
        )
        .await
        .unwrap()
}

/// An escalation seeded straight into a table (no pause, no notice), as if long handled: number
/// `i` of the seed (its id), `text` the customer's one message, `reason` its reason code. Set the
/// label, the resume and the rest per test.
pub fn seeded_escalation(
    i: usize,
    conversation: handoff::conversation::ConversationKey,
    reason: &str,
    text: &str,
    created: chrono::DateTime<chrono::Utc>,
) -> handoff::escalation::Escalation {
    use handoff::escalation::{Escalation, EscalationSummary, ReasonCode, TranscriptLine};
    Escalation {
        transcript: vec![TranscriptLine {
            at: created - chrono::Duration::seconds(1),
            role: handoff::message::Role::Customer,
            text: text.into(),
            attachments: vec![],
        }],
        notified_at: Some(created),
        ..Escalation::opened(
            format!("{:013}-{i:08x}", created.timestamp_millis()),
            conversation,
            ReasonCode::from(reason.to_string()),
            format!("seeded {reason}"),
            EscalationSummary {
                intent: "seeded".into(),
                tried: vec![],
                next_step: "x".into(),
                ai_summary: None,
            },
            created,
            created + chrono::Duration::hours(24),
        )
    }
}

/// Writes `e` as its item, as the store would have.
pub async fn put_escalation(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    e: &handoff::escalation::Escalation,
) {
    let item =
        serde_dynamo::to_item(handoff::adapters::dynamodb::items::EscalationItem::new(e)).unwrap();
    ddb.put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}
