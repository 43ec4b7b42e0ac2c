//! The boundary, table-driven: tests/data/policy-suite.tsv holds messages in English and French
//! (with traps) and the decision each must get from config/policy.toml and config/knowledge.toml.

mod common;

use chrono::{DateTime, Utc};
use common::repo_path;
use handoff::app::load_boundary;
use handoff::conversation::{Channel, ConversationKey};
use handoff::message::{Attachment, Direction, Message, Role};
use handoff::policy::{decide, Turn};
use handoff::state::PendingConfirmation;

#[test]
fn every_message_in_the_suite_gets_its_expected_decision() {
    let (policy, knowledge) = load_boundary(
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    )
    .unwrap();
    // Tuesday 11:00 in Lyon: open, so business hours do not interfere.
    let now = DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let suite = std::fs::read_to_string(repo_path("tests/data/policy-suite.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in suite.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        count += 1;
        let mut cols = line.split('\t');
        let expected = cols.next().unwrap();
        let text = cols.next().unwrap_or("");
        let mut payload = None;
        let mut attachments = Vec::new();
        let mut history = Vec::new();
        let mut pending = None;
        for opt in cols
            .next()
            .unwrap_or("")
            .split(' ')
            .filter(|o| !o.is_empty())
        {
            let (k, v) = opt.split_once('=').unwrap();
            match k {
                "payload" => payload = Some(v.to_string()),
                "attachment" => attachments.push(Attachment {
                    kind: v.into(),
                    url: Some("https://cdn.example/x".into()),
                }),
                "history" => history.push(Message {
                    conversation: ConversationKey::new(Channel::Messenger, "1", "2"),
                    timestamp_ms: 0,
                    mid: "earlier".into(),
                    role: Role::Customer,
                    direction: Direction::In,
                    text: Some(v.into()),
                    payload: None,
                    attachments: vec![],
                    event: None,
                    standby: false,
                    answer: None,
                }),
                "pending" => {
                    pending = Some(PendingConfirmation {
                        entry: v.into(),
                        asked_at: now,
                        choices: Vec::new(),
                        question: None,
                    })
                }
                other => panic!("line {}: unknown option {other}", n + 1),
            }
        }
        let d = decide(
            &policy,
            &knowledge,
            Turn {
                text: Some(text),
                payload: payload.as_deref(),
                attachments: &attachments,
                history: &history,
                pending: pending.as_ref(),
            },
            now,
        );
        if d.headline() != expected {
            failures.push(format!(
                "line {}: {text:?}: expected {expected}, got {}\n{}",
                n + 1,
                d.headline(),
                d.trace
            ));
        }
    }
    assert!(
        count >= 80,
        "the suite must hold at least 80 messages, has {count}"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
