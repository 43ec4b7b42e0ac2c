//! Conversation Routing and human activity, in-process against the local AWS endpoint and a Graph
//! stub: thread control on escalation, another app owning the thread, sliding pauses, inbox
//! hand-back, reminders and auto-resume.

mod common;

use chrono::{Duration, Utc};
use common::*;
use handoff::app::{ingest_webhook, notify_escalation, respond, sweep, RespondOutcome};
use handoff::conversation::{Channel, ConversationKey};
use handoff::message::{Direction, Message, Role};
use handoff::webhook::sign;
use handoff::App;
use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn app(graph: &MockServer) -> (App, Team, aws_config::SdkConfig) {
    let (app, team, _, aws) = rig("routing", &graph.uri()).await;
    (app, team, aws)
}

fn customer(channel: Channel, page: &str, user: &str, mid: &str, text: &str, ts: i64) -> Message {
    Message {
        conversation: ConversationKey::new(channel, page, user),
        timestamp_ms: ts,
        mid: mid.into(),
        role: Role::Customer,
        direction: Direction::In,
        text: Some(text.into()),
        payload: None,
        attachments: vec![],
        event: None,
        standby: false,
        answer: None,
    }
}

/// Stores `m` as ingest would and runs the policy on it.
async fn say(app: &App, m: &Message) -> RespondOutcome {
    app.conversations.record_message(m).await.unwrap();
    respond(app, m, Utc::now()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn escalation_passes_the_thread_to_the_right_inbox_unless_routing_is_off() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let ig = customer(
        Channel::Instagram,
        "17841400000000001",
        "5566778899001122",
        "m_ig_c",
        "I want a refund",
        now_ms(),
    );
    let RespondOutcome::Escalated { escalation_id } = say(&app, &ig).await else {
        panic!()
    };
    let passes = graph_calls(&graph, "pass_thread_control").await;
    assert_eq!(passes.len(), 1);
    assert_eq!(passes[0]["target_app_id"], "1217981644879628");
    assert!(passes[0]["metadata"]
        .as_str()
        .unwrap()
        .contains(&escalation_id));

    // Routing switched off: no routing calls at all.
    let mut quiet = app.clone();
    quiet.settings.routing = false;
    let m = customer(
        Channel::Messenger,
        PAGE,
        "7000000000000401",
        "m_quiet",
        "I want a refund",
        now_ms(),
    );
    assert!(matches!(
        say(&quiet, &m).await,
        RespondOutcome::Escalated { .. }
    ));
    assert_eq!(graph_calls(&graph, "pass_thread_control").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_app_owning_the_thread_means_a_person_is_active() {
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/messages$"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException",
            "code": 10, "error_subcode": 2018300, "fbtrace_id": "A1"}})))
        .mount(&graph)
        .await;
    let (app, _team, _) = app(&graph).await;
    let m = customer(
        Channel::Messenger,
        PAGE,
        "7000000000000402",
        "m_owned",
        "When are you open?",
        now_ms(),
    );
    assert_eq!(say(&app, &m).await, RespondOutcome::Paused);
    let state = app.conversations.get_state(&m.conversation).await.unwrap();
    assert!(state.holds_at(Utc::now()));
    assert!(state.last_human_at.is_some());
    // One attempt: not a transient error, so no retry storm against Meta.
    assert_eq!(graph_calls(&graph, "messages").await.len(), 1);
}

fn signed(body: &serde_json::Value) -> (String, String) {
    let b = body.to_string();
    let sig = sign(APP_SECRET.as_bytes(), b.as_bytes());
    (b, sig)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_echo_slides_the_pause_and_an_inbox_hand_back_resumes() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000403";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let t0 = Utc::now();
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_slide_c",
        "I want to speak to someone",
        t0.timestamp_millis(),
    );
    let RespondOutcome::Escalated { escalation_id } = say(&app, &c).await else {
        panic!()
    };
    let first = app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .paused_until
        .unwrap();

    // A person replies two hours later: the pause now runs PAUSE_HOURS from that reply.
    let later = t0 + Duration::hours(2);
    let (b, sig) = signed(
        &serde_json::from_str(&echo(
            user,
            "m_slide_h",
            "Hi, Camille here",
            263902037430900,
            later.timestamp_millis(),
        ))
        .unwrap(),
    );
    ingest_webhook(&app, b.as_bytes(), Some(&sig), later)
        .await
        .unwrap();
    let state = app.conversations.get_state(&conv).await.unwrap();
    assert_eq!(state.paused_until.unwrap(), later + Duration::hours(24));
    assert!(state.paused_until.unwrap() > first);
    assert_eq!(
        state.escalation_id.as_deref(),
        Some(escalation_id.as_str()),
        "the escalation still owns the pause"
    );

    // The inbox passes the thread back to our app: resumed exactly as the link would.
    let back = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": later.timestamp_millis() + 60_000,
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID, "metadata": "done"}}]}]});
    let (b, sig) = signed(&back);
    let report = ingest_webhook(&app, b.as_bytes(), Some(&sig), later + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(report.resumed, 1);
    let state = app.conversations.get_state(&conv).await.unwrap();
    assert!(!state.holds_at(Utc::now()));
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(esc.resumed_by, Some(handoff::escalation::ResumedBy::Inbox));
    assert!(esc.outcome.is_none(), "inbox hand-backs are unlabelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_reminds_once_and_resumes_expired_pauses() {
    let graph = graph_stub().await;
    let (app, team, _) = app(&graph).await;
    let user = "7000000000000404";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_sweep_c",
        "This is unacceptable",
        now_ms(),
    );
    let RespondOutcome::Escalated { escalation_id } = say(&app, &c).await else {
        panic!()
    };
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    notify_escalation(&app, &esc, Utc::now()).await.unwrap();
    assert_eq!(team.delivered().await.len(), 1);

    // Before 15 minutes: nothing. After: one reminder, however often the sweep runs.
    assert_eq!(
        sweep(&app, Utc::now() + Duration::minutes(5))
            .await
            .unwrap()
            .reminders,
        0
    );
    let at = Utc::now() + Duration::minutes(16);
    let mut reminders = 0;
    for _ in 0..3 {
        reminders += sweep(&app, at).await.unwrap().reminders;
    }
    assert_eq!(reminders, 1);
    let published = team.published().await;
    assert_eq!(published.len(), 2);
    assert_eq!(published[1]["attributes"]["kind"]["Value"], "reminder");
    assert!(published[1]["subject"]
        .as_str()
        .unwrap()
        .starts_with("Reminder [Handoff]"));

    // A day later the pause has run out: resumed automatically, and recorded so.
    let report = sweep(&app, Utc::now() + Duration::hours(25)).await.unwrap();
    assert_eq!(report.auto_resumed, 1);
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        esc.resumed_by,
        Some(handoff::escalation::ResumedBy::Expired)
    );
    assert_eq!(
        app.conversations.get_state(&conv).await.unwrap().status,
        handoff::state::PauseStatus::Active
    );
    assert_eq!(
        sweep(&app, Utc::now() + Duration::hours(26))
            .await
            .unwrap()
            .open,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instagram_echoes_are_ours_only_when_our_sends_got_their_mid() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let (page, user) = ("17841400000000001", "5566778899001199");
    let conv = ConversationKey::new(Channel::Instagram, page, user);
    let q = customer(
        Channel::Instagram,
        page,
        user,
        "m_ig_q",
        "Do you ship abroad?",
        now_ms(),
    );
    assert!(matches!(
        say(&app, &q).await,
        RespondOutcome::Answered { .. }
    ));
    let echo = |mid: &str| {
        json!({"object": "instagram", "entry": [{"id": page, "time": 1, "messaging": [{
            "sender": {"id": page}, "recipient": {"id": user}, "timestamp": now_ms(),
            "message": {"mid": mid, "is_echo": true, "text": "We ship to the EU"}}]}]})
    };
    // The echo of our own reply (the stub answered message_id m_sent_by_bot).
    let (b, sig) = signed(&echo("m_sent_by_bot"));
    let report = ingest_webhook(&app, b.as_bytes(), Some(&sig), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.ignored, 1);
    assert!(!app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
    // A person typing in the Instagram inbox: a mid our sends never got.
    let (b, sig) = signed(&echo("aWdfZAG1_human_reply"));
    let report = ingest_webhook(&app, b.as_bytes(), Some(&sig), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.human_activity, 1);
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_customers_own_standby_messages_are_not_a_persons_activity() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000405";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_sb_c",
        "I want to speak to someone",
        now_ms(),
    );
    let RespondOutcome::Escalated { .. } = say(&app, &c).await else {
        panic!()
    };
    let before = app.conversations.get_state(&conv).await.unwrap();
    // The thread is with the inbox now, so the customer's "hello? anyone?" arrives on standby.
    let standby = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "standby": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": now_ms(),
        "message": {"mid": "m_sb_hello", "text": "hello? anyone?"}}]}]});
    let (b, sig) = signed(&standby);
    let report = ingest_webhook(
        &app,
        b.as_bytes(),
        Some(&sig),
        Utc::now() + Duration::minutes(20),
    )
    .await
    .unwrap();
    assert_eq!(report.human_activity, 0, "{report:?}");
    let after = app.conversations.get_state(&conv).await.unwrap();
    assert_eq!(after.last_human_at, before.last_human_at, "no person acted");
    assert_eq!(
        after.paused_until, before.paused_until,
        "the pause did not slide"
    );
    // The message is kept for the card, and the bot still does not answer it.
    let snapshot = app
        .conversations
        .load_conversation(&conv, 20)
        .await
        .unwrap();
    assert!(snapshot
        .messages
        .iter()
        .any(|m| m.mid == "m_sb_hello" && m.standby));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auto_resume_takes_the_thread_back_from_the_inbox() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000406";
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_auto_c",
        "I want to speak to someone",
        now_ms(),
    );
    let RespondOutcome::Escalated { .. } = say(&app, &c).await else {
        panic!()
    };
    assert!(graph_calls(&graph, "take_thread_control").await.is_empty());
    let report = sweep(&app, Utc::now() + Duration::hours(25)).await.unwrap();
    assert_eq!(report.auto_resumed, 1);
    let takes = graph_calls(&graph, "take_thread_control").await;
    assert_eq!(
        takes.len(),
        1,
        "the thread comes back, or the next message lands on standby"
    );
    assert_eq!(takes[0]["recipient"]["id"], user);
    // A second sweep changes nothing and takes nothing again.
    sweep(&app, Utc::now() + Duration::hours(26)).await.unwrap();
    assert_eq!(graph_calls(&graph, "take_thread_control").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn any_hand_back_to_our_app_resumes_and_a_stale_one_does_not() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000407";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let back = |ts: i64| {
        json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
            "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
            "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID, "metadata": "done"}}]}]})
    };
    // A person replies in the inbox without any escalation: the bot pauses.
    let t0 = Utc::now();
    let (b, sig) = signed(
        &serde_json::from_str(&echo(
            user,
            "m_hb_h",
            "Hi, Camille here",
            263902037430900,
            t0.timestamp_millis(),
        ))
        .unwrap(),
    );
    ingest_webhook(&app, b.as_bytes(), Some(&sig), t0)
        .await
        .unwrap();
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
    // A hand-back sent before that pause began (late, out of order) leaves it alone.
    let (b, sig) = signed(&back(t0.timestamp_millis() - 60_000));
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), t0)
        .await
        .unwrap();
    assert_eq!(r.resumed, 0);
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
    // The person passes the thread back: the bot answers again.
    let (b, sig) = signed(&back(t0.timestamp_millis() + 60_000));
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), t0 + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(r.resumed, 1, "{r:?}");
    assert!(!app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));

    // Escalated afterwards: a redelivery of that earlier hand-back does not resume the new one.
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_hb_c",
        "I want to speak to someone",
        (t0 + Duration::minutes(5)).timestamp_millis(),
    );
    let RespondOutcome::Escalated { escalation_id } = say(&app, &c).await else {
        panic!()
    };
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), t0 + Duration::minutes(6))
        .await
        .unwrap();
    assert_eq!(r.resumed, 0);
    let state = app.conversations.get_state(&conv).await.unwrap();
    assert_eq!(state.escalation_id.as_deref(), Some(escalation_id.as_str()));
    assert!(state.holds_at(Utc::now()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redelivered_echo_does_not_pause_a_customer_handed_back_since() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000408";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let t0 = Utc::now();
    let first_echo = echo(
        user,
        "m_re_h1",
        "Camille here",
        263902037430900,
        t0.timestamp_millis(),
    );
    let (b_echo, sig_echo) = signed(&serde_json::from_str(&first_echo).unwrap());
    ingest_webhook(&app, b_echo.as_bytes(), Some(&sig_echo), t0)
        .await
        .unwrap();
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(t0));
    let back = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": t0.timestamp_millis() + 60_000,
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID, "metadata": "done"}}]}]});
    let (b, sig) = signed(&back);
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), t0 + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(r.resumed, 1);
    // Meta delivers the first echo again: the customer stays with the bot.
    let r = ingest_webhook(
        &app,
        b_echo.as_bytes(),
        Some(&sig_echo),
        t0 + Duration::minutes(2),
    )
    .await
    .unwrap();
    assert_eq!(r.human_activity, 0, "{r:?}");
    assert!(!app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(t0 + Duration::minutes(2)));
    // A new reply from the person pauses again.
    let later = t0 + Duration::minutes(3);
    let (b, sig) = signed(
        &serde_json::from_str(&echo(
            user,
            "m_re_h2",
            "One more thing",
            263902037430900,
            later.timestamp_millis(),
        ))
        .unwrap(),
    );
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), later)
        .await
        .unwrap();
    assert_eq!(r.human_activity, 1);
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(later));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redelivered_trigger_finishes_the_handoff_a_failure_interrupted() {
    let graph = graph_stub().await;
    // Graph fails the handoff notice three times (every attempt of the first delivery).
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"error": {"message": "oops", "type": "OAuthException", "code": 2, "is_transient": true}}),
        ))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&graph)
        .await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000409";
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_fin_c",
        "I want to file a complaint",
        now_ms(),
    );
    app.conversations.record_message(&c).await.unwrap();
    assert!(
        respond(&app, &c, Utc::now()).await.is_err(),
        "the notice failed"
    );
    assert!(graph_calls(&graph, "pass_thread_control").await.is_empty());
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    assert!(app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
    // The stream delivers the record again: the customer is told, the thread reaches the inbox.
    let again = respond(&app, &c, Utc::now()).await.unwrap();
    assert!(
        matches!(again, RespondOutcome::Escalated { .. }),
        "{again:?}"
    );
    let sends = graph_calls(&graph, "messages").await;
    assert_eq!(sends.len(), 4, "three failed attempts, then the notice");
    // The same handoff notice the failed attempts tried (its wording depends on the shop's hours).
    let notice = sends[3]["message"]["text"].as_str().unwrap();
    assert!(!notice.is_empty());
    assert_eq!(sends[0]["message"]["text"].as_str().unwrap(), notice);
    assert_eq!(graph_calls(&graph, "pass_thread_control").await.len(), 1);
    // A third delivery sends nothing more.
    respond(&app, &c, Utc::now()).await.unwrap();
    assert_eq!(graph_calls(&graph, "messages").await.len(), 4);
    assert_eq!(graph_calls(&graph, "pass_thread_control").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_left_reserved_by_a_dead_attempt_goes_to_a_person_not_to_silence() {
    let graph = graph_stub().await;
    // The first send hangs: the invocation dies (is aborted) after reserving the reply.
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"recipient_id": "x", "message_id": "m_late"}))
                .set_delay(std::time::Duration::from_secs(30)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&graph)
        .await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000410";
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_dead_c",
        "How long does shipping take?",
        now_ms(),
    );
    app.conversations.record_message(&c).await.unwrap();
    let attempt = {
        let (app, c) = (app.clone(), c.clone());
        tokio::spawn(async move { respond(&app, &c, Utc::now()).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    attempt.abort();
    // The stream hands the record out again, after the dead invocation's time ran out.
    tokio::time::sleep(std::time::Duration::from_millis(5200)).await;
    let again = respond(&app, &c, Utc::now()).await.unwrap();
    let RespondOutcome::Escalated { escalation_id } = again else {
        panic!("a dead attempt's reply must not silence the customer: {again:?}")
    };
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        esc.reason_detail.contains("may not have reached"),
        "{}",
        esc.reason_detail
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_meta_refuses_sends_the_customer_to_a_person() {
    // A revoked page token: every send fails with code 190, the handoff message too.
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}}),
        ))
        .mount(&graph)
        .await;
    let (app, team, _) = app(&graph).await;
    let user = "7000000000000411";
    let c = customer(
        Channel::Messenger,
        PAGE,
        user,
        "m_190_c",
        "How long does shipping take?",
        now_ms(),
    );
    app.conversations.record_message(&c).await.unwrap();
    let outcome = respond(&app, &c, Utc::now()).await.unwrap();
    let RespondOutcome::Escalated { escalation_id } = outcome else {
        panic!("a refused reply must not be dropped: {outcome:?}")
    };
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        esc.reason_detail.contains("page token invalid"),
        "{}",
        esc.reason_detail
    );
    // The team hears about it although Meta reaches nobody.
    notify_escalation(&app, &esc, Utc::now()).await.unwrap();
    assert_eq!(team.delivered().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persons_act_from_days_ago_is_stored_not_acted_on() {
    let graph = graph_stub().await;
    let (app, _team, _) = app(&graph).await;
    let user = "7000000000000412";
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let old = Utc::now() - Duration::days(2);
    let (b, sig) = signed(
        &serde_json::from_str(&echo(
            user,
            "m_old_h",
            "old reply",
            263902037430900,
            old.timestamp_millis(),
        ))
        .unwrap(),
    );
    let r = ingest_webhook(&app, b.as_bytes(), Some(&sig), Utc::now())
        .await
        .unwrap();
    assert_eq!((r.stored, r.human_activity), (1, 0), "{r:?}");
    assert!(!app
        .conversations
        .get_state(&conv)
        .await
        .unwrap()
        .holds_at(Utc::now()));
}
