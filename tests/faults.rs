//! Faults: the AWS endpoint going away mid-stream (ingest answers 5xx so Meta redelivers; the
//! redeliveries are stored exactly once), Graph 500 and 429 (bounded retries, then a person
//! rather than silence).

mod common;

use std::sync::atomic::Ordering;

use chrono::Utc;
use common::*;
use handoff::app::{ingest_webhook, notify_escalation, respond, IngestError, RespondOutcome};
use handoff::conversation::{Channel, ConversationKey};
use handoff::webhook::{parse_webhook, sign, WebhookEvent};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn table(direct: &aws_config::SdkConfig) -> String {
    fresh_table(direct, "faults").await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_outage_answers_5xx_and_redeliveries_are_stored_once() {
    let direct = aws().await;
    let team = Team::new(&direct).await;
    let graph = graph_stub().await;
    let table = table(&direct).await;
    let proxy = AwsProxy::start().await;
    let app = proxy.app(&direct, &table, &team.topic_arn, &graph.uri());
    let t0 = now_ms();
    let bodies: Vec<String> = (0..20)
        .map(|i| {
            customer_text(
                "7000000000000701",
                &format!("m_outage_{i}"),
                "When are you open?",
                t0 + i,
            )
        })
        .collect();
    let post = |body: &String| {
        let app = app.clone();
        let body = body.clone();
        async move {
            let sig = sign(APP_SECRET.as_bytes(), body.as_bytes());
            ingest_webhook(&app, body.as_bytes(), Some(&sig), Utc::now()).await
        }
    };
    let mut refused = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        if i == 7 {
            proxy.down.store(true, Ordering::SeqCst);
        }
        if i == 14 {
            proxy.down.store(false, Ordering::SeqCst);
        }
        match post(b).await {
            Ok(_) => {}
            Err(IngestError::Store(_)) => refused.push(i),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(
        refused,
        (7..14).collect::<Vec<_>>(),
        "only the outage's deliveries fail (and answer 5xx)"
    );
    // Meta redelivers everything it did not get a 200 for — and some it did.
    for b in &bodies {
        post(b).await.unwrap();
    }
    let store = handoff::adapters::DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    let conv = ConversationKey::new(Channel::Messenger, PAGE, "7000000000000701");
    let snapshot = handoff::ports::Conversations::load_conversation(&store, &conv, 100)
        .await
        .unwrap();
    let mut mids: Vec<String> = snapshot.messages.iter().map(|m| m.mid.clone()).collect();
    mids.sort();
    let mut expected: Vec<String> = (0..20).map(|i| format!("m_outage_{i}")).collect();
    expected.sort();
    assert_eq!(mids, expected, "every message stored exactly once");
}

async fn failing_graph(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/messages$"))
        .respond_with(ResponseTemplate::new(status).set_body_json(serde_json::json!({"error": {"message": "try later", "code": if status == 429 { 4 } else { 2 }}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"_thread_control$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"success": true})),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_failures_are_retried_then_a_person_takes_over() {
    for status in [500u16, 429] {
        let direct = aws().await;
        let team = Team::new(&direct).await;
        let graph = failing_graph(status).await;
        let table = table(&direct).await;
        let proxy = AwsProxy::start().await;
        let app = proxy.app(&direct, &table, &team.topic_arn, &graph.uri());
        let user = format!("70000000000008{}", status % 100);
        let body = customer_text(
            &user,
            &format!("m_graph_{status}"),
            "When are you open?",
            now_ms(),
        );
        let sig = sign(APP_SECRET.as_bytes(), body.as_bytes());
        ingest_webhook(&app, body.as_bytes(), Some(&sig), Utc::now())
            .await
            .unwrap();
        let WebhookEvent::Customer(m) = parse_webhook(body.as_bytes(), APP_ID).unwrap().remove(0)
        else {
            panic!()
        };
        // The answer fails three times (bounded, with backoff), the customer is escalated; the
        // handoff message fails too, so the stream will retry that step.
        let result = respond(&app, &m, Utc::now()).await;
        assert!(
            result.is_err() || matches!(result, Ok(RespondOutcome::Escalated { .. })),
            "{status}: {result:?}"
        );
        let sends = graph_calls(&graph, "messages").await;
        assert_eq!(
            sends.len(),
            6,
            "{status}: three attempts for the answer, three for the handoff message"
        );
        let conv = ConversationKey::new(Channel::Messenger, PAGE, &user);
        let state = app.conversations.get_state(&conv).await.unwrap();
        assert!(
            state.holds_at(Utc::now()),
            "{status}: a person has the customer"
        );
        let esc = app
            .escalations
            .get_escalation(&conv, state.escalation_id.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(
            esc.reason_detail.contains("could not be delivered"),
            "{}",
            esc.reason_detail
        );
        // The team hears about it regardless of Meta.
        notify_escalation(&app, &esc, Utc::now()).await.unwrap();
        assert_eq!(team.delivered().await.len(), 1);
    }
}
