//! The use cases on the in-memory stores: every fault path of the pause, fast and without AWS.
//! The DynamoDB adapter keeps its own tests against the local endpoint (`tests/`).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::adapters::MemoryStore;
use crate::conversation::{Channel, ConversationKey};
use crate::escalation::{HandoffMessage, HumanLabel, ResumedBy};
use crate::message::{Direction, Message, Role};
use crate::ports::StoreError;
use crate::ports::*;
use crate::state::{PauseFlag, PauseStatus, PendingChange, StateEvent, Transition};

const POLICY: &str = include_str!("../../../config/policy.toml");
const KNOWLEDGE: &str = include_str!("../../../config/knowledge.toml");

/// Meta, as far as the use cases see it: records what was sent, fails on demand.
#[derive(Default)]
struct FakeMeta {
    sends: Mutex<Vec<String>>,
    passes: Mutex<usize>,
    takes: Mutex<usize>,
    /// The next sends to fail with a server error.
    failures: Mutex<usize>,
}

impl FakeMeta {
    fn sent(&self) -> Vec<String> {
        self.sends.lock().unwrap().clone()
    }
}

#[async_trait]
impl Messenger for FakeMeta {
    async fn send_text(
        &self,
        _to: &ConversationKey,
        text: &str,
        _quick_replies: &[QuickReplyButton],
        _metadata: &str,
    ) -> Result<String, GraphError> {
        let mut failures = self.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return Err(GraphError::Api {
                status: 500,
                code: 2,
                subcode: None,
                message: "temporary".into(),
            });
        }
        let mut sends = self.sends.lock().unwrap();
        sends.push(text.to_string());
        Ok(format!("m_sent_{}", sends.len()))
    }
    async fn pass_thread_control(
        &self,
        _to: &ConversationKey,
        _target: &str,
        _metadata: &str,
    ) -> Result<(), GraphError> {
        *self.passes.lock().unwrap() += 1;
        Ok(())
    }
    async fn take_thread_control(
        &self,
        _to: &ConversationKey,
        _metadata: &str,
    ) -> Result<(), GraphError> {
        *self.takes.lock().unwrap() += 1;
        Ok(())
    }
    async fn profile_name(&self, _who: &ConversationKey) -> Result<Option<String>, GraphError> {
        Ok(None)
    }
}

#[derive(Default)]
struct FakeTeam {
    published: Mutex<Vec<HandoffMessage>>,
    /// Publishes to refuse before accepting again.
    failures: Mutex<usize>,
}

#[async_trait]
impl Notifier for FakeTeam {
    async fn publish(&self, message: &HandoffMessage) -> Result<String, crate::ports::NotifyError> {
        let mut failures = self.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return Err(crate::ports::NotifyError::Aws("throttled".into()));
        }
        let mut p = self.published.lock().unwrap();
        p.push(message.clone());
        Ok(format!("sns-{}", p.len()))
    }
}

struct Rig {
    app: App,
    store: Arc<MemoryStore>,
    meta: Arc<FakeMeta>,
    team: Arc<FakeTeam>,
}

fn rig() -> Rig {
    rig_with(Arc::new(MemoryStore::new()))
}

fn rig_with<S: Store + 'static>(store: Arc<S>) -> Rig {
    let memory = Arc::new(MemoryStore::new());
    let meta = Arc::new(FakeMeta::default());
    let team = Arc::new(FakeTeam::default());
    let mut app = App {
        conversations: memory.clone(),
        escalations: memory.clone(),
        stats: memory.clone(),
        messenger: meta.clone(),
        notifier: team.clone(),
        policy: Arc::new(crate::policy::Policy::from_toml(POLICY).unwrap()),
        knowledge: Arc::new(crate::policy::Knowledge::from_toml(KNOWLEDGE).unwrap()),
        language_model: None,
        live: None,
        versions: None,
        reviews: None,
        settings: Settings {
            app_id: "1234567890".into(),
            app_secrets: vec![crate::secret::Secret::new("s")],
            verify_token: Some(crate::secret::Secret::new("v")),
            resume_base_url: "https://handoff.example".into(),
            link_keys: Some(
                crate::resume::LinkKeys::parse("t1:dGVzdC1vbmx5LWxpbmsta2V5LTMyLWJ5dGVzLWxvbmch")
                    .unwrap(),
            ),
            pause_hours: 24,
            link_days: 7,
            routing: true,
            layer: crate::live::LayerFiles {
                policy: String::new(),
                knowledge: String::new(),
            },
        },
    };
    app.use_store(store);
    Rig {
        app,
        store: memory,
        meta,
        team,
    }
}

/// A Tuesday at 11:00 in Paris: the shop is open.
fn t0() -> DateTime<Utc> {
    "2026-12-01T10:00:00Z".parse().unwrap()
}

fn conv() -> ConversationKey {
    ConversationKey::new(Channel::Messenger, "111", "7000000000000001")
}

fn customer(mid: &str, text: &str, at: DateTime<Utc>) -> Message {
    Message {
        conversation: conv(),
        timestamp_ms: at.timestamp_millis(),
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

async fn receive(r: &Rig, m: &Message) -> RespondOutcome {
    r.app.conversations.record_message(m).await.unwrap();
    respond(
        &r.app,
        m,
        DateTime::from_timestamp_millis(m.timestamp_ms).unwrap(),
    )
    .await
    .unwrap()
}

async fn state(r: &Rig) -> PauseFlag {
    r.app.conversations.get_state(&conv()).await.unwrap()
}

#[tokio::test]
async fn a_redelivered_question_is_answered_once() {
    let r = rig();
    let q = customer("m1", "How long does shipping take?", t0());
    assert!(matches!(
        receive(&r, &q).await,
        RespondOutcome::Answered { .. }
    ));
    assert_eq!(
        respond(&r.app, &q, t0() + Duration::seconds(1))
            .await
            .unwrap(),
        RespondOutcome::AlreadyAnswered
    );
    assert_eq!(r.meta.sent().len(), 1);
}

#[tokio::test]
async fn a_burst_stored_before_it_is_decided_is_read_in_order_and_hands_over_once() {
    // The stream delivers a burst after all of it is stored: each message is decided on what came
    // before it, so the flood is seen at its sixth message, not hidden by the ones after it.
    let r = rig();
    let burst: Vec<Message> = (0..40)
        .map(|n| {
            customer(
                &format!("m_burst_{n:02}"),
                "How long does shipping take?",
                t0() + Duration::milliseconds(n),
            )
        })
        .collect();
    for m in &burst {
        r.app.conversations.record_message(m).await.unwrap();
    }
    let mut outcomes = Vec::new();
    for m in &burst {
        outcomes.push(
            respond(&r.app, m, t0() + Duration::seconds(1))
                .await
                .unwrap(),
        );
    }
    let answered = outcomes
        .iter()
        .filter(|o| matches!(o, RespondOutcome::Answered { .. }))
        .count();
    assert_eq!(answered, crate::policy::FLOOD_MESSAGES - 1, "{outcomes:?}");
    assert!(matches!(
        outcomes[crate::policy::FLOOD_MESSAGES - 1],
        RespondOutcome::Escalated { .. }
    ));
    assert!(outcomes[crate::policy::FLOOD_MESSAGES..]
        .iter()
        .all(|o| *o == RespondOutcome::Paused));
    assert_eq!(r.team.published.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_escalation_pauses_tells_the_customer_once_and_publishes_once() {
    let r = rig();
    let m = customer("m1", "I want to file a complaint", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(&r, &m).await else {
        panic!()
    };
    assert!(state(&r).await.holds_at(t0()));
    // Redelivered: nothing twice.
    assert!(matches!(
        respond(&r.app, &m, t0()).await.unwrap(),
        RespondOutcome::Escalated { .. }
    ));
    assert_eq!(r.meta.sent().len(), 1, "{:?}", r.meta.sent());
    assert_eq!(*r.meta.passes.lock().unwrap(), 1);
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &escalation_id)
        .await
        .unwrap()
        .unwrap();
    // The policy function published it with the opening; a later attempt publishes nothing.
    assert!(e.notified_at.is_some());
    assert!(
        e.customer_notice_mid.is_some(),
        "the customer's notice recorded"
    );
    assert_eq!(
        notify_escalation(&r.app, &e, t0()).await.unwrap(),
        NotifyOutcome::AlreadyNotified
    );
    assert_eq!(r.team.published.lock().unwrap().len(), 1);
    // And the bot stays silent while paused.
    let later = customer(
        "m2",
        "How long does shipping take?",
        t0() + Duration::minutes(5),
    );
    assert_eq!(receive(&r, &later).await, RespondOutcome::Paused);
    assert_eq!(r.meta.sent().len(), 1);
}

#[tokio::test]
async fn a_failed_handoff_notice_is_sent_by_the_redelivery_and_the_thread_passed_once() {
    let r = rig();
    *r.meta.failures.lock().unwrap() = 2;
    let m = customer("m1", "I want to file a complaint", t0());
    r.app.conversations.record_message(&m).await.unwrap();
    assert!(respond(&r.app, &m, t0()).await.is_err());
    assert!(respond(&r.app, &m, t0()).await.is_err());
    assert!(state(&r).await.holds_at(t0()), "paused from the first try");
    assert!(matches!(
        respond(&r.app, &m, t0()).await.unwrap(),
        RespondOutcome::Escalated { .. }
    ));
    assert_eq!(r.meta.sent().len(), 1);
    assert_eq!(*r.meta.passes.lock().unwrap(), 1);
    assert!(matches!(
        respond(&r.app, &m, t0()).await.unwrap(),
        RespondOutcome::Escalated { .. }
    ));
    assert_eq!(r.meta.sent().len(), 1, "told once");
}

/// A store on which a person's reply lands between the bot's read and its write.
struct PauseDuringDecision {
    inner: Arc<MemoryStore>,
    armed: Mutex<bool>,
}

#[async_trait]
impl Conversations for PauseDuringDecision {
    async fn record_message(&self, m: &Message) -> Result<Stored, StoreError> {
        self.inner.record_message(m).await
    }
    async fn load_conversation(
        &self,
        key: &ConversationKey,
        limit: usize,
    ) -> Result<ConversationSnapshot, StoreError> {
        self.inner.load_conversation(key, limit).await
    }
    async fn messages_through(
        &self,
        key: &ConversationKey,
        through: &Message,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        self.inner.messages_through(key, through, limit).await
    }
    async fn get_state(&self, key: &ConversationKey) -> Result<PauseFlag, StoreError> {
        self.inner.get_state(key).await
    }
    async fn save_state(
        &self,
        key: &ConversationKey,
        next: &PauseFlag,
        read_version: u64,
    ) -> Result<bool, StoreError> {
        if std::mem::take(&mut *self.armed.lock().unwrap()) {
            let now = t0();
            let current = self.inner.get_state(key).await?;
            let Transition::Changed(paused) = current.apply(
                &StateEvent::PersonActed {
                    at_ms: now.timestamp_millis(),
                    until: now + Duration::hours(24),
                },
                now,
            ) else {
                panic!()
            };
            assert!(self.inner.save_state(key, &paused, current.version).await?);
        }
        self.inner.save_state(key, next, read_version).await
    }
    async fn record_send(&self, sent: &Message, d: &Delivery) -> Result<(), StoreError> {
        self.inner.record_send(sent, d).await
    }
    async fn confirm_send(
        &self,
        key: &ConversationKey,
        sent_key: &str,
        sent_mid: &str,
    ) -> Result<(), StoreError> {
        self.inner.confirm_send(key, sent_key, sent_mid).await
    }
    async fn send_delivery(&self, sent: &Message) -> Result<Option<Delivery>, StoreError> {
        self.inner.send_delivery(sent).await
    }
    async fn is_own_send(
        &self,
        key: &ConversationKey,
        mid: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.inner.is_own_send(key, mid, now).await
    }
}

#[tokio::test]
async fn a_pause_that_lands_while_the_bot_decides_silences_it() {
    let r = rig();
    let mut app = r.app.clone();
    app.conversations = Arc::new(PauseDuringDecision {
        inner: r.store.clone(),
        armed: Mutex::new(true),
    });
    let q = customer("m1", "How long does shipping take?", t0());
    app.conversations.record_message(&q).await.unwrap();
    assert_eq!(
        respond(&app, &q, t0()).await.unwrap(),
        RespondOutcome::Paused,
        "decided again on the paused state"
    );
    assert!(r.meta.sent().is_empty());
}

/// An attempt reserved the reply `key` at t0 and died before sending or recording it.
async fn reserve_then_die(r: &Rig, key: &str) {
    let s = state(r).await;
    let Transition::Changed(reserved) = s.apply(
        &StateEvent::BotReplies {
            key,
            pending: PendingChange::Keep,
        },
        t0(),
    ) else {
        panic!("the customer is not paused")
    };
    assert!(r
        .app
        .conversations
        .save_state(&conv(), &reserved, s.version)
        .await
        .unwrap());
}

#[tokio::test]
async fn a_reply_reserved_by_a_dead_attempt_goes_to_a_person() {
    let r = rig();
    let q = customer("m1", "How long does shipping take?", t0());
    r.app.conversations.record_message(&q).await.unwrap();
    reserve_then_die(&r, "reply-m1").await;
    // Redelivered within the bound: in flight, nothing done.
    assert_eq!(
        respond(&r.app, &q, t0() + Duration::seconds(1))
            .await
            .unwrap(),
        RespondOutcome::AlreadyAnswered
    );
    // Later: the attempt is dead; a person looks.
    assert!(matches!(
        respond(&r.app, &q, t0() + Duration::minutes(1))
            .await
            .unwrap(),
        RespondOutcome::Escalated { .. }
    ));
    assert!(state(&r).await.holds_at(t0() + Duration::minutes(1)));
}

#[tokio::test]
async fn a_reply_reserved_by_a_dead_attempt_that_meta_echoed_counts_as_answered() {
    let r = rig();
    let q = customer("m1", "How long does shipping take?", t0());
    r.app.conversations.record_message(&q).await.unwrap();
    reserve_then_die(&r, "reply-m1").await;
    // The send went out and Meta echoed it (with our metadata) before the attempt died.
    let echo = format!(
        r#"{{"object":"page","entry":[{{"id":"111","time":1,"messaging":[{{"sender":{{"id":"111"}},"recipient":{{"id":"7000000000000001"}},"timestamp":{},"message":{{"mid":"m_echo","is_echo":true,"app_id":1234567890,"metadata":"{}reply-m1","text":"…"}}}}]}}]}}"#,
        t0().timestamp_millis(),
        crate::webhook::OWN_METADATA_PREFIX
    );
    let sig = crate::webhook::sign(b"s", echo.as_bytes());
    ingest_webhook(&r.app, echo.as_bytes(), Some(&sig), t0())
        .await
        .unwrap();
    assert_eq!(
        respond(&r.app, &q, t0() + Duration::minutes(1))
            .await
            .unwrap(),
        RespondOutcome::AlreadyAnswered
    );
    assert!(state(&r).await.status == PauseStatus::Active);
}

#[tokio::test]
async fn a_refused_answer_escalates_the_customer() {
    let r = rig();
    *r.meta.failures.lock().unwrap() = 1;
    let q = customer("m1", "How long does shipping take?", t0());
    // The send's own retries are the client's; here Meta refused it for good.
    r.app.conversations.record_message(&q).await.unwrap();
    let out = respond(&r.app, &q, t0()).await.unwrap();
    assert!(matches!(out, RespondOutcome::Escalated { .. }), "{out:?}");
    assert_eq!(r.meta.sent().len(), 1, "the handoff notice");
    assert!(state(&r).await.holds_at(t0()));
}

#[tokio::test]
async fn a_resume_hands_back_once_says_so_once_and_takes_the_thread() {
    let r = rig();
    let m = customer("m1", "I want to file a complaint", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(&r, &m).await else {
        panic!()
    };
    let token = crate::resume::ResumeToken {
        conversation: conv(),
        escalation_id: escalation_id.clone(),
        expires_at: t0() + Duration::days(7),
    };
    let label = HumanLabel::default();
    let at = t0() + Duration::minutes(30);
    assert!(matches!(
        resume_escalation(&r.app, &token, ResumedBy::Link, &label, at)
            .await
            .unwrap(),
        ResumeOutcome::Resumed(_)
    ));
    assert_eq!(
        resume_escalation(&r.app, &token, ResumedBy::Link, &label, at)
            .await
            .unwrap(),
        ResumeOutcome::AlreadyResumed {
            at,
            by: Some(ResumedBy::Link)
        }
    );
    let s = state(&r).await;
    assert_eq!(s.status, PauseStatus::Active);
    assert_eq!(
        r.meta.sent().len(),
        2,
        "handoff notice, then the resume message"
    );
    assert_eq!(*r.meta.takes.lock().unwrap(), 1);
    // The bot answers again.
    let q = customer(
        "m2",
        "How long does shipping take?",
        at + Duration::minutes(1),
    );
    assert!(matches!(
        receive(&r, &q).await,
        RespondOutcome::Answered { .. }
    ));
}

#[tokio::test]
async fn a_resume_of_an_older_escalation_leaves_the_newer_pause() {
    let r = rig();
    let first = customer("m1", "I want to file a complaint", t0());
    let RespondOutcome::Escalated { escalation_id: old } = receive(&r, &first).await else {
        panic!()
    };
    // The first pause ran out; a second escalation holds now.
    let later = t0() + Duration::hours(25);
    let second = customer("m2", "I want to file a complaint, again", later);
    let RespondOutcome::Escalated { escalation_id: new } = receive(&r, &second).await else {
        panic!()
    };
    assert_ne!(old, new);
    let result = resume_conversation(
        &r.app,
        ResumeRequest {
            conversation: &conv(),
            escalation_id: &old,
            by: ResumedBy::Link,
            label: &HumanLabel::default(),
            now: later,
        },
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        result,
        ResumeResult::Superseded {
            current: Some(new.clone())
        }
    );
    assert_eq!(state(&r).await.escalation_id, Some(new));
}

#[tokio::test]
async fn a_person_handing_back_their_own_pause_resumes_the_bot() {
    let r = rig();
    let mut reply = customer("m_person", "Camille here", t0());
    reply.role = Role::Human;
    reply.direction = Direction::Out;
    pause_for_person(&r.app, &reply, t0() + Duration::hours(24), t0())
        .await
        .unwrap();
    assert!(state(&r).await.holds_at(t0()));
    assert!(resume_human_pause(&r.app, &conv(), t0()).await.unwrap());
    assert_eq!(state(&r).await.status, PauseStatus::Active);
    assert_eq!(*r.meta.takes.lock().unwrap(), 1);
    assert!(
        !resume_human_pause(&r.app, &conv(), t0()).await.unwrap(),
        "once"
    );
    // The same echo redelivered after the hand-back pauses nothing.
    assert_eq!(
        pause_for_person(&r.app, &reply, t0() + Duration::hours(24), t0())
            .await
            .unwrap(),
        Stored::Duplicate
    );
    assert_eq!(state(&r).await.status, PauseStatus::Active);
}

#[tokio::test]
async fn the_sweep_reminds_once_and_resumes_an_expired_pause_once() {
    let r = rig();
    let m = customer("m1", "I want to file a complaint", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(&r, &m).await else {
        panic!()
    };
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &escalation_id)
        .await
        .unwrap()
        .unwrap();
    notify_escalation(&r.app, &e, t0()).await.unwrap();
    let t = t0() + Duration::minutes(20);
    assert_eq!(sweep(&r.app, t).await.unwrap().reminders, 1);
    assert_eq!(sweep(&r.app, t).await.unwrap().reminders, 0);
    assert_eq!(r.team.published.lock().unwrap().len(), 2);
    let expired = t0() + Duration::hours(25);
    assert_eq!(sweep(&r.app, expired).await.unwrap().auto_resumed, 1);
    assert_eq!(sweep(&r.app, expired).await.unwrap().open, 0);
    assert_eq!(*r.meta.takes.lock().unwrap(), 1);
    assert_eq!(state(&r).await.status, PauseStatus::Active);
}

#[tokio::test]
async fn the_sweep_reads_from_the_oldest_open_escalation_and_never_past_one() {
    let r = rig();
    let m = customer("m1", "I want to file a complaint", t0());
    assert!(matches!(
        receive(&r, &m).await,
        RespondOutcome::Escalated { .. }
    ));
    // Open for a day: every sweep meanwhile keeps its cursor at the escalation.
    for minutes in [30, 300, 1_000] {
        let at = t0() + Duration::minutes(minutes);
        assert_eq!(
            sweep(&r.app, at).await.unwrap().open,
            1,
            "at +{minutes} min"
        );
        assert_eq!(r.app.escalations.sweep_cursor().await.unwrap(), Some(t0()));
    }
    // Resumed after its pause ran out: the cursor moves on, to the index's lag behind now.
    let expired = t0() + Duration::hours(25);
    assert_eq!(sweep(&r.app, expired).await.unwrap().auto_resumed, 1);
    assert_eq!(
        r.app.escalations.sweep_cursor().await.unwrap(),
        Some(expired - Duration::minutes(10))
    );
    // A later escalation is read from there, and nothing before it.
    let later = expired + Duration::hours(1);
    let m2 = customer("m2", "I want to talk to a person", later);
    assert!(matches!(
        receive(&r, &m2).await,
        RespondOutcome::Escalated { .. }
    ));
    let report = sweep(&r.app, later + Duration::minutes(1)).await.unwrap();
    assert_eq!(report.open, 1);
    assert_eq!(report.auto_resumed, 0);
}

#[tokio::test]
async fn a_failed_publish_is_redone_by_the_redelivery_without_telling_the_customer_twice() {
    let r = rig();
    *r.team.failures.lock().unwrap() = 1;
    let m = customer("m1", "I want to file a complaint", t0());
    r.app.conversations.record_message(&m).await.unwrap();
    assert!(respond(&r.app, &m, t0()).await.is_err(), "SNS refused");
    assert_eq!(r.meta.sent().len(), 1, "the customer was told meanwhile");
    assert!(r.team.published.lock().unwrap().is_empty());
    // The stream delivers the message again: the team is told, the customer not twice.
    assert!(matches!(
        respond(&r.app, &m, t0() + Duration::seconds(5))
            .await
            .unwrap(),
        RespondOutcome::Escalated { .. }
    ));
    assert_eq!(r.team.published.lock().unwrap().len(), 1);
    assert_eq!(r.meta.sent().len(), 1);
    assert_eq!(*r.meta.passes.lock().unwrap(), 1);
}

/// The example shop read with the sentence encoder (unsure escalations carry a suggestion only
/// with it): `ENCODER_FILE`, or config/encoder/use-m3.bin, which `scripts/test` converts first.
fn semantic_rig(knowledge: &str) -> Rig {
    let mut r = rig();
    let path = std::env::var("ENCODER_FILE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../config/encoder/use-m3.bin").to_string()
    });
    let encoder = crate::encoder::SentenceEncoder::open(std::path::Path::new(&path))
        .expect("the sentence encoder: run scripts/convert-encoder (scripts/test does)");
    r.app.knowledge = Arc::new(
        crate::policy::Knowledge::from_toml(knowledge)
            .unwrap()
            .with_encoder(Arc::new(encoder), None),
    );
    r
}

/// An unsure question the example shop's best entry (shipping-time) answers: escalated with the
/// suggestion.
async fn unsure(r: &Rig) -> String {
    let m = customer("m1", "How many days until my parcel arrives?", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(r, &m).await else {
        panic!("escalated")
    };
    escalation_id
}

fn answer_token(escalation_id: &str) -> crate::resume::ResumeToken {
    crate::resume::ResumeToken {
        escalation_id: escalation_id.into(),
        conversation: conv(),
        expires_at: t0() + Duration::days(7),
    }
}

fn one_click(entry: &str) -> OneClickRequest {
    OneClickRequest {
        entry: entry.into(),
        by: Some("Léa".into()),
        seen_until_ms: None,
    }
}

#[tokio::test]
async fn an_unsure_escalation_carries_the_bots_best_answer_and_a_rule_never_does() {
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.reason.as_str(), "low_confidence");
    let s = e.suggestion.expect("a suggestion");
    assert_eq!(s.entry, "shipping-time");
    assert!(s.chance >= crate::policy::PLAUSIBLE_CHANCE && s.chance < 1.0);
    assert!(s.answer.starts_with("Orders ship within 2 working days"));
    let published = r.team.published.lock().unwrap().clone();
    let doc = &published[0].document;
    assert_eq!(doc["suggestion"]["entry"], "shipping-time");
    assert!(doc["suggestion"]["send_url"]
        .as_str()
        .unwrap()
        .contains("/answer/a1."));
    assert!(published[0].email.contains("SUGGESTED ANSWER"));
    // A complaint is for a person to read: never a suggestion.
    let r = semantic_rig(KNOWLEDGE);
    let m = customer("m1", "I want to file a complaint about my shipping", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(&r, &m).await else {
        panic!()
    };
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.suggestion, None);
    assert!(r.team.published.lock().unwrap()[0].document["suggestion"].is_null());
}

#[tokio::test]
async fn one_click_sends_once_hands_back_and_records_the_verdict() {
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    let sent_before = r.meta.sent().len();
    let at = t0() + Duration::minutes(7);
    let token = answer_token(&id);
    let (first, second) = (one_click("shipping-time"), one_click("shipping-time"));
    let (a, b) = tokio::join!(
        send_one_click(&r.app, &token, &first, at),
        send_one_click(&r.app, &token, &second, at)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, OneClickOutcome::Sent { .. }))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, OneClickOutcome::AlreadySent { .. })));
    let sent = r.meta.sent();
    assert_eq!(sent.len(), sent_before + 1, "one answer: {sent:?}");
    assert!(sent.last().unwrap().starts_with("Orders ship within"));
    assert!(!state(&r).await.holds_at(at), "back with the bot");
    assert!(*r.meta.takes.lock().unwrap() >= 1, "the thread taken back");
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        e.outcome,
        Some(crate::escalation::OutcomeLabel::BotCouldHandle)
    );
    assert_eq!(e.answer_entry.as_deref(), Some("shipping-time"));
    assert_eq!(e.labelled_by.as_deref(), Some("Léa"));
    assert!(!e.one_click.unwrap().replaced());
    // A redelivery later: nothing more.
    assert!(matches!(
        send_one_click(&r.app, &token, &one_click("shipping-time"), at)
            .await
            .unwrap(),
        OneClickOutcome::AlreadySent { .. }
    ));
    assert_eq!(r.meta.sent().len(), sent_before + 1);
}

#[tokio::test]
async fn another_answer_is_a_label_for_that_entry() {
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    let o = send_one_click(
        &r.app,
        &answer_token(&id),
        &one_click("order-tracking"),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        o,
        OneClickOutcome::Sent {
            entry: "order-tracking".into()
        }
    );
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.answer_entry.as_deref(), Some("order-tracking"));
    assert!(e.one_click.unwrap().replaced());
}

#[tokio::test]
async fn one_click_refuses_when_the_customer_wrote_again_or_a_person_replied() {
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    let later = customer(
        "m2",
        "actually it's for a gift",
        t0() + Duration::minutes(2),
    );
    r.app.conversations.record_message(&later).await.unwrap();
    let sent = r.meta.sent().len();
    let o = send_one_click(
        &r.app,
        &answer_token(&id),
        &one_click("shipping-time"),
        t0() + Duration::minutes(3),
    )
    .await
    .unwrap();
    let OneClickOutcome::CustomerWroteAgain { since } = o else {
        panic!("{o:?}")
    };
    assert_eq!(since[0].text, "actually it's for a gift");
    assert_eq!(r.meta.sent().len(), sent, "nothing sent");
    assert!(
        state(&r).await.holds_at(t0() + Duration::minutes(3)),
        "still paused"
    );
    // Once the page showed that message, the person may send.
    let seen = OneClickRequest {
        seen_until_ms: Some(later.timestamp_ms),
        ..one_click("shipping-time")
    };
    assert!(matches!(
        send_one_click(
            &r.app,
            &answer_token(&id),
            &seen,
            t0() + Duration::minutes(4)
        )
        .await
        .unwrap(),
        OneClickOutcome::Sent { .. }
    ));

    // A person replied in the inbox: the inbox has the conversation.
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    let mut human = customer("m3", "Hi, it left today!", t0() + Duration::minutes(1));
    human.role = Role::Human;
    human.direction = Direction::Out;
    r.app.conversations.record_message(&human).await.unwrap();
    assert!(matches!(
        send_one_click(
            &r.app,
            &answer_token(&id),
            &one_click("shipping-time"),
            t0() + Duration::minutes(2)
        )
        .await
        .unwrap(),
        OneClickOutcome::PersonReplied { .. }
    ));
    // The window closed.
    let r = semantic_rig(KNOWLEDGE);
    let id = unsure(&r).await;
    assert!(matches!(
        send_one_click(
            &r.app,
            &answer_token(&id),
            &one_click("shipping-time"),
            t0() + Duration::hours(25)
        )
        .await
        .unwrap(),
        OneClickOutcome::WindowClosed { .. }
    ));
}

#[tokio::test]
async fn an_entry_the_team_approves_is_never_sent_alone() {
    let knowledge = KNOWLEDGE.replace(
        "id = \"returns-policy\"",
        "id = \"returns-policy\"\napprove = \"team\"",
    );
    let r = semantic_rig(&knowledge);
    let m = customer("m1", "What is your return policy?", t0());
    let RespondOutcome::Escalated { escalation_id } = receive(&r, &m).await else {
        panic!("held for the team")
    };
    let e = r
        .app
        .escalations
        .get_escalation(&conv(), &escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.reason.as_str(), "approval");
    let s = e.suggestion.unwrap();
    assert_eq!(s.entry, "returns-policy");
    assert!(
        !r.meta.sent().iter().any(|t| t.contains("30 days")),
        "the answer itself never went out: {:?}",
        r.meta.sent()
    );
    assert!(matches!(
        send_one_click(
            &r.app,
            &answer_token(&escalation_id),
            &one_click("returns-policy"),
            t0()
        )
        .await
        .unwrap(),
        OneClickOutcome::Sent { .. }
    ));
    assert!(r.meta.sent().last().unwrap().contains("30 days"));
}
