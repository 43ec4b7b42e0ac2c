//! Interleavings (proptest): random sequences of customer messages, escalations, human echoes,
//! link resumes, inbox hand-backs (with or without an escalation), pause expiry, standby messages,
//! an attempt that dies after reserving its reply, and stale redeliveries, against the real
//! adapters. Invariants: the bot never sends while paused, every escalation is notified exactly
//! once, and the pause flag always matches the last event. `PROPTEST_CASES` runs more.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use handoff::app::{ingest_webhook, notify_escalation, respond, resume_escalation, sweep};
use handoff::conversation::{Channel, ConversationKey};
use handoff::escalation::ResumedBy;
use handoff::resume::ResumeToken;
use handoff::state::{PendingChange, StateEvent, Transition};
use handoff::webhook::{parse_webhook, sign, WebhookEvent};
use proptest::prelude::*;
use serde_json::json;

#[derive(Clone, Debug)]
enum Op {
    Ask,
    Complain,
    HumanEcho,
    LinkResume,
    InboxHandBack,
    Expire,
    /// The customer writes while another app owns the thread: stored, never answered.
    Standby,
    /// A question whose reply an attempt reserved, then died before sending.
    CrashAfterReserve,
    /// Meta delivers an earlier webhook again; the stream, the last message's record.
    Redeliver(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Ask),
        2 => Just(Op::Complain),
        1 => Just(Op::HumanEcho),
        2 => Just(Op::LinkResume),
        1 => Just(Op::InboxHandBack),
        1 => Just(Op::Expire),
        1 => Just(Op::Standby),
        1 => Just(Op::CrashAfterReserve),
        2 => any::<usize>().prop_map(Op::Redeliver),
    ]
}

async fn ingest(app: &handoff::App, body: String, now: DateTime<Utc>) -> Vec<WebhookEvent> {
    let sig = sign(APP_SECRET.as_bytes(), body.as_bytes());
    ingest_webhook(app, body.as_bytes(), Some(&sig), now)
        .await
        .unwrap();
    parse_webhook(body.as_bytes(), APP_ID).unwrap()
}

async fn run(ops: Vec<Op>, case: u32) -> Result<(), TestCaseError> {
    let direct = aws().await;
    let team = Team::new(&direct).await;
    let graph = graph_stub().await;
    let table = fresh_table(&direct, "props").await;
    let env = base_env(
        &table,
        &team.topic_arn,
        &graph.uri(),
        "https://resume.example",
    );
    let config = handoff::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let mut app = handoff::App::from_config(&config, &direct).unwrap();
    app.settings.routing = false;
    let user = format!("73{case:014}");
    let conv = ConversationKey::new(Channel::Messenger, PAGE, &user);
    let mut now = Utc::now();
    let mut paused = false;
    let mut escalations = 0usize;
    // Every webhook body delivered, and the customer message of the step before (if any).
    let mut delivered: Vec<String> = Vec::new();
    let mut last_message: Option<handoff::message::Message> = None;
    for (i, op) in ops.iter().enumerate() {
        now += Duration::seconds(30);
        let sends_before = graph_calls(&graph, "messages").await.len();
        let previous_message = last_message.take();
        match op {
            Op::Ask | Op::Complain => {
                let text = if matches!(op, Op::Ask) {
                    "What are your opening hours?"
                } else {
                    "I want to file a complaint"
                };
                let body = customer_text(
                    &user,
                    &format!("m_p{case}_{i}"),
                    text,
                    now.timestamp_millis(),
                );
                delivered.push(body.clone());
                let events = ingest(&app, body, now).await;
                let WebhookEvent::Customer(m) = &events[0] else {
                    panic!()
                };
                respond(&app, m, now).await.unwrap();
                last_message = Some(m.clone());
                let sent = graph_calls(&graph, "messages").await.len() - sends_before;
                if paused {
                    prop_assert_eq!(sent, 0, "step {}: the bot spoke while paused", i);
                } else {
                    prop_assert_eq!(sent, 1, "step {}: one reply (answer or handoff message)", i);
                    if matches!(op, Op::Complain) {
                        paused = true;
                        escalations += 1;
                        let state = app.conversations.get_state(&conv).await.unwrap();
                        let esc = app
                            .escalations
                            .get_escalation(&conv, state.escalation_id.as_deref().unwrap())
                            .await
                            .unwrap()
                            .unwrap();
                        // Delivered twice, as streams do: published once.
                        notify_escalation(&app, &esc, now).await.unwrap();
                        notify_escalation(&app, &esc, now).await.unwrap();
                    }
                }
            }
            Op::HumanEcho => {
                let body = echo(
                    &user,
                    &format!("m_h{case}_{i}"),
                    "Camille here",
                    263902037430900,
                    now.timestamp_millis(),
                );
                delivered.push(body.clone());
                ingest(&app, body, now).await;
                paused = true;
            }
            Op::Standby => {
                let body = json!({"object": "page", "entry": [{"id": PAGE, "time": now.timestamp_millis(), "standby": [{
                    "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": now.timestamp_millis(),
                    "message": {"mid": format!("m_s{case}_{i}"), "text": "hello? anyone?"}}]}]})
                .to_string();
                delivered.push(body.clone());
                let events = ingest(&app, body, now).await;
                let WebhookEvent::Customer(m) = &events[0] else {
                    panic!("{events:?}")
                };
                respond(&app, m, now).await.unwrap();
                let sent = graph_calls(&graph, "messages").await.len() - sends_before;
                prop_assert_eq!(sent, 0, "step {}: the bot answered a standby message", i);
            }
            Op::CrashAfterReserve => {
                let body = customer_text(
                    &user,
                    &format!("m_c{case}_{i}"),
                    "What are your opening hours?",
                    now.timestamp_millis(),
                );
                delivered.push(body.clone());
                let events = ingest(&app, body, now).await;
                let WebhookEvent::Customer(m) = &events[0] else {
                    panic!()
                };
                // The attempt reserved the reply a minute ago and died before sending it.
                let state = app.conversations.get_state(&conv).await.unwrap();
                let reserve = StateEvent::BotReplies {
                    key: &format!("reply-{}", m.mid),
                    pending: PendingChange::Keep,
                };
                if let Transition::Changed(mut reserved) = state.apply(&reserve, now) {
                    reserved.sends.last_mut().unwrap().at_ms -= 60_000;
                    prop_assert!(app
                        .conversations
                        .save_state(&conv, &reserved, state.version)
                        .await
                        .unwrap());
                }
                respond(&app, m, now).await.unwrap();
                last_message = Some(m.clone());
                let sent = graph_calls(&graph, "messages").await.len() - sends_before;
                if paused {
                    prop_assert_eq!(sent, 0, "step {}: the bot spoke while paused", i);
                } else {
                    // Whether the customer got the answer is unknown: a person looks.
                    prop_assert_eq!(sent, 1, "step {}: the handoff message only", i);
                    paused = true;
                    escalations += 1;
                    let state = app.conversations.get_state(&conv).await.unwrap();
                    let esc = app
                        .escalations
                        .get_escalation(&conv, state.escalation_id.as_deref().unwrap())
                        .await
                        .unwrap()
                        .unwrap();
                    notify_escalation(&app, &esc, now).await.unwrap();
                }
            }
            Op::Redeliver(pick) => {
                if !delivered.is_empty() {
                    let body = delivered[pick % delivered.len()].clone();
                    ingest(&app, body, now).await;
                }
                if let Some(m) = &previous_message {
                    // The stream hands the last record out again.
                    respond(&app, m, now).await.unwrap();
                }
                let sent = graph_calls(&graph, "messages").await.len() - sends_before;
                prop_assert_eq!(sent, 0, "step {}: a redelivery made the bot speak", i);
            }
            Op::LinkResume => {
                let state = app.conversations.get_state(&conv).await.unwrap();
                if let Some(eid) = state.escalation_id.clone() {
                    let token = ResumeToken {
                        escalation_id: eid,
                        conversation: conv.clone(),
                        expires_at: now + Duration::days(1),
                    };
                    resume_escalation(&app, &token, ResumedBy::Link, &Default::default(), now)
                        .await
                        .unwrap();
                    paused = false;
                }
            }
            Op::InboxHandBack => {
                let body = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
                    "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": now.timestamp_millis(),
                    "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID}}]}]});
                delivered.push(body.to_string());
                ingest(&app, body.to_string(), now).await;
                // Any hand-back to our app resumes, with or without an escalation (issue 12).
                paused = false;
            }
            Op::Expire => {
                now += Duration::hours(25);
                sweep(&app, now).await.unwrap();
                paused = false;
            }
        }
        let state = app.conversations.get_state(&conv).await.unwrap();
        prop_assert_eq!(
            state.holds_at(now),
            paused,
            "step {} ({:?}): the pause flag does not match the last event",
            i,
            op
        );
    }
    prop_assert_eq!(
        team.delivered().await.len(),
        escalations,
        "one notification per escalation"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(8), ..ProptestConfig::default() })]
    #[test]
    fn interleavings_keep_the_invariants(ops in proptest::collection::vec(op(), 4..14)) {
        static CASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let case = CASE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(run(ops, case))?;
    }
}
