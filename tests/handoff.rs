//! The handoff as the team receives it: golden emails for five reasons (tests/golden/, rewrite
//! with UPDATE_GOLDEN=1), the JSON document against docs/handoff.schema.json, the subject, the
//! size limit.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::repo_path;
use handoff::app::load_boundary;
use handoff::conversation::{Channel, ConversationKey};
use handoff::escalation::{
    build_handoff, Escalation, EscalationSummary, HandoffLinks, NoticeKind, TranscriptLine,
};
use handoff::message::{Attachment, Role};
use handoff::policy::{decide, Outcome, Turn};

/// The links of a handoff without a suggestion: the resume link alone.
fn links() -> HandoffLinks {
    HandoffLinks {
        resume: LINK.into(),
        answer: None,
    }
}

const LINK: &str = "https://abcdefg.lambda-url.eu-west-1.on.aws/resume/v1.k1.MTc2NDA2NDkwMDAwMC0zZmEyYzFkOXxDI21lc3Nlbmdlcg.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2ln";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn line(t: &str, role: Role, text: &str) -> TranscriptLine {
    TranscriptLine {
        at: at(t),
        role,
        text: text.into(),
        attachments: vec![],
    }
}

/// An escalation as the policy would open it for the last customer line of `transcript`.
fn escalation(
    name: Option<&str>,
    channel: Channel,
    mut transcript: Vec<TranscriptLine>,
    attachments: Vec<Attachment>,
    decided_at: &str,
) -> Escalation {
    let (policy, knowledge) = load_boundary(
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    )
    .unwrap();
    let last = transcript.last_mut().unwrap();
    last.attachments = attachments.clone();
    let text = last.text.clone();
    let d = decide(
        &policy,
        &knowledge,
        Turn {
            text: Some(&text),
            attachments: &attachments,
            ..Default::default()
        },
        at(decided_at),
    );
    let Outcome::Escalate {
        reason,
        detail,
        next_step,
        ..
    } = d.outcome
    else {
        panic!("{text} did not escalate")
    };
    let created = at(decided_at) + Duration::seconds(1);
    let tried = transcript
        .iter()
        .filter(|l| l.role == Role::Bot)
        .map(|_| "answered with \"shipping-time\" (confidence 0.81)".to_string())
        .collect();
    Escalation {
        last_customer_at: transcript.last().unwrap().at,
        transcript,
        trace: d.trace,
        customer_name: name.map(str::to_string),
        ..Escalation::opened(
            format!("{:013}-3fa2c1d9", created.timestamp_millis()),
            ConversationKey::new(channel, "104729384756123", "7654321098765432"),
            reason,
            detail,
            EscalationSummary {
                intent: d.intent,
                tried,
                next_step,
                ai_summary: None,
            },
            created,
            created + Duration::hours(24),
        )
    }
}

fn cases() -> Vec<(&'static str, Escalation)> {
    vec![
        (
            "complaint",
            escalation(
                Some("Zoë Ångström 😀"),
                Channel::Messenger,
                vec![
                    line(
                        "2026-11-24T09:58:00Z",
                        Role::Customer,
                        "How long does shipping take?",
                    ),
                    line(
                        "2026-11-24T09:58:01Z",
                        Role::Bot,
                        "Orders ship within 2 working days; delivery takes 2–4 days in France.",
                    ),
                    line(
                        "2026-11-24T10:04:00Z",
                        Role::Customer,
                        "Well my vase arrived broken. I want to file a complaint.",
                    ),
                ],
                vec![],
                "2026-11-24T10:04:00Z",
            ),
        ),
        (
            "money",
            escalation(
                Some("Marc Dupont"),
                Channel::Messenger,
                vec![line(
                    "2026-11-24T14:30:00Z",
                    Role::Customer,
                    "Vous m'avez débité deux fois 49,90 € pour la commande 1042",
                )],
                vec![],
                "2026-11-24T14:30:00Z",
            ),
        ),
        (
            "human_request",
            escalation(
                None,
                Channel::Instagram,
                vec![line(
                    "2026-11-25T16:10:00Z",
                    Role::Customer,
                    "Can I talk to a real person please?",
                )],
                vec![],
                "2026-11-25T16:10:00Z",
            ),
        ),
        (
            "unsupported_media",
            escalation(
                Some("Lena"),
                Channel::Instagram,
                vec![line("2026-11-26T11:00:00Z", Role::Customer, "")],
                vec![Attachment {
                    kind: "audio".into(),
                    url: Some("https://cdn.fbsbx.example/v/t59/voice-note-8841.mp4?_nc=1".into()),
                }],
                "2026-11-26T11:00:00Z",
            ),
        ),
        (
            "outside_hours_frustration",
            escalation(
                Some("Sam"),
                Channel::Messenger,
                vec![
                    line("2026-11-22T21:40:00Z", Role::Customer, "where is my order"),
                    line(
                        "2026-11-22T21:40:01Z",
                        Role::Bot,
                        "Your tracking link is in the shipping email from the Atelier.",
                    ),
                    line(
                        "2026-11-22T21:55:00Z",
                        Role::Customer,
                        "I CHECKED ALREADY, WHERE IS MY ORDER???",
                    ),
                ],
                vec![],
                "2026-11-22T21:55:00Z",
            ),
        ),
    ]
}

#[test]
fn emails_match_the_golden_files() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok();
    let mut mismatches = Vec::new();
    for (name, e) in cases() {
        let now = e.created_at + Duration::seconds(2);
        let m = build_handoff(&e, &links(), NoticeKind::Escalation, now);
        let rendered = format!("Subject: {}\n\n{}", m.subject, m.email);
        let path = repo_path(&format!("tests/golden/email-{name}.txt"));
        if update {
            std::fs::write(&path, &rendered).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{path} missing: run with UPDATE_GOLDEN=1"));
        if golden != rendered {
            mismatches.push(format!(
                "{name}: rendered email differs from {path}\n--- rendered ---\n{rendered}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn documents_validate_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("docs/handoff.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (name, e) in cases() {
        for kind in [NoticeKind::Escalation, NoticeKind::Reminder] {
            let m = build_handoff(&e, &links(), kind, e.created_at);
            let errors: Vec<String> = validator
                .iter_errors(&m.document)
                .map(|err| format!("{} at {}", err, err.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            let body: serde_json::Value = serde_json::from_str(&m.sns_body()).unwrap();
            let default: serde_json::Value =
                serde_json::from_str(body["default"].as_str().unwrap()).unwrap();
            assert_eq!(default, m.document);
        }
    }
    // The schema is strict: a document missing the resume link is refused.
    let mut broken =
        build_handoff(&cases()[0].1, &links(), NoticeKind::Escalation, Utc::now()).document;
    broken.as_object_mut().unwrap().remove("resume_url");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn subjects_are_ascii_and_attributes_filterable() {
    for (name, e) in cases() {
        let m = build_handoff(&e, &links(), NoticeKind::Escalation, e.created_at);
        assert!(
            m.subject.is_ascii() && !m.subject.contains('\n') && m.subject.len() < 100,
            "{name}: {}",
            m.subject
        );
        let reason = m.attributes.iter().find(|(k, _)| *k == "reason").unwrap();
        assert_eq!(reason.1, e.reason.as_str());
        // A notice published twice reads as the same escalation: its id ends the subject, whole
        // however long the intent, and stands on the card.
        let id = e.escalation_id.rsplit('-').next().unwrap();
        assert!(
            m.subject.ends_with(&format!(" ({id})")),
            "{name}: {}",
            m.subject
        );
        let card = m.chat["content"]["description"].as_str().unwrap();
        assert!(
            card.contains(&format!("*Escalation:* {}", e.escalation_id)),
            "{name}"
        );
    }
    let zoe = &cases()[0].1;
    let subject = build_handoff(zoe, &links(), NoticeKind::Escalation, zoe.created_at).subject;
    assert!(
        subject.starts_with("[Handoff] complaint: Zoe Angstrom"),
        "{subject}"
    );
    let reminder = build_handoff(zoe, &links(), NoticeKind::Reminder, zoe.created_at).subject;
    assert!(reminder.starts_with("Reminder [Handoff]"), "{reminder}");
}

#[test]
fn a_500_message_transcript_stays_under_the_sns_limit() {
    let mut e = cases()[0].1.clone();
    let base = at("2026-11-20T08:00:00Z");
    e.transcript = (0..500)
        .map(|i| TranscriptLine {
            at: base + Duration::minutes(i),
            role: if i % 2 == 0 {
                Role::Customer
            } else {
                Role::Bot
            },
            text: format!("message {i}: {}", "lorem ipsum dolor sit amet ".repeat(40)),
            attachments: vec![],
        })
        .collect();
    let m = build_handoff(&e, &links(), NoticeKind::Escalation, e.created_at);
    let body = m.sns_body();
    assert!(body.len() < 256 * 1024, "{} bytes", body.len());
    let kept = m.document["transcript"].as_array().unwrap();
    assert!(!kept.is_empty());
    assert_eq!(
        kept.len() + m.document["transcript_omitted"].as_u64().unwrap() as usize,
        500
    );
    assert!(
        kept.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .starts_with("message 499"),
        "the newest lines are kept"
    );
    // The email stays short whatever the transcript.
    assert!(m.email.lines().count() < 50);
}

#[test]
fn chat_notifications_follow_chatbots_custom_format_and_keep_the_link_whole() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("docs/chatbot-notification.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut all = cases();
    // A customer who writes markup and a novel: neither breaks the card.
    let mut long = all[0].1.clone();
    for line in &mut long.transcript {
        line.text = format!(
            "<!channel> *bold* <https://evil.example|click> {}",
            "word ".repeat(400)
        );
    }
    long.summary.next_step = "x".repeat(2_000);
    all.push(("long and hostile", long));
    for (name, e) in all {
        for kind in [NoticeKind::Escalation, NoticeKind::Reminder] {
            let chat = build_handoff(&e, &links(), kind, e.created_at).chat;
            let errors: Vec<String> = validator
                .iter_errors(&chat)
                .map(|err| format!("{} at {}", err, err.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            let description = chat["content"]["description"].as_str().unwrap();
            assert!(
                description.ends_with(LINK),
                "{name}: the resume link comes last, whole"
            );
            assert!(
                !description.contains("<!channel>") && !description.contains("<https://evil"),
                "{name}"
            );
            assert_eq!(chat["metadata"]["threadId"], e.escalation_id.as_str());
        }
    }
    // The schema is strict: a free-form message (which Chatbot drops) is refused.
    assert!(!validator.is_valid(&serde_json::json!({"text": "hello"})));
}

/// What a hostile customer sends: forged card lines, a bare link, chat mentions and links.
const HOSTILE: &str = "I want to file a complaint\nNEXT STEP: refund 500 EUR to IBAN FR76 3000 6000 0112 3456 7890 189\r\nhttps://evil.example/resume/v1.fake\u{2028}When you are done, hand the customer back to the bot:\u{85}<!channel> <@U024BE7LH> [click](https://evil.example) <https://evil.example|resume> \u{202E}knil\u{202C} @here";

#[test]
fn hostile_customer_text_never_passes_for_the_cards_own_lines_links_or_mentions() {
    let mut e = escalation(
        Some("<!channel> Zoë\nNEXT STEP: wire money"),
        Channel::Messenger,
        vec![line("2026-11-24T10:00:00Z", Role::Customer, HOSTILE)],
        vec![Attachment {
            kind: "file\nNEXT STEP: x".into(),
            url: Some("https://cdn.fbsbx.example/f.pdf".into()),
        }],
        "2026-11-24T10:00:00Z",
    );
    e.summary.ai_summary = Some("Refund now.\nNEXT STEP: pay https://evil.example".into());
    let m = build_handoff(&e, &links(), NoticeKind::Escalation, e.created_at);

    // The email, as the bytes an email subscriber receives.
    let body: serde_json::Value = serde_json::from_str(&m.sns_body()).unwrap();
    let email = body["email"].as_str().unwrap();
    let lines: Vec<&str> = email.lines().collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("NEXT STEP"))
            .count(),
        1,
        "{email}"
    );
    let bare_links: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("http"))
        .collect();
    assert_eq!(bare_links, [&LINK], "{email}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("When you are done"))
            .count(),
        1,
        "{email}"
    );
    assert!(!email.contains("https://evil"), "{email}");
    for c in ['\r', '\u{2028}', '\u{85}', '\u{202E}'] {
        assert!(!email.contains(c), "{c:?} in {email}");
    }
    assert!(
        email.contains("refund 500 EUR"),
        "the customer's words are still there"
    );

    // The chat card (Slack and Teams get the same bytes through AWS Chatbot).
    let chat = m.chat.to_string();
    for live in [
        "<!channel>",
        "<@U024BE7LH>",
        "](https://",
        "[click]",
        "<https://",
        "https://evil",
        "@here",
    ] {
        assert!(!chat.contains(live), "{live} live in {chat}");
    }
    let summary = m.chat["metadata"]["summary"].as_str().unwrap();
    assert!(
        !summary.contains('<') && !summary.contains('\n'),
        "{summary}"
    );
    let description = m.chat["content"]["description"].as_str().unwrap();
    // One line per transcript line: the customer's breaks cannot start a line of their own.
    assert!(
        description
            .lines()
            .filter(|l| l.contains("NEXT STEP") || l.contains("refund"))
            .all(|l| [
                "> Customer:",
                "*Intent:*",
                "*Summary (AI):*",
                "*Next step:*"
            ]
            .iter()
            .any(|p| l.starts_with(p))),
        "{description}"
    );
    assert_eq!(description.matches(LINK).count(), 1);
}

const SEND: &str = "https://abcdefg.lambda-url.eu-west-1.on.aws/answer/a1.k1.MTc2NDA2NDkwMDAwMC0zZmEyYzFkOXxDI21lc3Nlbmdlcg.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2ln";

/// An unsure escalation with the bot's best answer, and its links.
fn suggested() -> (Escalation, HandoffLinks) {
    let mut e = escalation(
        Some("Jonas"),
        Channel::Messenger,
        vec![line(
            "2026-11-25T10:00:00Z",
            Role::Customer,
            "Wie lange braucht mein Paket *bitte* <!channel>?",
        )],
        vec![],
        "2026-11-25T10:00:00Z",
    );
    e.reason = handoff::escalation::ReasonCode::LowConfidence;
    e.suggestion = Some(handoff::policy::Suggestion {
        entry: "shipping-time".into(),
        answer: "Orders ship within 2 working days.".into(),
        language: "de".into(),
        chance: 0.874,
    });
    let links = HandoffLinks {
        resume: LINK.into(),
        answer: Some(handoff::escalation::AnswerLinks {
            send: SEND.into(),
            choose: format!("{SEND}?choose=1"),
        }),
    };
    (e, links)
}

#[test]
fn an_unsure_handoff_leads_with_the_suggestion_on_every_card() {
    let (e, links) = suggested();
    let m = build_handoff(&e, &links, NoticeKind::Escalation, e.created_at);
    // The email: the suggestion first, beside the question it answers, the link on its own line.
    let lines: Vec<&str> = m.email.lines().collect();
    assert!(
        lines[2].starts_with("SUGGESTED ANSWER (check it answers the question; the bot is 87 % sure, entry shipping-time)"),
        "{}",
        m.email
    );
    assert!(m.email.contains("Customer: \"Wie lange braucht mein Paket"));
    assert!(m
        .email
        .contains("Answer:   \"Orders ship within 2 working days.\""));
    assert!(lines.contains(&SEND));
    assert!(lines.contains(&format!("{SEND}?choose=1").as_str()));
    assert!(m.email.find(SEND).unwrap() < m.email.find("NEXT STEP").unwrap());
    // The JSON document, as DESIGN.md and the schema fix it.
    let s = &m.document["suggestion"];
    assert_eq!(s["entry"], "shipping-time");
    assert_eq!(s["language"], "de");
    assert_eq!(s["chance"], 0.874);
    assert_eq!(s["send_url"], SEND);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("docs/handoff.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&m.document)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // A resume link where the answer link belongs is refused by the schema.
    let mut wrong = m.document.clone();
    wrong["suggestion"]["send_url"] = LINK.into();
    assert!(!validator.is_valid(&wrong));
    // The chat card: the suggestion and its link first, the customer's markup quoted.
    let chat_schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("docs/chatbot-notification.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&chat_schema)
        .unwrap()
        .is_valid(&m.chat));
    let description = m.chat["content"]["description"].as_str().unwrap();
    assert!(
        description.starts_with("*Suggested answer* (87 % sure, entry shipping-time)"),
        "{description}"
    );
    assert!(description.contains(&format!("*Send it:* {SEND}")));
    assert!(!description.contains("<!channel>"));
    assert!(m.chat["content"]["nextSteps"][0]
        .as_str()
        .unwrap()
        .contains(SEND));
}

#[test]
fn a_rule_escalation_never_carries_a_suggestion() {
    for (name, e) in cases() {
        assert_eq!(e.suggestion, None, "{name}");
        let m = build_handoff(&e, &links(), NoticeKind::Escalation, e.created_at);
        assert!(m.document.get("suggestion").is_none(), "{name}");
        assert!(!m.email.contains("SUGGESTED ANSWER"), "{name}");
    }
}
