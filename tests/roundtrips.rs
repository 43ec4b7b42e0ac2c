//! AWS round trips per message, counted at a proxy in front of the local endpoint: the test fails
//! when a change adds one: ingest 1; the answer path 2 before the send; the escalation path 4 in
//! all, every one of them in the policy function (the escalate function only sweeps).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use common::*;
use handoff::app::{ingest_webhook, notify_escalation, respond, RespondOutcome};
use handoff::conversation::ConversationKey;
use handoff::ports::GraphError;
use handoff::ports::{Messenger, QuickReplyButton};
use handoff::webhook::{parse_webhook, sign, WebhookEvent};

/// Records how many AWS requests had been made when each Graph call happened.
struct CountingMessenger {
    inner: Arc<dyn Messenger>,
    count: Arc<AtomicUsize>,
    at_send: Mutex<Vec<usize>>,
}

#[async_trait]
impl Messenger for CountingMessenger {
    async fn send_text(
        &self,
        to: &ConversationKey,
        text: &str,
        q: &[QuickReplyButton],
        md: &str,
    ) -> Result<String, GraphError> {
        self.at_send
            .lock()
            .unwrap()
            .push(self.count.load(Ordering::SeqCst));
        self.inner.send_text(to, text, q, md).await
    }
    async fn pass_thread_control(
        &self,
        to: &ConversationKey,
        app: &str,
        md: &str,
    ) -> Result<(), GraphError> {
        self.inner.pass_thread_control(to, app, md).await
    }
    async fn take_thread_control(&self, to: &ConversationKey, md: &str) -> Result<(), GraphError> {
        self.inner.take_thread_control(to, md).await
    }
    async fn profile_name(&self, who: &ConversationKey) -> Result<Option<String>, GraphError> {
        self.inner.profile_name(who).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trips_per_message_stay_within_budget() {
    let proxy = AwsProxy::start().await;
    let count = proxy.count.clone();

    let direct = aws().await;
    let team = Team::new(&direct).await;
    let graph = graph_stub().await;
    let table = fresh_table(&direct, "trips").await;
    let mut app = proxy.app(&direct, &table, &team.topic_arn, &graph.uri());
    let messenger = Arc::new(CountingMessenger {
        inner: app.messenger.clone(),
        count: count.clone(),
        at_send: Mutex::new(vec![]),
    });
    app.messenger = messenger.clone();

    let ingest = |body: String| {
        let app = app.clone();
        async move {
            let sig = sign(APP_SECRET.as_bytes(), body.as_bytes());
            ingest_webhook(&app, body.as_bytes(), Some(&sig), Utc::now())
                .await
                .unwrap()
        }
    };
    let message_of = |body: &str| match parse_webhook(body.as_bytes(), APP_ID).unwrap().remove(0) {
        WebhookEvent::Customer(m) => m,
        other => panic!("{other:?}"),
    };

    // Ingest: one conditional put.
    let user = "7000000000000601";
    let question = customer_text(user, "m_trip_1", "When are you open?", now_ms());
    let before = count.load(Ordering::SeqCst);
    ingest(question.clone()).await;
    assert_eq!(count.load(Ordering::SeqCst) - before, 1, "ingest");

    // Answer: read + the reservation (one conditional STATE write, no transaction) before the
    // send; the reply's record and the day's counter after it.
    let before = count.load(Ordering::SeqCst);
    assert!(matches!(
        respond(&app, &message_of(&question), Utc::now())
            .await
            .unwrap(),
        RespondOutcome::Answered { .. }
    ));
    let at_send = *messenger.at_send.lock().unwrap().last().unwrap();
    assert_eq!(
        at_send - before,
        2,
        "sequential round trips before the answer goes out"
    );
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        4,
        "answer path in all"
    );

    // Escalation: read; one transaction that pauses, stores the escalation with the customer's
    // notice and gives this attempt the team notice's job; the publish (the customer's notice goes
    // out over Graph meanwhile); the escalation marked notified. No chat topic in this rig: its
    // copy would go out alongside the publish, not after it.
    let complaint = customer_text(
        user,
        "m_trip_2",
        "I want to file a complaint",
        now_ms() + 1000,
    );
    ingest(complaint.clone()).await;
    let sends_before = messenger.at_send.lock().unwrap().len();
    let before = count.load(Ordering::SeqCst);
    let RespondOutcome::Escalated { escalation_id } =
        respond(&app, &message_of(&complaint), Utc::now())
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        4,
        "escalation path, across both functions"
    );
    let at_notice = messenger.at_send.lock().unwrap()[sends_before];
    assert_eq!(
        at_notice - before,
        2,
        "the customer hears a person is coming right after the pause"
    );

    // Nothing is left for the escalate function: the handoff is published and marked.
    let conv = ConversationKey::new(handoff::conversation::Channel::Messenger, PAGE, user);
    let esc = app
        .escalations
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert!(esc.notified_at.is_some());
    assert!(
        esc.customer_notice_mid.is_some(),
        "the customer's notice recorded in that write"
    );
    assert_eq!(team.delivered().await.len(), 1);
    assert_eq!(
        notify_escalation(&app, &esc, Utc::now()).await.unwrap(),
        handoff::app::NotifyOutcome::AlreadyNotified,
        "a late retry publishes nothing"
    );
}
