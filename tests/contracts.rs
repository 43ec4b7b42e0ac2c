//! Contracts shared by the code, the template and the sample events.

mod common;

use common::*;
use handoff::entry::stream::{matches_filter, ESCALATE_FILTER, POLICY_FILTER, POLICY_FILTERS};
use handoff::entry::{StreamEvent, UrlRequest};
use handoff::resume::{LinkKeys, ResumeToken};
use handoff::webhook::verify_signature;

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap()
}

#[test]
fn the_template_filters_are_the_ones_the_code_and_dev_server_apply() {
    let template = read("template.yaml");
    for filter in POLICY_FILTERS {
        assert!(
            template.contains(&format!("Pattern: '{filter}'")),
            "policy filter {filter} differs from the template"
        );
    }
    // The policy function publishes the handoffs it opens: the stream feeds it alone (the escalate
    // function's batch handler stays for a stack mid-update, whose old mapping may still deliver).
    assert!(
        !template.contains(&format!("Pattern: '{ESCALATE_FILTER}'")),
        "the template feeds the escalate function from the stream again"
    );
    assert_eq!(
        template.matches("Stream: !GetAtt Table.StreamArn").count(),
        1
    );
    for bin in [
        "handoff-ingest",
        "handoff-policy",
        "handoff-escalate",
        "handoff-resume",
    ] {
        assert!(
            template.contains(&format!("Binary: {bin}")),
            "{bin} not built by the template"
        );
    }
}

#[test]
fn sample_stream_events_match_their_functions_filters_only() {
    let inbound: StreamEvent =
        serde_json::from_str(&read("events/policy/stream-inbound-message.json")).unwrap();
    let escalation: StreamEvent =
        serde_json::from_str(&read("events/escalate/stream-new-escalation.json")).unwrap();
    assert!(matches_filter(POLICY_FILTER, &inbound.records[0]));
    assert!(!matches_filter(ESCALATE_FILTER, &inbound.records[0]));
    assert!(matches_filter(ESCALATE_FILTER, &escalation.records[0]));
    assert!(!matches_filter(POLICY_FILTER, &escalation.records[0]));
    let mut modified = escalation.records[0].clone();
    modified.event_name = "MODIFY".into();
    assert!(!matches_filter(ESCALATE_FILTER, &modified));
}

#[test]
fn sample_webhooks_are_signed_with_the_test_secret() {
    for (file, ok) in [
        ("events/ingest/webhook-post-signed.json", true),
        ("events/ingest/webhook-post-base64.json", true),
        ("events/ingest/webhook-post-forged.json", false),
    ] {
        let req: UrlRequest = serde_json::from_str(&read(file)).unwrap();
        let body = if req.is_base64_encoded {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(req.body.as_ref().unwrap())
                .unwrap()
        } else {
            req.body.clone().unwrap().into_bytes()
        };
        let sig = req
            .headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            verify_signature(APP_SECRET.as_bytes(), &body, sig).is_ok(),
            ok,
            "{file}"
        );
    }
}

#[test]
fn sample_resume_links_verify_with_the_test_key() {
    let keys = LinkKeys::parse(LINK_KEYS).unwrap();
    for file in [
        "events/resume/resume-get.json",
        "events/resume/resume-post.json",
    ] {
        let req: UrlRequest = serde_json::from_str(&read(file)).unwrap();
        let token = req
            .raw_path
            .unwrap()
            .trim_start_matches("/resume/")
            .to_string();
        let t = ResumeToken::verify(&token, &keys, chrono::Utc::now()).unwrap();
        assert_eq!(t.escalation_id, "1764064900000-3fa2c1d9");
    }
}
