//! The stream-driven functions in-process, fed the sample events from events/, against the local
//! AWS endpoint and a Graph stub: redeliveries change nothing, failures are retried.

mod common;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use common::*;
use handoff::adapters::DynamoStore;
use handoff::conversation::{Channel, ConversationKey};
use handoff::entry::{handle_policy_batch, notify_new_escalations, StreamEvent};
use handoff::message::{Direction, Message, Role};
use handoff::ports::Conversations;
use handoff::state::{PendingChange, StateEvent, Transition};
use handoff::{App, Config};

struct Rig {
    app: App,
    table: String,
    team: Team,
    graph: wiremock::MockServer,
    aws: aws_config::SdkConfig,
}

async fn rig_with_topic(topic_override: Option<&str>) -> Rig {
    let aws = aws().await;
    let team = Team::new(&aws).await;
    let graph = graph_stub().await;
    let table = fresh_table(&aws, "stream").await;
    let env = base_env(
        &table,
        topic_override.unwrap_or(&team.topic_arn),
        &graph.uri(),
        "https://resume.example",
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let app = App::from_config(&config, &aws).unwrap();
    Rig {
        app,
        table,
        team,
        graph,
        aws,
    }
}

fn sample(rel: &str) -> StreamEvent {
    serde_json::from_str(&std::fs::read_to_string(repo_path(rel)).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_inbound_record_twice_gives_one_reply() {
    let rig = rig_with_topic(None).await;
    let event = sample("events/policy/stream-inbound-message.json");
    // The message is in the table, as ingest would have left it.
    let item: HashMap<String, AttributeValue> = event.records[0].change.new_image.clone().into();
    let ddb = aws_sdk_dynamodb::Client::new(&rig.aws);
    ddb.put_item()
        .table_name(&rig.table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    for _ in 0..2 {
        let resp = handle_policy_batch(&rig.app, &event).await;
        assert!(resp.batch_item_failures.is_empty());
    }
    let sends = graph_calls(&rig.graph, "messages").await;
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert!(sends[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("dishwasher"));
    let reply = ddb
        .get_item()
        .table_name(&rig.table)
        .key(
            "pk",
            AttributeValue::S("C#messenger#104729384756123#7654321098765432".into()),
        )
        .key(
            "sk",
            AttributeValue::S("M#1764064800001#reply-m_sample_1".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("reply stored");
    assert_eq!(s(&reply, "delivery"), "sent");
    assert_eq!(s(&reply, "sent_mid"), "m_sent_by_bot");
    assert_eq!(s(&reply, "entry"), "dishwasher");
}

async fn put_sample_escalation(rig: &Rig) -> StreamEvent {
    let event = sample("events/escalate/stream-new-escalation.json");
    let item: HashMap<String, AttributeValue> = event.records[0].change.new_image.clone().into();
    aws_sdk_dynamodb::Client::new(&rig.aws)
        .put_item()
        .table_name(&rig.table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_escalation_record_twice_publishes_once() {
    let rig = rig_with_topic(None).await;
    let event = put_sample_escalation(&rig).await;
    for _ in 0..3 {
        assert!(notify_new_escalations(&rig.app, &event)
            .await
            .batch_item_failures
            .is_empty());
    }
    let published = rig.team.published().await;
    assert_eq!(published.len(), 1);
    let email = published[0]["body"]["email"].as_str().unwrap();
    assert!(
        email.contains("https://resume.example/resume/v1.t1."),
        "{email}"
    );
    assert_eq!(
        published[0]["attributes"]["page_id"]["Value"],
        "104729384756123"
    );
    assert_eq!(published[0]["attributes"]["kind"]["Value"], "escalation");
    assert_eq!(rig.team.received().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_publish_is_retried_and_lands_once() {
    let broken = rig_with_topic(Some("arn:aws:sns:us-east-1:123456789012:no-such-topic")).await;
    let event = put_sample_escalation(&broken).await;
    let resp = notify_new_escalations(&broken.app, &event).await;
    assert_eq!(resp.batch_item_failures.len(), 1);
    assert_eq!(
        resp.batch_item_failures[0].item_identifier.as_deref(),
        event.records[0].change.sequence_number.as_deref()
    );
    // The same record again, now that SNS works: one notification.
    let mut working = broken.app.clone();
    let fixed = rig_with_topic(None).await;
    working.notifier = fixed.app.notifier.clone();
    assert!(notify_new_escalations(&working, &event)
        .await
        .batch_item_failures
        .is_empty());
    assert!(notify_new_escalations(&working, &event)
        .await
        .batch_item_failures
        .is_empty());
    assert_eq!(fixed.team.published().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_made_before_a_pause_is_never_sent_after_it() {
    let rig = rig_with_topic(None).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&rig.aws), &rig.table);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000301");
    let now = Utc::now();
    let read = store.load_conversation(&conv, 10).await.unwrap();
    assert_eq!(read.state.version, 0);
    // A person replies from the inbox while the bot is composing.
    let human = Message {
        conversation: conv.clone(),
        timestamp_ms: now.timestamp_millis(),
        mid: "m_human".into(),
        role: Role::Human,
        direction: Direction::Out,
        text: Some("Camille here".into()),
        payload: None,
        attachments: vec![],
        event: None,
        standby: false,
        answer: None,
    };
    let Transition::Changed(paused) = read.state.apply(
        &StateEvent::PersonActed {
            at_ms: human.timestamp_ms,
            until: now + Duration::hours(24),
        },
        now,
    ) else {
        panic!("a person's act pauses")
    };
    assert!(store.save_state(&conv, &paused, 0).await.unwrap());
    store.record_message(&human).await.unwrap();
    // The bot's reservation, made from the state it read before the pause, loses.
    let Transition::Changed(reserved) = read.state.apply(
        &StateEvent::BotReplies {
            key: "reply-x",
            pending: PendingChange::Keep,
        },
        now,
    ) else {
        panic!("the state read was active")
    };
    assert!(!store
        .save_state(&conv, &reserved, read.state.version)
        .await
        .unwrap());
    let fresh = store.load_conversation(&conv, 10).await.unwrap();
    assert!(fresh.state.holds_at(now));
    assert_eq!(
        fresh.messages.len(),
        1,
        "only the human's message is stored"
    );
}
