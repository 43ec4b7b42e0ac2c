//! Asking the customer which entry they mean when two tie: "Did you mean: Delivery times /
//! Delivery costs / Something else", as quick replies, in the customer's language. A choice
//! answers with that entry (and is the customer's own label for the question); "Something else"
//! hands over to a person; a typed message is decided afresh, and a second tie escalates.

use super::knowledge::KnowledgeEntry;
use super::policy_file::Policy;

/// Payload of a choice's quick reply: this prefix and the entry id.
pub const CHOOSE: &str = "HANDOFF_CHOOSE:";
/// Payload of "Something else".
pub const CHOOSE_NONE: &str = "HANDOFF_CHOOSE_NONE";

/// Messenger cuts a quick reply's title at 20 characters.
const TITLE_CHARS: usize = 20;

/// The question and the "neither" button in the shipped languages (the policy file's
/// `[messages.<lang>] ask` / `something_else` replace them).
fn built_in(language: &str) -> (&'static str, &'static str) {
    match language {
        "fr" => ("Vous voulez dire :", "Autre chose"),
        "de" => ("Meinen Sie:", "Etwas anderes"),
        "es" => ("¿Se refiere a:", "Otra cosa"),
        "it" => ("Intende:", "Altro"),
        _ => ("Did you mean:", "Something else"),
    }
}

/// The question and the "neither" button for a customer writing in `language`.
pub fn texts(policy: &Policy, language: &str) -> (String, String) {
    let (question, other) = built_in(language);
    let local = policy.messages.in_language(language);
    (
        local
            .and_then(|l| l.ask.clone())
            .unwrap_or_else(|| question.to_string()),
        local
            .and_then(|l| l.something_else.clone())
            .unwrap_or_else(|| other.to_string()),
    )
}

/// A choice's button title: the entry's topic, or its id in words ("shipping-time" → "Shipping
/// time"), cut to what Messenger shows.
pub fn choice_title(entry: &KnowledgeEntry) -> String {
    let words = entry
        .topic
        .clone()
        .unwrap_or_else(|| entry.id.replace(['-', '_', '.', '/'], " "));
    let mut chars = words.trim().chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    let title: String = first + chars.as_str();
    if title.chars().count() <= TITLE_CHARS {
        title
    } else {
        title.chars().take(TITLE_CHARS - 1).collect::<String>() + "…"
    }
}

/// The whole question sent to the customer: the question and one line per choice (the buttons
/// say the same; the lines stay readable where quick replies are not shown).
pub fn question_text(question: &str, choices: &[&KnowledgeEntry]) -> String {
    let lines: Vec<String> = choices
        .iter()
        .map(|e| format!("• {}", choice_title(e)))
        .collect();
    format!("{question}\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, topic: Option<&str>) -> KnowledgeEntry {
        KnowledgeEntry {
            id: id.into(),
            topic: topic.map(String::from),
            questions: vec!["q".into()],
            answer: "a".into(),
            answers: Default::default(),
            confirm: false,
            confirm_prompt: None,
            approve: None,
        }
    }

    #[test]
    fn titles_say_the_topic_or_the_id_within_twenty_characters() {
        assert_eq!(choice_title(&entry("shipping-time", None)), "Shipping time");
        assert_eq!(
            choice_title(&entry("x", Some("delivery costs"))),
            "Delivery costs"
        );
        let long = choice_title(&entry("international_shipping_restrictions", None));
        assert_eq!(long.chars().count(), 20);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn every_shipped_language_has_the_question_and_the_neither_button() {
        let policy = Policy::from_toml("").unwrap();
        for lang in ["en", "fr", "de", "es", "it"] {
            let (q, other) = texts(&policy, lang);
            assert!(!q.is_empty() && !other.is_empty(), "{lang}");
        }
        assert_eq!(texts(&policy, "de").0, "Meinen Sie:");
        let custom = Policy::from_toml("[messages.fr]\nask = \"Vous cherchez :\"\n").unwrap();
        assert_eq!(texts(&custom, "fr").0, "Vous cherchez :");
        assert_eq!(texts(&custom, "fr").1, "Autre chose");
    }
}
