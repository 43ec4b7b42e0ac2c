//! Triggers and small talk that no spelling trick and no language hides.

use super::*;

fn english_only() -> (Policy, Knowledge) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config");
    let source = std::fs::read_to_string(format!("{dir}/policy.toml"))
        .unwrap()
        .replace(
            r#"languages = ["en", "fr", "de", "es", "it"]"#,
            r#"languages = ["en"]"#,
        );
    assert!(source.contains(r#"languages = ["en"]"#));
    let k =
        Knowledge::from_toml(&std::fs::read_to_string(format!("{dir}/knowledge.toml")).unwrap())
            .unwrap();
    (Policy::from_toml(&source).unwrap(), k)
}

#[test]
fn invisible_characters_never_hide_a_trigger() {
    for (text, want) in [
        ("I want to file a com\u{AD}plaint", "escalate complaint"),
        ("I want to file a com\u{200B}plaint", "escalate complaint"),
        (
            "Can I talk to a real per\u{200D}son please",
            "escalate human_request",
        ),
        (
            "Can I talk to a real \u{202E}person\u{202C} please",
            "escalate human_request",
        ),
        ("Can I get a re\u{2060}fund?", "escalate money"),
        (
            "\u{FEFF}Kann ich bitte mit einem Mit\u{AD}arbeiter sprechen?",
            "escalate human_request",
        ),
    ] {
        assert_eq!(headline(text), want, "{text:?}");
    }
}

#[test]
fn small_talk_and_triggers_read_every_language_whatever_the_shop_writes() {
    let (p, k) = english_only();
    let say = |text: &str| {
        decide(
            &p,
            &k,
            Turn {
                text: Some(text),
                ..Default::default()
            },
            open_time(),
        )
    };
    for thanks in [
        "grazie mille!",
        "merci beaucoup",
        "vielen Dank!",
        "muchas gracias",
        "gracias",
        "danke",
    ] {
        let d = say(thanks);
        assert!(
            !matches!(d.outcome, Outcome::Escalate { .. }),
            "{thanks:?}: {}",
            d.headline()
        );
    }
    // Small talk in another language is answered in the shop's own language.
    if let Outcome::Answer { text, .. } = say("grazie mille!").outcome {
        assert!(!text.to_lowercase().contains("grazie"), "{text}");
    }
    for (text, want) in [
        (
            "Kann ich bitte mit einem Mitarbeiter sprechen?",
            "escalate human_request",
        ),
        ("je veux parler à un humain", "escalate human_request"),
        ("quiero hablar con una persona", "escalate human_request"),
        ("voglio parlare con un operatore", "escalate human_request"),
        ("ich möchte mich beschweren", "escalate complaint"),
    ] {
        assert_eq!(say(text).headline(), want, "{text:?}");
    }
}
