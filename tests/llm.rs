//! The optional LLM engine against a local stub: it answers only when confident and grounded,
//! and every failure escalates with low_confidence instead of guessing.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::repo_path;
use handoff::adapters::language_model::ChatCompletionsModel;
use handoff::app::load_boundary;
use handoff::config::LlmConfig;
use handoff::escalation::ReasonCode;
use handoff::policy::apply_model_answer;
use handoff::policy::{decide, Decision, Outcome, Turn};
use handoff::ports::LanguageModel;
use handoff::secret::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn completion(content: &str) -> Value {
    json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})
}

async fn run(response: ResponseTemplate, timeout: Duration) -> (Decision, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(response)
        .mount(&server)
        .await;
    let (policy, knowledge) = load_boundary(
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    )
    .unwrap();
    let engine = ChatCompletionsModel::new(
        LlmConfig {
            api_base: format!("{}/v1", server.uri()),
            api_key: Secret::new("sk-test"),
            model: "small-model".into(),
        },
        timeout,
    );
    let now = DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let question = "Are the mugs ok in a dishwasher?";
    let decision = decide(
        &policy,
        &knowledge,
        Turn {
            text: Some(question),
            ..Default::default()
        },
        now,
    );
    assert!(decision.decided_by_knowledge());
    let ranked = knowledge.rank(question);
    let top: Vec<_> = ranked.iter().take(3).map(|(e, _)| *e).collect();
    let result = engine.answer(question, &top).await;
    (
        apply_model_answer(&policy, &knowledge, decision, result, now),
        server,
    )
}

fn escalated_low_confidence(d: &Decision) -> String {
    match &d.outcome {
        Outcome::Escalate {
            reason: ReasonCode::LowConfidence,
            detail,
            ..
        } => detail.clone(),
        other => panic!("expected low_confidence, got {other:?}"),
    }
}

#[tokio::test]
async fn a_confident_grounded_answer_is_sent_and_the_request_carries_only_the_top_entries() {
    let content = json!({"answer": "Yes, all our glazed mugs are dishwasher safe.", "confidence": 0.92, "intent": "care question", "needs_human": false, "entry": "dishwasher"}).to_string();
    let (d, server) = run(
        ResponseTemplate::new(200).set_body_json(completion(&content)),
        Duration::from_secs(2),
    )
    .await;
    match &d.outcome {
        Outcome::Answer {
            entry,
            text,
            confidence,
        } => {
            assert_eq!(entry, "llm:dishwasher");
            assert!(text.contains("dishwasher safe"));
            assert!(*confidence > 0.9);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.intent, "care question");
    assert_eq!(d.trace.deciding().unwrap().check, "llm");
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent["model"], "small-model");
    assert_eq!(sent["response_format"]["type"], "json_object");
    let user: Value =
        serde_json::from_str(sent["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert!(user["knowledge"].as_array().unwrap().len() <= 3);
    assert_eq!(user["customer_message"], "Are the mugs ok in a dishwasher?");
}

#[tokio::test]
async fn low_confidence_or_needs_human_escalates() {
    let low = json!({"answer": "Maybe?", "confidence": 0.3, "intent": "care", "needs_human": false, "entry": "dishwasher"}).to_string();
    let (d, _) = run(
        ResponseTemplate::new(200).set_body_json(completion(&low)),
        Duration::from_secs(2),
    )
    .await;
    assert!(escalated_low_confidence(&d).contains("only 0.30 sure"));
    let human = json!({"answer": "", "confidence": 0.9, "intent": "refund", "needs_human": true})
        .to_string();
    let (d, _) = run(
        ResponseTemplate::new(200).set_body_json(completion(&human)),
        Duration::from_secs(2),
    )
    .await;
    assert!(escalated_low_confidence(&d).contains("person is needed"));
}

#[tokio::test]
async fn invalid_output_escalates() {
    for content in [
        "Sure! The mugs are fine.".to_string(),
        json!({"answer": "ok", "confidence": 7, "intent": "x", "needs_human": false}).to_string(),
        json!({"answer": "ok", "confidence": 0.9, "intent": "x", "needs_human": false, "entry": "made-up"}).to_string(),
        json!({"confidence": 0.9}).to_string(),
    ] {
        let (d, _) = run(ResponseTemplate::new(200).set_body_json(completion(&content)), Duration::from_secs(2)).await;
        assert!(escalated_low_confidence(&d).contains("invalid"), "{content}");
    }
}

#[tokio::test]
async fn a_timeout_escalates() {
    let content = json!({"answer": "late", "confidence": 0.99, "intent": "x", "needs_human": false, "entry": "dishwasher"}).to_string();
    let slow = ResponseTemplate::new(200)
        .set_body_json(completion(&content))
        .set_delay(Duration::from_secs(3));
    let (d, _) = run(slow, Duration::from_millis(300)).await;
    assert!(escalated_low_confidence(&d).contains("did not reply"));
}

#[tokio::test]
async fn an_http_error_escalates() {
    let (d, _) = run(
        ResponseTemplate::new(500).set_body_string("overloaded"),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(
        escalated_low_confidence(&d),
        "the answer engine answered HTTP 500"
    );
}

#[tokio::test]
async fn the_handoff_summary_is_grounded_and_optional() {
    use handoff::escalation::TranscriptLine;
    use handoff::message::Role;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(
            &json!({"summary": "The customer's vase arrived broken; they want a replacement. The bot answered a shipping question before."}).to_string(),
        )))
        .mount(&server)
        .await;
    let engine = ChatCompletionsModel::new(
        LlmConfig {
            api_base: format!("{}/v1", server.uri()),
            api_key: Secret::new("sk-test"),
            model: "small-model".into(),
        },
        Duration::from_secs(2),
    );
    let transcript = vec![TranscriptLine {
        at: Utc::now(),
        role: Role::Customer,
        text: "My vase arrived broken, I want a replacement".into(),
        attachments: vec![],
    }];
    let summary = engine.summarize(&transcript).await.unwrap();
    assert!(summary.contains("vase arrived broken"));
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(sent["messages"][1]["content"]
        .as_str()
        .unwrap()
        .contains("My vase arrived broken"));
    // Invalid or failing: no summary, and the card stays deterministic.
    assert!(handoff::adapters::language_model::parse_summary("{\"summary\": \"\"}").is_err());
    assert!(handoff::adapters::language_model::parse_summary("not json").is_err());
    let down = ChatCompletionsModel::new(
        LlmConfig {
            api_base: "http://127.0.0.1:9/v1".into(),
            api_key: Secret::new("sk-test"),
            model: "m".into(),
        },
        Duration::from_millis(300),
    );
    assert!(down.summarize(&transcript).await.is_err());
}

fn escalated_detail(d: &Decision) -> String {
    match &d.outcome {
        Outcome::Escalate {
            reason: ReasonCode::LowConfidence,
            detail,
            ..
        } => detail.clone(),
        other => panic!("expected an escalation, got {other:?}"),
    }
}

#[tokio::test]
async fn the_engine_cannot_promise_money_the_entry_does_not_mention() {
    let content = json!({"answer": "Yes, and we will refund you 20 € for the trouble.", "confidence": 0.95, "intent": "care", "needs_human": false, "entry": "dishwasher"}).to_string();
    let (d, _server) = run(
        ResponseTemplate::new(200).set_body_json(completion(&content)),
        Duration::from_secs(2),
    )
    .await;
    let detail = escalated_detail(&d);
    assert!(
        detail.contains("mentions") && detail.contains("20 €"),
        "{detail}"
    );
}

#[tokio::test]
async fn an_answer_naming_no_entry_escalates() {
    let content = json!({"answer": "Yes, they are fine.", "confidence": 0.95, "intent": "care", "needs_human": false}).to_string();
    let (d, _server) = run(
        ResponseTemplate::new(200).set_body_json(completion(&content)),
        Duration::from_secs(2),
    )
    .await;
    assert!(escalated_detail(&d).contains("named no entry"));
}

#[tokio::test]
async fn the_engine_never_turns_an_escalation_or_a_proposal_into_an_answer() {
    let (policy, knowledge) = load_boundary(
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    )
    .unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let confident = || {
        Ok::<_, handoff::ports::LanguageModelError>(handoff::policy::ModelAnswer {
            answer: "Sure!".into(),
            confidence: 0.99,
            intent: "x".into(),
            needs_human: false,
            entry: Some("dishwasher".into()),
        })
    };
    for text in ["Do you sell bicycles?", "Do you have a newsletter?"] {
        let decision = decide(
            &policy,
            &knowledge,
            Turn {
                text: Some(text),
                ..Default::default()
            },
            now,
        );
        let before = decision.headline();
        assert!(!before.starts_with("answer"), "{text}: {before}");
        let after = apply_model_answer(&policy, &knowledge, decision, confident(), now);
        assert_eq!(after.headline(), before, "{text}");
    }
}

/// Amazon Bedrock's Converse API, stubbed: what the engine sends, and the boundary on what it gets.
async fn bedrock_stub(text: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        // The SDK escapes the ':' of the model id in the path.
        .and(path_regex(
            r"^/model/amazon\.nova-micro-v1(:|%3A)0/converse$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 480, "outputTokens": 60, "totalTokens": 540},
            "metrics": {"latencyMs": 310}
        })))
        .mount(&server)
        .await;
    server
}

fn bedrock_engine(server: &MockServer) -> handoff::adapters::language_model::BedrockModel {
    let conf = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_bedrockruntime::config::Credentials::for_tests())
        .endpoint_url(server.uri())
        .build();
    handoff::adapters::language_model::BedrockModel::with_client(
        aws_sdk_bedrockruntime::Client::from_conf(conf),
        handoff::config::DEFAULT_BEDROCK_MODEL,
        Duration::from_secs(2),
    )
}

#[tokio::test]
async fn bedrock_answers_within_the_same_boundary_and_is_sent_the_right_request() {
    let (policy, knowledge) = load_boundary(
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    )
    .unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let question = "Are the mugs ok in a dishwasher?";
    let ranked = knowledge.rank(question);
    let top: Vec<_> = ranked.iter().take(3).map(|(e, _)| *e).collect();
    let decide_now = || {
        decide(
            &policy,
            &knowledge,
            Turn {
                text: Some(question),
                ..Default::default()
            },
            now,
        )
    };

    let good = json!({"answer": "Yes, all our glazed mugs are dishwasher safe.", "confidence": 0.92, "intent": "care question", "needs_human": false, "entry": "dishwasher"}).to_string();
    let server = bedrock_stub(&good).await;
    let engine = bedrock_engine(&server);
    let d = apply_model_answer(
        &policy,
        &knowledge,
        decide_now(),
        engine.answer(question, &top).await,
        now,
    );
    assert!(
        matches!(&d.outcome, Outcome::Answer { entry, .. } if entry == "llm:dishwasher"),
        "{:?}",
        d.outcome
    );
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(sent["system"][0]["text"]
        .as_str()
        .unwrap()
        .contains("ONLY from the knowledge entries"));
    assert_eq!(sent["inferenceConfig"]["temperature"], 0.0);
    let user: Value =
        serde_json::from_str(sent["messages"][0]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(user["customer_message"], question);
    assert!(user["knowledge"].as_array().unwrap().len() <= 3);

    // The boundary holds whatever the model says: money promised → a person.
    let promise = json!({"answer": "Sure, we will refund you 20 EUR today.", "confidence": 0.95, "intent": "care", "needs_human": false, "entry": "dishwasher"}).to_string();
    let server = bedrock_stub(&promise).await;
    let d = apply_model_answer(
        &policy,
        &knowledge,
        decide_now(),
        bedrock_engine(&server).answer(question, &top).await,
        now,
    );
    assert!(
        matches!(d.outcome, Outcome::Escalate { .. }),
        "{:?}",
        d.outcome
    );

    // A model that fails (throttled, unreachable) leaves the knowledge answer or a person, never a guess.
    let down = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(json!({"message": "Too many requests"})),
        )
        .mount(&down)
        .await;
    assert!(bedrock_engine(&down).answer(question, &top).await.is_err());

    // The handoff summary.
    let server =
        bedrock_stub(r#"{"summary": "The customer asks whether mugs go in the dishwasher."}"#)
            .await;
    let transcript = vec![handoff::escalation::TranscriptLine {
        at: now,
        role: handoff::message::Role::Customer,
        text: question.into(),
        attachments: vec![],
    }];
    assert_eq!(
        bedrock_engine(&server)
            .summarize(&transcript)
            .await
            .unwrap(),
        "The customer asks whether mugs go in the dishwasher."
    );
}
