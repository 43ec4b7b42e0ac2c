use super::*;
use crate::escalation::ReasonCode;
use crate::message::Role;
use crate::message::{Attachment, Message};
use crate::policy::decision::*;

mod languages;

fn boundary() -> (Policy, Knowledge) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");
    let p =
        Policy::from_toml(&std::fs::read_to_string(format!("{dir}/policy.toml")).unwrap()).unwrap();
    let k =
        Knowledge::from_toml(&std::fs::read_to_string(format!("{dir}/knowledge.toml")).unwrap())
            .unwrap();
    (p, k)
}

/// Tuesday 2026-11-24 11:00 in Lyon: the Atelier is open.
fn open_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn headline(text: &str) -> String {
    let (p, k) = boundary();
    decide(
        &p,
        &k,
        Turn {
            text: Some(text),
            ..Default::default()
        },
        open_time(),
    )
    .headline()
}

#[test]
fn answers_what_the_knowledge_file_covers() {
    assert_eq!(
        headline("What are your opening hours?"),
        "answer opening-hours"
    );
    assert_eq!(
        headline("Quels sont vos HORAIRES d'ouverture ?"),
        "answer opening-hours"
    );
    assert_eq!(headline("is it dishwasher safe"), "answer dishwasher");
}

#[test]
fn escalates_on_the_builtin_triggers() {
    assert_eq!(headline("I want to file a complaint"), "escalate complaint");
    assert_eq!(headline("Can I get a refund?"), "escalate money");
    assert_eq!(headline("Je veux être remboursée"), "escalate money");
    assert_eq!(
        headline("Can I talk to a real person please"),
        "escalate human_request"
    );
    assert_eq!(
        headline("we want a wholesale price for my shop"),
        "escalate wholesale"
    );
}

#[test]
fn never_guesses() {
    assert_eq!(
        headline("What is the airspeed of an unladen swallow?"),
        "escalate low_confidence"
    );
    assert_eq!(headline(""), "acknowledge");
}

#[test]
fn payload_rules_decide_before_text() {
    let (p, k) = boundary();
    let d = decide(
        &p,
        &k,
        Turn {
            text: Some("I want to complain"),
            payload: Some("BOOK_WORKSHOP"),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(d.headline(), "answer rule:workshop_booking");
    assert_eq!(d.trace.deciding().unwrap().check, "rule:workshop_booking");
}

#[test]
fn voice_messages_escalate_and_stickers_do_not_count_as_media() {
    let (p, k) = boundary();
    let voice = [Attachment {
        kind: "audio".into(),
        url: Some("https://cdn/x.mp4".into()),
    }];
    let d = decide(
        &p,
        &k,
        Turn {
            attachments: &voice,
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(d.headline(), "escalate unsupported_media");
    let sticker = [Attachment {
        kind: "sticker".into(),
        url: None,
    }];
    let d = decide(
        &p,
        &k,
        Turn {
            attachments: &sticker,
            ..Default::default()
        },
        open_time(),
    );
    assert_ne!(d.headline(), "escalate unsupported_media");
}

#[test]
fn closed_hours_answer_first_and_tell_the_next_opening_on_escalation() {
    let (p, k) = boundary();
    // Sunday 2026-11-22 at 22:00 in Lyon.
    let sunday = DateTime::parse_from_rfc3339("2026-11-22T22:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let d = decide(
        &p,
        &k,
        Turn {
            text: Some("When are you open?"),
            ..Default::default()
        },
        sunday,
    );
    assert_eq!(d.headline(), "answer opening-hours");
    let d = decide(
        &p,
        &k,
        Turn {
            text: Some("I want a refund"),
            ..Default::default()
        },
        sunday,
    );
    match d.outcome {
        Outcome::Escalate {
            reason,
            customer_text,
            ..
        } => {
            assert_eq!(reason, ReasonCode::Money);
            assert!(
                customer_text.contains("Tuesday 10:00 (Europe/Paris)"),
                "{customer_text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_decision_has_a_trace_naming_what_decided() {
    let (p, k) = boundary();
    let d = decide(
        &p,
        &k,
        Turn {
            text: Some("this is unacceptable"),
            ..Default::default()
        },
        open_time(),
    );
    let step = d.trace.deciding().unwrap();
    assert_eq!(step.check, "trigger:complaint");
    assert!(step.detail.contains("unacceptable"));
    assert!(d
        .trace
        .steps
        .iter()
        .any(|s| s.check == "trigger:human_request" && !s.fired));
}

fn bot_said(entry: &str) -> Message {
    Message {
        conversation: crate::conversation::ConversationKey::new(
            crate::conversation::Channel::Messenger,
            "1",
            "2",
        ),
        timestamp_ms: 1,
        mid: format!("bot-{entry}"),
        role: Role::Bot,
        direction: crate::message::Direction::Out,
        text: Some("…".into()),
        payload: None,
        attachments: vec![],
        event: None,
        standby: false,
        answer: Some(crate::message::AnswerRef {
            entry: entry.into(),
            confidence: 0.1,
            trace: None,
            question: None,
            chosen: false,
        }),
    }
}

#[test]
fn clarify_mode_asks_to_rephrase_then_escalates_with_repeated_fallback() {
    let (_, k) = boundary();
    let p =
        Policy::from_toml("[answers]\non_low_confidence = \"clarify\"\nmax_clarifications = 2\n")
            .unwrap();
    let turn = |history: &'static [Message]| Turn {
        text: Some("blorp zzz"),
        history,
        ..Default::default()
    };
    let d = decide(&p, &k, turn(&[]), open_time());
    assert_eq!(d.headline(), "clarify");
    let once: &'static [Message] = Box::leak(Box::new([bot_said(CLARIFY_ENTRY)]));
    assert_eq!(
        decide(&p, &k, turn(once), open_time()).headline(),
        "escalate repeated_fallback"
    );
    // A real answer in between resets the count.
    let reset: &'static [Message] =
        Box::leak(Box::new([bot_said(CLARIFY_ENTRY), bot_said("dishwasher")]));
    assert_eq!(
        decide(&p, &k, turn(reset), open_time()).headline(),
        "clarify"
    );
}

#[test]
fn frustration_adds_up_its_signals_against_the_threshold() {
    let (p, k) = boundary();
    let d = decide(
        &p,
        &k,
        Turn {
            text: Some("WHERE IS MY ORDER???"),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(d.headline(), "escalate frustration");
    let step = d
        .trace
        .steps
        .iter()
        .find(|s| s.check == "trigger:frustration")
        .unwrap();
    assert!(
        step.detail.contains("capitals 0.40") && step.detail.contains("punctuation 0.35"),
        "{}",
        step.detail
    );
    let calm = decide(
        &p,
        &k,
        Turn {
            text: Some("Where is my order?"),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(calm.headline(), "answer order-tracking");
    // Switched off in the file: the same shouting is just a question.
    let off = Policy::from_toml("[triggers.frustration]\nenabled = false\n").unwrap();
    let d = decide(
        &off,
        &k,
        Turn {
            text: Some("WHERE IS MY ORDER???"),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(d.headline(), "answer order-tracking");
}

#[test]
fn asking_about_money_can_be_made_to_escalate_too() {
    let (_, k) = boundary();
    let strict = Policy::from_toml("[triggers.money]\nanswer_questions_about = false\n").unwrap();
    let d = decide(
        &strict,
        &k,
        Turn {
            text: Some("What is your refund policy?"),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(d.headline(), "escalate money");
}

#[test]
fn a_two_part_message_labelled_with_one_entry_is_answered_with_it_once_fed_back() {
    let (p, k) = boundary();
    let text = "How long does shipping take? And can I pay in instalments?";
    let before = decide(
        &p,
        &k,
        Turn {
            text: Some(text),
            ..Default::default()
        },
        open_time(),
    );
    assert!(
        before.headline().starts_with("escalate"),
        "{}",
        before.headline()
    );
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");
    let source = std::fs::read_to_string(format!("{dir}/knowledge.toml")).unwrap();
    let mut s = crate::cases::KnowledgeSuggestions::default();
    s.questions
        .insert("shipping-time".into(), vec![text.into()]);
    let fed = Knowledge::from_toml(&crate::cases::apply_suggestions(&source, &s).unwrap()).unwrap();
    let after = decide(
        &p,
        &fed,
        Turn {
            text: Some(text),
            ..Default::default()
        },
        open_time(),
    );
    assert_eq!(after.headline(), "answer shipping-time");
}
