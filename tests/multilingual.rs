//! The boundary in every shipped language: the triggers fire whatever `languages` says, a
//! question finds the entry written in another language and gets the answer in its own, and words
//! that flip the meaning never get a confident answer with the opposite entry.
//!
//! The semantic cases need the converted encoder (`scripts/convert-encoder`, which `scripts/test`
//! runs): `ENCODER_FILE`, or config/encoder/use-m3.bin.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::repo_path;
use handoff::encoder::SentenceEncoder;
use handoff::policy::{decide, Knowledge, Policy, Turn};

fn open_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn headline(policy: &Policy, knowledge: &Knowledge, text: &str) -> String {
    decide(
        policy,
        knowledge,
        Turn {
            text: Some(text),
            ..Default::default()
        },
        open_time(),
    )
    .headline()
}

fn encoder() -> Arc<SentenceEncoder> {
    let path =
        std::env::var("ENCODER_FILE").unwrap_or_else(|_| repo_path("config/encoder/use-m3.bin"));
    Arc::new(
        SentenceEncoder::open(std::path::Path::new(&path)).unwrap_or_else(|e| {
            panic!("{e}: run scripts/convert-encoder (scripts/test does) or set ENCODER_FILE")
        }),
    )
}

#[test]
fn the_triggers_fire_in_every_language_whatever_the_shop_speaks() {
    // A French shop: `languages` names French only.
    let policy = Policy::from_toml("languages = [\"fr\"]\n").unwrap();
    let knowledge = Knowledge::from_toml(
        "[[entry]]\nid = 'horaires'\nquestions = ['Quels sont vos horaires ?']\nanswer = 'Du mardi au samedi.'\n",
    )
    .unwrap();
    let cases = [
        (
            "escalate human_request",
            "Kann ich bitte mit einem Mitarbeiter sprechen?",
        ),
        ("escalate human_request", "Can I speak to a person please?"),
        (
            "escalate human_request",
            "Je voudrais parler à un conseiller",
        ),
        ("escalate human_request", "¿Puedo hablar con una persona?"),
        ("escalate human_request", "Vorrei parlare con un operatore"),
        (
            "escalate money",
            "You charged my card twice for the same order",
        ),
        ("escalate money", "Sie haben meine Karte zweimal belastet"),
        ("escalate money", "Vous m'avez débité deux fois"),
        ("escalate money", "Me cobraron dos veces el mismo pedido"),
        ("escalate money", "Mi avete addebitato due volte"),
        ("escalate frustration", "you're useless"),
        (
            "escalate frustration",
            "I've asked three times now. Three. Times.",
        ),
        ("escalate frustration", "Du bist nutzlos"),
        ("escalate frustration", "Tu ne sers à rien"),
        ("escalate frustration", "Eres inútil"),
        ("escalate frustration", "Sei inutile"),
        ("escalate complaint", "I want to make a complaint"),
        ("escalate complaint", "Ich habe eine Beschwerde"),
    ];
    let mut wrong = Vec::new();
    for (expected, text) in cases {
        let got = headline(&policy, &knowledge, text);
        if got != expected {
            wrong.push(format!("{text:?}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Latin letters swapped for the Cyrillic and Greek letters that look the same.
fn disguised(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'o' => '\u{43e}', // Cyrillic о
            'e' => '\u{435}', // Cyrillic е
            'a' => '\u{3b1}', // Greek α
            'p' => '\u{440}', // Cyrillic р
            'c' => '\u{441}', // Cyrillic с
            other => other,
        })
        .collect()
}

#[test]
fn look_alike_letters_never_hide_a_rule_in_any_language() {
    let policy = Policy::from_toml("languages = [\"fr\"]\n").unwrap();
    let knowledge = Knowledge::from_toml(
        "[[entry]]\nid = 'horaires'\nquestions = ['Quels sont vos horaires ?']\nanswer = 'Du mardi au samedi.'\n",
    )
    .unwrap();
    let cases = [
        ("escalate complaint", "I want to file a complaint"),
        ("escalate human_request", "Can I speak to a person please?"),
        ("escalate complaint", "Ich habe eine Beschwerde"),
        (
            "escalate human_request",
            "Kann ich bitte mit einem Mitarbeiter sprechen?",
        ),
        (
            "escalate human_request",
            "Je voudrais parler à un conseiller",
        ),
        ("escalate money", "Vous m'avez débité deux fois"),
        ("escalate human_request", "¿Puedo hablar con una persona?"),
        ("escalate money", "Me cobraron dos veces el mismo pedido"),
        ("escalate human_request", "Vorrei parlare con un operatore"),
        ("escalate money", "Mi avete addebitato due volte"),
    ];
    let mut wrong = Vec::new();
    for (expected, text) in cases {
        let hidden = disguised(text);
        assert_ne!(hidden, text, "the case must carry look-alikes");
        let got = headline(&policy, &knowledge, &hidden);
        if got != expected {
            wrong.push(format!("{hidden:?}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The issue's own two: a Cyrillic "о" in "complaint", a Greek "ο" in "person".
    assert_eq!(
        headline(&policy, &knowledge, "I want to file a c\u{43e}mplaint"),
        "escalate complaint"
    );
    assert_eq!(
        headline(&policy, &knowledge, "I want to talk to a pers\u{3bf}n"),
        "escalate human_request"
    );
}

const SMART_HOME: &str = r#"
[[entry]]
id = "lights-on"
questions = ["Turn on the lights", "Switch the lights on please", "Can you turn the light on in the kitchen?"]
answer = "Say 'lights on' and the name of the room."
answers.de = "Sag 'Licht an' und den Namen des Raums."

[[entry]]
id = "lights-off"
questions = ["Turn off the lights", "Switch the lights off", "Can you turn the light off in the bedroom?"]
answer = "Say 'lights off' and the name of the room."

[[entry]]
id = "timer-increase"
questions = ["Increase the timer by five minutes", "Add more time to the timer", "Make the timer longer"]
answer = "Say 'add' and the minutes."

[[entry]]
id = "timer-decrease"
questions = ["Decrease the timer", "Take five minutes off the timer", "Make the timer shorter"]
answer = "Say 'remove' and the minutes."

[[entry]]
id = "shipping-time"
questions = ["How long does shipping take?", "When will my order arrive?", "How many days is delivery?"]
answer = "Orders arrive in 2 to 4 working days."
answers.fr = "Les commandes arrivent en 2 à 4 jours ouvrés."
answers.de = "Bestellungen kommen in 2 bis 4 Werktagen an."
answers.es = "Los pedidos llegan en 2 a 4 días laborables."
answers.it = "Gli ordini arrivano in 2-4 giorni lavorativi."

[[entry]]
id = "cancel-subscription"
questions = ["How do I cancel my subscription?", "I want to cancel my plan", "Cancel my membership"]
answer = "Open Settings, then Subscription, then Cancel."
"#;

fn smart_home() -> (Policy, Knowledge) {
    let policy = Policy::from_toml(
        "languages = [\"en\"]\n[triggers.money]\nenabled = false\n[triggers.complaint]\nenabled = false\n",
    )
    .unwrap();
    let knowledge = Knowledge::from_toml(SMART_HOME)
        .unwrap()
        .with_encoder(encoder(), None);
    (policy, knowledge)
}

#[test]
fn a_question_in_any_language_finds_the_entry_written_in_another_and_gets_its_own_answer() {
    let (policy, knowledge) = smart_home();
    let cases = [
        ("How long does shipping take to Lyon?", "Orders arrive"),
        ("Wie lange dauert der Versand?", "Bestellungen kommen"),
        (
            "Combien de temps prend la livraison ?",
            "Les commandes arrivent",
        ),
        ("¿Cuánto tarda el envío?", "Los pedidos llegan"),
        (
            "Quanto tempo ci vuole per la spedizione?",
            "Gli ordini arrivano",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, reply) in cases {
        let r = knowledge.retrieve(text).unwrap();
        let d = decide(
            &policy,
            &knowledge,
            Turn {
                text: Some(text),
                ..Default::default()
            },
            open_time(),
        );
        let sent = match &d.outcome {
            handoff::policy::Outcome::Answer { text, .. } => text.clone(),
            other => format!("{other:?}"),
        };
        if r.entry.id != "shipping-time" || !sent.starts_with(reply) {
            wrong.push(format!(
                "{text:?}: best {} at {:.2}, sent {sent:?}",
                r.entry.id, r.confidence
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn words_that_flip_the_meaning_never_answer_the_opposite_entry_with_confidence() {
    let (policy, knowledge) = smart_home();
    // (message, the entry it must never be confidently answered with)
    let cases = [
        ("Mach die Lichter aus", "lights-on"),
        ("turn the lights off", "lights-on"),
        ("Éteins la lumière", "lights-on"),
        ("Spegni la luce", "lights-on"),
        ("Apaga las luces", "lights-on"),
        ("turn the lights on", "lights-off"),
        ("Mach das Licht an", "lights-off"),
        ("decrease the timer", "timer-increase"),
        ("increase the timer", "timer-decrease"),
        ("stopp", "cancel-subscription"),
        ("stop", "cancel-subscription"),
        ("off", "lights-on"),
        ("on", "lights-off"),
    ];
    let threshold = policy.threshold_for(&knowledge).value;
    let mut wrong = Vec::new();
    for (text, opposite) in cases {
        let r = knowledge.retrieve(text).unwrap();
        if r.entry.id == opposite && r.confidence >= threshold {
            wrong.push(format!(
                "{text:?}: answered with {opposite} at {:.2}",
                r.confidence
            ));
        }
        let got = headline(&policy, &knowledge, text);
        if got == format!("answer {opposite}") {
            wrong.push(format!("{text:?}: decided {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn small_talk_and_the_handoff_go_out_in_the_customers_language_when_the_file_has_it() {
    let policy = Policy::from_toml(
        r#"languages = ["en", "de"]
[messages]
handoff = "A person from our team will reply here."
[messages.de]
handoff = "Eine Person aus unserem Team antwortet Ihnen hier."
[small_talk.de]
thanks = "Gern geschehen!"
greeting = "Hallo! Wie kann ich helfen?"
"#,
    )
    .unwrap();
    let knowledge = Knowledge::from_toml(
        "[[entry]]\nid = 'hours'\nquestions = ['When are you open?']\nanswer = 'Tue-Sat.'\n",
    )
    .unwrap();
    let sent = |text: &str| match decide(
        &policy,
        &knowledge,
        Turn {
            text: Some(text),
            ..Default::default()
        },
        open_time(),
    )
    .outcome
    {
        handoff::policy::Outcome::Answer { text, .. } => text,
        handoff::policy::Outcome::Escalate { customer_text, .. } => customer_text,
        other => format!("{other:?}"),
    };
    assert_eq!(sent("Vielen Dank!"), "Gern geschehen!");
    assert_eq!(sent("Hallo"), "Hallo! Wie kann ich helfen?");
    assert_eq!(
        sent("Kann ich bitte mit einem Mitarbeiter sprechen?"),
        "Eine Person aus unserem Team antwortet Ihnen hier."
    );
    assert_eq!(
        sent("Can I talk to a person?"),
        "A person from our team will reply here."
    );
    assert_ne!(sent("thanks!"), "Gern geschehen!");
}
