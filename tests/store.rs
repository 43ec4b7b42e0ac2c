//! The DynamoDB stores against the local endpoint: the same contracts the in-memory adapter keeps
//! for the use cases' fast tests (`shared/src/app/tests.rs`).

mod common;

use chrono::{Duration, Utc};
use common::*;
use handoff::adapters::DynamoStore;
use handoff::conversation::{Channel, ConversationKey};
use handoff::escalation::{HumanLabel, ResumedBy};
use handoff::message::{Direction, Message, Role};
use handoff::ports::{
    Conversations, Delivery, EscalationJob, Escalations, JobClaim, ResumeRecord, ResumeRequest,
};
use handoff::state::{PauseFlag, PendingChange, StateEvent, Transition};

fn changed(t: Transition) -> PauseFlag {
    match t {
        Transition::Changed(s) => s,
        other => panic!("{other:?}"),
    }
}

fn reply(conv: &ConversationKey, mid: &str, ts: i64) -> Message {
    Message::bot_send(conv, ts, mid.to_string(), "Two to four days.")
}

#[tokio::test(flavor = "multi_thread")]
async fn state_writes_are_conditional_on_the_version_read() {
    let direct = aws().await;
    let table = fresh_table(&direct, "store").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000901");
    let now = Utc::now();
    let read = store.get_state(&conv).await.unwrap();
    assert_eq!(read.version, 0);
    let reserve = StateEvent::BotReplies {
        key: "reply-m1",
        pending: PendingChange::Keep,
    };
    let first = changed(read.apply(&reserve, now));
    assert!(store.save_state(&conv, &first, 0).await.unwrap());
    assert!(
        !store.save_state(&conv, &first, 0).await.unwrap(),
        "a second creator loses"
    );
    let stored = store.get_state(&conv).await.unwrap();
    assert_eq!(stored, first, "STATE round-trips whole");
    let paused = changed(stored.apply(
        &StateEvent::PersonActed {
            at_ms: now.timestamp_millis(),
            until: now + Duration::hours(24),
        },
        now,
    ));
    assert!(store.save_state(&conv, &paused, 1).await.unwrap());
    assert!(
        !store.save_state(&conv, &first, 1).await.unwrap(),
        "a stale writer loses"
    );
    assert!(store.get_state(&conv).await.unwrap().holds_at(now));
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_are_recorded_confirmed_by_echo_and_recognised() {
    let direct = aws().await;
    let table = fresh_table(&direct, "store").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let conv = ConversationKey::new(Channel::Instagram, PAGE, "7000000000000902");
    let now = Utc::now();
    let sent = reply(&conv, "reply-m1", now.timestamp_millis());
    assert_eq!(store.send_delivery(&sent).await.unwrap(), None);
    // Reserved a moment ago, its Graph id not back yet: an echo of any id is ours.
    let reserved = changed(PauseFlag::default().apply(
        &StateEvent::BotReplies {
            key: &sent.mid,
            pending: PendingChange::Keep,
        },
        now,
    ));
    assert!(store.save_state(&conv, &reserved, 0).await.unwrap());
    assert!(store.is_own_send(&conv, "m_graph_1", now).await.unwrap());
    assert!(!store
        .is_own_send(&conv, "m_graph_1", now + Duration::minutes(2))
        .await
        .unwrap());
    // Meta's echo before the attempt recorded the send.
    store
        .confirm_send(&conv, &sent.mid, "m_graph_1")
        .await
        .unwrap();
    assert_eq!(
        store.send_delivery(&sent).await.unwrap(),
        Some(Delivery::Sent("m_graph_1".into()))
    );
    // The record, once written, is what counts.
    store
        .record_send(&sent, &Delivery::Sent("m_graph_1".into()))
        .await
        .unwrap();
    assert!(store
        .is_own_send(&conv, "m_graph_1", now + Duration::hours(1))
        .await
        .unwrap());
    let failed = reply(&conv, "reply-m2", now.timestamp_millis() + 5);
    store.record_send(&failed, &Delivery::Failed).await.unwrap();
    assert_eq!(
        store.send_delivery(&failed).await.unwrap(),
        Some(Delivery::Failed)
    );
    // Neither is a customer message: the history reads them as the bot's.
    let snapshot = store.load_conversation(&conv, 10).await.unwrap();
    assert!(snapshot
        .messages
        .iter()
        .all(|m| m.role == Role::Bot && m.direction == Direction::Out));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_opens_once_its_jobs_are_leased_and_its_resume_recorded_once() {
    let direct = aws().await;
    let table = fresh_table(&direct, "store").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000903");
    let now = Utc::now();
    let mut e = sample_escalation(&conv, now);
    e.escalation_id = handoff::escalation::escalation_id_for(now.timestamp_millis(), "m_e");
    let paused = paused_for(&e);
    use handoff::ports::EscalationOpening::*;
    assert_eq!(open_as_policy(&store, &e, &paused, 0).await, Opened);
    assert_eq!(
        open_as_policy(&store, &e, &paused, 0).await,
        StateChanged,
        "a redelivery re-reads and finds it open"
    );
    assert!(store.get_state(&conv).await.unwrap().holds_at(now));
    // The opener holds the team notice's job: nobody else claims it until its lease runs out.
    assert_eq!(
        store
            .claim_job(
                &conv,
                &e.escalation_id,
                EscalationJob::Notice,
                now,
                Duration::seconds(60)
            )
            .await
            .unwrap(),
        JobClaim::Busy
    );
    store
        .release_job(&conv, &e.escalation_id, EscalationJob::Notice)
        .await
        .unwrap();
    for job in [EscalationJob::Notice, EscalationJob::Reminder] {
        let lease = Duration::seconds(60);
        let claim = |at| store.claim_job(&conv, &e.escalation_id, job, at, lease);
        assert_eq!(claim(now).await.unwrap(), JobClaim::Claimed);
        assert_eq!(claim(now).await.unwrap(), JobClaim::Busy);
        // A claimant that died: the lease runs out and the next one takes over.
        assert_eq!(
            claim(now + Duration::seconds(61)).await.unwrap(),
            JobClaim::Claimed
        );
        store
            .release_job(&conv, &e.escalation_id, job)
            .await
            .unwrap();
        assert_eq!(claim(now).await.unwrap(), JobClaim::Claimed, "released");
        store
            .finish_job(&conv, &e.escalation_id, job, now)
            .await
            .unwrap();
        assert_eq!(
            claim(now + Duration::hours(1)).await.unwrap(),
            JobClaim::AlreadyDone
        );
    }
    let label = HumanLabel {
        note: Some("refunded".into()),
        ..Default::default()
    };
    let request = ResumeRequest {
        conversation: &conv,
        escalation_id: &e.escalation_id,
        by: ResumedBy::Link,
        label: &label,
        now,
    };
    assert_eq!(
        store.record_resume(request.clone()).await.unwrap(),
        ResumeRecord::Recorded
    );
    assert!(matches!(
        store.record_resume(request.clone()).await.unwrap(),
        ResumeRecord::AlreadyResumed {
            by: Some(ResumedBy::Link),
            ..
        }
    ));
    let stored = store
        .get_escalation(&conv, &e.escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.note.as_deref(), Some("refunded"));
    assert!(stored.notified_at.is_some() && stored.reminded_at.is_some());
    assert_eq!(
        store
            .record_resume(ResumeRequest {
                escalation_id: "1-none",
                ..request
            })
            .await
            .unwrap(),
        ResumeRecord::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_is_forgotten_whole_and_nobody_else() {
    let direct = aws().await;
    let table = fresh_table(&direct, "forget").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let now = Utc::now();
    let seed = |user: &'static str| {
        let store = store.clone();
        async move {
            let conv = ConversationKey::new(Channel::Instagram, PAGE, user);
            let mut question = reply(&conv, "m_q", now.timestamp_millis());
            question.role = Role::Customer;
            question.direction = Direction::In;
            store.record_message(&question).await.unwrap();
            store
                .record_send(
                    &reply(&conv, "reply-m_q", now.timestamp_millis() + 1),
                    &Delivery::Sent("m_1".into()),
                )
                .await
                .unwrap();
            store.confirm_send(&conv, "reply-m_q", "m_1").await.unwrap();
            let mut e = sample_escalation(&conv, now);
            e.escalation_id = handoff::escalation::escalation_id_for(now.timestamp_millis(), user);
            let paused = paused_for(&e);
            open_as_policy(&store, &e, &paused, 0).await;
            conv
        }
    };
    let gone = seed("7000000000000911").await;
    let kept = seed("7000000000000912").await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .env("TABLE_NAME", &table)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let base = [
        "forget",
        "--channel",
        "instagram",
        "--page",
        PAGE,
        "--user",
        "7000000000000911",
    ];
    let dry = cli(&[&base[..], &["--dry-run"]].concat());
    assert!(
        dry.contains("would delete 6 items")
            && dry.contains("3 messages, 1 pause state, 1 escalations, 1 echo receipts"),
        "{dry}"
    );
    assert_eq!(
        store.customer_items(&gone).await.unwrap().total(),
        6,
        "a dry run deletes nothing"
    );
    let done = cli(&base);
    assert!(done.contains("deleted 6 items"), "{done}");
    assert_eq!(store.customer_items(&gone).await.unwrap().total(), 0);
    assert_eq!(
        store.customer_items(&kept).await.unwrap().total(),
        6,
        "another customer is untouched"
    );
    // Gone from the by-time index too: the report and case export no longer see it.
    let listed = store
        .escalations_between(
            now - Duration::hours(1),
            now + Duration::hours(1),
            None,
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].conversation, kept);
    assert!(
        cli(&base).contains("nothing stored"),
        "a second run is a no-op"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_item_expires_as_the_policy_says() {
    let direct = aws().await;
    let table = fresh_table(&direct, "ttl").await;
    let client = aws_sdk_dynamodb::Client::new(&direct);
    let retention = handoff::policy::Retention {
        message_days: 30,
        state_days: 60,
        escalation_days: 400,
    };
    let store = DynamoStore::new(client.clone(), &table).with_retention(retention);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000921");
    let now = Utc::now();
    let mut e = sample_escalation(&conv, now);
    e.escalation_id = handoff::escalation::escalation_id_for(now.timestamp_millis(), "m_ttl");
    let paused = paused_for(&e);
    open_as_policy(&store, &e, &paused, 0).await;
    let mut m = reply(&conv, "m_ttl", now.timestamp_millis());
    m.role = Role::Customer;
    m.direction = Direction::In;
    store.record_message(&m).await.unwrap();
    let expires = |sk: String| {
        let client = client.clone();
        let table = table.clone();
        let pk = conv.partition_key();
        async move {
            let item = client
                .get_item()
                .table_name(table)
                .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
                .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk))
                .send()
                .await
                .unwrap()
                .item
                .unwrap();
            let at: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
            (at - now.timestamp()) as f64 / 86_400.0
        }
    };
    let days = |d: f64, want: f64| (d - want).abs() < 0.01;
    assert!(days(expires("STATE".into()).await, 60.0));
    assert!(days(expires(e.sort_key()).await, 400.0));
    assert!(days(expires(m.sort_key()).await, 30.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_is_read_with_what_came_before_it_not_after() {
    let direct = aws().await;
    let table = fresh_table(&direct, "store").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000905");
    let t0 = Utc::now().timestamp_millis();
    let said = |n: i64| Message {
        role: Role::Customer,
        direction: Direction::In,
        mid: format!("m_burst_{n:02}"),
        ..reply(&conv, "unused", t0 + n)
    };
    for n in 0..40 {
        store.record_message(&said(n)).await.unwrap();
    }
    let mids = |ms: Vec<Message>| ms.into_iter().map(|m| m.mid).collect::<Vec<_>>();
    // The three before message 5 and itself, whatever 34 came after it.
    assert_eq!(
        mids(store.messages_through(&conv, &said(5), 4).await.unwrap()),
        ["m_burst_02", "m_burst_03", "m_burst_04", "m_burst_05"]
    );
    assert_eq!(
        mids(store.messages_through(&conv, &said(1), 30).await.unwrap()),
        ["m_burst_00", "m_burst_01"]
    );
    // The STATE item is never read as a message.
    store
        .save_state(&conv, &PauseFlag::default(), 0)
        .await
        .unwrap();
    assert_eq!(
        store
            .messages_through(&conv, &said(39), 100)
            .await
            .unwrap()
            .len(),
        40
    );
}

/// The weekly review finds the day's answers whose entry the customer chose from a "Did you
/// mean" (their own labels), and only those; the random sample draws from every answer.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_finds_the_days_chosen_answers_and_only_those() {
    use handoff::message::AnswerRef;
    use handoff::ports::Reviews;
    let direct = aws().await;
    let table = fresh_table(&direct, "choices").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let now = Utc::now();
    let ts = now.timestamp_millis();
    for i in 0..12 {
        let conv = ConversationKey::new(Channel::Messenger, PAGE, format!("70000000000011{i:02}"));
        let mut m = reply(&conv, &format!("reply-m_{i}"), ts + i);
        m.answer = Some(AnswerRef {
            entry: if i % 4 == 0 {
                "delivery-time"
            } else {
                "returns"
            }
            .into(),
            confidence: 0.9,
            trace: None,
            question: Some(format!("question {i} about delivery")),
            chosen: i % 4 == 0,
        });
        store
            .record_send(&m, &Delivery::Sent(format!("m_out_{i}")))
            .await
            .unwrap();
    }
    let mut chosen = store.chosen_answers(now.date_naive(), 100).await.unwrap();
    chosen.sort_by_key(|c| c.at);
    let questions: Vec<&str> = chosen.iter().map(|c| c.question.as_str()).collect();
    assert_eq!(
        questions,
        [
            "question 0 about delivery",
            "question 4 about delivery",
            "question 8 about delivery"
        ]
    );
    assert!(chosen.iter().all(|c| c.entry == "delivery-time"));
    assert_eq!(
        store
            .chosen_answers(now.date_naive(), 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .chosen_answers(now.date_naive() - Duration::days(1), 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .sample_answers(now.date_naive(), 100)
            .await
            .unwrap()
            .len(),
        12
    );
}
