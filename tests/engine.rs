//! The answer engine's own evidence, with the sentence encoder: the threshold a knowledge file
//! earns, the entries it cannot tell apart, the question asked when two entries tie (in every
//! shipped language, and answered by a choice), and the polarity guard read per question.
//!
//! Needs the converted encoder (`scripts/convert-encoder`, which `scripts/test` runs):
//! `ENCODER_FILE`, or config/encoder/use-m3.bin.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::{repo_path, DELIVERY_SHOP};
use handoff::encoder::SentenceEncoder;
use handoff::policy::ask::{CHOOSE, CHOOSE_NONE};
use handoff::policy::{
    decide, Knowledge, Outcome, Policy, ThresholdSource, Turn, DEFAULT_THRESHOLD,
};
use handoff::state::PendingConfirmation;

fn open_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
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

fn semantic(source: &str) -> Knowledge {
    Knowledge::from_toml(source)
        .unwrap()
        .with_encoder(encoder(), None)
}

fn decide_at(policy: &Policy, knowledge: &Knowledge, turn: Turn<'_>) -> handoff::policy::Decision {
    decide(policy, knowledge, turn, open_time())
}

fn text_turn(text: &str) -> Turn<'_> {
    Turn {
        text: Some(text),
        ..Default::default()
    }
}

#[test]
fn a_negation_in_one_question_does_not_hold_the_whole_entry() {
    let k = semantic(DELIVERY_SHOP);
    // "I really don't know which one to take" is one of product-advice's questions; the message
    // says no "not", and the question that makes the entry its best match says none either.
    for text in [
        "I want to gain mass",
        "Ich möchte Muskeln aufbauen",
        "je veux prendre de la masse",
        "quiero ganar masa muscular",
        "voglio aumentare la massa muscolare",
    ] {
        let r = k.retrieve(text).unwrap();
        assert_eq!(r.entry.id, "product-advice", "{text}");
        // Read per entry, the one negated question would hold it as "the opposite of the entry".
        assert_eq!(r.caution, None, "{text}: {r:?}");
    }
}

#[test]
fn a_file_earns_its_threshold_and_explain_says_which_decided() {
    let k = semantic(DELIVERY_SHOP);
    let earned = k
        .earned()
        .expect("with the encoder a file earns a threshold");
    assert!(
        earned.threshold > 0.0 && earned.threshold <= DEFAULT_THRESHOLD,
        "{earned:?}"
    );
    assert_eq!(
        earned.questions, 23,
        "every question of the five entries, asked without itself"
    );
    assert_eq!(earned.unwritten, 23, "and asked with its entry left out");
    assert!(
        earned.describe().contains("earned by the file"),
        "{}",
        earned.describe()
    );
    let policy = Policy::from_toml("").unwrap();
    let t = policy.threshold_for(&k);
    assert_eq!(t.source, ThresholdSource::Earned);
    assert_eq!(t.value, earned.threshold);
    // A number in the policy is the brand's, whatever the file earned.
    let fixed = Policy::from_toml("[answers]\nconfidence_threshold = 0.3\n").unwrap();
    assert_eq!(fixed.threshold_for(&k).source, ThresholdSource::Policy);
    let d = decide_at(
        &fixed,
        &k,
        text_turn("How long does delivery take to Lyon?"),
    );
    let step = d.trace.deciding().unwrap();
    assert!(
        step.detail.contains("0.30 (the policy's)"),
        "{}",
        step.detail
    );
    let d = decide_at(
        &policy,
        &k,
        text_turn("How long does delivery take to Lyon?"),
    );
    let step = d.trace.deciding().unwrap();
    assert!(
        step.detail.contains("(earned by the knowledge file)"),
        "{}",
        step.detail
    );
    // By words alone nothing is earned: the default holds.
    let words = Knowledge::from_toml(DELIVERY_SHOP).unwrap();
    assert_eq!(words.earned(), None);
    assert_eq!(
        policy.threshold_for(&words).source,
        ThresholdSource::Default
    );
    assert!(
        Policy::from_toml("[answers]\nconfidence_threshold = \"sometimes\"\n")
            .unwrap_err()
            .to_string()
            .contains("\"earned\""),
        "a bad value says what to write"
    );
}

#[test]
fn the_index_keeps_what_the_file_earned() {
    let index = std::env::temp_dir().join(format!("{}.index", common::unique("engine")));
    let built = semantic(DELIVERY_SHOP);
    std::fs::write(&index, built.index_bytes().unwrap()).unwrap();
    let read = Knowledge::from_toml(DELIVERY_SHOP)
        .unwrap()
        .with_encoder(encoder(), Some(index.clone()));
    assert_eq!(read.earned(), built.earned());
    std::fs::remove_file(index).unwrap();
}

/// Two near-duplicate entries: the file names them, with a question that collides.
const GARAGE: &str = r#"
[[entry]]
id = "oil-change-how"
questions = ["How do I change my oil?", "How to change the engine oil", "What are the steps for an oil change?"]
answer = "Drain, replace the filter, refill."

[[entry]]
id = "oil-change-when"
questions = ["When should I change my oil?", "How often should the oil be changed?", "When is my next oil change due?"]
answer = "Every 15,000 km."

[[entry]]
id = "tire-pressure"
questions = ["What tire pressure should I use?", "How much air in my tyres?", "Check my tire pressure"]
answer = "2.3 bar."

[[entry]]
id = "opening-hours"
questions = ["When are you open?", "What are your opening hours?", "Are you open on Sunday?"]
answer = "Tue-Sat 10-19."

[[entry]]
id = "book-service"
questions = ["I want to book a service", "Can I make an appointment for my car?", "Book a repair slot"]
answer = "Book online."
"#;

#[test]
fn entries_the_engine_cannot_tell_apart_are_named_with_what_to_do() {
    let k = semantic(GARAGE);
    let pairs = &k.earned().unwrap().pairs;
    let oil = pairs
        .iter()
        .find(|p| p.a == "oil-change-how" && p.b == "oil-change-when")
        .unwrap_or_else(|| panic!("the oil entries are named: {pairs:?}"));
    assert!(!oil.collisions.is_empty());
    let advice = oil.advice();
    assert!(
        advice.contains("Merge them") && advice.contains("add questions"),
        "{advice}"
    );
    assert!(
        !pairs
            .iter()
            .any(|p| p.a == "opening-hours" || p.b == "opening-hours"),
        "entries far apart are not named: {pairs:?}"
    );
}

#[test]
fn near_duplicate_entries_are_named_in_every_language() {
    let files = [
        (
            "de",
            [
                (
                    "oel-wechseln-wie",
                    [
                        "Wie wechsle ich das Öl?",
                        "Wie macht man einen Ölwechsel?",
                        "Welche Schritte für den Ölwechsel?",
                    ],
                ),
                (
                    "oel-wechseln-wann",
                    [
                        "Wann muss ich das Öl wechseln?",
                        "Wie oft sollte das Öl gewechselt werden?",
                        "Wann ist der nächste Ölwechsel fällig?",
                    ],
                ),
                (
                    "reifendruck",
                    [
                        "Welcher Reifendruck ist richtig?",
                        "Wie viel Luft in die Reifen?",
                        "Reifendruck prüfen",
                    ],
                ),
                (
                    "oeffnungszeiten",
                    [
                        "Wann haben Sie geöffnet?",
                        "Was sind Ihre Öffnungszeiten?",
                        "Haben Sie sonntags offen?",
                    ],
                ),
                (
                    "termin",
                    [
                        "Ich möchte einen Werkstatttermin",
                        "Kann ich einen Termin für mein Auto machen?",
                        "Reparatur buchen",
                    ],
                ),
            ],
        ),
        (
            "fr",
            [
                (
                    "vidange-comment",
                    [
                        "Comment faire la vidange ?",
                        "Comment changer l'huile du moteur ?",
                        "Quelles sont les étapes d'une vidange ?",
                    ],
                ),
                (
                    "vidange-quand",
                    [
                        "Quand dois-je faire la vidange ?",
                        "À quelle fréquence changer l'huile ?",
                        "Quand est ma prochaine vidange ?",
                    ],
                ),
                (
                    "pression-pneus",
                    [
                        "Quelle pression pour mes pneus ?",
                        "Combien d'air dans les pneus ?",
                        "Vérifier la pression des pneus",
                    ],
                ),
                (
                    "horaires",
                    [
                        "Quand êtes-vous ouverts ?",
                        "Quels sont vos horaires ?",
                        "Ouvert le dimanche ?",
                    ],
                ),
                (
                    "rendez-vous",
                    [
                        "Je veux prendre rendez-vous à l'atelier",
                        "Puis-je réserver une révision ?",
                        "Réserver une réparation",
                    ],
                ),
            ],
        ),
        (
            "es",
            [
                (
                    "aceite-como",
                    [
                        "¿Cómo cambio el aceite?",
                        "¿Cómo se hace un cambio de aceite?",
                        "¿Cuáles son los pasos para cambiar el aceite?",
                    ],
                ),
                (
                    "aceite-cuando",
                    [
                        "¿Cuándo debo cambiar el aceite?",
                        "¿Cada cuánto hay que cambiar el aceite?",
                        "¿Cuándo toca el próximo cambio de aceite?",
                    ],
                ),
                (
                    "presion",
                    [
                        "¿Qué presión deben tener los neumáticos?",
                        "¿Cuánto aire en las ruedas?",
                        "Revisar la presión de los neumáticos",
                    ],
                ),
                (
                    "horario",
                    [
                        "¿Cuándo abren?",
                        "¿Cuál es su horario?",
                        "¿Abren los domingos?",
                    ],
                ),
                (
                    "cita",
                    [
                        "Quiero pedir cita en el taller",
                        "¿Puedo reservar una revisión?",
                        "Reservar una reparación",
                    ],
                ),
            ],
        ),
        (
            "it",
            [
                (
                    "olio-come",
                    [
                        "Come cambio l'olio?",
                        "Come si fa il cambio dell'olio?",
                        "Quali sono i passaggi per il cambio olio?",
                    ],
                ),
                (
                    "olio-quando",
                    [
                        "Quando devo cambiare l'olio?",
                        "Ogni quanto va cambiato l'olio?",
                        "Quando è il prossimo cambio dell'olio?",
                    ],
                ),
                (
                    "pressione",
                    [
                        "Che pressione per le gomme?",
                        "Quanta aria nelle gomme?",
                        "Controllare la pressione degli pneumatici",
                    ],
                ),
                (
                    "orari",
                    [
                        "Quando siete aperti?",
                        "Quali sono i vostri orari?",
                        "Siete aperti la domenica?",
                    ],
                ),
                (
                    "appuntamento",
                    [
                        "Vorrei prenotare un appuntamento in officina",
                        "Posso prenotare un tagliando?",
                        "Prenotare una riparazione",
                    ],
                ),
            ],
        ),
    ];
    for (language, entries) in files {
        let source: String = entries
            .iter()
            .map(|(id, questions)| {
                let q: Vec<String> = questions.iter().map(|q| format!("{q:?}")).collect();
                format!(
                    "[[entry]]\nid = {id:?}\nquestions = [{}]\nanswer = \"x\"\n\n",
                    q.join(", ")
                )
            })
            .collect();
        let k = semantic(&source);
        let pairs = &k.earned().unwrap().pairs;
        let (a, b) = (entries[0].0, entries[1].0);
        assert!(
            pairs
                .iter()
                .any(|p| (p.a == a && p.b == b) || (p.a == b && p.b == a)),
            "{language}: {pairs:?}"
        );
        assert_eq!(
            pairs.len(),
            1,
            "{language}: only the near duplicates: {pairs:?}"
        );
    }
}

/// A policy that asks readily (a low threshold, and a small margin for the pair: the calibrated
/// one makes a question rare), so the question's path is exercised whatever the calibration.
fn asking_policy() -> Policy {
    Policy::from_toml("[answers]\nconfidence_threshold = 0.02\nask_margin = 1.0\n").unwrap()
}

#[test]
fn two_entries_that_tie_are_asked_about_in_the_customers_language() {
    let k = semantic(DELIVERY_SHOP);
    // Across languages the engine is less sure of the pair: a smaller margin still.
    let policy =
        Policy::from_toml("[answers]\nconfidence_threshold = 0.01\nask_margin = 0.3\n").unwrap();
    let cases = [
        ("tell me about delivery", "Did you mean:"),
        ("Frage zur Lieferung", "Meinen Sie:"),
        ("une question sur la livraison", "Vous voulez dire :"),
        ("una pregunta sobre la entrega", "¿Se refiere a:"),
        ("vorrei sapere della consegna", "Intende:"),
    ];
    for (text, question) in cases {
        let d = decide_at(&policy, &k, text_turn(text));
        let step = d.trace.deciding().unwrap();
        let Outcome::Ask {
            entries,
            text: sent,
            ..
        } = &d.outcome
        else {
            panic!("{text}: {} ({})", d.headline(), step.detail);
        };
        assert_eq!(d.headline(), format!("ask {}", entries.join(" ")));
        let mut sorted = entries.clone();
        sorted.sort();
        assert_eq!(sorted, ["delivery-cost", "delivery-time"], "{text}");
        assert!(sent.starts_with(question), "{text}: {sent}");
        assert!(sent.contains("Delivery times") && sent.contains("Delivery costs"));
        assert!(step.tie.is_some(), "the trace keeps the tie for replays");
    }
    // With the calibrated margin the same messages go to a person: a question is earned.
    let calibrated = Policy::from_toml("[answers]\nconfidence_threshold = 0.01\n").unwrap();
    assert_eq!(
        decide_at(&calibrated, &k, text_turn("tell me about delivery")).headline(),
        "escalate low_confidence"
    );
}

#[test]
fn a_tie_never_hides_a_rule() {
    let k = semantic(DELIVERY_SHOP);
    let policy = Policy::from_toml(
        "languages = [\"en\"]\n[answers]\nconfidence_threshold = 0.02\nask_margin = 1.0\n",
    )
    .unwrap();
    for (text, want) in [
        (
            "I want to complain about the delivery",
            "escalate complaint",
        ),
        (
            "can I talk to a person about the delivery",
            "escalate human_request",
        ),
        (
            "you charged me twice for delivery, refund me",
            "escalate money",
        ),
    ] {
        assert_eq!(
            decide_at(&policy, &k, text_turn(text)).headline(),
            want,
            "{text}"
        );
    }
}

#[test]
fn a_choice_answers_something_else_hands_over_and_a_second_tie_escalates() {
    let k = semantic(DELIVERY_SHOP);
    let policy = asking_policy();
    let pending = PendingConfirmation {
        entry: "delivery-time".into(),
        asked_at: open_time(),
        choices: vec!["delivery-time".into(), "delivery-cost".into()],
        question: Some("une question sur la livraison".into()),
    };
    let turn = |text: &'static str, payload: Option<&'static str>| Turn {
        text: Some(text),
        payload,
        pending: Some(&pending),
        ..Default::default()
    };
    let payload = format!("{CHOOSE}delivery-time");
    let d = decide_at(
        &policy,
        &k,
        Turn {
            payload: Some(&payload),
            ..turn("Delivery times", None)
        },
    );
    match &d.outcome {
        Outcome::Answer { entry, text, .. } => {
            assert_eq!(entry, "delivery-time");
            assert_eq!(
                text, "2 à 4 jours ouvrés.",
                "answered in the language of the question"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(d
        .trace
        .steps
        .iter()
        .any(|s| s.check == "choice" && s.fired && s.detail.contains("chose delivery-time")));
    // The button's words typed instead of tapped choose too.
    assert_eq!(
        decide_at(&policy, &k, turn("delivery costs", None)).headline(),
        "answer delivery-cost"
    );
    // A choice the question did not offer is not taken: the message is decided afresh.
    let forged = format!("{CHOOSE}returns");
    let d = decide_at(
        &policy,
        &k,
        Turn {
            payload: Some(&forged),
            ..turn("Returns", None)
        },
    );
    assert!(
        !d.trace.steps.iter().any(|s| s.check == "choice" && s.fired),
        "{:?}",
        d.trace
    );
    assert_eq!(
        decide_at(&policy, &k, turn("Something else", Some(CHOOSE_NONE))).headline(),
        "escalate low_confidence"
    );
    // Free text is decided afresh; a second tie goes to a person instead of asking again.
    let again = decide_at(&policy, &k, turn("tell me about delivery", None));
    assert!(
        !again.headline().starts_with("ask"),
        "a second question would be a loop: {}",
        again.headline()
    );
}
